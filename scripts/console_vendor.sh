#!/bin/sh
# Fetch the web console's chart library, Apache ECharts, from the npm
# registry into BUILD/console-vendor/ (never committed): the version is
# pinned and the tarball's sha512 checked against the integrity below
# before anything is unpacked.  The collector serves the three files
# itself under /console/vendor/ ([server] console_vendor; no CDN), the
# .deb installs them in /usr/share/shaobing/console/.
#   sh scripts/console_vendor.sh [BUILD]      (make console-vendor)
#   sh scripts/console_vendor.sh --files      the files it makes, one a line
#   sh scripts/console_vendor.sh --version    the pinned version
# (the packages install exactly --files; packaging/copyright lists them).
# To move to another version: `npm view echarts@X dist.integrity`, then
# change both lines below.
set -eu
ECHARTS_VERSION=5.6.0
ECHARTS_INTEGRITY=sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==
FILES="echarts.min.js LICENSE-echarts.txt NOTICE-echarts.txt"
case "${1:-}" in
--files) printf '%s\n' $FILES; exit 0 ;;
--version) echo "$ECHARTS_VERSION"; exit 0 ;;
esac

cd "$(dirname "$0")/.."
build=${1:-build}
out=$build/console-vendor
stamp=$out/.echarts-$ECHARTS_VERSION
[ -f "$stamp" ] && [ -f "$out/echarts.min.js" ] && exit 0
command -v npm >/dev/null || {
	echo "console-vendor: npm not found; install it (scripts/deps.sh: npm) or the console has no charts" >&2
	exit 1
}
work=$build/npm
rm -rf "$work"
mkdir -p "$work" "$out"
# npm's own cache and config stay inside the build folder.
npm_config_cache=$PWD/$work/cache npm pack --silent --pack-destination "$work" \
	"echarts@$ECHARTS_VERSION" >/dev/null
tgz=$work/echarts-$ECHARTS_VERSION.tgz
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$ECHARTS_INTEGRITY" ]; then
	echo "console-vendor: $tgz: sha512 is $got, expected $ECHARTS_INTEGRITY; refusing it" >&2
	exit 1
fi
tar -xzf "$tgz" -C "$work" package/dist/echarts.min.js package/LICENSE package/NOTICE
cp "$work/package/dist/echarts.min.js" "$out/echarts.min.js"
cp "$work/package/LICENSE" "$out/LICENSE-echarts.txt"
cp "$work/package/NOTICE" "$out/NOTICE-echarts.txt"
rm -f "$out"/.echarts-*
echo "Apache ECharts $ECHARTS_VERSION from the npm registry, $ECHARTS_INTEGRITY" >"$stamp"
echo "console-vendor: Apache ECharts $ECHARTS_VERSION in $out (sha512 checked)"
