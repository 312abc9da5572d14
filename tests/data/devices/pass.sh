#!/bin/sh
# snmpd "pass" script for the printer and UPS of tests/e2e/devices.bats: answers
# -g OID (get) and -n OID (get-next) from NAME.oids beside it, NAME
# being the name it is called by (printer.sh, ups.sh: links to pass.sh)
# (lines "OID TYPE VALUE", in OID order).  Set writes are refused.
[ "$1" = "-s" ] && { echo not-writable; exit 0; }
exec awk -v mode="$1" -v want="$2" '
function cmp(a, b,    x, y, n, m, i) {
	n = split(a, x, "."); m = split(b, y, ".")
	for (i = 2; i <= n && i <= m; i++) {
		if (x[i] + 0 < y[i] + 0) return -1
		if (x[i] + 0 > y[i] + 0) return 1
	}
	return n < m ? -1 : n > m ? 1 : 0
}
/^[.0-9]/ {
	oid = $1; type = $2; val = $0
	sub(/^[^ ]+ +[^ ]+ +/, "", val)
	if ((mode == "-g" && cmp(oid, want) == 0) || (mode == "-n" && cmp(oid, want) > 0)) {
		print oid; print type; print val; exit
	}
}' "$(dirname "$0")/$(basename "$0" .sh).oids"
