# Shared by the bench scripts (. bench/lib.sh): a nanosecond clock and the
# median of numbers.
ns() { date +%s%N; }
# median N...: the middle value (the lower middle of an even count).
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
