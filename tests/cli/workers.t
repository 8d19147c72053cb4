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
{ cat "$W/mixed.jsonl"; tail -n 1 "$W/clean.jsonl" | tr -d '\n'; } > "$W/unterminated.jsonl"
CAT=samples/judge/catastrophic.rules
CUE="--cue-text-field meta.nudge_text"
export PY W CAT CUE

# at_all 'CMD': CMD at N=0, 1, 2, 7 (it uses -@ $N); prints the summary and
# the matches, passes -@ 0's stderr and exit status on.
at_all() {
    local n d rc
    for n in 0 1 2 7; do
        mkdir -p "$TMP/$n"
        (cd "$TMP/$n" && N=$n bash -c "cd '$ROOT' && $1" > "$TMP/out.$n" 2> "$TMP/err.$n"
         echo $? > "$TMP/rc.$n")
    done
    rc=$(cat "$TMP/rc.0")
    echo "-@ 0: exit $rc, $(wc -l < "$TMP/out.0") lines of stdout" \
         "(first id: $(head -n 1 "$TMP/out.0" | jq -r '.id? // "-"' 2>/dev/null)," \
         "last id: $(tail -n 1 "$TMP/out.0" | jq -r '.id? // "-"' 2>/dev/null))"
    for n in 1 2 7; do
        d=
        cmp -s "$TMP/out.0" "$TMP/out.$n" || d="$d stdout"
        cmp -s "$TMP/err.0" "$TMP/err.$n" || d="$d stderr"
        cmp -s "$TMP/rc.0" "$TMP/rc.$n" || d="$d exit-status($(cat "$TMP/rc.$n"))"
        diff -r "$TMP/0" "$TMP/$n" > /dev/null || d="$d files"
        if [ -z "$d" ]; then echo "-@ $n: the same stdout, stderr, exit status and files"
        else
            echo "-@ $n: DIFFERS:$d"
            diff "$TMP/out.0" "$TMP/out.$n" | head -n 5
            diff "$TMP/err.0" "$TMP/err.$n" | head -n 5
        fi
    done
    sed "s|$W/|W/|g" "$TMP/err.0" >&2
    return "$rc"
}
export -f at_all

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

done_testing
