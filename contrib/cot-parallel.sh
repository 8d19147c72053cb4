#!/usr/bin/env bash
# cot-parallel.sh -- a sharded SFT audit with GNU parallel (see cot(7)).
#
# Usage: cot-parallel.sh [-j N] [-d DIR] ORIG SHARD...
#
# Extracts ORIG (the model's own rollouts) once, then runs, N shards at a
# time:
#     cot-extract SHARD | cot-diff ORIG | cot-judge | cot-stat --partial ...
# and finally one `cot-stat --merge` with the gates, which prints the report
# (also kept in DIR/report) and sets the exit status: 0 when every gate
# passes, 1 when one fails, anything else on an error.
#
# Environment:
#   AUDIT_STAT    figures to collect [--by meta.env --count judge.verdict,diff.edit,diff.status --num diff.cot.similarity]
#   AUDIT_GATES   gates for the merge [--max-rate judge.verdict=rationalized:0.01]
#   AUDIT_REPORT  report format options for the merge, e.g. --json []
#   COT_EXTRACT COT_DIFF COT_JUDGE COT_STAT   the tools [cot-extract ...]
# A variable set but empty means none (AUDIT_GATES= : no gates).
set -euo pipefail

jobs=$(nproc 2>/dev/null || echo 4)
dir=audit
while getopts 'j:d:h' o; do
    case $o in
    j) jobs=$OPTARG ;;
    d) dir=$OPTARG ;;
    h) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "Try '$0 -h'" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
    echo "usage: $0 [-j N] [-d DIR] ORIG SHARD..." >&2
    exit 2
fi
command -v parallel > /dev/null || { echo "$0: GNU parallel is not installed" >&2; exit 3; }

: "${AUDIT_STAT=--by meta.env --count judge.verdict,diff.edit,diff.status --num diff.cot.similarity}"
: "${AUDIT_GATES=--max-rate judge.verdict=rationalized:0.01}"
: "${AUDIT_REPORT=}"
: "${COT_EXTRACT:=cot-extract}" "${COT_DIFF:=cot-diff}" "${COT_JUDGE:=cot-judge}"
: "${COT_STAT:=cot-stat}"
export AUDIT_STAT COT_EXTRACT COT_DIFF COT_JUDGE COT_STAT

orig=$1
shift
mkdir -p "$dir/parts"
$COT_EXTRACT "$orig" > "$dir/orig.zst.tmp" && mv "$dir/orig.zst.tmp" "$dir/orig.zst"

# One job per shard; {#} numbers them, so equal shard names cannot clash.
# --halt: the first failing shard stops the run (no partial report).
PARALLEL_SHELL=bash parallel -j "$jobs" --halt now,fail=1 \
    "set -o pipefail; \$COT_EXTRACT {} | \$COT_DIFF $dir/orig.zst | \$COT_JUDGE \
     | \$COT_STAT --partial \$AUDIT_STAT -o $dir/parts/{#}.part" ::: "$@"

# shellcheck disable=SC2086  # option lists are meant to split
$COT_STAT --merge $AUDIT_GATES $AUDIT_REPORT -o "$dir/report" "$dir"/parts/*.part && st=0 || st=$?
cat "$dir/report" 2> /dev/null || true
exit "$st"
