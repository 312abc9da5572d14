#!/bin/sh
# The full TLS check of one local target (a server that still accepts
# TLS 1.0/1.1), side by side with testssl.sh --fast and sslscan: wall
# time and verdicts on expiry, chain, host name, protocols, weak ciphers.
set -u
cd "$(dirname "$0")/.." || exit 1
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
ns() { date +%s%N; }

runs=10
t0=$(ns)
for _ in $(seq 1 $runs); do
	"$A" --check "tls://localhost:$PORT" --ca "$T/pki/root.crt" --json >"$T/ours.json"
done
t1=$(ns)
ours_ms=$(( (t1 - t0) / 1000000 / runs ))

ts_ms=- ss_ms=-
TS=$(command -v testssl || command -v testssl.sh || true)
if [ -n "$TS" ]; then
	t0=$(ns)
	"$TS" --fast --quiet --color 0 --warnings off --add-ca "$T/pki/root.crt" \
		--jsonfile "$T/ts.json" "localhost:$PORT" >/dev/null 2>&1
	t1=$(ns)
	ts_ms=$(( (t1 - t0) / 1000000 ))
fi
if command -v sslscan >/dev/null; then
	t0=$(ns)
	sslscan --no-colour "localhost:$PORT" >"$T/sslscan.txt" 2>&1
	t1=$(ns)
	ss_ms=$(( (t1 - t0) / 1000000 ))
fi
kill $SPID

o() { jq -r "$1" "$T/ours.json"; }
t() { [ -f "$T/ts.json" ] && jq -r "[.[] | select(.id==\"$1\") | .finding][0] // \"-\"" "$T/ts.json" || echo -; }
s() { grep -E "$1" "$T/sslscan.txt" 2>/dev/null | head -n 1 | awk '{print $NF}'; }
yn() { case "$1" in *not*|*refused*|*disabled*) echo no ;; -|"") echo - ;; *) echo yes ;; esac; }
{
	echo "TLS check of one local target (localhost:$PORT, TLS 1.0-1.3, test CA)"
	printf '%-26s %10s\n' tool "wall ms"
	printf '%-26s %10s\n' "shaobing-agent --check" "$ours_ms (mean of $runs)"
	printf '%-26s %10s\n' "testssl.sh --fast" "$ts_ms"
	printf '%-26s %10s\n' "sslscan" "$ss_ms"
	[ "$ts_ms" != - ] && echo "speed-up vs testssl.sh --fast: $(awk "BEGIN { printf \"%.0f\", $ts_ms / ($ours_ms > 0 ? $ours_ms : 1) }")x (target >= 10x)"
	[ "$ss_ms" != - ] && echo "speed-up vs sslscan: $(awk "BEGIN { printf \"%.1f\", $ss_ms / ($ours_ms > 0 ? $ours_ms : 1) }")x"
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
