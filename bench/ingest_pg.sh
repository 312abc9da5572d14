#!/bin/sh
# Ingest on PostgreSQL beside SQLite, one run each, same harness and
# batches (bench/ingest.sh): SQLite with group commit, PostgreSQL with
# one collector, PostgreSQL with two collectors on the one database (the
# clients split between them).  The database server runs on this machine
# (tests/pg.sh, fsync on).  Issue 19's target: two collectors on
# PostgreSQL >= 50,000 events/s for the site mix.  Writes
# bench/out/ingest_pg.txt.  Env as bench/ingest.sh (CLIENTS, BATCHES,
# BATCH_SIZE); BEFORE_GC and BEFORE_PG name build folders of older
# commits for reference rows first: the collector before group commit
# (d4db533^) and before the PostgreSQL store (bc4c00e).
set -eu
cd "$(dirname "$0")/.." || exit 1
TARGET=50000
fig() { awk -v k="$2" 'index($0, k) == 1 { print $NF }' "bench/out/$1.txt"; }
rows=""
# Older collectors for the "before" rows, when given: build folders of
# this tree at another commit (git worktree add; make build/bin/...).
if [ -n "${BEFORE_GC:-}" ]; then
	COLL=$BEFORE_GC/bin/shaobing-collector STORE=sqlite OUT=ingest_pg-gc0 \
	    sh bench/ingest.sh
	rows="SQLite, before group commit:ingest_pg-gc0"
fi
if [ -n "${BEFORE_PG:-}" ]; then
	COLL=$BEFORE_PG/bin/shaobing-collector STORE=sqlite OUT=ingest_pg-pg0 \
	    sh bench/ingest.sh
	rows="$rows${rows:+|}SQLite, before the PostgreSQL store:ingest_pg-pg0"
fi
STORE=sqlite COLLECTORS=1 OUT=ingest_pg-sqlite sh bench/ingest.sh
STORE=postgresql COLLECTORS=1 OUT=ingest_pg-pg1 sh bench/ingest.sh
STORE=postgresql COLLECTORS=2 OUT=ingest_pg-pg2 sh bench/ingest.sh
rows="$rows${rows:+|}SQLite, 1 collector:ingest_pg-sqlite|PostgreSQL, 1 collector:ingest_pg-pg1|PostgreSQL, 2 collectors:ingest_pg-pg2"
{
	echo "collector ingest by store, ${CLIENTS:-50} clients, ${BATCH_SIZE:-1000}-event batches, mTLS on loopback, durable ($(nproc) CPUs, database server on the same machine)"
	printf '%-36s %12s %12s %14s\n' "store" "scan ev/s" "mix ev/s" "mix / SQLite"
	s=$(fig ingest_pg-sqlite "shaobing-collector, site mix")
	IFS='|'
	for r in $rows; do
		name=${r%%:*} f=${r#*:}
		sc=$(fig "$f" "shaobing-collector, port scans")
		mx=$(fig "$f" "shaobing-collector, site mix")
		printf '%-36s %12s %12s %14s\n' "$name" "$sc" "$mx" \
		    "$(awk "BEGIN{printf \"%.2f\", $mx / $s}")"
	done
	unset IFS
	mx=$(fig ingest_pg-pg2 "shaobing-collector, site mix")
	printf 'target: PostgreSQL, 2 collectors, mix >= %d events/s: %s (ratio %s)\n' \
	    "$TARGET" "$mx" "$(awk "BEGIN{printf \"%.2f\", $mx / $TARGET}")"
} | tee bench/out/ingest_pg.txt
