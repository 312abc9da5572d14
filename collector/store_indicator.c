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

int
store_indicator_hook(void *arg, struct store *st,
    const struct store_event_ctx *ctx, char *err, size_t errlen)
{
	const struct event	*ev = ctx->ev;
	const json_t		*target, *code, *msg, *up, *lat, *web;
	sqlite3_stmt		*s = NULL;

	(void)arg;
	if (!json_is_object(ev->data))
		return 0;
	if (strcmp(ev->type, "availability") == 0) {
		target = json_object_get(ev->data, "target");
		up = json_object_get(ev->data, "up");
		lat = json_object_get(ev->data, "latency_ms");
		web = json_object_get(ev->data, "website");
		if (!json_is_string(target) || !json_is_boolean(up))
			return 0;	/* not a sample we can count */
		if ((s = store_stmt(st, STMT_AVAILABILITY_ADD, "INSERT INTO "
		    "availability (agent_id, target, ts, up, latency_ms, "
		    "website, kind, schedule, interval_ms) VALUES (?1, ?2, ?3, "
		    "?4, ?5, ?6, ?7, ?8, ?9)", err, errlen)) == NULL)
			return -1;
		/* A device's sample: its kind, schedule and interval. */
		{
			const json_t *k = json_object_get(ev->data, "kind");
			const json_t *sc = json_object_get(ev->data, "schedule");
			const json_t *iv = json_object_get(ev->data,
			    "interval_ms");

			if (json_is_string(k) && strlen(json_string_value(k)) <
			    16 && json_is_string(sc) &&
			    strlen(json_string_value(sc)) < 32 &&
			    json_is_integer(iv) && json_integer_value(iv) > 0) {
				sqlite3_bind_text(s, 7, json_string_value(k), -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(s, 8, json_string_value(sc), -1,
				    SQLITE_STATIC);
				sqlite3_bind_int64(s, 9, json_integer_value(iv));
			} else {
				sqlite3_bind_null(s, 7);
				sqlite3_bind_null(s, 8);
				sqlite3_bind_null(s, 9);
			}
		}
		sqlite3_bind_int64(s, 1, ctx->agent_id);
		sqlite3_bind_text(s, 2, json_string_value(target), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, ev->ts_ms);
		sqlite3_bind_int(s, 4, json_is_true(up));
		sqlite3_bind_int64(s, 5, json_is_integer(lat) ?
		    (sqlite3_int64)json_integer_value(lat) : 0);
		sqlite3_bind_int(s, 6, json_is_true(web));
		return store_stmt_done(st, s, "storing an availability sample", err,
		    errlen);
	}
	/* A finding (an active check's result) names its type as its code;
	   most events stop at this one lookup. */
	code = json_object_get(ev->data, "code");
	if (!json_is_string(code) || strcmp(json_string_value(code),
	    ev->type) != 0)
		return 0;
	target = json_object_get(ev->data, "target");
	if (!json_is_string(target))
		return 0;
	msg = json_object_get(ev->data, "message");
	if ((s = store_stmt(st, STMT_FINDING_ADD, "INSERT INTO findings "
	    "(target, key, code, severity, message, first_ts, last_ts, count) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1) ON CONFLICT (target, key) "
	    "DO UPDATE SET severity = ?4, message = ?5, count = count + 1, "
	    "first_ts = min(first_ts, ?6), last_ts = max(last_ts, ?6)", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, json_string_value(target), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ev->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, ev->type, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, (int)ev->severity);
	sqlite3_bind_text(s, 5, json_is_string(msg) ? json_string_value(msg) :
	    "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, ev->ts_ms);
	return store_stmt_done(st, s, "storing a finding", err, errlen);
}

static void
bind_opt(sqlite3_stmt *s, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

int
store_incident_put(struct store *st, const struct store_incident_row *r,
    int64_t *id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if ((s = store_stmt(st, STMT_INCIDENT_PUT, "INSERT INTO incidents "
	    "(key, type, category, subcategory, level, severity, status, "
	    "agent_id, asset, title, count, first_seen, last_seen, received, "
	    "notified, acknowledged, resolved, report_deadline) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18)", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->subcategory ? r->subcategory : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(s, 5, r->level);
	sqlite3_bind_int(s, 6, r->severity);
	sqlite3_bind_text(s, 7, r->status, -1, SQLITE_STATIC);
	bind_opt(s, 8, r->agent_id);
	sqlite3_bind_text(s, 9, r->asset ? r->asset : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, r->title, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 11, r->count);
	sqlite3_bind_int64(s, 12, r->first_seen);
	sqlite3_bind_int64(s, 13, r->last_seen);
	sqlite3_bind_int64(s, 14, r->received);
	bind_opt(s, 15, r->notified);
	bind_opt(s, 16, r->acknowledged);
	bind_opt(s, 17, r->resolved);
	bind_opt(s, 18, r->report_deadline);
	if (store_stmt_done(st, s, "adding an incident", err, errlen) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
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

int
store_ind_agents(struct store *st, struct store_ind_agent **out, size_t *nout,
    char *err, size_t errlen)
{
	/* min(start_ts) per agent is one index seek on uptime_agent. */
	static const char sql[] = "SELECT a.id, a.name, a.first_seen, "
	    "a.last_seen, a.events, (SELECT min(u.start_ts) FROM uptime u "
	    "WHERE u.agent_id = a.id) FROM agents a ORDER BY a.name";
	sqlite3_stmt		*s = NULL;
	struct store_ind_agent	*v = NULL, *nv;
	size_t			 n = 0, cap = 0;
	int			 rc = -1, step;

	*out = NULL;
	*nout = 0;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_err(st, "listing agents", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = sqlite3_column_int64(s, 0);
		if ((v[n].name = strdup((const char *)sqlite3_column_text(s,
		    1))) == NULL)
			goto nomem;
		v[n].first_seen = sqlite3_column_int64(s, 2);
		v[n].last_seen = sqlite3_column_int64(s, 3);
		v[n].events = sqlite3_column_int64(s, 4);
		v[n].first_up = sqlite3_column_int64(s, 5);
		n++;
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "listing agents", err, errlen);
		goto out;
	}
	*out = v;
	*nout = n;
	v = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "listing agents: out of memory");
out:
	store_ind_agents_free(v, n);
	sqlite3_finalize(s);
	return rc;
}

int
store_ind_intervals(struct store *st, int64_t agent_id, int64_t from,
    int64_t to, struct store_ind_interval **v, size_t *cap, size_t *n,
    char *err, size_t errlen)
{
	/*
	 * The last interval that starts before the period, those inside,
	 * and the first one after it: its boot_ts is the evidence that a
	 * gap running past the period end was down, not "no data".
	 */
	static const char sql[] = "SELECT start_ts, end_ts, boot_ts FROM uptime "
	    "WHERE agent_id = ?1 AND start_ts <= "
	    "coalesce((SELECT min(start_ts) FROM uptime WHERE agent_id = ?1 "
	    "AND start_ts >= ?3), ?3) AND start_ts >= "
	    "coalesce((SELECT max(start_ts) FROM uptime WHERE agent_id = ?1 "
	    "AND start_ts < ?2), ?2) ORDER BY start_ts";
	sqlite3_stmt	*s = NULL;
	int		 rc = -1, step;

	*n = 0;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_err(st, "reading uptime", err, errlen);
		goto out;
	}
	sqlite3_bind_int64(s, 1, agent_id);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == *cap) {
			size_t				 nc = *cap ? *cap * 2 : 256;
			struct store_ind_interval	*nv;

			if ((nv = realloc(*v, nc * sizeof(**v))) == NULL) {
				snprintf(err, errlen, "reading uptime: out of "
				    "memory");
				goto out;
			}
			*v = nv;
			*cap = nc;
		}
		(*v)[*n].start_ms = sqlite3_column_int64(s, 0);
		(*v)[*n].end_ms = sqlite3_column_int64(s, 1);
		(*v)[*n].boot_ms = sqlite3_column_int64(s, 2);
		(*n)++;
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "reading uptime", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_ind_samples(struct store *st, int64_t from, int64_t to,
    struct store_ind_sample **out, size_t *nout, char ***targets,
    size_t *ntargets, char *err, size_t errlen)
{
	static const char sql[] = "SELECT target, ts, up FROM availability "
	    "WHERE website = 1 AND ts >= ?1 AND ts < ?2 ORDER BY ts";
	sqlite3_stmt		*s = NULL;
	struct store_ind_sample	*v = NULL, *nv;
	char			**t = NULL, **nt;
	size_t			 n = 0, cap = 0, nt_n = 0;
	int			 rc = -1, step;

	*out = NULL;
	*nout = 0;
	*targets = NULL;
	*ntargets = 0;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_err(st, "reading availability", err, errlen);
		goto out;
	}
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char	*name = (const char *)sqlite3_column_text(s, 0);
		size_t		 k;

		for (k = 0; k < nt_n; k++)
			if (strcmp(t[k], name) == 0)
				break;
		if (k == nt_n) {
			if ((nt = realloc(t, (nt_n + 1) * sizeof(*t))) == NULL)
				goto nomem;
			t = nt;
			if ((t[nt_n] = strdup(name)) == NULL)
				goto nomem;
			nt_n++;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		v[n].target = (int)k;
		v[n].ts = sqlite3_column_int64(s, 1);
		v[n].up = sqlite3_column_int(s, 2) != 0;
		n++;
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "reading availability", err, errlen);
		goto out;
	}
	*out = v;
	*nout = n;
	*targets = t;
	*ntargets = nt_n;
	v = NULL;
	t = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "reading availability: out of memory");
out:
	for (size_t i = 0; t != NULL && i < nt_n; i++)
		free(t[i]);
	free(t);
	free(v);
	sqlite3_finalize(s);
	return rc;
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
	struct assessment_walk w = { finding_fn, report_fn, arg };

	if (store_query(st, STORE_ONCE, "SELECT target, code, key, severity, "
	    "message, first_ts, last_ts, count FROM findings WHERE last_ts >= "
	    "?1 AND first_ts < ?2 ORDER BY target, severity DESC, code, key",
	    "reading findings", finding_row, &w, err, errlen, "II", from,
	    to) == -1)
		return -1;
	/* Latest report per target: the events_type index gives the rows of
	   type tls_report; the period bounds ts. */
	return store_query(st, STORE_ONCE, "SELECT json_extract(data, "
	    "'$.target'), max(ts), data FROM events WHERE type = 'tls_report' "
	    "AND ts >= ?1 AND ts < ?2 GROUP BY json_extract(data, '$.target') "
	    "ORDER BY 1", "reading TLS reports", report_row, &w, err, errlen,
	    "II", from, to) == -1 ? -1 : 0;
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

int
store_ind_devices(struct store *st, int64_t from, int64_t to,
    int64_t lookback, struct store_ind_device **out, size_t *nout, char *err,
    size_t errlen)
{
	/* Devices with a sample in the period; then all their samples. */
	static const char sql[] = "SELECT agent_id, target, ts, up, kind, "
	    "schedule, interval_ms FROM availability WHERE kind IS NOT NULL "
	    "AND ts >= ?1 AND ts < ?2 AND (agent_id, target) IN (SELECT "
	    "agent_id, target FROM availability WHERE kind IS NOT NULL AND "
	    "ts >= ?3 AND ts < ?2) ORDER BY agent_id, target, ts";
	sqlite3_stmt		*s = NULL;
	struct store_ind_device	*v = NULL, *nv, *cur = NULL;
	size_t			 n = 0, cap = 0, scap = 0;
	int			 rc = -1, step;

	*out = NULL;
	*nout = 0;
	if (store_prepare(st, sql, &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, from - lookback);
	sqlite3_bind_int64(s, 2, to);
	sqlite3_bind_int64(s, 3, from);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t		 agent = sqlite3_column_int64(s, 0);
		const char	*name = (const char *)sqlite3_column_text(s, 1);
		const char	*kind = (const char *)sqlite3_column_text(s, 4);
		const char	*sch = (const char *)sqlite3_column_text(s, 5);

		if (name == NULL)
			continue;
		if (cur == NULL || cur->agent_id != agent ||
		    strcmp(cur->name, name) != 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
					goto nomem;
				v = nv;
			}
			cur = &v[n++];
			memset(cur, 0, sizeof(*cur));
			cur->agent_id = agent;
			scap = 0;
			if ((cur->name = strdup(name)) == NULL)
				goto nomem;
		}
		snprintf(cur->kind, sizeof(cur->kind), "%s", kind ? kind : "");
		snprintf(cur->schedule, sizeof(cur->schedule), "%s",
		    sch ? sch : "office");
		cur->interval_ms = sqlite3_column_int64(s, 6);
		if (cur->n == scap) {
			struct store_ind_sample *ns;

			scap = scap ? scap * 2 : 256;
			if ((ns = realloc(cur->s, scap * sizeof(*ns))) == NULL)
				goto nomem;
			cur->s = ns;
		}
		cur->s[cur->n].ts = sqlite3_column_int64(s, 2);
		cur->s[cur->n].up = sqlite3_column_int(s, 3) != 0;
		/* The interval of this sample, for its span. */
		cur->s[cur->n].target = (int)(cur->interval_ms > 0x7fffffff ?
		    0x7fffffff : cur->interval_ms);
		cur->n++;
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "reading device samples", err, errlen);
		goto out;
	}
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "reading device samples: out of memory");
out:
	store_ind_devices_free(v, n);
	sqlite3_finalize(s);
	return rc;
}
