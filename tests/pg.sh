#!/bin/sh
# A throw-away PostgreSQL server for tests (Debian's postgresql package).
#
#   sh tests/pg.sh start DIR       make and start a cluster in DIR (created
#                                  when missing, must be empty); prints one
#                                  line: the base URI of database shaobing
#   sh tests/pg.sh newdb DIR NAME  a fresh empty database NAME; prints its URI
#   sh tests/pg.sh stop DIR        stop the cluster and remove DIR
#   sh tests/pg.sh start-if-installed DIR
#                                  as start, but when PostgreSQL is not
#                                  installed prints nothing and exits 0
#                                  (the test runners: PostgreSQL halves
#                                  of tests then skip)
#
# The server listens on 127.0.0.1 on a free port only with TLS (a CA and
# a server certificate for 127.0.0.1/localhost made here, DIR/ca.crt) and
# password (SCRAM) authentication; role shaobing (CREATEDB) owns database
# shaobing, its random password is in DIR/pgpass (mode 0600, the
# .pgpass format, named by passfile= in the URI).  Its Unix socket is in
# DIR/run, for this script only.  As root the server runs as the
# postgres user (initdb refuses root), otherwise as the current user.
# FSYNC=off for faster unit tests (the cluster is thrown away anyway).
# Exits 77 when PostgreSQL is not installed.
#
# Never leave a cluster running: stop it from a trap set before start,
#
#   dir=$(mktemp -d /tmp/sb-pg.XXXXXX)
#   trap 'sh tests/pg.sh stop "$dir"' EXIT
#   trap 'exit 1' INT TERM HUP
#   url=$(sh tests/pg.sh start "$dir") || exit 1
#
# (bats: start in setup_file, stop in teardown_file.)  stop works on a
# half-made DIR too, and kills the server when pg_ctl cannot stop it.
set -eu

die() { echo "pg.sh: $*" >&2; exit 1; }

bindir() {
	BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ] || [ ! -x "$BIN/pg_ctl" ]; then
		echo "pg.sh: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or make deps" >&2
		exit 77
	fi
}

# Run a command as the server's user.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The superuser's psql over the Unix socket.
psql_su() {
	as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/run" -p "$PORT" \
		-U postgres -d postgres "$@"
}

absdir() {
	[ -n "$1" ] || die "usage: pg.sh start|newdb|stop DIR"
	mkdir -p "$1"
	DIR=$(cd "$1" && pwd -P)
	# It goes into the URI and into postgresql.conf unquoted.
	case "$DIR" in
	*[!A-Za-z0-9/._-]*) die "$DIR: use a folder name of letters, digits, '/', '.', '_' and '-' only" ;;
	esac
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

certs() {
	(
	cd "$DIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=shaobing test CA" \
		-keyout ca.key -out ca.crt \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
		-keyout server.key -out server.csr
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -extfile server.ext -out server.crt
	rm -f ca.key server.csr server.ext ca.srl
	chmod 0600 server.key
	) >"$DIR/openssl.log" 2>&1 || { cat "$DIR/openssl.log" >&2; die "openssl could not make the certificates"; }
}

start() {
	bindir
	absdir "$1"
	[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty"
	command -v openssl >/dev/null || die "openssl is not installed"
	command -v python3 >/dev/null || die "python3 is not installed (to find a free port)"
	echo "$BIN" >"$DIR/pg.bin"
	# From here on a failure stops what was started (DIR stays for stop).
	trap 'started_fail' EXIT
	certs
	mkdir "$DIR/run" "$DIR/data"
	chmod 0700 "$DIR/data"
	if [ "$(id -u)" = 0 ]; then
		getent passwd postgres >/dev/null || die "no postgres user (the postgresql package makes it)"
		# The server reaches into DIR (certificates, socket) but
		# cannot list it.
		chmod 0711 "$DIR"
		chown postgres "$DIR/run" "$DIR/data" "$DIR/server.key" "$DIR/server.crt"
		as_pg test -x "$DIR" || die "$DIR is not reachable by the postgres user (a parent folder is closed): use one under /tmp"
	fi
	nosync=
	[ "${FSYNC:-on}" = off ] && nosync=--no-sync
	as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A scram-sha-256 --auth-local=trust \
		-E UTF8 --locale=C.UTF-8 --no-instructions $nosync >"$DIR/initdb.log" 2>&1 ||
		{ cat "$DIR/initdb.log" >&2; die "initdb failed"; }
	cat >"$DIR/data/pg_hba.conf" <<EOF
# pg.sh: the superuser over the private socket, everyone else over TLS
# with a password.
local	all	postgres			trust
hostssl	all	all	127.0.0.1/32	scram-sha-256
EOF
	as_pg tee -a "$DIR/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/run'
ssl = on
ssl_cert_file = '$DIR/server.crt'
ssl_key_file = '$DIR/server.key'
shared_buffers = 16MB
max_connections = 60
fsync = ${FSYNC:-on}
full_page_writes = ${FSYNC:-on}
max_wal_size = 64MB
dynamic_shared_memory_type = posix
logging_collector = off
log_min_messages = warning
EOF
	# More settings (one per line), e.g. a benchmark's.
	[ -z "${PG_CONF_EXTRA:-}" ] ||
		printf '%s\n' "$PG_CONF_EXTRA" | as_pg tee -a "$DIR/data/postgresql.conf" >/dev/null
	# The port is free now; another process may take it before the
	# server binds it, so try a few.
	tries=0
	while :; do
		PORT=$(free_port)
		echo "$PORT" >"$DIR/pg.port"
		if as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/run/server.log" -w -t 60 \
			-o "-p $PORT" start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		[ "$tries" -lt 5 ] || { cat "$DIR/run/server.log" >&2; die "the server did not start"; }
	done
	pw=$(openssl rand -hex 24)
	psql_su -c "CREATE ROLE shaobing LOGIN CREATEDB PASSWORD '$pw'" \
		-c "CREATE DATABASE shaobing OWNER shaobing" >/dev/null
	umask 077
	printf '127.0.0.1:%s:*:shaobing:%s\nlocalhost:%s:*:shaobing:%s\n' \
		"$PORT" "$pw" "$PORT" "$pw" >"$DIR/pgpass"
	chmod 0600 "$DIR/pgpass"
	trap - EXIT
	uri shaobing
}

started_fail() {
	st=$?
	[ "$st" = 0 ] && return
	stop_server
	exit "$st"
}

uri() {
	echo "postgresql://shaobing@127.0.0.1:$PORT/$1?passfile=$DIR/pgpass&sslmode=verify-full&sslrootcert=$DIR/ca.crt"
}

newdb() {
	absdir "$1"
	case "$2" in
	''|*[!a-z0-9_]*) die "$2: a database name of a-z, 0-9 and _ only" ;;
	esac
	[ -f "$DIR/pg.bin" ] && [ -f "$DIR/pg.port" ] || die "$DIR: no cluster (pg.sh start DIR first)"
	BIN=$(cat "$DIR/pg.bin")
	PORT=$(cat "$DIR/pg.port")
	psql_su -c "CREATE DATABASE $2 OWNER shaobing" >/dev/null
	uri "$2"
}

# Stop the server of DIR: pg_ctl, and when that fails, kill it.
stop_server() {
	[ -f "$DIR/data/postmaster.pid" ] || return 0
	BIN=$(cat "$DIR/pg.bin" 2>/dev/null || true)
	if [ -n "$BIN" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
		return 0
	fi
	pid=$(head -n 1 "$DIR/data/postmaster.pid" 2>/dev/null || true)
	case "$pid" in
	''|*[!0-9]*) return 0 ;;
	esac
	# Only our server: a postgres process whose data folder is DIR's.
	if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$DIR/data"; then
		kill -9 "$pid" 2>/dev/null || true
		# Its children exit when the postmaster is gone.
		n=0
		while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
	fi
}

stop() {
	[ -n "${1:-}" ] || die "usage: pg.sh stop DIR"
	[ -d "$1" ] || return 0
	DIR=$(cd "$1" && pwd -P)
	# Remove only a folder pg.sh made (or an empty one).
	if [ ! -f "$DIR/pg.bin" ]; then
		rmdir "$DIR" 2>/dev/null || die "$DIR: not a pg.sh cluster folder; not removed"
		return 0
	fi
	stop_server
	rm -rf "$DIR"
}

case "${1:-}" in
start)	[ $# -eq 2 ] || die "usage: pg.sh start DIR"; start "$2" ;;
start-if-installed)
	[ $# -eq 2 ] || die "usage: pg.sh start-if-installed DIR"
	# Its own process: set -e does not hold inside an || list.
	set +e
	sh "$0" start "$2"
	st=$?
	set -e
	if [ "$st" = 77 ]; then
		echo "pg.sh: the PostgreSQL halves of the tests skip" >&2
		exit 0
	fi
	exit "$st" ;;
newdb)	[ $# -eq 3 ] || die "usage: pg.sh newdb DIR NAME"; newdb "$2" "$3" ;;
stop)	[ $# -eq 2 ] || die "usage: pg.sh stop DIR"; stop "$2" ;;
*)	die "usage: pg.sh start|start-if-installed DIR | newdb DIR NAME | stop DIR" ;;
esac
