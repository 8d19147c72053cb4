#!/usr/bin/env bash
# The stream and input layers, through cot-extract: bad input, pipes,
# output files, signals.  Record layout is pinned by extract.t, not here.
. "$(dirname "$0")/lib.sh"

export PY=/usr/bin/python3
export G='{"id":"g1","prompt":"2+2?","cot":"Add them.","answer":"4"}'

# --- the bad-input corpus: each rejected with its message and status -----
for f in invalid-json not-object number invalid-utf8 nul-byte nul-escape \
         deep-nesting truncated-line; do
    t "bad-$f" 1 "cot-extract -u tests/bad/$f.jsonl > /dev/null"
done
t bad-truncated-zst 1 'cot-extract -u tests/bad/truncated.jsonl.zst > /dev/null'
t bad-corrupt-zst   1 'cot-extract -u tests/bad/corrupt.jsonl.zst > /dev/null'
t bad-gzip          1 'cot-extract -u tests/bad/gzipped.jsonl.gz > /dev/null'
t missing-file      3 'cot-extract -u tests/bad/no-such-file.jsonl'
t directory         3 'cot-extract -u tests/bad'
t no-newline-kept   0 'cot-extract -u tests/bad/no-newline.jsonl | wc -l'
t crlf              0 'cot-extract -u tests/bad/crlf.jsonl | wc -l'
t utf8-bom          0 'cot-extract -u tests/bad/bom.jsonl | wc -l'

# --- skipping, rejects and accounting ------------------------------------
t skip-bad 0 'cot-extract -u --skip-bad tests/bad/invalid-json.jsonl tests/bad/nul-byte.jsonl | wc -l'
t rejects-file 0 'cot-extract -u --rejects $TMP/r.jsonl tests/bad/invalid-utf8.jsonl tests/bad/not-object.jsonl > /dev/null && cat $TMP/r.jsonl'
t rejects-zstd 0 'cot-extract --rejects $TMP/r.zst tests/bad/number.jsonl > /dev/null && zstd -dc $TMP/r.zst'
check accounts-add-up 'cot-extract -u -v --skip-bad tests/bad/*.jsonl 2>&1 >/dev/null | tail -1 | grep -q "^cot-extract: 21 lines read: 13 accepted, 8 rejected; rejected: too-deep 1 invalid-json 1 invalid-utf8 1 not-object 2 nul-byte 1 nul-escape 1 unterminated 1;.* 13 records written$"'

# --- several inputs, stdin, concatenated frames ---------------------------
check inputs-in-order 'printf "%s\n" "$G" > $TMP/a; zstd -q -c $TMP/a > $TMP/a.zst;
  n=$(cat $TMP/a.zst $TMP/a.zst | cot-extract -u $TMP/a - $TMP/a.zst | wc -l); test "$n" = 4'
check skippable-frames 'printf "%s\n" "$G" | zstd -q -c > $TMP/a.zst; printf "\x50\x2a\x4d\x18\x04\x00\x00\x00meta" > $TMP/skip;
  n=$(cat $TMP/skip $TMP/a.zst $TMP/skip $TMP/a.zst $TMP/skip | cot-extract -u | wc -l); test "$n" = 2'
t truncated-after-frame 1 'printf "%s\n" "$G" | zstd -q -c > $TMP/a.zst; { cat $TMP/a.zst; head -c 9 $TMP/a.zst; } | cot-extract -u > $TMP/o; rc=$?; wc -l < $TMP/o; exit $rc'
t deep-nesting-1m 1 '$PY -c "q = chr(34); print(\"{\" + q + \"a\" + q + \":\" + \"[\" * 1000000 + \"]\" * 1000000 + \"}\")" | cot-extract -u > /dev/null'
check stdin-dash 'printf "%s\n%s\n" "$G" "$G" | cot-extract -u - | wc -l | grep -qx 2'

# --- line length limit -----------------------------------------------------
t line-limit 1 'printf "{\"answer\":\"%02000d\"}\n" 0 | COT_MAX_LINE=1K cot-extract -u > /dev/null'
# a COT_MAX_LINE that is not a size: warned once a run (not once per
# input, nor per stream cot-diff opens on a zstd ORIG), the default used
t line-limit-bad-env 0 'printf "{\"id\":1}\n" > $TMP/a.jsonl && zstd -q $TMP/a.jsonl -o $TMP/a.zst && cp $TMP/a.jsonl $TMP/b.jsonl && COT_MAX_LINE=1Q cot-stat --count id $TMP/a.jsonl $TMP/b.jsonl 2>&1 >/dev/null && COT_MAX_LINE=1Q COT_DIFF_SPILL=0 cot-diff -u --unmatched /dev/null $TMP/a.zst $TMP/a.jsonl 2>&1 >/dev/null | grep -c ignoring'
t line-limit-skip-bad 0 'printf "{\"id\":1}\n{\"answer\":\"%02000d\"}\n{\"id\":3}\n" 0 | COT_MAX_LINE=1K cot-extract -u -v --skip-bad --no-meta'
# a bad COT_PIPE_BYTES is named once (both ends are pipes) and the run goes on
t pipe-bytes-bad 0 'printf "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":\"c\",\"answer\":\"x\"}\n" | COT_PIPE_BYTES=lots cot-judge -u | jq -r .judge.verdict'
t line-limit-rejects 0 'printf "{\"id\":1}\n{\"answer\":\"%02000d\"}" 0 | COT_MAX_LINE=1K cot-extract -u --rejects $TMP/r.jsonl | wc -l; $PY -c "
import json; r = json.loads(open(\"$TMP/r.jsonl\").read()); print(r[\"line\"], r[\"kind\"], len(r[\"raw\"]))"'
check line-100mb 'n=$( { printf "{\"id\":\"big\",\"answer\":\""; head -c 100000000 /dev/zero | tr "\0" a; printf "\"}\n"; } | cot-extract -u | wc -c); test "$n" -gt 100000000'

# --- output: errors, files, signals ----------------------------------------
t dev-full 3 'printf "%s\n" "$G" | cot-extract -u > /dev/full'
t dev-full-zstd 3 'printf "%s\n" "$G" | cot-extract > /dev/full'
# stdio output (help, lists, counts) on a full disk: exit 3 with a message
t dev-full-help 3 'cot-diff --help > /dev/full'
t dev-full-version 3 'cot-stat --version > /dev/full'
t dev-full-list-formats 3 'cot-extract --list-formats > /dev/full'
t dev-full-list-rules 3 'cot-judge --list-rules > /dev/full'
t dev-full-judge-count 3 'cot-judge -c samples/judge/traces.jsonl > /dev/full'
check sigpipe-quiet 'yes "$G" | head -200000 | cot-extract -u 2>$TMP/err | head -1 > /dev/null;
  test "${PIPESTATUS[2]}" = 141 && test ! -s $TMP/err'
check output-file-renamed 'printf "%s\n" "$G" | cot-extract -o $TMP/o.zst && zstd -t -q $TMP/o.zst && test "$(ls $TMP)" = o.zst'
check failed-run-leaves-no-file 'cot-extract -u -o $TMP/o.jsonl tests/bad/invalid-json.jsonl 2>/dev/null;
  test $? = 1 && test -z "$(ls $TMP)"'
check sigint-leaves-no-file 'mkfifo $TMP/in; (printf "%s\n" "$G"; sleep 30) > $TMP/in & w=$!
  cot-extract -o $TMP/o.zst $TMP/in & p=$!; sleep 0.5; kill -INT $p; wait $p; rc=$?; kill $w
  test $rc = 130 && test "$(ls $TMP)" = in'
check sigxfsz-leaves-no-file 'yes "$G" | head -2000 > $TMP/in; (ulimit -f 8; cot-extract -u -o $TMP/o.jsonl $TMP/in); rc=$?
  test $rc = 153 && test "$(ls $TMP)" = in'
# SIGKILL cannot be caught: the temporary file stays, but FILE itself is
# never half-written (the old one is untouched)
check sigkill-keeps-old-file 'mkfifo $TMP/in; echo old > $TMP/o.zst; (printf "%s\n" "$G"; sleep 30) > $TMP/in & w=$!
  cot-extract -o $TMP/o.zst $TMP/in & p=$!; sleep 0.5; kill -KILL $p; wait $p; rc=$?; kill $w
  test $rc = 137 && test "$(cat $TMP/o.zst)" = old && ls $TMP | grep -q "^o.zst.tmp."'
check flush-when-input-pauses 'mkfifo $TMP/in; (printf "%s\n" "$G"; sleep 20) > $TMP/in & w=$!
  line=$(cot-extract $TMP/in | timeout 10 cot-extract -u | head -1); kill $w; test -n "$line"'
# script(1) gives the tool a terminal; -e passes its exit status on.
t terminal-refused 2 'script -qec "cot-extract tests/bad/crlf.jsonl" /dev/null > $TMP/o; rc=$?; tr -d "\r" < $TMP/o; exit $rc'
t no-args-terminal 2 'script -qec "cot-extract" /dev/null > $TMP/o; rc=$?; head -1 $TMP/o | tr -d "\r"; exit $rc'

# --- command line ------------------------------------------------------------
t bad-option 2 'cot-extract --no-such-option'
t bad-level 2 'cot-extract -l 0 tests/bad/crlf.jsonl'
# -l where nothing written is compressed would be ignored: refused
t level-plain-u 2 'cot-extract -u -l 5 tests/bad/crlf.jsonl'
t level-plain-name 2 'cot-extract -l 5 -o $TMP/x.jsonl tests/bad/crlf.jsonl; rc=$?; ls $TMP; exit $rc'
t level-no-records 2 'cot-stat -l 5 --count cot_state tests/bad/crlf.jsonl'
t level-diff-text 2 'cot-diff -O text -l 5 samples/diff/orig.jsonl samples/diff/sft.jsonl'
check level-rejects-only 'cot-extract -l 5 -o $TMP/x.jsonl --rejects $TMP/r.zst tests/bad/crlf.jsonl && test -s $TMP/x.jsonl'
check level-unmatched 'cot-diff -O text -l 5 --unmatched $TMP/u.zst samples/diff/orig.jsonl samples/diff/sft.jsonl > /dev/null && zstd -t -q $TMP/u.zst'
t bad-threads 2 'cot-extract -@ x tests/bad/crlf.jsonl'
check help-to-stdout 'cot-extract --help | head -1 | grep -q "^Usage: cot-extract \[options\]"'
check version 'test "$(cot-extract --version | grep -cE "^(cot-extract [0-9]+\.[0-9]+\.[0-9]+|libzstd [0-9.]+|cJSON [0-9.]+|PCRE2 [0-9.]+.*)$")" = 4'
check threads 'yes "$G" | head -50000 | cot-extract -@ 2 | zstd -dc | wc -l | grep -qx 50000'

# --- zstd level: 3 to a file, stored frames to a pipe (stdout or a FIFO), -l wins
# zstd's output is a function of its input and parameters, so the level a
# stream was written at shows as the bytes of that level's -o FILE.  (Input
# from files: a tool that waits on a pipe flushes its output, which moves
# the block boundaries.)  A pipe gets stored frames, which
# tests/stored-frames.py reads block by block.
export R=samples/demo/rollouts.jsonl
export SF="$PY tests/stored-frames.py"
check level-file-is-3 'cot-extract -o $TMP/f.zst $R && cot-extract -l 3 -o $TMP/l3.zst $R && cot-extract -l -1000 -o $TMP/f3.zst $R &&
  cmp $TMP/f.zst $TMP/l3.zst && ! cmp -s $TMP/f3.zst $TMP/l3.zst && cot-extract $R > $TMP/r.zst && cmp $TMP/r.zst $TMP/l3.zst'
t level-pipe-is-stored 0 'cot-extract $R | cat > $TMP/p.zst && $SF $TMP/p.zst && zstd -qt $TMP/p.zst &&
  zstd -dc $TMP/p.zst | cmp - <(cot-extract -u $R) && cot-extract -u $R > $TMP/x.jsonl &&
  cot-extract < $TMP/x.jsonl | cat > $TMP/p2.zst && cmp $TMP/p2.zst $TMP/p.zst'
t level-fifo-is-stored 0 'mkfifo $TMP/fifo && { cat $TMP/fifo > $TMP/q.zst & } && cot-extract -o $TMP/fifo $R && wait && $SF $TMP/q.zst &&
  zstd -dc $TMP/q.zst | cmp - <(cot-extract -u $R)'
# 2.6 MB: blocks of 128 KiB less their headers, one frame, read back whole.
# The input is a file on stdin (a name would go into src.file): a pipe
# that stalls (a loaded machine) flushes a block early, so the count of
# blocks would depend on the scheduler.
G40K=$_BASE/g40k.jsonl; yes "$G" | head -40000 > $G40K; export G40K
t stored-blocks 0 'cot-extract < $G40K | cat > $TMP/p.zst && $SF $TMP/p.zst &&
  cot-extract -u $TMP/p.zst | cmp - <(cot-extract -u < $G40K)'
# a pause in the input flushes: the block so far goes out, not the frame
check stored-flush '(printf "%s\n" "$G"; sleep 0.5; printf "%s\n" "$G") | cot-extract | cat > $TMP/p.zst &&
  b=$($SF $TMP/p.zst | sed -n "s/^frames 1 blocks \([0-9]*\) bytes 272$/\1/p") && test "$b" -ge 2 && test "$(zstd -dc $TMP/p.zst | wc -l)" = 2'
# nothing written: one frame, its last block empty; cut short: an error
t stored-empty 0 'cot-extract < /dev/null | cat > $TMP/e.zst && od -An -tx1 $TMP/e.zst && zstd -dc $TMP/e.zst | wc -c'
t stored-cut 1 'set -o pipefail; cot-extract < $G40K | head -c 1000000 > $TMP/c.zst; cot-extract -u $TMP/c.zst 2>&1 >/dev/null | sed "s|$TMP|TMP|"'
check level-explicit-wins 'for l in 3 1 19 -3; do cot-extract -l $l -o $TMP/f.zst $R && cot-extract -l $l $R | cat > $TMP/p.zst &&
  cmp $TMP/p.zst $TMP/f.zst || exit 1; done'
check level-fast 'cot-extract -l -3 -o $TMP/f3.zst $R && cot-extract -l 1 -o $TMP/l1.zst $R &&
  test $(stat -c %s $TMP/f3.zst) -gt $(stat -c %s $TMP/l1.zst) && zstd -dc $TMP/f3.zst | cmp - <(cot-extract -u $R)'
t bad-level-fast 2 'cot-extract -l -131073 tests/bad/crlf.jsonl'
check level-fastest 'cot-extract -l -131072 -o $TMP/f.zst $R && zstd -dc $TMP/f.zst | cmp - <(cot-extract -u $R)'
check level-pipe-other-tools 'cot-extract -u $R > $TMP/x.jsonl && for t in cot-judge "cot-diff $TMP/x.jsonl"; do
  $t -q $TMP/x.jsonl | cat > $TMP/p.zst && $SF $TMP/p.zst > /dev/null && $t -q -u $TMP/x.jsonl | cmp - <(zstd -dc $TMP/p.zst) &&
  $t -q -o $TMP/f.zst $TMP/x.jsonl && ! $SF $TMP/f.zst 2>/dev/null || { echo "$t"; exit 1; }; done'

done_testing
