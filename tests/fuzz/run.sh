#!/bin/sh
# Build every libFuzzer target (clang, -fsanitize=fuzzer,address,undefined)
# and run each for $1 seconds on its committed corpus
# (tests/fuzz/seeds/fuzz_NAME/) plus what earlier runs found
# (build-fuzz/corpus/fuzz_NAME/).  Results as TAP lines; counts
# ("PASS FAIL SKIP SHARED") appended to $COUNTS when set.
#
# A target fails when it crashes, leaks, times out on an input, or runs
# fewer than FUZZ_MIN_RATE executions per second (default 200): a target
# that only gets through a few hundred inputs tests nothing, whatever its
# exit status.  Executions are libFuzzer's stat::number_of_executed_units
# (-print_final_stats=1); the seconds are the CPU time (user + system)
# the fuzzer used, so a machine busy with other work does not fail a
# target, while a target slow per input does.
# Missing clang: a note outside CI; a failure under CI (CI=true).
#
# Longer runs: make fuzz FUZZ_SECONDS=N.  Refresh a committed corpus:
# tests/fuzz/run.sh --merge NAME (keeps the inputs that add coverage).
set -u
cd "$(dirname "$0")/../.." || exit 1
MERGE=''
if [ "${1:-}" = "--merge" ]; then
	MERGE=$2
	set -- 1
fi
SECS=${1:-20}
MIN_RATE=${FUZZ_MIN_RATE:-200}
COUNTS=${COUNTS:-/dev/null}
if ! command -v clang >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "not ok - fuzz: clang is not installed (make deps installs it)"
		echo "0 1 0 0" >>"$COUNTS"
		exit 1
	fi
	echo "ok - fuzz # SKIP clang is not installed (make deps installs it)"
	echo "0 0 1 0" >>"$COUNTS"
	exit 0
fi
make --no-print-directory -s CC=clang BUILD=build-fuzz \
	OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	LDSAN="" WARN="-w" build-fuzz/lib/libcommon.a build-fuzz/lib/libprobes.a \
	build-fuzz/lib/libagent.a build-fuzz/lib/libcollector.a build-fuzz/lib/libcli.a >/dev/null || {
	echo "not ok - fuzz build failed"; echo "0 1 0 0" >>"$COUNTS"; exit 1; }
LIBS="build-fuzz/lib/libagent.a build-fuzz/lib/libcollector.a build-fuzz/lib/libcli.a build-fuzz/lib/libprobes.a build-fuzz/lib/libcommon.a"
PKGLIBS=$(pkg-config --libs libpcap openssl sqlite3 libcurl inih libevent libevent_openssl libevent_pthreads jansson zlib netsnmp gumbo xlsxwriter libpq)
PKGCFLAGS=$(pkg-config --cflags libpcap openssl sqlite3 libcurl inih libevent jansson zlib libpq)
mkdir -p build-fuzz/fuzz
# CPU=milliseconds (user + system) used so far by this shell's children
# (`times` in this shell: in a subshell it would see none).
TIMES=build-fuzz/fuzz/times
cpu_now() {
	times >"$TIMES"
	CPU=$(awk 'NR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
		printf "%d\n", t * 1000 }' "$TIMES")
}
rc=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	[ -n "$MERGE" ] && [ "$MERGE" != "$name" ] && continue
	bin=build-fuzz/fuzz/$name
	if ! clang -std=c11 -D_GNU_SOURCE -O1 -g -I. $PKGCFLAGS \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wall -Werror \
		-o "$bin" "$src" $LIBS $PKGLIBS -lpthread -lm; then
		echo "not ok - fuzz $name: build failed"; echo "0 1 0 0" >>"$COUNTS"; rc=1; continue
	fi
	corpus=build-fuzz/corpus/$name
	mkdir -p "$corpus"
	seeds=tests/fuzz/seeds/$name
	log=build-fuzz/fuzz/$name.log
	if [ -n "$MERGE" ]; then
		# -merge=1: the inputs among the seeds and what runs found that
		# add coverage.  The committed corpus keeps every seed it has
		# and takes the largest of the new ones, up to FUZZ_CORPUS_MAX
		# (40) files in all, so it stays small.
		mkdir -p "$seeds"
		new=$(mktemp -d)
		"$bin" -merge=1 -max_len=65536 "$new" "$seeds" "$corpus" >"$log" 2>&1 || {
			tail -n 20 "$log"; rm -rf "$new"; exit 1; }
		for f in "$seeds"/*; do
			[ -f "$f" ] && rm -f "$new/$(sha1sum <"$f" | cut -d' ' -f1)"
		done
		room=$(( ${FUZZ_CORPUS_MAX:-40} - $(ls "$seeds" | wc -l) ))
		[ "$room" -gt 0 ] && ls -S "$new" | head -n "$room" |
			while read -r f; do cp "$new/$f" "$seeds/$f"; done
		rm -rf "$new"
		echo "# $name: $(ls "$seeds" | wc -l) inputs in $seeds"
		exit 0
	fi
	[ -d "$seeds" ] || { echo "not ok - fuzz $name: no committed corpus $seeds"; echo "0 1 0 0" >>"$COUNTS"; rc=1; continue; }
	cpu_now; cpu0=$CPU
	if "$bin" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=1024 \
		-timeout=25 -print_final_stats=1 "$corpus" "$seeds" >"$log" 2>&1; then
		cpu_now; cpu=$((CPU - cpu0))
		[ "$cpu" -gt 0 ] || cpu=1
		execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
		if [ -z "$execs" ]; then
			echo "not ok - fuzz $name: no final stats in $log"; echo "0 1 0 0" >>"$COUNTS"; rc=1
		elif [ $((execs * 1000 / cpu)) -lt "$MIN_RATE" ]; then
			echo "not ok - fuzz $name: only $execs runs in ${SECS}s (${cpu} ms CPU: $((execs * 1000 / cpu))/s, at least $MIN_RATE/s)"
			echo "0 1 0 0" >>"$COUNTS"; rc=1
		else
			echo "ok - fuzz $name (${SECS}s, $execs runs, $((execs * 1000 / cpu)) per CPU second)"; echo "1 0 0 0" >>"$COUNTS"
		fi
	else
		echo "not ok - fuzz $name crashed; see $log"; tail -n 30 "$log"
		echo "0 1 0 0" >>"$COUNTS"; rc=1
	fi
done
exit $rc
