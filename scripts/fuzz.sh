#!/bin/sh
# Run every libFuzzer harness in build/fuzz for SECONDS seconds each.
#   scripts/fuzz.sh SECONDS [NAME...]      (make fuzz FUZZ_SECONDS=N)
#   scripts/fuzz.sh --check SECONDS         (make check: skip without clang)
# New inputs go to build/fuzz/corpus/NAME; the seeds in tests/fuzz/corpus/NAME
# are only read.  A crash leaves build/fuzz/crash-NAME-* and fails the run.
# One line per harness: name, executions, seconds, and the corpus size.
set -e
check=0
if [ "$1" = --check ]; then check=1; shift; fi
secs=${1:?usage: scripts/fuzz.sh [--check] SECONDS [NAME...]}
shift
cd "$(dirname "$0")/.."
if [ $check = 1 ]; then
    # CI installs clang (scripts/deps.sh); elsewhere say why nothing ran.
    if ! command -v ${FUZZ_CC:-clang} >/dev/null 2>&1 ||
       ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' |
         ${FUZZ_CC:-clang} -x c -fsanitize=fuzzer -o /tmp/cot-fuzz-probe.$$ - >/dev/null 2>&1; then
        echo "fuzz: skipped (no clang with the libFuzzer runtime; scripts/deps.sh installs it)"
        exit 0
    fi
    rm -f /tmp/cot-fuzz-probe.$$
    ${MAKE:-make} -s fuzz >/dev/null
fi
names=$*
[ -n "$names" ] || names=$(cd tests/fuzz && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
fail=0
for n in $names; do
    bin=build/fuzz/fuzz-$n
    [ -x $bin ] || { echo "fuzz: $bin missing; run make fuzz" >&2; exit 2; }
    mkdir -p build/fuzz/corpus/$n
    dict=
    [ -f tests/fuzz/$n.dict ] && dict=-dict=tests/fuzz/$n.dict
    log=build/fuzz/$n.log
    if $bin -max_total_time=$secs -timeout=10 -rss_limit_mb=2048 -max_len=8192 $dict \
            -artifact_prefix=build/fuzz/crash-$n- \
            build/fuzz/corpus/$n tests/fuzz/corpus/$n >$log 2>&1; then
        runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' $log)
        files=$(ls build/fuzz/corpus/$n | wc -l)
        printf 'fuzz-%-8s %10s runs %4s s  corpus %s\n' $n $runs $files
    else
        echo "fuzz-$n: FAILED (log: $log)"
        grep -E 'fuzz check failed|ERROR:|SUMMARY' $log | head -5
        ls build/fuzz/crash-$n-* 2>/dev/null | head -3
        fail=1
    fi
done
exit $fail
