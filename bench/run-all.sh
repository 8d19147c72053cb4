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
printf '\n==== bench/eval/judge-model ====\n'
bench/eval/judge-model || { echo "bench/eval/judge-model failed (exit $?)"; status=1; }
exit $status
