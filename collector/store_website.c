/*
 * Website rebaseline requests in the store (see store_website.h).
 */
#include <stdio.h>
#include <string.h>

#include "collector/store_priv.h"
#include "collector/store_website.h"

const char store_website_migration[] =
	"CREATE TABLE website_rebaseline ("
	"  id INTEGER PRIMARY KEY,"
	"  website TEXT NOT NULL,"
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  requested INTEGER NOT NULL,"		/* collector clock */
	"  actor TEXT NOT NULL,"
	"  delivered INTEGER"			/* NULL: waiting */
	");"
	"CREATE INDEX website_rebaseline_waiting ON "
	"  website_rebaseline(agent_id) WHERE delivered IS NULL;";

/*
 * The website events: what the [website] probe sends (probes/web), by
 * their type's prefix: a range the events_type index serves, and the
 * prefix itself for a collation other than the bytes' order.
 */
#define WEB_EVENTS	"e.type >= 'web_' AND e.type < 'web`' AND " \
	"substr(e.type, 1, 4) = 'web_'"

/* The website an event names (SQL into buf): store_json_string(). */
static const char *
web_name(struct store *st, char *buf, size_t len)
{
	return store_json_string(st, "e.data", "website", buf, len);
}

int
store_website_agent(struct store *st, const char *website, char *agent,
    size_t agentlen, char *err, size_t errlen)
{
	struct db_stmt	*s;
	char		 j[STORE_JSON_SQL_MAX], sql[512];
	int		 r, rc = -1;

	snprintf(sql, sizeof(sql), "SELECT a.name FROM events e JOIN agents a "
	    "ON a.id = e.agent_id WHERE " WEB_EVENTS " AND %s = ?1 ORDER BY "
	    "e.id DESC LIMIT 1", web_name(st, j, sizeof(j)));
	if (store_prepare(st, sql, &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, website, -1);
	if ((r = db_step(s)) == DB_ROW) {
		snprintf(agent, agentlen, "%s", db_column_text(s, 0));
		rc = 0;
	} else if (r == DB_DONE)
		rc = 1;
	else
		store_db_err(st, "finding the website's agent", err, errlen);
	db_finalize(s);
	return rc;
}

int
store_website_rebaseline(struct store *st, const char *website,
    const char *agent, const char *actor, int64_t now_ms, int64_t *id,
    char *err, size_t errlen)
{
	struct db_stmt	*s;
	int		 rc = -1;

	if (store_prepare(st, "INSERT INTO website_rebaseline (website, "
	    "agent_id, requested, actor) SELECT ?1, id, ?3, ?4 FROM agents "
	    "WHERE name = ?2 RETURNING id", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, website, -1);
	db_bind_text(s, 2, agent, -1);
	db_bind_int64(s, 3, now_ms);
	db_bind_text(s, 4, actor, -1);
	switch (store_step_id(st, s, "queueing a website rebaseline", id, err,
	    errlen)) {
	case 1:
		rc = 0;
		break;
	case 0:		/* no such agent */
		rc = 1;
		break;
	}
	db_finalize(s);
	return rc;
}

struct website_walk {
	store_website_fn	 fn;
	store_website_name_fn	 name_fn;
	void			*arg;
};

static int
taken_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct website_walk *w = arg;

	return w->name_fn(w->arg, store_col_text(r, 0), err, errlen) == -1 ?
	    -1 : 0;
}

int
store_website_take(struct store *st, const char *agent, int64_t now_ms,
    store_website_name_fn fn, void *arg, char *err, size_t errlen)
{
	struct website_walk w = { NULL, fn, arg };

	/* One statement: what it returns is what it marked. */
	return store_query(st, STORE_ONCE, "UPDATE website_rebaseline SET "
	    "delivered = ?2 WHERE delivered IS NULL AND agent_id = (SELECT id "
	    "FROM agents WHERE name = ?1) RETURNING website",
	    "handing out website rebaselines", taken_row, &w, err, errlen,
	    "sI", agent, now_ms) == -1 ? -1 : 0;
}

static int
website_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct website_walk	*w = arg;
	struct website_row	 row;

	row.website = store_col_text(r, 0);
	row.agent = store_col_text(r, 1);
	row.last_event_ms = store_col_int(r, 2);
	row.pending = store_col_int(r, 3) != 0;
	return w->fn(w->arg, &row, err, errlen) == -1 ? -1 : 0;
}

int
store_website_list(struct store *st, store_website_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct website_walk	w = { fn, NULL, arg };
	char			j[STORE_JSON_SQL_MAX], sql[1024];

	snprintf(sql, sizeof(sql), "SELECT w, (SELECT name FROM agents "
	    "WHERE id = (SELECT agent_id FROM events WHERE id = last)), "
	    "(SELECT received FROM events WHERE id = last), EXISTS (SELECT 1 "
	    "FROM website_rebaseline r WHERE r.website = w AND r.delivered IS "
	    "NULL) FROM (SELECT %s AS w, max(e.id) AS last FROM events e "
	    "WHERE " WEB_EVENTS " GROUP BY 1) AS web WHERE w IS NOT NULL "
	    "ORDER BY w", web_name(st, j, sizeof(j)));
	return store_query(st, STORE_ONCE, sql, "listing websites",
	    website_row, &w, err, errlen, "") == -1 ? -1 : 0;
}
