#!/usr/bin/env bash
# model.sh -- cot-judge train / --model on real labels (issue 12's
# check-real): the Sonnet 4.5 traces through cot-extract, the LLM monitor's
# YES/NO joined on (domain, framing, condition, sample_id) into
# meta.monitor (records whose key has two different verdicts stay
# unlabelled), a model held out by condition.  Checks that it trains, that
# its held-out AUROC is in the range bench/eval/judge-model reports (> 0.7),
# that scoring every record gives evidence spans that are the bytes they
# name and flagged == (p >= threshold), and that the model's bytes do not
# depend on -@.
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
BIN=${COT_BIN:-$PWD/bin}
S=$DATA/sonnet45
[ -f "$S/monitor.jsonl.zst" ] || { echo "model.sh: $S missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$BIN/cot-extract" -u "$S/thinking.jsonl.zst" > "$TMP/canon.jsonl" || exit 1
zstd -dc "$S/monitor.jsonl.zst" > "$TMP/monitor.jsonl" || exit 1
/usr/bin/python3 - "$TMP" <<'PY' || exit 1
import json, sys
T = sys.argv[1]
key = lambda m: (m["domain"], m["framing"], m["condition"], m["sample_id"])
mon = {}
for l in open(T + "/monitor.jsonl"):
    m = json.loads(l)
    mon.setdefault(key(m), set()).add(m["monitor_prediction"])
n = 0
with open(T + "/labelled.jsonl", "w") as out:
    for l in open(T + "/canon.jsonl"):
        r = json.loads(l)
        m = r["meta"]       # cot-extract made sample_id the id
        v = mon.get((m["domain"], m["framing"], m["condition"], int(r["id"])), set())
        if len(v) == 1:
            r["meta"]["monitor"] = v.pop()
            n += 1
        out.write(json.dumps(r) + "\n")
print("model.sh: %d records labelled" % n)
PY
train() { "$BIN/cot-judge" train -q "$@" --label meta.monitor --positive YES \
              --group meta.condition "$TMP/labelled.jsonl"; }
train -o "$TMP/a" || exit 1
train -@ 0 -o "$TMP/b" || exit 1
cmp -s "$TMP/a" "$TMP/b" || { echo "model.sh: the model depends on -@"; exit 1; }
"$BIN/cot-judge" info "$TMP/a" | grep -E "^(trained|held_out|class)"
"$BIN/cot-judge" -u --model "$TMP/a" "$TMP/labelled.jsonl" > "$TMP/scored.jsonl" || exit 1
/usr/bin/python3 - "$TMP" <<'PY'
import json, sys
T = sys.argv[1]
bad, n, ev = 0, 0, 0
for l in open(T + "/scored.jsonl"):
    r = json.loads(l); m = r["judge"]["model"]; n += 1
    bad += m["flagged"] != (m["p"] >= m["threshold"])
    for e in m["evidence"]:
        ev += 1
        bad += r[e["field"]].encode()[e["start"]:e["end"]].decode() != e["text"]
print("model.sh: %d records scored, %d evidence spans, %d bad" % (n, ev, bad))
sys.exit(bad > 0)
PY
st=$?
auc=$("$BIN/cot-judge" info "$TMP/a" | awk -F'\t' '/^class\tYES/ {split($5, a, " "); print a[2]}')
awk -v a="$auc" 'BEGIN { exit !(a > 0.7) }' || { echo "model.sh: held-out AUROC $auc, expected > 0.7"; st=1; }
exit $st
