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
# the trend's report options without a trend, or where no report is made,
# are refused, not ignored
t usage-alpha-no-trend 2 "cot-stat --alpha 0.1 $A"
t usage-buckets-no-trend 2 "cot-stat --count judge.verdict --buckets 4 $A"
t usage-scores-partial 2 "cot-stat --partial --trend meta.step --for judge.verdict=ok --scores index $A"
t usage-alpha-fresh 2 "cot-stat --fresh \$TMP/none.partial --trend meta.step --for judge.verdict=ok --alpha 0.1 $A"
t merge-alpha-no-trend 2 "cot-stat -q --partial --count judge.verdict -o \$TMP/p $A && cot-stat --merge --alpha 0.1 \$TMP/p"
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
# Data in fewer than two buckets compares nothing: the rise check fails
# (overall, and in a group that has data in one bucket only), as no data does
t rise-one-bucket 1 "printf '%s\\n' '{\"meta\":{\"step\":1},\"judge\":{\"verdict\":\"rationalized\"}}' '{\"meta\":{\"step\":1},\"judge\":{\"verdict\":\"ok\"}}' | cot-stat $TR --fail-on-rise"
t rise-one-bucket-group 1 "set -o pipefail; (grep '\"env\":\"math\"' $T; echo '{\"meta\":{\"env\":\"new\",\"step\":9},\"judge\":{\"verdict\":\"ok\"}}') | cot-stat -q --by meta.env $TR --fail-on-rise --json | jq -c '.gates[]|[.group,.buckets,.pass]'"
# A --for value of the wrong type (an object) is ill-typed, not missing, and
# fails the rise check where it occurs (it was counted as missing: a pass),
# merged too
printf '{"s":%d,"v":"%s"}\n' 1 ok 1 ok 2 ok 2 x 3 ok 3 ok > "$W/rise-typed.jsonl"
echo '{"s":3,"v":{"label":"x"}}' >> "$W/rise-typed.jsonl"
t rise-ill-typed 1 "cot-stat --trend s --for v=x --fail-on-rise \$W/rise-typed.jsonl"
t rise-ill-typed-merged 1 "set -o pipefail; cot-stat --partial --trend s --for v=x -o \$TMP/p \$W/rise-typed.jsonl && cot-stat -q --merge --fail-on-rise --json \$TMP/p | jq -c '.overall.trend[0].ill_typed, .gates'"
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
# a figure just past its limit is printed with the digits that tell them apart
t gate-fail-digits 1 "printf '%s\\n' '{\"x\":0.2000001,\"v\":\"a\"}' | cot-stat --max-mean x:0.2 --min-rate v=a:1 --max-rate v=a:0.99999999"
# ... and over an empty input every kind of gate fails (--merge: merge-empty)
t gate-empty-input 1 "cot-stat --max-rate judge.verdict=rationalized:0.1 --min-rate judge.verdict=clean:0.5 --max-mean diff.cot.similarity:0.9 --trend meta.step --for judge.verdict=rationalized --fail-on-rise /dev/null > /dev/null"
t field-typo 1 "cot-stat --by meta.evn --count judge.verdcit --num diff.cot.similarty $A"
t field-typo-pointer 1 "cot-stat -v --count /judge/verdcit $A"
t field-typo-for 1 "cot-stat --trend meta.step --for judge.verdit=rationalized $A"
t field-typo-gate 1 "cot-stat --max-rate judge.verdcit=rationalized:0.01 --max-mean diff.cot.simlarity:0.5 $A"
t field-none-listed 1 "cot-stat --count domain $A"
# a gate value no record has, close to one seen: a warning (it may be good
# news: no rationalized record at all is not a typo).  On the sample less
# its record with an object for a verdict (AT), which fails any gate on it
AT=$W/audit-typed.jsonl
grep -v '"verdict":{' "$A" > "$AT"
t gate-value-typo 0 "cot-stat -q --max-rate judge.verdict=rationalised:0.5 $AT > /dev/null; cot-stat --max-rate judge.verdict=rationalised:0.5 $AT > /dev/null"
t gate-value-far 0 "cot-stat --max-rate judge.verdict=hacked:0.5 --count judge.verdict $AT > /dev/null"
# ... and the same for a --for value (the rise check on it passes: a rate
# of 0 has no rise), merged too; a value equal as a number is offered first
t for-value-typo 0 "cot-stat --trend meta.step --for judge.verdict=rationalised --fail-on-rise $T > /dev/null"
t for-value-typo-merged 0 "cot-stat --partial --trend meta.step --for judge.verdict=rationalised -o \$TMP/p $T && cot-stat --merge --fail-on-rise \$TMP/p > /dev/null"
t gate-value-number 0 "printf '%s\\n' '{\"s\":1.0}' '{\"s\":1.0}' '{\"s\":2}' | cot-stat --max-rate s=1:0.3 > /dev/null"
split -n l/2 "$A" "$W/audit."
for s in aa ab; do cot-stat -q --partial --by meta.env --count judge.verdict,diff.edit -o "$W/ap.$s" "$W/audit.$s"; done
split -n l/2 "$AT" "$W/audit-typed."
for s in aa ab; do cot-stat -q --partial --by meta.env --count judge.verdict,diff.edit -o "$W/atp.$s" "$W/audit-typed.$s"; done
t merge-field-ok 0 "cot-stat --merge --max-rate judge.verdict=rationalized:0.5 \$W/atp.aa \$W/atp.ab > /dev/null"
# a value of the wrong type in a gated field (the sample's verdict object,
# its similarity string) is left out of the figure, so the gate fails even
# where the figure would pass: in every group that holds one, and merged
t gate-ill-typed-rate 1 "cot-stat -q --by meta.env --max-rate judge.verdict=rationalized:0.5 $A"
t gate-ill-typed-mean 1 "cot-stat -q --max-mean diff.cot.similarity:1 $A"
t gate-ill-typed-merged 1 "cot-stat -q --merge --max-rate judge.verdict=rationalized:0.5 \$W/ap.aa \$W/ap.ab"
# a group whose only values are ill-typed fails too (it is not a group
# without data), and so does a field with no number at all
t gate-ill-typed-only 0 "printf '%s\\n' '{\"g\":\"a\",\"s\":\"x\"}' '{\"g\":\"b\",\"s\":0.1}' | cot-stat -q --by g --max-mean s:1 > /dev/null; rc=\$?; printf '%s\\n' '{\"s\":\"x\"}' | cot-stat -q --max-mean s:1 > /dev/null; echo \$rc \$?"
t gate-ill-typed-json 1 "cot-stat -q --json --max-mean diff.cot.similarity:1 $A > \$TMP/g.json; rc=\$?; jq -c '.gates' \$TMP/g.json; exit \$rc"
# an array element that is an array or an object makes the record
# ill-typed, as a bare object does; a null element is no label ([null] is
# counted as [] is)
t gate-array-element-ill-typed 1 "printf '%s\\n' '{\"l\":[[\"x\"]]}' '{\"l\":[{\"v\":\"x\"}]}' '{\"l\":[null]}' '{\"l\":[\"y\",null]}' | cot-stat --max-rate l=x:0.5 --json > \$TMP/g.json; rc=\$?; jq -c '.overall.count.l, .gates' \$TMP/g.json; exit \$rc"
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
# Gates judged on the records left after --skip-bad say so (exit as the
# figures say), merged too
t bad-line-skip-gate 0 "cd \$W && cot-stat --skip-bad --max-rate judge.verdict=rationalized:0.5 bad.jsonl > /dev/null && cot-stat -q --skip-bad --partial --count judge.verdict -o \$TMP/p bad.jsonl && cot-stat --merge --max-rate judge.verdict=rationalized:0.5 \$TMP/p > /dev/null"
t missing-file 3 "cd \$TMP && cot-stat --count judge.verdict nope.jsonl"
# One file given twice (by any name) would count twice; an output over an
# input (or over another output) would replace it: usage errors before
# anything is written, and the input is left as it was
t input-twice 2 "cd \$W && cot-stat --count judge.verdict audit.aa audit.ab audit.ab"
t input-twice-other-name 2 "cd \$W && cot-stat --count judge.verdict audit.aa ./audit.aa"
t output-is-input 2 "cp $A \$TMP/d.jsonl && cd \$TMP && cot-stat --count judge.verdict -o d.jsonl d.jsonl; rc=\$?; cmp d.jsonl \$ROOT/$A && exit \$rc"
t rejects-is-input 2 "cp $A \$TMP/d.jsonl && cd \$TMP && cot-stat --count judge.verdict --rejects ./d.jsonl d.jsonl; rc=\$?; cmp d.jsonl \$ROOT/$A && exit \$rc"
t output-is-stdin 2 "cp $A \$TMP/d.jsonl && cd \$TMP && cot-stat --count judge.verdict -o d.jsonl < d.jsonl; rc=\$?; cmp d.jsonl \$ROOT/$A && exit \$rc"
t output-is-source 2 "cp $A \$TMP/d.jsonl && cd \$TMP && cot-stat --partial --count judge.verdict --source d.jsonl -o d.jsonl < d.jsonl; rc=\$?; cmp d.jsonl \$ROOT/$A && exit \$rc"
t output-twice 2 "cd \$TMP && cot-stat --count judge.verdict -o r.txt --svg ./r.txt \$ROOT/$A"
t svg-over-records 2 "cp $A \$TMP/d.jsonl && cd \$TMP && cot-stat --count judge.verdict --svg d.jsonl; rc=\$?; cmp d.jsonl \$ROOT/$A && exit \$rc"
check svg-over-svg "cot-stat --count judge.verdict --svg \$TMP/o.svg $A > /dev/null && cot-stat --count judge.verdict --svg \$TMP/o.svg $A > /dev/null"

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
cot-stat -q --partial --by meta.env --count judge.verdict -o "$W/q" "$A"
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
if command -v parallel > /dev/null; then
  check parallel-equals-single-pass "cd \$W && parallel -j3 cot-stat --partial $ALL -o {}.ppart {} ::: shard.aa shard.ab shard.ac && diff <(cot-stat --merge --json shard.a?.ppart | sed 's/\"partials\":3/\"partials\":0/') <(cot-stat --json $ALL $ROOT/$T)"
else
  skip parallel-equals-single-pass "GNU parallel is not installed (scripts/deps.sh)"
fi

# ---- fingerprints: a merge is one pass over all the input, or an error ----
# Parts 1..3 of 3 from stdin, each naming its shard as the source.
for k in 1 2 3; do
  s=$(echo aa ab ac | cut -d' ' -f$k)
  cot-stat --partial $ALL --part $k/3 --source "$W/shard.$s" --pipeline 'cat SHARD' \
    -o "$W/k$k" < "$W/shard.$s"
done
cot-stat --partial $ALL --source "$W/shard.aa" --pipeline 'cat SHARD' -o "$W/u1" < "$W/shard.aa"
cot-stat --partial $ALL --part 1/2 --source "$W/shard.aa" --pipeline 'cat SHARD' -o "$W/h1" < "$W/shard.aa"
cot-stat --partial $ALL --part 2/3 --source "$W/shard.ab" --pipeline 'tac SHARD' -o "$W/t2" < "$W/shard.ab"
check parts-equal-single-pass "diff <(cot-stat --merge --json \$W/k1 \$W/k2 \$W/k3 | sed 's/\"partials\":3/\"partials\":0/') <(cot-stat --json $ALL $T)"
check parts-any-order "cot-stat --merge --json \$W/k3 \$W/k1 \$W/k2 > \$TMP/a && cot-stat --merge --json \$W/k1 \$W/k2 \$W/k3 > \$TMP/b && cmp \$TMP/a \$TMP/b"
t merge-part-missing 1 "cd \$W && cot-stat --merge k1 k3"
# a member on a path given twice: cot-stat would count the first, Python's
# json and jq the last, so the record is bad data (stop, or skip and count)
TW='{"id":"a","judge":{"verdict":"clean"}}
{"id":"b","judge":{"verdict":"clean"},"judge":{"verdict":"rationalized"}}
{"id":"c","judge":{"verdict":"clean","verdict":"silent"},"meta":{"n":1}}
{"id":"d","judge":{"verdict":"clean"},"meta":{"n":1,"n":2}}'
export TW
t twice-stops 1 'echo "$TW" | cot-stat --count judge.verdict'
t twice-skip 0 'echo "$TW" | cot-stat --skip-bad --count judge.verdict'
t twice-nested-num 0 'echo "$TW" | cot-stat --skip-bad --rejects $TMP/r.jsonl --num /meta/n --by id; cut -c 1-200 $TMP/r.jsonl'
t twice-gate 1 'echo "$TW" | sed 1,3d | cot-stat --max-mean meta.n:5'
t twice-unread 0 'echo "$TW" | sed 1,3d | cot-stat --count judge.verdict --count id'
t merge-part-twice 1 "cd \$W && cot-stat --merge k1 k2 k3 k2"
t merge-part-twice-concatenated 1 "cd \$W && cat k1 k2 k2 k3 | cot-stat --merge -"
t merge-mixed-counts 1 "set -o pipefail; cd \$W && cot-stat --merge k1 k2 k3 h1 2>&1 | sed \"s,\$W,W,g; s,\$TMP,TMP,g\""
t merge-part-and-unlabelled 1 "cd \$W && cot-stat --merge k2 k3 u1"
t merge-other-pipeline 1 "cd \$W && cot-stat --merge k1 t2 k3"
t merge-other-version 1 "set -o pipefail; cd \$W && sed 's/\"tool\":\"cot-stat [^\"]*\"/\"tool\":\"cot-stat 0.0.1\"/' k2 > \$TMP/old && cot-stat --merge k1 \$TMP/old k3 2>&1 | sed \"s,\$W,W,g; s,\$TMP,TMP,g\""
# One source split upstream (as cot-diff --shard K/N does): distinct parts.
check split-source-parts-merge "cd \$W && grep '\"env\":\"code\"' shard.aa | cot-stat --partial $ALL --part 1/2 --source shard.aa --pipeline split -o \$TMP/c && grep -v '\"env\":\"code\"' shard.aa | cot-stat --partial $ALL --part 2/2 --source shard.aa --pipeline split -o \$TMP/m && diff <(cot-stat --merge --json \$TMP/c \$TMP/m | sed 's/\"partials\":2/\"partials\":0/') <(cot-stat --json $ALL shard.aa)"
# One file listed as two shards: the same content, refused.
t merge-file-listed-twice 1 "set -o pipefail; cd \$W && cot-stat --partial $ALL --part 1/2 --source shard.aa -o \$TMP/a < shard.aa && cot-stat --partial $ALL --part 2/2 --source shard.aa -o \$TMP/b < shard.aa && cot-stat --merge \$TMP/a \$TMP/b 2>&1 | sed \"s,\$TMP,TMP,g\""
t merge-same-file-twice 1 "set -o pipefail; cd \$W && cot-stat --merge p.aa p.ab p.aa 2>&1 | sed \"s,\$W,W,g; s,\$TMP,TMP,g\""
t merge-same-pipe-twice 1 "cd \$W && cot-stat --partial --count judge.verdict -o \$TMP/a < shard.aa && cat \$TMP/a \$TMP/a | cot-stat --merge -"
# A shard is its content, not its name: the same file by another spelling,
# piped, or under --source spelt another way is given twice; two files of
# one name in two directories are two shards
t merge-same-content-other-name 1 "cd \$W && cot-stat --partial --count judge.verdict -o \$TMP/a shard.aa && cot-stat --partial --count judge.verdict -o \$TMP/b ./shard.aa && cot-stat --partial --count judge.verdict -o \$TMP/c < shard.aa && cot-stat --merge \$TMP/a \$TMP/b \$TMP/c 2>&1 >/dev/null | sed \"s,\$TMP,TMP,g\"; exit \${PIPESTATUS[0]}"
t merge-same-content-other-source 1 "cd \$W && cot-stat --partial --count judge.verdict --part 1/2 --source shard.aa -o \$TMP/a < shard.aa && cot-stat --partial --count judge.verdict --part 2/2 --source ./shard.aa -o \$TMP/b < shard.aa && cot-stat --merge \$TMP/a \$TMP/b 2>&1 >/dev/null | sed \"s,\$TMP,TMP,g\"; exit \${PIPESTATUS[0]}"
t merge-same-name-other-content 0 "mkdir \$TMP/x \$TMP/y && cp \$W/shard.aa \$TMP/x/s1.jsonl && cp \$W/shard.ab \$TMP/y/s1.jsonl && (cd \$TMP/x && cot-stat --partial --count judge.verdict -o ../a s1.jsonl) && (cd \$TMP/y && cot-stat --partial --count judge.verdict -o ../b s1.jsonl) && cot-stat --merge \$TMP/a \$TMP/b | head -1"
t merge-format-1 1 "set -o pipefail; cd \$W && python3 -c 'import json,sys; p=json.load(open(\"p.aa\")); del p[\"fingerprint\"]; p[\"cot_stat_partial\"]=1; print(json.dumps(p))' > \$TMP/v1 && cot-stat --merge \$TMP/v1 2>&1 | sed 's,/.*/v1:,V1:,'"
check merge-tree-keeps-parts "cot-stat --merge --partial \$W/k1 \$W/k2 -o \$W/k12 && diff <(cot-stat --merge --json \$W/k12 \$W/k3) <(cot-stat --merge --json \$W/k1 \$W/k2 \$W/k3)"
t merge-tree-part-missing 1 "cd \$W && cot-stat --merge k12"
t merge-tree-part-twice 1 "cd \$W && cot-stat --merge k12 k2 k3"
t partial-as-record 1 "cd \$W && cot-stat --count x k1"
t partial-as-record-zstd 1 "cd \$W && zstd -qc k1 | cot-stat --count judge.verdict"
t usage-part 2 "cot-stat --partial --part 4/3 $A"
t usage-part-no-partial 2 "cot-stat --part 1/3 $A"
t usage-fresh-merge 2 "cot-stat --fresh x --merge $A"

# --fresh: exit 0 only when --partial would make the same partial now.
FP="$ALL --part 1/3 --source \$W/shard.aa --pipeline 'cat SHARD'"
t fresh-current 0 "cot-stat --fresh \$W/k1 $FP"
t fresh-missing 1 "cd \$W && cot-stat --fresh nope $ALL"
t fresh-other-options 1 "cd \$W && cot-stat --fresh k1 --count judge.verdict --part 1/3 --source shard.aa --pipeline 'cat SHARD'"
t fresh-other-part 1 "cd \$W && cot-stat --fresh k1 $ALL --part 1/2 --source \$W/shard.aa --pipeline 'cat SHARD'"
t fresh-other-pipeline 1 "cd \$W && cot-stat --fresh k1 $ALL --part 1/3 --source \$W/shard.aa --pipeline 'tac SHARD'"
t fresh-other-source 1 "set -o pipefail; cd \$W && cot-stat --fresh k1 $ALL --part 1/3 --source \$W/shard.ab --pipeline 'cat SHARD' 2>&1 | sed \"s,\$W,W,g\""
t fresh-source-changed 1 "set -o pipefail; cd \$W && cp shard.aa \$TMP/s && cot-stat --partial $ALL --source \$TMP/s -o \$TMP/p < \$TMP/s && echo '{}' >> \$TMP/s && cot-stat --fresh \$TMP/p $ALL --source \$TMP/s 2>&1 | sed \"s,\$TMP,TMP,g\""
t fresh-source-touched 1 "set -o pipefail; cd \$W && cp shard.aa \$TMP/s && cot-stat --partial $ALL --source \$TMP/s -o \$TMP/p < \$TMP/s && touch -d '2001-01-01 00:00:00 UTC' \$TMP/s && cot-stat --fresh \$TMP/p $ALL --source \$TMP/s 2>&1 | sed \"s,\$TMP,TMP,g; s,modified at [0-9.]*,modified at T,\""
t fresh-pipe-without-source 1 "set -o pipefail; cd \$W && cot-stat --partial --count judge.verdict -o \$TMP/p < shard.aa && cot-stat --fresh \$TMP/p --count judge.verdict 2>&1 | sed 's,/.*/p:,P:,'"
t fresh-file-input 0 "cd \$W && cot-stat --partial --count judge.verdict -o \$TMP/p shard.aa && cot-stat --fresh \$TMP/p --count judge.verdict shard.aa"
t fresh-damaged 1 "set -o pipefail; cd \$W && head -c 300 k1 > \$TMP/p && cot-stat --fresh \$TMP/p $FP 2>&1 | sed 's,/.*/p:,P:,'"
t fresh-truncated-zstd 1 "set -o pipefail; cd \$W && zstd -qc k1 | head -c 200 > \$TMP/p.zst && cot-stat --fresh \$TMP/p.zst $FP 2>&1 | sed \"s,\$TMP,TMP,g\""

# ---- partials are JSON, whatever the values (issue 15, defects 6 and 7) ----
# Squares of 1e200 overflow a double: the partial must stay JSON, and the
# merged sd equal the one-pass sd (1.414e+200).
printf '%s\n' '{"x":1e200}' '{"x":-1e200}' > "$W/huge.jsonl"
check huge-partial-is-json "cot-stat --partial --num x \$W/huge.jsonl | python3 -c 'import json,sys; json.loads(sys.stdin.read(), parse_constant=lambda c: sys.exit(\"not JSON: \" + c))'"
t huge-sd 0 "cot-stat --partial --num x -o \$TMP/p \$W/huge.jsonl && cot-stat --merge --tsv \$TMP/p | cut -f3,6,11,12"
# The extremes of the double range, both signs, the smallest magnitudes
# counted as zero, and a value beyond the old index limit (|x| > 5e173).
printf '%s\n' '{"x":1.7976931348623157e308}' '{"x":-1.7976931348623157e308}' '{"x":1e174}' \
  '{"x":-1e174}' '{"x":1e-9}' '{"x":4.9e-324}' '{"x":0}' '{"x":-2.5}' '{"x":1e400}' > "$W/ext.jsonl"
split -l 3 "$W/ext.jsonl" "$W/ext."
t extremes-one-pass 0 "cot-stat --tsv --num x \$W/ext.jsonl"
# (The mean of values near 1.8e308 that cancel is exact only to their ulp,
# 2e292: it is left out of the comparison, the sd is not.)
check extremes-merge-equals-one-pass "for s in aa ab ac; do cot-stat --partial --num x -o \$TMP/\$s \$W/ext.\$s || exit 1; done && diff <(cot-stat --merge --tsv \$TMP/aa \$TMP/ab \$TMP/ac | cut -f1-10,12-) <(cot-stat --tsv --num x \$W/ext.jsonl | cut -f1-10,12-)"
check extremes-partial-is-json "cot-stat --partial --num x \$W/ext.jsonl | python3 -c 'import json,sys; json.loads(sys.stdin.read(), parse_constant=lambda c: sys.exit(\"not JSON: \" + c))'"
t partial-index-beyond-range 1 "set -o pipefail; cot-stat --partial --num x -o \$TMP/p \$W/ext.aa && sed 's/\[35488,1\]/[35489,1]/' \$TMP/p > \$TMP/q && cot-stat --merge \$TMP/q 2>&1 | sed 's,/.*/q:,Q:,'"
t partial-infinite-m2 1 "set -o pipefail; cot-stat --partial --num x -o \$TMP/p \$W/huge.jsonl && sed 's/\"m2\":[^,]*/\"m2\":1e999/' \$TMP/p > \$TMP/q && cot-stat --merge \$TMP/q 2>&1 | sed 's,/.*/q:,Q:,'"
# Counts that do not add up are a damaged partial, not figures: present
# beyond the records, a value listed twice, a value counted more often than
# its field is present, a trend count beyond the records
printf '%s\n' '{"v":"bad","s":1}' '{"v":"ok","s":2}' > "$W/c.jsonl"
cot-stat -q --partial --count v --num s --trend s --for v=bad -o "$W/pc" "$W/c.jsonl"
dmg() { jq -c "$1" "$W/pc" > "$TMP/q" && cot-stat --merge --max-rate v=bad:0.9 "$TMP/q" 2>&1 | sed 's,/.*/q:,Q:,'; }
export -f dmg
t partial-present-beyond 1 "set -o pipefail; dmg '.groups[0].count[0].present = 200'"
t partial-value-twice 1 "set -o pipefail; dmg '.groups[0].count[0].values[1][0] = .groups[0].count[0].values[0][0]'"
t partial-value-beyond 1 "set -o pipefail; dmg '.groups[0].count[0].values[1][1] = 3'"
t partial-num-beyond 1 "set -o pipefail; dmg '.groups[0].num[0].missing = 5'"
t partial-trend-beyond 1 "set -o pipefail; dmg '.groups[0].trend.buckets[0][1][0] = 9'"
t partial-rejects-beyond 1 "set -o pipefail; dmg '.accounting.rejected_kinds = {\"invalid-json\": 3}'"

rm -rf "$W"
# ---- --shift: distance from the model's own distribution (cot-profile) ----
t shift-report 0 'cot-profile build --holdout 0.25 -o $TMP/own.prof samples/profile/own.jsonl && cat samples/profile/own.jsonl samples/profile/rewritten.jsonl | cot-judge -u --profile $TMP/own.prof | cot-stat --shift --tsv'
t shift-gate 1 'cot-profile build --holdout 0.25 -o $TMP/own.prof samples/profile/own.jsonl && cot-judge -u --profile $TMP/own.prof samples/profile/rewritten.jsonl | cot-stat -q --shift --max-rate shift.off_policy=true:0.05 > /dev/null'

done_testing
