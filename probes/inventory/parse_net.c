/*
 * Parsers for the network tables under /proc/net (proc(5)) and for
 * resolv.conf(5).
 *
 * Address encodings differ by file: tcp, tcp6, udp, udp6, route print
 * each 32-bit word with %08X of the value as it sits in memory (host
 * order of network-order bytes), so a word is converted back by storing
 * the parsed integer in host order; ipv6_route and if_inet6 print the 16
 * bytes in network order (%pi6 without colons).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/inventory/inventory.h"

/* "0100007F" → 127.0.0.1 (host-order word). */
static int
hex_word_addr(struct inv_str s, uint8_t out[4])
{
	uint64_t v;
	uint32_t w;

	if (s.len != 8 || inv_str_hex64(s, &v) == -1)
		return -1;
	w = (uint32_t)v;
	memcpy(out, &w, 4);
	return 0;
}

/* 32 hex digits in network byte order (ipv6_route, if_inet6). */
static int
hex_bytes16(struct inv_str s, uint8_t out[16])
{
	if (s.len != 32)
		return -1;
	for (size_t i = 0; i < 16; i++) {
		struct inv_str byte = { s.p + 2 * i, 2 };
		uint64_t v;

		if (inv_str_hex64(byte, &v) == -1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* "ADDR:PORT" as in /proc/net/tcp; 4 or 16 address bytes. */
static int
sock_addr(struct inv_str s, int v6, char *addr, size_t addrlen, uint16_t *port,
    int *zero)
{
	uint8_t a[16];
	size_t alen = v6 ? 32 : 8, i;
	struct inv_str w, p;
	uint64_t pv;

	for (i = 0; i < s.len && s.p[i] != ':'; i++)
		;
	if (i != alen || i == s.len)
		return -1;
	for (size_t k = 0; k < alen / 8; k++) {
		w.p = s.p + 8 * k;
		w.len = 8;
		if (hex_word_addr(w, a + 4 * k) == -1)
			return -1;
	}
	p.p = s.p + i + 1;
	p.len = s.len - i - 1;
	if (p.len != 4 || inv_str_hex64(p, &pv) == -1)
		return -1;
	*port = (uint16_t)pv;
	*zero = 1;
	for (size_t k = 0; k < alen / 2; k++)
		if (a[k] != 0)
			*zero = 0;
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, a, addr, (socklen_t)addrlen) == NULL)
		return -1;
	return 0;
}

json_t *
inv_parse_proc_net(const char *buf, size_t len, const char *proto,
    const char *source, json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f[10];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;
	int v6 = strchr(proto, '6') != NULL;
	int udp = strncmp(proto, "udp", 3) == 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		char laddr[INET6_ADDRSTRLEN], raddr[INET6_ADDRSTRLEN];
		uint16_t lport, rport;
		int lzero, rzero, nf = 0;
		uint64_t st, uid, inode;
		json_t *o;

		lineno++;
		while (nf < 10 && inv_field_next(&line, &f[nf]))
			nf++;
		if (nf == 0)
			continue;
		if (lineno == 1 && inv_str_eq(f[0], "sl"))
			continue;	/* the header */
		if (nf < 10) {
			inv_bad_note(&bad, lineno, "fewer than 10 fields");
			continue;
		}
		if (sock_addr(f[1], v6, laddr, sizeof(laddr), &lport, &lzero) == -1 ||
		    sock_addr(f[2], v6, raddr, sizeof(raddr), &rport, &rzero) == -1) {
			inv_bad_note(&bad, lineno, "bad address");
			continue;
		}
		if (f[3].len != 2 || inv_str_hex64(f[3], &st) == -1 ||
		    inv_str_u64(f[7], &uid) == -1 || inv_str_u64(f[9], &inode) == -1 ||
		    uid > UINT32_MAX) {
			inv_bad_note(&bad, lineno, "bad state, uid or inode");
			continue;
		}
		/* TCP_LISTEN is 0x0A; an unconnected UDP socket is TCP_CLOSE (7). */
		if (udp ? (st != 0x07 || !rzero || rport != 0) : st != 0x0a)
			continue;
		if (json_array_size(a) >= INV_SOCKETS_MAX)
			continue;
		o = json_object();
		json_object_set_new(o, "proto", json_string(proto));
		json_object_set_new(o, "addr", json_string(laddr));
		json_object_set_new(o, "port", json_integer(lport));
		json_object_set_new(o, "uid", json_integer((json_int_t)uid));
		json_object_set_new(o, "inode", json_integer((json_int_t)(inode & INT64_MAX)));
		json_array_append_new(a, o);
	}
	inv_bad_flush(&bad, errors, source);
	return a;
}

/* "00:11:22:aa:bb:cc", lower-cased; -1 unless exactly that shape. */
static int
mac_norm(struct inv_str s, char out[18], int *zero)
{
	if (s.len != 17)
		return -1;
	*zero = 1;
	for (size_t i = 0; i < 17; i++) {
		char c = s.p[i];

		if (i % 3 == 2) {
			if (c != ':')
				return -1;
			out[i] = ':';
			continue;
		}
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		if (c != '0')
			*zero = 0;
		out[i] = c;
	}
	out[17] = '\0';
	return 0;
}

json_t *
inv_parse_arp(const char *buf, size_t len, const char *source, json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f[6];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		char ip[INET_ADDRSTRLEN], mac[18];
		struct in_addr in;
		uint64_t flags;
		int nf = 0, zero;
		json_t *o;

		lineno++;
		while (nf < 6 && inv_field_next(&line, &f[nf]))
			nf++;
		if (nf == 0 || (lineno == 1 && inv_str_eq(f[0], "IP")))
			continue;
		if (nf < 6) {
			inv_bad_note(&bad, lineno, "fewer than 6 fields");
			continue;
		}
		inv_str_copy(f[0], ip, sizeof(ip));
		if (f[0].len >= sizeof(ip) || inet_pton(AF_INET, ip, &in) != 1 ||
		    !inv_str_prefix(f[2], "0x") || f[2].len < 3) {
			inv_bad_note(&bad, lineno, "bad address or flags");
			continue;
		}
		f[2].p += 2;
		f[2].len -= 2;
		if (inv_str_hex64(f[2], &flags) == -1 ||
		    mac_norm(f[3], mac, &zero) == -1) {
			inv_bad_note(&bad, lineno, "bad flags or hardware address");
			continue;
		}
		/* ATF_COM (0x2): resolved; incomplete entries have no MAC. */
		if (!(flags & 0x2) || zero)
			continue;
		if (json_array_size(a) >= INV_NEIGH_MAX)
			break;
		o = json_object();
		json_object_set_new(o, "ip", json_string(ip));
		json_object_set_new(o, "mac", json_string(mac));
		json_object_set_new(o, "dev", inv_json_str(f[5].p, f[5].len));
		json_array_append_new(a, o);
	}
	inv_bad_flush(&bad, errors, source);
	return a;
}

json_t *
inv_parse_route(const char *buf, size_t len, const char *source, json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f[8];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		uint8_t dst[4], gw[4], mask[4];
		uint64_t flags;
		char gws[INET_ADDRSTRLEN];
		int nf = 0;
		json_t *o;

		lineno++;
		while (nf < 8 && inv_field_next(&line, &f[nf]))
			nf++;
		if (nf == 0 || (lineno == 1 && inv_str_eq(f[0], "Iface")))
			continue;
		if (nf < 8 || hex_word_addr(f[1], dst) == -1 ||
		    hex_word_addr(f[2], gw) == -1 || hex_word_addr(f[7], mask) == -1 ||
		    inv_str_hex64(f[3], &flags) == -1) {
			inv_bad_note(&bad, lineno, "bad route line");
			continue;
		}
		/* Default route: 0.0.0.0/0 with RTF_GATEWAY (0x2) and RTF_UP (0x1). */
		if (memcmp(dst, "\0\0\0\0", 4) != 0 || memcmp(mask, "\0\0\0\0", 4) != 0 ||
		    (flags & 0x3) != 0x3 || json_array_size(a) >= 16)
			continue;
		inet_ntop(AF_INET, gw, gws, sizeof(gws));
		o = json_object();
		json_object_set_new(o, "dev", inv_json_str(f[0].p, f[0].len));
		json_object_set_new(o, "gateway", json_string(gws));
		json_array_append_new(a, o);
	}
	inv_bad_flush(&bad, errors, source);
	return a;
}

json_t *
inv_parse_ipv6_route(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f[10];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;
	static const uint8_t zero16[16];

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		uint8_t dst[16], nh[16];
		uint64_t plen, flags;
		char gws[INET6_ADDRSTRLEN];
		int nf = 0;
		json_t *o;

		lineno++;
		while (nf < 10 && inv_field_next(&line, &f[nf]))
			nf++;
		if (nf == 0)
			continue;
		if (nf < 10 || hex_bytes16(f[0], dst) == -1 ||
		    inv_str_hex64(f[1], &plen) == -1 || hex_bytes16(f[4], nh) == -1 ||
		    inv_str_hex64(f[8], &flags) == -1) {
			inv_bad_note(&bad, lineno, "bad route line");
			continue;
		}
		if (plen != 0 || memcmp(dst, zero16, 16) != 0 ||
		    memcmp(nh, zero16, 16) == 0 || (flags & 0x3) != 0x3 ||
		    json_array_size(a) >= 16)
			continue;
		inet_ntop(AF_INET6, nh, gws, sizeof(gws));
		o = json_object();
		json_object_set_new(o, "dev", inv_json_str(f[9].p, f[9].len));
		json_object_set_new(o, "gateway", json_string(gws));
		json_array_append_new(a, o);
	}
	inv_bad_flush(&bad, errors, source);
	return a;
}

json_t *
inv_parse_if_inet6(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *o = json_object();
	struct rbuf b;
	struct inv_str line, f[6];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (o == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		uint8_t addr[16];
		uint64_t plen, flags;
		char s[INET6_ADDRSTRLEN + 8], name[64];
		int nf = 0;
		json_t *list;

		lineno++;
		while (nf < 6 && inv_field_next(&line, &f[nf]))
			nf++;
		if (nf == 0)
			continue;
		if (nf < 6 || hex_bytes16(f[0], addr) == -1 ||
		    inv_str_hex64(f[2], &plen) == -1 || plen > 128 ||
		    inv_str_hex64(f[4], &flags) == -1 || f[5].len == 0 || f[5].len >= sizeof(name)) {
			inv_bad_note(&bad, lineno, "bad if_inet6 line");
			continue;
		}
		/* IFA_F_TEMPORARY (0x01): RFC 8981 privacy addresses rotate
		 * daily and would change the snapshot's hash for nothing. */
		if (flags & 0x01)
			continue;
		inet_ntop(AF_INET6, addr, s, INET6_ADDRSTRLEN);
		snprintf(s + strlen(s), 8, "/%u", (unsigned)plen);
		inv_str_copy(f[5], name, sizeof(name));
		list = json_object_get(o, name);
		if (list == NULL) {
			if (json_object_size(o) >= 1024)
				continue;
			list = json_array();
			json_object_set_new(o, name, list);
		}
		if (json_array_size(list) < 256)
			json_array_append_new(list, json_string(s));
	}
	inv_bad_flush(&bad, errors, source);
	return o;
}

json_t *
inv_parse_resolv(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f;
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		char ip[INET6_ADDRSTRLEN + 1];
		uint8_t tmp[16];

		lineno++;
		if (!inv_field_next(&line, &f) || !inv_str_eq(f, "nameserver"))
			continue;
		if (!inv_field_next(&line, &f) || f.len >= sizeof(ip)) {
			inv_bad_note(&bad, lineno, "nameserver without an address");
			continue;
		}
		inv_str_copy(f, ip, sizeof(ip));
		if (inet_pton(AF_INET, ip, tmp) != 1 &&
		    inet_pton(AF_INET6, ip, tmp) != 1) {
			inv_bad_note(&bad, lineno, "nameserver is not an IP address");
			continue;
		}
		if (json_array_size(a) < 16)
			json_array_append_new(a, json_string(ip));
	}
	inv_bad_flush(&bad, errors, source);
	return a;
}
