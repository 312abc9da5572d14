#!/bin/sh
# Build every libFuzzer target (clang, -fsanitize=fuzzer,address,undefined)
# and run each for $1 seconds on its seed corpus.  Results as TAP lines;
# counts appended to $COUNTS when set.
set -u
SECS=${1:-20}
cd "$(dirname "$0")/../.." || exit 1
COUNTS=${COUNTS:-/dev/null}
if ! command -v clang >/dev/null 2>&1; then
	echo "# fuzz: skipped, clang is not installed (make deps installs it)"
	exit 0
fi
make --no-print-directory -s CC=clang BUILD=build-fuzz \
	OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	LDSAN="" WARN="-w" build-fuzz/lib/libcommon.a build-fuzz/lib/libprobes.a \
	build-fuzz/lib/libagent.a build-fuzz/lib/libcollector.a build-fuzz/lib/libcli.a >/dev/null || {
	echo "not ok - fuzz build failed"; echo "0 1" >>"$COUNTS"; exit 1; }
LIBS="build-fuzz/lib/libagent.a build-fuzz/lib/libcollector.a build-fuzz/lib/libcli.a build-fuzz/lib/libprobes.a build-fuzz/lib/libcommon.a"
PKGLIBS=$(pkg-config --libs libpcap openssl sqlite3 libcurl inih libevent libevent_openssl libevent_pthreads jansson zlib netsnmp xlsxwriter)
PKGCFLAGS=$(pkg-config --cflags libpcap openssl sqlite3 libcurl inih libevent jansson zlib)
mkdir -p build-fuzz/fuzz
rc=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	bin=build-fuzz/fuzz/$name
	if ! clang -std=c11 -D_GNU_SOURCE -O1 -g -I. $PKGCFLAGS \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o "$bin" "$src" $LIBS $PKGLIBS -lpthread -lm; then
		echo "not ok - $name: build failed"; echo "0 1" >>"$COUNTS"; rc=1; continue
	fi
	corpus=build-fuzz/corpus/$name
	mkdir -p "$corpus"
	seeds=tests/fuzz/seeds/$name
	log=build-fuzz/fuzz/$name.log
	if "$bin" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=1024 \
		"$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) >"$log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		[ -z "$execs" ] && execs=$(grep -oE '#[0-9]+' "$log" | tail -n 1 | tr -d '#')
		echo "ok - fuzz $name (${SECS}s, ${execs:-?} runs)"; echo "1 0" >>"$COUNTS"
	else
		echo "not ok - fuzz $name crashed; see $log"; tail -n 30 "$log"
		echo "0 1" >>"$COUNTS"; rc=1
	fi
done
exit $rc
