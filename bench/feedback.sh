#!/bin/sh
# End-to-end feedback: a port scan detected on an agent → the webhook
# message received by a local sink, median and maximum over 100
# incidents, collector with default settings (storm control included:
# detections are paced below its threshold, see PACE_MS).  The figure covers upload (mTLS POST, as the agent sends),
# store commit, incident fold, notifier queue and HTTP send; the real
# agent adds up to its upload_interval (default 2 s) before the POST.
# Reference: the issue's target, median <= 5 s (the office promises
# 10 min).  Writes bench/out/feedback.txt.
#
# Env: BUILD (default build), COUNT (100), PACE_MS (6100).
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
COUNT=${COUNT:-100}
# Default settings include storm control (10 incidents a channel and
# minute, then a digest): one detection every 6.1 s stays below it, so
# 100 incidents take about 10 minutes.  PACE_MS=0 measures a burst.
PACE_MS=${PACE_MS:-6100}
TARGET_MS=5000
COLL=$BUILD/bin/shaobing-collector
FB=$BUILD/bench/feedback
[ -x "$COLL" ] && [ -x "$FB" ] || make --no-print-directory BUILD="$BUILD" "$COLL" "$FB" >/dev/null
T=$(mktemp -d /var/tmp/shaobing-bench-feedback.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

cd "$T"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -subj "/CN=bench CA" -days 2 -out ca.crt \
	-addext basicConstraints=critical,CA:true 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext
printf 'extendedKeyUsage=clientAuth\n' >cli.ext
mk() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null
	openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -out "$1.crt" -extfile "$2" 2>/dev/null
}
mk server srv.ext
mk fb-agent cli.ext
cd - >/dev/null

PORT=$((20000 + $$ % 20000))
SINK=$((PORT + 2))
cat >"$T/c.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
cert = $T/server.crt
key = $T/server.key
ca = $T/ca.crt
[store]
path = $T/collector.db
[admin]
socket = $T/admin.sock
[log]
level = warn
[notify sink]
type = webhook
url = http://127.0.0.1:$SINK/hook
INI
"$COLL" -f -c "$T/c.ini" 2>"$T/collector.log" &
pid=$!
n=0
until curl -s -o /dev/null --cacert "$T/ca.crt" "https://127.0.0.1:$PORT/api/v1/health"; do
	n=$((n + 1)); [ $n -gt 100 ] && { cat "$T/collector.log"; echo "collector did not start"; exit 1; }
	sleep 0.1
done
echo "feedback: $COUNT incidents, detection → webhook received ..."
"$FB" "https://127.0.0.1:$PORT/api/v1/events" "$T" "$SINK" "$COUNT" "$PACE_MS" >"$T/lat.txt"
sort -n "$T/lat.txt" >"$T/sorted.txt"
med=$(awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}' "$T/sorted.txt")
max=$(tail -n 1 "$T/sorted.txt")
notified=$(curl -s --unix-socket "$T/admin.sock" "http://localhost/api/v1/admin/incidents?limit=10000" |
	grep -o '"notified":"[^"]*"' | wc -l)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
mkdir -p bench/out
{
	echo "feedback time, $COUNT incidents one every $PACE_MS ms, default settings, scan detected → webhook received on loopback ($(nproc) CPUs)"
	printf '%-44s %10s\n' "figure" "ms"
	printf '%-44s %10s\n' "median" "$med"
	printf '%-44s %10s\n' "maximum" "$max"
	printf '%-44s %10s\n' "target median (issue 6)" "$TARGET_MS"
	printf '%-44s %10s\n' "ratio median / target" "$(awk "BEGIN{printf \"%.4f\", $med / $TARGET_MS}")"
	printf '%-44s %10s\n' "office promise (10 min)" "600000"
	echo "incidents with notified set: $notified of $COUNT"
	echo "(a real agent adds up to its upload_interval, 2 s by default, before the POST)"
} | tee bench/out/feedback.txt
