#!/bin/sh
# Install what cot needs to build and test on Debian/Ubuntu.  As root it
# runs apt-get; otherwise it prints the exact command and stops.
set -e
pkgs="make gcc pkg-config libzstd-dev libcjson-dev libpcre2-dev zstd perl libxml2-utils python3 jq bsdutils parallel"
# tests/cli/report.t renders cot-stat's SVG pictures to check them.
pkgs="$pkgs librsvg2-bin python3-pil"
# tests/cli/slurm.t runs contrib/cot-slurm.sh on a one-node Slurm cluster.
pkgs="$pkgs slurm-wlm munge"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    echo "installing:$missing" >&2
    # Wait for another apt-get rather than fail on its lock.
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y -qq $missing >/dev/null
else
    echo "missing Debian packages:$missing" >&2
    echo "run:  sudo apt-get install -y$missing" >&2
    exit 1
fi
