/*
 * Store layer of the indicators: see store_indicator.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/store_indicator.h"
#include "collector/store_priv.h"

/*
 * uptime.boot_ts: the boot time the heartbeat that opened an interval
 * reported.  A boot after the previous interval's end proves the machine
 * was off (known down) in the gap; without one the gap is 'no data'.
 */
const char store_device_migration[] =
	"ALTER TABLE availability ADD COLUMN kind TEXT;"
	"ALTER TABLE availability ADD COLUMN schedule TEXT;"
	"ALTER TABLE availability ADD COLUMN interval_ms INTEGER;"
	"CREATE INDEX availability_device ON availability(ts) "
	"  WHERE kind IS NOT NULL;"
	"ALTER TABLE assets ADD COLUMN device_kind TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE assets ADD COLUMN model TEXT NOT NULL DEFAULT '';";

const char store_indicator_migration[] =
	"ALTER TABLE uptime ADD COLUMN boot_ts INTEGER;"
	"CREATE TABLE availability ("
	"  id INTEGER PRIMARY KEY,"
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  target TEXT NOT NULL,"
	"  ts INTEGER NOT NULL,"		/* agent clock */
	"  up INTEGER NOT NULL,"
	"  latency_ms INTEGER NOT NULL,"
	"  website INTEGER NOT NULL"
	");"
	"CREATE INDEX availability_website_ts ON availability(website, ts);"
	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  target TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  message TEXT NOT NULL,"
	"  first_ts INTEGER NOT NULL,"
	"  last_ts INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  UNIQUE (target, key)"
	");"
	"CREATE INDEX findings_last ON findings(last_ts);";

/* Does the hook read ev's data?  (Without parsing it.) */
static int
reads_data(const struct event *ev, char *code_member, size_t size)
{
	/*
	 * A finding (an active check's result) names its type as its code;
	 * most events are neither that nor a sample, and their data need
	 * not even be parsed to know it.
	 */
	snprintf(code_member, size, "\"code\":\"%s\"", ev->type);
	return strcmp(ev->type, "availability") == 0 ||
	    event_data_may_hold(ev, code_member);
}

void
store_indicator_prepare(void *arg, const struct event_batch *b)
{
	char code_member[EVENT_TYPE_MAX + 16];

	(void)arg;
	for (size_t i = 0; i < b->n; i++)
		if (reads_data(&b->events[i], code_member,
		    sizeof(code_member)))
			(void)event_data(&b->events[i]);
}

int
store_indicator_hook(void *arg, struct store *st,
    const struct store_event_ctx *ctx, char *err, size_t errlen)
{
	const struct event	*ev = ctx->ev;
	const json_t		*data, *target, *code, *msg, *up, *lat, *web;
	char			 code_member[EVENT_TYPE_MAX + 16];

	(void)arg;
	if (!reads_data(ev, code_member, sizeof(code_member)))
		return 0;
	if (!json_is_object(data = event_data(ev)))
		return 0;
	if (strcmp(ev->type, "availability") == 0) {
		target = json_object_get(data, "target");
		up = json_object_get(data, "up");
		lat = json_object_get(data, "latency_ms");
		web = json_object_get(data, "website");
		if (!json_is_string(target) || !json_is_boolean(up))
			return 0;	/* not a sample we can count */
		{
			const json_t *k = json_object_get(data, "kind");
			const json_t *sc = json_object_get(data, "schedule");
			const json_t *iv = json_object_get(data, "interval_ms");
			struct store_avail_row r = {
				.agent_id = ctx->agent_id,
				.target = json_string_value(target),
				.ts = ev->ts_ms, .up = json_is_true(up),
				.latency_ms = json_is_integer(lat) ?
				    (int64_t)json_integer_value(lat) : 0,
				.website = json_is_true(web),
			};
			int held;

			/* A device's sample: its kind, schedule and interval. */
			if (json_is_string(k) && strlen(json_string_value(k)) <
			    16 && json_is_string(sc) &&
			    strlen(json_string_value(sc)) < 32 &&
			    json_is_integer(iv) && json_integer_value(iv) > 0) {
				r.kind = json_string_value(k);
				r.schedule = json_string_value(sc);
				r.interval_ms = json_integer_value(iv);
			}
			if ((held = store_behind_avail(st, &r, err, errlen)) != 0)
				return held < 0 ? -1 : 0;
			return store_availability_write(st, &r, 1, err, errlen);
		}
	}
	code = json_object_get(data, "code");
	if (!json_is_string(code) || strcmp(json_string_value(code),
	    ev->type) != 0)
		return 0;
	target = json_object_get(data, "target");
	if (!json_is_string(target))
		return 0;
	msg = json_object_get(data, "message");
	{
		struct store_finding_row r = {
			.target = json_string_value(target), .key = ev->key,
			.code = ev->type, .severity = (int)ev->severity,
			.message = json_is_string(msg) ?
			    json_string_value(msg) : "",
			.first = ev->ts_ms, .last = ev->ts_ms, .count = 1,
		};
		int held;

		/* On the fast path, one upsert per finding at COMMIT. */
		if ((held = store_behind_finding(st, &r, err, errlen)) != 0)
			return held < 0 ? -1 : 0;
		return store_finding_write(st, &r, err, errlen);
	}
}

int
store_finding_write(struct store *st, const struct store_finding_row *r,
    char *err, size_t errlen)
{
	struct db_stmt *s;

	if ((s = store_stmt(st, STMT_FINDING_ADD, "INSERT INTO findings "
	    "(target, key, code, severity, message, first_ts, last_ts, count) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (target, key) "
	    "DO UPDATE SET severity = ?4, message = ?5, "
	    "count = findings.count + ?8, "
	    "first_ts = least(findings.first_ts, ?6), "
	    "last_ts = greatest(findings.last_ts, ?7)", err, errlen)) == NULL)
		return -1;
	db_bind_text(s, 1, r->target, -1);
	db_bind_text(s, 2, r->key, -1);
	db_bind_text(s, 3, r->code, -1);
	db_bind_int(s, 4, r->severity);
	db_bind_text(s, 5, r->message, -1);
	db_bind_int64(s, 6, r->first);
	db_bind_int64(s, 7, r->last);
	db_bind_int64(s, 8, r->count);
	return store_stmt_done(st, s, "storing a finding", err, errlen);
}

static void
bind_avail(struct db_stmt *s, int k, size_t i, const void *arg)
{
	const struct store_avail_row *a = (const struct store_avail_row *)arg +
	    i;

	db_bind_int64(s, k + 1, a->agent_id);
	db_bind_text(s, k + 2, a->target, -1);
	db_bind_int64(s, k + 3, a->ts);
	db_bind_int(s, k + 4, a->up != 0);
	db_bind_int64(s, k + 5, a->latency_ms);
	db_bind_int(s, k + 6, a->website != 0);
	if (a->kind != NULL) {
		db_bind_text(s, k + 7, a->kind, -1);
		db_bind_text(s, k + 8, a->schedule, -1);
		db_bind_int64(s, k + 9, a->interval_ms);
	} else {
		db_bind_null(s, k + 7);
		db_bind_null(s, k + 8);
		db_bind_null(s, k + 9);
	}
}

#define AVAIL_INSERT	"INSERT INTO availability (agent_id, target, ts, up, " \
			"latency_ms, website, kind, schedule, interval_ms) VALUES "

int
store_availability_write(struct store *st, const struct store_avail_row *r,
    size_t n, char *err, size_t errlen)
{
	return store_multi_write(st, STMT_AVAILABILITY_ADD,
	    STMT_AVAILABILITY_ADD_MANY, AVAIL_INSERT
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", AVAIL_INSERT, "", 9, n,
	    bind_avail, r, "storing availability samples", err, errlen);
}

static void
bind_opt(struct db_stmt *s, int i, int64_t v)
{
	if (v == 0)
		db_bind_null(s, i);
	else
		db_bind_int64(s, i, v);
}

int
store_incident_put(struct store *st, const struct store_incident_row *r,
    int64_t *id, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc;

	if (store_incache_forget(st, err, errlen) == -1)
		return -1;
	if ((s = store_stmt(st, STMT_INCIDENT_PUT, "INSERT INTO incidents "
	    "(key, type, category, subcategory, level, severity, status, "
	    "agent_id, asset, title, count, first_seen, last_seen, received, "
	    "notified, acknowledged, resolved, report_deadline) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18) RETURNING id", err, errlen)) == NULL)
		return -1;
	db_bind_text(s, 1, r->key, -1);
	db_bind_text(s, 2, r->type, -1);
	db_bind_text(s, 3, r->category, -1);
	db_bind_text(s, 4, r->subcategory ? r->subcategory : "", -1);
	db_bind_int(s, 5, r->level);
	db_bind_int(s, 6, r->severity);
	db_bind_text(s, 7, r->status, -1);
	bind_opt(s, 8, r->agent_id);
	db_bind_text(s, 9, r->asset ? r->asset : "", -1);
	db_bind_text(s, 10, r->title, -1);
	db_bind_int(s, 11, r->count);
	db_bind_int64(s, 12, r->first_seen);
	db_bind_int64(s, 13, r->last_seen);
	db_bind_int64(s, 14, r->received);
	bind_opt(s, 15, r->notified);
	bind_opt(s, 16, r->acknowledged);
	bind_opt(s, 17, r->resolved);
	bind_opt(s, 18, r->report_deadline);
	rc = store_step_id(st, s, "adding an incident", id, err, errlen);
	store_stmt_release(s);
	return rc == 1 ? 0 : -1;
}

void
store_ind_agents_free(struct store_ind_agent *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/*
 * p (*cap elements of size) with room for element n: p itself or a
 * larger copy (*cap updated); NULL when out of memory, p still valid.
 */
static void *
grow(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
	void	*np;
	size_t	 nc;

	if (n < *cap)
		return p;
	nc = *cap ? *cap * 2 : first;
	if ((np = realloc(p, nc * size)) == NULL)
		return NULL;
	*cap = nc;
	return np;
}

struct agents_read {
	struct store_ind_agent	*v;
	size_t			 n, cap;
};

static int
ind_agent_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct agents_read	*a = arg;
	struct store_ind_agent	*ag;

	if ((ag = grow(a->v, &a->cap, a->n, sizeof(*a->v), 64)) == NULL)
		goto nomem;
	a->v = ag;
	ag = &a->v[a->n];
	memset(ag, 0, sizeof(*ag));
	if ((ag->name = strdup(store_col_text(r, 1))) == NULL)
		goto nomem;
	a->n++;
	ag->id = store_col_int(r, 0);
	ag->first_seen = store_col_int(r, 2);
	ag->last_seen = store_col_int(r, 3);
	ag->events = store_col_int(r, 4);
	ag->first_up = store_col_int(r, 5);
	return 0;
nomem:
	snprintf(err, errlen, "listing agents: out of memory");
	return -1;
}

int
store_ind_agents(struct store *st, struct store_ind_agent **out, size_t *nout,
    char *err, size_t errlen)
{
	struct agents_read a = { NULL, 0, 0 };

	*out = NULL;
	*nout = 0;
	/* min(start_ts) per agent is one index seek on uptime_agent. */
	if (store_query(st, STORE_ONCE, "SELECT a.id, a.name, a.first_seen, "
	    "a.last_seen, a.events, (SELECT min(u.start_ts) FROM uptime u "
	    "WHERE u.agent_id = a.id) FROM agents a ORDER BY a.name, a.id",
	    "listing agents", ind_agent_row, &a, err, errlen, "") == -1) {
		store_ind_agents_free(a.v, a.n);
		return -1;
	}
	*out = a.v;
	*nout = a.n;
	return 0;
}

struct intervals_read {
	struct store_ind_interval	**v;
	size_t				 *cap, *n;
};

static int
interval_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct intervals_read		*w = arg;
	struct store_ind_interval	*iv;

	if ((iv = grow(*w->v, w->cap, *w->n, sizeof(**w->v), 256)) == NULL) {
		snprintf(err, errlen, "reading uptime: out of memory");
		return -1;
	}
	*w->v = iv;
	iv = &(*w->v)[(*w->n)++];
	iv->start_ms = store_col_int(r, 0);
	iv->end_ms = store_col_int(r, 1);
	iv->boot_ms = store_col_int(r, 2);
	return 0;
}

int
store_ind_intervals(struct store *st, int64_t agent_id, int64_t from,
    int64_t to, struct store_ind_interval **v, size_t *cap, size_t *n,
    char *err, size_t errlen)
{
	struct intervals_read w = { v, cap, n };

	*n = 0;
	/*
	 * The last interval that starts before the period, those inside,
	 * and the first one after it: its boot_ts is the evidence that a
	 * gap running past the period end was down, not "no data".
	 */
	return store_query(st, STORE_ONCE, "SELECT start_ts, end_ts, boot_ts "
	    "FROM uptime WHERE agent_id = ?1 AND start_ts <= "
	    "coalesce((SELECT min(start_ts) FROM uptime WHERE agent_id = ?1 "
	    "AND start_ts >= ?3), ?3) AND start_ts >= "
	    "coalesce((SELECT max(start_ts) FROM uptime WHERE agent_id = ?1 "
	    "AND start_ts < ?2), ?2) ORDER BY start_ts, id", "reading uptime",
	    interval_row, &w, err, errlen, "III", agent_id, from, to) == -1 ?
	    -1 : 0;
}

struct samples_read {
	struct store_ind_sample	 *v;
	size_t			  n, cap;
	char			**t;
	size_t			  nt, tcap;
};

static int
sample_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct samples_read	*w = arg;
	const char		*name = store_col_text(r, 0);
	void			*nv;
	size_t			 k;

	for (k = 0; k < w->nt; k++)
		if (strcmp(w->t[k], name) == 0)
			break;
	if (k == w->nt) {
		if ((nv = grow(w->t, &w->tcap, w->nt, sizeof(*w->t), 8)) ==
		    NULL)
			goto nomem;
		w->t = nv;
		if ((w->t[w->nt] = strdup(name)) == NULL)
			goto nomem;
		w->nt++;
	}
	if ((nv = grow(w->v, &w->cap, w->n, sizeof(*w->v), 1024)) == NULL)
		goto nomem;
	w->v = nv;
	w->v[w->n].target = (int)k;
	w->v[w->n].ts = store_col_int(r, 1);
	w->v[w->n].up = store_col_int(r, 2) != 0;
	w->n++;
	return 0;
nomem:
	snprintf(err, errlen, "reading availability: out of memory");
	return -1;
}

int
store_ind_samples(struct store *st, int64_t from, int64_t to,
    struct store_ind_sample **out, size_t *nout, char ***targets,
    size_t *ntargets, char *err, size_t errlen)
{
	struct samples_read w = { NULL, 0, 0, NULL, 0, 0 };

	*out = NULL;
	*nout = 0;
	*targets = NULL;
	*ntargets = 0;
	if (store_query(st, STORE_ONCE, "SELECT target, ts, up FROM "
	    "availability WHERE website = 1 AND ts >= ?1 AND ts < ?2 ORDER BY "
	    "ts, id", "reading availability", sample_row, &w, err, errlen, "II",
	    from, to) == -1) {
		for (size_t i = 0; i < w.nt; i++)
			free(w.t[i]);
		free(w.t);
		free(w.v);
		return -1;
	}
	*out = w.v;
	*nout = w.n;
	*targets = w.t;
	*ntargets = w.nt;
	return 0;
}

struct assessment_walk {
	store_ind_finding_fn	 finding_fn;
	store_ind_report_fn	 report_fn;
	void			*arg;
};

static int
finding_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct assessment_walk	*w = arg;
	struct store_ind_finding f = {
		.target = store_col_text(r, 0),
		.code = store_col_text(r, 1),
		.key = store_col_text(r, 2),
		.severity = (enum severity)store_col_int(r, 3),
		.message = store_col_text(r, 4),
		.first_ms = store_col_int(r, 5),
		.last_ms = store_col_int(r, 6),
		.count = store_col_int(r, 7),
	};

	return w->finding_fn(w->arg, &f, err, errlen) == -1 ? -1 : 0;
}

static int
report_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct assessment_walk	*w = arg;
	struct store_ind_report	 rep = {
		.target = store_col_text(r, 0),
		.ts_ms = store_col_int(r, 1),
		.data = store_col_text(r, 2),
		.data_len = store_col_bytes(r, 2),
	};

	return w->report_fn(w->arg, &rep, err, errlen) == -1 ? -1 : 0;
}

int
store_ind_assessment(struct store *st, int64_t from, int64_t to,
    store_ind_finding_fn finding_fn, store_ind_report_fn report_fn,
    void *arg, char *err, size_t errlen)
{
	struct assessment_walk	w = { finding_fn, report_fn, arg };
	char			j[STORE_JSON_SQL_MAX], sql[1024];

	if (store_query(st, STORE_ONCE, "SELECT target, code, key, severity, "
	    "message, first_ts, last_ts, count FROM findings WHERE last_ts >= "
	    "?1 AND first_ts < ?2 ORDER BY target, severity DESC, code, key",
	    "reading findings", finding_row, &w, err, errlen, "II", from,
	    to) == -1)
		return -1;
	/* Latest report per target (the last stored of equal times): the
	   events_type index gives the rows of type tls_report; the period
	   bounds ts.  Reports without a target name come first, as one. */
	store_json_string(st, "data", "target", j, sizeof(j));
	snprintf(sql, sizeof(sql), "SELECT t, ts, data FROM (SELECT %s AS t, "
	    "ts, data, row_number() OVER (PARTITION BY %s ORDER BY ts DESC, "
	    "id DESC) AS n FROM events WHERE type = 'tls_report' AND ts >= ?1 "
	    "AND ts < ?2) AS latest WHERE n = 1 ORDER BY t NULLS FIRST", j, j);
	return store_query(st, STORE_ONCE, sql, "reading TLS reports",
	    report_row, &w, err, errlen, "II", from, to) == -1 ? -1 : 0;
}

void
store_ind_devices_free(struct store_ind_device *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].s);
	}
	free(v);
}

struct devices_read {
	struct store_ind_device	*v;
	size_t			 n, cap, scap;
};

static int
device_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct devices_read	*w = arg;
	struct store_ind_device	*cur = w->n > 0 ? &w->v[w->n - 1] : NULL;
	int64_t			 agent = store_col_int(r, 0);
	const char		*name = store_col_text(r, 1);
	const char		*kind = store_col_text(r, 4);
	const char		*sch = store_col_text(r, 5);
	void			*nv;

	if (name == NULL)
		return 0;
	if (cur == NULL || cur->agent_id != agent ||
	    strcmp(cur->name, name) != 0) {
		if ((nv = grow(w->v, &w->cap, w->n, sizeof(*w->v), 16)) ==
		    NULL)
			goto nomem;
		w->v = nv;
		cur = &w->v[w->n++];
		memset(cur, 0, sizeof(*cur));
		cur->agent_id = agent;
		w->scap = 0;
		if ((cur->name = strdup(name)) == NULL)
			goto nomem;
	}
	snprintf(cur->kind, sizeof(cur->kind), "%s", kind ? kind : "");
	snprintf(cur->schedule, sizeof(cur->schedule), "%s",
	    sch ? sch : "office");
	cur->interval_ms = store_col_int(r, 6);
	if ((nv = grow(cur->s, &w->scap, cur->n, sizeof(*cur->s), 256)) ==
	    NULL)
		goto nomem;
	cur->s = nv;
	cur->s[cur->n].ts = store_col_int(r, 2);
	cur->s[cur->n].up = store_col_int(r, 3) != 0;
	/* The interval of this sample, for its span. */
	cur->s[cur->n].target = (int)(cur->interval_ms > 0x7fffffff ?
	    0x7fffffff : cur->interval_ms);
	cur->n++;
	return 0;
nomem:
	snprintf(err, errlen, "reading device samples: out of memory");
	return -1;
}

int
store_ind_devices(struct store *st, int64_t from, int64_t to,
    int64_t lookback, struct store_ind_device **out, size_t *nout, char *err,
    size_t errlen)
{
	struct devices_read w = { NULL, 0, 0, 0 };

	*out = NULL;
	*nout = 0;
	/* Devices with a sample in the period; then all their samples. */
	if (store_query(st, STORE_ONCE, "SELECT agent_id, target, ts, up, "
	    "kind, schedule, interval_ms FROM availability WHERE kind IS NOT "
	    "NULL AND ts >= ?1 AND ts < ?2 AND (agent_id, target) IN (SELECT "
	    "agent_id, target FROM availability WHERE kind IS NOT NULL AND "
	    "ts >= ?3 AND ts < ?2) ORDER BY agent_id, target, ts, id",
	    "reading device samples", device_row, &w, err, errlen, "III",
	    from - lookback, to, from) == -1) {
		store_ind_devices_free(w.v, w.n);
		return -1;
	}
	*out = w.v;
	*nout = w.n;
	return 0;
}
