#!/bin/sh
# Collector ingest: events stored per second, 1,000-event batches from 50
# concurrent agents over mTLS on loopback, durable (WAL, synchronous=FULL,
# the database on disk, not tmpfs).  Reference: issue 19's targets
# (below), and the in-process store ceiling (decode + insert, no
# HTTP/TLS, no hooks) on the same disk.  Two runs of the real collector:
# port scans (MIX=scan: info ones no hook touches, high ones folded into
# incidents) and a site's mix (MIX=mixed: availability samples, findings,
# folded detections; see bench/ingest.c).  Writes bench/out/ingest.txt.
#
# Env: BUILD (default build), CLIENTS (50), BATCHES per client (20),
# BATCH_SIZE (1000); STORE=postgresql runs the collectors on a throw-away
# PostgreSQL cluster (tests/pg.sh, fsync on, on this machine) instead of
# SQLite, COLLECTORS=2 runs two collectors on the one database (clients
# split between them); OUT names the figures file (default ingest);
# KEEP=1 keeps the temp folder (collector logs) for a look afterwards;
# MIXES=mixed makes only that run (for a profile);
# COLL runs another collector binary (an older build, for a figure
# before a change: keys it does not know are left out of its
# configuration, [store] url becomes the old path).
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
CLIENTS=${CLIENTS:-50}
BATCHES=${BATCHES:-20}
BATCH_SIZE=${BATCH_SIZE:-1000}
STORE=${STORE:-sqlite}
COLLECTORS=${COLLECTORS:-1}
OUT=${OUT:-ingest}
# Issue 19's targets: SQLite 100,000 events/s for scans and 80,000 for
# the mix; PostgreSQL (two collectors) 50,000 for the mix.
if [ "$STORE" = postgresql ]; then T_SCAN=50000 T_MIX=50000; else T_SCAN=100000 T_MIX=80000; fi
COLL=${COLL:-$BUILD/bin/shaobing-collector}
ING=$BUILD/bench/ingest
[ -x "$COLL" ] && [ -x "$ING" ] || make --no-print-directory BUILD="$BUILD" "$COLL" "$ING" >/dev/null
# /var/tmp is on disk on Debian; /tmp may be tmpfs, which would not be durable.
T=$(mktemp -d /var/tmp/shaobing-bench-ingest.XXXXXX)
pids=""
pgdir=""
cleanup() {
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait 2>/dev/null
	[ -z "$pgdir" ] || sh tests/pg.sh stop "$pgdir"
	if [ -n "${KEEP:-}" ]; then echo "ingest: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ROOT=$PWD
if [ "$STORE" = postgresql ]; then
	pgdir=$T/pg
	# The server (the postgres user, when run as root) reaches into it.
	chmod 0711 "$T"
	[ -z "${PGSTAT:-}" ] || export PG_CONF_EXTRA="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all"
	sh tests/pg.sh start "$pgdir" >/dev/null
	[ -z "${PGSTAT:-}" ] || runuser -u postgres -- psql -X -q -h "$pgdir/run" \
		-p "$(cat "$pgdir/pg.port")" -d template1 \
		-c "CREATE EXTENSION pg_stat_statements"
fi

# Certificates with the openssl command line: CA, server, one per agent.
cd "$T"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -subj "/CN=bench CA" -days 2 -out ca.crt \
	-addext basicConstraints=critical,CA:true 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext
printf 'extendedKeyUsage=clientAuth\n' >cli.ext
mk() { # NAME EXT
	openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null
	openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -out "$1.crt" -extfile "$2" 2>/dev/null
}
mk server srv.ext
i=0
while [ $i -lt "$CLIENTS" ]; do mk "$(printf 'bench-%02d' $i)" cli.ext; i=$((i + 1)); done
cd - >/dev/null

PORT=$((20000 + $$ % 20000))
want=$((CLIENTS * BATCHES * BATCH_SIZE))
# One run of the real collector (default configuration: every ingest hook
# registered) on a fresh store: MIX=scan or mixed (see bench/ingest.c).
# Sets rate; fails unless every event is stored exactly once.
run_https() {
	rm -f "$T"/collector.db* "$T"/admin*.sock
	if [ "$STORE" = postgresql ]; then
		url=$(sh "$ROOT/tests/pg.sh" newdb "$pgdir" "bench_$1_$$")
		q() { psql -X -q -At -F ' ' "$url" -c "$1"; }
	else
		url=sqlite://$T/collector.db
		q() { sqlite3 -separator ' ' "$T/collector.db" "$1"; }
	fi
	urls=""
	c=0
	while [ $c -lt "$COLLECTORS" ]; do
		cat >"$T/c$c.ini" <<INI
[server]
listen = 127.0.0.1:$((PORT + c))
cert = $T/server.crt
key = $T/server.key
ca = $T/ca.crt
max_connections = 1024
rate = 1000000
; all clients connect from 127.0.0.1 at once, as agents behind one NAT
unverified_per_address = $((CLIENTS + 8))
[store]
url = $url
[admin]
socket = $T/admin$c.sock
[log]
level = warn
INI
		# An older collector: without the keys it does not know
		# (--check-config names the first).
		for _ in 1 2 3; do
			why=$("$COLL" --check-config -c "$T/c$c.ini" 2>&1 || true)
			case $why in
			*"unknown key 'url'"*)
				sed -i 's|^url = sqlite://|path = |' "$T/c$c.ini" ;;
			*"unknown key 'unverified_per_address'"*)
				sed -i '/^unverified_per_address/d' "$T/c$c.ini" ;;
			*) break ;;
			esac
		done
		"$COLL" -f -c "$T/c$c.ini" 2>"$T/collector$c.log" &
		pids="$pids $!"
		n=0
		until curl -s -o /dev/null --cacert "$T/ca.crt" "https://127.0.0.1:$((PORT + c))/api/v1/health"; do
			n=$((n + 1)); [ $n -gt 300 ] && { cat "$T/collector$c.log"; echo "collector did not start"; exit 1; }
			sleep 0.1
		done
		urls="$urls${urls:+,}https://127.0.0.1:$((PORT + c))/api/v1/events"
		c=$((c + 1))
	done
	echo "ingest ($1, $STORE, $COLLECTORS collector(s)): $CLIENTS clients x $BATCHES batches x $BATCH_SIZE events over mTLS (durable) ..."
	out=$(MIX=$1 "$ING" https "$urls" "$T" "$CLIENTS" "$BATCHES" "$BATCH_SIZE")
	rate=$(echo "$out" | awk '{print $6}')
	kill $pids; wait $pids 2>/dev/null || true; pids=""
	# PGSTAT=1: where the database spent its time, by statement.
	if [ "$STORE" = postgresql ] && [ -n "${PGSTAT:-}" ]; then
		q "SELECT calls, rows, round(total_exec_time) AS ms,
		    left(regexp_replace(query, '\\s+', ' ', 'g'), 110)
		    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM
		    pg_database WHERE datname = current_database())
		    ORDER BY total_exec_time DESC LIMIT 25"
	fi
	# Every event must be in the store exactly once: count the agents'
	# rows (seq >= 1; derived events have negative seqs) and their
	# distinct (agent, seq) in the database itself, and each agent's seqs
	# must be exactly 1..BATCHES*BATCH_SIZE.
	set -- $(q "
		SELECT count(*), count(DISTINCT agent_id || ':' || seq),
		    count(DISTINCT agent_id), min(seq), max(seq)
		FROM events WHERE seq >= 1")
	rows=$1 distinct=$2 agents=$3 lo=$4 hi=$5
	[ "$rows" -eq "$want" ] && [ "$distinct" -eq "$want" ] &&
		[ "$agents" -eq "$CLIENTS" ] && [ "$lo" -eq 1 ] &&
		[ "$hi" -eq $((BATCHES * BATCH_SIZE)) ] || {
		echo "ingest: store holds $rows rows, $distinct distinct (agent, seq), $agents agents, seqs $lo..$hi; expected $want, $want, $CLIENTS, 1..$((BATCHES * BATCH_SIZE))"
		exit 1
	}
}
# MIXES: the runs to make (a profile of one of them); one left out
# shows as 0.
MIXES=${MIXES:-scan mixed}
rate_scan=0 rate_mixed=0
case " $MIXES " in *" scan "*) run_https scan; rate_scan=$rate ;; esac
case " $MIXES " in *" mixed "*) run_https mixed; rate_mixed=$rate ;; esac

echo "ingest: same batches stored in-process (no HTTP/TLS) ..."
dout=$("$ING" direct "$T/direct.db" - "$CLIENTS" "$BATCHES" "$BATCH_SIZE")
drate=$(echo "$dout" | awk '{print $6}')

mkdir -p bench/out
{
	echo "collector ingest, $CLIENTS clients, $BATCH_SIZE-event batches, mTLS on loopback, durable ($(nproc) CPUs), store $STORE, $COLLECTORS collector(s)"
	printf '%-44s %12s\n' "figure" "events/s"
	printf '%-44s %12s\n' "shaobing-collector, port scans (MIX=scan)" "$rate_scan"
	printf '%-44s %12s\n' "shaobing-collector, site mix (MIX=mixed)" "$rate_mixed"
	printf '%-44s %12s\n' "target, scans (issue 19)" "$T_SCAN"
	printf '%-44s %12s\n' "target, mix (issue 19)" "$T_MIX"
	printf '%-44s %12s\n' "store alone, in-process, no hooks (ceiling)" "$drate"
	printf '%-44s %12s\n' "ratio scan / target" "$(awk "BEGIN{printf \"%.2f\", $rate_scan / $T_SCAN}")"
	printf '%-44s %12s\n' "ratio mixed / target" "$(awk "BEGIN{printf \"%.2f\", $rate_mixed / $T_MIX}")"
	printf '%-44s %12s\n' "ratio scan / store ceiling" "$(awk "BEGIN{printf \"%.2f\", $rate_scan / $drate}")"
	echo "stored exactly once in both runs (rows and distinct (agent, seq) counted in the database): $want of $want"
} | tee bench/out/$OUT.txt
