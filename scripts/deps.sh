#!/bin/sh
# Install the Debian packages Shaobing needs to build, test (and with
# --bench, benchmark).  Does nothing when all are present; as non-root it
# says exactly what to install.
set -eu

# Build and test: libraries, test frameworks, and the real tools the
# end-to-end tests drive (openssl s_server, nmap, arping, ip netns, ...;
# dpkg-dev and lintian for the packages).
PKGS="
gcc
make
pkg-config
libpcap-dev
libssl-dev
libsqlite3-dev
libcurl4-openssl-dev
libinih-dev
libevent-dev
libjansson-dev
libgumbo-dev
zlib1g-dev
libcmocka-dev
bats
clang
libclang-rt-14-dev
openssl
sqlite3
curl
iproute2
nmap
arping
tcpdump
ca-certificates
tzdata
dpkg-dev
lintian
jq
python3
ieee-data
chromium
fonts-wqy-microhei
"
# Extra for `make bench` (the references the issues compare against).
BENCH_PKGS="
hyperfine
tshark
zabbix-agent
prometheus-node-exporter
time
bc
testssl.sh
sslscan
"

want=$PKGS
[ "${1:-}" = "--bench" ] && want=$BENCH_PKGS

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
if ! apt-get install -y -q --no-install-recommends $missing >/tmp/shaobing-deps.log 2>&1; then
	apt-get update -q >>/tmp/shaobing-deps.log 2>&1 || true
	apt-get install -y -q --no-install-recommends $missing >>/tmp/shaobing-deps.log 2>&1 || {
		tail -n 20 /tmp/shaobing-deps.log >&2
		echo "deps: apt-get install failed (log: /tmp/shaobing-deps.log)" >&2
		exit 1
	}
fi
# Daemons pulled in by bench packages must not keep running on their own.
if [ "${1:-}" = "--bench" ]; then
	for s in zabbix-agent prometheus-node-exporter; do
		systemctl stop "$s" 2>/dev/null || service "$s" stop 2>/dev/null || true
	done
fi
echo "deps: done"
