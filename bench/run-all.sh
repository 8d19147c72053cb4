#!/usr/bin/env bash
# make bench: run every benchmark in bench/*/run, one after another (they
# compete for cores otherwise).  Each prints its own comparison and ratios.
# bench/eval/run and bench/eval/judge-model (the detection evaluations on
# ../shared/data) run last and are skipped cleanly when the data is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for b in extract diff judge stat profile model eval; do
    [ -x "bench/$b/run" ] || continue
    printf '\n==== bench/%s ====\n' "$b"
    "bench/$b/run" || { echo "bench/$b failed (exit $?)"; status=1; }
done
# the other evaluations in bench/eval (judge detectors, ...), also skipped
# cleanly without ../shared/data
for e in bench/eval/*; do
    [ "$e" = bench/eval/run ] || [ ! -x "$e" ] && continue
    printf '\n==== %s ====\n' "$e"
    "$e" || { echo "$e failed (exit $?)"; status=1; }
done
exit $status
