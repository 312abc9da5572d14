#!/bin/sh
# Website integrity (issue 16), two figures:
#
# 1. Pages checked per second on loopback: $BUILD/bench/web_rate runs
#    web_check() (libcurl fetch, gumbo page model, compare with the
#    baseline) N times on the test page (tests/data/web/index.html, the
#    government-style front page), beside the fetch alone in the same
#    process and, as the outside reference, curl(1) fetching the same
#    page N times in one process (connection reuse as the server allows).
#    The page is served by nginx when installed, else python3 http.server.
#
# 2. Time from a file written in the web root to the incident at the
#    collector: a real shaobing-collector and shaobing-agent ([fim www] on
#    the web root) on loopback; a web shell is written, the admin API is
#    polled (every 20 ms, at most 30 s) until its webshell_suspect
#    incident is there.  Median of RUNS writes, with the agent's defaults
#    (watch_interval 1s, upload_interval 2s) and with fast settings
#    (watch_interval 200ms, upload_interval 100ms).
#
#   BUILD  build folder (default build)    N  checks (default 300)
#   RUNS   writes per setting (default 5)
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=${BUILD:-build}
N=${N:-300}
RUNS=${RUNS:-5}
OUT=bench/out/web.txt
. bench/lib.sh
mkdir -p bench/out
for x in curl python3 jq; do
	command -v $x >/dev/null 2>&1 || { echo "web: skipped, $x is not installed (make deps)"; exit 0; }
done
for x in bench/web_rate bin/shaobing-agent bin/shaobing-collector bin/shaobing; do
	[ -x "$BUILD/$x" ] || { echo "web: build $BUILD/$x first (make benches)"; exit 1; }
done
T=$(mktemp -d /tmp/shaobing-web.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null
	# bounded: a daemon that does not go within 5 s is killed
	i=0
	for p in $PIDS; do
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# A free TCP port on loopback from a base.
port() {
	p=$1
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do p=$((p + 1)); done
	echo "$p"
}
# Run "$@" until it succeeds, at most $1 times 100 ms apart.
retry() {
	n=$1; shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ $n -le 0 ] && return 1
		sleep 0.1
	done
}

# --- 1. pages per second ------------------------------------------------
WWW=$T/www
mkdir -p "$WWW"
chmod 755 "$WWW"
cp tests/data/web/index.html "$WWW/index.html"
chmod 644 "$WWW/index.html"
W_PORT=$(port 28180)
if command -v nginx >/dev/null 2>&1; then
	SERVER="nginx $(nginx -v 2>&1 | sed 's/.*\///')"
	cat >"$T/nginx.conf" <<EOF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 256; }
http {
	access_log off;
	keepalive_requests 100000;
	client_body_temp_path $T/nb; proxy_temp_path $T/np; fastcgi_temp_path $T/nf;
	uwsgi_temp_path $T/nu; scgi_temp_path $T/ns;
	server { listen 127.0.0.1:$W_PORT; root $WWW; }
}
EOF
	nginx -c "$T/nginx.conf" -g 'daemon on;' || { echo "web: nginx did not start"; exit 1; }
else
	SERVER="python3 http.server"
	(cd "$WWW" && exec python3 -m http.server "$W_PORT" --bind 127.0.0.1) >"$T/http.log" 2>&1 &
	PIDS="$PIDS $!"
fi
URL=http://127.0.0.1:$W_PORT/index.html
retry 100 curl -sf "$URL" || { echo "web: the page server does not answer"; exit 1; }
BYTES=$(curl -s "$URL" | wc -c)

set -- $("$BUILD/bench/web_rate" "$URL" "$T/base.json" "$N")
CHECK=$1 FETCH=$2 EXTRACT=$3
# curl reference: N fetches of the page in one curl process.
i=0; : >"$T/curl.cfg"
while [ $i -lt "$N" ]; do printf 'url = "%s"\noutput = "/dev/null"\n' "$URL" >>"$T/curl.cfg"; i=$((i + 1)); done
t0=$(ns)
curl -s -K "$T/curl.cfg" || { echo "web: curl failed"; exit 1; }
t1=$(ns)
CURL=$(echo "scale=1; $N * 1000000000 / ($t1 - $t0)" | bc)

# --- 2. file written -> incident at the collector -------------------------
C="$BUILD/bin/shaobing-collector" A="$BUILD/bin/shaobing-agent" SB="$BUILD/bin/shaobing"
"$SB" ca init "$T/ca" >/dev/null 2>&1 || { echo "web: ca init failed"; exit 1; }
for a in def fast; do
	"$SB" agents cert web-$a --ca "$T/ca" --out "$T/ag-$a" >/dev/null || exit 1
done
C_PORT=$(port 28443)
cat >"$T/collector.ini" <<EOF
[server]
listen = 127.0.0.1:$C_PORT
cert = $T/ca/server.crt
key = $T/ca/server.key
ca = $T/ca/ca.crt
[store]
path = $T/collector.db
[admin]
socket = $T/admin.sock
EOF
"$C" -f -c "$T/collector.ini" >"$T/collector.log" 2>&1 &
PIDS="$PIDS $!"
admin() { curl -sf --unix-socket "$T/admin.sock" "http://localhost$1"; }
retry 100 admin /api/v1/admin/agents || { echo "web: the collector does not answer"; exit 1; }

# incidents of type webshell_suspect at the collector
shells() { admin /api/v1/admin/incidents | jq '[.incidents[] | select(.type == "webshell_suspect")] | length'; }

# latency NAME EXTRA: start an agent with [fim www] and EXTRA agent
# settings, write RUNS web shells, print the median ms (or "timeout").
latency() {
	name=$1 extra=$2
	mkdir -p "$T/fim-$name"
	cat >"$T/agent-$name.ini" <<EOF
[agent]
name = web-$name
server = https://127.0.0.1:$C_PORT
ca = $T/ag-$name/ca.crt
cert = $T/ag-$name/agent.crt
key = $T/ag-$name/agent.key
spool = $T/spool-$name.db
user = $(id -un)
$extra

[fim www]
paths = $WWW
baseline_dir = $T/fim-$name
$FIM_EXTRA
EOF
	"$A" -f -c "$T/agent-$name.ini" >"$T/agent-$name.log" 2>&1 &
	apid=$!
	PIDS="$PIDS $apid"
	retry 300 test -s "$T/fim-$name/www.json" || { echo timeout; return; }
	sleep 1		# the watch is set up with the baseline
	got=""
	r=0
	while [ $r -lt "$RUNS" ]; do
		before=$(shells)
		t0=$(ns)
		printf '<?php @eval($_POST["c%s"]); ?>\n' "$name$r" >"$WWW/up-$name-$r.php"
		tries=0
		while [ "$(shells)" -le "$before" ] && [ $tries -lt 1500 ]; do
			sleep 0.02; tries=$((tries + 1))
		done
		t1=$(ns)
		[ $tries -ge 1500 ] && { echo timeout; kill "$apid"; return; }
		got="$got $(( (t1 - t0) / 1000000 ))"
		r=$((r + 1))
	done
	kill "$apid"
	retry 50 sh -c "! kill -0 $apid"
	echo "$(median $got) ms (runs:$got ms)"
}
FIM_EXTRA="" LAT_DEF=$(latency def "")
FIM_EXTRA="watch_interval = 200ms" LAT_FAST=$(latency fast "upload_interval = 100ms")

{
echo "# bench/web.sh — website integrity, $(date -u +%FT%TZ); $(nproc) CPUs, shared"
echo "# page: tests/data/web/index.html, $BYTES bytes, served by $SERVER on loopback; $N checks"
echo "shaobing web_check (fetch + gumbo model + compare): $CHECK pages/s"
echo "shaobing fetch alone (libcurl, same process):       $FETCH pages/s"
echo "shaobing model alone (gumbo parse + extract):        $EXTRACT pages/s"
echo "curl(1), $N fetches in one process (reference):    $CURL pages/s"
echo "ratio web_check / curl: $(echo "scale=2; $CHECK / $CURL" | bc)"
echo "ratio web_check / fetch alone: $(echo "scale=2; $CHECK / $FETCH" | bc)"
echo "file written in the web root -> webshell_suspect incident at the collector, median of $RUNS (ms each):"
echo "  agent defaults (watch_interval 1s, upload_interval 2s): $LAT_DEF"
echo "  fast (watch_interval 200ms, upload_interval 100ms):     $LAT_FAST"
} | tee "$OUT"
