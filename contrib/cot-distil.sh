#!/usr/bin/env bash
# cot-distil.sh -- distil an expensive judge into a fast model (see cot(7)).
#
# Usage: cot-distil.sh [-n N] [-s SEED] [-p VERDICT] [-g PATH] [-r RATE]
#                      [-j JUDGE] [-d DIR] DATA...
#
#   1. sample N records of DATA (canonical records, plain or zstd) with a
#      seeded shuf                                            DIR/sample.jsonl
#   2. label them with the external judge JUDGE (cot-judge --judge-cmd;
#      contrib/judge-openai by default, which needs COT_JUDGE_URL)
#                                                           DIR/labelled.jsonl
#   3. train on the judge's verdicts (judge.external.verdict), positive
#      VERDICT, held out by PATH                               DIR/judge.model
#   4. apply the model to all of DATA in one streaming pass, letting it set
#      the verdict (--model-verdict)                     DIR/judged.jsonl.zst
#   5. gate with cot-stat: exit 1 when more than RATE of the records get
#      VERDICT from the model                                     DIR/report
#
# Records the judge could not label (judge_error) are left out of training
# (cot-judge train says how many).  The exit status is cot-stat's: 0 when the
# gate passes, 1 when it fires; anything else is an error of a step.
#
# Defaults: -n 1000 -s 1 -p rationalized -g id -r 0.01
#           -j contrib/judge-openai -d distil
# Environment: COT_JUDGE COT_STAT (the tools [cot-judge, cot-stat]), and
# TRAIN_OPTS: more options for cot-judge train (e.g. "--fields cot,answer").
set -euo pipefail

n=1000 seed=1 pos=rationalized group=id rate=0.01 dir=distil
judge="$(dirname "$0")/judge-openai"
while getopts 'n:s:p:g:r:j:d:h' o; do
    case $o in
    n) n=$OPTARG ;; s) seed=$OPTARG ;; p) pos=$OPTARG ;; g) group=$OPTARG ;;
    r) rate=$OPTARG ;; j) judge=$OPTARG ;; d) dir=$OPTARG ;;
    h) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "Try '$0 -h'" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
    echo "usage: $0 [-n N] [-s SEED] [-p VERDICT] [-g PATH] [-r RATE] [-j JUDGE] [-d DIR] DATA..." >&2
    exit 2
fi
J=${COT_JUDGE:-cot-judge}
S=${COT_STAT:-cot-stat}
mkdir -p "$dir"

# 1. sample (zstd -dcf passes plain text through)
zstd -dcf -- "$@" | shuf -n "$n" --random-source=<(yes "$seed") > "$dir/sample.jsonl"
# 2. label with the expensive judge
"$J" -u --judge-cmd "$judge" "$dir/sample.jsonl" > "$dir/labelled.jsonl"
# 3. train (TRAIN_OPTS is split into words on purpose)
# shellcheck disable=SC2086
"$J" train -v -o "$dir/judge.model" --label judge.external.verdict \
    --positive "$pos" --group "$group" ${TRAIN_OPTS:-} "$dir/labelled.jsonl" \
    2> >(tee "$dir/train.log" >&2)
# 4. apply to everything, one pass
"$J" --model "$dir/judge.model" --model-verdict -o "$dir/judged.jsonl.zst" "$@"
# 5. gate
"$S" --count judge.model.label,judge.verdict \
    --max-rate "judge.model.label=$pos:$rate" "$dir/judged.jsonl.zst" | tee "$dir/report"
