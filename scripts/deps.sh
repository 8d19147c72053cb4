#!/bin/sh
# Install what cot needs to build and test on Debian/Ubuntu.  As root it
# runs apt-get; otherwise it prints the exact command and stops.
set -e
# clang builds the fuzz harnesses that `make check` runs (tests/fuzz/); the
# libFuzzer runtime is in libclang-rt-N-dev for clang N (only recommended
# by clang, so named here once clang's version is known).
pkgs="make gcc pkg-config libzstd-dev libcjson-dev libpcre2-dev zstd perl libxml2-utils python3 jq bsdutils parallel clang"
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
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
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
