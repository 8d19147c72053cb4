#!/usr/bin/env bash
# judge.t -- cot-judge: verdicts on the sample table, rule packs, limits,
# filters and gates, bad input, the external judge and contrib/judge-openai.
. "$(dirname "$0")/lib.sh"

S=samples/judge
G=tests/golden/judge      # small fixed inputs live next to the goldens
PY=/usr/bin/python3
W=$_BASE/judge            # helper scripts, shared by all cases
mkdir -p "$W"
# id, verdict and labels of each output record, one per line
cat > "$W/show.py" <<'PY'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    j = r["judge"]
    print(r["id"], j["verdict"], ",".join(j["labels"]))
PY
# every record of the table gets meta.expect (and meta.expect_label)
cat > "$W/expect.py" <<'PY'
import json, sys
bad = 0
for line in sys.stdin:
    r = json.loads(line); j = r["judge"]; m = r["meta"]
    if j["verdict"] != m["expect"] or m.get("expect_label", j["verdict"]) not in j["labels"] + [j["verdict"]]:
        bad += 1
        print("%s: got %s %s" % (r["id"], j["verdict"], j["labels"]))
sys.exit(bad > 0)
PY
# evidence offsets are UTF-8 byte offsets into the field, end exclusive
cat > "$W/offsets.py" <<'PY'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    for e in r["judge"]["evidence"]:
        b = r[e["field"]].encode("utf-8")[e["start"]:e["end"]].decode("utf-8")
        assert b.startswith(e["text"]) and 0 <= e["start"] <= e["end"], (r["id"], e)
PY
export S G PY W

# ---- usage and the pack --------------------------------------------------
t help-first-line 0 'cot-judge --help | head -n 1'
check help-defaults 'cot-judge --help | grep -q "requests in flight \[8\]"'
check list-rules-is-default-file 'cot-judge --list-rules | cmp - rules/default.rules'
t bad-option 2 'cot-judge --frobnicate'
t bad-verdict 2 'cot-judge --only clean,sneaky'
# repeated --only adds verdicts, as cot-diff's does (it intersected them:
# nothing passed); --drop takes them out again, in any order
t only-repeated 0 'cot-judge -u --only rejected --only admitted $S/traces.jsonl | jq -r .judge.verdict | sort | uniq -c'
check only-repeated-same 'cot-judge -u --only rejected,admitted $S/traces.jsonl > $TMP/a && cot-judge -u --only admitted --only rejected $S/traces.jsonl > $TMP/b && cmp $TMP/a $TMP/b && test -s $TMP/a'
t only-drop 0 'cot-judge -u --drop admitted --only rejected,admitted $S/traces.jsonl | jq -r .judge.verdict | sort | uniq -c'
# an option of --profile or --judge-cmd without it is an error, not ignored
t fpr-no-profile 2 'cot-judge --fpr 0.05 $S/traces.jsonl'
t judge-timeout-no-cmd 2 'cot-judge --judge-timeout 3 $S/traces.jsonl'
t judge-rubric-no-cmd 2 'cot-judge --judge-rubric /dev/null $S/traces.jsonl'
# --list-rules and info print text and read no records: -o, -u, --skip-bad
# and input files would be ignored
t list-rules-o 2 'cot-judge --list-rules -o $TMP/rules; rc=$?; ls $TMP; exit $rc'
t list-rules-file 2 'cot-judge --list-rules $S/traces.jsonl'
t info-skip-bad 2 'cot-judge info --skip-bad $TMP/none.model'
t bad-window 2 'cot-judge --judge-window 0'

# ---- the table: at least five traces per verdict -------------------------
check table-verdicts 'cot-judge -u $S/traces.jsonl | $PY $W/expect.py'
# answer-unsupported: a bare numeric answer that no number of a CoT without
# a stated answer reaches (each record's meta.why says what it holds)
t answer-unsupported 0 "cot-judge -u tests/data/judge-unsupported.jsonl | jq -c '{id, v: .judge.verdict, l: .judge.labels, e: [.judge.evidence[] | select(.rule | startswith(\"answer\")) | [.field, .text]]}'"
# a bracket sequence stated last (a Dyck-language task) against the answer's
t answer-brackets 0 "cot-judge -u tests/data/judge-brackets.jsonl | jq -c '{id, v: .judge.verdict, l: .judge.labels, e: [.judge.evidence[] | select(.rule | startswith(\"answer\")) | [.field, .text]]}'"
# a list of words stated last (a sorting task) against the answer's list:
# another order when the task is about order, or a word of the prompt
# dropped or added; sets, sentences and lists before more text are not read
t answer-lists 0 "cot-judge -u tests/data/judge-lists.jsonl | jq -c '{id, v: .judge.verdict, l: .judge.labels, e: [.judge.evidence[] | select(.rule | startswith(\"answer\")) | [.field, .text]]}'"
# a number or a yes/no stated in the CoT against a short answer that is a
# sentence: the same when the answer's last number is it, or it opens with it
t answer-sentences 0 "cot-judge -u tests/data/judge-sentences.jsonl | jq -c '{id, v: .judge.verdict, l: .judge.labels}'"
# math answers as models write them: a stated answer is the whole
# expression ("1/2", "35 * 6 = 210", "2x+1"), compared by value or in a
# canonical form; a CoT that states none is read for the result its last
# line ends on, against an answer that is math alone
t answer-math 0 "cot-judge -u tests/data/judge-math.jsonl | jq -c '{id, v: .judge.verdict, l: .judge.labels, e: [.judge.evidence[] | select(.rule | startswith(\"answer\")) | [.field, .text]]}'"
t table-summary 0 'cot-judge -u $S/traces.jsonl | $PY $W/show.py'
check table-offsets 'cot-judge -u $S/traces.jsonl | $PY $W/offsets.py'
t hard-negative-rejected 0 'grep "\"rejected-1\"" $S/traces.jsonl | cot-judge -u'
t hard-negative-rationalized 0 'grep "\"rationalized-1\"" $S/traces.jsonl | cot-judge -u'
t silent-exit 0 'grep "\"silent-1\"" $S/traces.jsonl | cot-judge -u | $PY $W/show.py'
check passes-fields-through 'cot-judge -u $S/traces.jsonl | $PY -c "
import json,sys
for l in sys.stdin:
    r = json.loads(l); assert list(r)[:6] == [\"id\",\"prompt\",\"cot\",\"answer\",\"cot_state\",\"meta\"] and list(r)[-1] == \"judge\""'
check idempotent 'cot-judge -u $S/traces.jsonl > $TMP/a && cot-judge -u $TMP/a | cmp - $TMP/a'
check zstd-output 'cot-judge $S/traces.jsonl | cot-judge -c > $TMP/z && cot-judge -c $S/traces.jsonl | cmp - $TMP/z'

# ---- real wordings (issue 11): mentions, declines, several hacks, cues, options
cat > "$W/forms.py" <<'PY'
import json, sys
bad = n = 0
for line in sys.stdin:
    n += 1
    r = json.loads(line); j = r["judge"]; m = r["meta"]
    ok = j["verdict"] == m["expect"]
    if "expect_label" in m: ok = ok and m["expect_label"] in j["labels"]
    if "expect_not" in m: ok = ok and m["expect_not"] not in j["labels"]
    if "groups" in m: ok = ok and j.get("groups") == m["groups"]
    if not ok:
        bad += 1
        print("%s: want %s, got %s %s %s" % (r["id"], m["expect"], j["verdict"], j["labels"], j.get("groups")))
sys.exit(bad > 0 or n < 50)
PY
check forms-verdicts 'cot-judge -u -q $S/forms.jsonl | $PY $W/forms.py'
check forms-offsets 'cot-judge -u -q $S/forms.jsonl | $PY $W/offsets.py'
check forms-prefilter-same 'cot-judge -u -q $S/forms.jsonl > $TMP/a && cot-judge -u -q --no-prefilter $S/forms.jsonl > $TMP/b && cmp $TMP/a $TMP/b'
t forms-summary 0 'cot-judge -u -q $S/forms.jsonl | $PY $W/show.py'
# held-out wordings: today's output pinned (misses included; see bench/eval/judge)
t heldout-summary 0 'cot-judge -u -q $S/heldout.jsonl | $PY $W/show.py'
# several hacks: the verdict is the worst group's, judge.groups names each
t multi-hack 0 'grep "\"multi-1\"" $S/forms.jsonl | cot-judge -u | jq -c ".judge | {verdict, groups, silent: [.evidence[] | select(.label == \"silent\") | .rule]}"'
# case (a): the declining sentence is the evidence
t decline-evidence 0 'grep "\"decline-1\"" $S/forms.jsonl | cot-judge -u | jq -c ".judge | {verdict, labels, evidence: [.evidence[] | select(.label == \"rejected\") | .text]}"'
# identifiers alone (a pack of the action rules only) count as a mention
check identifier-overlap '$PY -c "
import re
blocks = re.split(r\"\n(?=\\[)\", open(\"rules/default.rules\").read())
print(\"\n\".join(b for b in blocks if \"stage   = action\" in b))" > $TMP/actions.rules &&
  grep -E "\"mention-(2|5|6|7|8)\"" $S/forms.jsonl | cot-judge -u -q --rules-only $TMP/actions.rules |
  jq -r ".judge | [.verdict, (.evidence[] | select(.label == \"mentioned\") | .rule)] | join(\" \")" > $TMP/got &&
  printf "admitted identifier\n%.0s" 1 2 3 4 5 | cmp - $TMP/got'
# the concept vocabulary is the pack's: a user's mention rule turns silent into admitted
t rules-mention-default 0 'cot-judge -u $G/bail.jsonl | $PY $W/show.py'
t rules-mention-added 0 'cot-judge -u --rules $G/mention.rules $G/bail.jsonl | $PY $W/show.py'
t rules-mention-field 1 'printf "[m]\nstage = mention\nfield = answer\npattern = \\\\bquit\\\\b\n" > $TMP/m.rules; cot-judge --rules-only $TMP/m.rules $G/nocot.jsonl 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'
t rules-cue-example-no-capture 1 'printf "[e]\nstage = cue-example\nfield = prompt\npattern = answer\n" > $TMP/e.rules; cot-judge --rules-only $TMP/e.rules $G/nocot.jsonl 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'

# ---- filters, counts, gates ------------------------------------------------
t count 0 'cot-judge -c $S/traces.jsonl'
t count-only 0 'cot-judge -c --only rationalized,silent $S/traces.jsonl'
t only 0 'cot-judge -u --only rationalized $S/traces.jsonl | $PY $W/show.py'
t drop 0 'cot-judge -u --drop clean,rejected,admitted,divergent,silent $S/traces.jsonl | $PY $W/show.py'
t exit-status-default 1 'cot-judge -c --exit-status $S/traces.jsonl'
t exit-status-set 0 'grep "\"clean-1\"" $S/traces.jsonl | cot-judge -c --only clean --exit-status=rationalized'
t exit-status-rejected 1 'grep "\"rejected-1\"" $S/traces.jsonl | cot-judge -c --only rejected --exit-status=rejected'
# a gate that saw no data fails; without a gate an empty input is fine
t exit-status-no-input 1 'cot-judge -c --exit-status /dev/null'
t exit-status-all-rejected 1 'printf "%s\n" "{\"id\": 1," "[1]" | cot-judge -u -v --skip-bad --exit-status=rationalized'
t exit-status-filtered 0 'grep "\"clean-1\"" $S/traces.jsonl | cot-judge -u -v --only rationalized --exit-status'
t no-gate-no-input 0 'cot-judge -c /dev/null'

# ---- bad input --------------------------------------------------------------
t missing-answer 1 'cot-judge -u $G/noanswer.jsonl'
t missing-answer-skip 0 'cot-judge -u -vv --skip-bad $G/noanswer.jsonl'
t no-cot 0 'cot-judge -u $G/nocot.jsonl'
# a cot or cot_state that is there but not text is bad data, never no-cot
t cot-not-text 1 'printf "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":7,\"answer\":\"x\"}\n" | cot-judge -u'
# a field given twice: JSON readers differ on which counts (Python and jq
# would see this CoT, which the first, null, would hide)
t field-twice 1 'printf "%s\n" "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":null,\"answer\":\"x\",\"cot\":\"I will hide this\"}" | cot-judge -u'
# a member it sets given twice: replacing the first would pass the stale
# second on to a reader that takes the last
t judge-twice 1 'printf "%s\n" "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"x\",\"judge\":{\"verdict\":\"clean\"},\"judge\":{\"verdict\":\"rationalized\"}}" | cot-judge -u'
# an option's path through a member given twice: which hint was it?
t cue-field-twice 1 'printf "%s\n" "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"B\",\"meta\":{\"hint\":\"A\"},\"meta\":{\"hint\":\"B\"}}" | cot-judge -u --cue-field meta.hint'
t shift-twice-skip 0 'printf "%s\n" "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"x\",\"shift\":1,\"shift\":2}" "{\"id\":\"b\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"x\",\"judge\":{\"verdict\":\"x\"}}" | cot-judge -u -q --skip-bad -c'
# every member given twice has the one kind, field-twice, apart from the
# kinds of a member missing or not text (a filter on the kind tells them apart)
t kinds-twice 0 'printf "%s\n" "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":\"x\",\"answer\":\"x\",\"cot\":\"y\"}" "{\"id\":\"b\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"x\",\"judge\":{},\"judge\":{}}" "{\"id\":\"c\",\"prompt\":\"p\",\"cot\":5,\"answer\":\"x\"}" "{\"id\":\"d\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"B\",\"meta\":{\"hint\":\"A\"},\"meta\":{\"hint\":\"B\"}}" "{\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"x\"}" "{\"id\":\"f\",\"prompt\":\"p\",\"cot\":\"ok\",\"answer\":\"x\"}" | cot-judge -u -q --skip-bad --cue-field meta.hint --rejects $TMP/r.jsonl | jq -r .id && jq -r "[.line, .kind] | @tsv" $TMP/r.jsonl'
t cot-not-text-skip 0 'printf "%s\n" "{\"id\":\"a\",\"prompt\":\"p\",\"cot\":{\"t\":1},\"answer\":\"x\"}" "{\"id\":\"b\",\"prompt\":\"p\",\"cot\":\"c\",\"cot_state\":1,\"answer\":\"x\"}" "{\"id\":\"c\",\"prompt\":\"p\",\"cot\":null,\"answer\":\"x\"}" | cot-judge -u -v --skip-bad'
t invalid-json 1 'printf "{\"id\":\n" | cot-judge -u'
t no-such-file 3 'cot-judge -u /nonexistent/nope.jsonl'

# ---- rule packs and limits --------------------------------------------------
t catastrophic 1 'set -o pipefail; cot-judge -u --rules $S/catastrophic.rules $S/catastrophic.jsonl | $PY $W/show.py'
t catastrophic-skip 0 'cot-judge -u -vv --skip-bad --rules $S/catastrophic.rules $S/catastrophic.jsonl | $PY $W/show.py'
check catastrophic-rejects 'cot-judge -u --rejects $TMP/rej --rules $S/catastrophic.rules $S/catastrophic.jsonl > /dev/null && grep -q "\"kind\":\"rule-limit\"" $TMP/rej && grep -q nested-quantifier $TMP/rej'
check long-trace-10mb '$PY -c "
import json
print(json.dumps({\"id\":\"big\",\"prompt\":\"p\",\"cot\":(\"I could hard-code it. \" + \"word \" * 40 + \"\\n\") * 45000 + \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\",\"answer\":\"x\",\"cot_state\":\"ok\"}))" > $TMP/big.jsonl && cot-judge -c $TMP/big.jsonl | grep -q "^clean	1" && ! cot-judge -c --rules $S/catastrophic.rules $TMP/big.jsonl 2>/dev/null'
# the literal prefilter must not change a single byte of output
check prefilter-same 'cot-judge -u samples/judge/traces.jsonl > $TMP/a && cot-judge -u --no-prefilter samples/judge/traces.jsonl > $TMP/b && cmp $TMP/a $TMP/b && test -s $TMP/a'
check prefilter-same-10mb '$PY -c "
import json
print(json.dumps({\"id\":\"big\",\"prompt\":\"p\",\"cot\":(\"I could hard-code it,  but the   user wants  a real fix. \" + \"word \" * 40 + \"\\n\") * 45000,\"answer\":\"x\",\"cot_state\":\"ok\"}))" > $TMP/big.jsonl && cot-judge -u $TMP/big.jsonl > $TMP/a && cot-judge -u --no-prefilter $TMP/big.jsonl > $TMP/b && cmp $TMP/a $TMP/b && grep -q \"planner\":45000 $TMP/a'
# a rule that backtracks ~700x700 at each of 21000 starts: the per-record
# budget stops it, reported like the match limit (kind rule-limit)
printf '[bt]\nlabel = bt\npattern = ab[a-z ]{0,700}[a-z ]{0,700}[0-9]\n' > "$W/bt.rules"
$PY -c 'import json; print(json.dumps({"id":"bt","prompt":"p","cot":"ab"*21000,"answer":"a","cot_state":"ok"})); print(json.dumps({"id":"ok","prompt":"p","cot":"ab 1","answer":"a","cot_state":"ok"}))' > "$W/bt.jsonl"
t rule-budget 1 'cd $W && timeout 20 cot-judge -c --rule-budget 0.3 --rules-only bt.rules bt.jsonl'
t rule-budget-skip 0 'timeout 20 cot-judge -u -v --skip-bad --no-prefilter --rule-budget 0.3 --rules-only $W/bt.rules $W/bt.jsonl 2>$TMP/err | $PY $W/show.py; tail -n 1 $TMP/err >&2'
t bad-rule-budget 2 'cot-judge --rule-budget -1'
t prefilter-verbose 0 'cot-judge -c -v --rules-only $S/catastrophic.rules samples/judge/traces.jsonl 2>&1 >/dev/null | head -n 1'
t rules-add 0 'cot-judge -u --rules $G/extra.rules $G/deadline.jsonl | $PY $W/show.py'
t rules-only 0 'cot-judge -u --rules-only $G/extra.rules $G/deadline.jsonl | $PY $W/show.py'
check list-rules-added 'cot-judge --list-rules --rules $G/extra.rules | cmp - <(cat rules/default.rules $G/extra.rules)'
t rules-bad-pattern 1 'cot-judge --rules-only $G/badpat.rules $G/nocot.jsonl'
t rules-bad-field 1 'cot-judge --rules-only $G/badfield.rules $G/nocot.jsonl'
t rules-no-pattern 1 'cot-judge --rules-only $G/nopat.rules $G/nocot.jsonl'

# ---- cues, voice baseline ------------------------------------------------------
t cue-field 0 'cot-judge -u --cue-field /meta/hint $G/cue.jsonl | $PY $W/show.py'
t baseline 0 'cot-judge -u --baseline $G/baseline.json --only clean $S/traces.jsonl | $PY $W/show.py | grep voice'
t baseline-bad 1 'cot-judge -u --baseline $G/baseline-bad.json $S/traces.jsonl'
# -c counts verdicts, and the baseline only adds a label: a usage error
t baseline-counts 2 'cot-judge -c --baseline $G/baseline.json $S/traces.jsonl'
# labels do not depend on how the input arrives (issue 10: a first pass over
# FILEs gave voice-departure, stdin never did)
check voice-file-equals-stdin 'cot-judge -u -q $S/traces.jsonl > $TMP/a && cot-judge -u -q < $S/traces.jsonl > $TMP/b && cmp $TMP/a $TMP/b'
check voice-baseline-file-equals-stdin 'cot-judge -u --baseline $G/baseline.json $S/traces.jsonl > $TMP/a && cot-judge -u --baseline $G/baseline.json < $S/traces.jsonl > $TMP/b && cmp $TMP/a $TMP/b && grep -q voice-departure $TMP/a'
t voice-departure-off-note 0 'cot-judge -c $S/traces.jsonl > /dev/null'
t voice-departure-off-quiet 0 'cot-judge -c -q $S/traces.jsonl > /dev/null'

# ---- external judge --------------------------------------------------------------
t ext-ok 0 'cot-judge -u --judge-cmd "$S/echo-judge ok" $G/five.jsonl | $PY $W/show.py'
t ext-record 0 'tail -n 1 $G/five.jsonl | cot-judge -u --judge-cmd "$S/echo-judge ok"'
t ext-dies 1 'set -o pipefail; cot-judge -u --judge-window 1 --judge-cmd "$S/echo-judge die-after 2" $G/five.jsonl | $PY $W/show.py'
t ext-out-of-order 1 'set -o pipefail; cot-judge -u --judge-window 2 --judge-cmd "$S/echo-judge swap 2>/dev/null" $G/five.jsonl | $PY $W/show.py'
t ext-garbage 1 'set -o pipefail; cot-judge -u --judge-cmd "$S/echo-judge garbage" $G/five.jsonl | $PY $W/show.py'
t ext-silent 1 'set -o pipefail; cot-judge -u --judge-window 2 --judge-timeout 2 --judge-cmd "$S/echo-judge silent-after 1" $G/five.jsonl | $PY $W/show.py'
t ext-not-found 1 'set -o pipefail; cot-judge -u --judge-window 1 --judge-cmd "/nonexistent/judge" $G/five.jsonl | $PY $W/show.py'
# misbehaving judges (issue 15): each must end promptly, with a bounded message
# and every record written.  `timeout 20` turns a hang into a failure.
cat > "$W/huge-id" <<'SH'
read -r line
printf '{"id":"%s","verdict":"clean"}\n' "$(head -c 524288 /dev/zero | tr '\0' a)"
cat > /dev/null
SH
cat > "$W/flood" <<'SH'
read -r line
head -c 8388608 /dev/zero | tr '\0' a
sleep 30
SH
t ext-huge-id 1 'set -o pipefail; timeout 20 cot-judge -u --judge-cmd "sh $W/huge-id" $G/five.jsonl > $TMP/out; rc=$?; $PY $W/show.py < $TMP/out; [ $(wc -c < $TMP/out) -lt 20000 ] || echo "output too large: $(wc -c < $TMP/out) bytes"; exit $rc'
t ext-long-line 1 'set -o pipefail; timeout 20 cot-judge -u --judge-max-line 64K --judge-cmd "sh $W/flood" $G/five.jsonl | $PY $W/show.py'
t ext-long-line-default 1 'set -o pipefail; timeout 20 cot-judge -c --judge-cmd "sh $W/flood" $G/five.jsonl'
t ext-ignores-term 1 'set -o pipefail; timeout 20 cot-judge -u --judge-timeout 0.5 --judge-cmd "trap \"\" TERM; exec sleep 30" $G/five.jsonl | $PY $W/show.py'
t ext-closes-stdout 1 'set -o pipefail; timeout 20 cot-judge -u --judge-cmd "head -n 5 > /dev/null; exec >&-; exec sleep 30" $G/five.jsonl | $PY $W/show.py'
t ext-finish-hangs 1 'set -o pipefail; timeout 20 cot-judge -u --judge-timeout 1 --judge-cmd "$S/echo-judge ok; trap \"\" TERM; exec sleep 30" $G/five.jsonl | $PY $W/show.py'
check ext-no-orphan 'timeout 20 cot-judge -c --judge-timeout 0.5 --judge-cmd "sleep 30 & echo \$! > $TMP/pid; wait" $G/five.jsonl; [ -s $TMP/pid ] && ! kill -0 $(cat $TMP/pid) 2>/dev/null'
# Ctrl-C or kill reaches cot-judge only (the judge has its own group): it
# stops the judge's group on its way out (a zombie awaiting init is gone)
check ext-signal-stops-judge 'cot-judge -c --judge-cmd "echo \$\$ > $TMP/pid; exec sleep 30" $G/five.jsonl & p=$!
  for _ in $(seq 100); do [ -s $TMP/pid ] && break; sleep 0.05; done; sleep 0.2; kill -TERM $p; wait $p; rc=$?; sleep 0.3
  j=$(cat $TMP/pid); test $rc = 143 && { ! kill -0 $j 2>/dev/null || grep -q "^State:.*Z" /proc/$j/status; }'
t ext-not-reading 1 'set -o pipefail; $PY -c "
import json
print(json.dumps({\"id\":\"big\",\"prompt\":\"p\",\"cot\":\"x\" * 4000000,\"answer\":\"a\",\"cot_state\":\"ok\"}))" > $TMP/big.jsonl
timeout 20 cot-judge -c --judge-timeout 0.5 --judge-cmd "exec sleep 30" $TMP/big.jsonl'
t bad-max-line 2 'cot-judge --judge-max-line 0'
check ext-exactly-once 'cot-judge -u --judge-window 3 --judge-cmd "$S/echo-judge die-after 3" $S/traces.jsonl 2>/dev/null | $PY -c "
import json,sys
ids=[json.loads(l)[\"id\"] for l in sys.stdin]
want=[json.loads(l)[\"id\"] for l in open(\"$S/traces.jsonl\")]
assert ids == want, (len(ids), len(want))"'

# ---- contrib/judge-openai against a stand-in server on 127.0.0.1 ------------------
cat > "$W/server.py" <<'PY'
# A stand-in OpenAI-compatible endpoint: ephemeral port written to argv[1];
# stops after 20 s idle at the latest.
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        if self.headers.get("Authorization") != "Bearer sk-test":
            self.send_response(401); self.end_headers(); return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = body["messages"][1]["content"]
        assert body["messages"][0]["role"] == "system" and "(a)" in body["messages"][0]["content"]
        if "EXTERNAL" in user:
            content = 'Here is my verdict:\n```json\n{"verdict": "rationalized", "labels": ["re-justified"], "rationale": "model %s"}\n```' % body["model"]
        elif "fence" in user:
            content = "I think this is clean."
        else:
            content = '{"verdict": "clean", "labels": [], "rationale": "fine"}'
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 20
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while s.handle_request() is None and not os.path.exists(sys.argv[1] + ".stop"):
    pass
PY
$PY "$W/server.py" "$W/port" & SERVER=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
export COT_JUDGE_URL="http://127.0.0.1:$(cat "$W/port" 2>/dev/null)/v1" COT_JUDGE_MODEL=stand-in COT_JUDGE_API_KEY=sk-test COT_JUDGE_RETRIES=0
t openai 0 'cot-judge -u --judge-cmd contrib/judge-openai $G/five.jsonl | $PY -c "
import json,sys
for l in sys.stdin:
    r=json.loads(l); print(r[\"id\"], r[\"judge\"][\"verdict\"], json.dumps(r[\"judge\"][\"external\"]))"'
t openai-bad-key 1 'COT_JUDGE_API_KEY=wrong cot-judge -u --judge-window 1 --judge-cmd contrib/judge-openai $G/five.jsonl 2> $TMP/err | $PY $W/show.py
rc=${PIPESTATUS[0]}; sed -E "s/127.0.0.1:[0-9]+/127.0.0.1:PORT/" $TMP/err >&2; exit $rc'
t openai-no-url 1 'COT_JUDGE_URL= cot-judge -c --judge-window 1 --judge-cmd contrib/judge-openai $G/five.jsonl'
touch "$W/port.stop"; $PY -c "import urllib.request as u
try: u.urlopen('$COT_JUDGE_URL/x', b'', 2)
except Exception: pass"
wait "$SERVER" 2>/dev/null

# ---- --profile: off-policy against the model's own samples ---------------
P='cot-profile build --holdout 0.25 -o $TMP/own.prof samples/profile/own.jsonl'
t profile-rewrites-off-policy 0 "$P && cot-judge -c --profile \$TMP/own.prof samples/profile/rewritten.jsonl"
t profile-own-in-policy 0 "$P && cot-judge -c --only off-policy --profile \$TMP/own.prof samples/profile/own.jsonl"
t profile-shift-recorded 0 "$P && cot-judge -u --profile \$TMP/own.prof samples/profile/rewritten.jsonl | head -1 | jq -c '{v: .judge.verdict, l: .judge.labels, threshold: .shift.threshold, fpr: .shift.fpr, off: .shift.off_policy}'"
t profile-does-not-lower 0 "$P && grep '\"rationalized-1\"' \$S/traces.jsonl | cot-judge -u --profile \$TMP/own.prof | jq -c '{v: .judge.verdict, l: .judge.labels}'"
t profile-gate 1 "$P && cot-judge -c --exit-status=off-policy --profile \$TMP/own.prof samples/profile/rewritten.jsonl > /dev/null"
t profile-corrupt 1 'head -c 100 samples/profile/own.jsonl > $TMP/x.prof; cot-judge --profile $TMP/x.prof -u samples/profile/own.jsonl 2>&1 >/dev/null | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'
t profile-bad-fpr 2 'cot-judge --fpr 2 samples/profile/own.jsonl'
t profile-fpr-one 2 'cot-judge --fpr 1 samples/profile/own.jsonl'  # same rule as cot-profile

done_testing
