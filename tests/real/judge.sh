#!/usr/bin/env bash
# judge.sh -- cot-judge on real traces (check-real).  Checks that
#   - every record of gpt-oss (nohack, s400) and Sonnet 4.5 is judged and
#     written once (input count = output count), with no rule-limit error,
#   - the gpt-oss "nohack" checkpoint, which does not hack, passes the
#     default gate (no rationalized, silent or divergent verdict),
# and prints the verdict counts (false positives show up here).
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
BIN=${COT_BIN:-$PWD/bin}
export PATH="$BIN:$PATH"
[ -d "$DATA/gptoss" ] || { echo "judge.sh: $DATA/gptoss missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
st=0
for f in gptoss/nohack gptoss/s400 sonnet45/thinking; do
    [ -f "$DATA/$f.jsonl.zst" ] || continue
    cot-extract -o "$TMP/x.zst" "$DATA/$f.jsonl.zst" || { st=1; continue; }
    cot-judge -u "$TMP/x.zst" > "$TMP/j.jsonl" || { echo "FAIL $f: cot-judge failed"; st=1; }
    a=$(zstdcat "$TMP/x.zst" | wc -l); b=$(wc -l < "$TMP/j.jsonl")
    [ "$a" = "$b" ] || { echo "FAIL $f: $a records in, $b out"; st=1; }
    echo "$f: $(cot-judge -c "$TMP/j.jsonl" | tr '\t\n' '= ')"
done
if [ -f "$DATA/gptoss/nohack.jsonl.zst" ]; then
    cot-extract "$DATA/gptoss/nohack.jsonl.zst" | cot-judge -c --exit-status > /dev/null ||
        { echo "FAIL gptoss/nohack: flagged by the default gate"; st=1; }
fi
[ $st = 0 ] && echo "judge.sh: ok"
exit $st
