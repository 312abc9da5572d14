#!/bin/sh
# Website integrity figures (issue 16):
#  1. pages checked per second on loopback (nginx when installed, else
#     python3's http.server), in process: the full check (fetch + gumbo
#     model + compare) beside the fetch alone (reference) and the model
#     alone; and per process: shaobing-agent --web beside curl.
#  2. the time from a file written in a web root to the incident at the
#     collector: a real collector and agent ([fim www], watch_interval
#     1s, the default), a web shell dropped, polled at the admin API.
# Writes bench/out/web.txt.  Env: BUILD (build), N (300).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
RATE=$PWD/$BUILD/bench/web_rate
N=${N:-300}
OUT=bench/out/web.txt
mkdir -p bench/out
T=$(mktemp -d /var/tmp/shaobing-bench-web.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
ns() { date +%s%N; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$T/www"
cp tests/data/web/*.html "$T/www/"
WP=$(port)
if command -v nginx >/dev/null 2>&1; then
	server=nginx
	mkdir -p "$T/nginx"
	cat >"$T/nginx/nginx.conf" <<NG
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $T/nginx; proxy_temp_path $T/nginx;
	fastcgi_temp_path $T/nginx; uwsgi_temp_path $T/nginx; scgi_temp_path $T/nginx;
	server { listen 127.0.0.1:$WP; root $T/www; }
}
NG
	nginx -c "$T/nginx/nginx.conf" -g 'daemon off;' &
else
	server="python3 http.server"
	(cd "$T/www" && exec python3 -m http.server "$WP" --bind 127.0.0.1) >/dev/null 2>&1 &
fi
PIDS="$PIDS $!"
URL=http://127.0.0.1:$WP/index.html
while ! curl -sf "$URL" >/dev/null; do sleep 0.05; done
"$BIN/shaobing-agent" --web "$URL" --baseline "$T/base.json" >/dev/null || exit 1
set -- $("$RATE" "$URL" "$T/base.json" "$N")
check_pps=$1 fetch_pps=$2 extract_pps=$3 bytes=$4

runs=50
t0=$(ns)
for _ in $(seq 1 $runs); do "$BIN/shaobing-agent" --web "$URL" --baseline "$T/base.json" --json >/dev/null; done
t1=$(ns)
for _ in $(seq 1 $runs); do curl -s "$URL" >/dev/null; done
t2=$(ns)
proc_ms=$(awk "BEGIN { printf \"%.1f\", ($t1 - $t0) / 1e6 / $runs }")
curl_ms=$(awk "BEGIN { printf \"%.1f\", ($t2 - $t1) / 1e6 / $runs }")

# 2. file written -> incident at the collector.
. tests/e2e/helpers.bash 2>/dev/null || true
BATS_TEST_TMPDIR=$T/live
mkdir -p "$BATS_TEST_TMPDIR"
SHAOBING_BIN=$BIN sb_setup
sb_ca && sb_agent_cert web-01 && sb_start_collector || exit 1
PIDS="$PIDS $C_PID"
mkdir -p "$T/root" "$T/fimbase"
cp tests/data/web/index.html "$T/root/"
AG_EXTRA="
[fim www]
paths = $T/root
baseline_dir = $T/fimbase
" sb_agent_conf web-01
sb_start_agent web-01
PIDS="$PIDS $AG_PID"
while [ ! -s "$T/fimbase/www.json" ]; do sleep 0.05; done
lat=""
for i in 1 2 3 4 5; do
	n0=$("$BIN/shaobing" incidents --json | jq '[.incidents[] | select(.type == "webshell_suspect")] | .[0].count // 0')
	t0=$(ns)
	printf '<?php @eval($_POST["c%s"]); ?>\n' "$i" >"$T/root/shell$i.php"
	while :; do
		n=$("$BIN/shaobing" incidents --json | jq '[.incidents[] | select(.type == "webshell_suspect")] | .[0].count // 0')
		[ "$n" -gt "$n0" ] && break
		sleep 0.02
	done
	t1=$(ns)
	lat="$lat $(( (t1 - t0) / 1000000 ))"
done
sb_teardown >/dev/null 2>&1

{
	echo "Website integrity on loopback ($server, tests/data/web/index.html, $bytes bytes)"
	printf '%-44s %10s\n' "in process (N=$N)" "pages/s"
	printf '%-44s %10s\n' "web_check: fetch + gumbo model + compare" "$check_pps"
	printf '%-44s %10s\n' "fetch alone (reference)" "$fetch_pps"
	printf '%-44s %10s\n' "gumbo model alone" "$extract_pps"
	echo "full check / fetch alone: $(awk "BEGIN { printf \"%.2f\", $check_pps / $fetch_pps }")"
	printf '%-44s %10s\n' "per process (mean of $runs)" "ms"
	printf '%-44s %10s\n' "shaobing-agent --web URL --baseline F" "$proc_ms"
	printf '%-44s %10s\n' "curl -s URL (reference)" "$curl_ms"
	echo "shaobing-agent --web / curl: $(awk "BEGIN { printf \"%.1f\", $proc_ms / $curl_ms }")x"
	echo
	echo "web shell written in the web root -> webshell_suspect incident at the collector"
	echo "([fim] watch_interval 1s default, agent upload_interval 100ms), ms, 5 runs:$lat"
} | tee "$OUT"
