/*
 * Builders for the packet tests (header only, so it is compiled into the
 * tests that include it and nowhere else): decoded packets for detector
 * tests, raw frames for decoder tests.
 */
#ifndef SHAOBING_TEST_PACKET_BUILD_H
#define SHAOBING_TEST_PACKET_BUILD_H

#include <stdint.h>
#include <string.h>

#include "probes/packet/pkt.h"

static inline struct paddr
A(const char *s)
{
	struct paddr	a;

	memset(&a, 0, sizeof(a));
	if (paddr_parse(s, &a) == -1)
		abort();
	return a;
}

static inline void
pk_ip(struct pkt *p, int64_t ts, const char *src, const char *dst,
    uint8_t proto)
{
	memset(p, 0, sizeof(*p));
	p->ts_ms = ts;
	p->l3 = PKT_L3_IP;
	p->ipver = strchr(src, ':') ? 6 : 4;
	p->proto = proto;
	p->src = A(src);
	p->dst = A(dst);
	p->l4 = true;
}

static inline void
pk_tcp(struct pkt *p, int64_t ts, const char *src, const char *dst,
    uint16_t sport, uint16_t dport, uint8_t flags)
{
	pk_ip(p, ts, src, dst, 6);
	p->sport = sport;
	p->dport = dport;
	p->tcp_flags = flags;
}

static inline void
pk_udp(struct pkt *p, int64_t ts, const char *src, const char *dst,
    uint16_t sport, uint16_t dport, const void *pay, size_t n)
{
	pk_ip(p, ts, src, dst, 17);
	p->sport = sport;
	p->dport = dport;
	p->payload = pay;
	p->paylen = n;
}

static inline void
pk_icmp(struct pkt *p, int64_t ts, const char *src, const char *dst,
    uint8_t type, uint8_t code)
{
	pk_ip(p, ts, src, dst, 1);
	p->icmp_type = type;
	p->icmp_code = code;
}

static inline void
pk_mac(uint8_t m[6], unsigned v)
{
	m[0] = 0x52; m[1] = 0x54; m[2] = 0; m[3] = (uint8_t)(v >> 16);
	m[4] = (uint8_t)(v >> 8); m[5] = (uint8_t)v;
}

static inline void
pk_arp(struct pkt *p, int64_t ts, uint16_t op, unsigned sha, const char *spa,
    unsigned tha, const char *tpa)
{
	memset(p, 0, sizeof(*p));
	p->ts_ms = ts;
	p->l3 = PKT_L3_ARP;
	p->arp_op = op;
	p->has_mac = true;
	pk_mac(p->arp_sha, sha);
	pk_mac(p->smac, sha);
	if (tha == 0xffffff)
		memset(p->dmac, 0xff, 6);
	else
		pk_mac(p->dmac, tha);
	if (tha != 0xffffff && tha != 0)
		pk_mac(p->arp_tha, tha);
	p->arp_spa = A(spa);
	p->arp_tpa = A(tpa);
}

/* Wire-format DNS query for name (qtype), written into buf; its length. */
static inline size_t
dns_query_bytes(uint8_t *buf, size_t len, const char *name, uint16_t qtype,
    bool response, uint8_t rcode)
{
	size_t	o = 12;

	memset(buf, 0, 12);
	buf[0] = 0x12; buf[1] = 0x34;
	buf[2] = response ? 0x81 : 0x01;
	buf[3] = response ? (uint8_t)(0x80 | rcode) : 0;
	buf[5] = 1;
	while (*name != '\0') {
		const char	*dot = strchr(name, '.');
		size_t		 l = dot ? (size_t)(dot - name) : strlen(name);

		if (o + l + 6 > len)
			abort();
		buf[o++] = (uint8_t)l;
		memcpy(buf + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	buf[o++] = 0;
	buf[o++] = (uint8_t)(qtype >> 8);
	buf[o++] = (uint8_t)qtype;
	buf[o++] = 0;
	buf[o++] = 1;
	return o;
}

#endif
