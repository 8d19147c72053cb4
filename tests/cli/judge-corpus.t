#!/usr/bin/env bash
# judge-corpus.t -- cot-judge on 3,000 generated records that walk every
# detector's edges (tests/data/make-judge-corpus.py: base64-like runs of
# 78..82 bytes, zero-width and bidi characters and their neighbours, mixed
# scripts, "answer" in any case, U+212A and U+017F, stated answers, options,
# cues, empty and absent CoTs).  The fast paths of lib/judge.c, rules.c and
# prefilter.c must leave every output byte as it was: the goldens pin the
# verdict, label and evidence counts and the SHA-256 of the whole output,
# under the defaults and the options that change what is run.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
W=$_BASE/corpus
mkdir -p "$W"
$PY tests/data/make-judge-corpus.py 3000 1 > "$W/c.jsonl"
echo '{"cot_voice":{"planner":10,"assistant":80,"neutral":10}}' > "$W/base.json"
# verdicts, labels and evidence rules with their counts, then the bytes' hash
cat > "$W/summary.py" <<'PY'
import collections, hashlib, json, sys
data = sys.stdin.buffer.read()
c = collections.Counter()
for line in data.split(b"\n")[:-1]:     # (not splitlines: U+2028 is in strings)
    j = json.loads(line)["judge"]
    c["verdict " + j["verdict"]] += 1
    for l in j["labels"]: c["label " + l] += 1
    for e in j["evidence"]: c["evidence %s %s" % (e["field"], e["rule"])] += 1
for k in sorted(c): print(k, c[k])
print("sha256", hashlib.sha256(data).hexdigest())
PY
export PY W

t corpus-size 0 'wc -l < $W/c.jsonl; sha256sum < $W/c.jsonl | cut -c 1-64'
t corpus-default 0 'cot-judge -u -q $W/c.jsonl | $PY $W/summary.py'
t corpus-baseline 0 'cot-judge -u -q --baseline $W/base.json $W/c.jsonl | $PY $W/summary.py'
t corpus-cue-field 0 'cot-judge -u -q --cue-field /meta/hint $W/c.jsonl | $PY $W/summary.py'
t corpus-cue-text 0 'cot-judge -u -q --cue-text-field /meta/nudge_text $W/c.jsonl | $PY $W/summary.py'
check corpus-no-prefilter-same 'cot-judge -u -q $W/c.jsonl > $TMP/a && cot-judge -u -q --no-prefilter $W/c.jsonl > $TMP/b && cmp $TMP/a $TMP/b'
check corpus-budget-same 'cot-judge -u -q $W/c.jsonl > $TMP/a && cot-judge -u -q --rule-budget 0 $W/c.jsonl > $TMP/b && cmp $TMP/a $TMP/b'

done_testing
