#!/bin/sh
# make check: build; unit + e2e tests (the store's unit tests and a set of
# e2e files on SQLite and again on a throw-away PostgreSQL cluster); fuzz
# for a bounded time; the same tests again on the ASan+UBSan build (the
# e2e files on SQLite only); one summary line at the end:
# "N passed, N failed, N skipped".  Under CI (CI=true) a skip is a
# failure (tests/tap-count.sh).
set -u
cd "$(dirname "$0")/.." || exit 1
COUNTS=$(mktemp)
export COUNTS
JOBS=$(nproc 2>/dev/null || echo 2)
fail_build=0

START=$(date +%s)
step() { printf '\n=== %s (at %ss) ===\n' "$*" "$(( $(date +%s) - START ))"; }

step "build (gcc -O2)"
make --no-print-directory -j"$JOBS" tests || { echo "not ok - build failed"; echo "0 1 0 0" >>"$COUNTS"; fail_build=1; }
step "lint"
sh tests/lint-bats.sh "$COUNTS"
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

step "fuzz targets (${FUZZ_SECONDS:-2} s each)"
sh tests/fuzz/run.sh "${FUZZ_SECONDS:-2}" || true	# counted in $COUNTS

step "build (ASan+UBSan)"
if make --no-print-directory -j"$JOBS" SANITIZE=1 tests; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	step "unit tests (ASan+UBSan)"
	sh tests/run-unit.sh build-san
	step "end-to-end tests (ASan+UBSan)"
	# The PostgreSQL pass of the e2e tests and migrate.bats (a cluster
	# of its own and a copy into it) run once, on the -O2 build above
	# (time); under ASan the unit tests cover both stores and the copy
	# (test_migrate).
	san_e2e=
	for f in tests/e2e/*.bats; do
		[ "$f" = tests/e2e/migrate.bats ] || san_e2e="$san_e2e $f"
	done
	PG_E2E= sh tests/run-e2e.sh build-san $san_e2e
else
	echo "not ok - sanitizer build failed"; echo "0 1 0 0" >>"$COUNTS"
fi

echo
echo "# make check took $(( $(date +%s) - START )) s"
sh tests/tap-summary.sh "$COUNTS"
st=$?
rm -f "$COUNTS"
exit $st
