#!/bin/sh
# Install what cot needs to build and test on Debian/Ubuntu.  As root it
# runs apt-get; otherwise it prints the exact command and stops.
set -e
pkgs="make gcc pkg-config libzstd-dev libcjson-dev libpcre2-dev zstd perl libxml2-utils python3 jq bsdutils parallel"
# tests/cli/report.t renders cot-stat's SVG pictures to check them.
pkgs="$pkgs librsvg2-bin python3-pil"
# tests/cli/slurm.t runs contrib/cot-slurm.sh on a one-node Slurm cluster.
pkgs="$pkgs slurm-wlm munge"
# clang builds the fuzz harnesses that `make check` runs (tests/fuzz/); the
# libFuzzer runtime is in libclang-rt-N-dev for clang N (only recommended
# by clang, so named here once clang's version is known).
pkgs="$pkgs clang"
# bench/ times what a user would otherwise run (Python with zstandard) and
# reads CPU seconds and peak RSS from /usr/bin/time.
pkgs="$pkgs python3-zstandard time"
missing_of() {
    m=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || m="$m $p"
    done
    echo "$m"
}
install() {
    if [ "$(id -u)" -eq 0 ]; then
        echo "installing:$*" >&2
        # Wait for another apt-get rather than fail on its lock.
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            install -y -qq "$@" >/dev/null
    else
        echo "missing Debian packages:$*" >&2
        echo "run:  sudo apt-get install -y $*" >&2
        exit 1
    fi
}
missing=$(missing_of $pkgs)
[ -z "$missing" ] || install $missing
v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
rt=libclang-rt-$v-dev
if [ -n "$v" ] && [ -n "$(missing_of $rt)" ] && apt-cache show $rt >/dev/null 2>&1; then
    install $rt
fi
exit 0
