#!/bin/sh
# bench/migrate: `shaobing-collector --migrate-store` of a realistic year
# of 1,000 machines (bench/export_gen, as bench/export.sh: uptime
# intervals, 100,000 events, 2,000 incidents) from its SQLite file into
# PostgreSQL (a throw-away cluster, tests/pg.sh, fsync on, on this same
# machine, always stopped), beside the same copy into a second SQLite file
# as the reference.  Reports the wall time, rows/s and the ratio.  No
# target in the issue: the copy runs once per office, collectors stopped.
set -eu
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
BUILD=${BUILD:-build}
BIN=$BUILD/bin
GEN=$BUILD/bench/export_gen
OUT=bench/out/migrate.txt
MACHINES=${MACHINES:-1000}
[ -x "$GEN" ] || { echo "migrate: build first: make benches BUILD=$BUILD"; exit 1; }
mkdir -p bench/out
T=$(mktemp -d /tmp/shaobing-bench-migrate.XXXXXX)
# Under /tmp with its own name: the server's user must reach it.
PG=$(mktemp -d /tmp/sb-pg-bench.XXXXXX)
cleanup() { sh tests/pg.sh stop "$PG" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$GEN" --machines "$MACHINES" --year 2025 "$T/c.db" 2>"$T/gen.log"
rows=$(sqlite3 "$T/c.db" "SELECT sum(n) FROM (
	SELECT count(*) AS n FROM agents UNION ALL SELECT count(*) FROM events
	UNION ALL SELECT count(*) FROM uptime UNION ALL SELECT count(*) FROM incidents
	UNION ALL SELECT count(*) FROM availability UNION ALL SELECT count(*) FROM findings)")

# migrate TO: seconds of one copy (its summary must say ok throughout).
migrate() {
	t0=$(ns)
	"$BIN/shaobing-collector" --migrate-store "sqlite://$T/c.db" "$1" \
		>"$T/summary" 2>"$T/migrate.log" || { cat "$T/migrate.log" "$T/summary" >&2; exit 1; }
	t1=$(ns)
	if grep -q MISMATCH "$T/summary"; then cat "$T/summary" >&2; exit 1; fi
	echo "scale=2; ($t1 - $t0) / 1000000000" | bc
}

sqlite_s=$(migrate "sqlite://$T/to.db")
sh tests/pg.sh start "$PG" >/dev/null
pg_s=$(migrate "$(sh tests/pg.sh newdb "$PG" bench_migrate)")
{
	echo "--migrate-store of a year, $MACHINES machines ($rows rows), SQLite -> SQLite (reference) and -> PostgreSQL (same machine, fsync on)"
	printf '%-36s %12s %12s %8s\n' "figure" "PostgreSQL" "SQLite" "ratio"
	printf '%-36s %12s %12s %8s\n' "wall time (s)" "$pg_s" "$sqlite_s" \
		"$(echo "scale=2; $pg_s / $sqlite_s" | bc)"
	printf '%-36s %12s %12s %8s\n' "rows/s" "$(echo "$rows / $pg_s" | bc)" \
		"$(echo "$rows / $sqlite_s" | bc)" "$(echo "scale=2; $sqlite_s / $pg_s" | bc)"
} | tee "$OUT"
