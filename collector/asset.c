/*
 * The asset register: ingest hook, vendor names (common/oui.h), admin
 * field checks,
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

#define MID_MAX		128
#define TARGET_MAX	128

/* ---- validation ------------------------------------------------------ */

int
asset_mac_norm(const char *in, char *out, size_t outlen)
{
	uint8_t	b[6];

	if (outlen < 18 || oui_mac_parse(in, b) == -1)
		return -1;
	snprintf(out, outlen, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
	    b[2], b[3], b[4], b[5]);
	return 0;
}

static int
date_ok(const char *s)
{
	int64_t day;

	return time_parse_date(s, strlen(s), &day) == 0;
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
	const json_t	*arr = json_object_get(json_object_get(event_data(ctx->ev),
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
	const json_t			*data = event_data(ctx->ev);
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
	const json_t		*d;

	if (ctx->derived)
		return 0;
	if (strcmp(type, "inventory") == 0)
		return on_inventory(ae, st, ctx, 1, err, errlen);
	if (strcmp(type, "inventory_unchanged") == 0)
		return on_inventory(ae, st, ctx, 0, err, errlen);
	if (strcmp(type, "new_device") == 0) {
		char source[96];

		snprintf(source, sizeof(source), "packet:%s", ctx->agent);
		d = event_data(ctx->ev);
		return device_seen(ae, st, jstr(d, "mac"), jstr(d, "ip"),
		    jstr(d, "vendor"), source, ctx->ev->ts_ms, err, errlen);
	}
	if (strcmp(type, "availability") == 0) {
		const char	*t, *h;
		char		 hostbuf[256];

		d = event_data(ctx->ev);
		t = jstr(d, "target");
		h = jstr(d, "host");
		if (!ident_ok(t, TARGET_MAX) || !json_is_boolean(json_object_get(d,
		    "up")))
			return 0;
		{
			char kind[16], vendor[64], model[128], mac[32];
			int  dev = text_or_null(d, "kind", kind, sizeof(kind)) != NULL;

			/* No vendor from SNMP: the MAC's OUI, when known. */
			if (dev && jstr(d, "vendor") == NULL && text_or_null(d,
			    "mac", mac, sizeof(mac)) != NULL &&
			    oui_lookup(engine_oui(ae), mac) != NULL)
				return store_asset_target_seen(st, t, text_or_null(d,
				    "host", hostbuf, sizeof(hostbuf)) && h ?
				    hostbuf : "", json_is_true(json_object_get(d,
				    "up")), ctx->ev->ts_ms, kind, oui_lookup(
				    engine_oui(ae), mac), NULL, err, errlen);

			return store_asset_target_seen(st, t, text_or_null(d,
			    "host", hostbuf, sizeof(hostbuf)) && h ? hostbuf :
			    "", json_is_true(json_object_get(d, "up")),
			    ctx->ev->ts_ms, dev ? kind : NULL, dev ?
			    text_or_null(d, "vendor", vendor, sizeof(vendor)) :
			    NULL, dev ? text_or_null(d, "model", model,
			    sizeof(model)) : NULL, err, errlen);
		}
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
	if ((r = asset_get_json(st, id, 0, 1, 0, &asset, err, errlen)) != 0)
		return r;
	if ((r = store_asset_snapshot_last(st, id, &to_id, hash, err,
	    errlen)) != 0) {
		rc = r;
		goto out;
	}
	if (since_ms == INT64_MIN) {
		if (asset_snapshots_json(st, id, &list, err, errlen) == -1)
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
