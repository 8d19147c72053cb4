#!/usr/bin/env bash
# workers.t -- -@ N record workers (lib/workers.c): cot-judge and cot-extract
# give the same stdout, stderr (warnings, skipped lines, accounts), exit
# status and side files at -@ 0, 1, 2 and 7, on inputs that span many
# batches, and stop at the same record when a fatal error comes mid-stream.
#
# Each case runs its command once per thread count with N set; the golden
# file holds a summary of the -@ 0 run (exit status, lines, first and last
# id) and one line per other count saying that it matched; the stderr
# golden holds -@ 0's stderr in full.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
W=$_BASE/workers
mkdir -p "$W"
# 3000 lines with every oddity (bad JSON, blank, not canonical, a cue that is
# not a string, catastrophic backtracking) and 3000 clean ones.
$PY tests/cli/make-mixed.py 3000 2 > "$W/mixed.jsonl"
$PY tests/cli/make-mixed.py 3000 3 clean > "$W/clean.jsonl"
$PY tests/cli/make-mixed.py 3000 4 raw > "$W/raw.jsonl"
grep -v '^{"id": "bad-' "$W/raw.jsonl" | head -n 1700 > "$W/raw-stop.jsonl"
echo '{"id": "broken", "messages": [' >> "$W/raw-stop.jsonl"
grep -v '^{"id": "bad-' "$W/raw.jsonl" >> "$W/raw-stop.jsonl"
{ cat "$W/mixed.jsonl"; tail -n 1 "$W/clean.jsonl" | tr -d '\n'; } > "$W/unterminated.jsonl"
CAT=samples/judge/catastrophic.rules
CUE="--cue-text-field meta.nudge_text"
export PY W CAT CUE

# at_all (tests/cli/lib.sh): the command at -@ 0, 1, 2 and 7, compared.

# ---- -@: its default is the CPUs this process may use --------------------------
check default-one-cpu 'taskset -c 0 cot-judge --help | grep -q "threads N  *worker threads, and up to 2 for zstd \[0\]"'
if [ "$(nproc)" -ge 2 ]; then
check default-two-cpus 'taskset -c 0,1 cot-judge --help | grep -q "threads N  *worker threads, and up to 2 for zstd \[2\]"'
else
skip default-two-cpus 'one CPU here'
fi
t threads-range 2 'cot-judge -@ 257 /dev/null'

# ---- cot-judge ---------------------------------------------------------------
t judge-mixed 1 'at_all "cot-judge -u -@ \$N -v --skip-bad --exit-status $CUE --rules $CAT $W/mixed.jsonl"'
t judge-rejects 0 'at_all "cot-judge -u -@ \$N -v --rejects \$TMP/\$N/rej.jsonl $CUE --rules $CAT $W/mixed.jsonl"'
t judge-counts 0 'at_all "cot-judge -c -@ \$N --skip-bad $W/mixed.jsonl"'
t judge-only 0 'at_all "cot-judge -u -@ \$N -v --skip-bad --only silent,rationalized $W/mixed.jsonl"'
# zstd output: compressed with or without zstd workers; the same records.
t judge-zstd-out 0 'at_all "cot-judge -@ \$N --skip-bad -o \$TMP/\$N/out.zst $W/mixed.jsonl; rc=\$?; zstd -dc \$TMP/\$N/out.zst; rm \$TMP/\$N/out.zst; exit \$rc"'
t judge-quiet 0 'at_all "cot-judge -u -q -@ \$N --skip-bad $W/mixed.jsonl"'
# A worker's own message (the last line of the first file has no newline)
# among the main thread's (skipped lines of both files), in input order.
t judge-worker-message 0 'at_all "cot-judge -u -v -@ \$N --skip-bad $W/unterminated.jsonl $W/mixed.jsonl"'
t judge-two-files 0 'at_all "cot-judge -u -v -@ \$N --skip-bad $W/clean.jsonl $W/mixed.jsonl"'
# A fatal error mid-stream: the records before it are written, none after.
t judge-stop-bad-line 1 'at_all "{ head -n 1999 $W/clean.jsonl; echo \"{broken\"; tail -n +2000 $W/clean.jsonl; } | cot-judge -u -v -@ \$N"'
t judge-stop-not-canonical 1 'at_all "{ head -n 1500 $W/clean.jsonl; echo \"{\\\"id\\\": \\\"x\\\"}\"; tail -n +1501 $W/clean.jsonl; } | cot-judge -u -v -@ \$N"'
t judge-stop-rule-limit 1 'at_all "{ head -n 2500 $W/clean.jsonl; grep -m1 boom $W/mixed.jsonl; cat $W/clean.jsonl; } | cot-judge -u -v -@ \$N --rules $CAT"'
t judge-stop-write-error 3 'at_all "cot-judge -u -v -@ \$N $W/clean.jsonl > /dev/full"'
t judge-damaged-input 1 'at_all "zstd -q -c $W/clean.jsonl | head -c 30000 | cot-judge -u -v -@ \$N"'
t judge-unterminated 0 'at_all "{ cat $W/clean.jsonl; tail -n 1 $W/clean.jsonl | tr -d \"\\n\"; } | cot-judge -u -v -@ \$N"'
t judge-missing-second-file 3 'at_all "cot-judge -u -v -@ \$N $W/clean.jsonl /nonexistent.jsonl"'
# The detectors that keep state of their own: --profile, --model, --baseline.
cot-profile build -q --holdout 0.25 -o "$W/own.prof" samples/profile/own.jsonl
cot-judge train -q --label meta.label --positive rationalized --group meta.task \
    -o "$W/m.model" samples/model/traces.jsonl
t judge-profile-model 0 'at_all "cot-judge -u -v -@ \$N --skip-bad --profile $W/own.prof --model $W/m.model --model-verdict $W/mixed.jsonl"'
t judge-baseline 0 'at_all "cot-judge -u -v -@ \$N --skip-bad --baseline tests/golden/judge/baseline.json $W/mixed.jsonl"'
# --judge-cmd runs inline whatever -@ says (one process, fed in order).
t judge-ext 0 'at_all "head -n 600 $W/clean.jsonl | cot-judge -u -v -@ \$N --judge-window 4 --judge-cmd \"samples/judge/echo-judge ok\""'

# ---- cot-extract -------------------------------------------------------------
t extract-mixed 0 'at_all "cot-extract -u -v -@ \$N --skip-bad $W/raw.jsonl"'
t extract-require-cot 0 'at_all "cot-extract -u -v -@ \$N --require-cot --rejects \$TMP/\$N/rej.jsonl $W/raw.jsonl"'
t extract-zstd-out 0 'at_all "cot-extract -@ \$N --skip-bad -o \$TMP/\$N/out.zst $W/raw.jsonl; rc=\$?; zstd -dc \$TMP/\$N/out.zst; rm \$TMP/\$N/out.zst; exit \$rc"'
t extract-stop-bad-line 1 'at_all "cot-extract -u -v -@ \$N $W/raw-stop.jsonl"'
t extract-stop-write-error 3 'at_all "cot-extract -u -v -@ \$N --skip-bad $W/raw.jsonl > /dev/full"'
t extract-damaged-input 1 'at_all "zstd -q -c $W/raw.jsonl | head -c 15000 | cot-extract -u -v --skip-bad -@ \$N"'
# Custom pointers run inline (which of them matched is learnt in order).
t extract-custom-pointers 0 'at_all "cot-extract -u -v -@ \$N --skip-bad --cot /reasoning --answer /response $W/raw.jsonl"'
# --logprobs on the workers; malformed logprobs without --skip-bad stop the
# run at that record, like any bad line (they used to be reported, and the
# records after them written all the same).
for i in $(seq 400); do cat samples/profile/logprobs.jsonl; done > "$W/lp.jsonl"
{ head -n 900 "$W/lp.jsonl"
  echo '{"id":"m","cot":"a","answer":"b","logprobs":{"tokens":["a","b"],"token_logprobs":[-1]}}'
  tail -n +901 "$W/lp.jsonl"; } > "$W/lp-bad.jsonl"
t extract-logprobs 0 'at_all "cot-extract -u -v -@ \$N --logprobs $W/lp.jsonl"'
t extract-logprobs-skipped 0 'at_all "cot-extract -u -v -@ \$N --skip-bad --logprobs $W/lp-bad.jsonl"'
t extract-logprobs-stop 1 'at_all "cot-extract -u -v -@ \$N --logprobs $W/lp-bad.jsonl"'
t extract-logprobs-path 0 'at_all "cot-extract -u -v -@ \$N --logprobs=meta.logprobs $W/lp.jsonl"'

# An input that pauses: the records read so far reach the next program
# (the workers hand them back before the reader blocks), as at -@ 0.
check judge-flush-when-input-pauses 'mkfifo $TMP/in; (head -n 300 $W/clean.jsonl; exec sleep 30) > $TMP/in & w=$!
  cot-judge -u -@ 2 $TMP/in > $TMP/out & p=$!
  for i in $(seq 100); do [ "$(wc -l < $TMP/out)" = 300 ] && break; sleep 0.1; done
  kill $w $p; test "$(wc -l < $TMP/out)" = 300'
check extract-flush-when-input-pauses 'n=$(head -n 300 $W/raw-stop.jsonl | cot-extract -u -@ 0 | wc -l)
  mkfifo $TMP/in; (head -n 300 $W/raw-stop.jsonl; exec sleep 30) > $TMP/in & w=$!
  cot-extract -u -@ 2 $TMP/in > $TMP/out & p=$!
  for i in $(seq 100); do [ "$(wc -l < $TMP/out)" = $n ] && break; sleep 0.1; done
  kill $w $p; test "$(wc -l < $TMP/out)" = $n'

# ---- the adaptive default (lib/workers.h) --------------------------------------
# Without -@ the pools adapt; a given -@ N, or COT_WORKERS_ADAPT=0, keeps its
# workers (-vvv names the pool's mode; the counts depend on the machine).
MODE='2>&1 >/dev/null | grep -o "^cot-[a-z]*: workers: [^:]*"'
if [ "$(nproc)" -ge 2 ]; then
t adapt-default 0 "for o in '' '-@ 2' 'COT_WORKERS_ADAPT=0'; do echo \"[\$o]\"; case \$o in COT*) e=\$o; a= ;; *) e=; a=\$o ;; esac
  env \$e taskset -c 0,1 cot-judge -u -vvv \$a $W/clean.jsonl $MODE
  env \$e taskset -c 0,1 cot-extract -u -vvv \$a $W/raw.jsonl $MODE
  env \$e taskset -c 0,1 cot-profile score -u -vvv \$a -p $W/own.prof $W/clean.jsonl $MODE
  env \$e taskset -c 0,1 cot-diff -u -vvv \$a samples/diff/orig.jsonl samples/diff/sft.jsonl $MODE; done"
else
skip adapt-default 'one CPU here'
fi
# Switching every 300 records: the records run inline and the switches,
# from batches of 256, are the same on every machine.
t adapt-flip-counts 0 'COT_WORKERS_ADAPT=flip:300 cot-judge -u -vvv -@ 2 $W/clean.jsonl 2>&1 >/dev/null | grep "workers:"'
# A value it does not know is named once (cot-diff has two pools), at any -@.
t adapt-bad-env 0 'for n in 0 2; do COT_WORKERS_ADAPT=yes cot-diff -u -@ $n samples/diff/orig.jsonl samples/diff/sft.jsonl > /dev/null; COT_WORKERS_ADAPT=flip:3x cot-judge -u -@ $n $W/clean.jsonl > /dev/null; done'

done_testing
