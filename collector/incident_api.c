/*
 * Admin API routes of the incident log (rows of access.c's admin table):
 *
 *   GET  /api/v1/admin/incidents?status=&since=&level=&category=&limit=&after_id=
 *        → {"incidents":[...], "next_after_id": ID|null}
 *   GET  /api/v1/admin/incidents/ID → {"incident":{..., events, trail,
 *        notifications (each send), notify_outbox (each message to send:
 *        pending, claimed by which collector until when, sent, failed),
 *        timings}}
 *   POST /api/v1/admin/incidents/ID/ACTION  (ack, resolve, false-positive,
 *        reopen), body {"actor":"NAME","note":"TEXT"} → {"incident":{...}};
 *        409 when the status does not allow it or a needed note is missing
 *   GET  /api/v1/admin/audit/verify → {"ok":true,"rows":N} or
 *        {"ok":false,"rows":N,"broken_id":ID,"error":"..."}
 *   GET  /api/v1/admin/channels → {"channels":[{name, type, target,
 *        min_level, categories, recovery, last:[sends]}]}
 *   POST /api/v1/admin/channels/NAME/test → a test message through NAME
 *   GET  /api/v1/admin/taxonomy → {"levels":[{level,code,zh}],
 *        "statuses":[{name,zh,en}], "categories":[{code,zh,en}],
 *        "types":[{name,category,subcategory,zh,en,opens_incident}]}
 *        (common/taxonomy.h, for the console's labels)
 *
 * The actor is the identity access control authenticated (the Unix
 * user on the admin socket, "apitoken:N" for a token); body.actor is
 * used only when there is none.  The source is the peer address.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collector/api.h"
#include "collector/collector.h"
#include "collector/incident.h"
#include "collector/notify.h"
#include "collector/outbox.h"
#include "common/log.h"
#include "common/timeutil.h"

#define INCIDENT_LIMIT_DEFAULT	100
#define INCIDENT_LIMIT_MAX	10000

static void
store_failed(struct api_response *rs, const char *err)
{
	log_errorx("admin: incidents: %s", err);
	api_reply_error(rs, 500, "store error; see the collector log");
}

/* A level name (common/taxonomy.h) or its number 1..4 → level; 0 if none. */
static int
level_parse(const char *s)
{
	if (s[0] >= '0' + TAX_LEVEL_I && s[0] <= '0' + TAX_LEVEL_IV &&
	    s[1] == '\0')
		return s[0] - '0';
	return tax_level_parse(s);
}

static void
list(struct api *api, const char *query, struct api_response *rs)
{
	static const char *const names[] = { "status", "since", "level",
		"category", "limit", "after_id", "asset", API_PAGE_NAMES, NULL };
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	struct incident_query	 iq;
	struct api_page		 pg;
	int			 r;
	json_t			*arr;
	int64_t			 v, next;
	char			 err[300], why[200];

	TAILQ_INIT(&q);
	memset(&iq, 0, sizeof(iq));
	memset(&pg, 0, sizeof(pg));
	iq.since_ms = INT64_MIN;
	iq.limit = INCIDENT_LIMIT_DEFAULT;
	if (api_query(&q, query, names, NULL, err, sizeof(err)) == -1)
		goto bad;
	TAILQ_FOREACH(kv, &q, next) {
		if ((r = api_page_param(kv->key, kv->value, &pg, err,
		    sizeof(err))) == -1)
			goto bad;
		if (r == 1)
			continue;
		if (strcmp(kv->key, "asset") == 0) {
			if (kv->value[0] == '\0' || strlen(kv->value) > 255) {
				snprintf(err, sizeof(err), "asset: expected 1 to "
				    "255 bytes (an asset or agent name)");
				goto bad;
			}
			iq.asset = kv->value;
		} else if (strcmp(kv->key, "status") == 0) {
			if (tax_status_parse(kv->value) == -1) {
				snprintf(err, sizeof(err), "status: expected open, "
				    "acknowledged, resolved or false_positive");
				goto bad;
			}
			iq.status = kv->value;
		} else if (strcmp(kv->key, "category") == 0) {
			if (!event_name_ok(kv->value, 16)) {
				snprintf(err, sizeof(err), "category: expected a "
				    "code like NA, NASCAN, SHE, DE");
				goto bad;
			}
			iq.category = kv->value;
		} else if (strcmp(kv->key, "level") == 0) {
			if ((iq.level = level_parse(kv->value)) == 0) {
				snprintf(err, sizeof(err), "level: expected IV, III, "
				    "II or I (this level and above)");
				goto bad;
			}
		} else if (strcmp(kv->key, "since") == 0) {
			if (time_parse_utc(kv->value, &iq.since_ms) == -1) {
				snprintf(err, sizeof(err), "since: expected UTC "
				    "time like 2026-11-27T13:37:20.123Z");
				goto bad;
			}
		} else if (strcmp(kv->key, "limit") == 0) {
			if (parse_i64(kv->value, 1, INCIDENT_LIMIT_MAX, &v, why,
			    sizeof(why)) == -1) {
				snprintf(err, sizeof(err), "limit: %s", why);
				goto bad;
			}
			iq.limit = (int)v;
		} else {	/* after_id */
			if (parse_i64(kv->value, 0, INT64_MAX, &iq.after_id, why,
			    sizeof(why)) == -1) {
				snprintf(err, sizeof(err), "after_id: %s", why);
				goto bad;
			}
		}
	}
	iq.until_ms = pg.until_ms;
	iq.text = pg.text;
	iq.before_id = pg.before_id;
	iq.desc = pg.desc;
	if (incident_list_json(api->store, &iq, &arr, &next, err,
	    sizeof(err)) == -1) {
		store_failed(rs, err);
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o, s:o}", "incidents", arr,
	    iq.desc ? "next_before_id" : "next_after_id",
	    next > 0 ? json_integer(next) : json_null()));
	goto out;
bad:
	api_reply_error(rs, 400, err);
out:
	evhttp_clear_headers(&q);
}

static json_t *
incident_json(const struct incident_row *i)
{
	const struct tax_category *c = tax_category_find(i->category);

	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:o, s:i, s:s, s:s, s:s, "
	    "s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)i->id, "key", api_json_text(i->key),
	    "type", api_json_text(i->type),
	    "category", i->category ? i->category : "",
	    "category_zh", c != NULL ? c->zh : "",
	    "subcategory", api_json_text(i->subcategory),
	    "level", i->level, "level_code", tax_level_code(i->level),
	    "level_zh", tax_level_zh(i->level),
	    "severity", severity_name(i->severity),
	    "status", api_json_text(i->status),
	    "agent", api_json_text(i->agent),
	    "asset", api_json_text(i->asset),
	    "title", api_json_text(i->title),
	    "count", (json_int_t)i->count,
	    "first_seen", api_json_time(i->first_seen_ms),
	    "last_seen", api_json_time(i->last_seen_ms),
	    "received", api_json_time(i->received_ms),
	    "notified", api_json_time(i->notified_ms),
	    "acknowledged", api_json_time(i->acknowledged_ms),
	    "resolved", api_json_time(i->resolved_ms),
	    "report_deadline", api_json_time(i->report_deadline_ms));
}

static int
incident_append(void *arg, const struct incident_row *i, char *err,
    size_t errlen)
{
	if (api_append_new(arg, incident_json(i)) == -1) {
		snprintf(err, errlen, "listing incidents: out of memory");
		return -1;
	}
	return 0;
}

int
incident_list_json(struct store *st, const struct incident_query *q,
    json_t **out, int64_t *next, char *err, size_t errlen)
{
	json_t *arr = json_array();

	*out = NULL;
	*next = 0;
	if (arr == NULL || store_incident_list(st, q, incident_append, arr,
	    next, err, errlen) == -1) {
		if (arr == NULL)
			snprintf(err, errlen, "listing incidents: out of memory");
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

/* b - a in ms, null when either is unknown. */
static json_t *
ms_between(int64_t a, int64_t b)
{
	if (a == STORE_NO_TIME || b == STORE_NO_TIME)
		return json_null();
	return json_integer(b - a);
}

static int
incident_one(void *arg, const struct incident_row *i, char *err,
    size_t errlen)
{
	json_t **inc = arg;

	/* Feedback timings in ms: detected → stored → notified → acked. */
	if ((*inc = incident_json(i)) == NULL || json_object_set_new(*inc,
	    "timings", json_pack("{s:o, s:o, s:o}",
	    "stored_ms", ms_between(i->first_seen_ms, i->received_ms),
	    "notified_ms", ms_between(i->first_seen_ms, i->notified_ms),
	    "acknowledged_ms", ms_between(i->first_seen_ms,
	    i->acknowledged_ms))) == -1) {
		snprintf(err, errlen, "reading incident %" PRId64 ": out of "
		    "memory", i->id);
		return -1;
	}
	return 0;
}

static int
incident_event_json(void *arg, const struct event_row *e, char *err,
    size_t errlen)
{
	json_error_t	 jerr;
	json_t		*data = json_loadb(e->data, e->data_len, 0, &jerr);

	if (api_append_new(arg, json_pack("{s:I, s:I, s:o, s:o, s:s, s:o, "
	    "s:o}", "id", (json_int_t)e->id, "seq", (json_int_t)e->seq,
	    "ts", api_json_time(e->ts_ms), "received",
	    api_json_time(e->received_ms), "severity",
	    severity_name(e->severity), "key", api_json_text(e->key),
	    "data", data ? data : json_null())) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
trail_json(void *arg, const struct trail_row *t, char *err, size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o}", "id", (json_int_t)t->id, "ts",
	    api_json_time(t->ts_ms), "actor", api_json_text(t->actor),
	    "source", api_json_text(t->source), "action",
	    api_json_text(t->action), "from", api_json_text(t->from), "to",
	    api_json_text(t->to), "note", api_json_text(t->note), "hash",
	    api_json_text(t->hash))) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
send_json(void *arg, const struct notification_row *n, char *err,
    size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:I, s:o, s:o, s:b, s:i, s:b, s:o}",
	    "id", (json_int_t)n->id, "channel", api_json_text(n->channel),
	    "ts", api_json_time(n->ts_ms), "ok", n->ok, "attempt",
	    n->attempt, "digest", n->digest, "error",
	    api_json_text(n->error))) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* A notify_outbox row: pending (nobody holds it), claimed (by which
   collector, until when), sent or failed (when, why). */
static int
outbox_json(void *arg, const struct outbox_row *o, char *err, size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, "
	    "s:I, s:o, s:o}", "id", (json_int_t)o->id, "kind", o->recovery ?
	    "recovery" : "incident", "state", o->state, "created",
	    api_json_time(o->created_ms), "claimed_by",
	    api_json_text(o->claimed_by), "lease_until",
	    api_json_time(o->lease_until_ms), "claims", (json_int_t)o->claims,
	    "done", api_json_time(o->done_ms), "error",
	    api_json_text(o->error))) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
incident_get_json(struct store *st, int64_t id, json_t **out, char *err,
    size_t errlen)
{
	json_t	*inc = NULL;
	json_t	*evs = json_array(), *trail = json_array();
	json_t	*sends = json_array(), *outbox = json_array();
	int	 rc = -1;

	*out = NULL;
	if (evs == NULL || trail == NULL || sends == NULL || outbox == NULL) {
		snprintf(err, errlen, "reading incident %" PRId64 ": out of "
		    "memory", id);
		goto out;
	}
	if ((rc = store_incident_get(st, id, incident_one, &inc, err,
	    errlen)) != 0)
		goto out;
	rc = -1;
	if (store_incident_events(st, id, incident_event_json, evs, err,
	    errlen) == -1 ||
	    store_incident_trail(st, id, trail_json, trail, err, errlen) ==
	    -1 ||
	    store_incident_notifications(st, id, send_json, sends, err,
	    errlen) == -1 ||
	    store_incident_outbox(st, id, outbox_json, outbox, err,
	    errlen) == -1)
		goto out;
	if (json_object_set(inc, "events", evs) == -1 ||
	    json_object_set(inc, "trail", trail) == -1 ||
	    json_object_set(inc, "notifications", sends) == -1 ||
	    json_object_set(inc, "notify_outbox", outbox) == -1) {
		snprintf(err, errlen, "reading incident %" PRId64 ": out of "
		    "memory", id);
		goto out;
	}
	*out = inc;
	inc = NULL;
	rc = 0;
out:
	json_decref(inc);
	json_decref(evs);
	json_decref(trail);
	json_decref(sends);
	json_decref(outbox);
	return rc;
}

static void
show(struct api *api, int64_t id, struct api_response *rs)
{
	json_t	*inc;
	char	 err[300];
	int	 r = incident_get_json(api->store, id, &inc, err, sizeof(err));

	if (r == -1)
		store_failed(rs, err);
	else if (r == 1) {
		snprintf(err, sizeof(err), "no incident %" PRId64, id);
		api_reply_error(rs, 404, err);
	} else
		api_reply(rs, 200, json_pack("{s:o}", "incident", inc));
}

/* Printable text: no control characters but (for notes) newline and tab. */
static int
text_ok(const char *s, int multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) ||
		    c == 0x7f)
			return 0;
	}
	return 1;
}

static void
act(struct api *api, const struct api_request *rq, int64_t id,
    enum incident_action a, struct api_response *rs)
{
	json_t		*o = NULL, *v, *inc;
	const char	*actor = "admin", *note = "", *k;
	char		 err[512], source[INCIDENT_SOURCE_MAX];
	int		 r;

	if (rq->bodylen > 0) {
		o = json_parse_bounded(rq->body, rq->bodylen, 2, err,
		    sizeof(err));
		if (o == NULL || !json_is_object(o)) {
			if (o != NULL)
				snprintf(err, sizeof(err), "body: expected an "
				    "object");
			goto bad;
		}
		json_object_foreach(o, k, v) {
			if (strcmp(k, "actor") != 0 && strcmp(k, "note") != 0) {
				snprintf(err, sizeof(err), "body: unknown field "
				    "'%.64s' (known: actor, note)", k);
				goto bad;
			}
			if (!json_is_string(v)) {
				snprintf(err, sizeof(err), "body.%s: expected a "
				    "string", k);
				goto bad;
			}
		}
		if ((v = json_object_get(o, "actor")) != NULL)
			actor = json_string_value(v);
		if ((v = json_object_get(o, "note")) != NULL)
			note = json_string_value(v);
	}
	/* Behind access control the authenticated identity is the actor;
	   what the client says counts only without it (tests, fuzzing). */
	if (rq->actor != NULL && *rq->actor != '\0')
		actor = rq->actor;
	if (*actor == '\0' || strlen(actor) >= INCIDENT_ACTOR_MAX ||
	    !text_ok(actor, 0)) {
		snprintf(err, sizeof(err), "body.actor: expected 1-%d printable "
		    "bytes", INCIDENT_ACTOR_MAX - 1);
		goto bad;
	}
	if (!text_ok(note, 1)) {
		snprintf(err, sizeof(err), "body.note: control characters are "
		    "not allowed");
		goto bad;
	}
	snprintf(source, sizeof(source), "%s", rq->peer ? rq->peer : "local");
	r = incidents_act(api->incidents, id, a, actor, source, note,
	    api->now(), &inc, err, sizeof(err));
	if (r == -1)
		store_failed(rs, err);
	else if (r == 1)
		api_reply_error(rs, 404, err);
	else if (r == 2)
		api_reply_error(rs, 409, err);
	else
		api_reply(rs, 200, json_pack("{s:o}", "incident", inc));
	goto out;
bad:
	api_reply_error(rs, 400, err);
out:
	json_decref(o);
}

static void
verify(struct api *api, struct api_response *rs)
{
	int64_t	rows, broken;
	char	why[512];

	if (store_incident_verify(api->store, &rows, &broken, why,
	    sizeof(why)) == -1) {
		store_failed(rs, why);
		return;
	}
	if (broken == 0)
		api_reply(rs, 200, json_pack("{s:b, s:I}", "ok", 1, "rows",
		    (json_int_t)rows));
	else {
		log_warnx("audit: incident trail broken at row %" PRId64 ": %s; "
		    "restore the database from a backup and find out who "
		    "edited it", broken, why);
		api_reply(rs, 200, json_pack("{s:b, s:I, s:I, s:s}", "ok", 0,
		    "rows", (json_int_t)rows, "broken_id", (json_int_t)broken,
		    "error", why));
	}
}

void
incident_api_verify(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	(void)rq;
	verify(api, rs);
}

void
incident_api_list(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	list(api, rq->query, rs);
}

void
incident_api_show(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	show(api, strtoll(rq->arg[0], NULL, 10), rs);	/* :id: digits */
}

void
incident_api_act(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	enum incident_action	 a;
	const char		*action = strrchr(rq->path, '/') + 1;

	if (incident_action_parse(action, &a) == -1)
		api_reply_error(rs, 404, "unknown path");
	else if (api->incidents == NULL)
		api_reply_error(rs, 503, "the incident engine is not running");
	else
		act(api, rq, strtoll(rq->arg[0], NULL, 10), a, rs);
}

/* The tables of common/taxonomy.h as JSON; NULL when out of memory. */
static json_t *
taxonomy_json(void)
{
	json_t *o = json_pack("{s:[], s:[], s:[], s:[]}", "levels", "statuses",
	    "categories", "types");
	json_t *lv = json_object_get(o, "levels");
	json_t *st = json_object_get(o, "statuses");
	json_t *ca = json_object_get(o, "categories");
	json_t *ty = json_object_get(o, "types");
	int	bad = o == NULL;

	for (int l = TAX_LEVEL_I; !bad && l <= TAX_LEVEL_IV; l++)
		bad = json_array_append_new(lv, json_pack("{s:i, s:s, s:s}",
		    "level", l, "code", tax_level_code(l), "zh",
		    tax_level_zh(l))) == -1;
	for (int s = 0; !bad && s < TAX_STATUS_COUNT; s++)
		bad = json_array_append_new(st, json_pack("{s:s, s:s, s:s}",
		    "name", tax_status_name(s), "zh", tax_status_zh(s), "en",
		    tax_status_en(s))) == -1;
	for (size_t i = 0; !bad && i < tax_ncategories; i++)
		bad = json_array_append_new(ca, json_pack("{s:s, s:s, s:s}",
		    "code", tax_categories[i].code, "zh", tax_categories[i].zh,
		    "en", tax_categories[i].en)) == -1;
	for (size_t i = 0; !bad && i < tax_ntypes; i++)
		bad = json_array_append_new(ty, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:b}", "name", tax_types[i].name, "category",
		    tax_types[i].category, "subcategory", tax_types[i].subcategory,
		    "zh", tax_types[i].zh, "en", tax_types[i].en,
		    "opens_incident", tax_types[i].opens_incident)) == -1;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
incident_api_taxonomy(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	(void)api;
	(void)rq;
	api_reply(rs, 200, taxonomy_json());
}

#define CHANNEL_LAST	5	/* sends shown per channel */

/* Where a channel sends, without secrets: scheme://host of its URL (a
   robot's token sits in the path or query), or the SMTP host and the
   recipients. */
static json_t *
channel_target(const struct notify_channel_conf *ch)
{
	const char	*u = ch->type == NOTIFY_EMAIL ? ch->smtp_url : ch->url;
	const char	*sep = strstr(u, "://"), *h = sep ? sep + 3 : u, *at;
	size_t		 n = strcspn(h, "/?#");
	char		 buf[1400];

	if ((at = memchr(h, '@', n)) != NULL) {		/* user:pass@ */
		n -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	snprintf(buf, sizeof(buf), "%.*s%.*s%s%s", sep ? (int)(sep + 3 - u) :
	    0, u, (int)n, h, ch->type == NOTIFY_EMAIL ? " → " : "",
	    ch->type == NOTIFY_EMAIL ? ch->to : "");
	return json_string(buf);
}

static int
recent_json(void *arg, const struct notification_row *n, char *err,
    size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:o, s:o, s:b, s:i, s:b, s:o}",
	    "incident_id", n->incident_id > 0 ? json_integer(n->incident_id) :
	    json_null(), "ts", api_json_time(n->ts_ms), "ok", n->ok,
	    "attempts", n->attempt, "digest", n->digest, "error",
	    api_json_text(n->error))) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
incident_api_channels(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	const struct notify_conf	*nc = api->conf ? &api->conf->notify : NULL;
	json_t				*arr = json_array(), *last;
	char				 err[300];

	(void)rq;
	for (size_t i = 0; arr != NULL && nc != NULL && i < nc->n; i++) {
		const struct notify_channel_conf *ch = &nc->ch[i];

		if ((last = json_array()) == NULL ||
		    store_notify_recent(api->store, ch->name, CHANNEL_LAST,
		    recent_json, last, err, sizeof(err)) == -1) {
			store_failed(rs, last == NULL ? "out of memory" : err);
			json_decref(last);
			json_decref(arr);
			return;
		}
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, "
		    "s:s, s:b, s:i, s:o}", "name", ch->name, "type",
		    notify_type_name(ch->type), "target", channel_target(ch),
		    "min_level", tax_level_code(ch->min_level), "categories",
		    ch->categories, "recovery", ch->recovery, "storm_threshold",
		    ch->storm_threshold, "last", last)) == -1) {
			json_decref(arr);
			arr = NULL;
		}
	}
	api_reply(rs, 200, arr ? json_pack("{s:o, s:b}", "channels", arr,
	    "sending", api->incidents != NULL &&
	    incidents_notifier(api->incidents) != NULL) : NULL);
}

void
incident_api_channel_test(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	const char		*actor = rq->actor ? rq->actor : "?";
	struct notifier		*n = api->incidents ?
				    incidents_notifier(api->incidents) : NULL;
	struct notify_msg	 m;
	int			 r;

	memset(&m, 0, sizeof(m));
	snprintf(m.title, sizeof(m.title), "测试消息 test message (%s)", actor);
	snprintf(m.category, sizeof(m.category), "OT");
	m.level = TAX_LEVEL_IV;
	snprintf(m.status, sizeof(m.status), "open");
	snprintf(m.agent, sizeof(m.agent), "-");
	snprintf(m.key, sizeof(m.key), "test");
	m.first_seen_ms = api->now();
	if (n == NULL)
		r = 1;
	else if ((r = notify_submit_to(n, rq->arg[0], &m)) == -1) {
		api_reply_error(rs, 500, "out of memory");
		return;
	}
	if (r == 1) {
		api_reply_error(rs, 404, "no such notification channel");
		return;
	}
	log_info("%s sent a test message through channel %s", actor,
	    rq->arg[0]);
	api_reply(rs, 200, json_pack("{s:b, s:s}", "queued", 1, "channel",
	    rq->arg[0]));
}
