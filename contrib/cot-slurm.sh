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
# `submit` writes the shard list to DIR/shards and submits up to three jobs
# with sbatch: the extraction of ORIG, an array with one task per shard to
# (re)do (each runs cot-extract | cot-diff | cot-judge | cot-stat --partial
# on line $SLURM_ARRAY_TASK_ID of the list), and a merge that starts when
# every task has succeeded.  The merge job writes DIR/report, prints it and
# then the failing gate lines, and fails (exit 1) when a gate fails or the
# merge is refused, so `sacct`, mail-on-fail or a dependent job can act on
# it.  When a task fails the merge is cancelled (--kill-on-invalid-dep).
#
# Resume: run the same `submit` again.  A shard's partial (DIR/parts/i.part)
# is written under a temporary name and renamed when its pipeline
# succeeded; `submit` reuses it when `cot-stat --fresh` says it is what this
# run would make (same cot-stat, AUDIT_STAT and tools, shard i of the same
# count, the shard file and the extracted originals unchanged), and submits
# an array of only the other shards.  The originals are extracted again
# only when ORIG or COT_EXTRACT changed (then every shard is redone).  It
# prints "reused" or "redoing ... (why)" for each.
#
# The other modes are what the jobs run; they also work without Slurm (set
# SLURM_ARRAY_TASK_ID yourself).
#
# Environment (exported to the jobs): AUDIT_STAT, AUDIT_GATES, AUDIT_REPORT,
# COT_EXTRACT, COT_DIFF, COT_JUDGE, COT_STAT, COT_DIFF_OPTS, COT_JUDGE_OPTS
# as in cot-parallel.sh; SBATCH_OPTS: extra sbatch options (partition,
# account, --mem) [].
set -euo pipefail

: "${AUDIT_STAT=--by meta.env --count judge.verdict,diff.edit,diff.status --num diff.cot.similarity}"
: "${AUDIT_GATES=--max-rate judge.verdict=rationalized:0.01}"
: "${AUDIT_REPORT=}"
: "${COT_EXTRACT:=cot-extract}" "${COT_DIFF:=cot-diff}" "${COT_JUDGE:=cot-judge}"
: "${COT_STAT:=cot-stat}" "${COT_DIFF_OPTS=}" "${COT_JUDGE_OPTS=}"
export AUDIT_STAT AUDIT_GATES AUDIT_REPORT COT_EXTRACT COT_DIFF COT_JUDGE COT_STAT
export COT_DIFF_OPTS COT_JUDGE_OPTS

mode=${1:-}
dir=${2:-}
if [ -z "$mode" ] || [ -z "$dir" ]; then
    sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
self=$(readlink -f "$0")
dir=$(readlink -f "$dir")   # the jobs and the checks name files alike

# Shard i's fingerprint options in fp (the same for --fresh and --partial).
fingerprint() {
    local n
    n=$(wc -l < "$dir/shards")
    fp=(--part "$1/$n" --source "$2" --source "$dir/orig.zst"
        --pipeline "$COT_EXTRACT SHARD | $COT_DIFF $COT_DIFF_OPTS $dir/orig.zst | $COT_JUDGE $COT_JUDGE_OPTS")
}
orig_stamp() {
    echo "$COT_EXTRACT $(readlink -f "$1") $(stat -L -c '%s %Y' "$1")"
}

case $mode in
submit)
    [ $# -ge 4 ] || { echo "usage: $0 submit DIR ORIG SHARD..." >&2; exit 2; }
    orig=$(readlink -f "$3")
    shift 3
    mkdir -p "$dir/parts" "$dir/logs"
    for s in "$@"; do readlink -f "$s"; done > "$dir/shards"
    n=$(wc -l < "$dir/shards")
    rm -f "$dir/report"   # this run's merge writes the next one
    dep=()
    if [ -f "$dir/orig.zst" ] && [ "$(cat "$dir/orig.stamp" 2> /dev/null)" = "$(orig_stamp "$orig")" ]; then
        echo "cot-slurm: reused $dir/orig.zst"
        redo_all=
    else
        rm -f "$dir/orig.zst" "$dir/orig.stamp"
        # shellcheck disable=SC2086
        j1=$(sbatch --parsable ${SBATCH_OPTS:-} -o "$dir/logs/orig.%j" "$self" orig "$dir" "$orig")
        echo "cot-slurm: extracting $orig: job $j1"
        dep=(--dependency=afterok:"$j1")
        redo_all="the originals are extracted again"
    fi
    todo=
    i=0
    while IFS= read -r s; do
        i=$((i + 1))
        fingerprint "$i" "$s"
        if [ -n "$redo_all" ]; then
            why=$redo_all
        # shellcheck disable=SC2086
        elif why=$($COT_STAT --fresh "$dir/parts/$i.part" $AUDIT_STAT "${fp[@]}" 2>&1 < /dev/null); then
            echo "cot-slurm: reused shard $i ($s)"
            continue
        fi
        echo "cot-slurm: redoing shard $i ($s): ${why#*: *: }"
        rm -f "$dir/parts/$i.part"
        todo=${todo:+$todo,}$i
    done < "$dir/shards"
    if [ -n "$todo" ]; then
        # shellcheck disable=SC2086
        j2=$(sbatch --parsable ${SBATCH_OPTS:-} "${dep[@]}" --array="$todo" \
             -o "$dir/logs/shard.%A_%a" "$self" shard "$dir")
        echo "cot-slurm: shards $todo of $n: job $j2"
        dep=(--dependency=afterok:"$j2")
    fi
    # shellcheck disable=SC2086
    j3=$(sbatch --parsable ${SBATCH_OPTS:-} "${dep[@]}" --kill-on-invalid-dep=yes \
         -o "$dir/logs/merge.%j" "$self" merge "$dir")
    echo "cot-slurm: merge: job $j3; report in $dir/report"
    ;;
orig)
    rm -f "$dir/orig.zst.tmp" "$dir/orig.stamp"
    if ! $COT_EXTRACT "$3" > "$dir/orig.zst.tmp"; then
        rm -f "$dir/orig.zst.tmp"
        echo "cot-slurm: extracting $3 failed" >&2
        exit 1
    fi
    mv -f "$dir/orig.zst.tmp" "$dir/orig.zst"
    orig_stamp "$3" > "$dir/orig.stamp"
    ;;
shard)
    i=${SLURM_ARRAY_TASK_ID:?not an array task: set SLURM_ARRAY_TASK_ID}
    shard=$(sed -n "${i}p" "$dir/shards")
    [ -n "$shard" ] || { echo "$0: no shard $i in $dir/shards" >&2; exit 2; }
    mkdir -p "$dir/parts"
    fingerprint "$i" "$shard"
    p=$dir/parts/$i.part
    rm -f "$p" "$p.tmp"
    # shellcheck disable=SC2086
    if $COT_EXTRACT "$shard" | $COT_DIFF $COT_DIFF_OPTS "$dir/orig.zst" \
        | $COT_JUDGE $COT_JUDGE_OPTS | $COT_STAT --partial $AUDIT_STAT "${fp[@]}" -o "$p.tmp"
    then
        mv -f "$p.tmp" "$p"
        echo "cot-slurm: shard $i ($shard) done"
    else
        rm -f "$p.tmp"
        echo "cot-slurm: shard $i ($shard) failed" >&2
        exit 1
    fi
    ;;
merge)
    n=$(wc -l < "$dir/shards")
    parts=()
    missing=0
    for ((k = 1; k <= n; k++)); do
        parts+=("$dir/parts/$k.part")
        if [ ! -f "$dir/parts/$k.part" ]; then
            echo "cot-slurm: shard $k ($(sed -n "${k}p" "$dir/shards")) has no partial:" \
                 "its task failed or has not run; submit again to redo it" >&2
            missing=1
        fi
    done
    rm -f "$dir/report"
    [ "$missing" = 0 ] || exit 1
    # shellcheck disable=SC2086
    $COT_STAT --merge $AUDIT_GATES $AUDIT_REPORT -o "$dir/report" "${parts[@]}" \
        2> "$dir/merge.err" && st=0 || st=$?
    [ -f "$dir/report" ] && cat "$dir/report"
    cat "$dir/merge.err" >&2
    exit "$st"
    ;;
*)
    echo "$0: unknown mode '$mode' (submit, orig, shard, merge)" >&2
    exit 2
    ;;
esac
