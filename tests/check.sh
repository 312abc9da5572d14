#!/bin/sh
# make check: build; unit + e2e tests; fuzz for a bounded time; the same
# tests again on the ASan+UBSan build; one summary line at the end.
set -u
cd "$(dirname "$0")/.." || exit 1
COUNTS=$(mktemp)
export COUNTS
JOBS=$(nproc 2>/dev/null || echo 2)
fail_build=0

START=$(date +%s)
step() { printf '\n=== %s (at %ss) ===\n' "$*" "$(( $(date +%s) - START ))"; }

step "build (gcc -O2)"
make --no-print-directory -j"$JOBS" tests || { echo "not ok - build failed"; echo "0 1" >>"$COUNTS"; fail_build=1; }
if [ $fail_build = 0 ]; then
	step "unit tests"
	sh tests/run-unit.sh build
	step "end-to-end tests"
	sh tests/run-e2e.sh build
fi

# The arm64 cross build under qemu-aarch64 (tests/run-arm64.sh, about a
# minute); skipped, with a line saying so, without the cross toolchain.
step "arm64 build under qemu-aarch64"
sh tests/run-arm64.sh --if-installed

step "fuzz targets (${FUZZ_SECONDS:-3} s each)"
sh tests/fuzz/run.sh "${FUZZ_SECONDS:-3}" || true

step "build (ASan+UBSan)"
if make --no-print-directory -j"$JOBS" SANITIZE=1 tests; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	step "unit tests (ASan+UBSan)"
	sh tests/run-unit.sh build-san
	step "end-to-end tests (ASan+UBSan)"
	sh tests/run-e2e.sh build-san
else
	echo "not ok - sanitizer build failed"; echo "0 1" >>"$COUNTS"
fi

passed=$(awk '{ s += $1 } END { print s + 0 }' "$COUNTS")
failed=$(awk '{ s += $2 } END { print s + 0 }' "$COUNTS")
rm -f "$COUNTS"
echo
echo "# make check took $(( $(date +%s) - START )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
