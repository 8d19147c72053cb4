#!/usr/bin/env bash
# cot-stat's reports as a reader gets them: the --svg pictures, rendered and
# checked (tests/svgcheck.py: nothing leaves the canvas, no two texts
# overlap, no panel is blank, the expected number of panels), and the
# sections a report shows or leaves out.
. "$(dirname "$0")/lib.sh"

W=$_BASE/w; mkdir -p "$W"; export W
# 120 records: three environments (one with a long name), eight training
# stages with long string names, verdicts and a similarity.
awk 'BEGIN {
  split("code math a-very-long-environment-name-for-the-agentic-tool-use-suite", env, " ");
  split("warmup-phase-one warmup-phase-two curriculum-stage-alpha curriculum-stage-beta rl-fine-tuning-early rl-fine-tuning-late final-polish-round evaluation-holdout", st, " ");
  split("clean clean clean rejected rationalized silent", v, " ");
  for (i = 0; i < 120; i++)
    printf "{\"id\":\"r%d\",\"meta\":{\"env\":\"%s\",\"stage\":\"%s\"},\"judge\":{\"verdict\":\"%s\"},\"diff\":{\"cot\":{\"similarity\":%.2f}}}\n",
      i, env[i % 3 + 1], st[int(i / 15) + 1], v[(i * 7) % 6 + 1], (i % 17) / 16.0
}' > "$W/plots.jsonl"
P=$W/plots.jsonl
CHECK="/usr/bin/python3 tests/svgcheck.py"

if command -v rsvg-convert > /dev/null && /usr/bin/python3 -c 'import PIL' 2> /dev/null; then
  # Counts alone used to draw an empty picture: one bar panel per group.
  t count-only-bars 0 "cot-stat --by meta.env --count judge.verdict --svg \$TMP/c.svg $P > /dev/null && $CHECK --panels 4 \$TMP/c.svg"
  t count-only-golden 0 "cot-stat --count judge.verdict --svg \$TMP/c.svg $P > /dev/null && cat \$TMP/c.svg"
  # Trends over string buckets: long labels neither overlap nor run off.
  t trend-string-labels 0 "cot-stat --trend meta.stage --for judge.verdict=silent --svg \$TMP/t.svg $P > /dev/null && $CHECK --panels 1 \$TMP/t.svg"
  t trend-string-labels-golden 0 "cot-stat --trend meta.stage --for judge.verdict=silent --svg \$TMP/t.svg $P > /dev/null && grep 'class=\"tick\"' \$TMP/t.svg"
  # A long group name makes long titles: shortened, whole in <title>.
  t long-titles 0 "cot-stat --by meta.env --trend meta.stage --for judge.verdict=rationalized --svg \$TMP/l.svg $P > /dev/null && $CHECK --panels 4 \$TMP/l.svg"
  # Histograms for every --by group, not only the whole set.
  t hist-per-group 0 "cot-stat --by meta.env --num diff.cot.similarity --svg \$TMP/h.svg $P > /dev/null && $CHECK --panels 4 \$TMP/h.svg && grep -c 'class=\"bar\"' \$TMP/h.svg"
  t everything 0 "cot-stat --by meta.env --count judge.verdict --num diff.cot.similarity --trend meta.stage --for judge.verdict=silent --svg \$TMP/a.svg $P > /dev/null && $CHECK --panels 12 \$TMP/a.svg"
  # Nothing asked for: the picture says so instead of being blank.
  t nothing-to-draw 0 "cot-stat --svg \$TMP/n.svg $P > /dev/null && grep -c 'nothing to draw' \$TMP/n.svg"
  # The checker itself: a text off the canvas and two overlapping texts fail.
  printf '%s\n' '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">' \
    '<style>text{font-family:sans-serif;font-size:11px}.title{font-weight:bold}</style>' \
    '<text x="10" y="20" class="title">head</text><text x="10" y="50" class="title">panel</text>' \
    '<rect class="bar" x="10" y="60" width="50" height="10"/>' \
    '<text x="150" y="90">runs off the right edge</text><text x="14" y="22">over</text></svg>' > "$W/bad.svg"
  t checker-catches 1 "$CHECK \$W/bad.svg"
else
  echo "ok 1 # skip rsvg-convert (librsvg2-bin)  or PIL (python3-pil) missing: run scripts/deps.sh"
  _n=1
fi

# --shift shows the logprob sections only when some record has logprobs,
# or when --num or a gate asks for them.
printf '%s\n' '{"shift":{"excess_bits":1.5,"z":0.5,"off_policy":false}}' \
  '{"shift":{"excess_bits":-0.5,"z":-0.25,"off_policy":true}}' > "$W/shift-nolp.jsonl"
printf '%s\n' '{"shift":{"excess_bits":1.5,"z":0.5,"off_policy":false},"logprob_stats":{"cot":{"nll_mean":1.25}}}' > "$W/shift-lp.jsonl"
t shift-no-logprobs 0 "cot-stat --shift \$W/shift-nolp.jsonl"
t shift-no-logprobs-json 0 "cot-stat --shift --json \$W/shift-nolp.jsonl | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[\"overall\"][\"num\"]))'"
t shift-logprobs 0 "cot-stat --shift --tsv \$W/shift-nolp.jsonl \$W/shift-lp.jsonl | cut -f1-6 | grep logprob"
t shift-logprobs-asked 0 "cot-stat --shift --num logprob_stats.cot.nll_mean --tsv \$W/shift-nolp.jsonl | cut -f1-7 | grep logprob"
t shift-logprobs-gate 1 "cot-stat --shift --max-mean logprob_stats.nll_shift.overall:1 --tsv \$W/shift-nolp.jsonl > \$TMP/r; st=\$?; cut -f1-7 \$TMP/r | grep logprob; exit \$st"
# Quantiles: exact up to 10,000 values, as pandas gives them (linear
# interpolation): on [1,2,2,3,3,3,4,4,4,4,100] the median is 3 and p99 90.4.
printf '{"x":%s}\n' 1 2 2 3 3 3 4 4 4 4 100 > "$W/q.jsonl"
t quantiles-exact 0 "cot-stat --num x \$W/q.jsonl"
t quantiles-exact-json 0 "cot-stat --num x --json \$W/q.jsonl | jq -c '.overall.num.x | [.p50, .p90, .p99]'"
check quantiles-merge-exact "head -5 \$W/q.jsonl > \$TMP/a && tail -n +6 \$W/q.jsonl > \$TMP/b &&
  cot-stat --partial --num x -o \$TMP/a.p \$TMP/a && cot-stat --partial --num x -o \$TMP/b.p \$TMP/b &&
  diff <(cot-stat --merge --json \$TMP/a.p \$TMP/b.p | jq -c .overall.num) <(cot-stat --num x --json \$W/q.jsonl | jq -c .overall.num)"
# One number format per column: no 1.616e+04 beside 7852.
printf '{"x":%s,"g":"%s"}\n' 7852 a 16160 b 3 a 0.5 c > "$W/fmt.jsonl"
t number-format-per-column 0 "cot-stat --by g --num x \$W/fmt.jsonl"
done_testing
