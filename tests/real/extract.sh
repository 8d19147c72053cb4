#!/usr/bin/env bash
# extract.sh -- cot-extract on the real datasets in $COT_DATA (../shared/data).
#
# 1. Ground truth: gpt-oss raw_output (harmony) must give internal_reasoning
#    and external_output; Sonnet thinking/raw_response must give cot and
#    answer.  Prints the match rate per dataset; fails below 100%.
# 2. gpt-oss by default (split fields beside raw_output): raw_output is
#    consumed, never copied to meta; a raw_output that ends inside the
#    analysis channel is unclosed, every other record ok; the output is
#    smaller than the input.
# 3. Pointers and fields that match nothing fail with the closest field:
#    cot-extract --cot /original_procss on PRMBench, cot-stat --count
#    meta.domian on the extracted Sonnet traces.
# 4. Every folder: extract everything and print the formats and cot states
#    found, so parser gaps show up (a folder with only "absent" is a gap).
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
X="${COT_BIN:-$PWD/bin}/cot-extract"
PY=/usr/bin/python3
[ -d "$DATA" ] || { echo "extract.sh: $DATA missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
st=0

# match SOURCE_FILE EXTRACTED_FILE COT_FIELD ANSWER_FIELD LABEL
match() {
    $PY - "$@" <<'PY' || st=1
import io, json, sys
import zstandard
src, got, cf, af, label = sys.argv[1:]
def lines(p):
    raw = open(p, 'rb').read()
    if raw[:4] == b'\x28\xb5\x2f\xfd':
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
    return [json.loads(l) for l in raw.decode().splitlines() if l.strip()]
S, G = lines(src), lines(got)
assert len(S) == len(G), (len(S), len(G))
n = ok = 0
bad = []
for s, g in zip(S, G):
    n += 1
    if g["cot"] == s[cf] and g["answer"] == s[af]:   # exactly
        ok += 1
    elif len(bad) < 3:
        bad.append(g["id"])
print("%-28s %5d/%-5d match (%.1f%%)%s" % (label, ok, n, 100.0 * ok / max(n, 1),
      "  e.g. " + ", ".join(bad) if bad else ""))
sys.exit(0 if ok == n else 1)
PY
}

echo "-- ground truth"
for f in "$DATA"/gptoss/*.jsonl.zst; do
    "$X" -u --answer /raw_output "$f" > "$TMP/out" || st=1
    match "$f" "$TMP/out" internal_reasoning external_output \
        "gptoss/$(basename "$f" .jsonl.zst) (harmony)"
done
for f in "$DATA"/sonnet45/*.jsonl.zst; do   # the files with a thinking field
    zstd -dcq "$f" | head -1 | grep -q '"thinking"' || continue
    "$X" -u "$f" > "$TMP/out" || st=1
    match "$f" "$TMP/out" thinking raw_response "sonnet45/$(basename "$f" .jsonl.zst)"
done

for f in "$DATA"/prmbench/*.jsonl.zst; do   # step lists through --cot
    "$X" -u --cot /original_process "$f" > "$TMP/out" || st=1
    $PY - "$f" "$TMP/out" <<'PY' || st=1
import io, json, sys
import zstandard
def lines(p):
    raw = open(p, 'rb').read()
    if raw[:4] == b'\x28\xb5\x2f\xfd':
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
    return [json.loads(l) for l in raw.decode().splitlines() if l.strip()]
S, G = lines(sys.argv[1]), lines(sys.argv[2])
ok = sum(g["cot"] == "\n".join(s["original_process"]) for s, g in zip(S, G))
print("%-28s %5d/%-5d match (%.1f%%)" % ("prmbench/" + sys.argv[1].split("/")[-1][:-10] + " (steps)",
      ok, len(S), 100.0 * ok / max(len(S), 1)))
sys.exit(0 if ok == len(S) == len(G) else 1)
PY
done

echo "-- gpt-oss split fields beside raw_output"
for f in "$DATA"/gptoss/*.jsonl.zst; do
    "$X" -u "$f" > "$TMP/out" || st=1
    $PY - "$f" "$TMP/out" <<'PY' || st=1
import io, json, sys
import zstandard
def lines(p):
    raw = open(p, 'rb').read()
    if raw[:4] == b'\x28\xb5\x2f\xfd':
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
    return raw, [json.loads(l) for l in raw.decode().splitlines() if l.strip()]
sraw, S = lines(sys.argv[1])
graw, G = lines(sys.argv[2])
assert len(S) == len(G), (len(S), len(G))
bad, cut = [], 0
for s, g in zip(S, G):
    last = s["raw_output"].rsplit("<|channel|>", 1)[-1]
    inside = last.startswith("analysis") and not any(
        t in last for t in ("<|end|>", "<|return|>", "<|call|>"))
    cut += inside
    want = "unclosed" if inside else "ok"
    if g["cot_state"] != want or "raw_output" in g["meta"] or \
            g["cot"] != s["internal_reasoning"] or g["answer"] != s["external_output"]:
        bad.append(g["id"])
name = "gptoss/" + sys.argv[1].split("/")[-1][:-10]
print("%-28s %5d/%-5d right (%d cut inside the analysis: unclosed); "
      "output %.0f%% of input%s" % (name, len(S) - len(bad), len(S), cut,
      100.0 * len(graw) / len(sraw), "  e.g. " + ", ".join(bad[:3]) if bad else ""))
sys.exit(1 if bad or len(graw) >= len(sraw) else 0)
PY
done

echo "-- options that match nothing"
# expect_fail LABEL WANT_IN_MESSAGE COMMAND...: status 1 and the suggestion
expect_fail() {
    local label=$1 want=$2 rc
    shift 2
    "$@" > /dev/null 2> "$TMP/err"
    rc=$?
    if [ "$rc" = 1 ] && grep -qF -- "$want" "$TMP/err"; then
        echo "$label: exit 1, $(grep -F -- "$want" "$TMP/err" | head -1)"
    else
        echo "$label: FAILED (exit $rc): $(head -c 300 "$TMP/err")"
        st=1
    fi
}
P=$(ls "$DATA"/prmbench/*.jsonl.zst 2>/dev/null | head -1)
[ -n "$P" ] && expect_fail "prmbench --cot typo" "did you mean /original_process?" \
    "$X" -u --cot /original_procss "$P"
for f in "$DATA"/sonnet45/thinking.jsonl.zst; do
    [ -f "$f" ] || continue
    "$X" -o "$TMP/sonnet.zst" "$f" || st=1
    expect_fail "sonnet45 cot-stat --count typo" "did you mean meta.domain?" \
        "${COT_BIN:-$PWD/bin}/cot-stat" --count meta.domian "$TMP/sonnet.zst"
done

echo "-- every folder (formats and cot states)"
for d in "$DATA"/*/; do
    name=$(basename "$d")
    files=$(find "$d" -maxdepth 1 -name '*.jsonl' -o -maxdepth 1 -name '*.jsonl.zst' | sort)
    if [ "$name" = harmony ]; then   # text renderings: wrap each as {"text": ...}
        for f in "$d"*.txt; do jq -Rsc --arg f "$(basename "$f")" '{id: $f, text: .}' "$f"; done \
            > "$TMP/harmony.jsonl"
        files=$TMP/harmony.jsonl
    fi
    [ -n "$files" ] || continue
    # shellcheck disable=SC2086
    acc=$("$X" -v -o "$TMP/all.zst" $files 2>&1 >/dev/null | tail -1) || st=1
    echo "$name: ${acc#cot-extract: }"
done
exit $st
