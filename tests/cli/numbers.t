#!/usr/bin/env bash
# numbers.t -- numbers a tool does not compute leave every tool exactly as
# they came in: 12345678901234567890, 9007199254740993, 1e400, 1.0, -0,
# 1E+2 (lib/json.c keeps their source text).  The fixture's last line has a
# raw tab in a string, so it goes through cJSON instead of the fast parser.
. "$(dirname "$0")/lib.sh"
N=tests/data/numbers.jsonl
export N
# the number spellings of the fixture, each as it must come out (a numeric
# id becomes the string id of cot-record(5), with the same digits)
SPELL='"12345678901234567890" 9007199254740993 0.30000000000000004 1e400 1.0 -0 1E+2
  2.50 3e-05 -0.0 1.5e2 "18446744073709551616" 123456789012345678901234567890 3E0'
export SPELL
# each spelling, whole, as a value: after ':' '[' or ',' and before ',' ']' or '}'
has_all='for s in $SPELL; do grep -qF $(for a in : [ ,; do for z in , ] "}"; do printf -- "-e %s " "$a$s$z"; done; done) $TMP/o ||
  { echo "lost: $s"; exit 1; }; done'

t extract 0 'cot-extract -u $N'
check extract-keeps-every-spelling "cot-extract -u \$N > \$TMP/o && $has_all"
check extract-zstd-keeps "cot-extract \$N | zstd -dc > \$TMP/o && $has_all"
check extract-twice-unchanged 'cot-extract -u $N > $TMP/a && cot-extract -u $TMP/a > $TMP/b && cmp $TMP/a $TMP/b'
# --logprobs prints each record again (none has logprobs: status 1, every
# record written)
check extract-logprobs-keeps "{ cot-extract -u --logprobs \$N > \$TMP/o; test \$? = 1; } 2>/dev/null && $has_all"
t diff 0 'cot-extract -u $N > $TMP/c && cot-diff -u --key id $TMP/c $TMP/c'
check diff-keeps "cot-extract -u \$N > \$TMP/c && cot-diff --key id \$TMP/c \$TMP/c | zstd -dc > \$TMP/o && $has_all"
t judge 0 'cot-extract -u $N | cot-judge -u'
check judge-keeps "cot-extract -u \$N | cot-judge -u > \$TMP/o && $has_all"
t stat-count 0 'cot-extract -u $N | cot-stat --count meta.seed,meta.step'
# (jq would round the numbers itself: grep)
t stat-count-json 0 'cot-extract -u $N | cot-stat --json --count meta.seed | grep -o "\"values\":\[[^]]*\]"'
t stat-by 0 'cot-extract -u $N | cot-stat --tsv --by meta.seed --count cot_state | cut -f 2-5 | grep "^meta.seed"'
t profile-score 0 'cot-profile build --holdout 0.25 -o $TMP/m.prof samples/profile/own.jsonl && cot-extract -u $N | cot-profile score -u -p $TMP/m.prof | sed "s/,\"shift\":.*/}/"'
check profile-keeps "cot-profile build --holdout 0.25 -o \$TMP/m.prof samples/profile/own.jsonl && cot-extract -u \$N | cot-profile score -u -p \$TMP/m.prof > \$TMP/o && $has_all"
check pipeline-keeps "cot-extract \$N | cot-diff --key id <(cot-extract -u \$N) | cot-judge | cot-extract -u > \$TMP/o && $has_all"

done_testing
