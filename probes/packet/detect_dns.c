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
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "probes/packet/detector.h"

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

struct dns_conf {
	int		dns_label_len;
	int		dns_name_len;
	double		dns_entropy;
	int		dns_suspicious;
	int		dns_unique;
	int64_t		dns_window_ms;
	int		nxdomain_count;
	int64_t		nxdomain_window_ms;
	char		dns_allow_s[1024];
	char		dns_allow[16][64];
	int		ndns_allow;
};

struct dns_det {
	const struct dns_conf	*c;
	int			 type0;
	struct ptab		 dns;	/* (client, domain) -> counts */
};

static const char *const dns_types[] = { "dns_tunnel", "nxdomain_storm",
    NULL };
enum { T_DNS_TUNNEL, T_NXDOMAIN_STORM };

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
dns_allowed(const struct dns_det *d, const char *name, size_t len)
{
	for (int i = 0; i < d->c->ndns_allow; i++) {
		const char	*a = d->c->dns_allow[i];
		size_t		 n = strlen(a);

		if (n <= len && strcmp(name + len - n, a) == 0 &&
		    (n == len || name[len - n - 1] == '.'))
			return true;
	}
	return false;
}

static struct dns_ent *
dns_entry(struct pkt_engine *e, struct dns_det *dd, const struct paddr *client,
    const char *domain, uint32_t kind, int64_t window)
{
	struct dns_key	 k;
	struct dns_ent	*x;
	bool		 isnew;
	int64_t		 rep;
	uint32_t	 repn;

	memset(&k, 0, sizeof(k));
	k.client = *client;
	snprintf(k.domain, sizeof(k.domain), "%s", domain);
	k.kind = kind;
	x = pt_get(&dd->dns, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (x == NULL)
		return NULL;
	if (isnew || e->now - x->first_ms > window) {
		rep = isnew ? 0 : x->reported_ms;
		repn = 0;
		memset((char *)x + offsetof(struct dns_ent, first_ms), 0,
		    sizeof(*x) - offsetof(struct dns_ent, first_ms));
		x->first_ms = e->now;
		x->reported_ms = rep;
		x->reported_n = repn;
	}
	x->last_ms = e->now;
	return x;
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
dns_query(struct pkt_engine *e, struct dns_det *dd, const struct pkt *p,
    const struct dns_msg *m)
{
	struct dns_ent	*x;
	size_t		 off, sub, lab = 0, maxlab = 0, maxat = 0;
	bool		 susp, seen;
	uint32_t	 b, uniq;
	char		 c[48], key[160];

	if (m->qname_len == 0 || dns_allowed(dd, m->qname, m->qname_len))
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
	x = dns_entry(e, dd, &p->src, m->qname + off, 1, dd->c->dns_window_ms);
	if (x == NULL)
		return;
	/* Asking again for the same name is a cache at work, not data. */
	b = (uint32_t)(pt_hash(m->qname, m->qname_len) & 511);
	seen = (x->names[b >> 6] >> (b & 63)) & 1;
	x->names[b >> 6] |= 1ull << (b & 63);
	susp = !seen && sub != 0 && (maxlab >= (size_t)dd->c->dns_label_len ||
	    sub >= (size_t)dd->c->dns_name_len || (maxlab >= 24 &&
	    dns_entropy(m->qname + maxat, maxlab) >= dd->c->dns_entropy));
	x->queries++;
	if (susp) {
		x->suspicious++;
		if (x->sample[0] == '\0')
			snprintf(x->sample, sizeof(x->sample), "%.100s", m->qname);
	}
	if (maxlab > x->max_label)
		x->max_label = (uint8_t)maxlab;
	if (sub > x->max_sub)
		x->max_sub = (uint8_t)(sub > 255 ? 255 : sub);
	if (m->qtype == 16)
		x->txt++;
	else if (m->qtype == 10)
		x->null++;
	else if (m->qtype != 1 && m->qtype != 28)
		x->other_types++;
	uniq = names_est(x);
	if (x->suspicious < (uint32_t)dd->c->dns_suspicious &&
	    uniq < (uint32_t)dd->c->dns_unique)
		return;
	if (x->queries <= x->reported_n || (x->reported_ms != 0 &&
	    e->now - x->reported_ms < e->c.realert_ms))
		return;
	paddr_str(&p->src, c, sizeof(c));
	snprintf(key, sizeof(key), "dns_tunnel:%s:%s", c, x->key.domain);
	x->reported_ms = e->now;
	x->reported_n = x->queries;
	eng_report(e, dd->type0 + T_DNS_TUNNEL, SEV_HIGH, key, c,
	    json_pack("[s]", x->key.domain), x->first_ms, e->now, x->queries,
	    json_pack("{s:s,s:i,s:i,s:i,s:i,s:s,s:i,s:i,s:i}",
	    "domain", x->key.domain, "queries", (json_int_t)x->queries,
	    "suspicious_names", (json_int_t)x->suspicious,
	    "unique_names_estimate", (json_int_t)uniq,
	    "longest_label", (json_int_t)x->max_label,
	    "sample", x->sample[0] ? x->sample : m->qname,
	    "txt_queries", (json_int_t)x->txt, "null_queries", (json_int_t)x->null,
	    "other_type_queries", (json_int_t)x->other_types));
}

static void
dns_answer(struct pkt_engine *e, struct dns_det *dd, const struct pkt *p,
    const struct dns_msg *m)
{
	struct dns_ent	*x;
	char		 c[48], key[96];

	if (m->rcode != 3 || eng_disabled(e, dd->type0 + T_NXDOMAIN_STORM))
		return;
	x = dns_entry(e, dd, &p->dst, "", 2, dd->c->nxdomain_window_ms);
	if (x == NULL)
		return;
	x->queries++;
	if (x->sample[0] == '\0')
		snprintf(x->sample, sizeof(x->sample), "%.100s", m->qname);
	if (x->queries < (uint32_t)dd->c->nxdomain_count ||
	    x->queries <= x->reported_n || (x->reported_ms != 0 &&
	    e->now - x->reported_ms < e->c.realert_ms))
		return;
	paddr_str(&p->dst, c, sizeof(c));
	snprintf(key, sizeof(key), "nxdomain_storm:%s", c);
	x->reported_ms = e->now;
	x->reported_n = x->queries;
	eng_report(e, dd->type0 + T_NXDOMAIN_STORM, SEV_MEDIUM, key, c, json_array(),
	    x->first_ms, e->now, x->queries,
	    json_pack("{s:i,s:s}", "nxdomain_answers", (json_int_t)x->queries,
	    "sample", x->sample));
}

static void
dns_packet(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct dns_det	*d = self;
	struct dns_msg	 m;

	if (dns_decode(p->payload, p->paylen, &m) == -1)
		return;		/* not DNS after all, or cut short */
	if (!m.qr && p->dport == 53 &&
	    !eng_disabled(e, d->type0 + T_DNS_TUNNEL))
		dns_query(e, d, p, &m);
	else if (m.qr && p->sport == 53)
		dns_answer(e, d, p, &m);
}

/* ---- registration -------------------------------------------------------- */

static int
dns_init(struct pkt_engine *e, void *self, const void *conf, int type0,
    char *err, size_t errlen)
{
	struct dns_det	*d = self;

	(void)e; (void)err; (void)errlen;
	d->c = conf;
	d->type0 = type0;
	return 0;
}

static int
valid_domains(const void *field, char *why, size_t whylen)
{
	const char	*cur = field;
	char		 item[64];
	int		 r, n = 0;

	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		if (r == -1 || ++n > 16) {
			snprintf(why, whylen, "at most 16 domains of up to 63 characters");
			return -1;
		}
	}
	return 0;
}

static int
dns_conf_finish(void *conf, char *why, size_t whylen)
{
	struct dns_conf	*c = conf;
	const char	*cur = c->dns_allow_s;

	(void)why; (void)whylen;
	c->ndns_allow = 0;
	while (c->ndns_allow < 16 &&
	    conf_list_next(&cur, c->dns_allow[c->ndns_allow], 64) == 1)
		c->ndns_allow++;
	return 0;
}

static int64_t
dns_ttl(const struct pkt_conf *pc, const void *conf)
{
	const struct dns_conf	*c = conf;

	(void)pc;
	return c->dns_window_ms > c->nxdomain_window_ms ? c->dns_window_ms :
	    c->nxdomain_window_ms;
}

static const struct det_table dns_tables[] = {
	{ "DNS", offsetof(struct dns_det, dns), sizeof(struct dns_ent),
	  sizeof(struct dns_key), 0, 140, 0, dns_ttl },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

#define O(f)	offsetof(struct dns_conf, f)
#define S(f)	O(f), sizeof(((struct dns_conf *)0)->f)
static const struct conf_opt dns_opts[] = {
	{ "dns_label_len", CONF_INT, O(dns_label_len), 0, 8, 63, "30", NULL,
	  NULL,
	  "dns_tunnel: a new name with a label at least this long is "
	  "suspicious" },
	{ "dns_name_len", CONF_INT, O(dns_name_len), 0, 16, 255, "60", NULL, NULL,
	  "dns_tunnel: a subdomain at least this long is suspicious" },
	{ "dns_entropy", CONF_DOUBLE, O(dns_entropy), 0, 1, 8, "4.5", NULL, NULL,
	  "dns_tunnel: a label of 24+ characters with at least this "
	  "entropy (bits) is suspicious" },
	{ "dns_suspicious", CONF_INT, O(dns_suspicious), 0, 1, 1000000, "5", NULL,
	  NULL,
	  "dns_tunnel: suspicious new names per client and domain within "
	  "dns_window" },
	{ "dns_unique", CONF_INT, O(dns_unique), 0, 2, 1000000, "100", NULL, NULL,
	  "dns_tunnel: distinct names per client and domain within "
	  "dns_window" },
	{ "dns_window", CONF_DURATION, O(dns_window_ms), 0, 1000, 86400000LL, "5m",
	  NULL, NULL, "window of the dns_tunnel counts" },
	{ "nxdomain_count", CONF_INT, O(nxdomain_count), 0, 2, 1000000, "50", NULL,
	  NULL,
	  "nxdomain_storm: NXDOMAIN answers to one client within "
	  "nxdomain_window" },
	{ "nxdomain_window", CONF_DURATION, O(nxdomain_window_ms), 0, 1000,
	  86400000LL, "1m", NULL, NULL, "window of nxdomain_count" },
	{ "dns_allow", CONF_STR, S(dns_allow_s), 0, 0, "arpa, local", NULL,
	  valid_domains, "domains (and their subdomains) never judged" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

/* UDP to or from port 53 only. */
static const struct det_hook dns_hooks[] = {
	{ DET_UDP, 0, 53, 0, 0, dns_packet },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops dns_detector = {
	.name = "dns",
	.types = dns_types,
	.options = dns_opts,
	.conf_size = sizeof(struct dns_conf),
	.conf_finish = dns_conf_finish,
	.tables = dns_tables,
	.state_size = sizeof(struct dns_det),
	.init = dns_init,
	.packet = dns_hooks,
};
