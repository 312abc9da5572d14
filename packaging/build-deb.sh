#!/bin/sh
# Build the shaobing-agent and shaobing-collector .deb packages with
# dpkg-deb from hand-kept control files (packaging/README.md says why).
#
# usage: sh packaging/build-deb.sh [--arch A] [--bin DIR] [--out DIR] [--version V]
#
#   --arch A       Debian architecture: this machine's (default) or arm64,
#                  cross-built with aarch64-linux-gnu-gcc into build-arm64/
#                  (make deps ARCH=arm64 installs the toolchain)
#   --bin DIR      package the binaries already in DIR (shaobing-agent,
#                  shaobing-collector, shaobing) instead of building them
#   --out DIR      where the .deb files go (default build/deb, for arm64
#                  build-arm64/deb)
#   --version V    package version (default: the top of packaging/changelog;
#                  another version gets its own changelog entry, for tests);
#                  the binaries must say the same version (make VERSION=V)
#
# Without --bin the programs are built into build/deb/ with Debian's
# hardening flags (dpkg-buildflags, hardening=+all).  Dependencies are
# computed from the binaries with dpkg-shlibdeps; only adduser is named by
# hand.  Prints the paths of the two packages.
set -eu

usage() {
	sed -n '4,14s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

top=$(cd "$(dirname "$0")/.." && pwd)
pkgdir="$top/packaging"
bin=""
out=""
version=""
arch=""
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
	--bin) [ $# -ge 2 ] || usage; bin=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--version) [ $# -ge 2 ] || usage; version=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "build-deb: unknown argument '$1'" >&2; usage ;;
	esac
done

native=$(dpkg-architecture -qDEB_BUILD_ARCH 2>/dev/null || echo unknown)
[ -n "$arch" ] || arch=$native
# Cross-building: the target's strip and make's ARCH; dpkg-buildflags
# and dpkg-shlibdeps run with DEB_HOST_ARCH set by dpkg-architecture, so
# flags and library lookups (/usr/lib/aarch64-linux-gnu, the :arm64
# packages' shlibs/symbols) are the target's.
cross=""
makearch=""
builddir=build
if [ "$arch" != "$native" ]; then
	case "$arch" in
	arm64) cross=aarch64-linux-gnu-; makearch=arm64; builddir=build-arm64 ;;
	*) echo "build-deb: cannot cross-build for '$arch' (only arm64); build natively on such a machine" >&2; exit 2 ;;
	esac
fi
[ -n "$out" ] || out="$top/$builddir/deb"
STRIP=${cross}strip
for tool in dpkg-deb dpkg-shlibdeps dpkg-parsechangelog dpkg-architecture "$STRIP" gzip; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "build-deb: $tool not found; install dpkg-dev and binutils (make deps${makearch:+ ARCH=$makearch})" >&2
		exit 1
	}
done
# hostenv CMD...: CMD with the target architecture's dpkg variables.
hostenv() {
	CC=${cross}gcc dpkg-architecture -a"$arch" -c "$@"
}

umask 022
export LC_ALL=C
cl_version=$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Version)
[ -n "$version" ] || version=$cl_version
# Reproducible: file times in the packages are clamped to the changelog date.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH

if [ -z "$bin" ]; then
	# Hardened build of our own; CPPFLAGS go into CFLAGS because the
	# Makefile's compile rule uses CFLAGS only.  As environment variables
	# they are extended, not replaced, by the Makefile's own flags.
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	CFLAGS="$(hostenv dpkg-buildflags --get CFLAGS) $(hostenv dpkg-buildflags --get CPPFLAGS)"
	LDFLAGS=$(hostenv dpkg-buildflags --get LDFLAGS)
	export CFLAGS LDFLAGS
	make -C "$top" --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" \
		ARCH="$makearch" BUILD="$builddir/deb" VERSION="$version" all >&2
	bin="$top/$builddir/deb/bin"
fi
for b in shaobing-agent shaobing-collector shaobing; do
	[ -x "$bin/$b" ] || { echo "build-deb: $bin/$b missing; build it first (make)" >&2; exit 1; }
	if [ "$arch" = arm64 ] && ! LC_ALL=C readelf -h "$bin/$b" | grep -q 'Machine:.*AArch64'; then
		echo "build-deb: $bin/$b is not an arm64 (AArch64) program; build it with make ARCH=arm64" >&2
		exit 1
	fi
	# One version everywhere: the package's is the programs' own.
	if [ "$arch" = "$native" ]; then
		bv=$("$bin/$b" --version | awk '{ print $2 }')
		[ "$bv" = "$version" ] || {
			echo "build-deb: $bin/$b is version '$bv', the package would be $version; build with make VERSION=$version" >&2
			exit 1
		}
	fi
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/stage"
rm -rf "$work"
mkdir -p "$work"

# conf/NAME.ini, the documented example with every option, is the
# conffile as it ships.
conffile() {
	[ -f "$top/conf/$1" ] || { echo "build-deb: conf/$1 missing" >&2; exit 1; }
	echo "$top/conf/$1"
}

# stage PKG: the common parts of a package tree in $work/PKG.
stage() {
	d="$work/$1"
	install -d "$d/DEBIAN" "$d/usr/share/doc/$1" "$d/lib/systemd/system" "$d/etc/shaobing"
	install -m 0644 "$pkgdir/copyright" "$d/usr/share/doc/$1/copyright"
	if [ "$version" = "$cl_version" ]; then
		cp "$pkgdir/changelog" "$d/usr/share/doc/$1/changelog"
	else
		{
			printf 'shaobing (%s) unstable; urgency=medium\n\n' "$version"
			printf '  * Build of version %s.\n\n' "$version"
			printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Maintainer)" \
				"$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Date)"
			cat "$pkgdir/changelog"
		} >"$d/usr/share/doc/$1/changelog"
	fi
	gzip -9nf "$d/usr/share/doc/$1/changelog"
}

# install_bin SRC DEST: a stripped copy, as dh_strip makes it.
install_bin() {
	install -D -m 0755 "$1" "$2"
	"$STRIP" --remove-section=.comment --remove-section=.note --strip-unneeded "$2"
}

# install_man PAGE SECTION PKG: rendered from packaging/man/PAGE.SECTION.in
# and the program PAGE's own --help tables (render.sh); a cross-built
# program cannot run here, the native build's has the same tables.
install_man() {
	mbin=$bin/$1
	[ -z "$cross" ] || mbin=$top/build/bin/$1
	[ -x "$mbin" ] || { echo "build-deb: $mbin missing: the man pages are rendered by the native programs; run make first" >&2; exit 1; }
	m="$work/$3/usr/share/man/man$2/$1.$2"
	mkdir -p "$(dirname "$m")"
	sh "$pkgdir/man/render.sh" "$mbin" "$pkgdir/man/$1.$2.in" "$version" >"$m"
	chmod 0644 "$m"
	gzip -9nf "$m"
}

# finish PKG SHORT BINARY...: control file with computed dependencies,
# maintainer scripts, md5sums, then the .deb.
finish() {
	p=$1
	short=$2
	shift 2
	d="$work/$p"
	# dpkg-shlibdeps wants a debian/control naming the package.
	sd="$work/shlibdeps-$p"
	mkdir -p "$sd/debian"
	printf 'Source: shaobing\n\nPackage: %s\nArchitecture: any\n' "$p" >"$sd/debian/control"
	shlibs=$(cd "$sd" && hostenv dpkg-shlibdeps -O "$@" | sed -n 's/^shlibs:Depends=//p')
	[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies for $p" >&2; exit 1; }
	# Installed-Size in KiB as dpkg-gencontrol counts it: each file rounded up.
	size=$(find "$d" -path "$d/DEBIAN" -prune -o -type f -printf '%s\n' |
		awk '{ s += int(($1 + 1023) / 1024) } END { print s + 0 }')
	sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" \
		-e "s/@INSTALLED_SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
		"$pkgdir/$short/control" >"$d/DEBIAN/control"
	install -m 0644 "$pkgdir/$short/conffiles" "$d/DEBIAN/conffiles"
	for s in postinst prerm postrm; do
		install -m 0755 "$pkgdir/$short/$s" "$d/DEBIAN/$s"
	done
	(cd "$d" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' |
		sort -z | xargs -0 md5sum) >"$d/DEBIAN/md5sums"
	chmod 0644 "$d/DEBIAN/md5sums"
	deb="$out/${p}_${version}_$arch.deb"
	dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >/dev/null
	echo "$deb"
}

stage shaobing-agent
a="$work/shaobing-agent"
install_bin "$bin/shaobing-agent" "$a/usr/sbin/shaobing-agent"
install -m 0644 "$(conffile agent.ini)" "$a/etc/shaobing/agent.ini"
install -m 0644 "$pkgdir/agent/shaobing-agent.service" "$a/lib/systemd/system/"
install_man shaobing-agent 8 shaobing-agent
finish shaobing-agent agent "$a/usr/sbin/shaobing-agent"

stage shaobing-collector
c="$work/shaobing-collector"
install_bin "$bin/shaobing-collector" "$c/usr/sbin/shaobing-collector"
install_bin "$bin/shaobing" "$c/usr/bin/shaobing"
install -m 0644 "$(conffile collector.ini)" "$c/etc/shaobing/collector.ini"
install -m 0644 "$pkgdir/collector/shaobing-collector.service" "$c/lib/systemd/system/"
# The holiday calendar ([schedule] calendar), overridden by a copy in /etc.
for h in "$top"/conf/holidays-*.txt; do
	install -D -m 0644 "$h" "$c/usr/share/shaobing/$(basename "$h")"
done
install_man shaobing-collector 8 shaobing-collector
install_man shaobing 1 shaobing-collector
# The console's chart library and its licence (scripts/console_vendor.sh,
# fetched by `make deb`; [server] console_vendor points here).
vendor=$top/build/console-vendor
[ -f "$vendor/echarts.min.js" ] || sh "$top/scripts/console_vendor.sh" build
for f in $(sh "$top/scripts/console_vendor.sh" --files); do
	install -D -m 0644 "$vendor/$f" "$c/usr/share/shaobing/console/$f"
done
finish shaobing-collector collector "$c/usr/sbin/shaobing-collector" "$c/usr/bin/shaobing"

rm -rf "$work"
