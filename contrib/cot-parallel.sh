#!/usr/bin/env bash
# cot-parallel.sh -- a sharded SFT audit with GNU parallel (see cot(7)).
#
# Usage: cot-parallel.sh [-j N] [-d DIR] ORIG SHARD...
#
# Extracts ORIG (the model's own rollouts) once, then runs, N shards at a
# time:
#     cot-extract SHARD | cot-diff ORIG | cot-judge | cot-stat --partial ...
# and finally one `cot-stat --merge` with the gates over exactly the
# partials of this run.  It prints the report (also kept in DIR/report),
# then the failing gate lines, and exits as the merge did: 0 when every gate
# passes, 1 when one fails or the merge is refused, anything else on an
# error.  When a shard fails, the others still run; the script names the
# failed shards and exits 1 without a report.
#
# Resume: run it again.  Shard i's partial (DIR/parts/i.part) is written
# under a temporary name and renamed only when its pipeline succeeded, and
# it is reused only when `cot-stat --fresh` says it is what this run would
# make (same cot-stat, AUDIT_STAT and tools, shard i of the same count, the
# shard file and the extracted originals unchanged).  The originals are
# extracted again only when ORIG or COT_EXTRACT changed.  Each shard is
# reported as "reused" or "redoing ... (why)".
#
# Environment:
#   AUDIT_STAT    figures to collect [--by meta.env --count judge.verdict,diff.edit,diff.status --num diff.cot.similarity]
#   AUDIT_GATES   gates for the merge [--max-rate judge.verdict=rationalized:0.01]
#   AUDIT_REPORT  report format options for the merge, e.g. --json []
#   COT_EXTRACT COT_DIFF COT_JUDGE COT_STAT   the tools [cot-extract ...]
#   COT_DIFF_OPTS COT_JUDGE_OPTS              extra options []
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
: "${COT_STAT:=cot-stat}" "${COT_DIFF_OPTS=}" "${COT_JUDGE_OPTS=}"

orig=$1
shift
n=$#
mkdir -p "$dir/parts"

# The originals: extracted again only when ORIG or the extractor changed.
stamp="$COT_EXTRACT $(readlink -f "$orig") $(stat -L -c '%s %Y' "$orig")"
if [ -f "$dir/orig.zst" ] && [ "$(cat "$dir/orig.stamp" 2> /dev/null)" = "$stamp" ]; then
    echo "cot-parallel: reused $dir/orig.zst"
else
    echo "cot-parallel: extracting $orig"
    rm -f "$dir/orig.zst" "$dir/orig.stamp"
    if ! $COT_EXTRACT "$orig" > "$dir/orig.zst.tmp"; then
        rm -f "$dir/orig.zst.tmp"
        echo "cot-parallel: extracting $orig failed" >&2
        exit 1
    fi
    mv -f "$dir/orig.zst.tmp" "$dir/orig.zst"
    printf '%s\n' "$stamp" > "$dir/orig.stamp"
fi

pipe="$COT_EXTRACT SHARD | $COT_DIFF $COT_DIFF_OPTS $dir/orig.zst | $COT_JUDGE $COT_JUDGE_OPTS"
# Shard i's fingerprint options, as an array in fp.
fingerprint() {
    fp=(--part "$1/$n" --source "$2" --source "$dir/orig.zst" --pipeline "$pipe")
}

todo=()
i=0
for s in "$@"; do
    i=$((i + 1))
    fingerprint "$i" "$s"
    # shellcheck disable=SC2086  # option lists are meant to split
    if why=$($COT_STAT --fresh "$dir/parts/$i.part" $AUDIT_STAT "${fp[@]}" 2>&1); then
        echo "cot-parallel: reused shard $i ($s)"
    else
        echo "cot-parallel: redoing shard $i ($s): ${why#*: *: }"
        rm -f "$dir/parts/$i.part"
        todo+=("$i")
    fi
done

# One job per stale shard: K, then its file.  Every job runs to the end, so
# a rerun redoes only the shards that failed.
export AUDIT_STAT COT_EXTRACT COT_DIFF COT_JUDGE COT_STAT COT_DIFF_OPTS COT_JUDGE_OPTS
export COT_PAR_DIR=$dir COT_PAR_N=$n COT_PAR_PIPE=$pipe
cot_par_job() {
    set -o pipefail
    local p=$COT_PAR_DIR/parts/$1.part
    rm -f "$p.tmp"
    # shellcheck disable=SC2086
    $COT_EXTRACT "$2" | $COT_DIFF $COT_DIFF_OPTS "$COT_PAR_DIR/orig.zst" \
        | $COT_JUDGE $COT_JUDGE_OPTS \
        | $COT_STAT --partial $AUDIT_STAT --part "$1/$COT_PAR_N" --source "$2" \
            --source "$COT_PAR_DIR/orig.zst" --pipeline "$COT_PAR_PIPE" -o "$p.tmp" \
        && mv -f "$p.tmp" "$p" \
        || { rm -f "$p.tmp"; echo "cot-parallel: shard $1 ($2) failed" >&2; return 1; }
}
export -f cot_par_job
if [ ${#todo[@]} -gt 0 ]; then
    for k in "${todo[@]}"; do printf '%s\0%s\0' "$k" "${!k}"; done \
        | PARALLEL_SHELL=bash parallel -0 -N2 -j "$jobs" cot_par_job {1} {2} \
        || { echo "cot-parallel: $? shard(s) failed; run it again to redo only those" >&2
             exit 1; }
fi

# Exactly this run's partials, in order; the report, then the merge's
# messages (failing gates, refusals).
parts=()
for ((k = 1; k <= n; k++)); do parts+=("$dir/parts/$k.part"); done
rm -f "$dir/report"
# shellcheck disable=SC2086
$COT_STAT --merge $AUDIT_GATES $AUDIT_REPORT -o "$dir/report" "${parts[@]}" \
    2> "$dir/merge.err" && st=0 || st=$?
[ -f "$dir/report" ] && cat "$dir/report"
cat "$dir/merge.err" >&2
exit "$st"
