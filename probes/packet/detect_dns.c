/*
 * DNS abuse (dns_tunnel, nxdomain_storm), from UDP port 53.
 *
 * dns_tunnel, per (client, registered domain) within dns_window:
 *   - >= dns_suspicious new names whose subdomain part (the name left of
 *     the registered domain) has a label of >= dns_label_len characters,
 *     or is >= dns_name_len long, or has a label of >= 24 characters with
 *     a character entropy of >= dns_entropy bits (encoded data); a name
 *     asked for again does not count twice (that is a resolver cache);
 *   - or >= dns_unique distinct names (a 512-bit linear counter): many
 *     unique subdomains of one domain is how tunnels and DGAs look.
 * The registered domain is the last two labels, or three under a short
 * second level such as com.cn, gov.cn, co.uk (no public-suffix list
 * needed for the detector's purpose).  Names under dns_allow are ignored.
 *
 * nxdomain_storm: >= nxdomain_count NXDOMAIN answers (RCODE 3) to one
 * client within nxdomain_window.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "probes/packet/engine.h"

struct dns_key {
	struct paddr	client;
	char		domain[64];
	uint32_t	kind;		/* 1 tunnel, 2 NXDOMAIN */
};
struct dns_ent {
	struct pt_hdr	hdr;
	struct dns_key	key;
	uint32_t	pad;
	int64_t		first_ms, last_ms, reported_ms;
	uint32_t	queries, suspicious, reported_n;
	uint32_t	txt, null, other_types;
	uint8_t		max_label, max_sub;
	uint64_t	names[8];
	char		sample[104];
};

size_t	dns_entry_size(void);

size_t
dns_entry_size(void)
{
	return sizeof(struct dns_ent);
}

double
dns_entropy(const char *s, size_t n)
{
	unsigned	cnt[256] = { 0 };
	size_t		m = 0;
	double		h = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '.') {
			cnt[(uint8_t)s[i]]++;
			m++;
		}
	if (m == 0)
		return 0;
	for (int c = 0; c < 256; c++)
		if (cnt[c] != 0) {
			double p = (double)cnt[c] / (double)m;

			h -= p * log2(p);
		}
	return h;
}

/*
 * Second levels that act as public suffixes under two-letter country
 * domains (com.cn, gov.cn, co.uk, ac.jp, and .cn's province codes such as
 * bj.cn); enough for grouping queries, no public-suffix list needed.
 */
static bool
public_second_level(const char *s, size_t n)
{
	static const char *const sl[] = { "com", "net", "org", "gov", "edu", "ac",
	    "co", "mil", "or", "ne", "go", "gob", "nic", "ltd", "plc", "sch",
	    "bj", "sh", "tj", "cq", "he", "sx", "nm", "ln", "jl", "hl", "js",
	    "zj", "ah", "fj", "jx", "sd", "ha", "hb", "hn", "gd", "gx", "hi",
	    "sc", "gz", "yn", "xz", "sn", "gs", "qh", "nx", "xj", NULL };

	for (const char *const *p = sl; *p != NULL; p++)
		if (strlen(*p) == n && memcmp(*p, s, n) == 0)
			return true;
	return false;
}

/* Offset of the registered domain inside name (0 when it is the name). */
static size_t
registered_domain(const char *name, size_t len)
{
	size_t	dots[3] = { 0, 0, 0 }, nd = 0, tld_len, sl_len;

	for (size_t i = len; i-- > 0; )
		if (name[i] == '.') {
			dots[nd++] = i;
			if (nd == 3)
				break;
		}
	if (nd < 2)
		return 0;
	tld_len = len - dots[0] - 1;
	sl_len = dots[0] - dots[1] - 1;
	if (tld_len == 2 && public_second_level(name + dots[1] + 1, sl_len))
		return nd == 3 ? dots[2] + 1 : 0;
	return dots[1] + 1;
}

static bool
dns_allowed(const struct pkt_engine *e, const char *name, size_t len)
{
	for (int i = 0; i < e->c.ndns_allow; i++) {
		const char	*a = e->c.dns_allow[i];
		size_t		 n = strlen(a);

		if (n <= len && strcmp(name + len - n, a) == 0 &&
		    (n == len || name[len - n - 1] == '.'))
			return true;
	}
	return false;
}

static struct dns_ent *
dns_entry(struct pkt_engine *e, const struct paddr *client, const char *domain,
    uint32_t kind, int64_t window)
{
	struct dns_key	 k;
	struct dns_ent	*d;
	bool		 isnew;
	int64_t		 rep;
	uint32_t	 repn;

	memset(&k, 0, sizeof(k));
	k.client = *client;
	snprintf(k.domain, sizeof(k.domain), "%s", domain);
	k.kind = kind;
	d = pt_get(&e->dns, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (d == NULL)
		return NULL;
	if (isnew || e->now - d->first_ms > window) {
		rep = isnew ? 0 : d->reported_ms;
		repn = 0;
		memset((char *)d + offsetof(struct dns_ent, first_ms), 0,
		    sizeof(*d) - offsetof(struct dns_ent, first_ms));
		d->first_ms = e->now;
		d->reported_ms = rep;
		d->reported_n = repn;
	}
	d->last_ms = e->now;
	return d;
}

static uint32_t
names_est(const struct dns_ent *d)
{
	int	zeros = 0;

	for (int i = 0; i < 8; i++)
		zeros += 64 - __builtin_popcountll(d->names[i]);
	if (zeros == 0)
		return 3200;
	return (uint32_t)(-512.0 * log((double)zeros / 512.0) + 0.5);
}

static void
dns_query(struct pkt_engine *e, const struct pkt *p, const struct dns_msg *m)
{
	struct dns_ent	*d;
	size_t		 off, sub, lab = 0, maxlab = 0, maxat = 0;
	bool		 susp, seen;
	uint32_t	 b, uniq;
	char		 c[48], key[160];

	if (m->qname_len == 0 || dns_allowed(e, m->qname, m->qname_len))
		return;
	off = registered_domain(m->qname, m->qname_len);
	sub = off == 0 ? 0 : off - 1;
	for (size_t i = 0; i < sub; i++) {
		if (m->qname[i] == '.')
			lab = 0;
		else if (++lab > maxlab) {
			maxlab = lab;
			maxat = i + 1 - lab;
		}
	}
	d = dns_entry(e, &p->src, m->qname + off, 1, e->c.dns_window_ms);
	if (d == NULL)
		return;
	/* Asking again for the same name is a cache at work, not data. */
	b = (uint32_t)(pt_hash(m->qname, m->qname_len) & 511);
	seen = (d->names[b >> 6] >> (b & 63)) & 1;
	d->names[b >> 6] |= 1ull << (b & 63);
	susp = !seen && sub != 0 && (maxlab >= (size_t)e->c.dns_label_len ||
	    sub >= (size_t)e->c.dns_name_len || (maxlab >= 24 &&
	    dns_entropy(m->qname + maxat, maxlab) >= e->c.dns_entropy));
	d->queries++;
	if (susp) {
		d->suspicious++;
		if (d->sample[0] == '\0')
			snprintf(d->sample, sizeof(d->sample), "%.100s", m->qname);
	}
	if (maxlab > d->max_label)
		d->max_label = (uint8_t)maxlab;
	if (sub > d->max_sub)
		d->max_sub = (uint8_t)(sub > 255 ? 255 : sub);
	if (m->qtype == 16)
		d->txt++;
	else if (m->qtype == 10)
		d->null++;
	else if (m->qtype != 1 && m->qtype != 28)
		d->other_types++;
	uniq = names_est(d);
	if (d->suspicious < (uint32_t)e->c.dns_suspicious &&
	    uniq < (uint32_t)e->c.dns_unique)
		return;
	if (d->queries <= d->reported_n || (d->reported_ms != 0 &&
	    e->now - d->reported_ms < e->c.realert_ms))
		return;
	paddr_str(&p->src, c, sizeof(c));
	snprintf(key, sizeof(key), "dns_tunnel:%s:%s", c, d->key.domain);
	d->reported_ms = e->now;
	d->reported_n = d->queries;
	eng_report(e, FT_DNS_TUNNEL, SEV_HIGH, key, c,
	    json_pack("[s]", d->key.domain), d->first_ms, e->now, d->queries,
	    json_pack("{s:s,s:i,s:i,s:i,s:i,s:s,s:i,s:i,s:i}",
	    "domain", d->key.domain, "queries", (json_int_t)d->queries,
	    "suspicious_names", (json_int_t)d->suspicious,
	    "unique_names_estimate", (json_int_t)uniq,
	    "longest_label", (json_int_t)d->max_label,
	    "sample", d->sample[0] ? d->sample : m->qname,
	    "txt_queries", (json_int_t)d->txt, "null_queries", (json_int_t)d->null,
	    "other_type_queries", (json_int_t)d->other_types));
}

static void
dns_answer(struct pkt_engine *e, const struct pkt *p, const struct dns_msg *m)
{
	struct dns_ent	*d;
	char		 c[48], key[96];

	if (m->rcode != 3 || e->c.disabled[FT_NXDOMAIN_STORM])
		return;
	d = dns_entry(e, &p->dst, "", 2, e->c.nxdomain_window_ms);
	if (d == NULL)
		return;
	d->queries++;
	if (d->sample[0] == '\0')
		snprintf(d->sample, sizeof(d->sample), "%.100s", m->qname);
	if (d->queries < (uint32_t)e->c.nxdomain_count ||
	    d->queries <= d->reported_n || (d->reported_ms != 0 &&
	    e->now - d->reported_ms < e->c.realert_ms))
		return;
	paddr_str(&p->dst, c, sizeof(c));
	snprintf(key, sizeof(key), "nxdomain_storm:%s", c);
	d->reported_ms = e->now;
	d->reported_n = d->queries;
	eng_report(e, FT_NXDOMAIN_STORM, SEV_MEDIUM, key, c, json_array(),
	    d->first_ms, e->now, d->queries,
	    json_pack("{s:i,s:s}", "nxdomain_answers", (json_int_t)d->queries,
	    "sample", d->sample));
}

void
dns_packet(struct pkt_engine *e, const struct pkt *p)
{
	struct dns_msg	m;

	if (dns_decode(p->payload, p->paylen, &m) == -1)
		return;		/* not DNS after all, or cut short */
	if (!m.qr && p->dport == 53 && !e->c.disabled[FT_DNS_TUNNEL])
		dns_query(e, p, &m);
	else if (m.qr && p->sport == 53)
		dns_answer(e, p, &m);
}
