#!/bin/sh
# bench/export: `shaobing export --year` of a realistic year for 1,000
# machines (bench/export_gen: 60 s heartbeats coalesced into intervals
# with gaps and outages, 100,000 events, 2,000 incidents, through the real
# store), on SQLite and on PostgreSQL side by side (issue 19: indicators
# on both backends; PostgreSQL is a throw-away cluster on this machine,
# tests/pg.sh, fsync on).  Measures the wall time and peak RSS of the
# export (the CLI, and the collector's growth while it computes), and the
# store's size.  Targets (issue 7): at most 2 s and 100 MB; the
# PostgreSQL column's ratio is to SQLite's figure.
# Env: BUILD, MACHINES (1000), STORES ("sqlite postgresql"; PostgreSQL is
# left out with a note when it is not installed).
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
GEN=$BUILD/bench/export_gen
OUT=bench/out/export.txt
MACHINES=${MACHINES:-1000}
STORES=${STORES:-sqlite postgresql}
YEAR=2025
mkdir -p bench/out
[ -x "$GEN" ] || { echo "export: build first: make benches BUILD=$BUILD"; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "export: needs /usr/bin/time (Debian: time)"; exit 1; }
T=$(mktemp -d /tmp/shaobing-bench-export.XXXXXX)
CPID=""
pgdir=""
cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null
	wait 2>/dev/null
	[ -z "$pgdir" ] || sh tests/pg.sh stop "$pgdir"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$BIN/shaobing" ca init "$T/pki" >/dev/null
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# One store: generate the year into it, start a collector on it, export
# twice.  Leaves its figures in $T/$1.fig (name value lines).
run() {
	store=$1 D=$T/$1
	mkdir -p "$D"
	if [ "$store" = postgresql ]; then
		url=$(sh tests/pg.sh newdb "$pgdir" bench_export)
		q() { psql -X -q -At -F '|' "$url" -c "$1"; }
		size() { q 'SELECT pg_database_size(current_database())'; }
	else
		url=sqlite://$D/c.db
		q() { sqlite3 "$D/c.db" "$1"; }
		size() { stat -c %s "$D/c.db"; }
	fi
	echo "export ($store): generating a year of $MACHINES machines ..."
	gen_t0=$(date +%s.%N)
	"$GEN" --machines "$MACHINES" --year $YEAR "$url" 2>"$D/gen.log" ||
		{ cat "$D/gen.log"; exit 1; }
	gen_t1=$(date +%s.%N)
	SP=$(port)
	cat >"$D/c.ini" <<INI
[server]
listen = 127.0.0.1:$SP
cert = $T/pki/server.crt
key = $T/pki/server.key
ca = $T/pki/ca.crt
[store]
url = $url
[admin]
socket = $D/admin.sock
[schedule]
always = srv-*
INI
	"$BIN/shaobing-collector" -f -c "$D/c.ini" 2>"$D/collector.log" &
	CPID=$!
	i=0
	until curl -sf --unix-socket "$D/admin.sock" http://localhost/api/v1/health >/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$D/collector.log"; exit 1; }
		sleep 0.1
	done
	hwm() { awk '/VmHWM/ {print $2}' "/proc/$CPID/status"; }
	before=$(hwm)
	echo "export ($store): exporting ..."
	/usr/bin/time -f '%e %M' -o "$D/time" "$BIN/shaobing" --admin "unix:$D/admin.sock" \
		export --year $YEAR --out "$D/export" >"$D/export.log"
	after=$(hwm)
	read -r secs cli_kb <"$D/time"
	# A second run: warm caches, the figure an admin sees the next time.
	/usr/bin/time -f '%e %M' -o "$D/time2" "$BIN/shaobing" --admin "unix:$D/admin.sock" \
		export --year $YEAR --out "$D/export2" >/dev/null
	read -r secs2 cli_kb2 <"$D/time2"
	kill "$CPID"
	wait "$CPID" 2>/dev/null || true
	CPID=""
	{
		echo "rows $(q 'SELECT (SELECT count(*) FROM uptime), (SELECT count(*) FROM events), (SELECT count(*) FROM incidents)' | tr ' ' '|')"
		echo "secs $secs"
		echo "secs2 $secs2"
		echo "cli_mb $(echo "scale=1; $cli_kb / 1024" | bc)"
		echo "coll_mb $(echo "scale=1; $after / 1024" | bc)"
		echo "before_mb $(echo "scale=1; $before / 1024" | bc)"
		echo "size_mb $(echo "scale=1; $(size) / 1048576" | bc)"
		echo "files_kb $(du -sk "$D/export" | cut -f1)"
		echo "gen_s $(echo "scale=1; ($gen_t1 - $gen_t0) / 1" | bc)"
	} >"$T/$store.fig"
}

# The figure name of a store ("-" when that store did not run).
fig() { [ -f "$T/$1.fig" ] && awk -v k="$2" '$1 == k { print $2 }' "$T/$1.fig" || echo -; }
ratio() { case "$1$2" in *-*) echo - ;; *) awk "BEGIN{printf \"%.2f\", $1 / $2}" ;; esac; }

for s in $STORES; do
	if [ "$s" = postgresql ]; then
		# Its own folder: the postgres user must reach it.
		pgdir=$(mktemp -d /tmp/shaobing-bench-export-pg.XXXXXX)
		rc=0
		sh tests/pg.sh start "$pgdir" >/dev/null || rc=$?
		if [ $rc = 77 ]; then
			echo "export: PostgreSQL is not installed (tests/pg.sh): SQLite only"
			rmdir "$pgdir"
			pgdir=""
			continue
		fi
		[ $rc = 0 ] || { echo "export: tests/pg.sh could not start PostgreSQL"; exit 1; }
	fi
	run "$s"
done

# The same export on both stores must give the same files.
same="-"
if [ -d "$T/sqlite/export" ] && [ -d "$T/postgresql/export" ]; then
	# The files' generation times differ, nothing else may.
	if diff -r -I generated "$T/sqlite/export" "$T/postgresql/export" >"$T/diff"; then
		same="identical"
	else
		cp "$T/diff" bench/out/export-diff.txt
		same="DIFFERENT ($(wc -l <"$T/diff") diff lines: bench/out/export-diff.txt)"
	fi
fi
{
	echo "export of a year, $MACHINES machines, SQLite and PostgreSQL (uptime|events|incidents rows: $(fig sqlite rows) / $(fig postgresql rows))"
	printf '%-42s %10s %10s %7s %10s %7s\n' "figure" "SQLite" "target" "ratio" "PostgreSQL" "PG/SQL"
	line() { # LABEL NAME TARGET
		a=$(fig sqlite "$2") b=$(fig postgresql "$2")
		if [ -n "$3" ]; then
			printf '%-42s %10s %10s %7s %10s %7s\n' "$1" "$a" "$3" "$(ratio "$a" "$3")" "$b" "$(ratio "$b" "$a")"
		else
			printf '%-42s %10s %10s %7s %10s %7s\n' "$1" "$a" "" "" "$b" "$(ratio "$b" "$a")"
		fi
	}
	line "export wall time, first run (s)" secs 2
	line "export wall time, second run (s)" secs2 2
	line "shaobing (CLI) peak RSS (MB)" cli_mb 100
	line "collector peak RSS incl. export (MB)" coll_mb 100
	line "collector peak RSS before the export (MB)" before_mb ""
	line "store size on disk (MB)" size_mb ""
	line "export files (KB)" files_kb ""
	line "generating the year (s, not a target)" gen_s ""
	echo "export files of the two stores: $same"
} | tee "$OUT.new"
mv "$OUT.new" "$OUT"
