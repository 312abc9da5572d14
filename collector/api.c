/*
 * The collector's endpoints, as pure functions of a request (see api.h).
 * Order of checks on the agent side: path (404), method (405), client
 * certificate (401), Content-Encoding (415), size (413), body (400),
 * certificate vs. named agent (403), store (500).  Nothing is stored on
 * any error: the store is touched last, in one transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/asset.h"
#include "collector/console.h"
#include "collector/indicator.h"
#include "collector/incident.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"

/* A heartbeat from further ahead than this is refused: a clock gone
   wild would otherwise freeze the agent's uptime intervals. */
#define HEARTBEAT_MAX_AHEAD_MS	(5 * 60 * 1000)
#define HEARTBEAT_MAX_INTERVAL_S 86400
#define ADMIN_LIMIT_DEFAULT	100
#define ADMIN_LIMIT_MAX		10000

static void
respond_json(struct api_response *rs, int status, json_t *o)
{
	rs->status = status;
	rs->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (rs->body == NULL) {
		rs->status = 500;
		rs->body = strdup("{\"error\":\"out of memory\"}");
	}
}

static void
respond_error(struct api_response *rs, int status, const char *msg)
{
	respond_json(rs, status, json_pack("{s:s}", "error", msg));
}

void
api_respond_json(struct api_response *rs, int status, json_t *o)
{
	respond_json(rs, status, o);
}

void
api_respond_error(struct api_response *rs, int status, const char *msg)
{
	respond_error(rs, status, msg);
}

void
api_response_free(struct api_response *rs)
{
	if (rs == NULL)
		return;
	free(rs->body);
	rs->body = NULL;
}

/* Path part of uri into path (without query); query points into uri. */
static int
split_uri(const char *uri, char *path, size_t pathlen, const char **query)
{
	const char	*q = strchr(uri, '?');
	size_t		 n = q ? (size_t)(q - uri) : strlen(uri);

	if (n >= pathlen)
		return -1;
	memcpy(path, uri, n);
	path[n] = '\0';
	*query = q ? q + 1 : "";
	return 0;
}

static void
reject(struct api *api, const struct api_request *rq, struct api_response *rs,
    int status, const char *msg)
{
	api->rejected++;
	log_warnx("refused %s from %s (%s): %d %s", rq->uri,
	    rq->peer ? rq->peer : "?", rq->peer_cn ? rq->peer_cn :
	    "no certificate", status, msg);
	respond_error(rs, status, msg);
}

/*
 * The body as JSON text: inflated when Content-Encoding says gzip.  *buf
 * gets a new buffer to free (or NULL when the body is used as is).  0, or
 * -1 having answered.
 */
static int
body_text(struct api *api, const struct api_request *rq,
    struct api_response *rs, char **buf, const char **text, size_t *len)
{
	size_t	max = (size_t)api->conf->max_body;
	char	err[256];
	int	r;

	*buf = NULL;
	*text = rq->body;
	*len = rq->bodylen;
	if (rq->bodylen > max) {
		snprintf(err, sizeof(err), "body of %zu bytes exceeds max_body "
		    "(%zu)", rq->bodylen, max);
		reject(api, rq, rs, 413, err);
		return -1;
	}
	if (rq->content_encoding == NULL ||
	    strcasecmp(rq->content_encoding, "identity") == 0)
		return 0;
	if (strcasecmp(rq->content_encoding, "gzip") != 0 &&
	    strcasecmp(rq->content_encoding, "x-gzip") != 0) {
		snprintf(err, sizeof(err), "unsupported Content-Encoding "
		    "'%.64s'; use gzip or none", rq->content_encoding);
		reject(api, rq, rs, 415, err);
		return -1;
	}
	r = body_gunzip(rq->body, rq->bodylen, max, buf, len, err, sizeof(err));
	if (r != 0) {
		reject(api, rq, rs, r == -2 ? 413 : 400, err);
		return -1;
	}
	*text = *buf;
	return 0;
}

static int
cert_matches(struct api *api, const struct api_request *rq,
    struct api_response *rs, const char *agent)
{
	char msg[256];

	if (strcmp(agent, rq->peer_cn) == 0)
		return api->access != NULL ?
		    access_agent_allowed(api, rq, agent, rs) : 0;
	snprintf(msg, sizeof(msg), "batch names agent '%s' but the "
	    "certificate is for '%s'", agent, rq->peer_cn);
	reject(api, rq, rs, 403, msg);
	return -1;
}

static void
handle_events(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	struct event_batch		b;
	struct event_limits		lim;
	struct store_batch_result	res;
	const char			*text;
	char				*buf = NULL, err[512];
	size_t				 len;
	int				 r;

	memset(&b, 0, sizeof(b));
	if (body_text(api, rq, rs, &buf, &text, &len) == -1)
		goto out;
	lim.max_bytes = (size_t)api->conf->max_body;
	lim.max_events = (size_t)api->conf->max_batch;
	r = event_batch_decode(text, len, &lim, &b, err, sizeof(err));
	if (r != 0) {
		reject(api, rq, rs, r == -2 ? 413 : 400, err);
		goto out;
	}
	if (cert_matches(api, rq, rs, b.agent) == -1)
		goto out;
	if (store_insert_batch(api->store, &b, api->now(), &res, err,
	    sizeof(err)) == -1) {
		log_errorx("could not store a batch of %zu events from %s: %s; "
		    "the agent will resend it", b.n, b.agent, err);
		respond_error(rs, 500, "store error; the batch was not stored, "
		    "send it again");
		goto out;
	}
	if (res.new_agent)
		log_info("new agent '%s' (from %s) sent its first batch",
		    b.agent, rq->peer ? rq->peer : "?");
	api->batches++;
	api->events_new += res.inserted;
	log_debug("stored %zu of %zu events from %s through seq %" PRIu64,
	    res.inserted, b.n, b.agent, res.stored_through);
	respond_json(rs, 200, json_pack("{s:I}", "stored_through",
	    (json_int_t)res.stored_through));
out:
	event_batch_free(&b);
	free(buf);
}

/* A strict wire time member of o; -1 with err. */
static int
get_time(const json_t *o, const char *name, int64_t *ms, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL) {
		snprintf(err, errlen, "body.%s: missing", name);
		return -1;
	}
	if (!json_is_string(v) || time_parse_utc(json_string_value(v), ms) == -1) {
		snprintf(err, errlen, "body.%s: expected UTC time like "
		    "2026-11-27T13:37:20.123Z", name);
		return -1;
	}
	return 0;
}

static void
handle_heartbeat(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	struct store_heartbeat	 hb;
	json_t			*o = NULL, *v;
	const char		*text, *k;
	char			*buf = NULL, err[512], now_s[32];
	size_t			 len;
	int64_t			 now = api->now(), revoked;
	uint64_t		 last_seq = 0;
	int			 new_agent;

	if (body_text(api, rq, rs, &buf, &text, &len) == -1)
		goto out;
	if ((o = json_parse_bounded(text, len, 2, err, sizeof(err))) == NULL)
		goto bad;
	if (!json_is_object(o)) {
		snprintf(err, sizeof(err), "body: expected an object");
		goto bad;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "agent") && strcmp(k, "ts") &&
		    strcmp(k, "interval_s") && strcmp(k, "boot_ts")) {
			snprintf(err, sizeof(err), "body: unknown field '%.64s'", k);
			goto bad;
		}
	}
	memset(&hb, 0, sizeof(hb));
	v = json_object_get(o, "agent");
	if (v == NULL || !json_is_string(v) ||
	    !event_name_ok(json_string_value(v), EVENT_AGENT_MAX)) {
		snprintf(err, sizeof(err), "body.agent: %s", v == NULL ?
		    "missing" : "expected 1-63 characters of A-Z a-z 0-9 . _ -");
		goto bad;
	}
	hb.agent = json_string_value(v);
	if (get_time(o, "ts", &hb.ts_ms, err, sizeof(err)) == -1 ||
	    get_time(o, "boot_ts", &hb.boot_ms, err, sizeof(err)) == -1)
		goto bad;
	v = json_object_get(o, "interval_s");
	if (v == NULL || !json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > HEARTBEAT_MAX_INTERVAL_S) {
		snprintf(err, sizeof(err), "body.interval_s: %s", v == NULL ?
		    "missing" : "expected an integer from 1 to 86400");
		goto bad;
	}
	hb.interval_ms = (int64_t)json_integer_value(v) * 1000;
	if (hb.boot_ms > hb.ts_ms) {
		snprintf(err, sizeof(err), "body.boot_ts: after body.ts");
		goto bad;
	}
	if (hb.ts_ms > now + HEARTBEAT_MAX_AHEAD_MS) {
		snprintf(err, sizeof(err), "body.ts: %" PRId64 " s ahead of the "
		    "collector's clock; fix the agent's clock (NTP)",
		    (hb.ts_ms - now) / 1000);
		goto bad;
	}
	if (cert_matches(api, rq, rs, hb.agent) == -1)
		goto out;
	if (store_heartbeat(api->store, &hb, api->conf->gap_factor, now,
	    &new_agent, err, sizeof(err)) == -1) {
		log_errorx("could not store a heartbeat from %s: %s", hb.agent,
		    err);
		respond_error(rs, 500, "store error; send the heartbeat again");
		goto out;
	}
	if (new_agent)
		log_info("new agent '%s' (from %s) sent its first heartbeat",
		    hb.agent, rq->peer ? rq->peer : "?");
	if (time_format_utc(now, now_s, sizeof(now_s)) == -1)
		now_s[0] = '\0';
	/* last_seq: an agent with a fresh spool (reinstalled, re-enrolled)
	   numbers its events above it, so none is taken for a resend. */
	if (store_agent_access(api->store, hb.agent, &revoked, &last_seq, err,
	    sizeof(err)) == -1)
		log_warnx("heartbeat from %s: %s", hb.agent, err);
	respond_json(rs, 200, json_pack("{s:b, s:s, s:I}", "ok", 1,
	    "server_time", now_s, "last_seq", (json_int_t)last_seq));
	goto out;
bad:
	reject(api, rq, rs, 400, err);
out:
	json_decref(o);
	free(buf);
}

static void
handle_health(struct api_response *rs)
{
	respond_json(rs, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", COLLECTOR_VERSION));
}

void
api_agent_handle(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	char		 path[64];
	const char	*query;

	rs->status = 0;
	rs->body = NULL;
	if (split_uri(rq->uri, path, sizeof(path), &query) == -1) {
		respond_error(rs, 404, "unknown path");
		return;
	}
	if (strcmp(path, "/api/v1/health") == 0) {
		if (rq->method != API_GET)
			respond_error(rs, 405, "use GET");
		else
			handle_health(rs);
		return;
	}
	if (api->access != NULL && access_agent_handle(api, path, rq, rs))
		return;
	if (strcmp(path, "/api/v1/events") != 0 &&
	    strcmp(path, "/api/v1/heartbeat") != 0) {
		respond_error(rs, 404, "unknown path");
		return;
	}
	if (rq->method != API_POST) {
		respond_error(rs, 405, "use POST");
		return;
	}
	if (rq->peer_cn == NULL) {
		reject(api, rq, rs, 401, "client certificate required");
		return;
	}
	if (strcmp(path, "/api/v1/events") == 0)
		handle_events(api, rq, rs);
	else
		handle_heartbeat(api, rq, rs);
}

/* ---- admin ---------------------------------------------------------- */

struct admin_params {
	const char	*agent;
	const char	*since;
	const char	*type;
	const char	*limit;
	const char	*after_id;
	const char	*from;
	const char	*to;
	const char	*detail;
};

/* s cut to 64 bytes with anything but printable ASCII as '?': a query
   name quoted in an error must stay valid JSON text (UTF-8). */
static void
printable(const char *s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outlen && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

/*
 * Decode the query into p (pointers into q); only the names in allowed
 * ("agent,since,...") are accepted, each once.  -1 with err.
 */
static int
admin_params(struct evkeyvalq *q, const char *query, const char *allowed,
    struct admin_params *p, char *err, size_t errlen)
{
	struct evkeyval *kv;

	memset(p, 0, sizeof(*p));
	if (evhttp_parse_query_str(query, q) == -1) {
		snprintf(err, errlen, "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(kv, q, next) {
		const char	**slot = NULL;
		const char	*pos = strstr(allowed, kv->key);
		size_t		 kl = strlen(kv->key);

		if (kl > 0 && pos != NULL && (pos[kl] == ',' || pos[kl] == '\0') &&
		    (pos == allowed || pos[-1] == ',')) {
			if (strcmp(kv->key, "agent") == 0)
				slot = &p->agent;
			else if (strcmp(kv->key, "since") == 0)
				slot = &p->since;
			else if (strcmp(kv->key, "type") == 0)
				slot = &p->type;
			else if (strcmp(kv->key, "limit") == 0)
				slot = &p->limit;
			else if (strcmp(kv->key, "after_id") == 0)
				slot = &p->after_id;
			else if (strcmp(kv->key, "from") == 0)
				slot = &p->from;
			else if (strcmp(kv->key, "to") == 0)
				slot = &p->to;
			else if (strcmp(kv->key, "detail") == 0)
				slot = &p->detail;
		}
		if (slot == NULL) {
			char name[68];

			printable(kv->key, name, sizeof(name));
			snprintf(err, errlen, "unknown parameter '%s' "
			    "(known: %s)", name, *allowed ? allowed : "none");
			return -1;
		}
		if (*slot != NULL) {
			char name[68];

			printable(kv->key, name, sizeof(name));
			snprintf(err, errlen, "parameter '%s' given twice", name);
			return -1;
		}
		*slot = kv->value;
	}
	return 0;
}

/* agent=NAME → id: 0, or -1 having answered (400/404/500). */
static int
admin_agent(struct api *api, const char *name, int64_t *id,
    struct api_response *rs)
{
	char	err[300];
	int	r;

	*id = 0;
	if (name == NULL)
		return 0;
	if (!event_name_ok(name, EVENT_AGENT_MAX)) {
		respond_error(rs, 400, "agent: expected 1-63 characters of "
		    "A-Z a-z 0-9 . _ -");
		return -1;
	}
	r = store_agent_id(api->store, name, id, err, sizeof(err));
	if (r == -1) {
		log_errorx("admin: %s", err);
		respond_error(rs, 500, "store error; see the collector log");
		return -1;
	}
	if (r == 1) {
		snprintf(err, sizeof(err), "unknown agent '%s'", name);
		respond_error(rs, 404, err);
		return -1;
	}
	return 0;
}

static void
admin_agents(struct api *api, const char *query, struct api_response *rs)
{
	struct evkeyvalq	 q;
	struct admin_params	 p;
	json_t			*arr;
	char			 err[300];

	TAILQ_INIT(&q);
	if (admin_params(&q, query, "", &p, err, sizeof(err)) == -1) {
		respond_error(rs, 400, err);
		goto out;
	}
	if (store_list_agents(api->store, api->now(), api->conf->gap_factor,
	    &arr, err, sizeof(err)) == -1) {
		log_errorx("admin: %s", err);
		respond_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	respond_json(rs, 200, json_pack("{s:o}", "agents", arr));
out:
	evhttp_clear_headers(&q);
}

static void
admin_events(struct api *api, const char *query, struct api_response *rs)
{
	struct evkeyvalq		 q;
	struct admin_params		 p;
	struct store_event_query	 sq;
	json_t				*arr;
	int64_t				 v, next;
	char				 err[300], why[200];

	TAILQ_INIT(&q);
	memset(&sq, 0, sizeof(sq));
	sq.since_ms = INT64_MIN;
	sq.limit = ADMIN_LIMIT_DEFAULT;
	if (admin_params(&q, query, "agent,since,type,limit,after_id", &p,
	    err, sizeof(err)) == -1)
		goto bad;
	if (p.type != NULL) {
		if (!event_name_ok(p.type, EVENT_TYPE_MAX)) {
			snprintf(err, sizeof(err), "type: expected 1-%d "
			    "characters of A-Z a-z 0-9 . _ -",
			    EVENT_TYPE_MAX - 1);
			goto bad;
		}
		sq.type = p.type;
	}
	if (p.since != NULL && time_parse_utc(p.since, &sq.since_ms) == -1) {
		snprintf(err, sizeof(err), "since: expected UTC time like "
		    "2026-11-27T13:37:20.123Z");
		goto bad;
	}
	if (p.limit != NULL) {
		if (parse_i64(p.limit, 1, ADMIN_LIMIT_MAX, &v, why,
		    sizeof(why)) == -1) {
			snprintf(err, sizeof(err), "limit: %s", why);
			goto bad;
		}
		sq.limit = (int)v;
	}
	if (p.after_id != NULL) {
		if (parse_i64(p.after_id, 0, INT64_MAX, &v, why,
		    sizeof(why)) == -1) {
			snprintf(err, sizeof(err), "after_id: %s", why);
			goto bad;
		}
		sq.after_id = v;
	}
	if (admin_agent(api, p.agent, &sq.agent_id, rs) == -1)
		goto out;
	if (store_query_events(api->store, &sq, &arr, &next, err,
	    sizeof(err)) == -1) {
		log_errorx("admin: %s", err);
		respond_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	respond_json(rs, 200, json_pack("{s:o, s:o}", "events", arr,
	    "next_after_id", next > 0 ? json_integer(next) : json_null()));
	goto out;
bad:
	respond_error(rs, 400, err);
out:
	evhttp_clear_headers(&q);
}

static void
admin_uptime(struct api *api, const char *query, struct api_response *rs)
{
	struct evkeyvalq	 q;
	struct admin_params	 p;
	json_t			*arr;
	int64_t			 id;
	char			 err[300];

	TAILQ_INIT(&q);
	if (admin_params(&q, query, "agent", &p, err, sizeof(err)) == -1) {
		respond_error(rs, 400, err);
		goto out;
	}
	if (admin_agent(api, p.agent, &id, rs) == -1)
		goto out;
	if (store_list_uptime(api->store, id, &arr, err, sizeof(err)) == -1) {
		log_errorx("admin: %s", err);
		respond_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	respond_json(rs, 200, json_pack("{s:o}", "intervals", arr));
out:
	evhttp_clear_headers(&q);
}

/*
 * GET /api/v1/admin/indicators?from=YYYY-MM-DD&to=YYYY-MM-DD[&detail=1]
 * (local dates, both inclusive): the indicator document of
 * collector/indicator.h; detail=1 adds what `shaobing export` writes.
 */
static void
admin_indicators(struct api *api, const char *query, struct api_response *rs)
{
	struct evkeyvalq	 q;
	struct admin_params	 p;
	struct indicator_period	 per;
	json_t			*doc;
	char			 err[300], why[200];
	int			 detail = 0;

	TAILQ_INIT(&q);
	if (admin_params(&q, query, "from,to,detail", &p, err,
	    sizeof(err)) == -1)
		goto bad;
	if (p.from == NULL || p.to == NULL) {
		snprintf(err, sizeof(err), "from and to are required "
		    "(local dates like 2026-01-01 and 2026-12-31)");
		goto bad;
	}
	if (indicator_period_parse(p.from, p.to, &per, why,
	    sizeof(why)) == -1) {
		snprintf(err, sizeof(err), "%s", why);
		goto bad;
	}
	if (p.detail != NULL) {
		if (strcmp(p.detail, "0") != 0 && strcmp(p.detail, "1") != 0) {
			snprintf(err, sizeof(err), "detail: expected 0 or 1");
			goto bad;
		}
		detail = p.detail[0] == '1';
	}
	if (indicator_compute(api->store, &api->conf->sched, &api->conf->ind,
	    &per, api->now(), detail, &doc, err, sizeof(err)) == -1) {
		log_errorx("admin: indicators: %s", err);
		respond_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	respond_json(rs, 200, doc);
	goto out;
bad:
	respond_error(rs, 400, err);
out:
	evhttp_clear_headers(&q);
}

void
api_admin_handle(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	/* fn: GET only; req: any method, the handler checks it (and may
	   read the body). */
	static const struct {
		const char	*path;
		void		(*fn)(struct api *, const char *,
				    struct api_response *);
		void		(*req)(struct api *, const struct api_request *,
				    const char *, struct api_response *);
	} routes[] = {
		{ "/api/v1/admin/agents", admin_agents, NULL },
		{ "/api/v1/admin/events", admin_events, NULL },
		{ "/api/v1/admin/uptime", admin_uptime, NULL },
		{ "/api/v1/admin/indicators", admin_indicators, NULL },
		{ "/api/v1/admin/assets", NULL, asset_api_list },
		{ "/api/v1/admin/asset", NULL, asset_api_one },
		{ "/api/v1/admin/asset/diff", NULL, asset_api_diff },
		{ "/api/v1/admin/report/values", NULL, report_api_values },
	};
	char		 path[64];
	const char	*query;

	rs->status = 0;
	rs->body = NULL;
	if (split_uri(rq->uri, path, sizeof(path), &query) == -1) {
		respond_error(rs, 404, "unknown path");
		return;
	}
	if (strcmp(path, "/api/v1/health") == 0) {
		if (rq->method != API_GET)
			respond_error(rs, 405, "use GET");
		else
			handle_health(rs);
		return;
	}
	if (strncmp(path, "/api/v1/admin/users", 19) == 0 &&
	    (path[19] == '\0' || path[19] == '/')) {
		console_users_api(api, rq, path + 19, rs);
		return;
	}
	if (incident_api_handle(api, rq, path, query, rs))
		return;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (routes[i].req != NULL)
			routes[i].req(api, rq, query, rs);
		else if (rq->method != API_GET)
			respond_error(rs, 405, "use GET");
		else
			routes[i].fn(api, query, rs);
		return;
	}
	respond_error(rs, 404, "unknown path");
}
