#!/usr/bin/env bash
# cot-diff: pairing, the diff object, statuses, the text view, sharding,
# bad input and accounting, on the hand-written records in samples/diff.
. "$(dirname "$0")/lib.sh"

O=samples/diff/orig.jsonl
S=samples/diff/sft.jsonl
B=samples/diff/bad.jsonl
export O S B
# One line per record: what a reviewer wants to see first.
export SUM='[.id, .diff.status, .diff.edit, .diff.source_id, .diff.candidates, .diff.cot.similarity, .diff.answer.similarity] | @json'

# --- usage ------------------------------------------------------------------
t help            0 'cot-diff --help | sed "s/\\(--threads N.*\\)\\[[0-9]*\\]/\\1[N]/"'  # -@ default depends on the CPUs
t no-orig         2 'cot-diff'
t both-stdin      2 'cot-diff - -u'
t bad-shard       2 'cot-diff --shard 4/3 $O'
t bad-shard-form  2 'cot-diff --shard 1 $O'
t bad-rewrite     2 'cot-diff --rewrite-below 1.5 $O'
t bad-format      2 'cot-diff --format xml $O'
t bad-only-edit   2 'cot-diff --only-edit cot-only,nope $O'
t bad-color       2 'cot-diff -f text --color sometimes $O'
t bad-key         2 'cot-diff --key "/a/~2" $O'
t missing-orig    3 'cot-diff -u tests/no-such-orig.jsonl $S'

# --- the diff object ----------------------------------------------------------
# identical, one-word change, reordered paragraph, answer-only edit,
# multibyte text, empty cot (both empty; CoT added), several candidates,
# a rewrite, both changed, missing source:
t full            0 'cot-diff -u $O $S'
t summary         0 'cot-diff -u $O $S | jq -r "$SUM"'
t stdin           0 'cat $S | cot-diff -u $O | jq -r "$SUM"'
t zstd-in-out     0 'zstd -q -c $O > $TMP/o.zst && cot-diff -o $TMP/d.zst $TMP/o.zst $S && zstd -dc $TMP/d.zst | jq -r .diff.status | sort | uniq -c'
t hunk-text       0 'cot-diff -u --hunk-text $O $S | jq -c "select(.id == \"s-word\" or .id == \"s-multi\") | .diff.cot.hunks"'
t rewrite-below   0 'cot-diff -u --rewrite-below 0.95 $O $S | jq -r "[.id, .diff.status] | @tsv"'
t only-edit       0 'cot-diff -u --only-edit cot-only,both $O $S | jq -r .id'
t only-status     0 'cot-diff -u --only-status no-source,unchanged $O $S | jq -r .id'
check hunks-apply '/usr/bin/python3 -c "
import json, sys
orig = {r[\"id\"]: r for r in map(json.loads, open(\"$O\"))}
n = 0
for line in sys.stdin:
    r = json.loads(line); d = r[\"diff\"]
    if d[\"status\"] == \"no-source\": continue
    for f in (\"cot\", \"answer\"):
        a = orig[d[\"source_id\"]][f].encode(); b = r[f].encode(); out = b\"\"; at = 0
        for h in d[f][\"hunks\"]:
            out += a[at:h[\"a_start\"]] + b[h[\"b_start\"]:h[\"b_end\"]]; at = h[\"a_end\"]
        assert out + a[at:] == b, (r[\"id\"], f)
        n += 1
assert n == 20, n
" < <(cot-diff -u $O $S)'
check self-unchanged 'cot-diff -u $O $O | jq -e -s "all(.diff.status == \"unchanged\" and .diff.cot.similarity == 1 and .diff.edit == \"none\")" > /dev/null'

# --- fast paths ----------------------------------------------------------------
# Identical texts are counted, not diffed, and common ends are trimmed at
# token boundaries before tokenizing: the records are byte for byte what
# the whole comparison gives (these goldens were made by the binary before
# the fast paths), and COT_DIFF_NO_FASTPATH=1 (the whole comparison) agrees
# on a few thousand random pairs cut inside words, numbers and UTF-8.
FO=tests/data/diff-fast.orig.jsonl
FS=tests/data/diff-fast.sft.jsonl
export FO FS
# options of the text view, of --profile or of records, where they would be
# ignored, are errors
t fpr-no-profile 2 "cot-diff -u --fpr 0.2 $O $S"
t context-not-text 2 "cot-diff -u -C 5 $O $S"
t color-not-text 2 "cot-diff -u --color always $O $S"
t hunk-text-text 2 "cot-diff -O text --hunk-text $O $S"
t counts-hunk-text 2 "cot-diff -c --hunk-text $O $S"
t counts-answer-shift 2 "cot-diff -c --answer-shift $O $S"
t text-zstd 2 "cot-diff -O text --zstd -o \$TMP/t.zst $O $S; rc=\$?; ls \$TMP; exit \$rc"

t fast-fixture    0 'cot-diff -u --hunk-text $FO $FS'
t fast-fixture-text 0 'cot-diff -f text -C -1 $FO $FS'
check fast-fixture-slow 'cmp <(cot-diff -u --hunk-text $FO $FS) <(COT_DIFF_NO_FASTPATH=1 cot-diff -u --hunk-text $FO $FS)'
check fast-random-pairs '/usr/bin/python3 tests/gen-diff-pairs.py 3000 $TMP && cot-diff -u --hunk-text $TMP/o.jsonl $TMP/s.jsonl > $TMP/fast &&
  COT_DIFF_NO_FASTPATH=1 cot-diff -u --hunk-text $TMP/o.jsonl $TMP/s.jsonl > $TMP/slow && cmp $TMP/fast $TMP/slow &&
  [ $(grep -c "\"status\":\"unchanged\"" $TMP/fast) -gt 300 ] && [ $(grep -c "\"status\":\"edited\"" $TMP/fast) -gt 1000 ] &&
  cot-diff -f text -C -1 $TMP/o.jsonl $TMP/s.jsonl > $TMP/fast.txt &&
  COT_DIFF_NO_FASTPATH=1 cot-diff -f text -C -1 $TMP/o.jsonl $TMP/s.jsonl | cmp - $TMP/fast.txt'

# --- texts rewritten whole: the bit-parallel LCS trace ---------------------------
# Myers' search costs about D squared; for these 1-2k-token CoTs rewritten
# whole the trace gives the script (cot-diff(1), Diff quality and cost):
# the same counts as Myers alone (COT_DIFF_LCS=myers), hunks that turn the
# original into the SFT text, the trace's placement in the golden.
RO=tests/data/diff-rewrite.orig.jsonl
RS=tests/data/diff-rewrite.sft.jsonl
export RO RS
export RSUM='.diff.cot | {similarity, tokens_a, tokens_b, inserted, deleted, hunks: (.hunks | length), first: .hunks[0], last: .hunks[-1]}'
t rewrite-trace   0 'cot-diff -u $RO $RS | jq -c "$RSUM"'
check rewrite-trace-counts 'cmp <(cot-diff -u $RO $RS | jq -c ".diff.cot | [.tokens_a, .tokens_b, .inserted, .deleted]") \
  <(COT_DIFF_LCS=myers cot-diff -u $RO $RS | jq -c ".diff.cot | [.tokens_a, .tokens_b, .inserted, .deleted]")'
check rewrite-trace-applies '/usr/bin/python3 -c "
import json, sys
orig = {r[\"prompt\"]: r for r in map(json.loads, open(\"$RO\"))}
n = 0
for line in sys.stdin:
    r = json.loads(line); a = orig[r[\"prompt\"]][\"cot\"].encode(); b = r[\"cot\"].encode(); out = b\"\"; at = 0
    for h in r[\"diff\"][\"cot\"][\"hunks\"]:
        out += a[at:h[\"a_start\"]] + b[h[\"b_start\"]:h[\"b_end\"]]; at = h[\"a_end\"]
    assert out + a[at:] == b, r[\"id\"]
    n += 1
assert n == 3, n
" < <(cot-diff -u $RO $RS)'
# Every pair traced (COT_DIFF_LCS=bits) on the samples: the same counts as
# the default, and the edited pairs, below the threshold, unchanged.
check trace-all-counts 'cmp <(COT_DIFF_LCS=bits cot-diff -u $O $S | jq -c "[.id, .diff.cot.inserted, .diff.cot.deleted, .diff.answer.inserted, .diff.answer.deleted]") \
  <(cot-diff -u $O $S | jq -c "[.id, .diff.cot.inserted, .diff.cot.deleted, .diff.answer.inserted, .diff.answer.deleted]")'

# Originals are read again by their members, without a JSON tree: escapes
# (\n, \", \\, \/, \u00e9, a surrogate pair), a member name written with an
# escape (that line is parsed in full; there it names cot a second time), a
# member given twice (both of those originals are rejected: readers differ
# on which one counts, so their SFT records get no source), spaces between
# tokens, nested values holding quotes and brackets, ids that are a number or null, a prompt key written with
# escapes, members in another order, several candidates (after an identical
# CoT the rest are only counted; the first one wins ties).  The goldens were
# made by the binary before this reading; COT_DIFF_NO_FASTPATH=1 (every
# original parsed in full) agrees, on every kind of key, at -@ 0 and 3.
SO=tests/data/diff-scan.orig.jsonl
SS=tests/data/diff-scan.sft.jsonl
export SO SS
t scan-fixture    0 'cot-diff -u --skip-bad --hunk-text $SO $SS'
t scan-fixture-text 0 'cot-diff -f text -C -1 --skip-bad $SO $SS'
t scan-keys       0 'sed -E "s/\"id\":\"s-/\"id\":\"o-/" $SS > $TMP/ids && for k in id /qid qid .qid m.qid; do echo "--key $k"; cot-diff -u --skip-bad --key $k $SO $TMP/ids | jq -c "[.id, .diff.status, .diff.source_id, .diff.candidates]"; done'
check scan-slow   'sed -E "s/\"id\":\"s-/\"id\":\"o-/" $SS > $TMP/ids && for k in prompt id /qid qid m.qid; do for n in 0 3; do
  cot-diff -@ $n -v -u --skip-bad --hunk-text --key $k --unmatched $TMP/u1.jsonl $SO $TMP/ids > $TMP/a 2>&1 &&
  COT_DIFF_NO_FASTPATH=1 cot-diff -@ $n -v -u --skip-bad --hunk-text --key $k --unmatched $TMP/u2.jsonl $SO $TMP/ids > $TMP/b 2>&1 &&
  cmp $TMP/a $TMP/b && cmp $TMP/u1.jsonl $TMP/u2.jsonl || exit 1; done; done'

# --- keys -----------------------------------------------------------------------
t key-pointer     0 'cot-diff -u --key /meta/qid $O $S | jq -r "$SUM"'
t key-dotted      0 'cot-diff -u --key meta.qid $O $S | jq -r "$SUM" | head -3'
t key-id          0 'cot-diff -u --key id $O $O | jq -r "[.id, .diff.source_id] | @tsv" | head -3'
# A numeric key is compared as the source spells it: two ids beyond 2^53
# that one double would hold stay two keys.
# a diff given twice in an SFT record: replacing the first would pass the
# stale second on to a reader that takes the last; with -c nothing is written
t diff-twice 1 "printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\"}' > \$TMP/o && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"diff\":{\"status\":\"unchanged\"},\"diff\":{\"status\":\"rewritten\"}}' | cot-diff -u \$TMP/o"
t diff-twice-counts 0 "printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\"}' > \$TMP/o && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"diff\":{\"status\":\"unchanged\"},\"diff\":{\"status\":\"rewritten\"}}' | cot-diff -c \$TMP/o"
# a --key path through a member given twice, in an SFT record (stop) and in
# an original (skipped when indexed): which key pairs?
t key-twice 1 "printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1}}' > \$TMP/o && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1,\"k\":2}}' | cot-diff -u --key meta.k \$TMP/o"
t key-twice-orig 0 "cd \$TMP && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":2},\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"b\",\"answer\":\"x\",\"meta\":{\"k\":1}}' > o && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1}}' | cot-diff -u -v --skip-bad --key meta.k o | jq -c '[.diff.status, .diff.cot.similarity]'"
# every member given twice has the one kind, field-twice, in the SFT set
# and the originals, apart from missing-field and missing-key
t kinds-twice     0 "cd \$TMP && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"cot\":\"b\",\"answer\":\"x\",\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"answer\":\"x\",\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1,\"k\":2}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\"}' > o && printf '%s\\n' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"answer\":\"y\",\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1},\"diff\":{},\"diff\":{}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\",\"meta\":{\"k\":1},\"meta\":{\"k\":1}}' '{\"prompt\":\"p\",\"cot\":\"a\",\"answer\":\"x\"}' | cot-diff -u -q --skip-bad --key meta.k --rejects r.jsonl o | jq -c .diff.status && jq -r '[.file, .line, .kind] | @tsv' r.jsonl"
t key-big-number  0 "printf '%s\\n' '{\"id\":\"o1\",\"prompt\":\"p\",\"cot\":\"a b\",\"answer\":\"x\",\"cot_state\":\"ok\",\"meta\":{\"n\":12345678901234567890}}' '{\"id\":\"o2\",\"prompt\":\"p\",\"cot\":\"c d\",\"answer\":\"y\",\"cot_state\":\"ok\",\"meta\":{\"n\":12345678901234567891}}' > \$TMP/o && printf '%s\\n' '{\"id\":\"s1\",\"prompt\":\"p\",\"cot\":\"c d\",\"answer\":\"y\",\"cot_state\":\"ok\",\"meta\":{\"n\":12345678901234567891}}' | cot-diff -u --key /meta/n \$TMP/o | jq -c '[.diff.source_id, .diff.candidates]'"
t key-missing     1 'cot-diff -u --key /meta/none $O $S'
t id-fallback     0 'jq -c "del(.id)" $O > $TMP/o.jsonl && cd $TMP && cot-diff -u o.jsonl $ROOT/$S | jq -r .diff.source_id | head -3'
# ... and when the ids are digests that matched nothing, the gate says why
t key-id-digests 1 'set -o pipefail; jq -c "{prompt, cot, answer}" $O | cot-extract -u > $TMP/a &&
  jq -c "{prompt, cot, answer}" $S | cot-extract -u | cot-diff -u --exit-status --key id $TMP/a | jq -r .diff.status | sort | uniq -c'
# cot-extract's fallback ids do not depend on how the path was typed
t key-id-extracted 0 'jq -c "del(.id)" $O > $TMP/o.jsonl && cot-extract -u $TMP/o.jsonl > $TMP/a &&
  cd $TMP && cot-extract -u ./o.jsonl > b && cot-diff -u --exit-status --key id a b | jq -r "[.diff.status, .diff.source_id] | @tsv"'

# --- text view ---------------------------------------------------------------------
t text            0 'cot-diff -f text $O $S'
t text-color      0 'cot-diff -f text --color=always $O $S | head -3'
t text-context    0 'cd $TMP; printf "%s\n" "{\"prompt\":\"p\",\"cot\":\"l1\nl2\nl3\nl4 x\nl5\nl6\nl7\",\"answer\":\"a\"}" > o.jsonl;
  printf "%s\n" "{\"prompt\":\"p\",\"cot\":\"l1\nl2\nl3\nl4 y\nl5\nl6\nl7\",\"answer\":\"a\"}" > s.jsonl;
  for c in 1 0 -1; do cot-diff -f text -C $c o.jsonl s.jsonl; done'
# -C trims the answer section as it trims the cot: a one-line change in a
# 30-line answer shows that line and its context, not all 30 lines
t text-context-answer 0 'cd $TMP; jq -nc "{prompt: \"p\", cot: \"c\", answer: ([range(1;31)] | map(\"a\(.)\") | join(\"\n\"))}" > o.jsonl;
  jq -c ".answer |= sub(\"a15\"; \"a15 changed\")" o.jsonl > s.jsonl;
  for c in 1 -1; do cot-diff -f text -C $c o.jsonl s.jsonl; done | head -12'

# --- exit status and accounts ----------------------------------------------------------
t exit-status     1 'cot-diff -u --exit-status $O $S > /dev/null'
t exit-status-ok  0 'head -1 $S | cot-diff -u --exit-status $O | jq -r .diff.status'
t exit-status-ans 0 'grep s-answer $S | cot-diff -u --exit-status $O | jq -r .diff.edit'
t accounts        0 'cot-diff -u -v $O $S > /dev/null'

# --- a gate fails when nothing, or too little, was compared -------------------
# The ids of $O and $S differ: --key id pairs nothing.
t exit-status-none-paired 1 'set -o pipefail; cot-diff -u --exit-status --key id $O $S | jq -r .diff.status | uniq -c'
t none-paired-warns       0 'cot-diff -u -v --key id $O $S > /dev/null'
t exit-status-no-input    1 'cot-diff -u -v --exit-status $O < /dev/null'
t exit-status-all-rejected 1 'grep b-nocot $B | cot-diff -u --skip-bad --exit-status $O'
t exit-status-no-orig     1 'cot-diff -u --exit-status /dev/null $S > /dev/null'
# one record unchanged, one without a source: 1 of 2 found an original
t min-paired-default 0 'grep -e s-ident -e s-nosrc $S | cot-diff -u -v --exit-status $O | jq -r .diff.status'
t min-paired-fails   1 'grep -e s-ident -e s-nosrc $S | cot-diff -u --exit-status --min-paired 0.6 $O > /dev/null'
t min-paired-warns   0 'grep -e s-ident -e s-nosrc $S | cot-diff -u --min-paired 0.6 $O > /dev/null'
# 1 of 3: --min-paired 0 lets it pass, but "0 of N" never does (above)
t min-paired-zero    0 '{ grep -e s-ident -e s-nosrc $S; grep s-nosrc $S | sed s/s-nosrc/s-nosrc2/; } | cot-diff -u -v --exit-status --min-paired 0 $O | jq -r .diff.status'
t min-paired-quiet   0 'grep -e s-ident -e s-nosrc $S | cot-diff -u -q --min-paired 0.6 $O > /dev/null'
t bad-min-paired     2 'cot-diff --min-paired 1.5 $O'
t min-paired-shard   1 'cot-diff -u --exit-status --key id --shard 2/3 $O $S > /dev/null'

# --- an empty key never pairs: status no-key ----------------------------------
# Prompt-less records (the gpt-oss agent tasks have none), an empty id, an
# empty or [] / {} field: each is counted, warned about once, and never
# paired with the other empty keys.
NO=samples/diff/nokey-orig.jsonl
NS=samples/diff/nokey-sft.jsonl
export NO NS
t no-key-prompt   0 'cot-diff -u -v $NO $NS | jq -r "$SUM"'
t no-key-id       0 'cot-diff -u -v --key id $NO $NS | jq -r "$SUM"'
t no-key-pointer  0 'cot-diff -u -v --key /meta/qid $NO $NS | jq -r "$SUM"'
t no-key-object   0 'cot-diff -u $NO $NS | jq -c "select(.id == \"g-002\") | .diff"'
t no-key-gate     1 'set -o pipefail; grep g-002 $NS | cot-diff -u --exit-status $NO | jq -r .diff.status'
t no-key-text     0 'cot-diff -f text $NO $NS'
t no-key-only-status 0 'cot-diff -u -q --only-status no-key $NO $NS | jq -r .id'
t no-key-unmatched 0 'cot-diff -u -q --unmatched $TMP/u.jsonl $NO $NS > /dev/null && jq -r .id $TMP/u.jsonl'
# The -v accounts add up: lines read = written + rejected + other-shard +
# not selected, whatever the options.
cat > "$_BASE/adds-up.pl" <<'PL'
$_ = (<STDIN>)[-1];
/(\d+) lines read: \d+ accepted, (\d+) rejected/ or die "no accounts: $_";
my ($read, $rej) = ($1, $2);
my $other = /; other-shard (\d+)/ ? $1 : 0;
my $unsel = /; not-selected (\d+)/ ? $1 : 0;
/(\d+) records written/ or die "no records written: $_";
$read == $1 + $rej + $other + $unsel or die "does not add up: $_";
PL
export ADDS_UP="$_BASE/adds-up.pl"
check accounts-add-up 'for a in "" "--key id" "--key /meta/qid" "--only-status no-key,unchanged" "--only-edit cot-only" "--shard 1/3" "--shard 3/3" "--min-paired 1"; do
  cot-diff -u -v --skip-bad $a $NO $NS $B 2>&1 > /dev/null | perl $ADDS_UP || exit 1;
  cot-diff -u -v --skip-bad $a $O $S $B 2>&1 > /dev/null | perl $ADDS_UP || exit 1; done'
check no-key-shards 'cot-diff -u -q $NO $NS | sort > $TMP/all;
  for k in 1 2 3; do cot-diff -u -q --shard $k/3 $NO $NS; done | sort > $TMP/shards;
  cmp $TMP/all $TMP/shards && test "$(grep -c "\"no-key\"" $TMP/shards)" = 3'
t unmatched       0 'cot-diff -u --unmatched $TMP/u.jsonl $O $S > /dev/null && jq -r .id $TMP/u.jsonl'

# --- bad input: SFT side and originals side ----------------------------------------------
t bad-sft         1 'cot-diff -u $O $B'
t bad-sft-skip    0 'cot-diff -u -v --skip-bad $O $B | jq -r .id'
t bad-sft-rejects 0 'cot-diff -u --rejects $TMP/r.jsonl $O $B > /dev/null && cat $TMP/r.jsonl'
t bad-orig        1 'cot-diff -u $B $S'
t bad-orig-skip   0 'cot-diff -u -v --skip-bad $B $S | jq -r .diff.status | sort | uniq -c'
t bad-json-orig   1 'cot-diff -u tests/bad/invalid-json.jsonl $S'
t truncated-orig  1 'cot-diff -u tests/bad/truncated.jsonl.zst $S'
t dev-full        3 'cot-diff -u $O $S > /dev/full'

# --- sharding: N runs cover the single run exactly once, as sets ------------------------------
check shard-sets 'cot-diff -u $O $S | sort > $TMP/all;
  for k in 1 2 3; do cot-diff -u --shard $k/3 $O $S; done | sort > $TMP/shards;
  cmp $TMP/all $TMP/shards && test "$(wc -l < $TMP/all)" = 11'
check shard-sets-bad 'cot-diff -u --skip-bad $O $S $B | sort > $TMP/all;
  for k in 1 2 3 4 5; do cot-diff -u --skip-bad --shard $k/5 $O $S $B; done | sort > $TMP/shards;
  cmp $TMP/all $TMP/shards'
check shard-unmatched 'cot-diff -u --unmatched $TMP/u $O $S > /dev/null; sort $TMP/u > $TMP/uall;
  for k in 1 2 3; do cot-diff -u --shard $k/3 --unmatched $TMP/u$k $O $S > /dev/null; done;
  sort $TMP/u1 $TMP/u2 $TMP/u3 | cmp - $TMP/uall'
check shard-parallel 'cot-diff -u $O $S | sort > $TMP/all;
  for k in 1 2 3 4; do cot-diff -u --shard $k/4 -o $TMP/p$k $O $S & done; wait;
  sort $TMP/p1 $TMP/p2 $TMP/p3 $TMP/p4 | cmp - $TMP/all'

# ---- --profile: the shift of each edit (cot-profile(1)) -----------------
# A profile of the originals themselves: the edited spans should be the
# surprising part, the unchanged text before them not.
check profile-build 'cot-profile build -o $TMP/o.prof $O'
t profile-shift 0 'cot-profile build --holdout 0.25 -o $TMP/o.prof samples/profile/own.jsonl && cot-diff -u --profile $TMP/o.prof $O $S | jq -c "{id, status: .diff.status, shift: (.shift | {tokens, off_policy, edits})}"'
check profile-no-source-has-no-edits 'cot-profile build --holdout 0.25 -o $TMP/o.prof samples/profile/own.jsonl && cot-diff -u --profile $TMP/o.prof $O $S | jq -e "select(.diff.status == \"no-source\") | .shift.edits == null and .shift.bits_per_token != null" | grep -qvx false'
t profile-missing 3 'cot-diff -u --profile samples/no-such.prof $O $S'
t profile-not-a-profile 1 'cot-diff -u --profile $O $O $S'
t profile-bad-fpr 2 'cot-diff --fpr 0 $O $S'

# ---- --within A,B: the original and the edit in one record (PRMBench) ----
W=samples/diff/within.jsonl
WB=samples/diff/within-bad.jsonl
WP=/original_process,/modified_process
export W WB WP
t within          0 'cot-diff -u -v --within $WP $W | jq -c "[.idx, .diff.status, .diff.fields, .diff.text.similarity, (.diff.text.hunks | length)]"'
# a --within field through a member given twice: field-twice; one missing:
# missing-field
t within-kinds    0 "printf '%s\\n' '{\"a\":\"x y\",\"b\":\"x z\"}' '{\"a\":\"x y\",\"a\":\"q\",\"b\":\"x z\"}' '{\"b\":\"x z\"}' | cot-diff -u -q --skip-bad --rejects \$TMP/r.jsonl --within a,b | jq -c .diff.status && jq -r '[.line, .kind] | @tsv' \$TMP/r.jsonl"
t within-hunk-text 0 'cot-diff -u --hunk-text --within $WP $W | jq -c "select(.idx == \"pb-002\" or .idx == \"pb-004\") | .diff"'
t within-text     0 'cot-diff -f text -C 1 --within original_process,modified_process $W'
t within-text-all 0 'grep pb-002 $W | cot-diff -f text -C -1 --within $WP'
t within-only-status 0 'cot-diff -u --only-status rewritten,unchanged --within $WP $W | jq -r .idx'
t within-exit-status 1 'cot-diff -u --exit-status --within $WP $W > /dev/null'
t within-exit-status-ok 0 'head -1 $W | cot-diff -u --exit-status --within $WP | jq -r .diff.status'
t within-rewrite-below 0 'cot-diff -u --rewrite-below 0.9 --within $WP $W | jq -r "[.idx, .diff.status] | @tsv"'
# a string beside a step list: original_cot is the joined original_process
t within-string   0 'grep pb-004 $W | cot-diff -u --within /original_cot,/original_process | jq -c .diff'
check within-dotted-same 'cot-diff -u --within $WP $W > $TMP/p && cot-diff -u --within original_process,modified_process $W |
  jq -c ".diff |= del(.fields)" | cmp - <(jq -c ".diff |= del(.fields)" $TMP/p)'
check within-hunks-apply '/usr/bin/python3 -c "
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    j = lambda v: v if isinstance(v, str) else \"\n\".join(v)
    a = j(r[\"original_process\"]).encode(); b = j(r[\"modified_process\"]).encode(); out = b\"\"; at = 0
    for h in r[\"diff\"][\"text\"][\"hunks\"]:
        out += a[at:h[\"a_start\"]] + b[h[\"b_start\"]:h[\"b_end\"]]; at = h[\"a_end\"]
    assert out + a[at:] == b, r[\"idx\"]
    n += 1
assert n == 4, n
" < <(cot-diff -u --within $WP $W)'
# a record without a field, or with one that is not text, is rejected;
# a field that no record has fails the run even with --skip-bad
t within-bad      1 'cot-diff -u --within $WP $WB'
t within-bad-skip 0 'cot-diff -u -v --skip-bad --within $WP $WB | jq -r .idx'
t within-no-match 1 'cot-diff -u --skip-bad --within /original_process,/modified_proces $W'
t within-no-match-stops 1 'set -o pipefail; cot-diff -u --within /orig,/modified_process $W | jq -r .idx'
check within-accounts-add-up 'for a in "" "--only-status edited" "--exit-status"; do
  cot-diff -u -v --skip-bad $a --within $WP $W $WB samples/diff/bad.jsonl 2>&1 > /dev/null | perl $ADDS_UP || exit 1; done'
t within-exit-status-no-input 1 'cot-diff -u --exit-status --within $WP < /dev/null'
t within-no-comma 2 'cot-diff --within /original_process $W'
t within-three    2 'cot-diff --within /a,/b,/c $W'
t within-same     2 'cot-diff --within /a,/a $W'
t within-same-spelt 2 'cot-diff -u --within /original_process,.original_process $W'
t within-bad-path 2 'cot-diff --within "/a/~2,/b" $W'
t within-key      2 'cot-diff --key id --within $WP $W'
t within-profile  2 'cot-diff --within $WP --profile x.prof $W'
t within-counts   2 'cot-diff -c --within $WP $W'
t within-drop     2 'cot-diff --drop edited --within $WP $W'

t text-unmatched-honours-u 0 'cot-diff -f text -u --unmatched $TMP/u.jsonl $O $S > /dev/null && head -c 1 $TMP/u.jsonl'
check text-unmatched-zstd-by-default 'cot-diff -f text --unmatched $TMP/u.zst $O $S > /dev/null && zstd -t -q $TMP/u.zst'

# --answer-shift: a record with an empty key has no original, so no shift
# (it used to be compared with the original of an earlier record)
t answer-shift-no-key 0 "printf '%s\\n' '{\"id\":\"o1\",\"prompt\":\"p\",\"cot\":\"c\",\"answer\":\"Rating: 7\"}' > \$TMP/o && printf '%s\\n' '{\"id\":\"s1\",\"prompt\":\"p\",\"cot\":\"c\",\"answer\":\"Rating: 8\"}' '{\"id\":\"s2\",\"prompt\":\"  \",\"cot\":\"c\",\"answer\":\"Rating: 3\"}' | cot-diff -u -q --answer-shift \$TMP/o | jq -c '[.id, .diff.status, .diff.answer_number, .diff.answer_shift]'"

# ---- memory: the originals stay on disk -------------------------------------
# A plain ORIG is read in place.  One on stdin or a pipe is spilled to
# TMPDIR (-v: spilled-bytes); so is a zstd file where TMPDIR is a disk with
# room, or with COT_DIFF_SPILL=1.  Else (TMPDIR a tmpfs, or missing, or
# COT_DIFF_SPILL=0, or TMPDIR not a folder it may write in) a zstd file
# is decompressed again, with nothing in TMPDIR.  The same records every way.  A TMPDIR that cannot take a spill
# is an error that names it.
t spill-zstd      0 'zstd -q -c $O > $TMP/o.zst && cot-diff -u -v - $S < $TMP/o.zst 2>&1 >/dev/null | grep -o "index-bytes [0-9]* spilled-bytes [0-9]*" &&
  COT_DIFF_SPILL=1 cot-diff -u -v $TMP/o.zst $S 2>&1 >/dev/null | grep -o "index-bytes [0-9]* spilled-bytes [0-9]*"'
t reread-zstd     0 'zstd -q -c $O > $TMP/o.zst && TMPDIR=$TMP/none cot-diff -u -v $TMP/o.zst $S 2>&1 >/dev/null | grep -o "orig: .*" &&
  COT_DIFF_SPILL=0 cot-diff -u -v $TMP/o.zst $S 2>&1 >/dev/null | grep -o "orig: .*" &&
  TMPDIR=$TMP/o.zst cot-diff -u -v $TMP/o.zst $S 2>&1 >/dev/null | grep -o "orig: .*"'
# without COT_DIFF_SPILL: spilled where TMPDIR is a disk (here $TMP, unless
# it is a tmpfs itself), read again where it is a tmpfs (/dev/shm)
check spill-auto  'zstd -q -c $O > $TMP/o.zst && unset COT_DIFF_SPILL && fs=$(stat -f -c %T $TMP) &&
  n=$(cot-diff -u -v $TMP/o.zst $S 2>&1 >/dev/null | grep -c spilled-bytes); case $fs in tmpfs|ramfs) [ $n = 0 ] ;; *) [ $n = 1 ] ;; esac &&
  if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then [ "$(TMPDIR=/dev/shm cot-diff -u -v $TMP/o.zst $S 2>&1 >/dev/null | grep -c spilled-bytes)" = 0 ];
  else echo "# skip: no tmpfs at /dev/shm: the tmpfs half not checked" >&2; fi'
check spill-same  'zstd -q -c $O > $TMP/o.zst && cot-diff -u --hunk-text $O $S > $TMP/a && cot-diff -u --hunk-text $TMP/o.zst $S | cmp - $TMP/a &&
  COT_DIFF_SPILL=1 cot-diff -u --hunk-text $TMP/o.zst $S | cmp - $TMP/a && cot-diff -u --hunk-text - $S < $TMP/o.zst | cmp - $TMP/a &&
  cat $O | cot-diff -u --hunk-text - $S | cmp - $TMP/a && cot-diff -u --hunk-text <(cat $O) $S | cmp - $TMP/a'
# A plain ORIG is read again in place, by offset: lines ending in CRLF,
# blank lines (spaces, a lone CR) and bad lines between them, a last line
# without a newline; --unmatched reads every unused one back.
t in-place-lines  0 'printf "%s\r\n\n   \n%s\n{bad\n\r\n%s\r\n%s" "$(sed -n 1p $O)" "$(sed -n 2p $O)" "$(sed -n 3p $O)" "$(sed -n 4p $O)" > $TMP/o.jsonl &&
  head -n 2 $S | cot-diff -u -v --skip-bad --unmatched $TMP/un.jsonl $TMP/o.jsonl 2> $TMP/err | jq -r "$SUM" && cat $TMP/un.jsonl | jq -c .id && sed "s|$TMP|TMP|" $TMP/err >&2'
check in-place-unmatched-bytes 'printf "%s\r\n\n%s\n{bad\n%s" "$(sed -n 1p $O)" "$(sed -n 3p $O)" "$(sed -n 4p $O)" > $TMP/o.jsonl &&
  head -n 1 $S | cot-diff -u --skip-bad --unmatched $TMP/un.jsonl $TMP/o.jsonl > /dev/null 2>&1; sed -n "3p;4p" $O | cmp - $TMP/un.jsonl'
t spill-no-tmpdir 3 'set -o pipefail; zstd -q -c $O > $TMP/o.zst && TMPDIR=$TMP/none cot-diff -u - $S < $TMP/o.zst 2>&1 | sed "s|$TMP|TMP|g"'
# a TMPDIR that fills up (here: a 1 KB file size limit)
t spill-full      3 'zstd -q -c $O > $TMP/o.zst && (trap "" XFSZ; ulimit -f 1; TMPDIR=$TMP cot-diff -u - $S < $TMP/o.zst 2>&1 > /dev/null) | sed "s|$TMP|TMP|g"; exit ${PIPESTATUS[0]}'
# Spilled through a writer thread (-@ N > 0) with 4 buffers of 1 MiB: 6 MB
# of originals go round them, the same records as -@ 0; a spill that fills
# up half-way is the same error, told when the reading hands the writer
# its next buffer, and -v says the same at every N (the index it threw
# away is not counted: how far it got is the thread's timing).
BIG=$_BASE/big; export BIG
jq -c -n 'range(600) as $i | {id: "o\($i)", prompt: "p\($i)", cot: ("step \($i) of it. " * 600), answer: "\($i)"}' > $BIG-o.jsonl
jq -c 'if (.id | ltrimstr("o") | tonumber) % 3 == 0 then .cot |= sub("of it"; "of that") | .id |= "s" + . else . end' $BIG-o.jsonl > $BIG-s.jsonl
zstd -q -c $BIG-o.jsonl > $BIG-o.zst
check spill-ring-same 'cot-diff -u -v -@ 2 - $BIG-s.jsonl < $BIG-o.zst > $TMP/a 2> $TMP/ea && cot-diff -u -v -@ 0 - $BIG-s.jsonl < $BIG-o.zst > $TMP/b 2> $TMP/eb &&
  cmp $TMP/a $TMP/b && cmp $TMP/ea $TMP/eb && grep -q "spilled-bytes $(wc -c < $BIG-o.jsonl)" $TMP/ea &&
  cot-diff -u $BIG-o.jsonl $BIG-s.jsonl | cmp - $TMP/a && test "$(jq -r .diff.edit $TMP/a | sort | uniq -c | tr -s " ")" = " 200 cot-only
 400 none"'
t spill-ring-full 3 'for n in 0 1 2; do (trap "" XFSZ; ulimit -f 2048; TMPDIR=$TMP cot-diff -u -v -@ $n - $BIG-s.jsonl < $BIG-o.zst 2>&1 > /dev/null; echo "rc $?") | sed "s|$TMP|TMP|g; s|$BIG|BIG|g"; done; exit 3'
# A zstd ORIG read again (5.5 MB, past the cursor's ring of 2 MiB and 2 MiB
# a thread): SFT records in its order, or reversed and two in three (the
# first read behind the ring spills it then, to TMPDIR), give the records
# and messages of the plain file at every -@, --unmatched too (read from
# the start again); a late spill that TMPDIR cannot take is the spill's
# error, exit 3.
check reread-same 'cot-diff -u -v $BIG-o.jsonl $BIG-s.jsonl > $TMP/a 2> $TMP/ea && tac $BIG-s.jsonl | awk "NR % 3" > $TMP/r.jsonl &&
  cot-diff -u -v --only unchanged --unmatched $TMP/ua $BIG-o.jsonl $TMP/r.jsonl > $TMP/ra 2> $TMP/era &&
  export COT_DIFF_SPILL=0 && for n in 0 1 2 4; do cot-diff -u -v -@ $n $BIG-o.zst $BIG-s.jsonl > $TMP/b 2> $TMP/eb && cmp $TMP/a $TMP/b && cmp $TMP/ea $TMP/eb &&
    mkdir -p $TMP/t$n && TMPDIR=$TMP/t$n cot-diff -u -v -@ $n --only unchanged --unmatched $TMP/ub $BIG-o.zst $TMP/r.jsonl > $TMP/rb 2> $TMP/erb &&
    cmp $TMP/ra $TMP/rb && cmp $TMP/era $TMP/erb && cmp $TMP/ua $TMP/ub && [ -z "$(ls -A $TMP/t$n)" ] || exit 1; done &&
  test "$(wc -l < $TMP/ua)" = 200'
t reread-late-full 3 'for n in 0 1; do (trap "" XFSZ; ulimit -f 2048; tac $BIG-s.jsonl | COT_DIFF_SPILL=0 TMPDIR=$TMP cot-diff -u -@ $n $BIG-o.zst - 2>&1 > /dev/null; echo "rc $?") | sed "s|$TMP|TMP|g; s|$BIG|BIG|g"; done; exit 3'
check in-place-no-tmp 'mkdir $TMP/t && TMPDIR=$TMP/t cot-diff -u $O $S > /dev/null && [ -z "$(ls -A $TMP/t)" ] && zstd -q -c $O > $TMP/o.zst &&
  TMPDIR=$TMP/t cot-diff -u $TMP/o.zst $S > /dev/null && [ -z "$(ls -A $TMP/t)" ]'

# ---- -@ N: the records are paired and diffed on N worker threads -----------
# stdout, stderr, the exit status and every file written are those of -@ 0,
# byte for byte, in every mode: records, text, counts, selections, bad
# lines (skipped, kept, or stopping the run), gates, shards, --unmatched,
# --profile, a spilled (zstd) ORIG, and batches of 256 records (the random
# pairs make a dozen); and at -@ 3 with the pool switching between its
# workers and inline every record and every 100 (COT_WORKERS_ADAPT=flip:K).
export SAME_AT='same_at() {  # ARGS...: -@ 0 vs -@ 1, -@ 3 and -@ 3 switching
  local n rc0 rc
  ( cd $TMP && cot-diff -@ 0 "$@" > out.0 2> err.0; echo $? > rc.0; [ -f un ] && mv un un.0; true )
  for n in 1 3 f1 f100; do
    ( cd $TMP && case $n in f*) export COT_WORKERS_ADAPT=flip:${n#f}; t=3 ;; *) t=$n ;; esac
      cot-diff -@ $t "$@" > out.$n 2> err.$n; echo $? > rc.$n; [ -f un ] && mv un un.$n; true )
    cmp $TMP/out.0 $TMP/out.$n && cmp $TMP/err.0 $TMP/err.$n && cmp $TMP/rc.0 $TMP/rc.$n || { echo "-@ $n differs: $*"; return 1; }
    [ ! -f $TMP/un.0 ] || cmp $TMP/un.0 $TMP/un.$n || { echo "--unmatched differs at -@ $n: $*"; return 1; }
  done
}'
check workers-same 'eval "$SAME_AT"; /usr/bin/python3 tests/gen-diff-pairs.py 3000 $TMP && zstd -q $TMP/o.jsonl -o $TMP/o.zst &&
  R=$ROOT; cot-profile build -o $TMP/o.prof samples/profile/own.jsonl 2> /dev/null &&
  same_at -u -v --hunk-text o.jsonl s.jsonl && same_at -v -f text -C 1 o.jsonl s.jsonl &&
  same_at -c o.jsonl s.jsonl && same_at -u --only cot-only,unchanged --unmatched un o.jsonl s.jsonl &&
  same_at -u -v --exit-status --drop edited o.jsonl s.jsonl && same_at -u -v --shard 2/3 o.jsonl s.jsonl &&
  same_at -u -v o.zst s.jsonl && same_at -u -v --profile o.prof o.jsonl s.jsonl &&
  same_at -u -v --answer-shift o.jsonl s.jsonl &&
  same_at -u -v $R/$O $R/$S && same_at -f text $R/$O $R/$S && same_at -u $R/$O $R/$B &&
  same_at -u -v --skip-bad $R/$O $R/$B && same_at -u --rejects rj $R/$O $R/$B &&
  same_at -u -v --exit-status $R/$O - < /dev/null && same_at -u --key id -v $R/$O $R/$S &&
  zstd -q -c $TMP/s.jsonl | head -c 150000 > $TMP/cut.zst && same_at -u -v o.jsonl cut.zst &&
  COT_MAX_LINE=300 same_at -u -v --skip-bad o.jsonl s.jsonl && COT_MAX_LINE=300 same_at -u -v o.jsonl s.jsonl &&
  head -c -1 $R/$S > $TMP/unterm && same_at -u -v $R/$O unterm && printf "{\"a\":" >> $TMP/unterm && same_at -u -v $R/$O unterm &&
  [ $(grep -c . $TMP/out.3) -gt 5 ]'
# The originals are indexed on the workers too (parsed, keyed and hashed
# there; spilled and indexed in load order): bad originals spread over many
# batches (skipped, kept, or stopping the index), an empty key, a key that
# is missing, shards, a spilled (zstd) ORIG, one cut inside a frame, and an
# ORIG whose last line has no newline.
check workers-orig 'eval "$SAME_AT"; /usr/bin/python3 tests/gen-diff-pairs.py 3000 $TMP && /usr/bin/python3 -c "
import sys
bad = {700: \"{broken\", 1400: \"{\\\"id\\\": \\\"x\\\", \\\"prompt\\\": \\\"p\\\"}\",
       2100: \"{\\\"id\\\": \\\"e\\\", \\\"prompt\\\": \\\" \\\", \\\"cot\\\": \\\"c\\\", \\\"answer\\\": \\\"a\\\"}\"}
for i, line in enumerate(open(sys.argv[1]), 1):
    if i in bad: print(bad[i])
    sys.stdout.write(line)
" $TMP/o.jsonl > $TMP/ob.jsonl && [ $(grep -c "^{broken" $TMP/ob.jsonl) = 1 ] &&
  zstd -q $TMP/ob.jsonl -o $TMP/ob.zst && head -c 200000 $TMP/ob.zst > $TMP/cut.zst && head -c -1 $TMP/o.jsonl > $TMP/ou.jsonl &&
  same_at -u -v --skip-bad ob.jsonl s.jsonl && same_at -u -v ob.jsonl s.jsonl && same_at -u -v --rejects rj ob.jsonl s.jsonl &&
  same_at -u -v --skip-bad ob.zst s.jsonl && same_at -u -v --skip-bad --shard 2/3 ob.jsonl s.jsonl &&
  same_at -u -v --skip-bad --shard 1/3 --unmatched un ob.zst s.jsonl && same_at -u -v --skip-bad cut.zst s.jsonl &&
  same_at -u -v --key id --skip-bad ob.jsonl s.jsonl && same_at -u -v ou.jsonl s.jsonl &&
  same_at -c --skip-bad --key /meta/none ob.jsonl s.jsonl'
t orig-bad-stops  1 '{ cat $O; echo "{broken"; cat $O; } > $TMP/o && cot-diff -u -@ 2 -v $TMP/o $S 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'

done_testing
