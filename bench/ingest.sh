#!/bin/sh
# Collector ingest: events stored per second, 1,000-event batches from 50
# concurrent agents over mTLS on loopback, durable (WAL, synchronous=FULL,
# the database on disk, not tmpfs).  Reference: the issue's target of
# 50,000 events/s, and the in-process store ceiling (decode + insert, no
# HTTP/TLS, no hooks) on the same disk.  Two runs of the real collector:
# port scans (MIX=scan: info ones no hook touches, high ones folded into
# incidents) and a site's mix (MIX=mixed: availability samples, findings,
# folded detections; see bench/ingest.c).  Writes bench/out/ingest.txt.
#
# Env: BUILD (default build), CLIENTS (50), BATCHES per client (20),
# BATCH_SIZE (1000).
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
CLIENTS=${CLIENTS:-50}
BATCHES=${BATCHES:-20}
BATCH_SIZE=${BATCH_SIZE:-1000}
TARGET=50000
COLL=$BUILD/bin/shaobing-collector
ING=$BUILD/bench/ingest
[ -x "$COLL" ] && [ -x "$ING" ] || make --no-print-directory BUILD="$BUILD" "$COLL" "$ING" >/dev/null
# /var/tmp is on disk on Debian; /tmp may be tmpfs, which would not be durable.
T=$(mktemp -d /var/tmp/shaobing-bench-ingest.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

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
	rm -f "$T"/collector.db* "$T/admin.sock"
	cat >"$T/c.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
cert = $T/server.crt
key = $T/server.key
ca = $T/ca.crt
max_connections = 1024
rate = 1000000
; all clients connect from 127.0.0.1 at once, as agents behind one NAT
unverified_per_address = $((CLIENTS + 8))
[store]
path = $T/collector.db
[admin]
socket = $T/admin.sock
[log]
level = warn
INI
	"$COLL" -f -c "$T/c.ini" 2>"$T/collector.log" &
	pid=$!
	n=0
	until curl -s -o /dev/null --cacert "$T/ca.crt" "https://127.0.0.1:$PORT/api/v1/health"; do
		n=$((n + 1)); [ $n -gt 100 ] && { cat "$T/collector.log"; echo "collector did not start"; exit 1; }
		sleep 0.1
	done
	echo "ingest ($1): $CLIENTS clients x $BATCHES batches x $BATCH_SIZE events over mTLS (durable) ..."
	out=$(MIX=$1 "$ING" https "https://127.0.0.1:$PORT/api/v1/events" "$T" "$CLIENTS" "$BATCHES" "$BATCH_SIZE")
	rate=$(echo "$out" | awk '{print $6}')
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
	# Every event must be in the store exactly once: count the agents'
	# rows (seq >= 1; derived events have negative seqs) and their
	# distinct (agent, seq) in the database itself, and each agent's seqs
	# must be exactly 1..BATCHES*BATCH_SIZE.
	set -- $(sqlite3 -separator ' ' "$T/collector.db" "
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
run_https scan
rate_scan=$rate
run_https mixed
rate_mixed=$rate

echo "ingest: same batches stored in-process (no HTTP/TLS) ..."
dout=$("$ING" direct "$T/direct.db" - "$CLIENTS" "$BATCHES" "$BATCH_SIZE")
drate=$(echo "$dout" | awk '{print $6}')

mkdir -p bench/out
{
	echo "collector ingest, $CLIENTS clients, $BATCH_SIZE-event batches, mTLS on loopback, durable ($(nproc) CPUs)"
	printf '%-44s %12s\n' "figure" "events/s"
	printf '%-44s %12s\n' "shaobing-collector, port scans (MIX=scan)" "$rate_scan"
	printf '%-44s %12s\n' "shaobing-collector, site mix (MIX=mixed)" "$rate_mixed"
	printf '%-44s %12s\n' "target (issue 2)" "$TARGET"
	printf '%-44s %12s\n' "store alone, in-process, no hooks (ceiling)" "$drate"
	printf '%-44s %12s\n' "ratio scan / target" "$(awk "BEGIN{printf \"%.2f\", $rate_scan / $TARGET}")"
	printf '%-44s %12s\n' "ratio mixed / target" "$(awk "BEGIN{printf \"%.2f\", $rate_mixed / $TARGET}")"
	printf '%-44s %12s\n' "ratio scan / store ceiling" "$(awk "BEGIN{printf \"%.2f\", $rate_scan / $drate}")"
	echo "stored exactly once in both runs (rows and distinct (agent, seq) counted in the database): $want of $want"
} | tee bench/out/ingest.txt
