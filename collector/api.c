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

#include "collector/api.h"
#include "collector/store_access.h"
#include "collector/store_website.h"
#include "collector/indicator.h"
#include "common/text.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/version.h"

/* A heartbeat from further ahead than this is refused: a clock gone
   wild would otherwise freeze the agent's uptime intervals.  Events use
   the same bound (clamped, not refused: event_bound_ts()). */
#define HEARTBEAT_MAX_AHEAD_MS	EVENT_TS_MAX_AHEAD_MS
#define HEARTBEAT_MAX_INTERVAL_S 86400
#define ADMIN_LIMIT_DEFAULT	100
#define ADMIN_LIMIT_MAX		10000
#define API_BODY_MAX		(64 * 1024)	/* admin and enrollment bodies */

json_t *
api_json_time(int64_t ms)
{
	char buf[32];

	if (ms == STORE_NO_TIME || time_format_utc(ms, buf, sizeof(buf)) == -1)
		return json_null();
	return json_string(buf);
}

json_t *
api_json_text(const char *t)
{
	return t != NULL ? json_string(t) : json_null();
}

int
api_append_new(json_t *arr, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_array_append_new(arr, v);
}

void
api_reply(struct api_response *rs, int status, json_t *o)
{
	rs->status = status;
	rs->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (rs->body == NULL) {
		rs->status = 500;
		rs->body = strdup("{\"error\":\"out of memory\"}");
	}
}

void
api_reply_error(struct api_response *rs, int status, const char *msg)
{
	api_reply(rs, status, json_pack("{s:s}", "error", msg));
}

void
api_reply_store_retry(struct api_response *rs, const char *what,
    const char *cause)
{
	char msg[600];

	text_printf(msg, sizeof(msg), "the collector's store cannot write now "
	    "(%s); %s was not stored, send it again in %d s", cause, what,
	    API_STORE_RETRY_S);
	api_reply(rs, 503, json_pack("{s:s, s:s}", "error", msg, "store",
	    cause));
	rs->retry_after = API_STORE_RETRY_S;
}

/* The cause part of a STORE_RETRY error ("disk full: PATH: ..."). */
static void
store_cause(const char *err, char *cause, size_t causelen)
{
	const char *colon = strchr(err, ':');
	size_t n = colon != NULL ? (size_t)(colon - err) : strlen(err);

	if (n >= causelen)
		n = causelen - 1;
	memcpy(cause, err, n);
	cause[n] = '\0';
}

/* ---- JSON bodies and the audit row (access.c, enroll.c) ---------- */

/* A JSON object body (at most API_BODY_MAX bytes, depth 2); NULL answered. */
json_t *
api_body_object(const struct api_request *rq, struct api_response *rs)
{
	json_t	*o;
	char	 err[256], msg[300];

	if (rq->bodylen > API_BODY_MAX) {
		api_reply_error(rs, 413, "body larger than 64 KiB");
		return NULL;
	}
	if (rq->content_encoding != NULL) {
		api_reply_error(rs, 415, "send this request without "
		    "Content-Encoding");
		return NULL;
	}
	if ((o = json_parse_bounded(rq->body, rq->bodylen, 2, err,
	    sizeof(err))) == NULL || !json_is_object(o)) {
		snprintf(msg, sizeof(msg), "body: %s", o ? "expected an object" :
		    err);
		json_decref(o);
		api_reply_error(rs, 400, msg);
		return NULL;
	}
	return o;
}

/* A string member of at most max bytes, or NULL with msg. */
const char *
api_member(json_t *o, const char *name, size_t max, int required, char *msg,
    size_t msglen)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL) {
		if (required)
			snprintf(msg, msglen, "body.%s: missing", name);
		else
			msg[0] = '\0';
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(msg, msglen, "body.%s: expected a string of 1 to %zu "
		    "bytes", name, max);
		return NULL;
	}
	return json_string_value(v);
}

/* Only the listed members ("a,b,c"); -1 with msg naming the first other. */
int
api_members_only(json_t *o, const char *const *names, char *msg, size_t msglen)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(o, k, v) {
		size_t i;

		for (i = 0; names[i] != NULL; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (names[i] == NULL) {
			text_printf(msg, msglen, "body: unknown field '%s'", k);
			return -1;
		}
	}
	return 0;
}

void
api_audit(struct api *api, const char *actor, const char *via,
    const struct api_request *rq, const char *what, int status)
{
	struct store_audit	a;
	char			err[300];

	a.ts_ms = api->now();
	a.actor = actor;
	a.via = via;
	a.peer = rq->peer ? rq->peer : "?";
	a.method = rq->method == API_GET ? "GET" : rq->method == API_POST ?
	    "POST" : "OTHER";
	a.path = what;
	a.status = status;
	if (store_audit_add(api->store, &a, err, sizeof(err)) == -1)
		log_errorx("admin audit: %s; the call was answered %d but is "
		    "missing from the audit log", err, status);
}

void
api_response_free(struct api_response *rs)
{
	if (rs == NULL)
		return;
	free(rs->body);
	rs->body = NULL;
	rs->retry_after = 0;
}

void
api_request_target(struct api_request *rq, const struct evhttp_uri *u)
{
	const char *p = u ? evhttp_uri_get_path(u) : NULL;
	const char *q = u ? evhttp_uri_get_query(u) : NULL;

	rq->path = p ? p : "";
	rq->query = q ? q : "";
}

static void
reject(struct api *api, const struct api_request *rq, struct api_response *rs,
    int status, const char *msg)
{
	api->rejected++;
	log_warnx("refused %s from %s (%s): %d %s", rq->uri,
	    rq->peer ? rq->peer : "?", rq->peer_cn ? rq->peer_cn :
	    "no certificate", status, msg);
	api_reply_error(rs, status, msg);
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
		text_printf(err, sizeof(err), "unsupported Content-Encoding "
		    "'%s'; use gzip or none", rq->content_encoding);
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
		    api_agent_allowed(api, rq, agent, rs) : 0;
	snprintf(msg, sizeof(msg), "batch names agent '%s' but the "
	    "certificate is for '%s'", agent, rq->peer_cn);
	reject(api, rq, rs, 403, msg);
	return -1;
}

/*
 * Clamp event times outside [2000-01-01 or the oldest time retention
 * keeps, now + 5 min] to now (event_bound_ts()).  One log line per batch
 * that had any.  0, or -1 having answered.
 */
static int
bound_times(struct api *api, struct api_response *rs, struct event_batch *b,
    int64_t now)
{
	int64_t	lo = now - api->conf->event_retention_ms;
	size_t	n = 0, first = 0;
	int	r;

	if (lo < EVENT_TS_MIN_MS)
		lo = EVENT_TS_MIN_MS;
	for (size_t i = 0; i < b->n; i++) {
		if ((r = event_bound_ts(&b->events[i], lo, now +
		    EVENT_TS_MAX_AHEAD_MS, now)) == -1) {
			log_errorx("out of memory marking an event's time as "
			    "clamped; the agent will resend the batch");
			api_reply_error(rs, 503, "collector out of memory; send "
			    "the batch again later");
			return -1;
		}
		if (r == 1 && n++ == 0)
			first = i;
	}
	if (n > 0)
		log_warnx("%zu events from %s (first seq %" PRIu64 ") were dated "
		    "more than 5 minutes ahead of the collector's clock, before "
		    "2000 or before the retention window; stored with the receive "
		    "time and data.ts_clamped (the agent's time in data.ts_agent); "
		    "fix the agent's clock (NTP)", n, b->agent,
		    b->events[first].seq);
	return 0;
}

/*
 * {"stored_through": N, "rejected": [{"seq": S, "error": why}, ...]}
 * (rejected only when some were), one log line per event rejected now.
 */
static json_t *
batch_answer(struct api *api, const struct event_batch *b,
    const struct store_batch_result *res)
{
	json_t *o, *arr = NULL;

	o = json_pack("{s:I}", "stored_through", (json_int_t)res->stored_through);
	if (o == NULL || res->nrejected == 0)
		return o;
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(o, "rejected", arr) == -1) {
		json_decref(o);
		return NULL;
	}
	for (size_t i = 0; i < res->nrejected; i++) {
		const struct store_rejected	*r = &res->rejected[i];
		const struct event		*ev = &b->events[r->index];

		if (json_array_append_new(arr, json_pack("{s:I, s:o}", "seq",
		    (json_int_t)r->seq, "error", text_json(r->error))) == -1) {
			json_decref(o);
			return NULL;
		}
		if (r->again)
			continue;
		api->events_rejected++;
		log_errorx("rejected event seq %" PRIu64 " (%s) of agent %s: %s; "
		    "the rest of its batch was stored; the agent keeps the event "
		    "in its dead-letter table (shaobing-agent --rejected) and "
		    "reports spool_rejected; report this with the log line as "
		    "a bug", r->seq, ev->type, b->agent, r->error);
	}
	return o;
}

void
api_events_answer(struct api *api, const struct event_batch *b,
    const char *peer, int rc, const struct store_batch_result *res,
    const char *err, struct api_response *rs)
{
	if (rc == STORE_RETRY) {
		char cause[64];

		store_cause(err, cause, sizeof(cause));
		log_errorx("could not store a batch of %zu events from %s: %s; "
		    "answered 503 (the agent resends it in %d s); free disk "
		    "space, fix the database's permissions or bring its "
		    "PostgreSQL server back", b->n, b->agent,
		    err, API_STORE_RETRY_S);
		api_reply_store_retry(rs, "the batch", cause);
		return;
	}
	if (rc != 0) {
		log_errorx("could not store a batch of %zu events from %s: %s; "
		    "the agent will resend it", b->n, b->agent, err);
		api_reply_error(rs, 500, "store error; the batch was not stored, "
		    "send it again");
		return;
	}
	if (res->new_agent)
		log_info("new agent '%s' (from %s) sent its first batch",
		    b->agent, peer ? peer : "?");
	api->batches++;
	api->events_new += res->inserted;
	log_debug("stored %zu of %zu events from %s through seq %" PRIu64,
	    res->inserted, b->n, b->agent, res->stored_through);
	api_reply(rs, 200, batch_answer(api, b, res));
}

void
api_events(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	struct event_batch		b;
	struct event_limits		lim;
	struct store_batch_result	res;
	const char			*text;
	char				*buf = NULL, err[512];
	size_t				 len;
	int				 r;
	int64_t				 now = api->now();

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
	if (bound_times(api, rs, &b, now) == -1)
		goto out;
	if (api->defer != NULL && rq->conn != NULL &&
	    api->defer(api->defer_arg, rq, &b, now) == 0) {
		rs->status = API_DEFERRED;
		goto out;
	}
	r = store_insert_batch(api->store, &b, now, &res, err, sizeof(err));
	api_events_answer(api, &b, rq->peer, r, &res, err, rs);
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

/* A website in a heartbeat's answer once, however often it was asked. */
static int
rebaseline_name(void *arg, const char *website, char *err, size_t errlen)
{
	json_t	*names = arg, *v;
	size_t	 i;

	json_array_foreach(names, i, v)
		if (strcmp(json_string_value(v), website) == 0)
			return 0;
	if (json_array_append_new(names, json_string(website)) == -1) {
		snprintf(err, errlen, "handing out website rebaselines: out "
		    "of memory");
		return -1;
	}
	return 0;
}

void
api_heartbeat(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	struct store_heartbeat	 hb;
	json_t			*o = NULL, *v, *ans, *rebase = NULL;
	const char		*text, *k;
	char			*buf = NULL, err[512], now_s[32];
	size_t			 len;
	int64_t			 now = api->now(), revoked;
	uint64_t		 last_seq = 0;
	int			 new_agent, r;

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
			text_printf(err, sizeof(err), "body: unknown field '%s'", k);
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
	if ((r = store_heartbeat(api->store, &hb, api->conf->gap_factor,
	    now, &new_agent, err, sizeof(err))) != 0) {
		char cause[64];

		log_errorx("could not store a heartbeat from %s: %s", hb.agent,
		    err);
		store_cause(err, cause, sizeof(cause));
		if (r == STORE_RETRY)
			api_reply_store_retry(rs, "the heartbeat", cause);
		else
			api_reply_error(rs, 500, "store error; send the "
			    "heartbeat again");
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
	ans = json_pack("{s:b, s:s, s:I}", "ok", 1, "server_time", now_s,
	    "last_seq", (json_int_t)last_seq);
	/* Rebaselines the administrator asked of this agent's websites:
	   handed out once; the agent's [website] probe takes them. */
	if ((rebase = json_array()) == NULL ||
	    store_website_take(api->store, hb.agent, now, rebaseline_name,
	    rebase, err, sizeof(err)) == -1)
		log_warnx("heartbeat from %s: %s", hb.agent, rebase == NULL ?
		    "out of memory" : err);
	else if (json_array_size(rebase) > 0) {
		log_info("agent %s told to rebaseline %zu website(s)", hb.agent,
		    json_array_size(rebase));
		json_object_set(ans, "rebaseline", rebase);
	}
	json_decref(rebase);
	api_reply(rs, 200, ans);
	goto out;
bad:
	reject(api, rq, rs, 400, err);
out:
	json_decref(o);
	free(buf);
}

/*
 * 200 {"status":"ok"}, or 503 {"status":"failing","store":"disk full:
 * ..."} while the store's last write failed for a reason that may go
 * away and none succeeded since (store_health()).
 */
void
api_health(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	char why[300];

	(void)rq;
	if (api->store != NULL && store_health(api->store, why,
	    sizeof(why)) == 1) {
		api_reply(rs, 503, json_pack("{s:s, s:s, s:s}", "status",
		    "failing", "store", why, "version", shaobing_version));
		return;
	}
	api_reply(rs, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", shaobing_version));
}

/*
 * Is the agent named by a verified certificate still allowed (not
 * revoked)?  See api.h.
 */
int
api_agent_allowed(struct api *api, const struct api_request *rq,
    const char *agent, struct api_response *rs)
{
	int64_t		revoked, after = 0;
	uint64_t	last_seq;
	char		err[300], ts[32], msg[400];
	int		r;

	r = store_agent_access(api->store, agent, &revoked, &last_seq, err,
	    sizeof(err));
	if (r == 0 && revoked == 0 && store_agent_cert_after(api->store, agent,
	    &after, err, sizeof(err)) == -1)
		r = -1;
	if (r == -1) {
		const char *cause = store_retry_cause(api->store);

		log_errorx("%s", err);
		/* PostgreSQL restarting, SQLite busy: 503, come back. */
		if (cause != NULL)
			api_reply_store_retry(rs, "the request", cause);
		else
			api_reply_error(rs, 500, "store error; try again");
		return -1;
	}
	if (r == 0 && revoked == 0 && after != 0 &&
	    rq->peer_not_before_ms < after) {
		/* The old key of an agent whose name an administrator gave
		   to a new key (shaobing token create --replace). */
		api->rejected++;
		time_format_local(after, ts, sizeof(ts));
		snprintf(msg, sizeof(msg), "this certificate of agent '%s' was "
		    "replaced: the administrator gave the name to a new key "
		    "(certificates issued before %s are refused); enroll "
		    "again with a new token", agent, ts);
		log_warnx("refused %s from %s: an old certificate of agent '%s' "
		    "(replaced at %s)", rq->uri, rq->peer ? rq->peer : "?",
		    agent, ts);
		api_reply(rs, 403, json_pack("{s:s, s:b}", "error", msg,
		    "revoked", 1));
		return -1;
	}
	if (r == 1 || revoked == 0)
		return 0;
	api->rejected++;
	time_format_local(revoked, ts, sizeof(ts));
	snprintf(msg, sizeof(msg), "agent '%s' was revoked by the collector's "
	    "administrator at %s; it is refused until the administrator "
	    "un-revokes it (shaobing agents unrevoke %s)", agent, ts, agent);
	log_warnx("refused %s from %s: agent '%s' is revoked", rq->uri,
	    rq->peer ? rq->peer : "?", agent);
	api_reply(rs, 403, json_pack("{s:s, s:b}", "error", msg, "revoked", 1));
	return -1;
}

/* ---- admin ---------------------------------------------------------- */

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

int
api_query(struct evkeyvalq *q, const char *query, const char *const *names,
    const char **vals, char *err, size_t errlen)
{
	struct evkeyval	*kv, *o;
	char		 name[68], known[200];
	size_t		 i, n = 0;

	if (evhttp_parse_query_str(query, q) == -1) {
		snprintf(err, errlen, "malformed query string");
		return -1;
	}
	if (vals != NULL)
		for (i = 0; names[i] != NULL; i++)
			vals[i] = NULL;
	TAILQ_FOREACH(kv, q, next) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(kv->key, names[i]) == 0)
				break;
		printable(kv->key, name, sizeof(name));
		if (names[i] == NULL) {
			known[0] = '\0';
			for (i = 0; names[i] != NULL && n < sizeof(known); i++)
				n += (size_t)snprintf(known + n, sizeof(known) - n,
				    "%s%s", i ? "," : "", names[i]);
			snprintf(err, errlen, "unknown parameter '%s' (known: %s)",
			    name, names[0] ? known : "none");
			return -1;
		}
		for (o = TAILQ_FIRST(q); o != kv; o = TAILQ_NEXT(o, next))
			if (strcmp(o->key, kv->key) == 0) {
				snprintf(err, errlen, "parameter '%s' given twice",
				    name);
				return -1;
			}
		if (vals != NULL)
			vals[i] = kv->value;
	}
	return 0;
}

int
api_page_param(const char *key, const char *value, struct api_page *pg,
    char *err, size_t errlen)
{
	char	why[200];
	size_t	i, n;

	if (strcmp(key, "until") == 0) {
		if (time_parse_utc(value, &pg->until_ms) == -1) {
			snprintf(err, errlen, "until: expected UTC time like "
			    "2026-11-27T13:37:20.123Z");
			return -1;
		}
		if (pg->until_ms == 0)	/* 0 means "none"; the epoch is as good */
			pg->until_ms = 1;
	} else if (strcmp(key, "q") == 0) {
		n = strlen(value);
		if (n == 0 || n > API_PAGE_TEXT_MAX) {
			snprintf(err, errlen, "q: expected 1 to %d bytes of text",
			    API_PAGE_TEXT_MAX);
			return -1;
		}
		for (i = 0; i < n; i++)
			if ((unsigned char)value[i] < 0x20 ||
			    (unsigned char)value[i] == 0x7f) {
				snprintf(err, errlen, "q: control character at "
				    "byte %zu", i + 1);
				return -1;
			}
		pg->text = value;
	} else if (strcmp(key, "before_id") == 0) {
		if (parse_i64(value, 1, INT64_MAX, &pg->before_id, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "before_id: %s", why);
			return -1;
		}
	} else if (strcmp(key, "order") == 0) {
		if (strcmp(value, "asc") != 0 && strcmp(value, "desc") != 0) {
			snprintf(err, errlen, "order: expected asc or desc");
			return -1;
		}
		pg->desc = value[0] == 'd';
	} else
		return 0;
	return 1;
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
		api_reply_error(rs, 400, "agent: expected 1-63 characters of "
		    "A-Z a-z 0-9 . _ -");
		return -1;
	}
	r = store_agent_id(api->store, name, id, err, sizeof(err));
	if (r == -1) {
		log_errorx("admin: %s", err);
		api_reply_error(rs, 500, "store error; see the collector log");
		return -1;
	}
	if (r == 1) {
		snprintf(err, sizeof(err), "unknown agent '%s'", name);
		api_reply_error(rs, 404, err);
		return -1;
	}
	return 0;
}

const char *
api_agent_status(const struct agent_row *a, int64_t now_ms, double gap_factor)
{
	int down = (double)(now_ms - a->last_seen_ms) >
	    (double)a->heartbeat_interval_ms * gap_factor;

	/* A revoked agent is refused, so never "up" however recently it
	   knocked. */
	return a->revoked_ms != STORE_NO_TIME ? "revoked" : down ? "down" :
	    a->degraded ? "degraded" : "up";
}

struct agents_walk {
	json_t	*arr;
	int64_t	 now_ms;
	double	 gap_factor;
};

static int
agent_json(void *arg, const struct agent_row *a, char *err, size_t errlen)
{
	struct agents_walk *w = arg;

	if (api_append_new(w->arr, json_pack("{s:I, s:s, s:o, s:o, s:I, s:I, "
	    "s:s, s:b, s:b, s:o}", "id", (json_int_t)a->id, "name", a->name,
	    "first_seen", api_json_time(a->first_seen_ms), "last_seen",
	    api_json_time(a->last_seen_ms), "last_seq",
	    (json_int_t)a->last_seq, "events", (json_int_t)a->events,
	    "status", api_agent_status(a, w->now_ms, w->gap_factor),
	    "degraded", a->degraded, "revoked", a->revoked_ms !=
	    STORE_NO_TIME, "revoked_at", api_json_time(a->revoked_ms))) ==
	    -1) {
		snprintf(err, errlen, "listing agents: out of memory");
		return -1;
	}
	return 0;
}

int
api_agents_json(struct store *st, int64_t now_ms, double gap_factor,
    json_t **out, char *err, size_t errlen)
{
	struct agents_walk w = { json_array(), now_ms, gap_factor };

	*out = NULL;
	if (w.arr == NULL || store_list_agents(st, agent_json, &w, err,
	    errlen) == -1) {
		if (w.arr == NULL)
			snprintf(err, errlen, "listing agents: out of memory");
		json_decref(w.arr);
		return -1;
	}
	*out = w.arr;
	return 0;
}

static int
event_json(void *arg, const struct event_row *e, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*data = json_loadb(e->data, e->data_len, 0, &jerr);
	json_t		*o = json_pack("{s:I, s:s, s:I, s:o, s:o, s:s, s:s, s:s, "
	    "s:o}", "id", (json_int_t)e->id, "agent", e->agent, "seq",
	    (json_int_t)e->seq, "ts", api_json_time(e->ts_ms), "received",
	    api_json_time(e->received_ms), "type", e->type, "severity",
	    severity_name(e->severity), "key", e->key, "data", data ? data :
	    json_null());

	if (o != NULL && e->seq < 0 && json_object_set_new(o, "derived",
	    json_true()) == -1) {
		json_decref(o);
		o = NULL;
	}
	if (api_append_new(arg, o) == -1) {
		snprintf(err, errlen, "querying events: out of memory");
		return -1;
	}
	return 0;
}

int
api_events_json(struct store *st, const struct store_event_query *q,
    json_t **out, int64_t *next, char *err, size_t errlen)
{
	json_t *arr = json_array();

	*out = NULL;
	*next = 0;
	if (arr == NULL || store_query_events(st, q, event_json, arr, next,
	    err, errlen) == -1) {
		if (arr == NULL)
			snprintf(err, errlen, "querying events: out of memory");
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

static int
uptime_json(void *arg, const struct uptime_row *u, char *err, size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:s, s:o, s:o}", "agent", u->agent,
	    "start", api_json_time(u->start_ms), "end",
	    api_json_time(u->end_ms))) == -1) {
		snprintf(err, errlen, "listing uptime: out of memory");
		return -1;
	}
	return 0;
}

void
api_agents(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { NULL };
	struct evkeyvalq	 q;
	json_t			*arr;
	char			 err[300];

	TAILQ_INIT(&q);
	if (api_query(&q, rq->query, names, NULL, err, sizeof(err)) == -1) {
		api_reply_error(rs, 400, err);
		goto out;
	}
	if (api_agents_json(api->store, api->now(), api->conf->gap_factor,
	    &arr, err, sizeof(err)) == -1) {
		log_errorx("admin: %s", err);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o}", "agents", arr));
out:
	evhttp_clear_headers(&q);
}

void
api_event_list(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "agent", "since", "type", "limit",
		"after_id", API_PAGE_NAMES, NULL };
	struct evkeyvalq		 q;
	const char			*p[9];	/* in the order of names */
	struct store_event_query	 sq;
	struct api_page			 pg;
	json_t				*arr;
	int64_t				 v, next;
	char				 err[300], why[200];

	TAILQ_INIT(&q);
	memset(&sq, 0, sizeof(sq));
	memset(&pg, 0, sizeof(pg));
	sq.since_ms = INT64_MIN;
	sq.limit = ADMIN_LIMIT_DEFAULT;
	if (api_query(&q, rq->query, names, p, err, sizeof(err)) == -1)
		goto bad;
	for (int i = 5; i < 9; i++)
		if (p[i] != NULL && api_page_param(names[i], p[i], &pg, err,
		    sizeof(err)) == -1)
			goto bad;
	sq.until_ms = pg.until_ms;
	sq.text = pg.text;
	sq.before_id = pg.before_id;
	sq.desc = pg.desc;
	if (p[2] != NULL) {
		if (!event_name_ok(p[2], EVENT_TYPE_MAX)) {
			snprintf(err, sizeof(err), "type: expected 1-%d "
			    "characters of A-Z a-z 0-9 . _ -",
			    EVENT_TYPE_MAX - 1);
			goto bad;
		}
		sq.type = p[2];
	}
	if (p[1] != NULL && time_parse_utc(p[1], &sq.since_ms) == -1) {
		snprintf(err, sizeof(err), "since: expected UTC time like "
		    "2026-11-27T13:37:20.123Z");
		goto bad;
	}
	if (p[3] != NULL) {
		if (parse_i64(p[3], 1, ADMIN_LIMIT_MAX, &v, why,
		    sizeof(why)) == -1) {
			snprintf(err, sizeof(err), "limit: %s", why);
			goto bad;
		}
		sq.limit = (int)v;
	}
	if (p[4] != NULL) {
		if (parse_i64(p[4], 0, INT64_MAX, &v, why,
		    sizeof(why)) == -1) {
			snprintf(err, sizeof(err), "after_id: %s", why);
			goto bad;
		}
		sq.after_id = v;
	}
	if (admin_agent(api, p[0], &sq.agent_id, rs) == -1)
		goto out;
	if (api_events_json(api->store, &sq, &arr, &next, err,
	    sizeof(err)) == -1) {
		log_errorx("admin: %s", err);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o, s:o}", "events", arr,
	    sq.desc ? "next_before_id" : "next_after_id",
	    next > 0 ? json_integer(next) : json_null()));
	goto out;
bad:
	api_reply_error(rs, 400, err);
out:
	evhttp_clear_headers(&q);
}

void
api_uptime(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "agent", NULL };
	struct evkeyvalq	 q;
	const char		*p[1];	/* in the order of names */
	json_t			*arr = NULL;
	int64_t			 id;
	char			 err[300];

	TAILQ_INIT(&q);
	if (api_query(&q, rq->query, names, p, err, sizeof(err)) == -1) {
		api_reply_error(rs, 400, err);
		goto out;
	}
	if (admin_agent(api, p[0], &id, rs) == -1)
		goto out;
	if ((arr = json_array()) == NULL || store_list_uptime(api->store, id,
	    uptime_json, arr, err, sizeof(err)) == -1) {
		log_errorx("admin: %s", arr == NULL ? "out of memory" : err);
		json_decref(arr);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o}", "intervals", arr));
out:
	evhttp_clear_headers(&q);
}

/*
 * GET /api/v1/admin/indicators?from=YYYY-MM-DD&to=YYYY-MM-DD[&detail=1]
 * (local dates, both inclusive): the indicator document of
 * collector/indicator.h; detail=1 adds what `shaobing export` writes.
 */
void
api_indicators(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "from", "to", "detail", NULL };
	struct evkeyvalq	 q;
	const char		*p[3];	/* in the order of names */
	struct indicator_period	 per;
	json_t			*doc;
	char			 err[300], why[200];
	int			 detail = 0;

	TAILQ_INIT(&q);
	if (api_query(&q, rq->query, names, p, err, sizeof(err)) == -1)
		goto bad;
	if (p[0] == NULL || p[1] == NULL) {
		snprintf(err, sizeof(err), "from and to are required "
		    "(local dates like 2026-01-01 and 2026-12-31)");
		goto bad;
	}
	if (indicator_period_parse(p[0], p[1], &per, why,
	    sizeof(why)) == -1) {
		snprintf(err, sizeof(err), "%s", why);
		goto bad;
	}
	if (p[2] != NULL) {
		if (strcmp(p[2], "0") != 0 && strcmp(p[2], "1") != 0) {
			snprintf(err, sizeof(err), "detail: expected 0 or 1");
			goto bad;
		}
		detail = p[2][0] == '1';
	}
	if (indicator_compute(api->store, &api->conf->sched, &api->conf->ind,
	    &per, api->now(), detail, &doc, err, sizeof(err)) == -1) {
		log_errorx("admin: indicators: %s", err);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	api_reply(rs, 200, doc);
	goto out;
bad:
	api_reply_error(rs, 400, err);
out:
	evhttp_clear_headers(&q);
}
