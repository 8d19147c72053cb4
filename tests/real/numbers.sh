#!/usr/bin/env bash
# numbers.sh -- on the real datasets in $COT_DATA: every number of a source
# record leaves cot-extract with the same text (in meta, or as the text of
# the id, answer, cot or prompt it became), and cot-judge, cot-diff (200
# records, each against itself) and cot-profile change nothing but the field
# they add.  Numbers are compared as text (json with parse_int and
# parse_float kept as strings), so 1.0 against 1 is a difference.
set -u
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
B="${COT_BIN:-$PWD/bin}"
PY=/usr/bin/python3
[ -d "$DATA" ] || { echo "numbers.sh: $DATA missing, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cot-real.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
st=0
"$B/cot-extract" -q -u "$DATA/gsm8k/test.jsonl.zst" | "$B/cot-profile" build -q -o "$TMP/m.prof" || exit 1
for f in $(find "$DATA" -name '*.jsonl' -o -name '*.jsonl.zst' | sort); do
    "$B/cot-extract" -q -u --skip-bad "$f" > "$TMP/x" || { echo "FAIL extract $f"; st=1; continue; }
    "$B/cot-judge" -q -u "$TMP/x" > "$TMP/j" &&
    head -200 "$TMP/x" > "$TMP/x200"   # cot-diff: a record against itself, 200 of them
    "$B/cot-diff" -q -u --key id "$TMP/x200" "$TMP/x200" > "$TMP/d" &&
    "$B/cot-profile" score -q -u -p "$TMP/m.prof" --skip-bad "$TMP/x" > "$TMP/p" || { echo "FAIL tools $f"; st=1; continue; }
    $PY - "$f" "$TMP" <<'PY' || st=1
import io, json, sys
src, tmp = sys.argv[1:]
def load(p):
    raw = open(p, 'rb').read()
    if raw[:4] == b'\x28\xb5\x2f\xfd':
        import zstandard
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
    return [json.loads(l, parse_int=lambda s: ('#', s), parse_float=lambda s: ('#', s),
                       parse_constant=lambda s: ('#', s), strict=False)
            for l in raw.decode().split('\n') if l.strip()]
def nums(v, out):
    if isinstance(v, tuple): out.append(v[1])
    elif isinstance(v, dict): [nums(x, out) for x in v.values()]
    elif isinstance(v, list): [nums(x, out) for x in v]
    return out
S, X = load(src), load(tmp + '/x')
lost = 0
byid = {}
for x in X: byid.setdefault(int(x['src']['line'][1]), []).append(x)
for i, s in enumerate(S, 1):
    got = []
    for x in byid.get(i, []):
        nums(x, got)
        got += [x['id'], x.get('answer'), x.get('cot'), x.get('prompt')]   # numbers made text
    got = {g for g in got if isinstance(g, str)}
    got |= {g.split('#')[0] for g in got}
    lost += sum(1 for n in nums(s, []) if n not in got)
bad = 0
for name, key in (('j', 'judge'), ('d', 'diff'), ('p', 'shift')):
    Y = load(tmp + '/' + name)
    if len(Y) != (200 if name == 'd' and len(X) > 200 else len(X)): bad += 1; continue
    for x, y in zip(X, Y):
        y.pop(key, None)
        bad += x != y
print("%-40s %5d records: %d source numbers lost, %d records changed by judge/diff/profile"
      % (src.split('/data/')[-1], len(X), lost, bad))
sys.exit(1 if lost or bad else 0)
PY
done
exit $st
