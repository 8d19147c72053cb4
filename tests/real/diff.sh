#!/usr/bin/env bash
# diff.sh -- cot-diff on GSM8K (issue 3's check-real): the test split's
# answers are the originals, the "socratic" rewrite of the same split is the
# SFT set.  Each socratic answer inserts a sub-question ("How many ...? **")
# before every step and keeps the final "#### N", so all 1,319 pairs must
# be found, all edited or rewritten, all cot-only.  Prints how the CoT
# similarities are distributed.
#
# gsm8k records are {question, answer}; cot-extract turns them into
# canonical records (prompt = question; cot = text before "#### N",
# calculator annotations like <<48/2=24>> kept; answer = N).
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
BIN=${COT_BIN:-$PWD/bin}
G=$DATA/gsm8k
[ -f "$G/test.jsonl.zst" ] || { echo "diff.sh: $G missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$BIN/cot-extract" -o "$TMP/orig.zst" "$G/test.jsonl.zst" || exit 1
"$BIN/cot-extract" "$G/test_socratic.jsonl.zst" |
    "$BIN/cot-diff" -v -u "$TMP/orig.zst" > "$TMP/diffed.jsonl" || exit 1

/usr/bin/python3 - "$TMP/diffed.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
st = {}
ed = {}
for r in recs:
    d = r["diff"]
    st[d["status"]] = st.get(d["status"], 0) + 1
    ed[d["edit"]] = ed.get(d["edit"], 0) + 1
print("records:", len(recs))
print("status:", " ".join("%s %d" % kv for kv in sorted(st.items())))
print("edit:  ", " ".join("%s %s" % kv for kv in sorted(ed.items(), key=str)))
sims = sorted(r["diff"]["cot"]["similarity"] for r in recs if r["diff"]["cot"])
if sims:
    q = lambda p: sims[min(len(sims) - 1, int(p * len(sims)))]
    print("cot similarity: min %.4f  p10 %.4f  p25 %.4f  median %.4f  p75 %.4f  p90 %.4f  max %.4f"
          % (sims[0], q(.10), q(.25), q(.50), q(.75), q(.90), sims[-1]))
    bins = [0] * 10
    for s in sims:
        bins[min(9, int(s * 10))] += 1
    for i, n in enumerate(bins):
        if n:
            print("  [%.1f, %.1f%s %5d %s" % (i / 10, (i + 1) / 10, "]" if i == 9 else ")",
                                          n, "#" * max(1, round(60 * n / len(sims)))))
approx = sum(1 for r in recs if r["diff"].get("cot", {}).get("approx"))
print("approx:", approx)
ok = (len(recs) == 1319 and st.get("edited", 0) + st.get("rewritten", 0) == 1319
      and ed.get("cot-only", 0) == 1319)
print("diff.sh:", "ok" if ok else "FAILED: want 1319 pairs, all edited/rewritten, all cot-only")
sys.exit(0 if ok else 1)
PY
[ $? = 0 ] || exit 1

# Issue 10: a gate that compared nothing fails.  gsm8k has no ids, and the
# fallback ids (digests of the source lines) of the two splits differ.
st=0
"$BIN/cot-extract" "$G/test_socratic.jsonl.zst" |
    "$BIN/cot-diff" --exit-status --key id -o /dev/null "$TMP/orig.zst" 2> "$TMP/err"
rc=$?
want="cot-diff: 0 of 1319 records found an original (key: id); nothing was compared
cot-diff: 1319 of the SFT ids are cot-extract's digests of source lines (the records had no id), which match only identical lines; pair on the prompt (--key prompt) or on a field"
if [ "$rc" = 1 ] && [ "$(cat "$TMP/err")" = "$want" ]; then echo "diff.sh: key id, nothing paired: ok"
else echo "diff.sh: FAILED: key id gate: exit $rc, stderr: $(cat "$TMP/err")"; st=1; fi
# ... but the same split read through another spelling of its path pairs
# line for line on the fallback ids.
(cd "$G" && "$BIN/cot-extract" ./test.jsonl.zst) |
    "$BIN/cot-diff" -u --exit-status --key id "$TMP/orig.zst" | jq -r .diff.status | sort | uniq -c > "$TMP/st"
if [ "$(cat "$TMP/st")" = "   1319 unchanged" ]; then echo "diff.sh: fallback ids across path spellings: ok"
else echo "diff.sh: FAILED: fallback ids across spellings: $(cat "$TMP/st")"; st=1; fi
# gpt-oss records have no prompt: on the prompt key none may pair.
O=$DATA/gptoss/nohack.jsonl.zst
if [ -f "$O" ]; then
    "$BIN/cot-extract" -o "$TMP/g.zst" "$O" || exit 1
    "$BIN/cot-diff" -u "$TMP/g.zst" "$TMP/g.zst" 2> "$TMP/err" | jq -r .diff.status | sort | uniq -c > "$TMP/st"
    if [ "$(cat "$TMP/st")" = "     90 no-key" ] && grep -q "90 of 90 records have an empty key" "$TMP/err"
    then echo "diff.sh: gpt-oss, no prompt, no-key: ok"
    else echo "diff.sh: FAILED: gpt-oss no-key: $(cat "$TMP/st") $(cat "$TMP/err")"; st=1; fi
fi
exit $st
