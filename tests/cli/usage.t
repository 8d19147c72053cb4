#!/usr/bin/env bash
# Usage across the tools: unknown options get the closest one, a missing
# argument names its option, an unknown value lists the valid ones, field
# paths take every spelling (a.b, .a.b as jq, /a/b) with one message for a
# bad one, and every option a tool accepts is in its --help.
. "$(dirname "$0")/lib.sh"

A=samples/stat/audit.jsonl

# ---- options --------------------------------------------------------------
t extract-typo       2 'cot-extract --frmat r1 samples/raw/flat.jsonl'
t diff-typo          2 'cot-diff --exit-stauts a b'
t judge-typo         2 'cot-judge --rlues x.rules'
t stat-typo          2 'cot-stat --cuont judge.verdict'
t profile-typo       2 'cot-profile build --ordre 4 -o x.prof'
t typo-with-value    2 'cot-stat --cuont=judge.verdict'
t far-from-any       2 'cot-stat --zzzzzzzz'
t missing-arg-long   2 'cot-stat --count'
t missing-arg-short  2 'cot-diff -k'
t ambiguous          2 'cot-diff --s 1/2'
t takes-no-argument  2 'cot-judge --count=3'
t unknown-short      2 'cot-extract -Z'
t unknown-value      2 'cot-diff --only-edit cot_only a b'
t unknown-status     2 'cot-diff --only-status editd a b'

# ---- field paths ------------------------------------------------------------
t path-dotted        0 "cot-stat --tsv --by meta.env --count judge.verdict $A"
check path-jq-same      "diff <(cot-stat --tsv --by .meta.env --count .judge.verdict $A | cut -f2,4- | sed 's/^[^=]*=//') <(cot-stat --tsv --by meta.env --count judge.verdict $A | cut -f2,4- | sed 's/^[^=]*=//')"
check path-pointer-same "diff <(cot-stat --tsv --by /meta/env --count /judge/verdict $A | cut -f2,4- | sed 's/^[^=]*=//') <(cot-stat --tsv --by meta.env --count judge.verdict $A | cut -f2,4- | sed 's/^[^=]*=//')"
printf '%s\n' '{"question":"q1","trace":{"steps":["think a","think b"]},"final":"4"}' > "$_BASE/steps.jsonl"
t path-jq-index      0 "cot-extract -u --prompt .question --cot '.trace.steps[1]' --answer .final $_BASE/steps.jsonl | jq -c '[.prompt, .cot, .answer]'"
t bad-path-stat      2 "cot-stat --count 'judge..verdict' $A"
t bad-path-extract   2 "cot-extract -u --cot '.a.' samples/raw/flat.jsonl"
t bad-path-diff      2 "cot-diff --key 'meta[' a b"
t bad-path-judge     2 "cot-judge --cue-field 'meta[x]' $A"
t bad-path-profile   2 "cot-profile score --spans 'a..b' -p x.prof"

# ---- inputs that are not JSON Lines get a hint --------------------------------
H=$_BASE/hints; mkdir -p "$H"
printf '[\n  {"a": 1},\n  {"a": 2}\n]\n' > "$H/array.json"
printf '[{"a":1},{"a":2}]\n' > "$H/array-line.json"
printf '{\n  "id": "r1"\n}\n' > "$H/pretty.json"
printf 'id,prompt,cot\n1,q,c\n' > "$H/table.csv"
printf 'PAR1\0\0\025\004binary' > "$H/data.parquet"
printf 'PK\003\004zipped' > "$H/sheet.xlsx"
printf 'BZh91AY&SY' > "$H/x.bz2"
t hint-array         1 "cd $H && cot-extract -u array.json"
t hint-array-line    1 "cd $H && cot-stat array-line.json"
t hint-pretty        1 "cd $H && cot-judge -u pretty.json"
t hint-csv           1 "cd $H && cot-extract -u table.csv"
t hint-parquet       1 "cd $H && cot-extract -u data.parquet"
t hint-zip           1 "cd $H && cot-diff -u sheet.xlsx"
t hint-bzip2         1 "cd $H && cot-extract -u x.bz2"
# Only the first line of a file gets a hint: later bad lines are just bad.
t no-hint-later      1 "printf '%s\n' '{\"id\":\"a\"}' 'x,y' | cot-stat"

# ---- --help lists every option the tool accepts ------------------------------
# (cot-judge train has a --help of its own)
for tool in cot-diff cot-extract cot-judge cot-profile cot-stat; do
  check "help-lists-all-$tool" "
    opts=\$(sed -n '/struct option longopts\\[\\]/,/};/p' cmd/$tool.c | grep -o '{\"[a-z0-9-]*\"' | tr -d '{\"')
    opts=\"\$opts \$(sed -n '/define COT_COMMON_LONG/,/^\$/p' lib/cli.h | grep -o '{\"[a-z0-9-]*\"' | tr -d '{\"')\"
    [ -n \"\$opts\" ] || { echo 'no options found in cmd/$tool.c'; exit 1; }
    miss=0
    for o in \$opts; do
      { $tool --help; [ $tool = cot-judge ] && $tool train --help; } | grep -q -e \"--\$o\\b\" ||
        { echo \"$tool --help lacks --\$o\"; miss=1; }
    done
    exit \$miss"
done
# ... and every short option, from the getopt_long option strings
for tool in cot-diff cot-extract cot-judge cot-profile cot-stat; do
  check "help-lists-short-$tool" "
    common=\$(grep -o 'define COT_COMMON_SHORT \"[^\"]*\"' lib/cli.h | cut -d'\"' -f2)
    own=\$(grep -o 'COT_COMMON_SHORT \"[^\"]*\"' cmd/$tool.c | cut -d'\"' -f2 | tr -d '\\n')
    chars=\$(printf '%s%s' \"\$common\" \"\$own\" | tr -d ':' | fold -w1 | sort -u)
    [ -n \"\$common\" ] || { echo 'no COT_COMMON_SHORT in lib/cli.h'; exit 1; }
    miss=0
    for ch in \$chars; do
      { $tool --help; [ $tool = cot-judge ] && $tool train --help; } | grep -q -E -e \"(^|[^-a-zA-Z0-9])-\$ch([^a-zA-Z0-9-]|\\\$)\" ||
        { echo \"$tool --help lacks -\$ch\"; miss=1; }
    done
    exit \$miss"
done

done_testing
