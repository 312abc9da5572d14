#!/bin/sh
# Build the shaobing-agent and shaobing-collector .rpm packages with
# rpmbuild from packaging/rpm/shaobing.spec (packaging/rpm/README.md).
#
# usage: sh packaging/rpm/build-rpm.sh [--arch A] [--bin DIR] [--out DIR]
#
#   --arch A     amd64/x86_64 (this machine, default) or arm64/aarch64
#                (cross-built with aarch64-linux-gnu-gcc, make deps ARCH=arm64)
#   --bin DIR    package the binaries already in DIR instead of building
#                them (they must be linked as below)
#   --out DIR    where the .rpm files go (default build/rpm, for arm64
#                build-arm64/rpm)
#
# Without --bin the programs are built with the same hardening flags as
# the .debs (dpkg-buildflags, hardening=+all) into build/rpm/ (or
# build-arm64/rpm/), with inih and libpcap linked statically: RPM systems
# do not ship Debian's libinih.so.1 or libpcap.so.0.8.  Requires are
# computed by rpmbuild from the binaries (shared-library names).  Prints
# the paths of the two packages.
set -eu

usage() {
	sed -n '4,14s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

top=$(cd "$(dirname "$0")/../.." && pwd)
STATIC_PKGS="inih libpcap"
bin=""
out=""
arch=""
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
	--bin) [ $# -ge 2 ] || usage; bin=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "build-rpm: unknown argument '$1'" >&2; usage ;;
	esac
done

native=$(uname -m)
case "${arch:-$native}" in
amd64|x86_64) rarch=x86_64 ;;
arm64|aarch64) rarch=aarch64 ;;
*) echo "build-rpm: unsupported architecture '${arch:-$native}' (x86_64 or aarch64)" >&2; exit 2 ;;
esac
cross="" makearch="" debarch="" builddir=build
if [ "$rarch" != "$native" ]; then
	[ "$rarch" = aarch64 ] || { echo "build-rpm: can only cross-build for aarch64" >&2; exit 2; }
	cross=aarch64-linux-gnu- makearch=arm64 debarch=arm64 builddir=build-arm64
fi
[ -n "$out" ] || out="$top/$builddir/rpm"
for tool in rpmbuild dpkg-parsechangelog dpkg-buildflags "${cross}strip" readelf; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "build-rpm: $tool not found; install rpm, dpkg-dev and binutils (make deps${makearch:+ ARCH=$makearch})" >&2
		exit 1
	}
done

umask 022
export LC_ALL=C
version=$(dpkg-parsechangelog -l "$top/packaging/changelog" -S Version)
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$top/packaging/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH

if [ -z "$bin" ]; then
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	flags() { if [ -n "$debarch" ]; then CC=${cross}gcc dpkg-architecture -a"$debarch" -c dpkg-buildflags --get "$1"; else dpkg-buildflags --get "$1"; fi; }
	CFLAGS="$(flags CFLAGS) $(flags CPPFLAGS)"
	LDFLAGS=$(flags LDFLAGS)
	export CFLAGS LDFLAGS
	make -C "$top" --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" \
		ARCH="$makearch" BUILD="$builddir/rpm" STATIC_PKGS="$STATIC_PKGS" VERSION="$version" all >&2
	bin="$top/$builddir/rpm/bin"
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/work"
rm -rf "$work"
mkdir -p "$work/bin" "$work/tmp"
want=$([ "$rarch" = aarch64 ] && echo AArch64 || echo X86-64)
for b in shaobing-agent shaobing-collector shaobing; do
	[ -x "$bin/$b" ] || { echo "build-rpm: $bin/$b missing; build it first" >&2; exit 1; }
	readelf -h "$bin/$b" | grep -q "Machine:.*$want" ||
		{ echo "build-rpm: $bin/$b is not a $rarch program" >&2; exit 1; }
	# A package must not need what RPM systems lack (see STATIC_PKGS).
	if readelf -d "$bin/$b" | grep -E 'NEEDED.*(libinih|libpcap)'; then
		echo "build-rpm: $bin/$b links inih or libpcap dynamically; build without --bin" >&2
		exit 1
	fi
	install -m 0755 "$bin/$b" "$work/bin/$b"
	# Man pages from the programs' own --help tables; a cross-built
	# program cannot run here, the native build's has the same tables.
	mbin=$bin/$b
	[ -z "$cross" ] || mbin=$top/build/bin/$b
	[ -x "$mbin" ] || { echo "build-rpm: $mbin missing: the man pages are rendered by the native programs; run make first" >&2; exit 1; }
	for t in "$top"/packaging/man/"$b".[18].in; do
		m=$(basename "$t" .in)
		mkdir -p "$work/man"
		sh "$top/packaging/man/render.sh" "$mbin" "$t" "$version" >"$work/man/$m"
	done
	"${cross}strip" --remove-section=.comment --remove-section=.note --strip-unneeded "$work/bin/$b"
done

# The console's chart library and its licence, the files the .deb ships
# (scripts/console_vendor.sh: pinned version, sha512 checked; [server]
# console_vendor points at them), fetched into build/ like make deb does.
vendor=$top/build/console-vendor
sh "$top/scripts/console_vendor.sh" "$top/build" >&2
mkdir -p "$work/vendor"
for f in $(sh "$top/scripts/console_vendor.sh" --files); do
	install -m 0644 "$vendor/$f" "$work/vendor/$f"
done

# The spec with a %changelog from packaging/changelog's top entry.
spec="$work/shaobing.spec"
{
	cat "$top/packaging/rpm/shaobing.spec"
	echo
	echo "%changelog"
	printf '* %s %s - %s-1\n' \
		"$(date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %d %Y')" \
		"$(dpkg-parsechangelog -l "$top/packaging/changelog" -S Maintainer)" "$version"
	dpkg-parsechangelog -l "$top/packaging/changelog" -S Changes |
		sed -n 's/^  \* /- /p; s/^    /  /p' | sed 's/%/%%/g'
} >"$spec"

# xz payload as in the .debs (every rpm since 4.x reads it).
rpmbuild -bb --quiet --target "$rarch-linux" \
	--define "_topdir $work/top" \
	--define "_tmppath $work/tmp" \
	--define "_rpmdir $out" \
	--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
	--define "use_source_date_epoch_as_buildtime 1" \
	--define "clamp_mtime_to_source_date_epoch 1" \
	--define "_buildhost shaobing-build" \
	--define "_binary_payload w9.xzdio" \
	--define "sb_version $version" \
	--define "sb_bin $work/bin" \
	--define "sb_top $top" \
	--define "sb_man $work/man" \
	--define "sb_vendor $work/vendor" \
	--define "sb_static $STATIC_PKGS" \
	"$spec" >&2
rm -rf "$work"
for p in shaobing-agent shaobing-collector; do
	echo "$out/$p-$version-1.$rarch.rpm"
done
