#!/bin/sh
# Regenerate the C files that embed the built-in data files:
#   lib/rules-default.c   from rules/default.rules   (the cot-judge pack)
#   lib/cuewords-default.c from rules/cue-words.vocab (--cue-text-field's
#                          vocabulary)
# tests/cli/judge.t (`cot-judge --list-rules`) and tests/unit/test-cuetext.c
# check that the embedded text equals the file byte for byte, so a stale
# copy fails the tests.  Every '?' is written as '\?' so that no pattern can
# form a C trigraph.
set -e
cd "$(dirname "$0")/.."
embed() {   # SRC OUT HEADER SYMBOL
    python3 - "$@" > "$2.tmp" <<'PY'
import json, sys
src, out, header, symbol = sys.argv[1:5]
text = open(src, encoding="utf-8").read()
name = out.split("/")[-1]
print("/* %s -- GENERATED from %s by" % (name, src))
print(" * scripts/gen-embedded.sh; do not edit. */")
print('#include "%s"' % header)
print("const char %s[] =" % symbol)
for line in text.splitlines(True):
    print(json.dumps(line, ensure_ascii=False).replace("?", "\\?"))
print(";")
PY
    mv "$2.tmp" "$2"
}
embed rules/default.rules lib/rules-default.c rules.h cot_rules_default
embed rules/cue-words.vocab lib/cuewords-default.c cuetext.h cot_cuetext_default
