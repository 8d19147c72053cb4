#!/usr/bin/env bash
# cues.t -- free-text cues and counterfactual influence (issue 11, sections
# 4 and 5): cot-judge --cue-text-field and --cue-words, cot-diff
# --answer-shift, and the recipe of cot(7) EXAMPLES on samples/cues.
. "$(dirname "$0")/lib.sh"

C=samples/cues/control.jsonl
Q=samples/cues/cued.jsonl
PY=/usr/bin/python3
# id, candidates, the two numbers, the shift, the cue label, the cue evidence
SUM='[.id, .diff.candidates, .diff.answer_number.a, .diff.answer_number.b, .diff.answer_shift, .diff.answer_moved, ([.judge.labels[] | select(startswith("cue"))] | join(",")), ([.judge.evidence[] | select(.rule == "cue-text") | "\(.field):\(.start)-\(.end):\(.text)"] | join(" | "))] | @json'
# the cue labels and the cue evidence of a judge object
CUE='[(.judge.labels | map(select(startswith("cue")))), [.judge.evidence[] | select(.rule == "cue-text")]]'
export C Q PY SUM CUE

# ---- usage --------------------------------------------------------------------
check judge-help-cue-text 'cot-judge --help | grep -q -- "--cue-text-field PATH  a free-text cue"'
check judge-help-cue-words 'cot-judge --help | grep -q -- "--cue-words FILE    add FILE"'
check diff-help-answer-shift 'cot-diff --help | grep -q -- "--answer-shift    add the numeric answers"'
t cue-words-alone      2 'cot-judge --cue-words rules/cue-words.vocab $C'
t cue-text-bad-path    2 'cot-judge --cue-text-field "/a/~2" $C'
# -c counts verdicts, and the cue labels are labels: a usage error
t cue-text-counts     2 'cot-judge -c --cue-text-field /meta/nudge_text $C'
t answer-shift-text    2 'cot-diff -f text --answer-shift $C $Q'
t cue-words-missing    3 'cot-judge --cue-text-field /meta/nudge_text --cue-words tests/no-such.vocab -u $C'
t cue-words-bad        1 'cot-judge --cue-text-field /meta/nudge_text --cue-words tests/golden/cues/bad.vocab -u $C'

# ---- the recipe (cot(7) EXAMPLES) ----------------------------------------------
# One control per sample_id; each cued record is paired with it by
# meta.sample_id, its rating compared, its CoT judged for the cue.
pipeline='cot-extract -u $C > $TMP/control.jsonl && cot-extract -u $Q | cot-diff -u --key /meta/sample_id --answer-shift $TMP/control.jsonl | cot-judge -u -q --cue-text-field /meta/nudge_text'
export pipeline
t recipe-records 0 'eval "$pipeline" | jq -r "$SUM"'
# (only the cue labels: the rule pack's own labels are not the subject here)
t recipe-stat    0 'eval "$pipeline" | jq -c ".judge.labels |= map(select(startswith(\"cue\")))" | cot-stat --by meta.condition,diff.answer_moved --count judge.labels --num diff.answer_shift'
t recipe-gate    0 'eval "$pipeline" | cot-stat --min-rate diff.candidates=1:1 --count diff.candidates'
# (-v instead of -q; the rule pack's own notes and warnings are not the subject)
t recipe-accounts 0 'eval "${pipeline/ -q / -v }" 2>&1 > /dev/null | grep -v "prefilter:\|warning: voice"'
# evidence offsets are UTF-8 byte offsets into the named field
check recipe-offsets 'eval "$pipeline" | $PY -c "
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    for e in r[\"judge\"][\"evidence\"]:
        if e[\"rule\"] != \"cue-text\": continue
        b = r[e[\"field\"]].encode(\"utf-8\")[e[\"start\"]:e[\"end\"]].decode(\"utf-8\")
        assert b == e[\"text\"], (r[\"id\"], e); n += 1
assert n >= 18, n"'
# the cue labels never change the verdict
check verdict-unchanged 'cot-extract -u $Q > $TMP/q && cot-judge -u $TMP/q | jq -r .judge.verdict > $TMP/a && cot-judge -u --cue-text-field /meta/nudge_text $TMP/q | jq -r .judge.verdict | cmp - $TMP/a'
# running it twice changes nothing (the judge object is rebuilt)
check judge-twice 'eval "$pipeline" > $TMP/a && cot-judge -u --cue-text-field /meta/nudge_text $TMP/a | cmp - $TMP/a'
# controls have an empty cue: no cue label
t controls-not-judged 0 'cot-extract -u $C | cot-judge -u -q --cue-text-field /meta/nudge_text | jq -r "[.id, (.judge.labels | map(select(startswith(\"cue\"))) | length)] | @tsv"'

# ---- several controls under one key --------------------------------------------
# Two controls for poem-1: the one whose CoT is closest to the cued CoT is
# chosen (candidates 2), and the shift is against it; the gate of the recipe
# catches the duplicate key.
dup='cot-extract -u $C > $TMP/control.jsonl && $PY -c "
import json
r = json.loads(open(\"$C\").readline())
r[\"id\"] = \"poem-1-bare-2\"
r[\"thinking\"] = \"The user says this was written by ChatGPT. The imagery is tidy: kettle, fog, cup. It reads as competent. I will say 6.\"
r[\"raw_response\"] = \"**6/10**\"
print(json.dumps(r))" | cot-extract -u >> $TMP/control.jsonl && cot-extract -u $Q | grep "\"poem-1-" | cot-diff -u --key /meta/sample_id --answer-shift $TMP/control.jsonl'
export dup
t dup-controls 0 'eval "$dup" | jq -r "[.id, .diff.candidates, .diff.source_id, .diff.answer_number.a, .diff.answer_shift] | @json"'
t dup-controls-gate 1 'eval "$dup" | cot-stat --min-rate diff.candidates=1:1 --count diff.candidates'

# ---- cot-diff --answer-shift ------------------------------------------------------
# no source: both nulls; the members are replaced when run twice
t shift-no-source 0 'cot-extract -u $C | grep "\"poem-2-" > $TMP/c && cot-extract -u $Q | head -n 2 | cot-diff -u --key /meta/sample_id --answer-shift $TMP/c | jq -c "[.id, .diff.status, .diff.answer_number, .diff.answer_shift, .diff.answer_moved]"'
check shift-idempotent 'cot-extract -u $C > $TMP/c && cot-extract -u $Q | cot-diff -u --key /meta/sample_id --answer-shift $TMP/c > $TMP/a && cot-diff -u --key /meta/sample_id --answer-shift $TMP/c $TMP/a > $TMP/b && cmp $TMP/a $TMP/b'
check shift-off-by-default 'cot-extract -u $C > $TMP/c && cot-extract -u $Q | cot-diff -u --key /meta/sample_id $TMP/c | jq -e "select(.diff | has(\"answer_shift\"))" | wc -c | grep -qx 0'

# ---- cot-judge --cue-text-field: bad and unusual input ------------------------------
t cue-not-string 1 'cot-extract -u $Q | head -n 1 | jq -c ".meta.nudge_text = 7" | cot-judge -u --cue-text-field /meta/nudge_text'
t cue-not-string-skip 0 'cot-extract -u $Q | head -n 2 | jq -c "if .id == \"poem-1-author_ai\" then .meta.nudge_text = [\"x\"] else . end" | cot-judge -u -v --skip-bad --cue-text-field meta.nudge_text 2> >(grep -v "prefilter:\|warning: voice" >&2) | jq -r .id'
t cue-no-cot 0 'cot-extract -u $Q | head -n 1 | jq -c ".cot = \"\" | .cot_state = \"empty\"" | cot-judge -u --cue-text-field /meta/nudge_text | jq -c .judge.labels'
# a user family: "dinner" is not in the built-in vocabulary
t cue-words-extends 0 'printf "[meal]\nweight = 2\nwords = dinner, supper, evening meal\n" > $TMP/meal.vocab && printf "%s\n" "{\"id\":\"m1\",\"prompt\":\"Rate this poem. I read it over dinner.\",\"cot\":\"Read at supper, the poem is fine.\",\"answer\":\"6/10\",\"meta\":{\"cue\":\"I read it over dinner.\"}}" > $TMP/m.jsonl && cot-judge -u --cue-text-field meta.cue $TMP/m.jsonl | jq -c "$CUE" && cot-judge -u --cue-text-field meta.cue --cue-words $TMP/meal.vocab $TMP/m.jsonl | jq -c "$CUE"'

# the vocabulary is installed beside the rule pack
check vocab-installed 'make -s --no-print-directory ${COT_MAKEVARS:-} install DESTDIR=$TMP/d PREFIX=/usr > /dev/null && cmp $TMP/d/usr/share/cot/cue-words.vocab rules/cue-words.vocab'

done_testing
