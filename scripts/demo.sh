#!/usr/bin/env bash
# make demo: the main audit, on the bundled samples/demo.
#   1. canonical records from the model's own rollouts and from the SFT set
#   2. which SFT records had their CoT edited, against the rollouts
#   3. what the traces say
#   4. the report, with a trend over training steps and a gate
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/${BIN:-bin}:$PATH"
out=${DEMO_OUT:-build/demo}
mkdir -p "$out"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "cot-extract: canonical records (rollouts and SFT set)"
cot-extract -v -o "$out/orig.zst" samples/demo/rollouts.jsonl
cot-extract -v -o "$out/sft.zst"  samples/demo/sft.jsonl

step "cot-diff: which SFT CoTs were rewritten?"
cot-diff -v -o "$out/diffed.zst" "$out/orig.zst" "$out/sft.zst"

step "cot-judge: what do the traces say?"
cot-judge -v -o "$out/judged.zst" "$out/diffed.zst"

step "cot-diff --format text: the CoT-only edits, as a word diff"
cot-diff --format text --only-edit cot-only "$out/orig.zst" "$out/sft.zst" | head -20

step "cot-stat: the report"
cot-stat --by meta.env --count diff.edit,judge.verdict \
         --trend meta.step --for judge.verdict=rationalized "$out/judged.zst"

step "cot-profile: how far are the SFT CoTs from the model's own rollouts?"
cot-profile build -o "$out/own.prof" "$out/orig.zst"
cot-diff --profile "$out/own.prof" "$out/orig.zst" "$out/sft.zst" \
  | cot-stat --by diff.edit --num shift.excess_bits,shift.edits.inside,shift.edits.before

step "cot-stat as a CI gate: at most 5% rationalised traces"
if cot-stat -q --max-rate judge.verdict=rationalized:0.05 "$out/judged.zst" > /dev/null; then
    echo "gate passed"
else
    echo "gate failed (exit $?): this SFT set should not be used as it is"
fi
echo "(outputs in $out/)"
