#!/bin/sh
# Read TAP on stdin, echo it, and append "PASS FAIL SKIP SHARED" to file $1
# (SHARED: how many of the skips were for an absent ../shared).
#
# - "ok ... # skip" (bats) and "not ok ... # SKIP" (cmocka) are skips,
#   neither passed nor failed.
# - A plan ("1..N") that the results do not match, or no result at all,
#   is a failure.
# - A sanitizer report anywhere in the stream (AddressSanitizer,
#   LeakSanitizer, UndefinedBehaviorSanitizer "runtime error:") is a
#   failure, even when every test said "ok".
# - Under CI (CI=true) every skip is a failure, the shared captures' too:
#   ../shared/README.md says CI always has them.  Outside CI the tests
#   that read them skip cleanly where ../shared is absent; such skip
#   messages start with exactly the prefix below and are counted apart.
SHARED_PREFIX='../shared absent:'
awk -v out="$1" -v ci="${CI:-}" -v shared="$SHARED_PREFIX" '
	function skipreason(line,   i) {
		i = index(tolower(line), "# skip")
		return i ? substr(line, i + 6) : ""
	}
	{ print; fflush() }
	/^1\.\.[0-9]+/ { plan += substr($0, 4) + 0; planned = 1; next }
	/^(ok|not ok) / && tolower($0) ~ /# skip/ {
		n++
		r = skipreason($0); sub(/^[ (]+/, "", r)
		if (ci == "true") {
			print "not ok - skipped under CI (CI=true allows no skip): " $0
			f++; next
		}
		if (index(r, shared) == 1) { s++; sh++; next }
		s++; next
	}
	/^ok / { p++; n++; next }
	/^not ok / { f++; n++; next }
	/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer/ {
		if (!san) { print "not ok - sanitizer report in the output above"; f++; san = 1 }
	}
	END {
		if (planned && n != plan) {
			printf "not ok - plan was 1..%d but %d results came\n", plan, n
			f++
		} else if (!planned && n == 0) {
			print "not ok - no TAP plan and no results"
			f++
		}
		printf "%d %d %d %d\n", p + 0, f + 0, s + 0, sh + 0 >> out
	}'
