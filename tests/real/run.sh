#!/usr/bin/env bash
# run.sh -- `make check-real`: run every tests/real/*.sh against ../shared/data
# (public datasets beside the checkout; not part of `make check`).
cd "$(dirname "$0")/../.." || exit 1
DATA=${COT_DATA:-../shared/data}
if [ ! -d "$DATA" ]; then
    echo "check-real: $DATA is missing; nothing to check"
    exit 0
fi
export COT_DATA=$DATA COT_BIN=${COT_BIN:-$PWD/bin}
st=0
for t in tests/real/*.sh; do
    [ "$(basename "$t")" = run.sh ] && continue
    echo "== $t"
    bash "$t" || st=1
done
exit $st
