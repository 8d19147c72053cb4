#!/usr/bin/env bash
# extract.sh -- cot-extract on the real datasets in $COT_DATA (../shared/data).
#
# 1. Ground truth: gpt-oss raw_output (harmony) must give internal_reasoning
#    and external_output; Sonnet thinking/raw_response must give cot and
#    answer.  Prints the match rate per dataset; fails below 100%.
# 2. Every folder: extract everything and print the formats and cot states
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
for f in "$DATA"/sonnet45/*.jsonl.zst; do
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
