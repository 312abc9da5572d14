# Start and stop a service the way its installed systemd unit says, for
# tests/e2e/install.bats (sourced inside the throw-away root, where
# systemd is not PID 1).  Read from /lib/systemd/system/UNIT.service:
# User, Group, UMask, AmbientCapabilities (also made the bounding set, as
# CapabilityBoundingSet does), NoNewPrivileges, Environment,
# RuntimeDirectory(+Mode), StateDirectory(+Mode) and ExecStart.  Output
# goes to /var/log/UNIT.log (the journal's stand-in), the pid to
# /run/UNIT.pid.

# unit_key UNIT KEY: the last value of KEY= in the unit file.
unit_key() {
	sed -n "s/^$2=//p" "/lib/systemd/system/$1.service" | tail -n 1
}

unit_stop() {
	[ -s "/run/$1.pid" ] || return 0
	p=$(cat "/run/$1.pid")
	kill -TERM "$p" 2>/dev/null || true
	while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
	rm -f "/run/$1.pid"
}

unit_start() {
	u=$1
	[ -f "/lib/systemd/system/$u.service" ] || { echo "unit $u.service not installed" >&2; return 5; }
	user=$(unit_key "$u" User)
	group=$(unit_key "$u" Group)
	um=$(unit_key "$u" UMask)
	caps=$(unit_key "$u" AmbientCapabilities | tr 'A-Z' 'a-z' | sed -e 's/cap_/+/g' -e 's/ /,/g')
	nnp=$(unit_key "$u" NoNewPrivileges)
	envs=$(unit_key "$u" Environment)
	cmd=$(unit_key "$u" ExecStart)
	rt=$(unit_key "$u" RuntimeDirectory)
	sd=$(unit_key "$u" StateDirectory)
	[ -z "$rt" ] || install -d -o "$user" -g "$group" -m "$(unit_key "$u" RuntimeDirectoryMode)" "/run/$rt"
	if [ -n "$sd" ]; then
		install -d -m "$(unit_key "$u" StateDirectoryMode)" "/var/lib/$sd"
		chown "$user:$group" "/var/lib/$sd"
	fi
	unit_stop "$u"
	(
		umask "${um:-0022}"
		# shellcheck disable=SC2086 # ExecStart and Environment are word lists
		exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $envs \
			setpriv --reuid="$user" --regid="$group" --init-groups \
			--inh-caps="-all${caps:+,$caps}" --ambient-caps="-all${caps:+,$caps}" \
			--bounding-set="-all${caps:+,$caps}" \
			${nnp:+--no-new-privs} $cmd
	) </dev/null >>"/var/log/$u.log" 2>&1 &
	pid=$!
	echo "$pid" >"/run/$u.pid"
	# Until the daemon logs "started:" (both do, once their sockets are
	# open) or exits: then the unit would show as failed.
	n=$(grep -c ' started: ' "/var/log/$u.log" || true)
	while [ "$(grep -c ' started: ' "/var/log/$u.log" || true)" = "$n" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$u.service failed; its log:" >&2
			cat "/var/log/$u.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

# The README's systemctl lines.
systemctl() {
	case "$1" in
	start | restart) unit_start "$2" ;;
	stop) unit_stop "$2" ;;
	reload) kill -HUP "$(cat "/run/$2.pid")" ;;
	*) echo "systemctl $1: not emulated in this test" >&2; return 1 ;;
	esac
}
