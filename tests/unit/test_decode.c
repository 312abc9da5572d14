/*
 * Decoders on byte arrays: every link type, VLAN/QinQ, IPv4 options and
 * fragments, IPv6 extension headers, ARP, ICMP quotes, DNS names; and the
 * bad cases: every truncation of a good frame, self-contradicting headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/packet/pkt.h"

static const uint8_t eth_hdr[14] = {
	0x00, 0x26, 0x0b, 0x31, 0x07, 0x33,	/* dst */
	0x00, 0x21, 0x70, 0xc0, 0x56, 0xf0,	/* src */
	0x08, 0x00,
};

/* IPv4 10.0.0.9 -> 10.0.0.1, TCP 40000 -> 22 SYN, 4 bytes of options. */
static const uint8_t ip_tcp_syn[44] = {
	0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0, 0,
	10, 0, 0, 9, 10, 0, 0, 1,
	0x9c, 0x40, 0x00, 0x16, 0, 0, 0, 1, 0, 0, 0, 0,
	0x60, 0x02, 0x04, 0x00, 0, 0, 0, 0,
	0x02, 0x04, 0x05, 0xb4,
};

static size_t
cat(uint8_t *out, const void *a, size_t an, const void *b, size_t bn)
{
	memcpy(out, a, an);
	memcpy(out + an, b, bn);
	return an + bn;
}

static enum pkt_status
dec(struct pkt *p, int link, const uint8_t *d, size_t n)
{
	memset(p, 0xa5, sizeof(*p));	/* nothing may be read unset */
	p->ts_ms = 1;
	p->wirelen = (uint32_t)n;
	return pkt_decode(p, link, d, n);
}

static void
check_syn(const struct pkt *p)
{
	char	b[48];

	assert_int_equal(p->l3, PKT_L3_IP);
	assert_int_equal(p->ipver, 4);
	assert_int_equal(p->proto, 6);
	assert_true(p->l4);
	assert_string_equal(paddr_str(&p->src, b, sizeof(b)), "10.0.0.9");
	assert_string_equal(paddr_str(&p->dst, b, sizeof(b)), "10.0.0.1");
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 22);
	assert_int_equal(p->tcp_flags, TH_SYN);
	assert_int_equal(p->tcp_optlen, 4);
	assert_int_equal(p->paylen, 0);
}

static void
t_ethernet(void **state)
{
	uint8_t		f[128];
	struct pkt	p;
	size_t		n = cat(f, eth_hdr, 14, ip_tcp_syn, sizeof(ip_tcp_syn));

	(void)state;
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n), PKT_OK);
	check_syn(&p);
	assert_true(p.has_mac);
	assert_int_equal(p.smac[5], 0xf0);
	assert_int_equal(p.vlan, 0);
	/* Ethernet padding after Total Length is not payload. */
	memset(f + n, 0, 6);
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n + 6), PKT_OK);
	assert_int_equal(p.paylen, 0);
}

static void
t_vlan_qinq(void **state)
{
	uint8_t		f[128], h[22];
	struct pkt	p;
	size_t		n;

	(void)state;
	memcpy(h, eth_hdr, 12);
	/* S-tag 0x88a8 vid 100, C-tag 0x8100 vid 42, then IPv4. */
	h[12] = 0x88; h[13] = 0xa8; h[14] = 0x00; h[15] = 100;
	h[16] = 0x81; h[17] = 0x00; h[18] = 0x20; h[19] = 42;
	h[20] = 0x08; h[21] = 0x00;
	n = cat(f, h, 22, ip_tcp_syn, sizeof(ip_tcp_syn));
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n), PKT_OK);
	check_syn(&p);
	assert_int_equal(p.vlan, 42);
	/* Five tags is not a frame we believe. */
	{
		uint8_t	g[128];
		size_t	o = 12;

		memcpy(g, eth_hdr, 12);
		for (int i = 0; i < 5; i++) {
			g[o++] = 0x81; g[o++] = 0; g[o++] = 0; g[o++] = 1;
		}
		g[o++] = 0x08; g[o++] = 0;
		memcpy(g + o, ip_tcp_syn, sizeof(ip_tcp_syn));
		assert_int_equal(dec(&p, PKT_LINK_ETHERNET, g, o + sizeof(ip_tcp_syn)),
		    PKT_INVALID);
	}
}

static void
t_sll_sll2(void **state)
{
	static const uint8_t sll[16] = { 0, 0, 0, 1, 0, 6,
	    0x00, 0x21, 0x70, 0xc0, 0x56, 0xf0, 0, 0, 0x08, 0x00 };
	static const uint8_t sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
	    0x00, 0x21, 0x70, 0xc0, 0x56, 0xf0, 0, 0 };
	uint8_t		f[128];
	struct pkt	p;
	size_t		n;

	(void)state;
	n = cat(f, sll, 16, ip_tcp_syn, sizeof(ip_tcp_syn));
	assert_int_equal(dec(&p, PKT_LINK_SLL, f, n), PKT_OK);
	check_syn(&p);
	assert_true(p.has_mac);
	assert_int_equal(p.smac[0], 0x00);
	assert_int_equal(p.smac[5], 0xf0);
	n = cat(f, sll2, 20, ip_tcp_syn, sizeof(ip_tcp_syn));
	assert_int_equal(dec(&p, PKT_LINK_SLL2, f, n), PKT_OK);
	check_syn(&p);
	assert_int_equal(p.smac[3], 0xc0);
}

static void
t_raw_null_loop(void **state)
{
	static const uint8_t null_le[4] = { 2, 0, 0, 0 }, null_be[4] = { 0, 0, 0, 2 },
	    loop[4] = { 0, 0, 0, 2 };
	uint8_t		f[128];
	struct pkt	p;
	size_t		n;

	(void)state;
	assert_int_equal(dec(&p, PKT_LINK_RAW, ip_tcp_syn, sizeof(ip_tcp_syn)),
	    PKT_OK);
	check_syn(&p);
	assert_false(p.has_mac);
	assert_int_equal(dec(&p, PKT_LINK_IPV4, ip_tcp_syn, sizeof(ip_tcp_syn)),
	    PKT_OK);
	check_syn(&p);
	n = cat(f, null_le, 4, ip_tcp_syn, sizeof(ip_tcp_syn));
	assert_int_equal(dec(&p, PKT_LINK_NULL, f, n), PKT_OK);
	check_syn(&p);
	n = cat(f, null_be, 4, ip_tcp_syn, sizeof(ip_tcp_syn));
	assert_int_equal(dec(&p, PKT_LINK_NULL, f, n), PKT_OK);
	check_syn(&p);
	n = cat(f, loop, 4, ip_tcp_syn, sizeof(ip_tcp_syn));
	assert_int_equal(dec(&p, PKT_LINK_LOOP, f, n), PKT_OK);
	check_syn(&p);
	/* An unknown family and an unknown link type. */
	f[0] = 99;
	f[1] = f[2] = f[3] = 0;
	assert_int_equal(dec(&p, PKT_LINK_NULL, f, n), PKT_UNSUPPORTED);
	assert_int_equal(dec(&p, 9999, f, n), PKT_UNSUPPORTED);
	/* Raw IP with version 5. */
	memcpy(f, ip_tcp_syn, sizeof(ip_tcp_syn));
	f[0] = 0x55;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)), PKT_INVALID);
}

static void
t_ipv4_options_and_fragments(void **state)
{
	uint8_t		f[128];
	struct pkt	p;

	(void)state;
	/* IHL 7: 8 bytes of options (NOPs) before TCP. */
	memcpy(f, ip_tcp_syn, 20);
	f[0] = 0x47;
	f[3] = 44 + 8;
	memset(f + 20, 1, 8);
	memcpy(f + 28, ip_tcp_syn + 20, 24);
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, 52), PKT_OK);
	check_syn(&p);
	/* First fragment (MF): transport decoded, marked. */
	memcpy(f, ip_tcp_syn, sizeof(ip_tcp_syn));
	f[6] = 0x20;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)), PKT_OK);
	assert_true(p.frag);
	assert_true(p.l4);
	/* Later fragment: its bytes are not a TCP header. */
	f[6] = 0x00; f[7] = 0x10;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)), PKT_OK);
	assert_true(p.frag);
	assert_false(p.l4);
	/* Contradictions. */
	memcpy(f, ip_tcp_syn, sizeof(ip_tcp_syn));
	f[0] = 0x44;				/* IHL 4 */
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)), PKT_INVALID);
	memcpy(f, ip_tcp_syn, sizeof(ip_tcp_syn));
	f[3] = 10;				/* Total Length < header */
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)), PKT_INVALID);
	memcpy(f, ip_tcp_syn, sizeof(ip_tcp_syn));
	f[32] = 0x40;				/* TCP data offset 4 */
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)), PKT_INVALID);
	memcpy(f, ip_tcp_syn, sizeof(ip_tcp_syn));
	f[32] = 0xf0;				/* options beyond the packet */
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(ip_tcp_syn)),
	    PKT_TRUNCATED);
}

static void
t_every_truncation(void **state)
{
	uint8_t		f[128];
	struct pkt	p;
	size_t		n = cat(f, eth_hdr, 14, ip_tcp_syn, sizeof(ip_tcp_syn));

	(void)state;
	/* Each cut of the headers is a truncation, never a read past it
	 * (ASan watches the exact-size copy). */
	for (size_t len = 0; len < n; len++) {
		uint8_t	*copy = malloc(len ? len : 1);

		memcpy(copy, f, len);
		assert_int_equal(dec(&p, PKT_LINK_ETHERNET, copy, len), PKT_TRUNCATED);
		free(copy);
	}
}

static void
t_ipv6_ext_headers(void **state)
{
	uint8_t		f[160];
	struct pkt	p;
	size_t		o = 0;
	char		b[48];

	(void)state;
	/* IPv6 fd00::9 -> fd00::1, Hop-by-Hop, Destination Options,
	 * Fragment (offset 0), then UDP 5353 -> 53. */
	f[o++] = 0x60; f[o++] = 0; f[o++] = 0; f[o++] = 0;
	f[o++] = 0; f[o++] = 8 + 8 + 8 + 8 + 4;
	f[o++] = 0; f[o++] = 64;
	memset(f + o, 0, 32);
	f[o] = 0xfd; f[o + 15] = 9;
	f[o + 16] = 0xfd; f[o + 31] = 1;
	o += 32;
	f[o++] = 60; f[o++] = 0; memset(f + o, 1, 6); o += 6;	/* HbH */
	f[o++] = 44; f[o++] = 0; memset(f + o, 1, 6); o += 6;	/* DstOpt */
	f[o++] = 17; f[o++] = 0; f[o++] = 0; f[o++] = 1;	/* Frag, M */
	f[o++] = 0; f[o++] = 0; f[o++] = 0; f[o++] = 7;
	f[o++] = 0x14; f[o++] = 0xe9; f[o++] = 0; f[o++] = 53;	/* UDP */
	f[o++] = 0; f[o++] = 12; f[o++] = 0; f[o++] = 0;
	f[o++] = 1; f[o++] = 2; f[o++] = 3; f[o++] = 4;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, o), PKT_OK);
	assert_int_equal(p.ipver, 6);
	assert_int_equal(p.proto, 17);
	assert_true(p.l4);
	assert_true(p.frag);
	assert_int_equal(p.sport, 5353);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.paylen, 4);
	assert_string_equal(paddr_str(&p.src, b, sizeof(b)), "fd00::9");
	/* A later fragment stops at the Fragment header. */
	f[40 + 16 + 2] = 0x01;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, o), PKT_OK);
	assert_false(p.l4);
	/* Nine Destination Options headers in a row: refused. */
	{
		uint8_t	g[40 + 9 * 8 + 8];

		memcpy(g, f, 40);
		g[4] = 0; g[5] = 9 * 8 + 8;
		g[6] = 60;
		for (int i = 0; i < 9; i++) {
			g[40 + i * 8] = 60;
			g[40 + i * 8 + 1] = 0;
			memset(g + 40 + i * 8 + 2, 1, 6);
		}
		memset(g + 40 + 72, 0, 8);
		assert_int_equal(dec(&p, PKT_LINK_RAW, g, sizeof(g)), PKT_INVALID);
	}
}

static void
t_arp(void **state)
{
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 2,
	    0x00, 0x25, 0xb3, 0xbf, 0x91, 0xee, 172, 16, 0, 1,
	    0x00, 0x21, 0x70, 0xc0, 0x56, 0xf0, 172, 16, 0, 107 };
	uint8_t		f[64], h[14];
	struct pkt	p;
	size_t		n;
	char		b[48];

	(void)state;
	memcpy(h, eth_hdr, 12);
	h[12] = 0x08; h[13] = 0x06;
	n = cat(f, h, 14, arp, sizeof(arp));
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n), PKT_OK);
	assert_int_equal(p.l3, PKT_L3_ARP);
	assert_int_equal(p.arp_op, 2);
	assert_int_equal(p.arp_sha[5], 0xee);
	assert_string_equal(paddr_str(&p.arp_spa, b, sizeof(b)), "172.16.0.1");
	assert_string_equal(paddr_str(&p.arp_tpa, b, sizeof(b)), "172.16.0.107");
	f[14 + 4] = 7;					/* hlen 7 */
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n), PKT_INVALID);
	f[14 + 4] = 6;
	f[14 + 1] = 6;					/* htype 6 */
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n), PKT_UNSUPPORTED);
	f[14 + 1] = 1;
	assert_int_equal(dec(&p, PKT_LINK_ETHERNET, f, n - 1), PKT_TRUNCATED);
}

static void
t_icmp_quote(void **state)
{
	/* 10.0.0.1 -> 10.0.0.9 port unreachable quoting UDP 45000 -> 161 */
	uint8_t f[56] = { 0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0,
	    10, 0, 0, 1, 10, 0, 0, 9,
	    3, 3, 0, 0, 0, 0, 0, 0,
	    0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 9, 10, 0, 0, 1,
	    0xaf, 0xc8, 0, 161, 0, 8, 0, 0 };
	struct pkt	p;
	char		b[48];

	(void)state;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, sizeof(f)), PKT_OK);
	assert_int_equal(p.icmp_type, 3);
	assert_true(p.has_inner);
	assert_int_equal(p.in_proto, 17);
	assert_int_equal(p.in_sport, 45000);
	assert_int_equal(p.in_dport, 161);
	assert_string_equal(paddr_str(&p.in_dst, b, sizeof(b)), "10.0.0.1");
	/* A quote cut inside its IP header: the packet is fine, no quote. */
	f[3] = 40;
	assert_int_equal(dec(&p, PKT_LINK_RAW, f, 40), PKT_OK);
	assert_false(p.has_inner);
}

static void
t_dns_names(void **state)
{
	static const uint8_t q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	    3, 'W', 'w', 'W', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm',
	    0, 0, 16, 0, 1 };
	struct dns_msg	m;
	uint8_t		b[600];

	(void)state;
	assert_int_equal(dns_decode(q, sizeof(q), &m), 0);
	assert_false(m.qr);
	assert_int_equal(m.qtype, 16);
	assert_string_equal(m.qname, "www.example.com");
	assert_int_equal(m.labels, 3);
	assert_int_equal(m.max_label, 7);
	for (size_t n = 0; n < sizeof(q); n++)
		assert_int_equal(dns_decode(q, n, &m), -1);	/* every cut */
	/* A compression pointer in the question. */
	memcpy(b, q, sizeof(q));
	b[12] = 0xc0;
	assert_int_equal(dns_decode(b, sizeof(q), &m), -1);
	/* A 64-byte label. */
	memcpy(b, q, 12);
	b[12] = 64;
	memset(b + 13, 'a', 64);
	b[77] = 0;
	memset(b + 78, 0, 4);
	assert_int_equal(dns_decode(b, 82, &m), -1);
	/* A 256-byte name: five labels of 50 (255 on the wire is the limit). */
	{
		size_t	o = 12;

		for (int i = 0; i < 6; i++) {
			b[o++] = 50;
			memset(b + o, 'b', 50);
			o += 50;
		}
		b[o++] = 0;
		memset(b + o, 0, 4);
		assert_int_equal(dns_decode(b, o + 4, &m), -1);
	}
	/* Odd bytes stay printable. */
	memcpy(b, q, sizeof(q));
	b[13] = 0x01;
	b[14] = '.';
	assert_int_equal(dns_decode(b, sizeof(q), &m), 0);
	assert_string_equal(m.qname, "??w.example.com");
}

static void
t_addr_and_cidr(void **state)
{
	struct cidrset	s;
	char		why[128];

	(void)state;
	assert_int_equal(cidrset_parse("10.0.0.0/8, 192.168.1.5 fc00::/7", &s, why,
	    sizeof(why)), 0);
	assert_int_equal(s.n, 3);
	{
		struct paddr	a;

		assert_int_equal(paddr_parse("10.255.1.2", &a), 0);
		assert_true(cidrset_match(&s, &a));
		assert_int_equal(paddr_parse("11.0.0.1", &a), 0);
		assert_false(cidrset_match(&s, &a));
		assert_int_equal(paddr_parse("192.168.1.5", &a), 0);
		assert_true(cidrset_match(&s, &a));
		assert_int_equal(paddr_parse("192.168.1.6", &a), 0);
		assert_false(cidrset_match(&s, &a));
		assert_int_equal(paddr_parse("fd12::1", &a), 0);
		assert_true(cidrset_match(&s, &a));
		assert_int_equal(paddr_parse("2001:db8::1", &a), 0);
		assert_false(cidrset_match(&s, &a));
	}
	assert_int_equal(cidrset_parse("10.0.0.0/8, nonsense", &s, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "'nonsense'"));
	assert_int_equal(cidrset_parse("10.0.0.0/40", &s, why, sizeof(why)), -1);
	assert_int_equal(cidrset_parse("::/129", &s, why, sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_ethernet),
		cmocka_unit_test(t_vlan_qinq),
		cmocka_unit_test(t_sll_sll2),
		cmocka_unit_test(t_raw_null_loop),
		cmocka_unit_test(t_ipv4_options_and_fragments),
		cmocka_unit_test(t_every_truncation),
		cmocka_unit_test(t_ipv6_ext_headers),
		cmocka_unit_test(t_arp),
		cmocka_unit_test(t_icmp_quote),
		cmocka_unit_test(t_dns_names),
		cmocka_unit_test(t_addr_and_cidr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
