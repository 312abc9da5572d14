/*
 * The collector's routes and the middleware in front of them (see
 * collector/access.h): authentication, scope and the audit row for the
 * admin API on the Unix socket, loopback HTTP, HTTPS under
 * /api/v1/admin/ and the console's /console/api/; the agent port's
 * table; the admin routes of access control itself:
 *
 *   POST /api/v1/admin/tokens           {"ttl_s","uses"[,"replace"]}
 *                                       → enrollment token
 *   POST /api/v1/admin/apitokens        {"scope","label","ttl_s"} → API token
 *   GET  /api/v1/admin/apitokens        → every token, never its hash
 *   POST /api/v1/admin/apitokens/:id/revoke
 *   POST /api/v1/admin/agents/revoke    {"agent"}
 *   POST /api/v1/admin/agents/unrevoke  {"agent"}
 *   GET  /api/v1/admin/audit?after_id=&limit=
 *
 * To add a route: write the handler (an api_handler, in its module,
 * declared in its header) and add one row to access_admin_routes[] or
 * access_agent_routes[] below.
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
#include "collector/collector.h"
#include "collector/asset.h"
#include "collector/report_api.h"
#include "collector/console.h"
#include "collector/incident.h"
#include "collector/store_access.h"
#include "collector/website_api.h"
#include "common/digest.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/token.h"

#define TOKEN_TTL_MIN_S		60
#define TOKEN_TTL_MAX_S		(30 * 86400)
#define TOKEN_USES_MAX		10000
#define APITOKEN_TTL_DEFAULT_S	(90LL * 86400)
#define APITOKEN_TTL_MAX_S	(3660LL * 86400)
#define AUDIT_LIMIT_MAX		10000
#define ADMIN_PREFIX		"/api/v1/admin/"
#define CONSOLE_API_PREFIX	"/console/api/"

static void
access_tokens(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "ttl_s", "uses", "replace", NULL };
	const char	*actor = rq->actor ? rq->actor : "?";	/* middleware */
	const char	*replace = NULL;
	json_t	*o, *v;
	int64_t	 ttl = 86400, uses = 1, now = api->now(), id, revoked;
	uint64_t last_seq;
	char	 tok[ACCESS_TOKEN_LEN], hash[DIGEST_SHA256_HEX], msg[300];
	char	 exp[32], url[COLLECTOR_PATH_MAX], what[160];
	int	 r;

	if ((o = api_body_object(rq, rs)) == NULL)
		return;
	if (api_members_only(o, names, msg, sizeof(msg)) == -1)
		goto bad;
	if ((v = json_object_get(o, "ttl_s")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < TOKEN_TTL_MIN_S ||
		    json_integer_value(v) > TOKEN_TTL_MAX_S) {
			snprintf(msg, sizeof(msg), "body.ttl_s: expected %d to %d "
			    "seconds", TOKEN_TTL_MIN_S, TOKEN_TTL_MAX_S);
			goto bad;
		}
		ttl = json_integer_value(v);
	}
	if ((v = json_object_get(o, "uses")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > TOKEN_USES_MAX) {
			snprintf(msg, sizeof(msg), "body.uses: expected 1 to %d",
			    TOKEN_USES_MAX);
			goto bad;
		}
		uses = json_integer_value(v);
	}
	if ((v = json_object_get(o, "replace")) != NULL) {
		if (!json_is_string(v) || !event_name_ok(json_string_value(v),
		    EVENT_AGENT_MAX)) {
			snprintf(msg, sizeof(msg), "body.replace: expected an "
			    "agent name (1-63 of A-Z a-z 0-9 . _ -)");
			goto bad;
		}
		replace = json_string_value(v);
		if ((r = store_agent_access(api->store, replace, &revoked,
		    &last_seq, msg, sizeof(msg))) == -1) {
			log_errorx("%s", msg);
			api_reply_error(rs, 500, "store error; see the collector "
			    "log");
			goto out;
		}
		if (r == 1) {
			snprintf(msg, sizeof(msg), "body.replace: no agent named "
			    "'%s' (shaobing agents lists them)", replace);
			api_reply_error(rs, 404, msg);
			goto out;
		}
		if (uses != 1) {
			snprintf(msg, sizeof(msg), "body.uses: a token that "
			    "replaces an agent has one use");
			goto bad;
		}
	}
	if (token_new("sbe_", tok, sizeof(tok)) == -1 ||
	    digest_sha256_hex(tok, strlen(tok), hash, sizeof(hash)) == -1) {
		api_reply_error(rs, 500, "cannot make a random token");
		goto out;
	}
	if (store_enroll_token_add(api->store, hash, now, now + ttl * 1000,
	    (int)uses, actor, replace, &id, msg, sizeof(msg)) == -1) {
		log_errorx("%s", msg);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	time_format_utc(now + ttl * 1000, exp, sizeof(exp));
	if (collector_public_url(api->conf, url, sizeof(url), msg,
	    sizeof(msg)) == -1) {
		log_warnx("token create: no public URL (%s); the enroll "
		    "command printed has a placeholder", msg);
		snprintf(url, sizeof(url), "https://COLLECTOR:PORT");
	}
	log_info("%s created enrollment token %" PRId64 " (%" PRId64 " uses, "
	    "expires %s%s%s)", actor, id, uses, exp, replace ? ", replaces "
	    "the key of agent " : "", replace ? replace : "");
	if (replace != NULL) {
		/* Its own audit row: who allowed the name to a new key. */
		snprintf(what, sizeof(what), "token %" PRId64 " may replace the "
		    "key of agent=%s", id, replace);
		api_audit(api, actor, "token", rq, what, 200);
	}
	api_reply(rs, 200, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s?}",
	    "id", (json_int_t)id, "token", tok, "ca_fingerprint",
	    access_ca_fingerprint(api->access),
	    "expires", exp, "uses", (json_int_t)uses, "server", url,
	    "replace", replace));
	explicit_bzero(tok, sizeof(tok));
	goto out;
bad:
	api_reply_error(rs, 400, msg);
out:
	json_decref(o);
}

static void
access_apitokens(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "scope", "label", "ttl_s", NULL };
	const char	*actor = rq->actor ? rq->actor : "?";	/* middleware */
	json_t		*o, *v;
	const char	*scope, *label;
	int64_t		 id, now = api->now(), ttl = APITOKEN_TTL_DEFAULT_S;
	char		 exp[32];
	char		 tok[ACCESS_TOKEN_LEN], hash[DIGEST_SHA256_HEX], msg[300];

	if ((o = api_body_object(rq, rs)) == NULL)
		return;
	if (api_members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (scope = api_member(o, "scope", 8, 1, msg, sizeof(msg))) == NULL)
		goto bad;
	if (strcmp(scope, "read") != 0 && strcmp(scope, "admin") != 0) {
		snprintf(msg, sizeof(msg), "body.scope: expected read or admin");
		goto bad;
	}
	label = api_member(o, "label", 64, 0, msg, sizeof(msg));
	if (label == NULL && msg[0] != '\0')
		goto bad;
	if ((v = json_object_get(o, "ttl_s")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < TOKEN_TTL_MIN_S ||
		    json_integer_value(v) > APITOKEN_TTL_MAX_S) {
			snprintf(msg, sizeof(msg), "body.ttl_s: expected %d to %lld "
			    "seconds (1 minute to 10 years)", TOKEN_TTL_MIN_S,
			    (long long)APITOKEN_TTL_MAX_S);
			goto bad;
		}
		ttl = json_integer_value(v);
	}
	if (token_new("sbk_", tok, sizeof(tok)) == -1 ||
	    digest_sha256_hex(tok, strlen(tok), hash, sizeof(hash)) == -1) {
		api_reply_error(rs, 500, "cannot make a random token");
		goto out;
	}
	if (store_apitoken_add(api->store, hash, scope, label ? label : "",
	    now, now + ttl * 1000, actor, &id, msg, sizeof(msg)) == -1) {
		log_errorx("%s", msg);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	time_format_utc(now + ttl * 1000, exp, sizeof(exp));
	log_info("%s created API token %" PRId64 " with scope %s (expires %s)",
	    actor, id, scope, exp);
	api_reply(rs, 200, json_pack("{s:I, s:s, s:s, s:s}", "id",
	    (json_int_t)id, "token", tok, "scope", scope, "expires", exp));
	explicit_bzero(tok, sizeof(tok));
	goto out;
bad:
	api_reply_error(rs, 400, msg);
out:
	json_decref(o);
}

/* POST agents/revoke (undo 0) or agents/unrevoke (undo 1). */
static void
admin_revoke(struct api *api, const struct api_request *rq,
    struct api_response *rs, int undo)
{
	static const char *const names[] = { "agent", NULL };
	const char	*actor = rq->actor ? rq->actor : "?";	/* middleware */
	json_t		*o;
	const char	*which;
	char		 msg[300], name[64];
	int		 r, already;

	if ((o = api_body_object(rq, rs)) == NULL)
		return;
	if (api_members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (which = api_member(o, "agent", 63, 1, msg, sizeof(msg))) == NULL) {
		api_reply_error(rs, 400, msg);
		goto out;
	}
	if (undo)
		r = store_agent_unrevoke(api->store, which, name, sizeof(name),
		    &already, msg, sizeof(msg));
	else
		r = store_agent_revoke(api->store, which, api->now(), name,
		    sizeof(name), &already, msg, sizeof(msg));
	if (r == -1) {
		log_errorx("%s", msg);
		api_reply_error(rs, 500, "store error; see the collector log");
	} else if (r == 1) {
		snprintf(msg, sizeof(msg), "unknown agent '%s'", which);
		api_reply_error(rs, 404, msg);
	} else if (undo) {
		if (already)
			log_warnx("%s un-revoked agent '%s': its certificate is "
			    "accepted again", actor, name);
		api_reply(rs, 200, json_pack("{s:s, s:b}", "agent", name,
		    "was_revoked", already));
	} else {
		if (!already)
			log_warnx("%s revoked agent '%s': it is refused from now "
			    "on; undo with shaobing agents unrevoke %s", actor,
			    name, name);
		api_reply(rs, 200, json_pack("{s:s, s:b}", "agent", name,
		    "already", already));
	}
out:
	json_decref(o);
}

struct token_walk {
	json_t	*arr;
	int64_t	 now_ms;
};

static int
apitoken_json(void *arg, const struct apitoken_row *t, char *err,
    size_t errlen)
{
	struct token_walk	*w = arg;
	const char		*state = t->revoked_ms != STORE_NO_TIME ?
	    "revoked" : t->expires_ms != STORE_NO_TIME && t->expires_ms <=
	    w->now_ms ? "expired" : "active";

	if (api_append_new(w->arr, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, "
	    "s:o, s:s, s:s}", "id", (json_int_t)t->id, "label", t->label,
	    "scope", t->scope, "created", api_json_time(t->created_ms),
	    "expires", api_json_time(t->expires_ms), "last_used",
	    api_json_time(t->last_used_ms), "revoked",
	    api_json_time(t->revoked_ms), "created_by", t->created_by,
	    "state", state)) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
access_apitokens_json(struct store *st, int64_t now_ms, json_t **out,
    char *err, size_t errlen)
{
	struct token_walk w = { json_array(), now_ms };

	*out = NULL;
	if (w.arr == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_apitoken_list(st, apitoken_json, &w, err, errlen) == -1) {
		json_decref(w.arr);
		return -1;
	}
	*out = w.arr;
	return 0;
}

static void
access_apitoken_list(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	json_t	*arr;
	char	 msg[300];

	if (rq->query[0] != '\0') {
		api_reply_error(rs, 400, "this list takes no query parameters");
		return;
	}
	if (access_apitokens_json(api->store, api->now(), &arr, msg,
	    sizeof(msg)) == -1) {
		log_errorx("%s", msg);
		api_reply_error(rs, 500, "store error; see the collector log");
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "apitokens", arr));
}

/* POST apitokens/:id/revoke: refused at once from then on (401). */
static void
access_apitoken_revoke(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	const char	*actor = rq->actor ? rq->actor : "?";	/* middleware */
	int64_t		 id;
	char		 msg[300], why[100];
	int		 r, already;

	if (parse_i64(rq->arg[0], 1, INT64_MAX, &id, why, sizeof(why)) == -1) {
		snprintf(msg, sizeof(msg), "token id: %s", why);
		api_reply_error(rs, 400, msg);
		return;
	}
	if ((r = store_apitoken_revoke(api->store, id, api->now(), &already,
	    msg, sizeof(msg))) == -1) {
		log_errorx("%s", msg);
		api_reply_error(rs, 500, "store error; see the collector log");
		return;
	}
	if (r == 1) {
		snprintf(msg, sizeof(msg), "unknown API token %" PRId64
		    " (shaobing apitoken list)", id);
		api_reply_error(rs, 404, msg);
		return;
	}
	if (!already)
		log_info("%s revoked API token %" PRId64, actor, id);
	api_reply(rs, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
	    "already", already));
}

static void
access_revoke(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	admin_revoke(api, rq, rs, 0);
}

static void
access_unrevoke(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	admin_revoke(api, rq, rs, 1);
}

static int
audit_json(void *arg, int64_t id, const struct store_audit *a, char *err,
    size_t errlen)
{
	char ts[32];

	if (time_format_utc(a->ts_ms, ts, sizeof(ts)) == -1)
		ts[0] = '\0';
	if (api_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:i}", "id", (json_int_t)id, "ts", ts, "actor", a->actor, "via",
	    a->via, "peer", a->peer, "method", a->method, "path", a->path,
	    "status", a->status)) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
access_audit_list(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "after_id", "limit", NULL };
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	json_t			*arr = NULL;
	int64_t			 after = 0, limit = 100;
	char			 msg[300], why[200];

	TAILQ_INIT(&q);
	if (api_query(&q, rq->query, names, NULL, msg, sizeof(msg)) == -1) {
		api_reply_error(rs, 400, msg);
		goto out;
	}
	TAILQ_FOREACH(kv, &q, next) {
		int64_t *slot = strcmp(kv->key, "limit") == 0 ? &limit : &after;

		if (parse_i64(kv->value, slot == &limit ? 1 : 0, slot == &limit ?
		    AUDIT_LIMIT_MAX : INT64_MAX, slot, why, sizeof(why)) == -1) {
			snprintf(msg, sizeof(msg), "%s: %s", kv->key, why);
			api_reply_error(rs, 400, msg);
			goto out;
		}
	}
	if ((arr = json_array()) == NULL || store_audit_list(api->store,
	    after, (int)limit, audit_json, arr, msg, sizeof(msg)) == -1) {
		log_errorx("%s", arr == NULL ? "out of memory" : msg);
		json_decref(arr);
		api_reply_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o}", "audit", arr));
out:
	evhttp_clear_headers(&q);
}

/*
 * Who is calling: 0 with actor and scope; -1 having answered 401.
 */
static int
admin_auth(struct api *api, enum admin_via via, const struct api_request *rq,
    struct api_response *rs, char *actor, size_t actorlen, char *scope,
    size_t scopelen)
{
	const char	*a = rq->authorization, *tok;
	char		 hash[DIGEST_SHA256_HEX], err[300];
	int64_t		 id;
	int		 r;

	if (via == ADMIN_VIA_SOCKET && rq->actor != NULL) {
		snprintf(actor, actorlen, "%s", rq->actor);
		snprintf(scope, scopelen, "admin");
		return 0;
	}
	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0) {
		api_reply_error(rs, 401, "authentication required: use the Unix "
		    "socket as root or group shaobing, or an API token "
		    "(Authorization: Bearer; shaobing apitoken create)");
		return -1;
	}
	for (tok = a + 7; *tok == ' '; tok++)
		;
	if (!access_token_shape_ok(tok, "sbk_") ||
	    digest_sha256_hex(tok, strlen(tok), hash, sizeof(hash)) == -1 ||
	    (r = store_apitoken_check(api->store, hash, api->now(), scope,
	    scopelen, &id, err, sizeof(err))) == 1) {
		api_reply_error(rs, 401, "unknown or revoked API token");
		return -1;
	}
	if (r == -1) {
		log_errorx("%s", err);
		api_reply_error(rs, 500, "store error; see the collector log");
		return -1;
	}
	snprintf(actor, actorlen, "apitoken:%" PRId64, id);
	return 0;
}


/* ---- the route tables ------------------------------------------------ */

const struct route access_admin_routes[] = {
	{ API_GET,  "/api/v1/health", SCOPE_READ, ROUTE_OPEN, api_health },
	/* access control: CLI only */
	{ API_POST, "/api/v1/admin/tokens", SCOPE_ADMIN, 0, access_tokens },
	{ API_POST, "/api/v1/admin/apitokens", SCOPE_ADMIN, 0, access_apitokens },
	{ API_GET,  "/api/v1/admin/apitokens", SCOPE_READ, 0,
	    access_apitoken_list },
	{ API_POST, "/api/v1/admin/apitokens/:id/revoke", SCOPE_ADMIN, 0,
	    access_apitoken_revoke },
	{ API_POST, "/api/v1/admin/agents/revoke", SCOPE_ADMIN, 0, access_revoke },
	{ API_POST, "/api/v1/admin/agents/unrevoke", SCOPE_ADMIN, 0,
	    access_unrevoke },
	{ API_GET,  "/api/v1/admin/audit", SCOPE_READ, 0, access_audit_list },
	/* console logins: CLI only, a stolen session must not mint logins */
	{ API_GET,  "/api/v1/admin/users", SCOPE_READ, 0, console_users_api },
	{ API_POST, "/api/v1/admin/users", SCOPE_ADMIN, 0, console_users_api },
	{ API_POST, "/api/v1/admin/users/:name/password", SCOPE_ADMIN, 0,
	    console_users_api },
	{ API_POST, "/api/v1/admin/users/:name/delete", SCOPE_ADMIN, 0,
	    console_users_api },
	/* incidents (incident_api.c) */
	{ API_GET,  "/api/v1/admin/incidents", SCOPE_READ, ROUTE_CONSOLE,
	    incident_api_list },
	{ API_GET,  "/api/v1/admin/incidents/:id", SCOPE_READ, ROUTE_CONSOLE,
	    incident_api_show },
	{ API_POST, "/api/v1/admin/incidents/:id/ack", SCOPE_ADMIN,
	    ROUTE_CONSOLE, incident_api_act },
	{ API_POST, "/api/v1/admin/incidents/:id/resolve", SCOPE_ADMIN,
	    ROUTE_CONSOLE, incident_api_act },
	{ API_POST, "/api/v1/admin/incidents/:id/false-positive", SCOPE_ADMIN,
	    ROUTE_CONSOLE, incident_api_act },
	{ API_POST, "/api/v1/admin/incidents/:id/reopen", SCOPE_ADMIN,
	    ROUTE_CONSOLE, incident_api_act },
	{ API_GET,  "/api/v1/admin/audit/verify", SCOPE_READ, ROUTE_CONSOLE,
	    incident_api_verify },
	{ API_GET,  "/api/v1/admin/channels", SCOPE_READ, ROUTE_CONSOLE,
	    incident_api_channels },
	{ API_POST, "/api/v1/admin/channels/:name/test", SCOPE_ADMIN,
	    ROUTE_CONSOLE, incident_api_channel_test },
	{ API_GET,  "/api/v1/admin/taxonomy", SCOPE_READ, ROUTE_CONSOLE,
	    incident_api_taxonomy },
	/* agents and events (api.c) */
	{ API_GET,  "/api/v1/admin/agents", SCOPE_READ, ROUTE_CONSOLE,
	    api_agents },
	{ API_GET,  "/api/v1/admin/events", SCOPE_READ, ROUTE_CONSOLE,
	    api_event_list },
	{ API_GET,  "/api/v1/admin/uptime", SCOPE_READ, ROUTE_CONSOLE,
	    api_uptime },
	{ API_GET,  "/api/v1/admin/indicators", SCOPE_READ, ROUTE_CONSOLE,
	    api_indicators },
	/* assets (asset_api.c) */
	{ API_GET,  "/api/v1/admin/assets", SCOPE_READ, ROUTE_CONSOLE,
	    asset_api_list },
	{ API_GET,  "/api/v1/admin/asset", SCOPE_READ, ROUTE_CONSOLE,
	    asset_api_one },
	{ API_POST, "/api/v1/admin/asset", SCOPE_ADMIN, ROUTE_CONSOLE,
	    asset_api_one },
	{ API_GET,  "/api/v1/admin/asset/diff", SCOPE_READ, ROUTE_CONSOLE,
	    asset_api_diff },
	/* websites the agents check (website_api.c) */
	{ API_GET,  "/api/v1/admin/websites", SCOPE_READ, ROUTE_CONSOLE,
	    website_api_list },
	{ API_POST, "/api/v1/admin/websites/:name/rebaseline", SCOPE_ADMIN,
	    ROUTE_CONSOLE, website_api_rebaseline },
	/* the office's entered 自评表 values (report_api.c) */
	{ API_GET,  "/api/v1/admin/report/values", SCOPE_READ, 0,
	    report_api_values },
	{ API_POST, "/api/v1/admin/report/values", SCOPE_ADMIN, 0,
	    report_api_values },
};
const size_t access_admin_nroutes =
    sizeof(access_admin_routes) / sizeof(access_admin_routes[0]);

/* ROUTE_CA: enroll.c's rows, there only when the CA is loaded. */
#define ROUTE_CA	0x100

const struct route access_agent_routes[] = {
	{ API_GET,  "/api/v1/health", SCOPE_READ, ROUTE_OPEN, api_health },
	{ API_GET,  "/api/v1/ca", SCOPE_READ, ROUTE_OPEN | ROUTE_CA, access_ca },
	{ API_POST, "/api/v1/enroll", SCOPE_ADMIN, ROUTE_OPEN | ROUTE_CA,
	    access_enroll },
	{ API_POST, "/api/v1/renew", SCOPE_ADMIN, ROUTE_OPEN | ROUTE_CA,
	    access_renew },
	{ API_POST, "/api/v1/events", SCOPE_ADMIN, ROUTE_CERT, api_events },
	{ API_POST, "/api/v1/heartbeat", SCOPE_ADMIN, ROUTE_CERT,
	    api_heartbeat },
};
const size_t access_agent_nroutes =
    sizeof(access_agent_routes) / sizeof(access_agent_routes[0]);

/* Does path match pattern?  The :params go to args. */
static int
route_match(const char *pat, const char *path, char args[2][ROUTE_ARG_MAX])
{
	int	 narg = 0;
	size_t	 n;

	while (*pat != '\0' && *path != '\0') {
		if (*pat == ':') {
			n = strcspn(path, "/");
			if (n == 0 || n >= ROUTE_ARG_MAX || narg == 2)
				return 0;
			/* ":id": a positive number that fits an int64 */
			if (strncmp(pat, ":id", 3) == 0 &&
			    (pat[3] == '\0' || pat[3] == '/') &&
			    (path[0] < '1' || path[0] > '9' || n > 18 ||
			    strspn(path, "0123456789") < n))
				return 0;
			memcpy(args[narg], path, n);
			args[narg++][n] = '\0';
			path += n;
			pat += strcspn(pat, "/");
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *pat == '\0' && *path == '\0';
}

const struct route *
route_find(const struct route *t, size_t n, enum api_method method,
    const char *path, char args[2][ROUTE_ARG_MAX], const char **allow)
{
	const struct route	*hit = NULL;
	char			 tmp[2][ROUTE_ARG_MAX];
	unsigned		 methods = 0;

	for (size_t i = 0; i < n; i++) {
		if (!route_match(t[i].path, path, tmp))
			continue;
		methods |= 1u << t[i].method;
		if (t[i].method == method && hit == NULL) {
			hit = &t[i];
			memcpy(args, tmp, sizeof(tmp));
		}
	}
	*allow = NULL;
	if (hit == NULL && methods != 0)
		*allow = methods == ((1u << API_GET) | (1u << API_POST)) ?
		    "GET, POST" : methods == (1u << API_GET) ? "GET" : "POST";
	return hit;
}

void
route_dispatch(struct api *api, const struct route *t, size_t n,
    const struct api_request *rq, struct api_response *rs,
    const struct route **row)
{
	const struct route	*r;
	struct api_request	 arq = *rq;
	char			 args[2][ROUTE_ARG_MAX], msg[64];
	const char		*allow;

	rs->status = 0;
	rs->body = NULL;
	rs->allow = NULL;
	r = route_find(t, n, rq->method, rq->path ? rq->path : "", args,
	    &allow);
	if (row != NULL)
		*row = r;
	if (r == NULL && allow == NULL) {
		api_reply_error(rs, 404, "unknown path");
		return;
	}
	if (r == NULL) {
		snprintf(msg, sizeof(msg), "use %s", strcmp(allow, "GET, POST") ?
		    allow : "GET or POST");
		api_reply_error(rs, 405, msg);
		rs->allow = allow;
		return;
	}
	arq.arg[0] = args[0];
	arq.arg[1] = args[1];
	if (arq.query == NULL)
		arq.query = "";
	r->fn(api, &arq, rs);
}

void
api_admin_handle(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	route_dispatch(api, access_admin_routes, access_admin_nroutes, rq, rs,
	    NULL);
}

/* ---- middleware ------------------------------------------------------ */

void
access_admin_handle(struct api *api, enum admin_via via,
    const struct api_request *rq, struct api_response *rs)
{
	static const char *const vias[] = { "socket", "http", "https" };
	const struct route	*r;
	struct api_request	 authed = *rq;
	char			 actor[128] = "anonymous", scope[16] = "";
	char			 args[2][ROUTE_ARG_MAX];
	const char		*allow, *path = rq->path ? rq->path : "";

	rs->status = 0;
	rs->body = NULL;
	rs->allow = NULL;
	r = route_find(access_admin_routes, access_admin_nroutes, rq->method,
	    path, args, &allow);
	if (r != NULL && (r->flags & ROUTE_OPEN)) {
		api_admin_handle(api, rq, rs);	/* health: says nothing */
		return;
	}
	if (admin_auth(api, via, rq, rs, actor, sizeof(actor), scope,
	    sizeof(scope)) == -1)
		goto out;
	if (r != NULL && r->scope == SCOPE_ADMIN &&
	    strcmp(scope, "admin") != 0) {
		api_reply_error(rs, 403, "this API token has scope read; changes "
		    "need a token with scope admin");
		goto out;
	}
	authed.actor = actor;	/* the authenticated identity, for trails */
	api_admin_handle(api, &authed, rs);
out:
	if (rs->status == 401)
		log_warnx("refused admin call %s from %s via %s: no valid "
		    "credentials", path, rq->peer ? rq->peer : "?", vias[via]);
	api_audit(api, actor, vias[via], rq, rq->uri, rs->status);
}

void
access_agent_handle(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	const struct route	*r;
	char			 args[2][ROUTE_ARG_MAX];
	const char		*allow;

	rs->status = 0;
	rs->body = NULL;
	rs->allow = NULL;
	r = route_find(access_agent_routes, access_agent_nroutes, rq->method,
	    rq->path ? rq->path : "", args, &allow);
	if (r != NULL && (r->flags & ROUTE_CA) && api->access == NULL) {
		api_reply_error(rs, 404, "unknown path");
		return;
	}
	if (r != NULL && (r->flags & ROUTE_CERT) && rq->peer_cn == NULL) {
		api->rejected++;
		log_warnx("refused %s from %s (no certificate): 401 client "
		    "certificate required", rq->uri, rq->peer ? rq->peer : "?");
		api_reply_error(rs, 401, "client certificate required");
		return;
	}
	route_dispatch(api, access_agent_routes, access_agent_nroutes, rq, rs,
	    NULL);
}

void
access_console_handle(struct api *api, const struct console_request *crq,
    struct console_response *crs)
{
	const struct route	*r;
	struct api_request	 arq;
	struct api_response	 ars = { 0, NULL, NULL, 0 };
	char			 user[CONSOLE_NAME_MAX], actor[CONSOLE_NAME_MAX + 16];
	char			 path[200], peer[96], what[160], args[2][ROUTE_ARG_MAX];
	const char		*allow;

	if (console_api_session(api->console, api, crq, crs, user,
	    sizeof(user)) == -1)
		return;
	snprintf(what, sizeof(what), "%.150s", crq->uri);
	snprintf(path, sizeof(path), ADMIN_PREFIX "%s", crq->path +
	    strlen(CONSOLE_API_PREFIX));
	memset(&arq, 0, sizeof(arq));
	arq.method = crq->method;
	arq.uri = crq->uri;
	arq.path = path;
	arq.query = crq->query ? crq->query : "";
	arq.body = crq->body;
	arq.bodylen = crq->bodylen;
	snprintf(peer, sizeof(peer), "console %s", crq->addr ? crq->addr : "?");
	arq.peer = peer;
	snprintf(actor, sizeof(actor), "%s (console)", user);
	arq.actor = actor;
	r = route_find(access_admin_routes, access_admin_nroutes, arq.method,
	    path, args, &allow);
	if (r != NULL && !(r->flags & ROUTE_CONSOLE))
		api_reply_error(&ars, 403, "not in the console: manage users, "
		    "tokens and revocation with `shaobing` on the collector");
	else
		route_dispatch(api, access_admin_routes, access_admin_nroutes,
		    &arq, &ars, NULL);
	crs->status = ars.status;
	crs->body = ars.body;
	crs->bodylen = crs->body ? strlen(crs->body) : 0;
	crs->content_type = "application/json; charset=utf-8";
	if (ars.allow != NULL && crs->nheaders < CONSOLE_HEADERS_MAX) {
		crs->hname[crs->nheaders] = "Allow";
		crs->hvalue[crs->nheaders++] = ars.allow;
	}
	arq.peer = crq->addr ? crq->addr : "?";
	api_audit(api, user, "console", &arq, what, crs->status);
}
