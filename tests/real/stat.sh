#!/usr/bin/env bash
# stat.sh -- cot-stat on real annotated records (check-real): GSM8K test
# answers as originals, the socratic rewrite as the SFT set, through
# cot-extract | cot-diff | cot-judge.  Checks that
#   - the counts equal an independent Python count of the same records,
#   - p50/p90/p99 of diff.cot.similarity are within the sketch's 1% of the
#     exact order statistics, and min/max/mean agree,
#   - 4 shards' partials merged report exactly what one pass reports,
# and prints the report.
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
BIN=${COT_BIN:-$PWD/bin}
G=$DATA/gsm8k
[ -f "$G/test.jsonl.zst" ] || { echo "stat.sh: $G missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export PATH="$BIN:$PATH"

cot-extract -o "$TMP/orig.zst" "$G/test.jsonl.zst" || exit 1
cot-extract "$G/test_socratic.jsonl.zst" | cot-diff "$TMP/orig.zst" | cot-judge -u \
    > "$TMP/judged.jsonl" || exit 1
FIG=(--count diff.edit,diff.status,judge.verdict --num diff.cot.similarity)
cot-stat "${FIG[@]}" "$TMP/judged.jsonl" || exit 1
cot-stat --json "${FIG[@]}" "$TMP/judged.jsonl" > "$TMP/one.json" || exit 1

st=0
/usr/bin/python3 - "$TMP/judged.jsonl" "$TMP/one.json" <<'PY' || st=1
import json, sys
from collections import Counter
recs = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))["overall"]
ok = True
for path in ("diff.edit", "diff.status", "judge.verdict"):
    a, b = path.split(".")
    want = Counter(r.get(a, {}).get(b) for r in recs)
    got = {v["value"]: v["count"] for v in rep["count"][path]["values"]}
    if got != {k: n for k, n in want.items() if k is not None}:
        print("MISMATCH", path, got, dict(want)); ok = False
sims = sorted(r["diff"]["cot"]["similarity"] for r in recs
              if isinstance((r["diff"].get("cot") or {}).get("similarity"), (int, float)))
num = rep["num"]["diff.cot.similarity"]
for q in ("p50", "p90", "p99"):
    true = sims[int(float(q[1:]) / 100 * (len(sims) - 1))]
    if abs(num[q] - true) > 0.01 * abs(true) + 1e-6:
        print("QUANTILE", q, num[q], "exact", true); ok = False
mean = sum(sims) / len(sims)
if num["n"] != len(sims) or abs(num["mean"] - mean) > 1e-5 * max(1, abs(mean)) \
        or num["min"] != round(sims[0], 6) and abs(num["min"] - sims[0]) > 1e-6:
    print("SUMMARY", num, len(sims), mean, sims[0]); ok = False
print("stat.sh: counts and quantiles %s (%d records)" % ("agree" if ok else "DISAGREE", len(recs)))
sys.exit(0 if ok else 1)
PY

split -n l/4 "$TMP/judged.jsonl" "$TMP/shard."
for s in "$TMP"/shard.*; do cot-stat --partial "${FIG[@]}" -o "$s.part" "$s" || st=1; done
if diff <(sed 's/"partials":0/"partials":4/' "$TMP/one.json") \
        <(cot-stat --merge --json "$TMP"/shard.*.part); then
    echo "stat.sh: 4 merged partials equal one pass"
else
    echo "stat.sh: merged partials DIFFER from one pass"; st=1
fi
exit $st
