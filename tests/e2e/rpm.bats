#!/usr/bin/env bats
# The RPM packages (packaging/rpm/): built by make rpm's script for this
# machine's architecture (and aarch64 when the cross toolchain is
# installed), the files and attributes the .debs have, every shared
# library the binaries need declared in Requires (inih and libpcap linked
# statically), no rpmlint complaint left unexplained, and the scriptlets
# run by rpm --root in a throw-away root: an overlay of this machine's /
# (as in packaging.bats; needs root, skips otherwise).

bats_require_minimum_version 1.5.0

setup_file() {
	command -v rpmbuild >/dev/null || skip "rpm not installed (make deps)"
	export RPMS="$BATS_FILE_TMPDIR/rpm"
	V=$(dpkg-parsechangelog -l "$SHAOBING_ROOT/packaging/changelog" -S Version)
	export V RA
	RA=$(uname -m)
	# A build of its own: the RPM binaries link inih and libpcap statically.
	sh "$SHAOBING_ROOT/packaging/rpm/build-rpm.sh" --out "$RPMS" \
		>"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -n 30 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
}

# files PKG ARCH: path mode user group flags, one line per file.
files() {
	rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags}\n]' \
		"$RPMS/$1-$V-1.$2.rpm"
}

@test "rpm: both packages list exactly their files, with the .debs' modes" {
	files shaobing-agent "$RA" >"$BATS_TEST_TMPDIR/agent"
	cat "$BATS_TEST_TMPDIR/agent"
	[ "$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/agent")" = "/etc/shaobing
/etc/shaobing/agent.ini
/usr/lib/systemd/system/shaobing-agent.service
/usr/lib/sysusers.d/shaobing.conf
/usr/sbin/shaobing-agent
/usr/share/doc/shaobing-agent/copyright
/usr/share/man/man8/shaobing-agent.8.gz
/var/lib/shaobing" ]
	grep -qx '/etc/shaobing/agent.ini -rw-r----- root shaobing cn' "$BATS_TEST_TMPDIR/agent"
	grep -qx '/var/lib/shaobing drwxr-x--- shaobing shaobing ' "$BATS_TEST_TMPDIR/agent"
	grep -qx '/usr/sbin/shaobing-agent -rwxr-xr-x root root ' "$BATS_TEST_TMPDIR/agent"
	files shaobing-collector "$RA" >"$BATS_TEST_TMPDIR/coll"
	[ "$(rpm -qlp "$RPMS/shaobing-collector-$V-1.$RA.rpm")" = "/etc/shaobing
/etc/shaobing/collector.ini
/usr/bin/shaobing
/usr/lib/systemd/system/shaobing-collector.service
/usr/lib/sysusers.d/shaobing.conf
/usr/sbin/shaobing-collector
/usr/share/doc/shaobing-collector/copyright
/usr/share/man/man1/shaobing.1.gz
/usr/share/man/man8/shaobing-collector.8.gz
/usr/share/shaobing
/usr/share/shaobing/console
/usr/share/shaobing/console/LICENSE-echarts.txt
/usr/share/shaobing/console/NOTICE-echarts.txt
/usr/share/shaobing/console/echarts.min.js
/usr/share/shaobing/holidays-2025.txt
/usr/share/shaobing/holidays-2026.txt
/var/lib/shaobing" ]
	grep -qx '/etc/shaobing/collector.ini -rw-r----- root shaobing cn' "$BATS_TEST_TMPDIR/coll"
	# The console's chart library, as the .deb ships it (the same files
	# as scripts/console_vendor.sh --files, mode 0644, the fetched bytes).
	for f in $(sh "$SHAOBING_ROOT/scripts/console_vendor.sh" --files); do
		grep -qx "/usr/share/shaobing/console/$f -rw-r--r-- root root " "$BATS_TEST_TMPDIR/coll"
	done
	rpm2cpio "$RPMS/shaobing-collector-$V-1.$RA.rpm" | (cd "$BATS_TEST_TMPDIR" && cpio -idm --quiet)
	cmp "$BATS_TEST_TMPDIR/usr/share/shaobing/console/echarts.min.js" \
		"$SHAOBING_ROOT/build/console-vendor/echarts.min.js"
	# The units are the .debs' units, byte for byte.
	rpm2cpio "$RPMS/shaobing-agent-$V-1.$RA.rpm" | (cd "$BATS_TEST_TMPDIR" && cpio -idm --quiet)
	cmp "$BATS_TEST_TMPDIR/usr/lib/systemd/system/shaobing-agent.service" \
		"$SHAOBING_ROOT/packaging/agent/shaobing-agent.service"
}

# check_requires RPM: every NEEDED library of every ELF file in RPM is
# among its Requires; every library Requires is NEEDED by one of them;
# inih and libpcap are linked statically.
check_requires() {
	local rpmf=$1 d n
	d=$(mktemp -d "$BATS_TEST_TMPDIR/x.XXXXXX")
	rpm2cpio "$rpmf" | (cd "$d" && cpio -idm --quiet)
	rpm -qpR "$rpmf" | sed -n 's/^\(lib[^(]*\.so[^(]*\)()(64bit)$/\1/p' | sort -u >"$d.req"
	[ -s "$d.req" ]
	find "$d" -type f -perm -u+x -exec sh -c 'readelf -d "$1" | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p"' sh {} \; |
		sort -u >"$d.needed"
	echo "Requires:"; cat "$d.req"; echo "NEEDED:"; cat "$d.needed"
	# ld-linux (the interpreter) is required through rtld(GNU_HASH)/libc.
	diff -u <(grep -v '^ld-linux' "$d.needed") "$d.req"
	if grep -E '^lib(inih|pcap)\.' "$d.needed"; then
		echo "inih/libpcap should be static"; return 1
	fi
	rpm -qp --qf '%{DESCRIPTION}\n' "$rpmf" | tr '\n' ' ' | grep -q 'Linked statically: inih libpcap'
	# The static libraries are really inside: their code, no soname.
	find "$d" -name 'shaobing-agent' -exec grep -c 'libpcap version' {} \; | grep -qv '^0$' ||
		[ ! -e "$d/usr/sbin/shaobing-agent" ]
}

@test "rpm: every library the binaries need is declared or static (x86_64)" {
	for p in shaobing-agent shaobing-collector; do
		check_requires "$RPMS/$p-$V-1.$RA.rpm"
		rpm -qpR "$RPMS/$p-$V-1.$RA.rpm" | grep -qx 'shadow-utils'
	done
}

@test "rpm: rpmlint finds nothing beyond the justified filters" {
	command -v rpmlint >/dev/null || skip "rpmlint not installed (make deps)"
	run rpmlint -c "$SHAOBING_ROOT/packaging/rpm/rpmlint.toml" "$RPMS"/*.rpm
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 errors, 0 warnings"* ]]
}

@test "rpm: aarch64 packages (make rpm ARCH=arm64) hold arm64 binaries, Requires computed" {
	command -v aarch64-linux-gnu-gcc >/dev/null || skip "cross toolchain not installed (make deps ARCH=arm64)"
	[ -e /usr/lib/aarch64-linux-gnu/libpcap.a ] || skip "arm64 libraries not installed (make deps ARCH=arm64)"
	sh "$SHAOBING_ROOT/packaging/rpm/build-rpm.sh" --arch arm64 --out "$RPMS" >"$BATS_TEST_TMPDIR/build.log" 2>&1 ||
		{ tail -n 30 "$BATS_TEST_TMPDIR/build.log"; return 1; }
	for p in shaobing-agent shaobing-collector; do
		f="$RPMS/$p-$V-1.aarch64.rpm"
		[ "$(rpm -qp --qf '%{ARCH}' "$f")" = aarch64 ]
		check_requires "$f"
	done
	d=$(mktemp -d "$BATS_TEST_TMPDIR/a.XXXXXX")
	rpm2cpio "$RPMS/shaobing-agent-$V-1.aarch64.rpm" | (cd "$d" && cpio -idm --quiet)
	readelf -h "$d/usr/sbin/shaobing-agent" | grep -q 'Machine:.*AArch64'
	run rpmlint -c "$SHAOBING_ROOT/packaging/rpm/rpmlint.toml" "$RPMS"/*.aarch64.rpm
	echo "$output"
	[ "$status" -eq 0 ]
}

# inroot_rpm SCRIPT: SCRIPT runs (sh -eu) outside a throw-away root $m
# (overlay of /), rpm --root "$m" installs into it and runs the scriptlets
# chrooted there; the packages are in $RPMS.
inroot_rpm() {
	unshare --mount --propagation private sh -euc '
		m=$1/merged
		mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$m"
		mount -t proc proc "$m/proc"
		mount -t tmpfs tmpfs "$m/run"
		export m
		exec sh -euc "$2"' sh "$ROOT" "$1"
}

@test "rpm: rpm --root installs, the scriptlets make the user, erase keeps a changed config" {
	[ "$(id -u)" = 0 ] || skip "needs root (rpm --root into an overlay root)"
	command -v unshare >/dev/null || skip "unshare (util-linux) missing"
	ROOT="$BATS_TEST_TMPDIR/root"
	mkdir -p "$ROOT/upper" "$ROOT/work" "$ROOT/merged"
	unshare --mount --propagation private sh -c \
		'mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/merged"' \
		sh "$ROOT" 2>/dev/null || skip "overlayfs over / not available here"
	run inroot_rpm '
		# A root without Shaobing or its user, whatever this machine has.
		chroot "$m" sh -c "rm -rf /etc/shaobing /var/lib/shaobing /var/lib/rpm
			userdel shaobing 2>/dev/null; groupdel shaobing 2>/dev/null; true"
		rpm --root "$m" --initdb
		rpm --root "$m" --nodeps -i '"$RPMS/shaobing-agent-$V-1.$RA.rpm $RPMS/shaobing-collector-$V-1.$RA.rpm"'
		chroot "$m" getent passwd shaobing
		chroot "$m" stat -c "%n %U %G %a" /etc/shaobing/agent.ini /var/lib/shaobing
		rpm --root "$m" -qa --qf "%{NAME}\n" | sort
		rpm --root "$m" -V --nodeps shaobing-agent shaobing-collector && echo verified
		echo "# changed" >>"$m/etc/shaobing/agent.ini"
		rpm --root "$m" --nodeps -e shaobing-agent
		ls "$m/etc/shaobing"
		test ! -e "$m/usr/sbin/shaobing-agent" && echo binary-gone
		test -x "$m/usr/sbin/shaobing-collector" && echo collector-stays
		chroot "$m" getent passwd shaobing >/dev/null && echo user-stays
	'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"shaobing:x:"*":/var/lib/shaobing:/sbin/nologin"* ]]
	[[ "$output" == *"/etc/shaobing/agent.ini root shaobing 640"* ]]
	[[ "$output" == *"/var/lib/shaobing shaobing shaobing 750"* ]]
	[[ "$output" == *$'shaobing-agent\nshaobing-collector'* ]]
	[[ "$output" == *verified* ]]
	# %config(noreplace): the administrator's changed file is kept.
	[[ "$output" == *"agent.ini.rpmsave"* ]]
	[[ "$output" == *binary-gone* ]]
	[[ "$output" == *collector-stays* ]]
	[[ "$output" == *user-stays* ]]
}
