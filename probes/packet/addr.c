/*
 * Addresses and prefix lists for the packet engine.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "probes/packet/pkt.h"


uint32_t
paddr_v4(const struct paddr *a)
{
	return ((uint32_t)a->a[12] << 24) | ((uint32_t)a->a[13] << 16) |
	    ((uint32_t)a->a[14] << 8) | a->a[15];
}

bool
paddr_is_zero(const struct paddr *a)
{
	static const struct paddr z;

	if (paddr_is_v4(a))
		return paddr_v4(a) == 0;
	return memcmp(a, &z, sizeof(z)) == 0;
}

const char *
paddr_str(const struct paddr *a, char *buf, size_t len)
{
	if (paddr_is_v4(a)) {
		if (inet_ntop(AF_INET, a->a + 12, buf, (socklen_t)len) == NULL)
			snprintf(buf, len, "?");
	} else if (inet_ntop(AF_INET6, a->a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

int
paddr_parse(const char *s, struct paddr *a)
{
	uint8_t	v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		paddr_from_v4(a, (uint32_t)v4[0] << 24 | (uint32_t)v4[1] << 16 |
		    (uint32_t)v4[2] << 8 | v4[3]);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1)
		return 0;
	return -1;
}

const char *
mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
	    m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

int
cidr_parse(const char *s, struct cidr *c)
{
	char		 ip[64], why[64];
	const char	*slash = strchr(s, '/');
	size_t		 n = slash ? (size_t)(slash - s) : strlen(s);
	int64_t		 plen;
	bool		 v4;

	if (n == 0 || n >= sizeof(ip))
		return -1;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (paddr_parse(ip, &c->addr) == -1)
		return -1;
	v4 = strchr(ip, ':') == NULL;
	if (slash == NULL)
		plen = v4 ? 32 : 128;
	else if (parse_i64(slash + 1, 0, v4 ? 32 : 128, &plen, why,
	    sizeof(why)) == -1)
		return -1;
	c->plen = (uint8_t)(v4 ? 96 + plen : plen);
	/* Clear host bits so matching can compare whole bytes. */
	for (int i = 0; i < 16; i++) {
		int	keep = (int)c->plen - i * 8;

		if (keep <= 0)
			c->addr.a[i] = 0;
		else if (keep < 8)
			c->addr.a[i] &= (uint8_t)(0xff << (8 - keep));
	}
	return 0;
}

int
cidrset_parse(const char *list, struct cidrset *set, char *why, size_t whylen)
{
	const char	*cur = list;
	char		 item[80];
	int		 r;

	set->n = 0;
	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		if (r == -1) {
			snprintf(why, whylen, "list item too long");
			return -1;
		}
		if (set->n == CIDRSET_MAX) {
			snprintf(why, whylen, "more than %d addresses or prefixes",
			    CIDRSET_MAX);
			return -1;
		}
		if (cidr_parse(item, &set->c[set->n]) == -1) {
			snprintf(why, whylen, "'%s' is not an IP address or CIDR "
			    "prefix (e.g. 10.0.0.0/8, fc00::/7)", item);
			return -1;
		}
		set->n++;
	}
	return 0;
}

/*
 * Two 64-bit masked compares: the home network is asked of most packets,
 * and a byte-wise memcmp of a variable length costs a call each time.
 * The masks are built in network order and turned to memory order, so the
 * address halves are compared as loaded.
 */
static bool
cidr_match(const struct cidr *c, const struct paddr *a)
{
	unsigned	plen = c->plen;
	uint64_t	mhi, mlo, a0, a1, c0, c1;

	mhi = plen >= 64 ? ~0ull : plen == 0 ? 0 : ~0ull << (64 - plen);
	mlo = plen <= 64 ? 0 : ~0ull << (128 - plen);
	memcpy(&a0, a->a, 8);
	memcpy(&a1, a->a + 8, 8);
	memcpy(&c0, c->addr.a, 8);
	memcpy(&c1, c->addr.a + 8, 8);
	return ((a0 ^ c0) & htobe64(mhi)) == 0 && ((a1 ^ c1) & htobe64(mlo)) == 0;
}

bool
cidrset_match(const struct cidrset *set, const struct paddr *a)
{
	for (size_t i = 0; i < set->n; i++)
		if (cidr_match(&set->c[i], a))
			return true;
	return false;
}
