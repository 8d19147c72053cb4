#!/usr/bin/env bash
# cues.sh -- the cue recipe of cot(7) on the Sonnet 4.5 rating traces
# (check-real).  Checks that
#   - every nudged record is paired with exactly one "bare" control by the
#     joined item key (cot-stat gate diff.candidates=1),
#   - every record is written once, and each one with a non-empty nudge is
#     either labelled cue-mentioned/cue-unmentioned or counted not-judged,
#   - cot-diff --answer-shift reads a number from at least 97% of the
#     answers (the rest are refusals),
# and prints the label counts.  The figures are bench/eval/cues.
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
BIN=${COT_BIN:-$PWD/bin}
export PATH="$BIN:$PATH"
F=$DATA/sonnet45/thinking.jsonl.zst
[ -f "$F" ] || { echo "cues.sh: $F missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
st=0
key='(.domain + "/" + .framing + "/" + (.sub // "-"))'
zstd -dcq "$F" | jq -c ". + {id: ($key + \"/\" + .condition + \"/\" + (.sample_id | tostring)),
                            item: ($key + \"/\" + (.sample_id | tostring))}" > "$TMP/all.jsonl"
jq -c 'select(.condition == "bare")' "$TMP/all.jsonl" | cot-extract -q -o "$TMP/c.zst"
jq -c 'select(.condition != "bare")' "$TMP/all.jsonl" | cot-extract -q |
    cot-diff -q --key /meta/item --answer-shift "$TMP/c.zst" |
    cot-judge -u -v --cue-text-field /meta/nudge_text > "$TMP/j.jsonl" 2> "$TMP/err" ||
    { echo "FAIL: the pipeline failed"; cat "$TMP/err"; st=1; }
n=$(jq -c 'select(.condition != "bare")' "$TMP/all.jsonl" | wc -l)
[ "$(wc -l < "$TMP/j.jsonl")" = "$n" ] || { echo "FAIL: $n records in, $(wc -l < "$TMP/j.jsonl") out"; st=1; }
cot-stat -q --min-rate diff.candidates=1:1 "$TMP/j.jsonl" > /dev/null ||
    { echo "FAIL: a nudged record without exactly one control"; st=1; }
judged=$(jq -r 'select(.meta.nudge_text != "") | [.judge.labels[] | select(startswith("cue"))] | length' "$TMP/j.jsonl" | grep -c 1)
notj=$(grep -o 'cue-text: [^;]*' "$TMP/err" | grep -o 'not-judged [0-9]*' | grep -o '[0-9]*$')
nonempty=$(jq -r 'select(.meta.nudge_text != "") | .id' "$TMP/j.jsonl" | wc -l)
[ $((judged + ${notj:-0})) = "$nonempty" ] ||
    { echo "FAIL: $nonempty nudges, $judged labelled, ${notj:-0} not judged"; st=1; }
nums=$(jq -r '.diff.answer_number.b != null' "$TMP/j.jsonl" | grep -c true)
[ $((nums * 100)) -ge $((n * 97)) ] || { echo "FAIL: numbers read from $nums of $n answers"; st=1; }
echo "sonnet45: $(grep -o 'cue-text: [^;]*' "$TMP/err"); numbers read: $nums of $n"
[ $st = 0 ] && echo "cues.sh: ok"
exit $st
