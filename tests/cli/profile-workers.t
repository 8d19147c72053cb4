#!/usr/bin/env bash
# profile-workers.t -- cot-profile score on -@ N record workers
# (lib/workers.c): the same stdout, stderr (warnings, skipped lines,
# accounts), exit status and side files at -@ 0, 1, 2 and 7, on inputs that
# span many batches, and the same stop when a fatal error comes mid-stream.
# Each case's golden holds a summary of the -@ 0 run and one line per other
# count saying that it matched (as in workers.t); the stderr golden holds
# -@ 0's stderr.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
W=$_BASE/workers
mkdir -p "$W"
# 3000 mixed lines (bad JSON, blank, records without a cot) and 3000 clean
$PY tests/cli/make-mixed.py 3000 2 > "$W/mixed.jsonl"
$PY tests/cli/make-mixed.py 3000 3 clean > "$W/clean.jsonl"
cot-profile build -q --holdout 0.25 -o "$W/own.prof" samples/profile/own.jsonl
cot-profile build -q --holdout 0.5 -o "$W/steps.prof" samples/profile/steps.jsonl
export PY W

# at_all (tests/cli/lib.sh): the command at -@ 0, 1, 2 and 7, compared.

P="-p $W/own.prof"
export P
t score-mixed 0 'at_all "cot-profile score -u -v -@ \$N --skip-bad $P $W/mixed.jsonl"'
t score-rejects 0 'at_all "cot-profile score -u -v -@ \$N --rejects \$TMP/\$N/rej.jsonl $P $W/mixed.jsonl"'
t score-zstd-out 0 'at_all "cot-profile score -@ \$N --skip-bad $P -o \$TMP/\$N/out.zst $W/mixed.jsonl; rc=\$?; zstd -dc \$TMP/\$N/out.zst; rm \$TMP/\$N/out.zst; exit \$rc"'
t score-per-token 0 'at_all "cot-profile score -u -v -@ \$N --per-token --window 8 $P $W/clean.jsonl"'
# step lists with the window and step flags, at a rate they resolve
t score-steps 0 'at_all "cat samples/profile/steps-edited.jsonl samples/profile/steps.jsonl samples/profile/steps.jsonl samples/profile/steps.jsonl | cot-profile score -u -v -@ \$N --fpr 0.05 -p $W/steps.prof"'
# bad spans among good ones, set aside
t score-bad-spans 0 'at_all "{ head -n 1000 $W/clean.jsonl; head -n 40 $W/clean.jsonl | jq -c \".diff = {hunks: [[0, 100000]]}\"; tail -n +1001 $W/clean.jsonl; } | cot-profile score -u -v -@ \$N --skip-bad $P"'
# A fatal error mid-stream: the records before it are written, none after.
t score-stop-bad-line 1 'at_all "{ head -n 1999 $W/clean.jsonl; echo \"{broken\"; tail -n +2000 $W/clean.jsonl; } | cot-profile score -u -v -@ \$N $P"'
t score-stop-no-cot 1 'at_all "{ head -n 1500 $W/clean.jsonl; echo \"{\\\"id\\\": \\\"x\\\"}\"; tail -n +1501 $W/clean.jsonl; } | cot-profile score -u -v -@ \$N $P"'
t score-stop-write-error 3 'at_all "cot-profile score -u -v -@ \$N $P $W/clean.jsonl > /dev/full"'
t score-damaged-input 1 'at_all "zstd -q -c $W/clean.jsonl | head -c 30000 | cot-profile score -u -v -@ \$N $P"'
t score-unterminated 0 'at_all "{ cat $W/clean.jsonl; tail -n 1 $W/clean.jsonl | tr -d \"\\n\"; } | cot-profile score -u -v -@ \$N $P"'
# a profile that cannot resolve 1%: the warning once, before the records
t score-unresolved 0 'at_all "cot-profile build -q -o \$TMP/\$N/s.prof samples/profile/own.jsonl && cot-profile score -u -v -@ \$N -p \$TMP/\$N/s.prof $W/clean.jsonl"'

done_testing
