#!/usr/bin/env bash
# make bench: run every benchmark in bench/*/run, one after another (they
# compete for cores otherwise).  Each prints its own comparison and ratios.
# bench/pipeline/run is the whole audit (extract | diff | judge | stat) on
# 500 MB: several minutes on 2 cores.
# bench/eval/run and bench/eval/judge-model (the detection evaluations on
# ../shared/data) run last and are skipped cleanly when the data is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for b in extract diff judge stat profile model pipeline eval; do
    [ -x "bench/$b/run" ] || continue
    printf '\n==== bench/%s ====\n' "$b"
    "bench/$b/run" || { echo "bench/$b failed (exit $?)"; status=1; }
done
# the zstd level between stages (bench/pipeline/levels: data shared with
# bench/pipeline/run, so after it)
printf '\n==== bench/pipeline/levels ====\n'
bench/pipeline/levels || { echo "bench/pipeline/levels failed (exit $?)"; status=1; }
# the other evaluations in bench/eval (judge detectors, ...), also skipped
# cleanly without ../shared/data
for e in bench/eval/*; do
    [ "$e" = bench/eval/run ] || [ ! -x "$e" ] && continue
    printf '\n==== %s ====\n' "$e"
    "$e" || { echo "$e failed (exit $?)"; status=1; }
done
exit $status
