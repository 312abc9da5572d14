#!/bin/sh
# make demo / make demo-stop.
#
#   sh scripts/demo.sh start   throw-away CA in $DEMO, a collector on
#                              127.0.0.1 and one agent; wait for the first
#                              events, show them, leave both running
#   sh scripts/demo.sh stop    stop both (by their pid files), remove $DEMO
#
# Running start twice stops the previous demo first.  Environment:
# SHAOBING_DEMO_DIR (default /tmp/shaobing-demo), SHAOBING_DEMO_PORT (the
# agent endpoint, default 8443; the admin API is the Unix socket
# $DEMO/admin.sock),
# SHAOBING_BIN (default build/bin), SHAOBING_DEMO_ENV (the file to source
# so the printed commands need no --admin, default build/demo.env).
set -eu

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${SHAOBING_BIN:-$ROOT/${BUILD:-build}/bin}
DEMO=${SHAOBING_DEMO_DIR:-/tmp/shaobing-demo}
C_PORT=${SHAOBING_DEMO_PORT:-8443}
ADMIN=unix:$DEMO/admin.sock
AGENT=demo-pc
# Sourced by the printed commands: the CLI finds the demo's collector
# without --admin, and the demo's programs come first in PATH.
ENVFILE=${SHAOBING_DEMO_ENV:-$ROOT/${BUILD:-build}/demo.env}

say() { printf '%s\n' "$*"; }
# $1 quoted for sh, when it needs it.
shq() {
	case "$1" in
	*[!A-Za-z0-9_./:=@%+-]*|'') printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}
# The exact command that stops this demo, from any folder: the folder
# and port it was started with, when they were not the defaults.
stop_command() {
	printf 'make -C %s demo-stop' "$(shq "$ROOT")"
	[ -n "${SHAOBING_DEMO_DIR:-}" ] && printf ' SHAOBING_DEMO_DIR=%s' "$(shq "$DEMO")"
	[ -n "${SHAOBING_DEMO_PORT:-}" ] && printf ' SHAOBING_DEMO_PORT=%s' "$(shq "$C_PORT")"
	[ -n "${SHAOBING_DEMO_ENV:-}" ] && printf ' SHAOBING_DEMO_ENV=%s' "$(shq "$ENVFILE")"
	return 0
}
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# Is pid file $1 naming a live process that belongs to this demo?
# (Checks the command line, so a recycled pid is never killed.)
demo_pid() {
	[ -f "$1" ] || return 1
	pid=$(cat "$1")
	case "$pid" in ''|*[!0-9]*) return 1 ;; esac
	[ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-c $DEMO/" || return 1
	echo "$pid"
}

stop_one() {
	pid=$(demo_pid "$DEMO/$1.pid") || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -eq 100 ]; then
			say "demo: $1 (pid $pid) ignores SIGTERM; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		sleep 0.1
	done
	say "stopped $1 (pid $pid)"
}

stop() {
	# The agent first, so it does not log upload failures on the way out.
	stop_one agent
	stop_one collector
	if [ -f "$ENVFILE" ] && grep -q "^export SHAOBING_ADMIN=$(shq "$ADMIN")\$" "$ENVFILE"; then
		rm -f "$ENVFILE"
	fi
	case "$DEMO" in
	/tmp/*) rm -rf "$DEMO" ;;
	*) [ -f "$DEMO/.shaobing-demo" ] && rm -rf "$DEMO" ;;
	esac
}

port_busy() {
	ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# Poll until "$@" succeeds while process $pid lives; the daemon's log
# explains a death.
wait_for() {
	what=$1 pid=$2 log=$3
	shift 3
	until "$@" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "$log" >&2
			die "$what exited; its log is above ($log)"
		fi
		sleep 0.2
	done
}

# Start "$@" detached (own session, output to LOG), pid into PIDFILE.
spawn() {
	log=$1 pidfile=$2
	shift 2
	setsid "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$pidfile"
}

start() {
	for b in shaobing shaobing-collector shaobing-agent; do
		[ -x "$BIN/$b" ] || die "$BIN/$b is missing; run make first"
	done
	stop >/dev/null
	for p in "$C_PORT"; do
		port_busy "$p" && die "port $p is in use (another collector?); stop it or set SHAOBING_DEMO_PORT"
	done
	mkdir -p "$DEMO"
	chmod 700 "$DEMO"
	: >"$DEMO/.shaobing-demo"

	say "== 1. a throw-away CA and the collector's certificate (in $DEMO)"
	"$BIN/shaobing" ca init "$DEMO/ca" >/dev/null
	ls -l "$DEMO/ca" | sed 's/^/   /'

	cat >"$DEMO/collector.ini" <<EOF
; Demo collector (written by scripts/demo.sh; see conf/collector.ini).
[server]
listen = 127.0.0.1:$C_PORT
cert = $DEMO/ca/server.crt
key = $DEMO/ca/server.key
ca = $DEMO/ca/ca.crt

[store]
path = $DEMO/collector.db

[admin]
socket = $DEMO/admin.sock

[enroll]
ca_key = $DEMO/ca/ca.key
EOF
	cat >"$DEMO/agent.ini" <<EOF
; Demo agent (written by scripts/demo.sh; see conf/agent.ini).
[agent]
spool = $DEMO/spool.db
heartbeat_interval = 10s
upload_interval = 1s
retry_max = 10s
user = $(id -un)

; A real port check with something to find: this demo lists the
; collector's own port among those that must be closed, the check finds
; it open (port_exposed) and the collector opens an incident.
[target demo-ports]
host = 127.0.0.1
closed = $C_PORT
interval = 10s
EOF
	"$BIN/shaobing-collector" -c "$DEMO/collector.ini" --check-config \
		--user "$(id -un)" >/dev/null

	say "== 2. the collector on https://127.0.0.1:$C_PORT (admin API $ADMIN)"
	spawn "$DEMO/collector.log" "$DEMO/collector.pid" \
		"$BIN/shaobing-collector" -f -c "$DEMO/collector.ini"
	wait_for collector "$(cat "$DEMO/collector.pid")" "$DEMO/collector.log" \
		curl -sf --cacert "$DEMO/ca/ca.crt" "https://127.0.0.1:$C_PORT/api/v1/health"

	say "== 3. enroll the agent '$AGENT' with a one-time token (its key never leaves it)"
	say "\$ shaobing token create"
	"$BIN/shaobing" --admin "$ADMIN" token create --json >"$DEMO/token.json"
	tok=$(sed -n 's/.*"token": "\(sbe_[0-9a-f]*\)".*/\1/p' "$DEMO/token.json")
	fp=$(sed -n 's/.*"ca_fingerprint": "\([0-9a-f]*\)".*/\1/p' "$DEMO/token.json")
	say "\$ shaobing-agent enroll --server https://127.0.0.1:$C_PORT --token ${tok%"${tok#????????????}"}... --ca-fingerprint $fp"
	"$BIN/shaobing-agent" enroll --server "https://127.0.0.1:$C_PORT" \
		--token "$tok" --ca-fingerprint "$fp" --name "$AGENT" \
		--config "$DEMO/agent.ini" --dir "$DEMO/agent" --user "$(id -un)" |
		sed 's/^/   /'
	"$BIN/shaobing-agent" -c "$DEMO/agent.ini" --check-config >/dev/null

	say "== 4. the agent '$AGENT', reporting over mutual TLS"
	spawn "$DEMO/agent.log" "$DEMO/agent.pid" \
		"$BIN/shaobing-agent" -f -c "$DEMO/agent.ini"
	wait_for agent "$(cat "$DEMO/agent.pid")" "$DEMO/agent.log" \
		sh -c "'$BIN/shaobing' --admin '$ADMIN' events --agent '$AGENT' --type system | grep -q system"

	say ""
	say "\$ shaobing agents"
	"$BIN/shaobing" --admin "$ADMIN" agents
	say ""
	say "\$ shaobing events"
	"$BIN/shaobing" --admin "$ADMIN" events
	say ""
	say "== 5. the port check found an exposed port: an incident (安全事件)"
	wait_for agent "$(cat "$DEMO/agent.pid")" "$DEMO/agent.log" \
		sh -c "'$BIN/shaobing' --admin '$ADMIN' incidents --json | grep -q port_exposed"
	say "\$ shaobing incidents"
	"$BIN/shaobing" --admin "$ADMIN" incidents
	say ""
	say "\$ shaobing incidents show 1"
	"$BIN/shaobing" --admin "$ADMIN" incidents show 1
	say ""
	year=$(date +%Y)
	say "\$ shaobing indicators --year $year"
	"$BIN/shaobing" --admin "$ADMIN" indicators --year "$year"
	say ""
	say "\$ shaobing export --year $year --out $DEMO/export-$year"
	"$BIN/shaobing" --admin "$ADMIN" export --year "$year" --out "$DEMO/export-$year"
	say "report 自评表: $DEMO/export-$year/report.html"
	say ""
	{
		printf '# make demo: the demo collector for the shaobing CLI (. %s)\n' "$(shq "$ENVFILE")"
		printf 'export SHAOBING_ADMIN=%s\n' "$(shq "$ADMIN")"
		printf 'export PATH=%s:"$PATH"\n' "$(shq "$BIN")"
	} >"$ENVFILE"
	cat <<EOF
The collector (pid $(cat "$DEMO/collector.pid")) and the agent (pid $(cat "$DEMO/agent.pid")) keep running.
First, in your shell (sets SHAOBING_ADMIN=$ADMIN and puts $BIN first in
PATH, so the commands below need no --admin):
  . $(shq "$ENVFILE")
Try next:
  shaobing agents              # 客户端 up/down, last seen
  shaobing events --since -1h  # 事件 (add --json for scripts)
  shaobing incidents           # 安全事件 incident log
  shaobing incidents ack 1 --note "checking"   # 处置
  shaobing audit verify        # 审计链校验
  curl -s --unix-socket $DEMO/admin.sock 'http://localhost/api/v1/admin/uptime?agent=$AGENT'  # 运行时间 uptime
  shaobing audit log           # 审计 who called the admin API
  tail -f $DEMO/collector.log $DEMO/agent.log
  sqlite3 $DEMO/collector.db 'SELECT count(*) FROM events'
Stop the demo with: $(stop_command)   (stops both and removes $DEMO)
EOF
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop" ;;
esac
