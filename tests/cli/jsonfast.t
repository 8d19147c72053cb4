#!/usr/bin/env bash
# jsonfast.t -- the JSON fast paths (lib/json.c: members built only when a
# tool reads them, cot-judge's and cot-diff's output spliced into the
# line's own bytes) change speed, never a result.  Every case runs its command with the fast
# paths (the default), with COT_JSON_NO_FASTPATH=1 (every member built,
# every record printed from its tree: the path before the fast ones) and
# with COT_JSON_NO_FASTPATH=cjson (cJSON and the reader's checks for every
# line), each at -@ 0 and -@ 2, and compares stdout, stderr, the exit status
# and the files written (--rejects, --unmatched) byte for byte.  The golden
# holds the summary and the default run's stderr.
#
# The corpus (tests/data/make-awkward.py) mixes records as the cot tools
# write them with the awkward: escapes the writer never writes, raw
# Unicode, duplicate keys, a key spelt with \u escapes, an old judge or
# shift member first, in the middle or last, numbers (1.0, 1e400, -0, 2^64,
# 70 digits), nesting 200 and 300 deep, whitespace, trailing blanks and CR,
# invalid UTF-8, \u0000 and control characters in members no tool reads.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
W=$_BASE/jsonfast
mkdir -p "$W"
$PY tests/data/make-awkward.py 600 > "$W/c.jsonl"
cp samples/profile/own.jsonl "$W/own.jsonl"
# the same, judged (as a pipeline feeds cot-stat and a second cot-judge)
cot-judge -u -q --skip-bad "$W/c.jsonl" > "$W/j.jsonl"
# a last line without a newline, once in the writer's form, once not
{ head -n 3 "$W/c.jsonl"; head -n 1 "$W/c.jsonl" | tr -d '\n'; } > "$W/unterm.jsonl"
{ head -n 3 "$W/c.jsonl"; head -n 1 "$W/c.jsonl" | sed 's/,/, /' | tr -d '\n'; } > "$W/unterm-ws.jsonl"
cot-profile build --holdout 0.25 -o "$W/own.prof" "$W/own.jsonl" 2> /dev/null
# the corpus as Python's json.dumps() writes it (", " and ": " between
# tokens, spliced with that whitespace dropped; ensure_ascii: \u escapes,
# printed from the tree), each line it cannot read kept as it is
$PY - "$W" <<'PY'
import json, sys
w = sys.argv[1]
for name, ascii in (("sp", False), ("spa", True)):
    with open(w + "/c.jsonl", "rb") as f, open(w + "/%s.jsonl" % name, "wb") as o:
        for l in f:
            try:
                o.write((json.dumps(json.loads(l), ensure_ascii=ascii) + "\n").encode())
            except Exception:
                o.write(l)
PY
# cot and answer absent, null, not strings, given twice, or under a name
# spelt with an escape; spaced and not (cot-diff reads an SFT record's
# fields, and checks an original's cot and answer, from the line)
cat > "$W/odd.jsonl" <<'EOF'
{"id": "a1", "prompt": "p one", "cot": "c one", "answer": "x"}
{"id":"a2","prompt":"p two","cot":null,"answer":"x"}
{"id": "a3", "prompt": "p three", "cot": 7, "answer": "x"}
{"id": "a4", "prompt": "p four", "cot": "c four"}
{"id":"a5","prompt":"p five","cot":"c five","answer":["x"]}
{"id": "a6", "prompt": "p six", "cot": null, "cot": "c six", "answer": "x"}
{"id": "a7", "prompt": "p seven", "c\u006ft": "c seven", "answer": "x"}
{"i\u0064": "a8", "prompt": "p eight", "cot": "c eight", "answer": "x"}
{"id": 9, "prompt": "p nine", "cot": "c nine\n\u00e9\/", "answer": "x"}
{"id": "a10", "prompt": "  p   ten\t", "cot": "c ten", "answer": "x", "diff": {"old": [1, 2]}}
{ "id" : "a11" , "prompt" : {"no": 1} , "cot" : "c", "answer" : "x" }
{"prompt": "p twelve", "answer": "x", "cot": "c \"twelve\"", "id": "a\u0031\u0032"}
{"id":"a13","prompt":"p13","cot":"c","answer":"x","cot_state":"ok","cot_state":"absent"}
{"id": "a14", "prompt": "p14", "cot": "c", "answer": "x", "cot_state": "ok", "cot_state": "ok"}
{"id": "a15", "prompt": "p15", "cot": "c", "answer": "x", "answer": "y"}
EOF
# cot-diff: originals with some prompts, CoTs and answers edited (the same
# awkward lines: rejected in ORIG too); cot-diff's own output, with and
# without --profile, to diff again (its diff and shift replaced in place);
# the corpus with every judge member renamed diff (a diff member first, in
# the middle, last and twice)
sed -e '0~5s/ the / a /' -e '0~7s/verify/check again/' -e '0~11s/"The answer is B."/"B"/' \
    "$W/c.jsonl" > "$W/o.jsonl"
cot-diff -u -q --skip-bad "$W/o.jsonl" "$W/c.jsonl" > "$W/d.jsonl" 2> /dev/null
cot-diff -u -q --skip-bad --profile "$W/own.prof" "$W/o.jsonl" "$W/c.jsonl" > "$W/dp.jsonl" 2> /dev/null
sed 's/"judge":/"diff":/g' "$W/c.jsonl" > "$W/cd.jsonl"
# cot-diff names an original without an id by FILE:LINE: W/ for $W/
unW() { sed "s|$W/|W/|g"; }
export PY W
export -f unW

# paths 'CMD': CMD (bash -o pipefail; it may use -@ $N and write files in
# its cwd, a fresh directory) under the three settings at -@ 0 and 2; prints
# what differs from the default at -@ 0, then the default's stdout, and
# passes its stderr (with $W/ shown as W/) and exit status on.
paths() {
    local m n d rc ref=fast.0
    for m in fast 1 cjson; do
        for n in 0 2; do
            mkdir -p "$TMP/$m.$n"
            (cd "$TMP/$m.$n" &&
             if [ $m = fast ]; then unset COT_JSON_NO_FASTPATH; else export COT_JSON_NO_FASTPATH=$m; fi &&
             N=$n bash -o pipefail -c "$1" > "$TMP/out.$m.$n" 2> "$TMP/err.$m.$n"
             echo $? > "$TMP/rc.$m.$n")
        done
    done
    rc=$(cat "$TMP/rc.$ref")
    echo "default -@ 0: exit $rc, $(wc -l < "$TMP/out.$ref") lines of stdout"
    for f in "$TMP/$ref"/*; do
        [ -f "$f" ] && echo "  file ${f##*/}: $(zstd -dcf < "$f" | wc -l) lines"
    done
    for m in fast 1 cjson; do
        for n in 0 2; do
            [ $m.$n = $ref ] && continue
            d=
            cmp -s "$TMP/out.$ref" "$TMP/out.$m.$n" || d="$d stdout"
            cmp -s "$TMP/err.$ref" "$TMP/err.$m.$n" || d="$d stderr"
            cmp -s "$TMP/rc.$ref" "$TMP/rc.$m.$n" || d="$d exit-status($(cat "$TMP/rc.$m.$n"))"
            diff -r "$TMP/$ref" "$TMP/$m.$n" > /dev/null || d="$d files"
            if [ -z "$d" ]; then echo "$m -@ $n: the same"
            else
                echo "$m -@ $n: DIFFERS:$d"
                diff "$TMP/out.$ref" "$TMP/out.$m.$n" | head -n 5 | cut -c 1-300
                diff "$TMP/err.$ref" "$TMP/err.$m.$n" | head -n 5
            fi
        done
    done
    echo "default -@ 0 stdout:"
    head -n 60 "$TMP/out.$ref" | cut -c 1-400
    sed "s|$W/|W/|g" "$TMP/err.$ref" >&2
    return "$rc"
}
export -f paths

t corpus 0 'wc -l < $W/c.jsonl; sha256sum < $W/c.jsonl | cut -c 1-64; grep -c "^{\"id\":\"r" $W/j.jsonl'

# ---- cot-judge ----------------------------------------------------------------
J='cot-judge -@ $N'
t judge-skip-bad 0 "paths '$J -u -v --skip-bad --rejects rej.jsonl \$W/c.jsonl | sha256sum'"
t judge-cues 0 "paths '$J -u -q --skip-bad --cue-field /meta/hint --cue-text-field meta.nudge \$W/c.jsonl | sha256sum'"
t judge-cue-whole 0 "paths '$J -u -q --skip-bad --cue-field . \$W/c.jsonl | sha256sum'"
t judge-counts 0 "paths '$J -c --skip-bad \$W/c.jsonl'"
t judge-gate 1 "paths '$J -u -q --skip-bad --only clean,silent --exit-status \$W/c.jsonl | sha256sum'"
t judge-stops 1 "paths '$J -u -q \$W/c.jsonl | sha256sum'"
t judge-zstd 0 "paths '$J -q --skip-bad \$W/c.jsonl | sha256sum'"
t judge-again 0 "paths '$J -u -v \$W/j.jsonl | sha256sum'"
t judge-profile 0 "paths '$J -u -q --skip-bad --profile \$W/own.prof \$W/c.jsonl | sha256sum'"
t judge-profile-again 0 "paths '$J -u -q --skip-bad --profile \$W/own.prof \$W/c.jsonl | $J -u -q --profile \$W/own.prof | sha256sum'"
t judge-unterminated 0 "paths '$J -u \$W/unterm.jsonl | sha256sum'"
t judge-unterminated-ws 0 "paths '$J -u \$W/unterm-ws.jsonl | sha256sum'"
# json.dumps()'s lines (spliced with the whitespace dropped; ensure_ascii's
# printed from the tree), with a profile's shift spliced too, and odd fields
t judge-spaced 0 "paths '$J -u -v --skip-bad --rejects rej.jsonl \$W/sp.jsonl | sha256sum'"
t judge-spaced-ascii 0 "paths '$J -u -q --skip-bad \$W/spa.jsonl | sha256sum'"
t judge-spaced-profile 0 "paths '$J -u -q --skip-bad --profile \$W/own.prof \$W/sp.jsonl | sha256sum'"
t judge-odd-fields 0 "paths '$J -u -q --skip-bad \$W/odd.jsonl'"
# the spliced output is the printed one, byte for byte, record by record
check judge-splice-is-print 'cot-judge -u -q $W/j.jsonl > $TMP/a &&
  COT_JSON_NO_FASTPATH=1 cot-judge -u -q $W/j.jsonl > $TMP/b && cmp $TMP/a $TMP/b &&
  cmp $TMP/a $W/j.jsonl'

# ---- cot-stat -----------------------------------------------------------------
S='cot-stat -@ $N'
t stat-judged 0 "paths '$S --skip-bad --count judge.verdict --count judge.labels --by meta.src --num meta.n \$W/j.jsonl'"
# a member on a path given twice (the corpus's meta): bad data, not counted
t stat-twice 1 "paths '$S --count judge.verdict --by meta.src \$W/j.jsonl'"
t stat-raw 0 "paths '$S --skip-bad --rejects rej.jsonl.zst --count cot_state --count /meta/hint --num score \$W/c.jsonl'"
t stat-missing 1 "paths '$S --count meta.hnt --count judge.verdict \$W/j.jsonl'"
# (the first 40: no line there needs the slow path, which builds it all)
t stat-missing-unread 1 "paths 'head -n 40 \$W/j.jsonl | $S --count prmpt --count judge.verdict'"
t stat-later 0 "paths '$S --num nums.0 --count deep \$W/j.jsonl'"
# a member read only by second keys is built narrowed to them (cot_json_sub_t);
# a path that stops at it builds it whole
t stat-sub 0 "paths '$S --skip-bad --count /judge/verdict --count judge.labels[0] --num meta.n --count meta \$W/j.jsonl'"
t stat-sub-deep 0 "paths '$S --skip-bad --count judge.evidence.0.rule --count judge.verdict --by /meta/src \$W/j.jsonl'"
t stat-whole 0 "paths '$S --count . --count cot \$W/j.jsonl | sha256sum'"
t stat-trend 0 "paths '$S --skip-bad --json --count judge.verdict --trend meta.n --for judge.verdict=clean --buckets 4 \$W/j.jsonl'"
t stat-gate 1 "paths '$S --max-rate judge.verdict=clean:0.5 \$W/j.jsonl'"
t stat-partial 0 "paths '$S --skip-bad --partial --count judge.verdict --by meta.hint - < \$W/j.jsonl | jq -c \"del(.fingerprint.parts[0].inputs[0].mtime)\"'"
t stat-stops 1 "paths '$S --count judge.verdict \$W/c.jsonl'"

# ---- cot-diff -----------------------------------------------------------------
# SFT records built by the members cot-diff reads, the output spliced; the
# originals indexed and read again by the same members
D='cot-diff -@ $N'
t diff-skip-bad 0 "paths '$D -u -v --skip-bad --rejects rej.jsonl --unmatched un.jsonl \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-stops 1 "paths '$D -u -q \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-sft-stops 1 "paths '$D -u -q \$W/d.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-answer-shift 0 "paths '$D -u -q --skip-bad --answer-shift --hunk-text \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-profile 0 "paths '$D -u -q --skip-bad --profile \$W/own.prof \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-profile-answer-shift 0 "paths '$D -u -q --skip-bad --profile \$W/own.prof --answer-shift \$W/o.jsonl \$W/cd.jsonl | unW | sha256sum'"
t diff-text 0 "paths '$D -q --skip-bad -O text --color always -C 1 \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-counts 0 "paths '$D -c --skip-bad --rejects rej.jsonl \$W/o.jsonl \$W/c.jsonl'"
t diff-only 0 "paths '$D -u -q --skip-bad --only edited,no-source \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-zstd 0 "paths '$D -q --skip-bad --unmatched un.zst \$W/o.jsonl \$W/c.jsonl | zstd -dc | unW | sha256sum'"
t diff-key-id 0 "paths '$D -u -v --skip-bad --key id \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-key-member 0 "paths '$D -u -q --skip-bad --key /meta --unmatched un.jsonl \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-key-deep 0 "paths '$D -u -v --skip-bad --key meta.src --rejects rej.jsonl \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-key-pointer 0 "paths '$D -u -q --skip-bad --key /meta/n \$W/o.jsonl \$W/cd.jsonl | unW | sha256sum'"
t diff-key-whole 0 "paths '$D -u -q --skip-bad --key . \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-key-unread 0 "paths '$D -u -q --skip-bad --key score --rejects rej.jsonl \$W/o.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-again 0 "paths '$D -u -v --skip-bad \$W/o.jsonl \$W/d.jsonl | unW | sha256sum'"
t diff-again-profile 0 "paths '$D -u -q --skip-bad --profile \$W/own.prof \$W/o.jsonl \$W/dp.jsonl | unW | sha256sum'"
t diff-again-other 0 "paths '$D -u -q --skip-bad --profile \$W/own.prof --hunk-text \$W/c.jsonl \$W/dp.jsonl | unW | sha256sum'"
t diff-diff-members 0 "paths '$D -u -v --skip-bad \$W/o.jsonl \$W/cd.jsonl | unW | sha256sum'"
t diff-unterminated 0 "paths '$D -u --skip-bad \$W/o.jsonl \$W/unterm.jsonl | unW | sha256sum'"
t diff-unterminated-ws 0 "paths '$D -u --skip-bad \$W/o.jsonl \$W/unterm-ws.jsonl | unW | sha256sum'"
t diff-within 0 "paths '$D -u -q --skip-bad --within prompt,cot \$W/c.jsonl | unW | sha256sum'"
# the spliced output is the printed one, byte for byte; diffed again, each
# diff (and shift) is replaced in place, so the output is its input
check diff-splice-is-print 'cot-diff -u -q --skip-bad --profile $W/own.prof $W/o.jsonl $W/cd.jsonl > $TMP/a &&
  COT_JSON_NO_FASTPATH=1 cot-diff -u -q --skip-bad --profile $W/own.prof $W/o.jsonl $W/cd.jsonl > $TMP/b &&
  cmp $TMP/a $TMP/b && [ "$(grep -c "\"diff\":{\"status\"" $TMP/a)" -gt 500 ]'
# the diff object written as text (spliced) and built as a tree (printed)
# with every member it can have: hunk text, answer shift, shift
check diff-splice-is-print-all 'for n in 0 2; do
  cot-diff -@ $n -u -q --skip-bad --hunk-text --answer-shift --profile $W/own.prof $W/o.jsonl $W/cd.jsonl > $TMP/a &&
  COT_JSON_NO_FASTPATH=1 cot-diff -@ $n -u -q --skip-bad --hunk-text --answer-shift --profile $W/own.prof $W/o.jsonl $W/cd.jsonl > $TMP/b &&
  cmp $TMP/a $TMP/b && [ "$(grep -c "\"a_text\"" $TMP/a)" -gt 30 ] && [ "$(grep -c "\"answer_shift\"" $TMP/a)" -gt 500 ] || exit 1; done'
# json.dumps()'s lines: against themselves (identical pairs), and as the
# originals of the corpus; odd fields on both sides
t diff-spaced 0 "paths '$D -u -v --skip-bad --rejects rej.jsonl \$W/sp.jsonl \$W/sp.jsonl | unW | sha256sum'"
t diff-spaced-ascii 0 "paths '$D -u -q --skip-bad \$W/spa.jsonl \$W/sp.jsonl | unW | sha256sum'"
t diff-spaced-orig 0 "paths '$D -u -q --skip-bad \$W/sp.jsonl \$W/c.jsonl | unW | sha256sum'"
t diff-odd-fields 0 "paths '$D -u -v --skip-bad --rejects rej.jsonl \$W/odd.jsonl \$W/odd.jsonl | unW'"
t diff-odd-fields-id 0 "paths '$D -u -q --skip-bad --key id --answer-shift \$W/odd.jsonl \$W/odd.jsonl | unW'"
# ---- cot-profile score -------------------------------------------------------
# The records built by the members score reads (cot_record_view()'s fields,
# --spans' first key, logprob_stats, shift), the shift object written as
# text and spliced; any other line printed from its tree, as before
$PY - "$W" <<'PY'
import json, sys
w = sys.argv[1]
# logprob_stats on every third line the corpus parses (numbers, null, a string)
with open(w + "/c.jsonl", "rb") as f, open(w + "/lp.jsonl", "wb") as o:
    for i, l in enumerate(f):
        try:
            r = json.loads(l)
            if not isinstance(r, dict) or i % 3:
                raise ValueError
            r["logprob_stats"] = {"cot": {"curvature": [-1.5, 0.25, None, "x", -40][i % 5]}}
            l = (json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
        except Exception:
            pass
        o.write(l)
PY
P='cot-profile score -@ $N -p $W/own.prof'
t profile-skip-bad 0 "paths '$P -u -v --skip-bad --rejects rej.jsonl \$W/c.jsonl | sha256sum'"
t profile-stops 1 "paths '$P -u -q \$W/c.jsonl | sha256sum'"
t profile-judged 0 "paths '$P -u -q --per-token \$W/j.jsonl | sha256sum'"
t profile-again 0 "paths '$P -u -q --skip-bad \$W/c.jsonl | $P -u -q | sha256sum'"
t profile-logprob 0 "paths '$P -u -q --skip-bad \$W/lp.jsonl | sha256sum'"
t profile-spans 0 "paths '$P -u -q --skip-bad --spans diff.cot.hunks \$W/dp.jsonl | unW | sha256sum'"
t profile-spans-pointer 0 "paths '$P -u -q --skip-bad --spans /diff/cot/hunks --window 4 \$W/dp.jsonl | unW | sha256sum'"
t profile-spans-whole 0 "paths '$P -u -q --skip-bad --spans . \$W/c.jsonl | sha256sum'"
t profile-unterminated 0 "paths '$P -u \$W/unterm-ws.jsonl | sha256sum'"
t profile-spaced 0 "paths '$P -u -v --skip-bad --rejects rej.jsonl \$W/sp.jsonl | sha256sum'"
t profile-spaced-ascii 0 "paths '$P -u -q --skip-bad \$W/spa.jsonl | sha256sum'"
t profile-odd-fields 0 "paths '$P -u -v --skip-bad --rejects rej.jsonl \$W/odd.jsonl'"
check profile-splice-is-print 'cot-profile score -u -q --skip-bad -p $W/own.prof $W/lp.jsonl > $TMP/a &&
  COT_JSON_NO_FASTPATH=1 cot-profile score -u -q --skip-bad -p $W/own.prof $W/lp.jsonl > $TMP/b &&
  cmp $TMP/a $TMP/b && [ "$(grep -c "\"logprob\":{\"curvature\"" $TMP/a)" -gt 100 ] &&
  cot-profile score -u -q -p $W/own.prof $TMP/a | cmp - $TMP/a'

check diff-again-is-input 'cot-diff -u -q --skip-bad $W/o.jsonl $W/d.jsonl | cmp - $W/d.jsonl &&
  cot-diff -u -q --skip-bad --profile $W/own.prof $W/o.jsonl $W/dp.jsonl | cmp - $W/dp.jsonl'

done_testing
