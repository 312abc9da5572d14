/*
 * packet_gen: write a synthetic capture for the packet-engine benchmark.
 *
 *   packet_gen OUT.pcap [PACKETS]      office traffic (400 hosts in web
 *       sessions to 500 outside servers, DNS, ARP) with four attacks inside: a SYN port
 *       scan (20% in), an ICMP ping sweep (40%), a spoofed SYN flood
 *       (60%) and ARP spoofing of the gateway (80%).  Default 3,000,000
 *       packets, about 10,000 packets/s of capture time.
 *   packet_gen --synflood OUT.pcap SOURCES
 *       a SYN flood to one server from SOURCES distinct spoofed addresses.
 *
 * Classic pcap format, Ethernet, written directly (no libpcap needed).
 * Deterministic: the same arguments give the same file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

static FILE	*out;
static uint64_t	 now_us;
static uint64_t	 rng = 0x2545f4914f6cdd1dull;
static uint64_t	 written;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
le32(uint32_t v)
{
	uint8_t	b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	fwrite(b, 1, 4, out);
}

static void
record(const uint8_t *frame, size_t len)
{
	le32((uint32_t)(now_us / 1000000));
	le32((uint32_t)(now_us % 1000000));
	le32((uint32_t)len);
	le32((uint32_t)len);
	fwrite(frame, 1, len, out);
	written++;
}

static void
mac_of(uint8_t m[6], uint32_t ip)
{
	m[0] = 0x52; m[1] = 0x54; put32(m + 2, ip);
}

static const uint8_t router_mac[6] = { 0x00, 0x26, 0x0b, 0x31, 0x07, 0x33 };
#define GW	0x0a010001u	/* 10.1.0.1 */
/* One packet in VOIP_ONE_IN is a phone call's: with the web sessions'
 * full segments and their ACKs, frames average about 750 bytes, the
 * office mix of issue 11. */
#define VOIP_ONE_IN	4

static uint8_t	frame[1600];

/* Ethernet + IPv4 + (TCP|UDP|ICMP) header; payload zeros.  Returns length. */
static size_t
ip_frame(uint32_t sip, uint32_t dip, uint8_t proto, uint16_t sport,
    uint16_t dport, uint8_t flags, size_t optlen, size_t paylen,
    const uint8_t *smac, const uint8_t *dmac)
{
	size_t	l4 = proto == 6 ? 20 + optlen : 8, iplen = 20 + l4 + paylen;
	uint8_t	*ip = frame + 14, *t = ip + 20;

	memcpy(frame, dmac, 6);
	memcpy(frame + 6, smac, 6);
	put16(frame + 12, 0x0800);
	memset(ip, 0, 20 + l4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)iplen);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	if (proto == 6) {
		put16(t, sport);
		put16(t + 2, dport);
		put32(t + 4, rnd());
		t[12] = (uint8_t)((20 + optlen) / 4) << 4;
		t[13] = flags;
		put16(t + 14, 64240);
		if (optlen >= 4) {
			t[20] = 2; t[21] = 4; put16(t + 22, 1460);
			for (size_t i = 24; i < 20 + optlen; i++)
				t[i] = 1;	/* NOPs for the rest */
		}
	} else if (proto == 17) {
		put16(t, sport);
		put16(t + 2, dport);
		put16(t + 4, (uint16_t)(8 + paylen));
	} else {
		t[0] = (uint8_t)sport;	/* ICMP type */
		t[1] = 0;
	}
	memset(t + l4, 0, paylen);
	return 14 + iplen;
}

static size_t
arp_frame(uint16_t op, const uint8_t *sha, uint32_t spa, const uint8_t *tha,
    uint32_t tpa, const uint8_t *dmac)
{
	memcpy(frame, dmac, 6);
	memcpy(frame + 6, sha, 6);
	put16(frame + 12, 0x0806);
	put16(frame + 14, 1);
	put16(frame + 16, 0x0800);
	frame[18] = 6;
	frame[19] = 4;
	put16(frame + 20, op);
	memcpy(frame + 22, sha, 6);
	put32(frame + 28, spa);
	memcpy(frame + 32, tha, 6);
	put32(frame + 38, tpa);
	memset(frame + 42, 0, 18);
	return 60;
}

/* One web session: handshake, request, response, close. */
struct session {
	uint32_t	client, server;
	uint16_t	sport, dport;
	int		step, resp;
};

static void
session_new(struct session *s)
{
	/* 400 office hosts: 10.1.10.2-201 and 10.1.11.2-201 */
	s->client = 0x0a010000u | (10 + rnd() % 2) << 8 | (rnd() % 200 + 2);
	s->server = 0x5d000000u | (rnd() % 500) << 4;	/* 93.0.x.y */
	s->sport = (uint16_t)(32768 + rnd() % 28000);
	s->dport = rnd() % 4 ? 443 : 80;
	s->step = 0;
	s->resp = 4 + (int)(rnd() % 40);
}

static void
session_step(struct session *s)
{
	uint8_t	cm[6];
	size_t	n;
	int	st = s->step++;

	mac_of(cm, s->client);
	if (st == 0) {
		/* DNS first, now and then */
		if (rnd() % 4 == 0) {
			n = ip_frame(s->client, 0x0a010002u, 17, s->sport, 53, 0, 0,
			    40, cm, router_mac);
			record(frame, n);
		}
		n = ip_frame(s->client, s->server, 6, s->sport, s->dport, 0x02, 20,
		    0, cm, router_mac);
	} else if (st == 1)
		n = ip_frame(s->server, s->client, 6, s->dport, s->sport, 0x12, 20,
		    0, router_mac, cm);
	else if (st == 2)
		n = ip_frame(s->client, s->server, 6, s->sport, s->dport, 0x10, 12,
		    0, cm, router_mac);
	else if (st == 3)
		n = ip_frame(s->client, s->server, 6, s->sport, s->dport, 0x18, 12,
		    400, cm, router_mac);
	else if (st < 4 + s->resp) {
		if ((st & 3) == 3)
			n = ip_frame(s->client, s->server, 6, s->sport, s->dport,
			    0x10, 12, 0, cm, router_mac);
		else
			n = ip_frame(s->server, s->client, 6, s->dport, s->sport,
			    0x10, 12, 1448, router_mac, cm);
	} else if (st == 4 + s->resp)
		n = ip_frame(s->client, s->server, 6, s->sport, s->dport, 0x11, 12,
		    0, cm, router_mac);
	else {
		n = ip_frame(s->server, s->client, 6, s->dport, s->sport, 0x11, 12,
		    0, router_mac, cm);
		session_new(s);
	}
	record(frame, n);
}

static void
gen_mixed(uint64_t total)
{
	struct session	s[64];
	uint64_t	scan_at = total / 5, sweep_at = total * 2 / 5,
			flood_at = total * 3 / 5, spoof_at = total * 4 / 5;
	int		scan_port = 0, sweep_host = 0, spoof_n = 0;
	uint64_t	flood_n = 0;
	uint8_t		sm[6], tm[6], evil[6] = { 0xde, 0xad, 0xbe, 0xef, 0, 1 };
	const uint8_t	bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t		n;

	for (int i = 0; i < 64; i++)
		session_new(&s[i]);
	while (written < total) {
		now_us += 100;		/* 10,000 packets/s */
		if (written >= scan_at && scan_port < 1000) {
			/* SYN scan of 10.1.0.10, closed ports answer RST */
			mac_of(sm, 0x0a010963u);
			mac_of(tm, 0x0a01000au);
			n = ip_frame(0x0a010963u, 0x0a01000au, 6, 40000,
			    (uint16_t)(++scan_port), 0x02, 4, 0, sm, tm);
			record(frame, n);
			n = ip_frame(0x0a01000au, 0x0a010963u, 6, (uint16_t)scan_port,
			    40000, 0x14, 0, 0, tm, sm);
			record(frame, n);
			continue;
		}
		if (written >= sweep_at && sweep_host < 254) {
			mac_of(sm, 0x0a010962u);
			n = ip_frame(0x0a010962u, 0x0a010500u | (uint32_t)++sweep_host,
			    1, 8, 0, 0, 0, 56, sm, bcast);
			record(frame, n);
			continue;
		}
		if (written >= flood_at && flood_n < 30000 && rnd() % 2 == 0) {
			flood_n++;
			n = ip_frame(rnd() | 0x01000000u, 0x0a010050u, 6,
			    (uint16_t)(1024 + rnd() % 60000), 80, 0x02, 0, 0,
			    router_mac, sm);
			record(frame, n);
			continue;
		}
		if (written >= spoof_at && spoof_n < 50 && rnd() % 64 == 0) {
			uint32_t victim = 0x0a010a00u | (uint32_t)(2 + spoof_n % 5);

			mac_of(tm, victim);
			n = arp_frame(2, evil, GW, tm, victim, tm);
			record(frame, n);
			spoof_n++;
			continue;
		}
		if (rnd() % VOIP_ONE_IN == 0) {
			/* office phone calls: G.711 RTP, 20 ms frames (172-byte
			 * UDP payload), both directions, between 10.1.12.x */
			uint32_t a = 0x0a010c00u | (2 + rnd() % 8), b = a + 100;
			int	 dir = rnd() & 1;

			mac_of(sm, dir ? a : b);
			mac_of(tm, dir ? b : a);
			n = ip_frame(dir ? a : b, dir ? b : a, 17,
			    (uint16_t)(16384 + (a & 0xff) * 2),
			    (uint16_t)(16384 + (a & 0xff) * 2), 0, 0, 172, sm, tm);
			record(frame, n);
			continue;
		}
		if (rnd() % 512 == 0) {
			/* ordinary ARP: a host asks for the gateway, it answers */
			uint32_t h = 0x0a010000u | (10 + rnd() % 2) << 8 |
			    (rnd() % 200 + 2);

			mac_of(sm, h);
			n = arp_frame(1, sm, h, (const uint8_t *)"\0\0\0\0\0\0", GW,
			    bcast);
			record(frame, n);
			n = arp_frame(2, router_mac, GW, sm, h, sm);
			record(frame, n);
			continue;
		}
		session_step(&s[rnd() % 64]);
	}
}

static void
gen_synflood(uint64_t sources)
{
	uint8_t	tm[6];
	size_t	n;

	mac_of(tm, 0x0a010050u);
	for (uint64_t i = 0; i < sources; i++) {
		/* Odd multiplier: a bijection, so every source is distinct. */
		uint32_t src = (uint32_t)((i + 1) * 2654435761u);

		now_us += 20;		/* 50,000 SYN/s */
		n = ip_frame(src, 0x0a010050u, 6, (uint16_t)(1024 + (i % 60000)),
		    80, 0x02, 0, 0, router_mac, tm);
		record(frame, n);
	}
}

int
main(int argc, char **argv)
{
	int64_t	v = 3000000;
	char	why[128];
	bool	flood = argc > 1 && strcmp(argv[1], "--synflood") == 0;
	int	a = flood ? 2 : 1;

	if (argc <= a || (argc > a + 1 && parse_i64(argv[a + 1], 1, 1LL << 40,
	    &v, why, sizeof(why)) == -1)) {
		fprintf(stderr, "usage: packet_gen OUT.pcap [PACKETS]\n"
		    "       packet_gen --synflood OUT.pcap SOURCES\n");
		return 2;
	}
	if ((out = fopen(argv[a], "wb")) == NULL) {
		perror(argv[a]);
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	le32(0xa1b2c3d4u);
	fputc(2, out); fputc(0, out); fputc(4, out); fputc(0, out);
	le32(0);
	le32(0);
	le32(65535);
	le32(1);
	now_us = 1795744800ull * 1000000;	/* 2026-11-27 02:00 UTC */
	if (flood)
		gen_synflood((uint64_t)v);
	else
		gen_mixed((uint64_t)v);
	if (fclose(out) != 0) {
		perror(argv[a]);
		return 1;
	}
	fprintf(stderr, "packet_gen: %llu packets to %s\n",
	    (unsigned long long)written, argv[a]);
	return 0;
}
