#!/usr/bin/env bats
# shaobing-agent --analyze over the public captures in
# $SHAOBING_SHARED/data/pcaps (README.tsv there gives each one's ground
# truth): every known attack is found with its type, benign ones give no
# finding.  Then --analyze's own behaviour on bad input.

bats_require_minimum_version 1.5.0

setup() {
	AGENT="$SHAOBING_BIN/shaobing-agent"
	PCAPS="${SHAOBING_SHARED:-/nonexistent}/data/pcaps"
	TMP="$(mktemp -d)"
}

teardown() {
	rm -rf "$TMP"
}

need_pcaps() {
	# This reason's prefix is the one skip CI allows (tests/tap-count.sh).
	[ -d "$PCAPS" ] || skip "../shared absent: $PCAPS not found (set SHAOBING_SHARED)"
}

# expect FILE TYPE...  ("none" for a benign capture)
expect() {
	local f="$PCAPS/$1"; shift
	need_pcaps
	[ -f "$f" ] || { echo "$f missing from the shared pcaps"; return 1; }
	run --separate-stderr "$AGENT" --analyze "$f"
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
	echo "$stderr" | grep -q '^analyze: .* packets/s$'
	if [ "$1" = none ]; then
		[ -z "$output" ] || { echo "unexpected findings:"; echo "$output"; return 1; }
		return 0
	fi
	for t in "$@"; do
		echo "$output" | grep -q "^{\"type\":\"$t\"" ||
			{ echo "no $t finding in:"; echo "$output"; return 1; }
	done
	# Nothing of another type.
	other=$(echo "$output" | grep -v -E "^\{\"type\":\"($(echo "$@" | tr ' ' '|'))\"" || true)
	[ -z "$other" ] || { echo "other findings:"; echo "$other"; return 1; }
}

@test "pcap: nmap -sS 1000 ports (ppa3) is a port scan" { need_pcaps; expect scan_nmap_sS_1000ports_ppa3.pcapng port_scan; }
@test "pcap: slow 29-port SYN scan (ppa1) is a port scan" { need_pcaps; expect scan_syn_29ports_small_ppa1.pcap port_scan; }
@test "pcap: nmap 8 scan types are port scans" { need_pcaps; expect scan_nmap_8types_probingdataset.pcapng port_scan; }
@test "pcap: hping3 slow scans (1 probe/s) are port scans" { need_pcaps; expect scan_hping3_slow_6types_probingdataset.pcapng port_scan; }
@test "pcap: nmap SYN scan of 3 hosts" { need_pcaps; expect scan_nmap_syn_3hosts_pcaphunt.pcap port_scan; }
@test "pcap: nmap ACK scan of 3 hosts" { need_pcaps; expect scan_nmap_ack_3hosts_pcaphunt.pcap port_scan; }
@test "pcap: nmap UDP scan of 3 hosts" { need_pcaps; expect scan_nmap_udp_3hosts_pcaphunt.pcap port_scan; }
@test "pcap: masscan TCP 0-1000" { need_pcaps; expect scan_masscan_tcp_0-1000_esnet.pcap port_scan; }
@test "pcap: masscan UDP 0-1000" { need_pcaps; expect scan_masscan_udp_0-1000_esnet.pcap port_scan; }
@test "pcap: ARP sweep of a /24 is a ping sweep" { need_pcaps; expect sweep_arp_10.0.0.0-24_pcaphunt.pcap ping_sweep; }
@test "pcap: ICMP echo sweep of a /24 is a ping sweep" { need_pcaps; expect sweep_icmp_echo_10.0.0.0-24_pcaphunt.pcap ping_sweep; }
@test "pcap: TCP SYN ping sweep on port 80 is an address scan" { need_pcaps; expect sweep_tcp_syn_ping_port80_pcaphunt.pcap address_scan; }
@test "pcap: TCP ACK ping sweep on port 80 is an address scan" { need_pcaps; expect sweep_tcp_ack_ping_port80_pcaphunt.pcap address_scan; }
@test "pcap: UDP ping sweep is an address scan" { need_pcaps; expect sweep_udp_ping_pcaphunt.pcap address_scan; }
@test "pcap: ARP poisoning MITM (ppa3) is ARP spoofing" { need_pcaps; expect arp_poison_mitm_ppa3.pcapng arp_spoof; }
@test "pcap: bidirectional arpspoof is ARP spoofing" { need_pcaps; expect arp_spoof_bidirectional_pcaphunt.pcap arp_spoof; }
@test "pcap: spoofed SYN flood" { need_pcaps; expect dos_synflood_spoofed_stopddos.pcap syn_flood; }
@test "pcap: SYN+ECE+CWR flood" { need_pcaps; expect dos_synflood_ecn_cwr_stopddos.pcap syn_flood; }
@test "pcap: iodine DNS tunnel" { need_pcaps; expect dnstunnel_iodine.pcap dns_tunnel; }
@test "pcap: dnscat2 DNS tunnel" { need_pcaps; expect dnstunnel_dnscat2.pcap dns_tunnel; }
@test "pcap: dns2tcp DNS tunnel" { need_pcaps; expect dnstunnel_dns2tcp.pcap dns_tunnel; }
@test "pcap: DNSExfiltrator" { need_pcaps; expect dnstunnel_dnsextrator.pcap dns_tunnel; }
@test "pcap: sods DNS tunnel" { need_pcaps; expect dnstunnel_sods.pcap dns_tunnel; }
@test "pcap: benign web browsing (espn, 25 connections) is quiet" { need_pcaps; expect benign_web_browsing_espn_ppa3.pcapng none; }
@test "pcap: benign HTTP downloads are quiet" { need_pcaps; expect benign_web_rss_tcp_ports_ppa3.pcapng none; }
@test "pcap: benign DNS/HTTP/SSDP LAN client is quiet" { need_pcaps; expect benign_web_dns_ssdp_ppa1.pcap none; }
@test "pcap: benign SMB printing is quiet" { need_pcaps; expect benign_smb_printing_ppa1.pcap none; }
@test "pcap: benign POP3 between outside hosts and DHCP is quiet" { need_pcaps; expect benign_pop3_dhcp_ppa1.pcap none; }
@test "pcap: benign DNS lookups are quiet" { need_pcaps; expect benign_dns_lookups_ppa3.pcapng none; }
@test "pcap: benign ARP resolution is quiet" { need_pcaps; expect benign_arp_resolution_ppa3.pcapng none; }
@test "pcap: one gratuitous ARP is quiet" { need_pcaps; expect benign_arp_gratuitous_ppa3.pcapng none; }
@test "pcap: nmap -p 80 of one host is not a port scan" { need_pcaps; expect negative_single_port_nmap_p80_esnet.pcap none; }

@test "analyze: every capture in the directory is covered above" {
	need_pcaps
	for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
		grep -q "expect $(basename "$f") " "$BATS_TEST_FILENAME" ||
			{ echo "no expectation for $(basename "$f")"; return 1; }
	done
}

@test "analyze: a finding line has the documented fields" {
	need_pcaps
	run --separate-stderr "$AGENT" --analyze "$PCAPS/scan_syn_29ports_small_ppa1.pcap"
	[ "$status" -eq 0 ]
	line=$(echo "$output" | head -n 1)
	for k in type severity key source targets first last count evidence; do
		echo "$line" | grep -q "\"$k\":" || { echo "no $k in $line"; return 1; }
	done
	echo "$line" | grep -q '"key":"port_scan:10.100.25.14->10.100.18.12"'
	echo "$stderr" | grep -q 'analyze: 1 file(s), 29 packets'
	echo "$stderr" | grep -q 'findings: port_scan 1'
}

@test "analyze: several files are one timeline" {
	need_pcaps
	run --separate-stderr "$AGENT" --analyze "$PCAPS/benign_dns_lookups_ppa3.pcapng" \
		"$PCAPS/scan_syn_29ports_small_ppa1.pcap"
	[ "$status" -eq 0 ]
	echo "$stderr" | grep -q 'analyze: 2 file(s), 51 packets'
}

@test "analyze: usage errors exit 2" {
	run "$AGENT" --analyze
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: shaobing-agent --analyze"* ]]
	run "$AGENT" --analyze --bogus x.pcap
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option --bogus"* ]]
}

@test "analyze: a missing or non-pcap file is named, exit 1" {
	run "$AGENT" --analyze "$TMP/nope.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$TMP/nope.pcap: cannot read as pcap or pcapng"* ]]
	echo "hello" > "$TMP/text.pcap"
	run "$AGENT" --analyze "$TMP/text.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$TMP/text.pcap: cannot read as pcap or pcapng"* ]]
}

@test "analyze: a capture cut mid-packet keeps what came before, exit 1" {
	need_pcaps
	f="$PCAPS/scan_masscan_tcp_0-1000_esnet.pcap"
	size=$(stat -c %s "$f")
	head -c $((size - 30)) "$f" > "$TMP/cut.pcap"
	run --separate-stderr "$AGENT" --analyze "$TMP/cut.pcap"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q '"type":"port_scan"'
	echo "$stderr" | grep -q "$TMP/cut.pcap: .*(the packets before it were analysed)"
}

@test "analyze: -c takes [packet] thresholds; a bad one is FILE:LINE, exit 2" {
	need_pcaps
	printf '[packet]\nportscan_ports = 40\n' > "$TMP/a.ini"
	run --separate-stderr "$AGENT" --analyze -c "$TMP/a.ini" "$PCAPS/scan_syn_29ports_small_ppa1.pcap"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '[packet]\n\nsynflood_rate = many\n' > "$TMP/b.ini"
	run "$AGENT" --analyze -c "$TMP/b.ini" "$PCAPS/scan_syn_29ports_small_ppa1.pcap"
	[ "$status" -eq 2 ]
	[[ "$output" == "$TMP/b.ini:3: "* ]]
}
