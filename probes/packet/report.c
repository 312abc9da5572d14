/*
 * How findings leave the engine, and the small helpers every detector
 * shares (detector.h).
 *
 * A finding's data (what --analyze prints and what the agent emits):
 *   {"type":"port_scan","severity":"high","key":"port_scan:10.0.0.9->10.0.0.1",
 *    "source":"10.0.0.9","targets":["10.0.0.1"],
 *    "first":"2026-...Z","last":"2026-...Z","count":1000,
 *    "evidence":{...}}
 */
#include <stddef.h>
#include <string.h>

#include "common/timeutil.h"
#include "probes/packet/detector.h"

struct once_key {
	uint32_t	type;
	uint8_t		a[20], b[20];
};
struct once_ent {
	struct pt_hdr	hdr;
	struct once_key	key;
	int64_t		at;	/* last report */
};

static int64_t
once_ttl(const struct pkt_conf *pc, const void *conf)
{
	(void)conf;
	return pc->realert_ms * 2;
}

const struct det_table engine_tables[] = {
	{ "reported", offsetof(struct pkt_engine, once), sizeof(struct once_ent),
	  sizeof(struct once_key), 0, 40, 0, once_ttl },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

json_t *
eng_time(int64_t ms)
{
	char	buf[32];

	if (time_format_utc(ms, buf, sizeof(buf)) == -1)
		return json_null();
	return json_string(buf);
}

void
eng_report(struct pkt_engine *e, int t, enum severity sev,
    const char *key, const char *source, json_t *targets, int64_t first_ms,
    int64_t last_ms, uint64_t count, json_t *evidence)
{
	const char	*type = pkt_type_name(t);
	json_t		*d;

	if (e->c.disabled[t]) {
		json_decref(targets);
		json_decref(evidence);
		return;
	}
	d = json_object();
	if (d == NULL || json_object_set_new(d, "type", json_string(type)) ||
	    json_object_set_new(d, "severity", json_string(severity_name(sev))) ||
	    json_object_set_new(d, "key", json_string(key)) ||
	    json_object_set_new(d, "source", source ? json_string(source) : json_null()) ||
	    json_object_set_new(d, "targets", targets ? targets : json_array()) ||
	    json_object_set_new(d, "first", eng_time(first_ms)) ||
	    json_object_set_new(d, "last", eng_time(last_ms)) ||
	    json_object_set_new(d, "count", json_integer((json_int_t)count)) ||
	    json_object_set_new(d, "evidence", evidence ? evidence : json_object())) {
		json_decref(d);
		e->st.dropped_findings++;
		return;
	}
	e->st.findings[t]++;
	e->sink.report(e->sink.ctx, last_ms, type, sev, key, d);
}

bool
eng_reported_recently(struct pkt_engine *e, int t, const void *a,
    size_t alen, const void *b, size_t blen)
{
	struct once_key	 k;
	struct once_ent	*o;
	bool		 isnew;

	memset(&k, 0, sizeof(k));
	k.type = (uint32_t)t;
	memcpy(k.a, a, alen < sizeof(k.a) ? alen : sizeof(k.a));
	if (b != NULL)
		memcpy(k.b, b, blen < sizeof(k.b) ? blen : sizeof(k.b));
	o = pt_get(&e->once, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (o == NULL)
		return false;
	if (!isnew && e->now - o->at < e->c.realert_ms)
		return true;
	o->at = e->now;
	return false;
}

bool
eng_home(const struct pkt_engine *e, const struct paddr *a)
{
	return cidrset_match(&e->c.home_net, a);
}

uint32_t
eng_addr_id(const struct paddr *a)
{
	return (uint32_t)(pt_hash(a, sizeof(*a)) >> 16);
}
