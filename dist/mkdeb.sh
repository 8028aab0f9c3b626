#!/bin/sh
# Builds the Debian package: a hardened build with PREFIX=/usr in its own tree, `make install`
# into a staging root, then what debhelper would do for so small a package: strip, compress the
# man page and changelog, copyright, md5sums, DEBIAN/control from dist/debian/control with the
# library dependencies computed by dpkg-shlibdeps (dpkg-gencontrol), and dpkg-deb. Lintian
# checks the result when it is installed (tests/tools/deps.sh installs it).
# Usage: dist/mkdeb.sh [BUILD_DIR]   (default build-deb; the .deb lands in it)
set -eu
cd "$(dirname "$0")/.."
B=${1:-build-deb}
umask 022

# Debian's hardening flags (PIE, stack protector, fortify, relro, bindnow), as dpkg-buildpackage sets.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS_DEB="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS_DEB=$(dpkg-buildflags --get LDFLAGS)
# In the environment, not on the command line, so the Makefile's CFLAGS += still adds its own.
CFLAGS="$CFLAGS_DEB" LDFLAGS="$LDFLAGS_DEB" make --no-print-directory BUILD="$B" PREFIX=/usr OPT= "$B/quiescent"

version=$("$B/quiescent" --version | awk '{ print $2 }')
chversion=$(dpkg-parsechangelog -l dist/debian/changelog -S Version)
if [ "$version" != "$chversion" ]; then
	echo "mkdeb: quiescent --version says $version but dist/debian/changelog says $chversion: add a changelog entry" >&2
	exit 1
fi

stage=$B/deb/root
work=$B/deb/work
rm -rf "$B/deb"
mkdir -p "$stage/DEBIAN" "$work"
chmod 0755 "$stage" "$stage/DEBIAN"
make --no-print-directory BUILD="$B" PREFIX=/usr DESTDIR="$PWD/$stage" install >/dev/null

doc=$stage/usr/share/doc/quiescent
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$stage/usr/bin/quiescent"
gzip -9n "$stage/usr/share/man/man1/quiescent.1"
rm -f "$doc/LICENSE"                        # the copyright file carries it
install -m 0644 dist/debian/copyright "$doc/copyright"
gzip -9n -c dist/debian/changelog > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# dpkg-shlibdeps and dpkg-gencontrol want a source tree: dist/debian stands in for debian/.
mkdir -p "$work/debian"
cp dist/debian/control dist/debian/changelog "$work/debian/"
abs_stage=$PWD/$stage
(cd "$work" &&
	dpkg-shlibdeps -Tdebian/substvars -e"$abs_stage/usr/bin/quiescent" &&
	dpkg-gencontrol -pquiescent -P"$abs_stage" -Tdebian/substvars -fdebian/files)
(cd "$stage" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$B/quiescent_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "mkdeb: $deb"
dpkg-deb -f "$deb" Package Version Architecture Depends Installed-Size

if command -v lintian >/dev/null 2>&1; then
	# --fail-on warning: errors and warnings fail the build; info tags are shown, not fatal.
	lintian --fail-on error,warning --info --display-info "$deb"
	echo "mkdeb: lintian: clean (no error, no warning)"
else
	echo "mkdeb: lintian is not installed (make deps installs it): package not checked" >&2
fi
