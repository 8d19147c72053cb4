#!/usr/bin/env bash
# make bench: run every benchmark in bench/*/run, one after another (they
# compete for cores otherwise).  Each prints its own comparison and ratios.
# bench/eval/run (the detection evaluation on ../shared/data) runs last and
# is skipped cleanly when the data is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for b in extract diff judge stat profile eval; do
    [ -x "bench/$b/run" ] || continue
    printf '\n==== bench/%s ====\n' "$b"
    "bench/$b/run" || { echo "bench/$b failed (exit $?)"; status=1; }
done
exit $status
