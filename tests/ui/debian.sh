#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# debian.sh: `dpkg-buildpackage -us -uc -b` builds a .deb from the committed tree, and the
# package holds the program, its man page, completion, framework, sample and copyright.
# Skipped, saying why, without dpkg-dev and debhelper, in a sanitizer build (one build
# is enough) and outside a git checkout (make distcheck's copy).
. "$(dirname "$0")/lib.sh"

skip() {
	echo "ok 1 # SKIP $1"
	echo "1..1"
	exit 0
}
command -v dpkg-buildpackage >/dev/null || skip "dpkg-dev is not installed"
command -v dh >/dev/null || skip "debhelper is not installed"
grep -q -- '--enable-sanitizers' "$BUILDDIR/config.status" 2>/dev/null && skip "built once, in the plain build"
top=$(git -C "$QREL_DATADIR" rev-parse --show-toplevel 2>/dev/null)
[ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$QREL_DATADIR" && pwd -P)" ] || skip "not a git checkout"

# The committed files plus what is changed in the work tree, nothing built.
mkdir -p "$T/src/qrel"
(cd "$QREL_DATADIR" && git ls-files -z | xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$T/src/qrel"
(cd "$T/src/qrel" && dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1)
rc=$?
[ $rc -eq 0 ] || tail -n 30 "$T/build.log" | sed 's/^/# /'
check "dpkg-buildpackage -us -uc -b succeeds" test $rc -eq 0
DEB=$(ls "$T"/src/qrel_*.deb 2>/dev/null | head -n 1)
check "it makes a .deb" test -n "$DEB"
dpkg-deb -c "$DEB" 2>/dev/null | awk '{ print $6 }' >"$T/contents"
for f in ./usr/bin/qrel ./usr/share/man/man1/qrel.1.gz ./usr/share/bash-completion/completions/qrel \
	./usr/share/qrel/frameworks/qrel-equity.ini ./usr/share/qrel/sample-db/sites.csv ./usr/share/doc/qrel/copyright; do
	check "the package holds $f" grep -qxF "$f" "$T/contents"
done
dpkg-deb -x "$DEB" "$T/root" 2>/dev/null
check "the packaged qrel runs" sh -c "'$T/root/usr/bin/qrel' --version | grep -q '^qrel '"
check "the packaged man page names the packaged framework" sh -c \
	"zcat '$T/root/usr/share/man/man1/qrel.1.gz' | grep -q '/usr/share/qrel/frameworks/qrel'"
check "the packaged framework checks ok" \
	"$T/root/usr/bin/qrel" framework check "$T/root/usr/share/qrel/frameworks/qrel-equity.ini"
dpkg-deb -f "$DEB" Depends >"$T/depends"
check "its dependencies come from the libraries it links" grep -q "libsqlite3" "$T/depends"
check "and name libpq5, which the hub loads when it is used" grep -q "libpq5" "$T/depends"

finish
