#!/bin/sh
# The full TLS check of one local target (a server that still accepts
# TLS 1.0/1.1), side by side with testssl.sh --fast and sslscan: wall
# time and verdicts on expiry, chain, host name, protocols, weak ciphers.
#
# Like for like: one warm-up run of each tool (not counted), then RUNS
# (default 3) rounds, each running ours, testssl.sh and sslscan in turn;
# the median wall time of each, clocked in ns.  Every reference run must
# really have run: testssl.sh's JSON must parse and hold its protocol
# findings, sslscan's output must list the protocols; and the protocol
# verdicts (TLS 1.0, 1.1 accepted) of all three must agree, or the bench
# fails.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
BUILD=${BUILD:-build}
A=$PWD/$BUILD/bin/shaobing-agent
OUT=bench/out/tls_check.txt
mkdir -p bench/out
T=$(mktemp -d)
sh tests/e2e/check_pki.sh "$T/pki" || exit 1
PORT=${PORT:-42443}
openssl s_server -accept "127.0.0.1:$PORT" -cert "$T/pki/valid.crt" -key "$T/pki/valid.key" \
	-cert_chain "$T/pki/int.crt" -cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1 \
	-www -quiet </dev/null >/dev/null 2>&1 &
SPID=$!
while ! ss -Hltn "sport = :$PORT" | grep -q .; do sleep 0.05; kill -0 $SPID || exit 1; done
RUNS=${RUNS:-3}
TS=$(command -v testssl || command -v testssl.sh || true)
[ -n "$TS" ] || { echo "tls_check: testssl.sh missing (make bench installs it)" >&2; kill $SPID; exit 1; }
command -v sslscan >/dev/null || { echo "tls_check: sslscan missing (make bench installs it)" >&2; kill $SPID; exit 1; }
# (also inside $(...): the mark makes the main shell stop too)
fail() { echo "tls_check: $*" >&2; : >"$T/failed"; kill $SPID; exit 1; }
stop_if_failed() { [ ! -e "$T/failed" ] || { rm -rf "$T"; exit 1; }; }
ours() {
	"$A" --check "tls://localhost:$PORT" --ca "$T/pki/root.crt" --json >"$T/ours.json"
	jq -e '.tls.versions' "$T/ours.json" >/dev/null || fail "shaobing-agent --check gave no TLS report"
}
testssl() {
	rm -f "$T/ts.json"
	"$TS" --fast --quiet --color 0 --warnings off --add-ca "$T/pki/root.crt" \
		--jsonfile "$T/ts.json" "localhost:$PORT" >"$T/ts.out" 2>&1
	jq -e '[.[] | select(.id == "TLS1" or .id == "TLS1_1" or .id == "TLS1_2")] | length == 3' \
		"$T/ts.json" >/dev/null 2>&1 || { tail -n 20 "$T/ts.out" >&2; fail "testssl.sh did not run (no protocol findings in its JSON)"; }
}
sslscan_() {
	sslscan --no-colour "localhost:$PORT" >"$T/sslscan.txt" 2>&1
	grep -qE '^TLSv1\.2 +enabled' "$T/sslscan.txt" || { tail -n 20 "$T/sslscan.txt" >&2; fail "sslscan did not run (no protocol list)"; }
}
# timed FUNCTION: run it, print its wall time in ns.
timed() { t0=$(ns); "$1"; t1=$(ns); echo $((t1 - t0)); }
ours; testssl; sslscan_		# warm-up, not counted
o_t='' t_t='' s_t=''
for _ in $(seq 1 "$RUNS"); do
	o_t="$o_t $(timed ours)"
	t_t="$t_t $(timed testssl)"
	s_t="$s_t $(timed sslscan_)"
	stop_if_failed
done
kill $SPID

ours_ms=$(awk "BEGIN { printf \"%.1f\", $(median $o_t) / 1e6 }")
ts_ms=$(awk "BEGIN { printf \"%.1f\", $(median $t_t) / 1e6 }")
ss_ms=$(awk "BEGIN { printf \"%.1f\", $(median $s_t) / 1e6 }")
o() { jq -r "$1" "$T/ours.json"; }
t() { [ -f "$T/ts.json" ] && jq -r "[.[] | select(.id==\"$1\") | .finding][0] // \"-\"" "$T/ts.json" || echo -; }
s() { grep -E "$1" "$T/sslscan.txt" 2>/dev/null | head -n 1 | awk '{print $NF}'; }
yn() { case "$1" in *not*|*refused*|*disabled*) echo no ;; -|"") echo - ;; *) echo yes ;; esac; }
tf() { case "$1" in accepted|true) echo yes ;; refused|rejected|false) echo no ;; *) echo - ;; esac; }
# The verdicts all three give must agree.
for v in "TLSv1.0 TLS1" "TLSv1.1 TLS1_1"; do
	set -- $v
	a=$(tf "$(o ".tls.versions[\"$1\"]")") b=$(yn "$(t "$2")") c=$(yn "$(s "^$(echo "$1" | sed 's/\./\\./') ")")
	[ "$a" = "$b" ] && [ "$a" = "$c" ] || { echo "tls_check: $1 accepted: ours $a, testssl.sh $b, sslscan $c (verdicts differ)" >&2; exit 1; }
done
{
	echo "TLS check of one local target (localhost:$PORT, TLS 1.0-1.3, test CA)"
	printf '%-26s %12s\n' tool "wall ms"
	printf '%-26s %12s\n' "shaobing-agent --check" "$ours_ms"
	printf '%-26s %12s\n' "testssl.sh --fast" "$ts_ms"
	printf '%-26s %12s\n' "sslscan" "$ss_ms"
	echo "(median of $RUNS alternating warm runs each, after one warm-up run each)"
	echo "speed-up vs testssl.sh --fast: $(awk "BEGIN { printf \"%.1f\", $ts_ms / $ours_ms }")x (target >= 10x)"
	echo "speed-up vs sslscan: $(awk "BEGIN { printf \"%.2f\", $ss_ms / $ours_ms }")x"
	echo "protocol verdicts (TLS 1.0, 1.1 accepted) equal in all three: yes"
	echo
	printf '%-22s %-22s %-28s %-10s\n' verdict ours testssl.sh sslscan
	printf '%-22s %-22s %-28s %-10s\n' "expiry (days left)" "$(o .tls.certificate.days_left)" "$(t cert_expirationStatus)" -
	printf '%-22s %-22s %-28s %-10s\n' "chain trusted" "$(o .tls.verify.ok)" "$(t cert_chain_of_trust)" -
	printf '%-22s %-22s %-28s %-10s\n' "host name ok" "$(o '[.findings[].code] | index("hostname_mismatch") == null')" "$(t cert_trust)" -
	printf '%-22s %-22s %-28s %-10s\n' "TLS 1.0 accepted" "$(o '.tls.versions["TLSv1.0"]')" "$(t TLS1)" "$(s '^TLSv1\.0 ')"
	printf '%-22s %-22s %-28s %-10s\n' "TLS 1.1 accepted" "$(o '.tls.versions["TLSv1.1"]')" "$(t TLS1_1)" "$(s '^TLSv1\.1 ')"
	printf '%-22s %-22s %-28s %-10s\n' "NULL ciphers" "$(o .tls.weak_ciphers.NULL)" "$(t cipherlist_NULL)" -
	printf '%-22s %-22s %-28s %-10s\n' "anonymous ciphers" "$(o .tls.weak_ciphers.anonymous)" "$(t cipherlist_aNULL)" -
	printf '%-22s %-22s %-28s %-10s\n' "EXPORT ciphers" "$(o .tls.weak_ciphers.EXPORT)" "$(t cipherlist_EXPORT)" -
	printf '%-22s %-22s %-28s %-10s\n' "3DES ciphers" "$(o .tls.weak_ciphers['"3DES"'])" "$(t cipherlist_3DES_IDEA)" -
	printf '%-22s %-22s %-28s %-10s\n' "RC4 ciphers" "$(o .tls.weak_ciphers.RC4)" "$(t RC4)" -
	echo "findings (ours): $(o '[.findings[].code] | join(", ")')"
	echo "Where testssl.sh reports more (e.g. BEAST/LUCKY13 on CBC, cipher order, 'AVERAGE' cipher"
	echo "list), those are not part of our check; see its JSON in a manual run."
} | tee "$OUT"
rm -rf "$T"
