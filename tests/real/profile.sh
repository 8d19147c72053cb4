#!/usr/bin/env bash
# profile.sh -- cot-profile on ../shared/data (issue 6's check-real): runs
# bench/eval/run and checks the figures stay where they were measured
# (gsm8k socratic-vs-main AUROC >= 0.85, and >= 0.98 for the combined score
# with a reference, with the calibrated 1% threshold's FPR on unseen main
# solutions <= 3%; gptoss vs sonnet45 AUROC >= 0.95 both ways for
# bits/token and the combined score; prmbench step AUROC >= 0.6).  A drop means a regression in the
# tokenizer, the smoothing or the calibration.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=$(bench/eval/run) || exit 1
echo "$out"
echo "$out" | /usr/bin/python3 -c '
import re, sys
bad = 0
for line in sys.stdin:
    m = re.search(r"AUROC ([0-9.]+)", line)
    if not m: continue
    a = float(m.group(1))
    # Floors for the scores a gate uses (bits/token and the combined
    # score); the single views (chars, chars peak, layout) are diagnostics.
    main = "bits/token" in line or "COMBINED" in line or line.startswith("prmbench")
    need = 0.98 if line.startswith("gsm8k-ref") and "COMBINED" in line else \
           0.85 if line.startswith("gsm8k socratic vs main, bits") else \
           0.6 if line.startswith("prmbench") else \
           0.95 if " vs held-out " in line and main else 0
    f = re.search(r"calibrated threshold: TPR [0-9.]+, FPR ([0-9.]+)", line)
    # The calibrated 1% threshold: at most 3% on unseen own samples.
    if a < need or (f and float(f.group(1)) > 0.03):
        print("FAIL:", line.strip()); bad = 1
sys.exit(bad)'
