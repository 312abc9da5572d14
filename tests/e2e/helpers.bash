# Helpers for the end-to-end tests: a throw-away CA, a collector and
# agents in the test's own temp folder, on loopback ports chosen here,
# all stopped in teardown.  Load with `load helpers`, call sb_setup in
# setup() and sb_teardown in teardown().
#
# The store: SQLite ($T/collector.db) unless SB_STORE=PostgreSQL, which
# tests/run-e2e.sh sets for the files it runs a second time against a
# throw-away PostgreSQL cluster (SHAOBING_TEST_PG, its base URI; role
# with CREATEDB, tests/pg.sh): then each test gets a fresh database
# ($SB_STORE_URL in [store] url).  sb_sql
# queries the test's store either way; a test's name ends in
# "$SB_ON" (" (PostgreSQL)" or nothing).
#
# There is no time limit on anything the tests wait for (the machine is
# shared and slow under ASan).  sb_wait_until only gives up when the
# daemon it waits on has died, or after SB_WAIT_GUARD polls (default
# 3000 x 0.1 s) so that a real hang ends the run instead of blocking it.

SB_ON=${SB_STORE:+ ($SB_STORE)}

sb_setup() {
	: "${SHAOBING_BIN:?SHAOBING_BIN must name the folder of the binaries}"
	T=$BATS_TEST_TMPDIR
	SB=$SHAOBING_BIN/shaobing
	SB_PIDS=$T/pids
	: >"$SB_PIDS"
	C_PORT='' A_PORT=''
	sb_sanitizer_options "$T/sanitizer"
	SB_STORE_URL=sqlite://$T/collector.db
	if [ "${SB_STORE:-}" = PostgreSQL ]; then
		: "${SHAOBING_TEST_PG:?SB_STORE=PostgreSQL needs SHAOBING_TEST_PG (tests/pg.sh)}"
		local db
		db=e2e_$(tr -dc 'a-z0-9' </dev/urandom | head -c 12)
		psql -X -q -v ON_ERROR_STOP=1 "$SHAOBING_TEST_PG" \
			-c "CREATE DATABASE $db" || return 1
		SB_STORE_URL=$(sed -E "s|^([a-z]+://[^/]*/)[^?]*|\\1$db|" <<<"$SHAOBING_TEST_PG")
	fi
}

# SQL on the test's store, one row per line, columns separated by '|'
# (sqlite3's default): sb_sql [SQL]; reads stdin without SQL.  Waits
# while a collector holds the write lock.
sb_sql() {
	if [ "${SB_STORE:-}" = PostgreSQL ]; then
		psql -X -q -At -v ON_ERROR_STOP=1 "$SB_STORE_URL" ${1:+-c "$1"}
	else
		sqlite3 -cmd '.timeout 10000' "$T/collector.db" "$@"
	fi
}

# Point ASan/LSan/UBSan reports of every binary started from here on at
# files PREFIX.PID (log_path), whatever the process does with its stderr;
# sb_sanitizer_check fails the test when any such report exists.
sb_sanitizer_options() {
	local a=${ASAN_OPTIONS:-detect_leaks=1} u=${UBSAN_OPTIONS:-print_stacktrace=1}
	a=$(sed -E 's/(^|:)log_path=[^:]*//g; s/^://' <<<"$a")
	u=$(sed -E 's/(^|:)log_path=[^:]*//g; s/^://' <<<"$u")
	export ASAN_OPTIONS="${a:+$a:}log_path=$1" UBSAN_OPTIONS="${u:+$u:}log_path=$1"
}

# Fail (printing them) when the sanitizers reported anything: report
# files under PREFIX (default $T/sanitizer), or a report a daemon wrote
# into its log ($T/*.log) before log_path applied.
sb_sanitizer_check() {
	local prefix=${1:-$T/sanitizer} f bad=0
	for f in "$prefix".*; do
		[ -s "$f" ] || continue
		echo "# sanitizer report $f:"
		head -n 60 "$f" | sed 's/^/#   /'
		bad=1
	done
	for f in "${T:-/nonexistent}"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error: |SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$f"; then
			echo "# sanitizer report in $f:"
			grep -E -A30 'ERROR: (Address|Leak)Sanitizer|runtime error: ' "$f" | head -n 60 | sed 's/^/#   /'
			bad=1
		fi
	done
	return $bad
}

sb_teardown() {
	local pid
	[ -n "${SB_PIDS:-}" ] && [ -f "$SB_PIDS" ] || return 0
	# Stop every daemon, wait for each (so LeakSanitizer has run at its
	# exit), then fail the test on any sanitizer report.
	while read -r pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done <"$SB_PIDS"
	while read -r pid; do
		sb_reap "$pid"
	done <"$SB_PIDS"
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "# ---- $f (last 40 lines)"
			tail -n 40 "$f" | sed 's/^/# /'
		done
	fi
	sb_sanitizer_check
}

# Wait for a child to exit (SIGKILL once it ignored SIGTERM for 30 s,
# so a hung daemon cannot keep the suite waiting).
sb_reap() {
	local pid=$1 n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt 300 ] && kill -KILL "$pid" 2>/dev/null
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || true
}

# refute_grep ARGS: fail (with the match shown) when grep finds ARGS.  A
# plain "! grep" line cannot fail a bats test (set -e ignores it), and
# tests/lint-bats.sh refuses it.
refute_grep() {
	if grep "$@"; then
		echo "unexpected match: $*"
		return 1
	fi
}

# A TCP port nobody listens on (and that this test did not hand out).
sb_free_port() {
	local p
	while :; do
		p=$(( (RANDOM * 32768 + RANDOM) % 30000 + 20000 ))
		grep -qx "$p" "$T/ports" 2>/dev/null && continue
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . && continue
		echo "$p" >>"$T/ports"
		echo "$p"
		return 0
	done
}

# Poll COMMAND... every 0.1 s until it succeeds.  Fails early when the
# process whose pid is in $SB_WATCH has died.
sb_wait_until() {
	local n=0
	until "$@" >/dev/null 2>&1; do
		if [ -n "${SB_WATCH:-}" ] && ! kill -0 "$SB_WATCH" 2>/dev/null; then
			echo "# process $SB_WATCH died while waiting for: $*" >&2
			return 1
		fi
		n=$((n + 1))
		if [ $n -gt "${SB_WAIT_GUARD:-3000}" ]; then
			echo "# gave up waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# CA and collector certificate in $T/ca.
sb_ca() {
	"$SB" ca init "$T/ca" >"$T/ca.out" 2>&1
}

# Agent certificate for NAME in $T/agents/NAME, from CA folder $2 (default $T/ca).
sb_agent_cert() {
	"$SB" agents cert "$1" --ca "${2:-$T/ca}" --out "$T/agents/$1" >/dev/null
}

# Write $T/collector.ini.  Extra "key = value" lines for [server] in
# $C_SERVER_EXTRA (e.g. "max_body = 4k"), whole extra sections in
# $C_EXTRA.  The admin API is reached through the Unix socket
# $T/admin.sock (SHAOBING_ADMIN); use sb_admin_curl for raw calls.
sb_collector_conf() {
	[ -n "$C_PORT" ] || C_PORT=$(sb_free_port)
	[ -n "$A_PORT" ] || A_PORT=$(sb_free_port)
	cat >"$T/collector.ini" <<EOF
[server]
listen = 127.0.0.1:$C_PORT
cert = $T/ca/server.crt
key = $T/ca/server.key
ca = $T/ca/ca.crt
${C_SERVER_EXTRA:-}

[store]
url = $SB_STORE_URL

[admin]
socket = $T/admin.sock

[enroll]
ca_key = $T/ca/ca.key

[log]
level = debug
${C_EXTRA:-}
EOF
	export SHAOBING_ADMIN=unix:$T/admin.sock
}

# curl on the admin API through its Unix socket: sb_admin_curl PATH [ARGS]
sb_admin_curl() {
	local path=$1
	shift
	curl --unix-socket "$T/admin.sock" "$@" "http://localhost$path"
}

sb_health() {
	curl -sf --cacert "$T/ca/ca.crt" "https://127.0.0.1:$C_PORT/api/v1/health" |
		grep -q '"status":"ok"'
}

sb_admin_up() {
	sb_admin_curl /api/v1/admin/agents -sf >/dev/null
}

# Start the collector in the foreground (backgrounded here) and wait
# until both its endpoints answer.
sb_start_collector() {
	[ -f "$T/collector.ini" ] || sb_collector_conf
	"$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector.ini" \
		>>"$T/collector.log" 2>&1 &
	C_PID=$!
	echo "$C_PID" >>"$SB_PIDS"
	SB_WATCH=$C_PID sb_wait_until sb_health
	SB_WATCH=$C_PID sb_wait_until sb_admin_up
}

sb_stop_collector() {
	kill -TERM "$C_PID"
	sb_reap "$C_PID"
}

sb_kill9_collector() {
	kill -KILL "$C_PID"
	sb_reap "$C_PID"
}

# Write $T/agents/NAME/agent.ini for a fast-moving test agent.
sb_agent_conf() {
	local name=$1 dir=$T/agents/$1
	cat >"$dir/agent.ini" <<EOF
[agent]
name = $name
server = https://127.0.0.1:$C_PORT
ca = $dir/ca.crt
cert = $dir/agent.crt
key = $dir/agent.key
spool = $dir/spool.db
heartbeat_interval = ${AG_HEARTBEAT:-1s}
upload_interval = 100ms
retry_max = 1s
user = $(id -un)
log_level = debug
${AG_EXTRA:-}
EOF
}

sb_start_agent() {
	local name=$1
	[ -f "$T/agents/$name/agent.ini" ] || sb_agent_conf "$name"
	"$SHAOBING_BIN/shaobing-agent" -f -c "$T/agents/$name/agent.ini" \
		>>"$T/agent-$name.log" 2>&1 &
	AG_PID=$!
	echo "$AG_PID" >>"$SB_PIDS"
}

# Print a batch for AGENT with events seq FROM..TO (type "test").  One
# awk: a bash loop runs slowly under bats' debug trap.
sb_batch() {
	awk -v a="$1" -v from="$2" -v to="$3" -v type="${4:-test}" 'BEGIN {
		printf "{\"agent\":\"%s\",\"events\":[", a
		for (s = from; s <= to; s++)
			printf "%s{\"agent\":\"%s\",\"seq\":%d,\"ts\":\"2026-11-27T13:37:20.123Z\"," \
			    "\"type\":\"%s\",\"severity\":\"info\",\"key\":\"test:%d\",\"data\":{\"n\":%d}}",
			    (s > from ? "," : ""), a, s, type, s, s
		printf "]}"
	}'
}

# A webhook receiver on 127.0.0.1:$HOOK_PORT that writes each body it
# gets to $T/hook.N.json (N from 1), its User-Agent to $T/hook.N.ua, and
# answers 200.  A GET gets a small HTML page; its User-Agent is appended
# to $T/get.ua.
sb_start_hook() {
	HOOK_PORT=$(sb_free_port)
	python3 -c '
import http.server, os, sys, itertools
n = itertools.count(1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        b = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # Whole or absent: a test that waits for hook.N.json reads it all.
        i = next(n)
        open("%s/hook.%d.ua" % (sys.argv[2], i), "w").write(self.headers.get("User-Agent", "") + "\n")
        p = "%s/hook.%d.json" % (sys.argv[2], i)
        open(p + ".part", "wb").write(b)
        os.rename(p + ".part", p)
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def do_GET(self):
        open("%s/get.ua" % sys.argv[2], "a").write(self.headers.get("User-Agent", "") + "\n")
        b = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>ok</p></body></html>"
        self.send_response(200); self.send_header("Content-Type", "text/html"); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$HOOK_PORT" "$T" &
	echo $! >>"$SB_PIDS"
	SB_WATCH=$! sb_wait_until sh -c "ss -Htln 'sport = :$HOOK_PORT' | grep -q ."
}

# POST a file to an agent endpoint with NAME's certificate.
# Prints "STATUS BODY"; curl's own failure (handshake) prints "000 ...".
sb_post() {
	local cert=$1 path=$2 file=$3
	shift 3
	curl -sS -o "$T/post.body" -w '%{http_code}' \
		--cacert "$T/ca/ca.crt" \
		--cert "$T/agents/$cert/agent.crt" --key "$T/agents/$cert/agent.key" \
		-H 'Content-Type: application/json' --data-binary "@$file" "$@" \
		"https://127.0.0.1:$C_PORT$path" >"$T/post.code" 2>"$T/post.err" || true
	echo "$(cat "$T/post.code") $(cat "$T/post.body" 2>/dev/null)"
}

# The seqs the collector holds for AGENT, one per line, in id order.
sb_stored_seqs() {
	"$SB" events --agent "$1" --limit 10000000 --json | jq -r '.events[].seq'
}

sb_stored_count() {
	"$SB" events --agent "$1" --limit 10000000 --json | jq '.events | length'
}

# sb_build_version VERSION DIR: the programs of $SHAOBING_BUILD again, saying
# VERSION (make VERSION=...), built into DIR/bin.  Only common/version.c is
# compiled again (the objects are copied), so this is a relink, not a build.
sb_build_version() {
	local v=$1 dir=$2 san=
	case "$SHAOBING_BUILD" in *-san) san=1 ;; esac
	mkdir -p "$dir"
	cp -a "$SHAOBING_BUILD/obj" "$SHAOBING_BUILD/lib" "$dir/"
	make -C "$SHAOBING_ROOT" --no-print-directory BUILD="$dir" VERSION="$v" \
		${san:+SANITIZE=1} all >"$dir/make.log" 2>&1 || { cat "$dir/make.log"; return 1; }
	[ "$("$dir/bin/shaobing" --version)" = "shaobing $v" ]
}
