#!/usr/bin/env bash
# make install / uninstall honour PREFIX and DESTDIR.
. "$(dirname "$0")/lib.sh"
# COT_MAKEVARS carries the build directories of the current build (B=, BIN=)
# so that `make asan` installs what it built.
M="make -s --no-print-directory ${COT_MAKEVARS:-}"
export M
check install-layout '$M install DESTDIR=$TMP/d PREFIX=/usr >/dev/null &&
  for t in bin/cot-extract share/man/man1/cot-extract.1 share/man/man5/cot-record.5 share/man/man7/cot.7; do
    test -e $TMP/d/usr/$t || { echo "missing $t"; exit 1; }; done &&
  $TMP/d/usr/bin/cot-extract --version | head -1 | grep -q "^cot-extract "'
check uninstall-removes-all '$M install DESTDIR=$TMP/d PREFIX=/usr >/dev/null &&
  $M uninstall DESTDIR=$TMP/d PREFIX=/usr >/dev/null && test -z "$(find $TMP/d -type f)"'
done_testing
