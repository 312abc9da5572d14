#!/usr/bin/env bats
# shaobing-agent --inventory on RPM systems (openEuler 22.03, Kylin Server
# V10): os-release, DMI and cpuinfo from the fixture roots
# tests/data/inventory/rpmroot-*, and the installed-package list read from
# an rpm database that rpm itself makes here (rpm --initdb, two tiny
# packages built with rpmbuild and installed with rpm --root), through
# librpm loaded at run time.

bats_require_minimum_version 1.5.0

setup_file() {
	command -v rpmbuild >/dev/null || skip "rpm not installed (make deps)"
	export PK="$BATS_FILE_TMPDIR/pkgs"
	mkdir -p "$PK"
	# mkpkg NAME EPOCH VERSION RELEASE ARCH: an rpm with one small file.
	mkpkg() {
		cat >"$PK/$1.spec" <<SPEC
Name: $1
${2:+Epoch: $2}
Version: $3
Release: $4
Summary: Shaobing inventory test package $1
License: MIT
BuildArch: $5
%description
Test package for the Shaobing rpm inventory.
%install
mkdir -p %{buildroot}/usr/share/$1
echo $1 >%{buildroot}/usr/share/$1/README
%files
/usr/share/$1/README
SPEC
		rpmbuild -bb --quiet --define "_topdir $PK/top" --define "_rpmdir $PK" \
			--define "_build_name_fmt %%{NAME}.rpm" "$PK/$1.spec" >/dev/null 2>&1
	}
	mkpkg sb-test-tools "" 1.2.3 4.oe2203 noarch
	mkpkg sb-test-lib 2 0.9 1.ky10 "$(uname -m)"
	[ -s "$PK/sb-test-tools.rpm" ] && [ -s "$PK/sb-test-lib.rpm" ]
}

# rpmroot FIXTURE: a copy of tests/data/inventory/rpmroot-FIXTURE in $R
# with an rpm database holding the two test packages.
rpmroot() {
	R="$BATS_TEST_TMPDIR/root"
	cp -a "$SHAOBING_ROOT/tests/data/inventory/rpmroot-$1" "$R"
	# --dbpath: where RPM systems keep it (Debian's rpm defaults to ~/.rpmdb).
	rpm --root "$R" --dbpath /var/lib/rpm --initdb
	rpm --root "$R" --dbpath /var/lib/rpm --nodeps --noscripts \
		-i "$PK/sb-test-tools.rpm" "$PK/sb-test-lib.rpm" 2>/dev/null
	[ "$(rpm --root "$R" --dbpath /var/lib/rpm -qa | wc -l)" = 2 ]
}

inv() {
	"$SHAOBING_BIN/shaobing-agent" --inventory --json --root "$R" >"$BATS_TEST_TMPDIR/inv.json"
}

@test "inventory: openEuler 22.03 root: os, DMI, Kunpeng CPU and rpm packages via librpm" {
	rpmroot openeuler-2203
	inv
	j=$BATS_TEST_TMPDIR/inv.json
	[ "$(jq -r '.os.id + " " + .os.version_id + " " + .os.family' "$j")" = "openEuler 22.03 rpm" ]
	[ "$(jq -r .hardware.dmi.product_name "$j")" = "TaiShan 200 (Model 2280)" ]
	[ "$(jq -r .hardware.cpu.model "$j")" = "HiSilicon Kunpeng-920 (TSV110)" ]
	[ "$(jq -r .packages.format "$j")" = rpm ]
	[ "$(jq -r .packages.count "$j")" = 2 ]
	[ "$(jq -c '.packages.list' "$j")" = "[{\"arch\":\"$(uname -m)\",\"name\":\"sb-test-lib\",\"version\":\"2:0.9-1.ky10\"},{\"arch\":\"noarch\",\"name\":\"sb-test-tools\",\"version\":\"1.2.3-4.oe2203\"}]" ]
	# No dpkg here: its absence is not an error on an RPM system.
	[ "$(jq '[.errors[] | select(.source == "/var/lib/dpkg/status" or .source == "/var/lib/rpm")] | length' "$j")" = 0 ]
}

@test "inventory: Kylin Server V10 root: RPM family although ID=kylin, Phytium CPU" {
	rpmroot kylin-server-v10
	inv
	j=$BATS_TEST_TMPDIR/inv.json
	[ "$(jq -r '.os.id + " " + .os.family' "$j")" = "kylin rpm" ]
	[ "$(jq -r .os.pretty_name "$j")" = "Kylin Linux Advanced Server V10 (Sword)" ]
	[ "$(jq -r .hardware.dmi.sys_vendor "$j")" = GreatWall ]
	[ "$(jq -r .hardware.cpu.model "$j")" = "Phytium,FT-2000+/64" ]
	[ "$(jq -r '[.packages.list[].name] | join(",")' "$j")" = "sb-test-lib,sb-test-tools" ]
}

@test "inventory: an rpm package removed changes the inventory hash; same db, same hash" {
	rpmroot openeuler-2203
	inv
	h1=$(jq -r .hash "$BATS_TEST_TMPDIR/inv.json")
	inv
	[ "$(jq -r .hash "$BATS_TEST_TMPDIR/inv.json")" = "$h1" ]
	rpm --root "$R" --dbpath /var/lib/rpm --nodeps --noscripts -e sb-test-tools 2>/dev/null
	inv
	[ "$(jq -r .hash "$BATS_TEST_TMPDIR/inv.json")" != "$h1" ]
	[ "$(jq -r .packages.count "$BATS_TEST_TMPDIR/inv.json")" = 1 ]
}

@test "inventory: dpkg and rpm on one machine are both listed" {
	rpmroot openeuler-2203
	mkdir -p "$R/var/lib/dpkg"
	cp "$SHAOBING_ROOT/tests/data/inventory/root1/var/lib/dpkg/status" "$R/var/lib/dpkg/status"
	inv
	[ "$(jq -r .packages.format "$BATS_TEST_TMPDIR/inv.json")" = dpkg+rpm ]
	n=$("$SHAOBING_BIN/shaobing-agent" --inventory --json --root "$SHAOBING_ROOT/tests/data/inventory/root1" | jq .packages.count)
	[ "$n" -gt 0 ]
	[ "$(jq -r .packages.count "$BATS_TEST_TMPDIR/inv.json")" = $((n + 2)) ]
	jq -e '.packages.list[] | select(.name == "sb-test-tools")' "$BATS_TEST_TMPDIR/inv.json"
}

@test "inventory: a damaged rpm database is an error entry, the rest is collected" {
	R="$BATS_TEST_TMPDIR/root"
	cp -a "$SHAOBING_ROOT/tests/data/inventory/rpmroot-openeuler-2203" "$R"
	mkdir -p "$R/var/lib/rpm"
	head -c 8192 /dev/urandom >"$R/var/lib/rpm/rpmdb.sqlite"
	# librpm 4.18 leaks its SQLite handle when the open fails (inside
	# librpm and libsqlite3, not ours); under ASan only that is suppressed.
	export LSAN_OPTIONS="suppressions=$SHAOBING_ROOT/tests/e2e/librpm.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	run --separate-stderr "$SHAOBING_BIN/shaobing-agent" --inventory --json --root "$R"
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/inv.json"
	[ "$(jq -r .packages.count "$BATS_TEST_TMPDIR/inv.json")" = 0 ]
	jq -e '.errors[] | select(.source == "/var/lib/rpm") | .error | test("rpm database")' "$BATS_TEST_TMPDIR/inv.json"
	[ "$(jq -r .os.id "$BATS_TEST_TMPDIR/inv.json")" = openEuler ]
	# librpm's own messages are not printed: the error entry says it.
	[ -z "$stderr" ] || [[ "$stderr" != *"error: "* ]]
}
