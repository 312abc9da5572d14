/*
 * Admin API of the asset register (rows of access.c's admin table):
 *
 *   GET  /api/v1/admin/assets[?kind=managed|unmanaged|target]
 *        → {"assets":[...]} (asset_list_json)
 *   GET  /api/v1/admin/asset?id=N
 *        → {"asset":{...}, "inventory":SNAPSHOT|null, "snapshots":[...]}
 *   POST /api/v1/admin/asset?id=N  body {"owner":"张三", ...}
 *        → {"asset":{...}} after the fields were validated and stored
 *   GET  /api/v1/admin/asset/diff?id=N[&since=ISO_UTC]
 *        → asset_diff()
 * Errors {"error":"..."}: 400 bad parameter or body, 404 unknown asset,
 * 405 wrong method.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collector/api.h"
#include "collector/asset.h"
#include "collector/store_asset.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/timeutil.h"

#define ASSET_BODY_MAX	(64 * 1024)

/* An asset's time, null when none (0). */
static json_t *
asset_time(int64_t ms)
{
	return api_json_time(ms > 0 ? ms : STORE_NO_TIME);
}

const char *
asset_status(const struct asset_row *a, int64_t now_ms, double gap_factor,
    int64_t absent_ms)
{
	if (strcmp(a->kind, "managed") == 0)
		return a->agent_last_seen_ms == STORE_NO_TIME ||
		    (double)(now_ms - a->agent_last_seen_ms) >
		    (double)a->agent_heartbeat_ms * gap_factor ? "down" : "up";
	if (strcmp(a->kind, "target") == 0)
		return a->up ? "up" : "down";
	return now_ms - a->last_seen_ms <= absent_ms ? "present" : "absent";
}

struct asset_view {
	json_t	*out;		/* the array, or the one asset */
	int64_t	 now_ms;
	double	 gap_factor;
	int64_t	 absent_ms;
};

static json_t *
asset_json(const struct asset_view *v, const struct asset_row *a)
{
	json_t *o = json_pack("{s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, "
	    "s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
	    "id", a->id == 0 ? json_null() : json_integer(a->id),
	    "kind", a->kind, "name", a->name,
	    "agent", a->agent == NULL ? json_null() : json_string(a->agent),
	    "machine_id", a->machine_id == NULL ? json_null() :
	    json_string(a->machine_id),
	    "os", a->os, "ip", a->ip, "mac", a->mac, "vendor", a->vendor,
	    "source", a->source, "first_seen", asset_time(a->first_seen_ms),
	    "last_seen", asset_time(a->last_seen_ms), "status",
	    asset_status(a, v->now_ms, v->gap_factor, v->absent_ms),
	    "tag", a->tag, "owner", a->owner, "department", a->department,
	    "location", a->location, "purchase_date", a->purchase_date,
	    "notes", a->notes, "snapshots", (json_int_t)a->snapshots);

	/* Agentless equipment: its kind (printer, switch, ...) and model. */
	if (o != NULL && *a->device_kind != '\0')
		json_object_update_new(o, json_pack("{s:s, s:s}", "device_kind",
		    a->device_kind, "model", a->model));
	return o;
}

static int
asset_append(void *arg, const struct asset_row *a, char *err, size_t errlen)
{
	struct asset_view *v = arg;

	if (api_append_new(v->out, asset_json(v, a)) == -1) {
		snprintf(err, errlen, "listing assets: out of memory");
		return -1;
	}
	return 0;
}

static int
asset_one(void *arg, const struct asset_row *a, char *err, size_t errlen)
{
	struct asset_view *v = arg;

	if ((v->out = asset_json(v, a)) == NULL) {
		snprintf(err, errlen, "reading an asset: out of memory");
		return -1;
	}
	return 0;
}

int
asset_list_json(struct store *st, const char *kind, int64_t now_ms,
    double gap_factor, int64_t absent_ms, json_t **out, char *err,
    size_t errlen)
{
	struct asset_view v = { json_array(), now_ms, gap_factor, absent_ms };

	*out = NULL;
	if (v.out == NULL || store_asset_list(st, kind, asset_append, &v, err,
	    errlen) == -1) {
		if (v.out == NULL)
			snprintf(err, errlen, "listing assets: out of memory");
		json_decref(v.out);
		return -1;
	}
	*out = v.out;
	return 0;
}

int
asset_get_json(struct store *st, int64_t id, int64_t now_ms,
    double gap_factor, int64_t absent_ms, json_t **out, char *err,
    size_t errlen)
{
	struct asset_view	v = { NULL, now_ms, gap_factor, absent_ms };
	int			r;

	*out = NULL;
	if ((r = store_asset_get(st, id, asset_one, &v, err, errlen)) == 0)
		*out = v.out;
	return r;
}

static int
snapshot_json(void *arg, const struct asset_snapshot_row *sn, char *err,
    size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:I, s:s, s:o, s:o, s:o, s:I, s:I}",
	    "id", (json_int_t)sn->id, "hash", sn->hash, "collected",
	    asset_time(sn->collected_ms), "received",
	    asset_time(sn->received_ms), "confirmed",
	    asset_time(sn->confirmed_ms), "json_bytes",
	    (json_int_t)sn->json_bytes, "stored_bytes",
	    (json_int_t)sn->stored_bytes)) == -1) {
		snprintf(err, errlen, "listing snapshots: out of memory");
		return -1;
	}
	return 0;
}

int
asset_snapshots_json(struct store *st, int64_t id, json_t **out, char *err,
    size_t errlen)
{
	json_t *arr = json_array();

	*out = NULL;
	if (arr == NULL || store_asset_snapshot_list(st, id, snapshot_json,
	    arr, err, errlen) == -1) {
		if (arr == NULL)
			snprintf(err, errlen, "listing snapshots: out of memory");
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

static void
store_failed(struct api_response *rs, const char *err)
{
	log_errorx("admin: assets: %s", err);
	api_reply_error(rs, 500, "store error; see the collector log");
}

static int
param_id(const char *v, int64_t *id, char *err, size_t errlen)
{
	char why[160];

	if (v == NULL) {
		snprintf(err, errlen, "id is required (an asset id from "
		    "`shaobing assets`)");
		return -1;
	}
	if (parse_i64(v, 1, INT64_MAX, id, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "id: %s", why);
		return -1;
	}
	return 0;
}

void
asset_api_list(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const allowed[] = { "kind", NULL };
	struct evkeyvalq	 q;
	const char		*vals[1] = { NULL };
	json_t			*arr;
	char			 err[300];

	TAILQ_INIT(&q);
	if (rq->method != API_GET) {
		api_reply_error(rs, 405, "use GET");
		goto out;
	}
	if (api_query(&q, rq->query, allowed, vals, err, sizeof(err)) == -1) {
		api_reply_error(rs, 400, err);
		goto out;
	}
	if (vals[0] != NULL && strcmp(vals[0], "managed") != 0 &&
	    strcmp(vals[0], "unmanaged") != 0 && strcmp(vals[0], "target") != 0) {
		api_reply_error(rs, 400, "kind: expected managed, unmanaged or target");
		goto out;
	}
	if (asset_list_json(api->store, vals[0], api->now(),
	    api->conf->gap_factor, ASSET_ABSENT_MS, &arr, err,
	    sizeof(err)) == -1) {
		store_failed(rs, err);
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o}", "assets", arr));
out:
	evhttp_clear_headers(&q);
}

/* The asset with its current inventory and snapshot history. */
static void
asset_show(struct api *api, int64_t id, struct api_response *rs)
{
	json_t	*asset = NULL, *snaps = NULL, *inv = NULL;
	char	 err[300], hash[ASSET_HASH_HEX];
	int64_t	 snap_id;
	int	 r;

	r = asset_get_json(api->store, id, api->now(), api->conf->gap_factor,
	    ASSET_ABSENT_MS, &asset, err, sizeof(err));
	if (r == 1) {
		snprintf(err, sizeof(err), "unknown asset %" PRId64, id);
		api_reply_error(rs, 404, err);
		return;
	}
	if (r == -1 || asset_snapshots_json(api->store, id, &snaps, err,
	    sizeof(err)) == -1 ||
	    (r = store_asset_snapshot_last(api->store, id, &snap_id, hash, err,
	    sizeof(err))) == -1 ||
	    (r == 0 && store_asset_snapshot_load(api->store, snap_id, &inv, err,
	    sizeof(err)) != 0)) {
		json_decref(asset);
		json_decref(snaps);
		store_failed(rs, err);
		return;
	}
	api_reply(rs, 200, json_pack("{s:o, s:o, s:o}", "asset", asset,
	    "inventory", inv ? inv : json_null(), "snapshots", snaps));
}

static void
asset_set(struct api *api, const struct api_request *rq, int64_t id,
    struct api_response *rs)
{
	json_t	*body = NULL;
	char	 err[300], why[240];
	int	 r;

	if (rq->bodylen > ASSET_BODY_MAX) {
		api_reply_error(rs, 413, "body larger than 64 KiB");
		return;
	}
	if ((body = json_parse_bounded(rq->body ? rq->body : "", rq->bodylen,
	    4, why, sizeof(why))) == NULL) {
		snprintf(err, sizeof(err), "body: %s", why);
		api_reply_error(rs, 400, err);
		return;
	}
	if (asset_fields_check(body, why, sizeof(why)) == -1) {
		api_reply_error(rs, 400, why);
		goto out;
	}
	{
#define M(name)	json_string_value(json_object_get(body, name))
		struct asset_fields f = { M("tag"), M("owner"),
			M("department"), M("location"), M("purchase_date"),
			M("notes") };
#undef M

		r = store_asset_set(api->store, id, &f, api->now(), err,
		    sizeof(err));
	}
	if (r == 1) {
		snprintf(err, sizeof(err), "unknown asset %" PRId64 " (agents "
		    "without an inventory yet cannot be edited)", id);
		api_reply_error(rs, 404, err);
		goto out;
	}
	if (r == -1) {
		store_failed(rs, err);
		goto out;
	}
	log_info("admin: asset %" PRId64 ": %zu field(s) set from %s", id,
	    json_object_size(body), rq->peer ? rq->peer : "?");
	asset_show(api, id, rs);
out:
	json_decref(body);
}

void
asset_api_one(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const allowed[] = { "id", NULL };
	struct evkeyvalq	 q;
	const char		*vals[1] = { NULL };
	char			 err[300];
	int64_t			 id;

	TAILQ_INIT(&q);
	if (rq->method != API_GET && rq->method != API_POST) {
		api_reply_error(rs, 405, "use GET or POST");
		goto out;
	}
	if (api_query(&q, rq->query, allowed, vals, err, sizeof(err)) == -1 ||
	    param_id(vals[0], &id, err, sizeof(err)) == -1) {
		api_reply_error(rs, 400, err);
		goto out;
	}
	if (rq->method == API_POST)
		asset_set(api, rq, id, rs);
	else
		asset_show(api, id, rs);
out:
	evhttp_clear_headers(&q);
}

void
asset_api_diff(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const allowed[] = { "id", "since", NULL };
	struct evkeyvalq	 q;
	const char		*vals[2] = { NULL, NULL };
	char			 err[300];
	int64_t			 id, since = INT64_MIN;
	json_t			*out;
	int			 r;

	TAILQ_INIT(&q);
	if (rq->method != API_GET) {
		api_reply_error(rs, 405, "use GET");
		goto out;
	}
	if (api_query(&q, rq->query, allowed, vals, err, sizeof(err)) == -1 ||
	    param_id(vals[0], &id, err, sizeof(err)) == -1) {
		api_reply_error(rs, 400, err);
		goto out;
	}
	if (vals[1] != NULL && time_parse_utc(vals[1], &since) == -1) {
		api_reply_error(rs, 400, "since: expected UTC time like "
		    "2026-11-27T13:37:20.123Z");
		goto out;
	}
	r = asset_diff(api->store, api->conf, id, since, &out, err, sizeof(err));
	if (r == 1) {
		snprintf(err, sizeof(err), "asset %" PRId64 " is unknown or has "
		    "no inventory snapshot", id);
		api_reply_error(rs, 404, err);
	} else if (r == -1)
		store_failed(rs, err);
	else
		api_reply(rs, 200, out);
out:
	evhttp_clear_headers(&q);
}
