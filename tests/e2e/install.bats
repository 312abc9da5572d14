#!/usr/bin/env bats
# Install and run as the office does (README.md, "Installing on office
# machines"): both .debs installed with apt, then the README's command
# lines run word for word, in order, as root: ca init, check-config,
# start the collector, token create, enroll with the line token create
# printed, start the agent; then alice, a member of group shaobing,
# sees the agent up and its events with the CLI.  Then the same with the
# collector reached by IP address, an upgrade to a second build with a
# bumped version, and remove + purge leaving nothing behind.
#
# Where: a throw-away root, an overlay of this machine's own / (as in
# packaging.bats), in its own mount and network namespace held by one
# process for the whole file, so the daemons keep running between tests
# and nothing here touches this machine's packages, ports or files (other
# tests and other people run collectors on 8443 here).  The network
# namespace has lo only, with 192.0.2.10 (the collector's address) added
# to it; collector.office.example resolves to it through /etc/hosts
# (the office's DNS).
#
# The daemons run as their installed unit files say: `systemctl
# restart|reload UNIT` in the README lines is answered by unit_start
# (below), which reads User, Group, UMask, AmbientCapabilities,
# Environment, RuntimeDirectory, NoNewPrivileges and ExecStart from
# /lib/systemd/system/UNIT.service and starts ExecStart with setpriv and
# umask accordingly.  The last test does it all again in a root booted
# with systemd as PID 1 (systemd-nspawn --boot), with the real systemctl.
# Needs root; skips otherwise.

load helpers

COLLECTOR_IP=192.0.2.10

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root (packages installed into a throw-away root)"
	for t in unshare nsenter setpriv ip dpkg-deb dpkg-shlibdeps; do
		command -v "$t" >/dev/null || skip "$t missing (util-linux, iproute2, dpkg-dev: make deps)"
	done
	for b in shaobing-agent shaobing-collector shaobing; do
		[ -x "$SHAOBING_BIN/$b" ] || skip "$SHAOBING_BIN/$b not built"
	done
	export DEBS="$BATS_FILE_TMPDIR/debs" ROOT="$BATS_FILE_TMPDIR/root"
	mkdir -p "$DEBS/v1" "$DEBS/v2" "$ROOT/upper" "$ROOT/work" "$ROOT/merged"
	V1=$(dpkg-parsechangelog -l "$SHAOBING_ROOT/packaging/changelog" -S Version)
	export V1 V2="$V1+test1" ARCH=$(dpkg --print-architecture)
	sh "$SHAOBING_ROOT/packaging/build-deb.sh" --bin "$SHAOBING_BIN" \
		--out "$DEBS/v1" >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	sb_build_version "$V2" "$BATS_FILE_TMPDIR/build-v2" >&3
	sh "$SHAOBING_ROOT/packaging/build-deb.sh" --bin "$BATS_FILE_TMPDIR/build-v2/bin" \
		--out "$DEBS/v2" --version "$V2" >>"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	cp "$SHAOBING_ROOT/README.md" "$DEBS/README.md"
	cp "$BATS_TEST_DIRNAME/install_unit.sh" "$DEBS/unit.sh"

	# The holder: mount + network namespace with the overlay root.
	export HOLD_PID="$BATS_FILE_TMPDIR/hold.pid"
	unshare --mount --net --propagation private --fork sh -euc '
		m=$1/merged
		mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$m"
		mount -t proc proc "$m/proc"
		mount -t sysfs sysfs "$m/sys"
		mount --rbind /dev "$m/dev"
		mount -t tmpfs tmpfs "$m/run"
		mount -t tmpfs tmpfs "$m/tmp"
		mount --bind "$2" "$m/mnt"
		ip link set lo up
		ip addr add "$3/32" dev lo
		echo $$ >"$4.tmp" && mv "$4.tmp" "$4"
		exec sleep 100000' sh "$ROOT" "$DEBS" "$COLLECTOR_IP" "$HOLD_PID" \
		</dev/null >"$BATS_FILE_TMPDIR/hold.log" 2>&1 3>&- &
	local n=0
	until [ -s "$HOLD_PID" ]; do
		n=$((n + 1))
		if [ $n -gt 3000 ] || ! kill -0 $! 2>/dev/null; then
			cat "$BATS_FILE_TMPDIR/hold.log" >&3
			skip "cannot make a throw-away root (overlayfs over /, namespaces) here"
		fi
		sleep 0.1
	done
	# Start from a root without Shaobing, whatever this machine has.
	inroot '
		for p in shaobing-agent shaobing-collector; do
			if dpkg-query -W "$p" >/dev/null 2>&1; then dpkg --purge "$p" >/dev/null; fi
		done
		rm -rf /etc/shaobing /var/lib/shaobing
		if getent passwd shaobing >/dev/null; then deluser --quiet --system shaobing; fi
		if getent group shaobing >/dev/null; then delgroup --quiet --system shaobing; fi
		if ! getent passwd alice >/dev/null; then
			adduser --quiet --disabled-password --no-create-home --gecos "" alice
		fi
	'
	leftovers >"$BATS_FILE_TMPDIR/before"
}

teardown_file() {
	if [ -z "${HOLD_PID:-}" ] || [ ! -s "$HOLD_PID" ]; then
		return 0
	fi
	inroot '. /mnt/unit.sh; unit_stop shaobing-agent; unit_stop shaobing-collector' || true
	kill "$(cat "$HOLD_PID")" 2>/dev/null || true
}

# inroot SCRIPT: SCRIPT under sh -eu as root inside the throw-away root
# (the packages and the README in /mnt).
inroot() {
	nsenter -t "$(cat "$HOLD_PID")" -m -n env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		LC_ALL=C.UTF-8 chroot "$ROOT/merged" /bin/sh -euc "$1" </dev/null
}

# as_alice CMD...: CMD as user alice with her groups from /etc/group
# (a new login after `adduser alice shaobing`).
as_alice() {
	inroot "cd / && setpriv --reuid=alice --regid=alice --init-groups $*"
}

# leftovers: files and symlinks in the upper layer (what changed), minus
# the bookkeeping of dpkg, apt, adduser, and the test's own user alice,
# /etc/hosts entry and daemon logs (var/log).
leftovers() {
	(cd "$ROOT/upper" && find . \( -type f -o -type l \) -printf '%P\n') |
		grep -Ev '^(var/lib/dpkg/|var/lib/apt/|var/log/|var/cache/(apt|debconf|man|ldconfig)/|etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|etc/\.pwd\.lock$|etc/ld\.so\.cache$|etc/hosts$)' |
		sort || true
}

# readme_script [IP]: the command lines of README's "Installing on office
# machines" (the indented code of steps 2 and 3), in order.  The enroll
# line (a placeholder there: "paste the line token create printed") is
# replaced by the line `shaobing token create` printed.  With IP, the
# collector is named by its address only (--name collector... dropped).
readme_script() {
	awk '/^## Installing on office machines/ { on = 1 } /^## Supported systems/ { on = 0 }
		on && /^2\. \*\*Collector host/ { code = 1 }
		code && /^       [^ ]/ { sub(/^       /, ""); print }' "$SHAOBING_ROOT/README.md" |
	sed -e "s/_0\.1\.0_amd64\.deb/_${V}_$ARCH.deb/" \
		-e 's/^shaobing token create .*/& | tee \/tmp\/token.txt/' \
		-e 's/^shaobing-agent enroll .*/$(grep "^shaobing-agent enroll " \/tmp\/token.txt)/' \
		-e 's/^shaobing agents$/as_alice shaobing agents/' \
		-e 's/^shaobing events$/as_alice shaobing events --limit 5/' \
		${1:+-e 's/--name collector\.office\.example //'}
}

# run_readme [IP]: the README's lines as root in /mnt/vN (where the .debs
# are), systemctl answered by the unit files (unit.sh), set -x so the
# output shows each line as it ran.
run_readme() {
	local script
	script=$(readme_script "$@")
	echo "$script" >"$BATS_TEST_TMPDIR/readme.sh"
	inroot "
		. /mnt/unit.sh
		as_alice() { setpriv --reuid=alice --regid=alice --init-groups \"\$@\"; }
		cd /mnt/v1
		set -x
		$script"
}

# wait_events AGENT: as alice, until the collector holds events of AGENT
# of the system and inventory probes.
events_of() {
	as_alice shaobing events --agent "$1" --json |
		jq -e '[.events[].type] | (index("system") != null) and (index("inventory") != null)'
}

@test "install: README's steps as root; alice (group shaobing) sees the agent up and its events" {
	V=$V1
	inroot "echo '$COLLECTOR_IP collector.office.example' >>/etc/hosts"
	run run_readme
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^shaobing-agent enroll --server https://collector.office.example:8443 --token sbe_' <<<"$output"
	grep -q "enrolled as '" <<<"$output"
	host=$(inroot 'hostname')
	SB_WAIT_GUARD=1200 sb_wait_until events_of "$host"
	run as_alice shaobing agents --json
	echo "$output"
	jq -e --arg h "$host" '.agents[] | select(.name == $h) | .status == "up"' <<<"$output"
	# Every file the units open has the owner and mode they need.
	run inroot 'stat -c "%U:%G %a %n" /etc/shaobing/ca.key /etc/shaobing/server.key \
		/etc/shaobing/agent.ini /var/lib/shaobing/agent.key /var/lib/shaobing/agent.crt'
	echo "$output"
	grep -qx 'root:shaobing 640 /etc/shaobing/ca.key' <<<"$output"
	grep -qx 'root:shaobing 640 /etc/shaobing/server.key' <<<"$output"
	grep -qx 'root:shaobing 640 /etc/shaobing/agent.ini' <<<"$output"
	grep -qx 'shaobing:shaobing 600 /var/lib/shaobing/agent.key' <<<"$output"
	# The daemons run as the units say: user shaobing, the agent with
	# exactly its two capabilities.
	run inroot '. /mnt/unit.sh; for u in shaobing-collector shaobing-agent; do
		p=$(cat /run/$u.pid); grep -E "^(Uid|Gid|CapEff|CapAmb):" /proc/$p/status | tr -s "\t" " "; done'
	echo "$output"
	uid=$(inroot 'id -u shaobing')
	[ "$(grep -c "^Uid: $uid $uid $uid $uid" <<<"$output")" -eq 2 ]
	grep -qx 'CapEff: 0000000000000000' <<<"$output"
	grep -qx 'CapAmb: 0000000000003000' <<<"$output"
}

@test "install: a user outside group shaobing is told why the CLI cannot reach the collector" {
	run inroot 'setpriv --reuid=nobody --regid=nogroup --clear-groups shaobing agents'
	echo "$output"
	[ "$status" -ne 0 ]
	grep -q 'permission denied' <<<"$output"
	grep -q 'group shaobing' <<<"$output"
}

@test "install: the same README with the collector reached by its IP address" {
	V=$V1
	inroot '. /mnt/unit.sh; unit_stop shaobing-agent; unit_stop shaobing-collector
		dpkg --purge shaobing-agent shaobing-collector >/dev/null
		sed -i "/collector.office.example/d" /etc/hosts
		deluser --quiet alice shaobing'
	run run_readme ip
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^shaobing-agent enroll --server https://$COLLECTOR_IP:8443 --token sbe_" <<<"$output"
	host=$(inroot 'hostname')
	SB_WAIT_GUARD=1200 sb_wait_until events_of "$host"
	run inroot 'openssl x509 -in /etc/shaobing/server.crt -noout -ext subjectAltName'
	grep -q "IP Address:$COLLECTOR_IP" <<<"$output"
}

@test "install: upgrade to a bumped version: one version everywhere, same data, events keep arriving" {
	V=$V2
	host=$(inroot 'hostname')
	before=$(as_alice shaobing events --agent "$host" --json | jq '.events | length')
	run inroot "cd /mnt/v2 && apt-get install -y -q ./shaobing-collector_${V2}_$ARCH.deb ./shaobing-agent_${V2}_$ARCH.deb"
	echo "$output"
	[ "$status" -eq 0 ]
	# What postinst does with systemd running: restart both.
	inroot '. /mnt/unit.sh; systemctl restart shaobing-collector; systemctl restart shaobing-agent'
	run inroot 'dpkg-query -W -f="\${Version}\n" shaobing-agent shaobing-collector
		shaobing --version; shaobing-agent --version; shaobing-collector --version'
	echo "$output"
	[ "$(grep -c "$V2\$" <<<"$output")" -eq 5 ]
	# The restarted agent reports again (its system event at start).
	more() { [ "$(as_alice shaobing events --agent "$host" --json | jq '.events | length')" -gt "$before" ]; }
	SB_WAIT_GUARD=1200 sb_wait_until more
	run as_alice shaobing events --agent "$host" --json
	[ "$(jq '[.events[] | select(.type == "system")] | length' <<<"$output")" -ge 2 ]
}

@test "install: remove keeps data, purge leaves nothing behind" {
	inroot '. /mnt/unit.sh; unit_stop shaobing-agent; unit_stop shaobing-collector
		dpkg --remove shaobing-agent shaobing-collector >/dev/null
		test -f /var/lib/shaobing/collector.db
		test -f /var/lib/shaobing/inventory.state
		test -f /etc/shaobing/ca.key
		dpkg --purge shaobing-agent shaobing-collector >/dev/null
		test ! -e /etc/shaobing
		test ! -e /var/lib/shaobing'
	# Only the user shaobing stays (Debian practice) — in /etc/passwd,
	# which leftovers() leaves out with the other account files.
	run comm -13 "$BATS_FILE_TMPDIR/before" <(leftovers)
	echo "left behind: $output"
	[ -z "$output" ]
}

# insys SCRIPT: SCRIPT under sh -eu as root inside the booted container.
insys() {
	nsenter -t "$SYS_PID" -m -u -i -n -p -r -w env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		LC_ALL=C.UTF-8 /bin/sh -euc "$1" </dev/null
}

nspawn_stop() {
	[ -n "${NSPAWN_PID:-}" ] || return 0
	insys 'systemctl poweroff' >/dev/null 2>&1 || true
	local n=0
	while kill -0 "$NSPAWN_PID" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 600 ]; then kill -KILL "$NSPAWN_PID" 2>/dev/null || true; fi
		sleep 0.1
	done
}

teardown() {
	nspawn_stop
}

@test "install: with systemd as PID 1 (systemd-nspawn --boot), the README's lines with the real systemctl" {
	command -v systemd-nspawn >/dev/null || skip "systemd-nspawn missing (apt install systemd-container)"
	[ -x /lib/systemd/systemd ] || skip "systemd is not installed here to boot"
	N=$BATS_TEST_TMPDIR/ns
	mkdir -p "$N/upper" "$N/work" "$N/merged"
	# A second throw-away root of this machine, booted: systemd as its
	# PID 1, its own network (lo only).
	unshare --mount --propagation private --fork sh -euc '
		mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/merged"
		exec systemd-nspawn -q -D "$1/merged" --private-network --boot \
			--register=no --link-journal=no --keep-unit --bind-ro="$2:/mnt"' \
		sh "$N" "$DEBS" </dev/null >"$N/boot.log" 2>&1 3>&- &
	NSPAWN_PID=$!
	booted() {
		local p
		p=$(pgrep -P "$NSPAWN_PID" -x systemd-nspawn) &&
			SYS_PID=$(pgrep -P "$p" -x systemd) &&
			insys 'case "$(systemctl is-system-running)" in running|degraded) ;; *) exit 1 ;; esac'
	}
	SB_WATCH=$NSPAWN_PID SB_WAIT_GUARD=1200 sb_wait_until booted ||
		{ tail -n 20 "$N/boot.log"; skip "systemd-nspawn cannot boot this machine's tree here"; }
	insys '
		for p in shaobing-agent shaobing-collector; do
			if dpkg-query -W "$p" >/dev/null 2>&1; then dpkg --purge "$p" >/dev/null; fi
		done
		rm -rf /etc/shaobing /var/lib/shaobing
		if ! getent passwd alice >/dev/null; then
			adduser --quiet --disabled-password --no-create-home --gecos "" alice
		fi
		ip addr add '"$COLLECTOR_IP"'/32 dev lo
		echo "'"$COLLECTOR_IP"' collector.office.example" >>/etc/hosts'
	V=$V1
	script=$(readme_script)
	run insys "
		as_alice() { setpriv --reuid=alice --regid=alice --init-groups \"\$@\"; }
		cd /mnt/v1
		set -x
		$script"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "enrolled as '" <<<"$output"
	host=$(insys hostname)
	sys_events() {
		insys "setpriv --reuid=alice --regid=alice --init-groups shaobing events --agent $host --json" |
			jq -e '[.events[].type] | (index("system") != null) and (index("inventory") != null)'
	}
	SB_WATCH=$NSPAWN_PID SB_WAIT_GUARD=1200 sb_wait_until sys_events
	run insys 'for u in shaobing-collector shaobing-agent; do
		systemctl show -p ActiveState -p NRestarts -p User "$u.service" | tr "\n" " "; echo; done'
	echo "$output"
	[ "$(grep -c 'ActiveState=active' <<<"$output")" -eq 2 ]
	[ "$(grep -c 'NRestarts=0' <<<"$output")" -eq 2 ]
	[ "$(grep -c 'User=shaobing' <<<"$output")" -eq 2 ]
	# A reload takes a new server certificate (same CA) without a restart.
	run insys 'shaobing ca server-cert /etc/shaobing --name collector.office.example && systemctl reload shaobing-collector'
	echo "$output"
	[ "$status" -eq 0 ]
	run insys 'dpkg --purge shaobing-agent shaobing-collector >/dev/null
		test ! -e /etc/shaobing; test ! -e /var/lib/shaobing
		systemctl list-units --all --no-legend "shaobing*" | wc -l'
	echo "$output"
	[ "$status" -eq 0 ]
}
