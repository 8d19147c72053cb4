#!/usr/bin/env bash
# extract.t -- cot-extract: every format on samples/raw, options, rejects.
. "$(dirname "$0")/lib.sh"
S=samples/raw
export S

# One golden per fixture: every layout and style, several models' styles.
for f in r1-messages api-responses think-inline edge-tags gpt-oss-harmony \
         gpt-oss-split cut-short anthropic parts-sharegpt flat generations; do
    t "$f" 0 "cot-extract -u $S/$f.jsonl"
done

t turns-all 0 "cot-extract -u --turns all $S/parts-sharegpt.jsonl"
t no-meta 0 "cot-extract -u --no-meta $S/flat.jsonl"
t list-formats 0 "cot-extract --list-formats"
t help 0 'cot-extract --help | sed "s/\\(--threads N.*\\)\\[[0-9]*\\]/\\1[N]/"'  # -@ default depends on the CPUs
# ... on the CPUs this process may use: one CPU, no compression thread
check threads-one-cpu 'taskset -c 0 cot-extract --help | grep -q "threads N  *worker threads, and up to 2 for zstd \[0\]"'

# Forcing: a style, a layout+style, and a layout that does not fit.
t force-style 0 "cot-extract -u --no-meta --format none $S/think-inline.jsonl | head -2"
t force-layout-style 0 "cot-extract -u --no-meta --format flat+gsm8k $S/flat.jsonl"
t force-wrong 1 "cot-extract -u --format messages $S/flat.jsonl"
# canonical records pass through unchanged: cot-extract is idempotent, and
# what later tools added (judge, diff) is kept at top level
check idempotent 'cot-extract -u samples/raw/*.jsonl > $TMP/a 2>/dev/null && cot-extract -u $TMP/a > $TMP/b && cmp $TMP/a $TMP/b && test $(wc -l < $TMP/a) -gt 40'
check canonical-keeps-tool-fields 'cot-extract -u samples/raw/r1-messages.jsonl | cot-judge -u > $TMP/a && cot-extract -u $TMP/a > $TMP/b && cmp $TMP/a $TMP/b && grep -q "\"judge\":{\"verdict\"" $TMP/b'
t canonical-no-meta 0 'cot-extract -u samples/raw/flat.jsonl | head -n 1 | cot-extract -u --no-meta -v'
t canonical-forced-wrong 1 'cot-extract -u --format canonical samples/raw/flat.jsonl'
# ... but options that reshape records read them again instead of being ignored
t canonical-reshaped 0 'cot-extract -u samples/raw/flat.jsonl | head -n 1 | cot-extract -u --id /prompt | jq -c "[.id, .src.format]"'
t canonical-forced-options 2 'cot-extract -u --format canonical --id /x samples/raw/flat.jsonl'
t force-wrong-skip 0 "cot-extract -u -v --skip-bad --format messages $S/r1-messages.jsonl $S/flat.jsonl | wc -l"

# Custom layouts: JSON pointers and --split.
t pointers 0 "cot-extract -u --id /task_id --prompt /prompt --answer /raw_output --meta /task_id $S/gpt-oss-harmony.jsonl"
t pointer-cot 0 "cot-extract -u --no-meta --cot /steps --answer /target $S/flat.jsonl"
t split 0 "printf '%s\n' '{\"text\":\"Reasoning: add them. 2+2=4\nFinal: 4\"}' | cot-extract -u --split '^Reasoning: (?<cot>.*?)\nFinal: (?<answer>.*)\$'"
t split-nomatch 0 "printf '%s\n' '{\"text\":\"just 4\"}' | cot-extract -u --split 'R: (?<cot>.*)\nF: (?<answer>.*)'"

# A pointer the user gave that matches no record fails the run (exit 1),
# naming the option, the path and the closest field seen; the records are
# still written to stdout (an -o file is not committed).  One that matches
# only some records is warned about and counted in -v; an explicit pointer
# never falls back to the detected field.
t pointer-cot-none 1 "set -o pipefail; cot-extract -u -v --cot /stepz $S/flat.jsonl | wc -l"
t pointer-answer-none 1 "set -o pipefail; cot-extract -u --answer /nonexistent $S/flat.jsonl | jq -c .answer"
t pointer-prompt-none 1 "set -o pipefail; cot-extract -u --prompt /questoin $S/flat.jsonl | jq -c .prompt"
t pointer-id-none 1 "cot-extract -u --id /task_di $S/flat.jsonl > /dev/null"
t pointer-meta-none 1 "cot-extract -u --meta modle $S/flat.jsonl > /dev/null"
# a member it reads given twice: cJSON takes the first, Python's json and
# jq the last, so the line is rejected rather than one of them extracted
XT='{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"<think>t</think>a"}],"messages":[{"role":"user","content":"q2"},{"role":"assistant","content":"<think>hidden</think>b"}]}
{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"<think>t</think>a","content":"x"}]}
{"q":"x","trace":{"text":"t","text":"u"}}
{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"<think>t</think>a"}],"n":1,"n":2}'
export XT
t twice-stops 1 'echo "$XT" | cot-extract -u'
t twice-skip 0 'echo "$XT" | cot-extract -u -v --skip-bad'
t twice-pointer 1 'echo "$XT" | sed -n 3p | cot-extract -u --cot /trace/text'
t pointer-badtype 1 "printf '%s\n' '{\"q\":\"x\",\"trace\":{\"text\":\"t\"}}' | cot-extract -u --cot /trace > /dev/null"
t pointer-none-o 1 "cot-extract --cot /stepz -o \$TMP/out.zst $S/flat.jsonl; rc=\$?; ls \$TMP; exit \$rc"
t pointer-none-quiet 1 "cot-extract -u -q --cot /stepz $S/flat.jsonl > /dev/null"
t pointer-some 0 "cot-extract -u -v --prompt /question $S/flat.jsonl | jq -c '[.prompt, .meta.prompt]'"
t pointer-some-quiet 0 "cot-extract -u -q --prompt /question $S/flat.jsonl > /dev/null"
# ... and the user turn the layout would have made the prompt is context
t pointer-prompt-turn 0 "printf '%s\n' '{\"q\":\"my prompt\",\"messages\":[{\"role\":\"user\",\"content\":\"U\"},{\"role\":\"assistant\",\"content\":\"A\",\"reasoning_content\":\"R\"}]}' '{\"q\":\"p2\",\"text\":\"<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>final<|message|>a<|return|>\"}' | cot-extract -u --prompt /q | jq -c '[.prompt, .context]'"
t pointer-empty-input 0 "cot-extract -u -v --cot /x < /dev/null"

# gpt-oss split fields beside raw_output: raw_output is consumed when it says
# the same, used when the split fields are empty, kept (and counted) when it
# says something else; a trace cut short is unclosed, from whichever field.
t gpt-oss-split-accounts 0 "cot-extract -u -v $S/gpt-oss-split.jsonl > /dev/null"
t cut-short-accounts 0 "cot-extract -u -v $S/cut-short.jsonl > /dev/null"
# ... a raw field that is the only answer field: a harmony rendering gives
# the answer when it agrees; anything else (a Sonnet answer that mentions
# </think>) is the answer text, as it always was
t raw-only-answer 0 "printf '%s\n' '{\"thinking\":\"T\",\"raw_response\":\"How a model ends its thought:\n</think>\nThen it answers.\"}' '{\"thinking\":\"\",\"raw_response\":\"x\n</think>\ny\"}' '{\"reasoning\":\"R1\",\"raw_output\":\"<|channel|>analysis<|message|>R1<|end|><|start|>assistant<|channel|>final<|message|>A1<|return|>\"}' '{\"reasoning\":\"\",\"raw_output\":\"<|channel|>analysis<|message|>R2<|end|><|start|>assistant<|channel|>final<|message|>A2<|return|>\"}' | cot-extract -u -v | jq -c '[.cot, .answer, .cot_state, .meta, .src.format]'"
check gpt-oss-split-idempotent "cot-extract -u $S/gpt-oss-split.jsonl > \$TMP/a && cot-extract -u \$TMP/a | cmp - \$TMP/a"

# --require-cot sends records with no reasoning to the rejects, whole lines.
t require-cot 0 "cot-extract -u -v --require-cot --rejects \$TMP/rej.jsonl $S/flat.jsonl $S/generations.jsonl | wc -l; cat \$TMP/rej.jsonl"
t require-cot-stop 1 "cot-extract -u --require-cot $S/think-inline.jsonl > \$TMP/o; rc=\$?; wc -l < \$TMP/o; exit \$rc"
t accounts 0 "cot-extract -u -v $S/*.jsonl > /dev/null"

# A record without an id gets a digest of its source line: the same id
# however the path is spelled, the file named or compressed, or the line fed
# (stdin, CRLF); -v counts the ids taken from the source and the digests.
t id-fallback 0 "cot-extract -u -v $S/flat.jsonl $S/generations.jsonl | jq -r .id"
check id-fallback-any-spelling 'cot-extract -u $S/flat.jsonl | jq -r .id > $TMP/a && cd $S &&
  cot-extract -u ./flat.jsonl | jq -r .id | cmp - $TMP/a &&
  cot-extract -u $ROOT/$S/flat.jsonl | jq -r .id | cmp - $TMP/a &&
  cot-extract -u < flat.jsonl | jq -r .id | cmp - $TMP/a &&
  cp flat.jsonl $TMP/renamed.jsonl && cot-extract -u $TMP/renamed.jsonl | jq -r .id | cmp - $TMP/a &&
  zstd -qc flat.jsonl | cot-extract -u - | jq -r .id | cmp - $TMP/a &&
  sed "s/\$/\r/" flat.jsonl | cot-extract -u | jq -r .id | cmp - $TMP/a'
check id-fallback-per-line 'cat $S/flat.jsonl $S/flat.jsonl | cot-extract -u | jq -r .id > $TMP/ids &&
  test "$(sort -u $TMP/ids | wc -l)" = 5 && test "$(grep -c "^digest:[0-9a-f]\{16\}\$" $TMP/ids)" = 6'

# Usage errors.
t bad-format 2 "cot-extract --format nonsense $S/flat.jsonl"
t bad-turns 2 "cot-extract --turns some $S/flat.jsonl"
t bad-regex 2 "cot-extract --split '(?<cot>' $S/flat.jsonl"
t regex-groups 2 "cot-extract --split '(?<cot>.*)' $S/flat.jsonl"
# an option that another makes moot is refused, not ignored
t meta-no-meta 2 "cot-extract --meta /x --no-meta $S/flat.jsonl"
t split-style 2 "cot-extract --split '(?<cot>.*)##(?<answer>.*)' --format mistral-think $S/flat.jsonl"
t split-cot 2 "cot-extract --split '(?<cot>.*)##(?<answer>.*)' --cot /c --answer /a $S/flat.jsonl"
t style-cot 2 "cot-extract --format think --cot /c --answer /a $S/flat.jsonl"
t turns-flat 2 "cot-extract --turns all --format flat $S/flat.jsonl"
t turns-custom 2 "cot-extract --turns all --cot /c $S/flat.jsonl"
t logprobs-no-meta 2 "cot-extract --logprobs --no-meta $S/flat.jsonl"
check turns-messages-ok "cot-extract -u --turns all --format messages $S/r1-messages.jsonl > /dev/null"
t bad-pointer 2 "cot-extract --cot 'a..b' $S/flat.jsonl"

# Properties: zstd output round-trips; every record is valid JSON with the
# keys in canonical order.
check zstd-roundtrip "cot-extract -o \$TMP/o.zst $S/think-inline.jsonl && zstd -dcq \$TMP/o.zst | cmp - <(cot-extract -u $S/think-inline.jsonl)"
check key-order "cot-extract -u $S/*.jsonl | jq -e -s 'all(.[]; (keys_unsorted - [\"context\",\"signature\"]) == [\"id\",\"prompt\",\"cot\",\"answer\",\"cot_state\",\"meta\",\"src\"])' > /dev/null"
check head-sigpipe "cot-extract -u $S/*.jsonl | head -1 | jq -e .id > /dev/null"

# The man page examples run (the docs cannot rot).
check man-examples "cot-extract -v -u samples/raw/*.jsonl > /dev/null 2>&1 &&
  cot-extract -u --turns all --no-meta samples/raw/parts-sharegpt.jsonl | grep -q '#1' &&
  cot-extract -u --answer /raw_output samples/raw/gpt-oss-harmony.jsonl | grep -q 'custom+harmony' &&
  echo '{\"out\":\"Reasoning: 2+2=4\\nFinal: 4\"}' | cot-extract -u --answer /out --split '^Reasoning: (?<cot>.*?)\\nFinal: (?<answer>.*)\$' | grep -q '\"answer\":\"4\"' &&
  cot-extract -u samples/raw/*.jsonl | jq -r 'select(.cot_state == \"ok\") | .meta.model // \"?\"' | sort | uniq -c | grep -q deepseek-reasoner"

# A source "meta" object is merged into meta (so --by meta.step works);
# on a name clash it is kept whole, so nothing is lost.
t meta-merged 0 'printf "%s\n" "{\"id\":\"a\",\"meta\":{\"step\":100,\"env\":\"code\"},\"model\":\"m\",\"prompt\":\"p\",\"cot\":\"c\",\"answer\":\"x\"}" | cot-extract -u'
t meta-clash-kept 0 'printf "%s\n" "{\"id\":\"a\",\"meta\":{\"step\":1},\"step\":9,\"prompt\":\"p\",\"cot\":\"c\",\"answer\":\"x\"}" | cot-extract -u'

# --logprobs: the three shapes normalised and aligned to cot and answer
t logprobs-stats 0 'cot-extract -u --logprobs samples/profile/logprobs.jsonl | jq -c "{id, logprob_stats}"'
t logprobs-accounts 0 'cot-extract -u -v --logprobs samples/profile/logprobs.jsonl 2>&1 >/dev/null'
t logprobs-malformed 1 'printf "%s\n" "{\"id\":\"m\",\"cot\":\"a\",\"answer\":\"b\",\"logprobs\":{\"tokens\":[\"a\",\"b\"],\"token_logprobs\":[-1]}}" | cot-extract -u --logprobs'
t logprobs-malformed-skipped 0 'printf "%s\n" "{\"id\":\"m\",\"cot\":\"a\",\"answer\":\"b\",\"logprobs\":{\"tokens\":[\"a\",\"b\"],\"token_logprobs\":[-1]}}" | cot-extract -u --skip-bad --logprobs | wc -l'
t logprobs-path-none 1 'cot-extract -u --logprobs=meta.logprbs samples/profile/logprobs.jsonl > /dev/null'
t logprobs-path-some 0 'cot-extract -u -v --logprobs=meta.logprobs samples/profile/logprobs.jsonl > /dev/null'
t logprobs-bad-path 2 'cot-extract --logprobs=a..b samples/profile/logprobs.jsonl'
# --logprobs without a PATH, found in no record: the run fails, as a PATH
# that matched none does (records still on stdout, -o not written); --meta that leaves them
# out is named
t logprobs-default-none 1 'set -o pipefail; printf "%s\n" "{\"id\":\"a\",\"cot\":\"c\",\"answer\":\"y\"}" | cot-extract -u --logprobs | wc -l'
check logprobs-default-none-o 'printf "%s\n" "{\"id\":\"a\",\"cot\":\"c\",\"answer\":\"y\"}" > $TMP/n.jsonl &&
  { cot-extract --logprobs -o $TMP/o.jsonl $TMP/n.jsonl; test $? = 1; } 2>/dev/null && test ! -e $TMP/o.jsonl && cot-extract -o $TMP/o.jsonl $TMP/n.jsonl && test -s $TMP/o.jsonl'
t logprobs-meta-drops 1 'set -o pipefail; cot-extract -u --logprobs --meta orig_logprobs samples/profile/logprobs.jsonl | jq -c "[.id, (.meta | keys), .logprob_stats]"'

done_testing
