#!/usr/bin/env bash
#SBATCH --job-name=cot-audit
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
# cot-slurm.sh -- a sharded SFT audit as a Slurm array job (see cot(7)).
#
# Usage: cot-slurm.sh submit DIR ORIG SHARD...   submit the whole audit
#        cot-slurm.sh orig   DIR ORIG            (job 1: extract ORIG once)
#        cot-slurm.sh shard  DIR                 (array task: one shard)
#        cot-slurm.sh merge  DIR                 (last job: merge + gates)
#
# `submit` writes the shard list to DIR/shards, then submits three jobs with
# sbatch: the extraction of ORIG, an array of one task per shard
# (--array=1-N, each running cot-extract | cot-diff | cot-judge |
# cot-stat --partial on line $SLURM_ARRAY_TASK_ID of the list) that starts
# after it, and a merge that starts when every task has succeeded.  The
# merge job writes DIR/report and fails (exit 1) when a gate fails, so
# `sacct`, mail-on-fail or a dependent job can act on it.  The other modes
# are what the jobs run; they also work without Slurm (set
# SLURM_ARRAY_TASK_ID yourself), which is how the test suite checks them.
#
# Environment (exported to the jobs): AUDIT_STAT, AUDIT_GATES, AUDIT_REPORT,
# COT_EXTRACT, COT_DIFF, COT_JUDGE, COT_STAT as in cot-parallel.sh;
# SBATCH_OPTS: extra sbatch options (partition, account) [].
set -euo pipefail

: "${AUDIT_STAT=--by meta.env --count judge.verdict,diff.edit,diff.status --num diff.cot.similarity}"
: "${AUDIT_GATES=--max-rate judge.verdict=rationalized:0.01}"
: "${AUDIT_REPORT=}"
: "${COT_EXTRACT:=cot-extract}" "${COT_DIFF:=cot-diff}" "${COT_JUDGE:=cot-judge}"
: "${COT_STAT:=cot-stat}"
export AUDIT_STAT AUDIT_GATES AUDIT_REPORT COT_EXTRACT COT_DIFF COT_JUDGE COT_STAT

mode=${1:-}
dir=${2:-}
if [ -z "$mode" ] || [ -z "$dir" ]; then
    sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
self=$(readlink -f "$0")

case $mode in
submit)
    [ $# -ge 4 ] || { echo "usage: $0 submit DIR ORIG SHARD..." >&2; exit 2; }
    orig=$(readlink -f "$3")
    shift 3
    mkdir -p "$dir/parts" "$dir/logs"
    for s in "$@"; do readlink -f "$s"; done > "$dir/shards"
    n=$(wc -l < "$dir/shards")
    # shellcheck disable=SC2086
    j1=$(sbatch --parsable ${SBATCH_OPTS:-} -o "$dir/logs/orig.%j" "$self" orig "$dir" "$orig")
    # shellcheck disable=SC2086
    j2=$(sbatch --parsable ${SBATCH_OPTS:-} --dependency=afterok:"$j1" --array=1-"$n" \
         -o "$dir/logs/shard.%A_%a" "$self" shard "$dir")
    # shellcheck disable=SC2086
    j3=$(sbatch --parsable ${SBATCH_OPTS:-} --dependency=afterok:"$j2" \
         -o "$dir/logs/merge.%j" "$self" merge "$dir")
    echo "submitted: orig $j1, shards $j2 (1-$n), merge $j3; report in $dir/report"
    ;;
orig)
    $COT_EXTRACT "$3" > "$dir/orig.zst.tmp" && mv "$dir/orig.zst.tmp" "$dir/orig.zst"
    ;;
shard)
    i=${SLURM_ARRAY_TASK_ID:?not an array task: set SLURM_ARRAY_TASK_ID}
    shard=$(sed -n "${i}p" "$dir/shards")
    [ -n "$shard" ] || { echo "$0: no shard $i in $dir/shards" >&2; exit 2; }
    mkdir -p "$dir/parts"
    # shellcheck disable=SC2086
    $COT_EXTRACT "$shard" | $COT_DIFF "$dir/orig.zst" | $COT_JUDGE \
        | $COT_STAT --partial $AUDIT_STAT -o "$dir/parts/$i.part"
    ;;
merge)
    # shellcheck disable=SC2086
    $COT_STAT --merge $AUDIT_GATES $AUDIT_REPORT -o "$dir/report" "$dir"/parts/*.part
    ;;
*)
    echo "$0: unknown mode '$mode' (submit, orig, shard, merge)" >&2
    exit 2
    ;;
esac
