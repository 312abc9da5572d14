#!/usr/bin/env bats
# The Debian packages (packaging/): they build from the binaries in
# $SHAOBING_BIN, lintian finds no error, and their maintainer scripts work:
# install, remove, purge and upgrade run with the real dpkg, adduser and
# deb-systemd-helper inside a throw-away root.
#
# The throw-away root is an overlay of this machine's own / (lower layer,
# never written) with an empty upper layer, entered with chroot inside a
# private mount namespace: the maintainer scripts run exactly as on a real
# Debian 12 system, every change lands in the upper layer, and the upper
# layer afterwards lists precisely what install + purge left behind.  Needs
# root (skips otherwise); no network, no systemd running.

load helpers

setup_file() {
	for b in shaobing-agent shaobing-collector shaobing; do
		[ -x "$SHAOBING_BIN/$b" ] || skip "$SHAOBING_BIN/$b not built"
	done
	command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
		skip "dpkg-dev not installed (make deps)"
	export DEBS="$BATS_FILE_TMPDIR/debs"
	mkdir -p "$DEBS/v1" "$DEBS/v2"
	V1=$(dpkg-parsechangelog -l "$SHAOBING_ROOT/packaging/changelog" -S Version)
	export V1 V2="$V1+test1"
	sh "$SHAOBING_ROOT/packaging/build-deb.sh" --bin "$SHAOBING_BIN" \
		--out "$DEBS/v1" >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	# The upgrade's programs say their own version (one version everywhere).
	sb_build_version "$V2" "$BATS_FILE_TMPDIR/build-v2" >&3
	sh "$SHAOBING_ROOT/packaging/build-deb.sh" --bin "$BATS_FILE_TMPDIR/build-v2/bin" \
		--out "$DEBS/v2" --version "$V2" >>"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	export ARCH=$(dpkg --print-architecture)
}

teardown() {
	if [ -n "${ROOT:-}" ] && mountpoint -q "$ROOT"; then umount "$ROOT"; fi
}

# need_root: skip unless a throw-away overlay root can be made here.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (dpkg in a throw-away root)"
	command -v unshare >/dev/null || skip "unshare (util-linux) missing"
	ROOT="$BATS_TEST_TMPDIR/root"
	# The upper layer on a tmpfs of its own: overlayfs refuses an upper
	# layer that is itself on overlayfs (a container's /).
	mkdir -p "$ROOT"
	mount -t tmpfs -o mode=0755 tmpfs "$ROOT"
	mkdir -p "$ROOT/upper" "$ROOT/work" "$ROOT/merged"
	unshare --mount --propagation private sh -c \
		'mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/merged"' \
		sh "$ROOT" 2>/dev/null || skip "overlayfs over / not available here"
	# Start from a root without Shaobing, whatever this machine has.
	inroot '
		for p in shaobing-agent shaobing-collector; do
			if dpkg-query -W "$p" >/dev/null 2>&1; then dpkg --purge "$p" >/dev/null; fi
		done
		rm -rf /etc/shaobing /var/lib/shaobing
		if getent passwd shaobing >/dev/null; then deluser --quiet --system shaobing; fi
		if getent group shaobing >/dev/null; then delgroup --quiet --system shaobing; fi
	'
	# What the cleanup itself wrote is not the packages' doing.
	before="$BATS_TEST_TMPDIR/before"
	leftovers >"$before"
}

# inroot SCRIPT: run SCRIPT with sh -eu as root of the throw-away root; the
# packages are in /mnt/v1 and /mnt/v2 there.
inroot() {
	unshare --mount --propagation private sh -euc '
		m=$1/merged
		mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$m"
		mount -t proc proc "$m/proc"
		mount --rbind /dev "$m/dev"
		mount -t tmpfs tmpfs "$m/run"
		mount --bind "$2" "$m/mnt"
		exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			LC_ALL=C.UTF-8 chroot "$m" /bin/sh -euc "$3"' sh "$ROOT" "$DEBS" "$1"
}

# leftovers: files and symlinks in the upper layer (what changed), minus
# the bookkeeping of dpkg, adduser and the package tools.
leftovers() {
	(cd "$ROOT/upper" && find . \( -type f -o -type l \) -printf '%P\n') |
		grep -Ev '^(var/lib/dpkg/|var/log/|var/cache/(debconf|man|ldconfig)/|etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|etc/\.pwd\.lock$|etc/ld\.so\.cache$)' |
		sort || true
}

@test "packaging: both packages build with computed, unpinned dependencies" {
	for p in shaobing-agent shaobing-collector; do
		deb="$DEBS/v1/${p}_${V1}_$ARCH.deb"
		[ -s "$deb" ]
		dpkg-deb --info "$deb" >/dev/null
		deps=$(dpkg-deb -f "$deb" Depends)
		echo "$p: $deps"
		# From dpkg-shlibdeps: the sonames the binaries use (both keep
		# their data in SQLite).
		[[ "$deps" == *libc6* ]]
		[[ "$deps" == *libsqlite3* ]]
		[[ "$deps" == *adduser* ]]
		# Nothing pinned to one exact version.
		refute_grep '(= ' <<<"$deps"
		[ "$(dpkg-deb -f "$deb" Version)" = "$V1" ]
	done
	[ "$(dpkg-deb -f "$DEBS/v2/shaobing-agent_${V2}_$ARCH.deb" Version)" = "$V2" ]
	# libpq (the PostgreSQL store): the collector's alone.
	[[ "$(dpkg-deb -f "$DEBS/v1/shaobing-collector_${V1}_$ARCH.deb" Depends)" == *libpq5* ]]
	[[ "$(dpkg-deb -f "$DEBS/v1/shaobing-agent_${V1}_$ARCH.deb" Depends)" != *libpq* ]]
}

@test "packaging: files, modes and conffiles are where Debian expects them" {
	a="$DEBS/v1/shaobing-agent_${V1}_$ARCH.deb"
	c="$DEBS/v1/shaobing-collector_${V1}_$ARCH.deb"
	run dpkg-deb --contents "$a"
	[ "$status" -eq 0 ]
	grep -Eq '^-rwxr-xr-x root/root .* \./usr/sbin/shaobing-agent$' <<<"$output"
	grep -Eq '^-rw-r--r-- root/root .* \./etc/shaobing/agent\.ini$' <<<"$output"
	grep -Eq '^-rw-r--r-- root/root .* \./lib/systemd/system/shaobing-agent\.service$' <<<"$output"
	grep -q '\./usr/share/doc/shaobing-agent/copyright$' <<<"$output"
	run dpkg-deb --contents "$c"
	grep -Eq '^-rwxr-xr-x root/root .* \./usr/sbin/shaobing-collector$' <<<"$output"
	grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/shaobing$' <<<"$output"
	grep -Eq '^-rw-r--r-- root/root .* \./etc/shaobing/collector\.ini$' <<<"$output"
	grep -q '\./lib/systemd/system/shaobing-collector\.service$' <<<"$output"
	# The console's chart library with its licence (scripts/console_vendor.sh).
	grep -Eq '^-rw-r--r-- root/root .* \./usr/share/shaobing/console/echarts\.min\.js$' <<<"$output"
	grep -Eq '^-rw-r--r-- root/root .* \./usr/share/shaobing/console/LICENSE-echarts\.txt$' <<<"$output"
	grep -Eq '^-rw-r--r-- root/root .* \./usr/share/shaobing/console/NOTICE-echarts\.txt$' <<<"$output"
	# Every bundled third-party file is in the package's copyright file.
	cr=$(dpkg-deb --fsys-tarfile "$c" | tar -xOf - ./usr/share/doc/shaobing-collector/copyright)
	for f in $(awk '{ print $NF }' <<<"$output" | grep '^\./usr/share/shaobing/console/' | grep -v '/$'); do
		grep -Eq "^(Files:)? +${f#./}\$" <<<"$cr" || { echo "$f not in copyright"; false; }
	done
	# The holiday calendar, where [schedule] calendar can name it.
	grep -Eq '^-rw-r--r-- root/root .* \./usr/share/shaobing/holidays-2025\.txt$' <<<"$output"
	grep -Eq '^-rw-r--r-- root/root .* \./usr/share/shaobing/holidays-2026\.txt$' <<<"$output"
	# Conffiles: the configuration and nothing else.
	x="$BATS_TEST_TMPDIR/ctl"
	mkdir -p "$x"
	dpkg-deb --control "$a" "$x/a"
	dpkg-deb --control "$c" "$x/c"
	[ "$(cat "$x/a/conffiles")" = /etc/shaobing/agent.ini ]
	[ "$(cat "$x/c/conffiles")" = /etc/shaobing/collector.ini ]
	# The packaged configuration is the documented example.
	dpkg-deb --fsys-tarfile "$a" | tar -xOf - ./etc/shaobing/agent.ini |
		cmp - "$SHAOBING_ROOT/conf/agent.ini"
	dpkg-deb --fsys-tarfile "$c" | tar -xOf - ./etc/shaobing/collector.ini |
		cmp - "$SHAOBING_ROOT/conf/collector.ini"
}

@test "packaging: lintian reports no errors" {
	command -v lintian >/dev/null || skip "lintian not installed (make deps)"
	run lintian --fail-on error --no-tag-display-limit \
		"$DEBS/v1/shaobing-agent_${V1}_$ARCH.deb" "$DEBS/v1/shaobing-collector_${V1}_$ARCH.deb"
	echo "$output"
	[ "$status" -eq 0 ]
	refute_grep '^E: ' <<<"$output"
}

@test "packaging: units are hardened (systemd-analyze security)" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze missing"
	systemd-analyze security --help 2>/dev/null | grep -q -- --offline ||
		skip "systemd-analyze security has no --offline (systemd < 250)"
	u="$SHAOBING_ROOT/packaging"
	# Exposure 0.0 (locked down) .. 10.0 (unsafe); thresholds in tenths.
	run systemd-analyze security --offline=yes --threshold=25 "$u/agent/shaobing-agent.service"
	echo "$output" | tail -n 1
	[ "$status" -eq 0 ]
	run systemd-analyze security --offline=yes --threshold=20 "$u/collector/shaobing-collector.service"
	echo "$output" | tail -n 1
	[ "$status" -eq 0 ]
	# The agent holds exactly the two capture capabilities; the collector none.
	grep -qx 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' "$u/agent/shaobing-agent.service"
	grep -qx 'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' "$u/agent/shaobing-agent.service"
	grep -qx 'CapabilityBoundingSet=' "$u/collector/shaobing-collector.service"
	grep -qx 'User=shaobing' "$u/collector/shaobing-collector.service"
}

@test "packaging: install, remove keeps config and data, purge leaves nothing" {
	need_root
	inroot "dpkg -i /mnt/v1/shaobing-agent_${V1}_$ARCH.deb /mnt/v1/shaobing-collector_${V1}_$ARCH.deb"
	run inroot '
		id shaobing
		stat -c "%U:%G %a %n" /var/lib/shaobing /etc/shaobing/agent.ini /etc/shaobing/collector.ini
		test -x /usr/sbin/shaobing-agent
		test -x /usr/sbin/shaobing-collector
		test -x /usr/bin/shaobing
		readlink /etc/systemd/system/multi-user.target.wants/shaobing-agent.service
		readlink /etc/systemd/system/multi-user.target.wants/shaobing-collector.service
		getent passwd shaobing | cut -d: -f6,7
	'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'groups=.*(shaobing)' <<<"$output"
	grep -qx 'shaobing:shaobing 750 /var/lib/shaobing' <<<"$output"
	grep -qx 'root:shaobing 640 /etc/shaobing/agent.ini' <<<"$output"
	grep -qx 'root:shaobing 640 /etc/shaobing/collector.ini' <<<"$output"
	grep -qx '/lib/systemd/system/shaobing-agent.service' <<<"$output"
	grep -qx '/lib/systemd/system/shaobing-collector.service' <<<"$output"
	grep -qx '/var/lib/shaobing:/usr/sbin/nologin' <<<"$output"
	# systemd accepts the installed units (binaries and man pages in place).
	if command -v systemd-analyze >/dev/null; then
		run inroot 'systemd-analyze verify /lib/systemd/system/shaobing-agent.service /lib/systemd/system/shaobing-collector.service'
		echo "$output"
		[ "$status" -eq 0 ]
	fi

	# The packaged configuration is valid and readable by the services'
	# user (group shaobing), and by no other user.  Before `ca init` and
	# `enroll`, --check-config (as root: as user shaobing) names the
	# certificates that are not there yet, and nothing else.
	run inroot '
		su="setpriv --reuid=shaobing --regid=shaobing --init-groups"
		$su cat /etc/shaobing/agent.ini /etc/shaobing/collector.ini >/dev/null
		if setpriv --reuid=nobody --regid=nogroup --clear-groups cat /etc/shaobing/agent.ini; then
			echo "nobody can read agent.ini"; exit 1
		fi
		/usr/sbin/shaobing-agent --check-config -c /etc/shaobing/agent.ini || echo "agent status $?"
		/usr/sbin/shaobing-collector --check-config -c /etc/shaobing/collector.ini || echo "collector status $?"
	'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'agent status 2' <<<"$output"
	grep -qx 'collector status 2' <<<"$output"
	grep -q '^shaobing-agent: /etc/shaobing/ca.crt (\[agent\] ca): cannot read it as user shaobing: No such file' <<<"$output"
	grep -q '^shaobing-collector: /etc/shaobing/server.key (\[server\] key): cannot read it as user shaobing: No such file' <<<"$output"
	refute_grep -E ':[0-9]+: ' <<<"$output"

	# The services' data and an administrator's edit.
	inroot '
		echo spool >/var/lib/shaobing/spool.db
		echo db >/var/lib/shaobing/collector.db
		echo db >/var/lib/shaobing/collector.db-wal
		echo "; edited" >>/etc/shaobing/agent.ini
		for f in ca.crt ca.key server.crt server.key agent.crt agent.key; do
			echo "$f" >/etc/shaobing/$f
		done
	'
	inroot 'dpkg --remove shaobing-agent shaobing-collector'
	run inroot '
		test ! -e /usr/sbin/shaobing-agent
		test ! -e /usr/bin/shaobing
		cat /var/lib/shaobing/spool.db /var/lib/shaobing/collector.db
		tail -n 1 /etc/shaobing/agent.ini
		test -f /etc/shaobing/collector.ini
		cat /etc/shaobing/ca.key /etc/shaobing/agent.key
		id -u shaobing >/dev/null
		dpkg-query -W -f="\${db:Status-Abbrev}\n" shaobing-agent shaobing-collector
	'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx spool <<<"$output"
	grep -qx db <<<"$output"
	grep -qx '; edited' <<<"$output"
	grep -qx ca.key <<<"$output"
	grep -qx agent.key <<<"$output"
	[ "$(grep -c '^rc ' <<<"$output")" -eq 2 ]

	inroot 'dpkg --purge shaobing-agent shaobing-collector'
	run inroot '
		test ! -e /etc/shaobing
		test ! -e /var/lib/shaobing
		test ! -e /etc/systemd/system/multi-user.target.wants/shaobing-agent.service
		test ! -e /etc/systemd/system/multi-user.target.wants/shaobing-collector.service
		test -z "$(dpkg-statoverride --list | grep shaobing || true)"
		test -z "$(dpkg-query -W shaobing-agent shaobing-collector 2>/dev/null || true)"
	'
	echo "$output"
	[ "$status" -eq 0 ]
	# Nothing else the packages made is left anywhere.
	leftovers >"$BATS_TEST_TMPDIR/after"
	run comm -13 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	echo "left behind: $output"
	[ -z "$output" ]
}

@test "packaging: purging one package keeps the other's data" {
	need_root
	inroot "dpkg -i /mnt/v1/shaobing-agent_${V1}_$ARCH.deb /mnt/v1/shaobing-collector_${V1}_$ARCH.deb"
	inroot '
		echo spool >/var/lib/shaobing/spool.db
		echo db >/var/lib/shaobing/collector.db
		for f in ca.crt ca.key server.crt server.key agent.crt agent.key; do
			echo "$f" >/etc/shaobing/$f
		done
	'
	inroot 'dpkg --purge shaobing-agent'
	run inroot '
		test ! -e /var/lib/shaobing/spool.db
		test ! -e /etc/shaobing/agent.ini
		test ! -e /etc/shaobing/agent.crt
		test ! -e /etc/shaobing/agent.key
		cat /etc/shaobing/ca.crt /etc/shaobing/ca.key /etc/shaobing/server.key
		cat /var/lib/shaobing/collector.db
		stat -c "%U:%G %a" /etc/shaobing/collector.ini
		id -u shaobing >/dev/null
	'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx db <<<"$output"
	grep -qx ca.crt <<<"$output"
	grep -qx ca.key <<<"$output"
	grep -qx server.key <<<"$output"
	grep -qx 'root:shaobing 640' <<<"$output"
	# Then the collector too: the shared CA certificate goes with it.
	inroot 'dpkg --purge shaobing-collector'
	run inroot 'test ! -e /etc/shaobing; test ! -e /var/lib/shaobing'
	[ "$status" -eq 0 ]
}

@test "packaging: upgrade keeps configuration, data and a disabled service" {
	need_root
	inroot "dpkg -i /mnt/v1/shaobing-agent_${V1}_$ARCH.deb /mnt/v1/shaobing-collector_${V1}_$ARCH.deb"
	inroot '
		echo spool >/var/lib/shaobing/spool.db
		echo db >/var/lib/shaobing/collector.db
		echo "; edited agent" >>/etc/shaobing/agent.ini
		echo "; edited collector" >>/etc/shaobing/collector.ini
		chmod 0600 /var/lib/shaobing/spool.db
		systemctl disable shaobing-agent.service
	'
	inroot "dpkg -i /mnt/v2/shaobing-agent_${V2}_$ARCH.deb /mnt/v2/shaobing-collector_${V2}_$ARCH.deb"
	run inroot '
		dpkg-query -W -f="\${Package} \${Version}\n" shaobing-agent shaobing-collector
		cat /var/lib/shaobing/spool.db /var/lib/shaobing/collector.db
		stat -c "%a" /var/lib/shaobing/spool.db
		tail -n 1 /etc/shaobing/agent.ini /etc/shaobing/collector.ini
		stat -c "%U:%G %a %n" /etc/shaobing/agent.ini /etc/shaobing/collector.ini
		if test ! -e /etc/systemd/system/multi-user.target.wants/shaobing-agent.service; then echo agent-still-disabled; fi
		if test -L /etc/systemd/system/multi-user.target.wants/shaobing-collector.service; then echo collector-enabled; fi
		ls /etc/shaobing
	'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "shaobing-agent $V2" <<<"$output"
	grep -qx "shaobing-collector $V2" <<<"$output"
	grep -qx spool <<<"$output"
	grep -qx db <<<"$output"
	grep -qx 600 <<<"$output"
	grep -qx '; edited agent' <<<"$output"
	grep -qx '; edited collector' <<<"$output"
	grep -qx 'root:shaobing 640 /etc/shaobing/agent.ini' <<<"$output"
	grep -qx agent-still-disabled <<<"$output"
	grep -qx collector-enabled <<<"$output"
	# An unchanged conffile upgrades silently: no .dpkg-new/.dpkg-dist copies.
	refute_grep 'dpkg-' <<<"$output"
}
