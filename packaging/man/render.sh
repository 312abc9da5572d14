#!/bin/sh
# render.sh PROGRAM TEMPLATE VERSION: the man page TEMPLATE
# (packaging/man/NAME.in) with its @GENERATED@ line replaced by what
# `PROGRAM --man` prints (from the tables that print --help) and
# @VERSION@ by VERSION.  Used by the Makefile (make man) and build-deb.sh.
set -eu
[ $# -eq 3 ] || { echo "usage: render.sh PROGRAM TEMPLATE VERSION" >&2; exit 2; }
gen=$(mktemp)
trap 'rm -f "$gen"' EXIT
"$1" --man >"$gen"
[ -s "$gen" ] || { echo "render.sh: $1 --man printed nothing" >&2; exit 1; }
grep -qx '@GENERATED@' "$2" || { echo "render.sh: $2 has no @GENERATED@ line" >&2; exit 1; }
sed -e "/^@GENERATED@\$/{r $gen" -e 'd;}' -e "s/@VERSION@/$3/g" "$2"
