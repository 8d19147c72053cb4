#!/bin/sh
# Regenerate lib/rules-default.c from rules/default.rules (the built-in
# cot-judge pack).  tests/cli/judge.t checks that `cot-judge --list-rules`
# prints rules/default.rules byte for byte, so a stale copy fails the tests.
# Every '?' is written as '\?' so that no regex can form a C trigraph.
set -e
cd "$(dirname "$0")/.."
python3 - > lib/rules-default.c.tmp <<'PY'
import json
src = open("rules/default.rules", encoding="utf-8").read()
print("/* rules-default.c -- GENERATED from rules/default.rules by")
print(" * scripts/gen-rules-default.sh; do not edit. */")
print('#include "rules.h"')
print("const char cot_rules_default[] =")
for line in src.splitlines(True):
    print(json.dumps(line, ensure_ascii=False).replace("?", "\\?"))
print(";")
PY
mv lib/rules-default.c.tmp lib/rules-default.c
