#!/usr/bin/env bats
# The man pages are generated at build time from the tables that print
# --help (packaging/man/render.sh, `PROGRAM --man`): every command,
# option and default --help prints is in the rendered page, and the
# build's pages are exactly what render.sh makes from these programs.

load helpers

setup() {
	sb_setup
	command -v man >/dev/null || skip "man (man-db) not installed"
}

# page PROG SECTION: the rendered page as plain text in $T/PROG.txt.
page() {
	sh "$SHAOBING_ROOT/packaging/man/render.sh" "$SHAOBING_BIN/$1" \
		"$SHAOBING_ROOT/packaging/man/$1.$2.in" 9.9 >"$T/$1.$2"
	MANWIDTH=3000 MAN_KEEP_FORMATTING= man -l "$T/$1.$2" 2>"$T/$1.err" | col -bx >"$T/$1.txt"
	if [ -s "$T/$1.err" ]; then cat "$T/$1.err"; return 1; fi
	grep -q 'shaobing 9.9' "$T/$1.txt"
}

# has PROG TEXT: TEXT (spaces squeezed) is in PROG's page.
has() {
	local want
	want=$(tr -s ' ' <<<"$2" | sed 's/^ //; s/ $//')
	[ -z "$want" ] && return 0
	tr -s ' ' <"$T/$1.txt" | grep -qF -- "$want" || { echo "not in $1's man page: '$want'"; return 1; }
}

@test "man: shaobing(1) holds every command row and option of shaobing --help" {
	page shaobing 1
	"$SHAOBING_BIN/shaobing" --help >"$T/help"
	n=0
	# Command rows: "  SYNOPSIS   HELP" (a long synopsis: HELP on the next line).
	while IFS= read -r line; do
		syn=$(sed -E 's/^  //; s/ {2,}.*//' <<<"$line")
		helptext=$(sed -E 's/^  [^ ].*[^ ] {2,}//; s/^ +//' <<<"$line")
		[[ "$line" == "  "[!\ ]* ]] && { has shaobing "$syn"; n=$((n + 1)); }
		[[ "$line" == *"  "*[!\ ]* ]] && [[ "$helptext" != "$line" ]] && has shaobing "$helptext"
	done < <(sed -n '/Commands:$/,/^$/p' "$T/help" | sed '1d;$d')
	echo "$n command rows"
	[ "$n" -ge 20 ]
	# The options, as --help prints them.
	while IFS= read -r line; do has shaobing "$line"; done < <(sed -n '/^Options/,$p' "$T/help")
	# The one added last is there too (ca server-cert), and no row twice.
	has shaobing "ca server-cert DIR --name HOST|IP... [--days N]"
}

@test "man: shaobing-agent(8) and shaobing-collector(8) hold every line of their --help" {
	for p in shaobing-agent:8 shaobing-collector:8; do
		b=${p%:*}
		page "$b" "${p#*:}"
		"$SHAOBING_BIN/$b" --help >"$T/help"
		[ "$(wc -l <"$T/help")" -ge 5 ]
		while IFS= read -r line; do has "$b" "$line"; done <"$T/help"
	done
	has shaobing-collector "--check-config [--user U]"
	has shaobing-agent "enroll --server URL --token T --ca-fingerprint SHA256"
}

@test "man: the build's pages are the rendered ones (make man)" {
	[ -d "$SHAOBING_BUILD/man" ] || skip "no $SHAOBING_BUILD/man (make all renders them)"
	v=$("$SHAOBING_BIN/shaobing" --version | awk '{ print $2 }')
	for p in shaobing.1 shaobing-agent.8 shaobing-collector.8; do
		sh "$SHAOBING_ROOT/packaging/man/render.sh" "$SHAOBING_BIN/${p%.*}" \
			"$SHAOBING_ROOT/packaging/man/$p.in" "$v" | cmp - "$SHAOBING_BUILD/man/$p"
	done
}

@test "man: CONFIGURATION lists every option of the daemons' tables with default and description, as conf/*.ini documents them" {
	for p in agent:8 collector:8; do
		d=${p%:*}
		page "shaobing-$d" "${p#*:}"
		grep -q '^CONFIGURATION' "$T/shaobing-$d.txt"
		# Both ways: every key the example documents is in the page
		# under its section; every key of the tables is documented.
		run python3 "$SHAOBING_ROOT/tests/e2e/man_conf.py" "$T/shaobing-$d.${p#*:}" \
			"$SHAOBING_ROOT/conf/$d.ini"
		echo "$output"
		[ "$status" -eq 0 ]
		# Each "key = default" shows in the rendered page.
		n=0
		while IFS= read -r term; do
			has "shaobing-$d" "$term"
			n=$((n + 1))
		done < <(python3 "$SHAOBING_ROOT/tests/e2e/man_conf.py" --terms "$T/shaobing-$d.${p#*:}")
		echo "$d: $n options"
		[ "$n" -ge 60 ]
	done
	# Defaults as the daemons apply them (not as an old page said).
	has shaobing-collector "listen = 0.0.0.0:8443"
	has shaobing-collector "calendar = /usr/share/shaobing/holidays-*.txt"
	has shaobing-agent "portscan_ports = 15"
	has shaobing-collector "recovery = yes"
}
