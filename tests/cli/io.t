#!/usr/bin/env bash
# io.t -- what every tool shares on input and output: "lines read" is what
# wc -l counts (blank lines skipped and counted; the accounts add up); a
# damaged zstd input is bad data (exit 1) with the line it broke at, once,
# and the -v accounts; -o FILE picks plain or zstd from the name.
. "$(dirname "$0")/lib.sh"

export G='{"id":"g1","prompt":"2+2?","cot":"Add them.","answer":"4"}'
export G2='{"id":"g2","prompt":"3+3?","cot":"Add.","answer":"6"}'
# 30000 varied records, zstd, cut short: damage part way through the input
MANY='for i in $(seq 1 30000); do printf "{\"id\":\"r%d\",\"prompt\":\"p%d\",\"cot\":\"step %d\",\"answer\":\"%d\"}\n" $i $((i % 97)) $((i * 7919 % 10007)) $((i * 31)); done | zstd -q -c | head -c 100000 > $TMP/cut.zst'
export MANY
PROF='cot-profile build --holdout 0.25 -o $TMP/m.prof samples/profile/own.jsonl'
export PROF

# --- lines read = wc -l; blank lines skipped and counted --------------------
t blank-lines 0 'printf "%s\n\n%s\n   \n\t\n%s\n" "$G" "$G2" "$G" > $TMP/b.jsonl; wc -l < $TMP/b.jsonl; cot-extract -u -v $TMP/b.jsonl | wc -l'
t blank-lines-crlf 0 'printf "%s\r\n\r\n%s\r\n" "$G" "$G2" | cot-extract -u -v | wc -l'
t blank-lines-skip-bad 0 'printf "%s\n\nnot json\n\n%s\n" "$G" "$G2" | cot-extract -u -v --skip-bad | wc -l'
t blank-lines-stat 0 'printf "%s\n\n%s\n\n" "$G" "$G2" | cot-stat -v --count answer'
t blank-lines-stat-json 0 'printf "%s\n\n%s\n" "$G" "$G2" | cot-stat --json --count answer | jq -c .records'
t blank-lines-judge 0 'printf "\n%s\n\n" "$G" | cot-judge -u -v | wc -l'
t blank-lines-diff 0 'printf "%s\n" "$G" > $TMP/o.jsonl; printf "%s\n\n%s\n" "$G" "$G2" | cot-diff -u -v --key id $TMP/o.jsonl | wc -l'
# every tool: lines read = wc -l, read = accepted + rejected + skipped
check accounts-equal-wc 'printf "%s\n\n%s\n \n" "$G" "$G2" > $TMP/b.jsonl; w=$(wc -l < $TMP/b.jsonl); '"$PROF"'
  for c in "cot-extract -u" "cot-judge -u" "cot-stat --count answer" "cot-diff -u --key id $TMP/b.jsonl" "cot-profile score -u -p $TMP/m.prof"; do
    $c -v $TMP/b.jsonl 2>&1 >/dev/null | grep -q "^cot-[a-z]*: $w lines read: 2 accepted, 0 rejected, 2 skipped (blank)" || { echo "$c: no $w lines"; exit 1; }; done'
# A last line without a newline is a line (one more than wc -l counts).
t last-line-no-newline 0 'printf "%s\n\n%s" "$G" "$G2" | cot-extract -u -v | wc -l'
t last-line-cut-short 1 'printf "%s\n{\"id\":\"g2\",\"cot" "$G" | cot-extract -u -v > $TMP/o; rc=$?; wc -l < $TMP/o; exit $rc'
t last-line-blank-no-newline 0 'printf "%s\n  " "$G" | cot-extract -u -v | wc -l'

# --- damaged zstd: exit 1, where and what to do, accounts, once -------------
t truncated-v 1 'cot-extract -u -v tests/bad/truncated.jsonl.zst'
t corrupt-v 1 'cot-extract -u -v tests/bad/corrupt.jsonl.zst'
check truncated-after-lines 'eval "$MANY"; cot-extract -u $TMP/cut.zst > $TMP/o 2> $TMP/e; rc=$?; n=$(wc -l < $TMP/o);
  test $rc = 1 && test $n -gt 1000 && grep -q "cut.zst: truncated zstd stream (the file ends inside a frame) after line $n: lines 1-$n were read, the rest is lost; fetch or compress the file again (zstd -t checks it)$" $TMP/e && test $(wc -l < $TMP/e) = 1'
check truncated-accounts 'eval "$MANY"; cot-extract -u -v $TMP/cut.zst > $TMP/o 2> $TMP/e; n=$(wc -l < $TMP/o);
  tail -1 $TMP/e | grep -q "^cot-extract: $n lines read: $n accepted, 0 rejected;.* $n records written$"'
check truncated-o-file-not-written 'eval "$MANY"; cot-extract -v -o $TMP/o.jsonl $TMP/cut.zst 2> $TMP/e; test $? = 1 && test ! -e $TMP/o.jsonl &&
  tail -1 $TMP/e | grep -q "records, not written to $TMP/o.jsonl (the run failed)$"'
t judge-truncated-once 1 'cot-judge -u tests/bad/truncated.jsonl.zst'
t judge-no-newline-once 0 'printf "%s" "$G" > $TMP/n.jsonl; cot-judge -u $TMP/n.jsonl 2>&1 >/dev/null | sed "s,$TMP,TMP,"'
t diff-truncated 1 'cot-diff -u tests/bad/truncated.jsonl.zst tests/bad/crlf.jsonl'
t diff-truncated-sft 1 'cot-diff -u tests/bad/crlf.jsonl tests/bad/truncated.jsonl.zst'
t stat-truncated 1 'cot-stat --count answer tests/bad/truncated.jsonl.zst'
t profile-truncated 1 "$PROF && cot-profile score -u -p \$TMP/m.prof tests/bad/truncated.jsonl.zst"
t missing-file-io 3 'cot-extract -u -v tests/bad/no-such-file.jsonl'
t full-disk-accounts 3 'printf "%s\n" "$G" | cot-extract -u -v > /dev/full'

# --- a number RFC 8259 refuses ("01", "1.", "-.5") is a bad line in every
# tool, though cJSON reads it: Python's json would not read the output ---
export LOOSE='{"id":"n1","prompt":"p","cot":"c","answer":"4","meta":{"a":[1,2.5,-0,1e5],"b":"01","c":01}}
{"id":"n2","prompt":"p","cot":"c","answer":"4","meta":{"x":1.}}
{"id":"n3","prompt":"p","cot":"c","answer":"4","meta":{"x":-.5,"big":1111111111111111111111111111111111111111111111111111111111111111111111}}
{"id":"n4","prompt":"p","cot":"c","answer":"4","meta":{"ok":-0.0e+1,"big":1111111111111111111111111111111111111111111111111111111111111111111111}}'
t loose-number-extract 0 'printf "%s\n" "$LOOSE" | cot-extract -u -v --skip-bad | jq -c .id'
t loose-number-judge 0 'printf "%s\n" "$LOOSE" | cot-judge -u -v --skip-bad | jq -c .id'
t loose-number-stat 1 'printf "%s\n" "$LOOSE" | cot-stat --count id'
t loose-number-diff 1 'printf "%s\n" "$LOOSE" > $TMP/o.jsonl; printf "%s\n" "$G" | cot-diff -u --key id $TMP/o.jsonl 2>&1 | sed "s,$TMP/,TMP/,"; exit ${PIPESTATUS[1]}'
t loose-number-profile 1 'printf "%s\n" "$LOOSE" | cot-profile build -o $TMP/p.prof'

# --- --skip-bad without -v says once what it skipped; -q silences it ------
t skip-bad-says 0 'printf "%s\n" "$LOOSE" "not json" | cot-judge -u --skip-bad | jq -c .id'
t skip-bad-says-rejects 0 'printf "%s\n" "$LOOSE" | cot-extract -u --rejects $TMP/r.jsonl | jq -c .id; wc -l < $TMP/r.jsonl'
t skip-bad-says-diff 0 'printf "%s\n" "$LOOSE" > $TMP/o.jsonl; printf "%s\n" "$LOOSE" | cot-diff -u --skip-bad --key id $TMP/o.jsonl | jq -c .diff.status'
t skip-bad-quiet 0 'printf "%s\n" "$LOOSE" | cot-judge -u -q --skip-bad | jq -c .id'

# --- -o follows the name; -u and --zstd override ----------------------------
plain='test "$(head -c 1 $TMP/$f)" = "{"'
zst='zstd -t -q $TMP/$f'
check o-jsonl-plain "printf '%s\n' \"\$G\" | cot-extract -o \$TMP/o.jsonl && jq -e .id \$TMP/o.jsonl > /dev/null && f=o.jsonl && $plain"
check o-json-plain "printf '%s\n' \"\$G\" | cot-extract -o \$TMP/o.json && f=o.json && $plain"
check o-zst "printf '%s\n' \"\$G\" | cot-extract -o \$TMP/o.zst && f=o.zst && $zst"
check o-zstd "printf '%s\n' \"\$G\" | cot-extract -o \$TMP/o.jsonl.zstd && f=o.jsonl.zstd && $zst"
check o-other-name-zstd "printf '%s\n' \"\$G\" | cot-extract -o \$TMP/o.out && f=o.out && $zst"
check o-u-overrides "printf '%s\n' \"\$G\" | cot-extract -u -o \$TMP/o.zst && f=o.zst && $plain"
check o-zstd-overrides "printf '%s\n' \"\$G\" | cot-extract --zstd -o \$TMP/o.jsonl && f=o.jsonl && $zst"
check stdout-default-zstd "printf '%s\n' \"\$G\" | cot-extract > \$TMP/o.jsonl && f=o.jsonl && $zst"
check rejects-by-name "printf 'bad\n' | cot-extract -u --rejects \$TMP/r.jsonl > /dev/null && f=r.jsonl && $plain &&
  printf 'bad\n' | cot-extract --rejects \$TMP/r.zst -o \$TMP/o.jsonl && f=r.zst && $zst && f=o.jsonl && test ! -s \$TMP/o.jsonl"
t u-and-zstd 2 'cot-extract -u --zstd tests/bad/crlf.jsonl'
t zstd-and-u 2 'cot-judge --zstd -u tests/bad/crlf.jsonl'
check every-tool-o-jsonl "printf '%s\n' \"\$G\" > \$TMP/g.jsonl && $PROF &&
  cot-extract -o \$TMP/1.jsonl \$TMP/g.jsonl && cot-judge -o \$TMP/2.jsonl \$TMP/g.jsonl &&
  cot-diff --key id -o \$TMP/3.jsonl \$TMP/g.jsonl \$TMP/g.jsonl && cot-profile score -p \$TMP/m.prof -o \$TMP/4.jsonl \$TMP/g.jsonl &&
  for f in 1.jsonl 2.jsonl 3.jsonl 4.jsonl; do $plain || exit 1; jq -e .id \$TMP/\$f > /dev/null || exit 1; done"
check every-tool-o-zst "printf '%s\n' \"\$G\" > \$TMP/g.jsonl && $PROF &&
  cot-extract -o \$TMP/1.zst \$TMP/g.jsonl && cot-judge -o \$TMP/2.zst \$TMP/g.jsonl &&
  cot-diff --key id -o \$TMP/3.zst \$TMP/g.jsonl \$TMP/g.jsonl && cot-profile score -p \$TMP/m.prof -o \$TMP/4.zst \$TMP/g.jsonl &&
  for f in 1.zst 2.zst 3.zst 4.zst; do $zst || exit 1; done"
check diff-unmatched-by-name "printf '%s\n%s\n' \"\$G\" \"\$G2\" > \$TMP/o.jsonl && printf '%s\n' \"\$G\" | cot-diff --key id --unmatched \$TMP/u.jsonl \$TMP/o.jsonl > /dev/null && f=u.jsonl && $plain"

done_testing
