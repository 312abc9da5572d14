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
systemd
systemd-container
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
man-db
rpm
rpmlint
jq
python3
ieee-data
chromium
fonts-wqy-microhei
libsnmp-dev
libxlsxwriter-dev
libpq-dev
postgresql
python3-openpyxl
snmpd
snmp
fping
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

# With --arm64 (make deps ARCH=arm64, make check): the cross toolchain,
# the arm64 libraries and qemu-user for `make ARCH=arm64`, `make deb
# ARCH=arm64` and `make check-arm64`.  Kept apart so that `make deps`
# needs no second architecture.  libevent-dev is not Multi-Arch: same in
# Debian 12 (installing the arm64 one removes the amd64 one), so only the
# arm64 runtime libraries are installed; the Makefile links them directly.
ARM64_PKGS="
gcc-aarch64-linux-gnu
libc6-dev-arm64-cross
qemu-user
file
libc6:arm64
libpcap-dev:arm64
libssl-dev:arm64
libsqlite3-dev:arm64
libcurl4-openssl-dev:arm64
libinih-dev:arm64
libjansson-dev:arm64
zlib1g-dev:arm64
libcmocka-dev:arm64
libevent-2.1-7:arm64
libevent-openssl-2.1-7:arm64
libevent-pthreads-2.1-7:arm64
libsnmp40:arm64
libpq5:arm64
libgumbo-dev:arm64
libxlsxwriter-dev:arm64
"

want=$PKGS
[ "${1:-}" = "--bench" ] && want=$BENCH_PKGS
[ "${1:-}" = "--arm64" ] && want=$ARM64_PKGS

missing=""
# npm (the console's chart library, scripts/console_vendor.sh): any npm
# will do.  Machines with NodeSource's nodejs already have one, and
# Debian's npm package conflicts with that nodejs, so ask for Debian's
# only when there is no npm at all.
if [ -z "${1:-}" ] && ! command -v npm >/dev/null 2>&1; then
	want="$want npm"
fi
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
if [ "${1:-}" = "--arm64" ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "deps: adding the arm64 architecture (dpkg --add-architecture arm64)"
	dpkg --add-architecture arm64
	apt-get update -q >>/tmp/shaobing-deps.log 2>&1 || true
fi
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
# Debian's postgresql package makes and starts a "main" cluster; the
# tests make their own throw-away ones (tests/pg.sh), so one installed
# here does not keep running.
case " $missing " in
*" postgresql "*)
	systemctl disable --now postgresql >/dev/null 2>&1 ||
		service postgresql stop >/dev/null 2>&1 || true ;;
esac
# Daemons pulled in by bench packages must not keep running on their own.
if [ "${1:-}" = "--bench" ]; then
	for s in zabbix-agent prometheus-node-exporter; do
		systemctl stop "$s" 2>/dev/null || service "$s" stop 2>/dev/null || true
	done
fi
echo "deps: done"
