#!/bin/sh
# Regenerate lib/cuewords-default.c from rules/cue-words.vocab (the built-in
# vocabulary of cot-judge --cue-text-field).  tests/unit/test-cuetext.c
# checks that the embedded text equals the file byte for byte, so a stale
# copy fails the tests.  Every '?' is written as '\?' (no C trigraphs).
set -e
cd "$(dirname "$0")/.."
python3 - > lib/cuewords-default.c.tmp <<'PY'
import json
src = open("rules/cue-words.vocab", encoding="utf-8").read()
print("/* cuewords-default.c -- GENERATED from rules/cue-words.vocab by")
print(" * scripts/gen-cue-words.sh; do not edit. */")
print('#include "cuetext.h"')
print("const char cot_cuetext_default[] =")
for line in src.splitlines(True):
    print(json.dumps(line, ensure_ascii=False).replace("?", "\\?"))
print(";")
PY
mv lib/cuewords-default.c.tmp lib/cuewords-default.c
