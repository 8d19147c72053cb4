#!/usr/bin/env bash
# cot-stat: reports, trends, gates, partials and merges.
. "$(dirname "$0")/lib.sh"

A=samples/stat/audit.jsonl
T=samples/stat/train.jsonl
FIG='--by meta.env --count judge.verdict,diff.edit --num diff.cot.similarity'
TR='--trend meta.step --for judge.verdict=rationalized'
# TMP is fresh for every case; W holds what several cases share.
W=$(mktemp -d "${TMPDIR:-/tmp}/cot-stat-test.XXXXXX")
export W

# ---- usage ---------------------------------------------------------------
t help-first-line 0 'cot-stat --help | head -1'
t help 0 'cot-stat --help'
t usage-trend-without-for 2 "cot-stat --trend meta.step $A"
t usage-for-without-trend 2 "cot-stat --for judge.verdict=x $A"
t usage-bad-for 2 "cot-stat --trend meta.step --for judge.verdict $A"
t usage-bad-path 2 "cot-stat --count 'judge..verdict' $A"
t usage-bad-alpha 2 "cot-stat --alpha 1.5 $A"
t usage-bad-buckets 2 "cot-stat --buckets 0 $A"
t usage-bad-gate 2 "cot-stat --max-rate judge.verdict=x:2 $A"
t usage-gate-no-value 2 "cot-stat --max-rate judge.verdict:0.1 $A"
t usage-partial-gate 2 "cot-stat --partial --max-rate judge.verdict=x:0.1 $A"
t usage-json-tsv 2 "cot-stat --json --tsv $A"
t usage-unknown 2 "cot-stat --frobnicate $A"

# ---- reports ---------------------------------------------------------------
t audit-table 0 "cot-stat $FIG $A"
t audit-json 0 "cot-stat --json $FIG $TR $A"
t audit-tsv 0 "cot-stat --tsv $FIG $TR $A"
t audit-pointer 0 "cot-stat --count /judge/verdict --num /diff/cot/similarity $A"
t audit-labels 0 "cot-stat --count judge.labels $A"
t audit-no-options 0 "cot-stat $A"
check json-is-valid "cot-stat --json $FIG $TR $A | python3 -c 'import json,sys; json.load(sys.stdin)'"
check pointer-equals-dotted "diff <(cot-stat --json --count judge.verdict $A | sed 's,judge.verdict,X,g') <(cot-stat --json --count /judge/verdict $A | sed 's,/judge/verdict,X,g')"
check zstd-input "zstd -qc $A > \$TMP/a.zst && diff <(cot-stat $FIG \$TMP/a.zst) <(cot-stat $FIG $A)"
check output-file "cot-stat $FIG -o \$TMP/r.txt $A && diff \$TMP/r.txt <(cot-stat $FIG $A)"

# ---- trends: the planted rise is flagged, the flat rate is not ---------------
t train-trend 0 "cot-stat --by meta.env $TR $T"
t train-trend-json 0 "cot-stat --json --by meta.env $TR $T"
t train-buckets-2 0 "cot-stat $TR --buckets 2 $T"
t train-scores-index 0 "cot-stat $TR --scores index --json $T | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"overall\"][\"trend\"][0]; print(t[\"z\"], t[\"p\"], t[\"slope\"])'"
t rising-fails 1 "grep '\"env\":\"code\"' $T | cot-stat $TR --fail-on-rise"
t flat-passes 0 "grep '\"env\":\"math\"' $T | cot-stat $TR --fail-on-rise"
t rise-by-env 1 "cot-stat --by meta.env $TR --fail-on-rise --tsv $T"
t rise-stricter-alpha 0 "grep '\"env\":\"code\"' $T | cot-stat $TR --fail-on-rise --alpha 0.0001 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"status\"], d[\"overall\"][\"trend\"][0][\"rise\"])'"
# A field that matches no record is an error naming the closest field seen
# (no report).  A --partial shard only warns, as another shard may hold
# it; the --merge then fails.  A trend field that one record has gives a
# trend without enough data, reported as such.
t trend-field-absent 1 "cot-stat --by meta.env --trend meta.epoch --for judge.verdict=rationalized --fail-on-rise $A"
t trend-field-absent-merge 1 "cot-stat --partial --trend meta.epoch --for judge.verdict=rationalized -o \$TMP/p $A && cot-stat --merge --json \$TMP/p"
t trend-field-absent-json 0 "(cat $A; echo '{\"meta\":{\"epoch\":1},\"judge\":{\"verdict\":\"clean\"}}') | cot-stat --trend meta.epoch --for judge.verdict=rationalized --json --svg \$TMP/e.svg && xmllint --noout \$TMP/e.svg"
t svg 0 "cot-stat --by meta.env $TR --num diff.cot.similarity --svg \$TMP/t.svg $T > /dev/null && cat \$TMP/t.svg"
check svg-well-formed "cot-stat --by meta.env $TR --num diff.cot.similarity --svg \$TMP/t.svg $T > /dev/null && xmllint --noout \$TMP/t.svg"

t by-two-fields 0 "cot-stat --by meta.env,meta.step --count judge.verdict --tsv $A"
# Numeric order for numbers and numeric strings alike (9 < 10 < 100), text
# order and index scores otherwise.
printf '%s\n' '{"s":100,"v":"x"}' '{"s":"9","v":"y"}' '{"s":10,"v":"x"}' '{"s":9,"v":"x"}' \
  '{"s":100,"v":"x"}' '{"s":10,"v":"y"}' > "$W/order.jsonl"
printf '%s\n' '{"s":"beta","v":"x"}' '{"s":"alpha","v":"y"}' '{"s":"gamma","v":"x"}' \
  '{"s":"alpha","v":"x"}' > "$W/text.jsonl"
t trend-numeric-order 0 "cot-stat --trend s --for v=x \$W/order.jsonl"
t trend-text-order 0 "cot-stat --trend s --for v=x \$W/text.jsonl"

# ---- gates ----------------------------------------------------------------
t gate-pass 0 "cot-stat --by meta.env --max-rate judge.verdict=rationalized:0.25 --min-rate judge.verdict=clean:0.5 --max-mean diff.cot.similarity:0.99 $T"
t gate-fail 1 "cot-stat --by meta.env --max-rate judge.verdict=rationalized:0.2 --min-rate judge.verdict=clean:0.62 --max-mean diff.cot.similarity:0.7 $T"
t gate-no-data 1 "cot-stat --max-rate meta.hack=true:0.1 $A"
t field-typo 1 "cot-stat --by meta.evn --count judge.verdcit --num diff.cot.similarty $A"
t field-typo-pointer 1 "cot-stat -v --count /judge/verdcit $A"
t field-typo-for 1 "cot-stat --trend meta.step --for judge.verdit=rationalized $A"
t field-typo-gate 1 "cot-stat --max-rate judge.verdcit=rationalized:0.01 --max-mean diff.cot.simlarity:0.5 $A"
t field-none-listed 1 "cot-stat --count domain $A"
# a gate value no record has, close to one seen: a warning (it may be good
# news: no rationalized record at all is not a typo)
t gate-value-typo 0 "cot-stat -q --max-rate judge.verdict=rationalised:0.5 $A > /dev/null; cot-stat --max-rate judge.verdict=rationalised:0.5 $A > /dev/null"
t gate-value-far 0 "cot-stat --max-rate judge.verdict=hacked:0.5 --count judge.verdict $A > /dev/null"
split -n l/2 "$A" "$W/audit."
for s in aa ab; do cot-stat -q --partial --by meta.env --count judge.verdict,diff.edit -o "$W/ap.$s" "$W/audit.$s"; done
t merge-field-ok 0 "cot-stat --merge --max-rate judge.verdict=rationalized:0.5 \$W/ap.aa \$W/ap.ab > /dev/null"
t merge-field-none 1 "cot-stat -q --partial --count judge.verdcit -o \$TMP/p1 \$W/audit.aa && cot-stat -q --partial --count judge.verdcit -o \$TMP/p2 \$W/audit.ab && cot-stat --merge \$TMP/p1 \$TMP/p2"
t field-some 0 "cot-stat -q --count judge.verdict $A"
t field-some-accounts 0 "cot-stat -v --by meta.env --count judge.verdict $A > /dev/null"
t field-empty-input 0 "cot-stat --count judge.verdcit < /dev/null"   # nothing read, nothing to match
t gate-json 1 "cot-stat --json --max-rate judge.verdict=rationalized:0.1 $A"

# ---- bad input -------------------------------------------------------------
printf '{"judge":{"verdict":"clean"}}\nnot json\n{"judge":{"verdict":"rejected"}}\n' > "$W/bad.jsonl"
t bad-line 1 "cd \$W && cot-stat --count judge.verdict bad.jsonl"
t bad-line-skip 0 "cd \$W && cot-stat --skip-bad --count judge.verdict bad.jsonl"
t bad-line-rejects 0 "cd \$W && cot-stat --rejects \$TMP/rej.jsonl -u --count judge.verdict bad.jsonl && cat \$TMP/rej.jsonl"
t missing-file 3 "cd \$TMP && cot-stat --count judge.verdict nope.jsonl"

# ---- partials and merges ------------------------------------------------------
ALL="$FIG $TR"
split -n l/3 "$T" "$W/shard."
for s in aa ab ac; do cot-stat --partial $ALL -o "$W/p.$s" "$W/shard.$s"; done
for fmt in '' --json --tsv; do
  check "merge-equals-single-pass${fmt:+ $fmt}" "diff <(cot-stat $fmt $ALL $T | sed 's/lines read, 200 used, 0 rejected; 3 partials merged/lines read, 200 used, 0 rejected/; s/\"partials\":3/\"partials\":0/') <(cot-stat --merge $fmt \$W/p.aa \$W/p.ab \$W/p.ac | sed 's/; 3 partials merged//; s/\"partials\":3/\"partials\":0/')"
done
check merge-equals-single-pass-svg "cot-stat $ALL --svg \$TMP/one.svg $T >/dev/null && cot-stat --merge --svg \$TMP/many.svg \$W/p.a? >/dev/null && cmp \$TMP/one.svg \$TMP/many.svg"
t merge-table 0 "cot-stat --merge \$W/p.aa \$W/p.ab \$W/p.ac"
t merge-gates 1 "cot-stat --merge --max-rate judge.verdict=rationalized:0.2 --fail-on-rise \$W/p.aa \$W/p.ab \$W/p.ac > /dev/null"
check merge-gates-equal "diff <(cot-stat $ALL --max-rate judge.verdict=rationalized:0.2 --fail-on-rise $T 2>&1 >/dev/null) <(cot-stat --merge --max-rate judge.verdict=rationalized:0.2 --fail-on-rise \$W/p.a? 2>&1 >/dev/null)"
check merge-concatenated "cat \$W/p.a? | cot-stat --merge --json - > \$TMP/m1 && cot-stat --merge --json \$W/p.a? > \$TMP/m2 && cmp \$TMP/m1 \$TMP/m2"
check merge-of-merges "cot-stat --merge --partial \$W/p.aa \$W/p.ab -o \$W/p.ab2 && diff <(cot-stat --merge --json \$W/p.ab2 \$W/p.ac) <(cot-stat --merge --json \$W/p.a?)"
check merge-zstd-partial "zstd -qc \$W/p.aa > \$W/p.aa.zst && diff <(cot-stat --merge \$W/p.aa.zst \$W/p.ab \$W/p.ac) <(cot-stat --merge \$W/p.a?)"
cot-stat --partial --by meta.env --count judge.verdict -o "$W/q" "$A"
t merge-different-options 1 "cd \$W && cot-stat --merge p.aa q"
t merge-cmdline-differs 1 "cd \$W && cot-stat --merge --by meta.step p.aa"
t merge-gate-not-collected 2 "cd \$W && cot-stat --merge --max-mean meta.step:3 p.aa"
t merge-not-partial 1 "cot-stat --merge $A"
t merge-empty 1 "cot-stat --merge /dev/null"

# make -j over a small fragment of our own: partial per shard, one merge.
cat > "$W/Makefile" <<MK
SHARDS := \$(wildcard shard.*)
PARTS := \$(SHARDS:%=%.part)
report.json: \$(PARTS)
	cot-stat --merge --json -o \$@ \$^
%.part: %
	cot-stat --partial $ALL -o \$@ \$<
MK
check make-j-equals-single-pass "make -s -j3 -C \$W report.json && diff <(sed 's/\"partials\":3/\"partials\":0/' \$W/report.json) <(cot-stat --json $ALL $T)"

# samples/audit.mk itself, with stand-ins for the other tools (so only
# cot-stat is under test): extract and judge pass records through, diff
# ignores ORIG.
mkdir -p "$W/am/raw"
split -n l/4 "$T" "$W/am/raw/s."
printf '#!/bin/sh\nexec cat\n' > "$W/am/pass"; chmod +x "$W/am/pass"
printf '{}\n' > "$W/am/orig.jsonl"
AM="make -s -j4 -C \$W/am -f $ROOT/samples/audit.mk SHARDS='\$(wildcard raw/s.*)' ORIG=orig.jsonl COT_EXTRACT=cat COT_DIFF=./pass COT_JUDGE=./pass AUDIT_STAT='$ALL'"
check audit-mk-equals-single-pass "$AM AUDIT_GATES= AUDIT_REPORT=--json audit > /dev/null && diff <(sed 's/\"partials\":4/\"partials\":0/' \$W/am/audit/report) <(cot-stat --json $ALL $T)"
t audit-mk-gate-fails 2 "$AM AUDIT_REPORT=--json 'AUDIT_GATES=--max-rate judge.verdict=rationalized:0.1' audit > /dev/null 2> \$TMP/err; rc=\$?; grep -v '^make' \$TMP/err; exit \$rc"
check audit-mk-pipefail "! $AM COT_JUDGE=false AUDIT_DIR=fail audit"

# contrib/cot-slurm.sh: run its job steps by hand, as the array would.
check slurm-steps-equal-single-pass "export COT_EXTRACT=cat COT_DIFF=\$W/am/pass COT_JUDGE=\$W/am/pass AUDIT_STAT='$ALL' AUDIT_GATES= AUDIT_REPORT=--json; d=\$TMP/sl; mkdir -p \$d && ls \$W/am/raw/s.* > \$d/shards && contrib/cot-slurm.sh orig \$d \$W/am/orig.jsonl && for i in 1 2 3 4; do SLURM_ARRAY_TASK_ID=\$i contrib/cot-slurm.sh shard \$d || exit 1; done && contrib/cot-slurm.sh merge \$d && diff <(sed 's/\"partials\":4/\"partials\":0/' \$d/report) <(cot-stat --json $ALL $T)"

if command -v parallel > /dev/null; then
  check cot-parallel-equals-single-pass "COT_EXTRACT=cat COT_DIFF=\$W/am/pass COT_JUDGE=\$W/am/pass AUDIT_STAT='$ALL' AUDIT_GATES= AUDIT_REPORT=--json contrib/cot-parallel.sh -j 3 -d \$TMP/par \$W/am/orig.jsonl \$W/am/raw/s.* > /dev/null && diff <(sed 's/\"partials\":4/\"partials\":0/' \$TMP/par/report) <(cot-stat --json $ALL $T)"
  check parallel-equals-single-pass "cd \$W && parallel -j3 cot-stat --partial $ALL -o {}.ppart {} ::: shard.aa shard.ab shard.ac && diff <(cot-stat --merge --json shard.a?.ppart | sed 's/\"partials\":3/\"partials\":0/') <(cot-stat --json $ALL $ROOT/$T)"
else
  echo "# GNU parallel not installed: parallel-equals-single-pass skipped"
fi

rm -rf "$W"
# ---- --shift: distance from the model's own distribution (cot-profile) ----
t shift-report 0 'cot-profile build -o $TMP/own.prof samples/profile/own.jsonl && cat samples/profile/own.jsonl samples/profile/rewritten.jsonl | cot-judge -u --profile $TMP/own.prof | cot-stat --shift --tsv'
t shift-gate 1 'cot-profile build -o $TMP/own.prof samples/profile/own.jsonl && cot-judge -u --profile $TMP/own.prof samples/profile/rewritten.jsonl | cot-stat -q --shift --max-rate shift.off_policy=true:0.05 > /dev/null'

done_testing
