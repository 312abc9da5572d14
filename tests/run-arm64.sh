#!/bin/sh
# make check-arm64: cross-build for arm64 (make ARCH=arm64) and run a set
# of unit tests and tests/arm64/*.bats under qemu-aarch64 user emulation,
# started explicitly (binfmt_misc is often missing in containers) with
# the arm64 multiarch libraries.  The amd64 build (build/) is made too:
# the e2e tests compare against it and use its collector.
#
# usage: sh tests/run-arm64.sh [--if-installed]
#   --if-installed  skip quietly (exit 0, nothing counted) when the cross
#                   toolchain or qemu is missing; make check uses this.
# Counts go to $COUNTS like the other runners.
set -u
cd "$(dirname "$0")/.." || exit 1
# Called from make: our own make calls choose ARCH themselves.
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH
COUNTS=${COUNTS:-$(mktemp)}
JOBS=$(nproc 2>/dev/null || echo 2)
START=$(date +%s)

# Unit test binaries run under qemu: the ones about bytes on the wire and
# on disk (decoders, parsers, spool, store, PKI), where word size, byte
# order, alignment or char signedness would show.  All of them take ~4
# minutes emulated; these take under one.
UNITS_ARM64="test_decode test_detect test_tls_parse test_inventory test_inventory_diff
test_spool test_event test_conf test_pki test_agent test_ports test_store test_db"

missing=""
for t in aarch64-linux-gnu-gcc aarch64-linux-gnu-pkg-config qemu-aarch64; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -z "$missing" ]; then
	# libevent: see the Makefile (its arm64 runtime libraries are enough).
	[ -e /usr/lib/aarch64-linux-gnu/libevent-2.1.so.7 ] || missing="$missing libevent-2.1-7:arm64"
	[ -e /usr/lib/aarch64-linux-gnu/libpq.so.5 ] || missing="$missing libpq5:arm64"
	for p in libpcap openssl sqlite3 libcurl inih jansson zlib cmocka; do
		aarch64-linux-gnu-pkg-config --exists "$p" || missing="$missing $p(arm64)"
	done
fi
if [ -n "$missing" ]; then
	if [ "${1:-}" = --if-installed ]; then
		echo "# arm64: skipped, not installed:$missing (make deps ARCH=arm64)"
		exit 0
	fi
	echo "run-arm64: missing:$missing; install with: make deps ARCH=arm64" >&2
	echo "0 1" >>"$COUNTS"
	exit 1
fi

fail() { echo "not ok - $*"; echo "0 1" >>"$COUNTS"; exit 1; }
make --no-print-directory -j"$JOBS" ARCH= all >/dev/null || fail "amd64 build failed"
make --no-print-directory -j"$JOBS" ARCH=arm64 all $(for u in $UNITS_ARM64; do printf 'build-arm64/tests/%s ' "$u"; done) ||
	fail "arm64 cross build (make ARCH=arm64) failed"

# The emulator, explicitly, with the multiarch arm64 libraries of this
# machine (libc6:arm64 and the rest in /usr/lib/aarch64-linux-gnu,
# /lib/ld-linux-aarch64.so.1).  Not -L /usr/aarch64-linux-gnu: with the
# cross toolchain's libc there, qemu 7.2 (Debian 12) hangs in the first
# pthread_create (a three-line test program does too).
QEMU_LD_PREFIX=/
export QEMU_LD_PREFIX
[ -e /lib/ld-linux-aarch64.so.1 ] || fail "libc6:arm64 missing (make deps ARCH=arm64)"
wrap=$PWD/build-arm64/qemu-bin
mkdir -p "$wrap"
for b in shaobing-agent shaobing-collector shaobing; do
	printf '#!/bin/sh\nexec qemu-aarch64 -L %s %s "$@"\n' \
		"$QEMU_LD_PREFIX" "$PWD/build-arm64/bin/$b" >"$wrap/$b"
	chmod 0755 "$wrap/$b"
done

echo "# arm64: unit tests under qemu-aarch64"
# The PostgreSQL halves (test_db) against a throw-away cluster, always
# stopped (tests/pg-env.sh).
pgdir=$(mktemp -d /tmp/sb-arm64-pg.XXXXXX)
trap 'sh tests/pg.sh stop "$pgdir"' EXIT
trap 'exit 1' INT TERM HUP
. tests/pg-env.sh
export CMOCKA_MESSAGE_OUTPUT=TAP
export SHAOBING_TESTDATA="$PWD/tests/data"
export SHAOBING_SHARED="${SHAOBING_SHARED:-$(cd .. && pwd)/shared}"
for u in $UNITS_ARM64; do
	echo "# unit (arm64): $u"
	qemu-aarch64 -L "$QEMU_LD_PREFIX" "build-arm64/tests/$u" 2>&1 | sh tests/tap-count.sh "$COUNTS"
	if [ "$(tail -n 1 "$COUNTS")" = "0 0" ]; then
		echo "not ok - arm64 $u produced no results"
		sed -i '$d' "$COUNTS"; echo "0 1" >>"$COUNTS"
	fi
done

echo "# arm64: end-to-end tests under qemu-aarch64"
SHAOBING_BIN="$PWD/build/bin" SHAOBING_BUILD="$PWD/build" SHAOBING_ROOT="$PWD" \
SHAOBING_ARM64_BIN="$wrap" SHAOBING_ARM64_REAL="$PWD/build-arm64/bin" \
	bats --tap tests/arm64/*.bats 2>&1 | sh tests/tap-count.sh "$COUNTS"
echo "# make check-arm64 took $(( $(date +%s) - START )) s"
