#!/usr/bin/env bats
# packaging/copyright (Debian's machine-readable format) names every
# third-party file the packages bundle: the stanza of Apache ECharts
# lists exactly the files scripts/console_vendor.sh makes (as installed,
# usr/share/shaobing/console/NAME), its pinned version, and a licence
# paragraph for every licence it names; the holders of the copyright
# notices inside echarts.min.js are in its Copyright field.

load helpers

setup() {
	sb_setup
	CR=$SHAOBING_ROOT/packaging/copyright
	VENDOR=$SHAOBING_ROOT/scripts/console_vendor.sh
}

teardown() {
	sb_teardown
}

# The paragraph (blank-line separated) whose Files field names $1.
stanza_of() {
	awk -v f="$1" 'BEGIN { RS = ""; FS = "\n" } index($0, f) && /^Files:/ { print; exit }' "$CR"
}

# The value of field $1 of the paragraph on stdin, continuation lines
# joined, one item (word) a line.
field() {
	awk -v k="$1:" '
		$1 == k { on = 1; sub(/^[^:]*: */, ""); print; next }
		on && /^ / { print; next }
		{ on = 0 }' | tr -s ' ' '\n' | sed '/^$/d'
}

@test "copyright: the ECharts stanza lists exactly the bundled files, as installed" {
	s=$(stanza_of usr/share/shaobing/console/echarts.min.js)
	echo "$s"
	[ -n "$s" ]
	listed=$(field Files <<<"$s" | sort)
	want=$(sh "$VENDOR" --files | sed 's|^|usr/share/shaobing/console/|' | sort)
	echo "listed: $listed"
	echo "bundled: $want"
	[ "$listed" = "$want" ]
	# What the fetch made is what --files says (when it has run here:
	# make check and make deb run it first).
	v=$SHAOBING_ROOT/build/console-vendor
	if [ -d "$v" ]; then
		[ "$(ls "$v" | sort)" = "$(sh "$VENDOR" --files | sort)" ]
	fi
}

@test "copyright: the ECharts stanza names its version, licences and the bundled holders" {
	s=$(stanza_of usr/share/shaobing/console/echarts.min.js)
	grep -q "Apache ECharts $(sh "$VENDOR" --version)," <<<"$s"
	lic=$(grep '^License:' <<<"$s" | sed 's/^License: *//')
	[[ " $lic " == *" Apache-2.0 "* ]]
	# Every licence named has its own paragraph with its text.
	for l in $(sed 's/ and / /g; s/ or / /g' <<<"$lic"); do
		grep -Pzoq "\nLicense: $l\n [^\n]+\n" "$CR" || { echo "no License: $l paragraph"; false; }
	done
	# The copyright notices inside the bundled file name holders listed.
	js=$SHAOBING_ROOT/build/console-vendor/echarts.min.js
	if [ -f "$js" ]; then
		holders=$(grep -o 'Copyright (c) [^.*]*' "$js" | sed 's/Copyright (c) \([0-9, -]*\)\?//' | sort -u)
		[ -n "$holders" ]
		while read -r h; do
			grep -q "$h" <<<"$(awk '/^Copyright:/,/^License:/' <<<"$s")" ||
				{ echo "holder '$h' of echarts.min.js not in Copyright"; false; }
		done <<<"$holders"
	fi
}
