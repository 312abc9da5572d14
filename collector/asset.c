/*
 * The asset register: ingest hook, IEEE OUI table, admin field checks,
 * snapshot diffs.  See asset.h; SQL lives in store_asset.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/asset.h"
#include "collector/schedule.h"
#include "collector/store_asset.h"
#include "common/inventory_diff.h"
#include "common/log.h"
#include "common/rbuf.h"
#include "common/text.h"
#include "common/timeutil.h"

#define OUI_FILE_MAX	(64u << 20)
#define OUI_NAME_MAX	128
#define MID_MAX		128
#define TARGET_MAX	128

/* ---- IEEE OUI table -------------------------------------------------- */

struct oui_ent {
	uint32_t	prefix;
	uint32_t	off;		/* into names */
};

struct oui_table {
	struct oui_ent	*v;
	size_t		 n, cap;
	char		*names;
	size_t		 nlen, ncap;
};

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
oui_add(struct oui_table *t, uint32_t prefix, const uint8_t *name, size_t len)
{
	size_t need;

	if (t->n == t->cap) {
		size_t		 cap = t->cap ? t->cap * 2 : 1024;
		struct oui_ent	*v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	need = t->nlen + len + 1;
	if (need > UINT32_MAX)
		return -1;
	if (need > t->ncap) {
		size_t	 cap = t->ncap ? t->ncap : 16384;
		char	*p;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(t->names, cap)) == NULL)
			return -1;
		t->names = p;
		t->ncap = cap;
	}
	t->v[t->n].prefix = prefix;
	t->v[t->n].off = (uint32_t)t->nlen;
	/* Control bytes and invalid UTF-8 from the file become '?'. */
	for (size_t i = 0; i < len;) {
		size_t u = text_utf8_decode(name + i, len - i, NULL);

		if (u == 0 || (u == 1 && (name[i] < 0x20 || name[i] == 0x7f))) {
			t->names[t->nlen++] = '?';
			i++;
			continue;
		}
		memcpy(t->names + t->nlen, name + i, u);
		t->nlen += u;
		i += u;
	}
	t->names[t->nlen++] = '\0';
	t->n++;
	return 0;
}

static int
oui_cmp(const void *a, const void *b)
{
	const struct oui_ent *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * One line: "XX-XX-XX" blanks "(hex)" blanks NAME.  1 taken, 0 not a
 * "(hex)" line, -1 a "(hex)" line that does not parse.
 */
static int
oui_line(struct oui_table *t, struct rbuf line)
{
	static const char	 tag[] = "(hex)";
	uint32_t		 prefix = 0;
	uint8_t			 c;
	const uint8_t		*name;
	size_t			 len;
	int			 hex = 0;

	for (size_t i = 0; i + 5 <= line.len; i++)
		if (memcmp(line.p + i, tag, 5) == 0)
			hex = 1;
	if (!hex)
		return 0;
	for (int i = 0; i < 8; i++) {
		int h;

		if (rbuf_u8(&line, &c) == -1)
			return -1;
		if (i == 2 || i == 5) {
			if (c != '-')
				return -1;
			continue;
		}
		if ((h = hexval(c)) == -1)
			return -1;
		prefix = (prefix << 4) | (uint32_t)h;
	}
	while (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t'))
		(void)rbuf_skip(&line, 1);
	if (line.len < 5 || memcmp(line.p, tag, 5) != 0)
		return -1;
	(void)rbuf_skip(&line, 5);
	while (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t'))
		(void)rbuf_skip(&line, 1);
	name = line.p;
	len = line.len;
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t' ||
	    name[len - 1] == '\r'))
		len--;
	if (len == 0)
		return -1;
	if (len > OUI_NAME_MAX - 1)
		len = text_utf8_prefix((const char *)name, len, OUI_NAME_MAX - 1);
	return oui_add(t, prefix, name, len) == -1 ? -2 : 1;
}

struct oui_table *
oui_parse(const char *buf, size_t len, size_t *bad)
{
	struct oui_table	*t = calloc(1, sizeof(*t));
	struct rbuf		 b;
	size_t			 nbad = 0, w = 0;

	if (t == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (rbuf_left(&b) > 0) {
		const uint8_t	*nl = memchr(b.p, '\n', b.len);
		size_t		 ll = nl ? (size_t)(nl - b.p) : b.len;
		struct rbuf	 line;
		int		 r;

		rbuf_init(&line, b.p, ll);
		(void)rbuf_skip(&b, nl ? ll + 1 : ll);
		if ((r = oui_line(t, line)) == -2) {
			oui_free(t);
			return NULL;
		}
		if (r == -1)
			nbad++;
	}
	if (t->n > 0) {
		qsort(t->v, t->n, sizeof(*t->v), oui_cmp);
		/* Keep the first of duplicated prefixes. */
		for (size_t r = 0; r < t->n; r++)
			if (w == 0 || t->v[w - 1].prefix != t->v[r].prefix)
				t->v[w++] = t->v[r];
		t->n = w;
	}
	if (bad != NULL)
		*bad = nbad;
	return t;
}

struct oui_table *
oui_load(const char *path, char *err, size_t errlen)
{
	FILE			*f = fopen(path, "rb");
	char			*buf = NULL;
	size_t			 len = 0, bad = 0;
	struct oui_table	*t = NULL;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(OUI_FILE_MAX)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, OUI_FILE_MAX, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if ((t = oui_parse(buf, len, &bad)) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (bad > 0)
		log_debug("assets: %s: %zu vendor lines not understood, skipped",
		    path, bad);
out:
	free(buf);
	fclose(f);
	return t;
}

size_t
oui_count(const struct oui_table *t)
{
	return t ? t->n : 0;
}

const char *
oui_lookup(const struct oui_table *t, const char *mac)
{
	char	 norm[18];
	uint32_t prefix = 0;
	size_t	 lo = 0, hi;

	if (t == NULL || asset_mac_norm(mac, norm, sizeof(norm)) == -1)
		return NULL;
	for (int i = 0; i < 8; i++)
		if (i != 2 && i != 5)
			prefix = (prefix << 4) | (uint32_t)hexval((uint8_t)norm[i]);
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].prefix == prefix)
			return t->names + t->v[mid].off;
		if (t->v[mid].prefix < prefix)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
oui_free(struct oui_table *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t->names);
	free(t);
}

/* ---- validation ------------------------------------------------------ */

int
asset_mac_norm(const char *in, char *out, size_t outlen)
{
	uint8_t	b[6];
	int	zero = 1;

	if (in == NULL || outlen < 18 || strlen(in) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int h = hexval((uint8_t)in[i * 3]), l = hexval((uint8_t)in[i * 3 + 1]);

		if (h == -1 || l == -1 ||
		    (i < 5 && in[i * 3 + 2] != ':' && in[i * 3 + 2] != '-'))
			return -1;
		b[i] = (uint8_t)(h << 4 | l);
		if (b[i] != 0)
			zero = 0;
	}
	if (zero || (b[0] & 1))		/* none, multicast, broadcast */
		return -1;
	snprintf(out, outlen, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
	    b[2], b[3], b[4], b[5]);
	return 0;
}

static int
date_ok(const char *s)
{
	int64_t	 y, m, d, z;
	int	 yy;
	unsigned mm, dd;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	/* A real day: the round trip through days-from-civil keeps it. */
	z = time_days_from_civil((int)y, (unsigned)m, (unsigned)d);
	time_civil_from_days(z, &yy, &mm, &dd);
	return yy == y && mm == m && dd == d;
}

int
asset_fields_check(const json_t *fields, char *why, size_t whylen)
{
	static const char *const keys[] = { "tag", "owner", "department",
		"location", "purchase_date", "notes" };
	const char	*k;
	const json_t	*v;

	if (!json_is_object(fields) || json_object_size(fields) == 0) {
		snprintf(why, whylen, "expected an object of fields to set "
		    "(tag, owner, department, location, purchase_date, notes)");
		return -1;
	}
	json_object_foreach((json_t *)fields, k, v) {
		const char	*s;
		size_t		 i, n, max;
		int		 known = 0, notes = strcmp(k, "notes") == 0;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k, keys[i]) == 0)
				known = 1;
		if (!known) {
			char name[40];

			for (i = 0; k[i] != '\0' && i < sizeof(name) - 1; i++)
				name[i] = k[i] > 0x20 && k[i] < 0x7f ? k[i] : '?';
			name[i] = '\0';
			snprintf(why, whylen, "unknown field '%s' (known: tag, owner, "
			    "department, location, purchase_date, notes)", name);
			return -1;
		}
		if (!json_is_string(v)) {
			snprintf(why, whylen, "%s: expected a string", k);
			return -1;
		}
		s = json_string_value(v);
		n = json_string_length(v);
		max = notes ? 2000 : 256;
		if (n > max || strlen(s) != n) {
			snprintf(why, whylen, "%s: at most %zu bytes of text", k, max);
			return -1;
		}
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if ((c < 0x20 && !(notes && (c == '\n' || c == '\t'))) ||
			    c == 0x7f) {
				snprintf(why, whylen, "%s: control characters are "
				    "not allowed", k);
				return -1;
			}
		}
		if (strcmp(k, "purchase_date") == 0 && n > 0 && !date_ok(s)) {
			snprintf(why, whylen, "purchase_date: expected a date "
			    "YYYY-MM-DD like 2024-03-15 (empty to clear)");
			return -1;
		}
	}
	return 0;
}

/* ---- the hook -------------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A bounded identifier from outside: 1..max-1 printable ASCII, no blanks. */
static int
ident_ok(const char *s, size_t max)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i + 1 >= max || s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return i > 0;
}

/* Text from an agent kept as a column: valid UTF-8 (jansson), bounded. */
static const char *
text_or_null(const json_t *o, const char *k, char *buf, size_t len)
{
	const char *s = jstr(o, k);

	if (s == NULL)
		return NULL;
	text_copy(buf, len, s, 0);
	return buf;
}

static struct oui_table *
engine_oui(struct asset_engine *ae)
{
	char err[512];

	if (!ae->oui_tried) {
		ae->oui_tried = 1;
		if (ae->oui_path != NULL && ae->oui_path[0] != '\0' &&
		    (ae->oui = oui_load(ae->oui_path, err, sizeof(err))) == NULL)
			log_info("assets: no vendor names for devices (%s); "
			    "install Debian's ieee-data to get them", err);
	}
	return ae->oui;
}

/* A device without an agent: skipped when it belongs to a managed asset. */
static int
device_seen(struct asset_engine *ae, struct store *st, const char *mac_in,
    const char *ip, const char *vendor, const char *source, int64_t ms,
    char *err, size_t errlen)
{
	char	mac[18], ipbuf[64];
	int	r, created;

	if (asset_mac_norm(mac_in, mac, sizeof(mac)) == -1)
		return 0;
	if (ip != NULL && !ident_ok(ip, sizeof(ipbuf)))
		ip = NULL;
	if ((r = store_asset_addr_managed(st, mac, ip, err, errlen)) != 0)
		return r == 1 ? 0 : -1;
	if (vendor == NULL || vendor[0] == '\0')
		vendor = oui_lookup(engine_oui(ae), mac);
	if (store_asset_unmanaged_seen(st, mac, ip, vendor, source, ms,
	    &created, err, errlen) == -1)
		return -1;
	if (created) {
		ae->devices++;
		log_info("assets: device %s%s%s (%s) without an agent seen by %s; "
		    "see `shaobing assets --kind unmanaged`", mac, ip ? " " : "",
		    ip ? ip : "", vendor ? vendor : "vendor unknown", source);
	}
	return 0;
}

static int
neighbours(struct asset_engine *ae, struct store *st,
    const struct store_event_ctx *ctx, char *err, size_t errlen)
{
	const json_t	*arr = json_object_get(json_object_get(ctx->ev->data,
			    "volatile"), "neighbours"), *n;
	char		 source[96];
	size_t		 i;

	snprintf(source, sizeof(source), "arp:%s", ctx->agent);
	json_array_foreach(arr, i, n) {
		if (i >= 4096)
			break;
		if (device_seen(ae, st, jstr(n, "mac"), jstr(n, "ip"), NULL,
		    source, ctx->ev->ts_ms, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* MACs and IPv4/IPv6 addresses of a snapshot's interfaces. */
static void
snapshot_addrs(const json_t *snap, json_t *macs, json_t *ips,
    char *mac1, size_t mac1len, char *ip1, size_t ip1len)
{
	const json_t	*ifs = json_object_get(json_object_get(snap, "network"),
			    "interfaces"), *i, *a;
	size_t		 k, j;
	char		 mac[18];

	json_array_foreach(ifs, k, i) {
		const char *name = jstr(i, "name");

		if (name != NULL && strcmp(name, "lo") == 0)
			continue;
		if (asset_mac_norm(jstr(i, "mac"), mac, sizeof(mac)) == 0) {
			json_array_append_new(macs, json_string(mac));
			if (mac1[0] == '\0')
				snprintf(mac1, mac1len, "%s", mac);
		}
		for (int v6 = 0; v6 < 2; v6++)
			json_array_foreach(json_object_get(i, v6 ? "ipv6" : "ipv4"),
			    j, a) {
				char		 ip[64];
				const char	*s = json_string_value(a), *slash;

				if (s == NULL || !ident_ok(s, sizeof(ip)))
					continue;
				snprintf(ip, sizeof(ip), "%s", s);
				if ((slash = strchr(ip, '/')) != NULL)
					ip[slash - ip] = '\0';
				json_array_append_new(ips, json_string(ip));
				if (!v6 && ip1[0] == '\0')
					snprintf(ip1, ip1len, "%s", ip);
			}
	}
}

static int
is_server(const struct asset_engine *ae, const char *agent)
{
	const struct schedule *s;

	if (ae->conf == NULL)
		return 0;
	s = schedule_for_agent(&ae->conf->sched, agent);
	return s != NULL && s->kind == SCHEDULE_ALWAYS;
}

/* Each change record becomes a derived event of the agent. */
static int
derive(struct asset_engine *ae, struct store *st,
    const struct store_event_ctx *ctx, int64_t asset_id, int64_t snap_id,
    const char *mid, const json_t *changes, char *err, size_t errlen)
{
	const json_t	*rec;
	size_t		 i;

	json_array_foreach(changes, i, rec) {
		struct event	 dev;
		enum severity	 sev = SEV_INFO;
		const char	*type = jstr(rec, "type"), *rk = jstr(rec, "key");
		char		 key[EVENT_KEY_MAX];
		json_t		*d;
		int		 rc;

		if (type == NULL || !event_name_ok(type, EVENT_TYPE_MAX))
			continue;
		(void)severity_parse(jstr(rec, "severity") ?
		    jstr(rec, "severity") : "info", &sev);
		snprintf(key, sizeof(key), "%s", rk ? rk : type);
		if ((d = json_deep_copy(rec)) == NULL ||
		    json_object_set_new(d, "asset_id", json_integer(asset_id)) ||
		    json_object_set_new(d, "snapshot_id", json_integer(snap_id)) ||
		    json_object_set_new(d, "machine_id", json_string(mid))) {
			json_decref(d);
			snprintf(err, errlen, "assets: out of memory");
			return -1;
		}
		memset(&dev, 0, sizeof(dev));
		if (event_set(&dev, ctx->agent, 0, ctx->ev->ts_ms, type, sev, key,
		    d) == -1) {
			event_clear(&dev);
			continue;
		}
		rc = store_insert_derived(st, ctx->agent_id, ctx->agent, &dev,
		    ctx->received_ms, err, errlen);
		event_clear(&dev);
		if (rc == -1)
			return -1;
		ae->derived++;
		if (json_is_true(json_object_get(rec, "matters")))
			log_info("assets: %s: %s", ctx->agent,
			    jstr(rec, "summary") ? jstr(rec, "summary") : type);
	}
	return 0;
}

static int
on_inventory(struct asset_engine *ae, struct store *st,
    const struct store_event_ctx *ctx, int full, char *err, size_t errlen)
{
	const json_t			*data = ctx->ev->data;
	const json_t			*host = json_object_get(data, "host");
	struct store_asset_managed	 m;
	char				 mid[MID_MAX], name[256], os[256];
	char				 mac1[18] = "", ip1[64] = "";
	char				 last[ASSET_HASH_HEX];
	const char			*hash = jstr(data, "hash");
	json_t				*macs = NULL, *ips = NULL, *old = NULL;
	json_t				*changes = NULL;
	int64_t				 asset_id, snap_id = 0, new_id;
	int				 created, r, absorbed, rc = -1;
	size_t				 zbytes = 0;

	/* Identity: the machine-id (the key is "inventory:MACHINE_ID"). */
	if (full && jstr(host, "machine_id") != NULL)
		snprintf(mid, sizeof(mid), "%s", jstr(host, "machine_id"));
	else if (strncmp(ctx->ev->key, "inventory:", 10) == 0)
		snprintf(mid, sizeof(mid), "%s", ctx->ev->key + 10);
	else
		mid[0] = '\0';
	if (!ident_ok(mid, sizeof(mid)) || strcmp(mid, "unknown") == 0 ||
	    hash == NULL || !ident_ok(hash, ASSET_HASH_HEX)) {
		log_warnx("assets: %s event %" PRId64 " from %s has no usable "
		    "machine-id or hash; not recorded as an asset", ctx->ev->type,
		    ctx->event_id, ctx->agent);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.machine_id = mid;
	m.agent_id = ctx->agent_id;
	m.seen_ms = ctx->received_ms;
	if (full) {
		if ((macs = json_array()) == NULL || (ips = json_array()) == NULL)
			goto nomem;
		m.name = text_or_null(host, "hostname", name, sizeof(name));
		if (m.name == NULL || m.name[0] == '\0')
			m.name = ctx->agent;
		m.os = text_or_null(json_object_get(data, "os"), "pretty_name", os,
		    sizeof(os));
		snapshot_addrs(data, macs, ips, mac1, sizeof(mac1), ip1,
		    sizeof(ip1));
		m.mac = mac1;
		m.ip = ip1;
	}
	if (store_asset_managed_upsert(st, &m, &asset_id, &created, err,
	    errlen) == -1)
		goto out;
	if (created)
		log_info("assets: new managed asset %" PRId64 " '%s' (machine-id "
		    "%.12s…, agent %s)", asset_id, m.name ? m.name : ctx->agent,
		    mid, ctx->agent);
	if ((r = store_asset_snapshot_last(st, asset_id, &snap_id, last, err,
	    errlen)) == -1)
		goto out;
	if (r == 0 && strcmp(last, hash) == 0) {
		if (store_asset_snapshot_confirm(st, snap_id, ctx->received_ms,
		    err, errlen) == -1)
			goto out;
	} else if (!full) {
		log_info("assets: %s reports inventory %.12s… unchanged but the "
		    "collector holds %s; the agent sends the full snapshot again "
		    "at its next resend ([inventory] resend)", ctx->agent, hash,
		    r == 0 ? "another one" : "none");
	} else {
		if (r == 0 && store_asset_snapshot_load(st, snap_id, &old, err,
		    errlen) == -1)
			goto out;
		if (store_asset_snapshot_add(st, asset_id, ctx->agent_id,
		    ctx->event_id, hash, ctx->ev->ts_ms, ctx->received_ms, data,
		    &new_id, &zbytes, err, errlen) == -1 ||
		    store_asset_addrs_set(st, asset_id, macs, ips, &absorbed, err,
		    errlen) == -1)
			goto out;
		ae->snapshots++;
		if (absorbed > 0)
			log_info("assets: %d device(s) listed as unmanaged now "
			    "belong to asset %" PRId64 " (%s)", absorbed, asset_id,
			    ctx->agent);
		log_debug("assets: asset %" PRId64 ": snapshot %" PRId64 " stored "
		    "(%zu bytes compressed)", asset_id, new_id, zbytes);
		if (old != NULL) {
			struct inventory_diff_opts o = {
				.server = is_server(ae, ctx->agent) != 0,
			};

			if ((changes = inventory_diff(old, data, &o)) == NULL)
				goto nomem;
			if (derive(ae, st, ctx, asset_id, new_id, mid, changes, err,
			    errlen) == -1)
				goto out;
		}
	}
	rc = neighbours(ae, st, ctx, err, errlen);
	goto out;
nomem:
	snprintf(err, errlen, "assets: out of memory");
out:
	json_decref(macs);
	json_decref(ips);
	json_decref(old);
	json_decref(changes);
	return rc;
}

int
asset_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct asset_engine	*ae = arg;
	const char		*type = ctx->ev->type;
	const json_t		*d = ctx->ev->data;

	if (ctx->derived)
		return 0;
	if (strcmp(type, "inventory") == 0)
		return on_inventory(ae, st, ctx, 1, err, errlen);
	if (strcmp(type, "inventory_unchanged") == 0)
		return on_inventory(ae, st, ctx, 0, err, errlen);
	if (strcmp(type, "new_device") == 0) {
		char source[96];

		snprintf(source, sizeof(source), "packet:%s", ctx->agent);
		return device_seen(ae, st, jstr(d, "mac"), jstr(d, "ip"),
		    jstr(d, "vendor"), source, ctx->ev->ts_ms, err, errlen);
	}
	if (strcmp(type, "availability") == 0) {
		const char *t = jstr(d, "target"), *h = jstr(d, "host");
		char hostbuf[256];

		if (!ident_ok(t, TARGET_MAX) || !json_is_boolean(json_object_get(d,
		    "up")))
			return 0;
		return store_asset_target_seen(st, t, text_or_null(d, "host",
		    hostbuf, sizeof(hostbuf)) && h ? hostbuf : "",
		    json_is_true(json_object_get(d, "up")), ctx->ev->ts_ms, err,
		    errlen);
	}
	return 0;
}

void
asset_engine_free(struct asset_engine *ae)
{
	if (ae == NULL)
		return;
	oui_free(ae->oui);
	ae->oui = NULL;
	ae->oui_tried = 0;
}

/* ---- diff ------------------------------------------------------------ */

static json_t *
snap_ref(int64_t id, const json_t *snap)
{
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id,
	    "hash", json_incref(json_object_get(snap, "hash")) ?
	    json_object_get(snap, "hash") : json_null(),
	    "collected", json_incref(json_object_get(snap, "collected_at")) ?
	    json_object_get(snap, "collected_at") : json_null());
}

int
asset_diff(struct store *st, const struct collector_conf *cc, int64_t id,
    int64_t since_ms, json_t **out, char *err, size_t errlen)
{
	json_t		*list = NULL, *from = NULL, *to = NULL, *changes = NULL;
	json_t		*asset = NULL;
	int64_t		 to_id, from_id = 0;
	size_t		 n;
	int		 rc = -1, r;
	char		 hash[ASSET_HASH_HEX];

	*out = NULL;
	if ((r = store_asset_get(st, id, 0, 1, 0, &asset, err, errlen)) != 0)
		return r;
	if ((r = store_asset_snapshot_last(st, id, &to_id, hash, err,
	    errlen)) != 0) {
		rc = r;
		goto out;
	}
	if (since_ms == INT64_MIN) {
		if (store_asset_snapshot_list(st, id, &list, err, errlen) == -1)
			goto out;
		n = json_array_size(list);
		from_id = n >= 2 ? json_integer_value(json_object_get(
		    json_array_get(list, n - 2), "id")) : to_id;
	} else if (store_asset_snapshot_at(st, id, since_ms, &from_id, err,
	    errlen) != 0)
		goto out;
	if (store_asset_snapshot_load(st, to_id, &to, err, errlen) != 0 ||
	    store_asset_snapshot_load(st, from_id, &from, err, errlen) != 0)
		goto out;
	{
		struct inventory_diff_opts o = { .server = cc != NULL &&
		    json_is_string(json_object_get(asset, "agent")) &&
		    schedule_for_agent(&cc->sched, json_string_value(
		    json_object_get(asset, "agent")))->kind == SCHEDULE_ALWAYS };

		if ((changes = from_id == to_id ? json_array() :
		    inventory_diff(from, to, &o)) == NULL)
			goto nomem;
	}
	*out = json_pack("{s:I, s:s, s:o, s:o, s:o}", "asset_id", (json_int_t)id,
	    "name", jstr(asset, "name") ? jstr(asset, "name") : "",
	    "from", snap_ref(from_id, from), "to", snap_ref(to_id, to),
	    "changes", changes);
	changes = NULL;
	if (*out == NULL)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "diff: out of memory");
out:
	json_decref(asset);
	json_decref(list);
	json_decref(from);
	json_decref(to);
	json_decref(changes);
	return rc;
}
