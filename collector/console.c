/*
 * The web console's routes (see console.h):
 *
 *   GET  /console/          the page (CSP allows only its own inline
 *                           script and style, by SHA-256)
 *   POST /console/login     name + password (form or JSON) → cookie
 *   POST /console/logout    ends the session
 *   GET  /console/session   {"user","role","csrf","timezone"}, or
 *                           {"user":null} when not logged in
 *   ANY  /console/api/REST  /api/v1/admin/REST after the session's role
 *                           allows it (read: GET only)
 *   GET  /console/vendor/F  the chart library and its licence, from
 *                           [server] console_vendor (vendor_files[])
 *
 * Every POST needs a matching Origin (or Referer); every POST but the
 * login needs the session's X-CSRF-Token.  Logins, logouts and API calls
 * are written to admin_audit; refused logins are also logged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "collector/console.h"
#include "collector/ratelimit.h"
#include "collector/store_access.h"
#include "common/text.h"
#include "common/log.h"

/* Verified against when the user is unknown, so both cases cost the same
   time (the hash of no password anyone can type: it never matches). */
static const char dummy_hash[] = "scrypt$15$8$1$"
    "00000000000000000000000000000000$"
    "0000000000000000000000000000000000000000000000000000000000000000";

struct console {
	struct console_sessions	 sessions;
	struct console_limits	 limits;
	char			 csp[400];
};

/* 'sha256-BASE64' of the text between open and close in the page. */
static int
inline_hash(const char *open, const char *close, char *out, size_t outlen)
{
	const char	*a, *b;
	unsigned char	 md[32];
	unsigned int	 mdlen = sizeof(md);
	unsigned char	 b64[48];

	if ((a = strstr(console_page_html, open)) == NULL ||
	    (b = strstr(a + strlen(open), close)) == NULL)
		return -1;
	a += strlen(open);
	if (EVP_Digest(a, (size_t)(b - a), md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return -1;
	EVP_EncodeBlock(b64, md, (int)mdlen);
	return (size_t)snprintf(out, outlen, "'sha256-%s'", b64) < outlen ?
	    0 : -1;
}

struct console *
console_new(void)
{
	struct console	*c;
	char		 sh[80], st[80];

	if (inline_hash("<script>", "</script>", sh, sizeof(sh)) == -1 ||
	    inline_hash("<style>", "</style>", st, sizeof(st)) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	/* 'self': the chart library under /console/vendor/; everything else
	   the collector serves is JSON with nosniff, never a script. */
	snprintf(c->csp, sizeof(c->csp), "default-src 'none'; script-src %s "
	    "'self'; "
	    "style-src %s; connect-src 'self'; img-src 'self' data:; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	    sh, st);
	return c;
}

void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int
console_path(const char *uri)
{
	return strncmp(uri, "/console", 8) == 0 &&
	    (uri[8] == '\0' || uri[8] == '/' || uri[8] == '?');
}

void
console_response_free(struct console_response *rs)
{
	if (rs == NULL)
		return;
	free(rs->body);
	rs->body = NULL;
}

static void
header(struct console_response *rs, const char *name, const char *value)
{
	if (rs->nheaders < CONSOLE_HEADERS_MAX) {
		rs->hname[rs->nheaders] = name;
		rs->hvalue[rs->nheaders] = value;
		rs->nheaders++;
	}
}

/* api_reply() into the console's response. */
static void
answer_json(struct console_response *rs, int status, json_t *o)
{
	struct api_response ar = { 0, NULL, NULL, 0 };

	api_reply(&ar, status, o);
	rs->status = ar.status;
	rs->content_type = "application/json; charset=utf-8";
	rs->body = ar.body;
	rs->bodylen = rs->body ? strlen(rs->body) : 0;
}

static void
answer_error(struct console_response *rs, int status, const char *msg)
{
	answer_json(rs, status, json_pack("{s:s}", "error", msg));
}

static const char *
method_name(enum api_method m)
{
	return m == API_GET ? "GET" : m == API_POST ? "POST" : "OTHER";
}

static void
audit(struct api *api, const struct console_request *rq, const char *actor,
    const char *what, int status)
{
	struct store_audit	a;
	char			err[300];

	a.ts_ms = api->now();
	a.actor = actor;
	a.via = "console";
	a.peer = rq->addr ? rq->addr : "?";
	a.method = method_name(rq->method);
	a.path = what;
	a.status = status;
	if (store_audit_add(api->store, &a, err, sizeof(err)) == -1)
		log_errorx("console: audit row not written: %s", err);
}

/* What /console/vendor/ serves, from [server] console_vendor. */
static const struct {
	const char	*name, *type;
} vendor_files[] = {
	{ "echarts.min.js", "text/javascript; charset=utf-8" },
	{ "LICENSE-echarts.txt", "text/plain; charset=utf-8" },
	{ "NOTICE-echarts.txt", "text/plain; charset=utf-8" },
};
#define VENDOR_FILE_MAX	(8 * 1024 * 1024)
#define VENDOR_URL	"/console/vendor/"

/* The whole of DIR/name (at most VENDOR_FILE_MAX); NULL when absent. */
static char *
vendor_read(const struct api *api, const char *name, size_t *len)
{
	char	 path[COLLECTOR_PATH_MAX + 64], *buf;
	FILE	*f;

	if (api->conf == NULL || api->conf->console_vendor[0] == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", api->conf->console_vendor, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(VENDOR_FILE_MAX + 1)) != NULL) {
		*len = fread(buf, 1, VENDOR_FILE_MAX + 1, f);
		if (ferror(f) || *len > VENDOR_FILE_MAX) {
			log_warnx("console: %s: unreadable or larger than %d "
			    "bytes; the console shows no charts until it is "
			    "reinstalled", path, VENDOR_FILE_MAX);
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void
vendor_answer(struct api *api, const char *name, struct console_response *rs)
{
	for (size_t i = 0; i < sizeof(vendor_files) / sizeof(vendor_files[0]);
	    i++) {
		if (strcmp(name, vendor_files[i].name) != 0)
			continue;
		if ((rs->body = vendor_read(api, name, &rs->bodylen)) == NULL)
			break;
		rs->status = 200;
		rs->content_type = vendor_files[i].type;
		/* 1 MB of script: the browser keeps it a day, not per view. */
		for (int h = 0; h < rs->nheaders; h++)
			if (strcmp(rs->hname[h], "Cache-Control") == 0)
				rs->hvalue[h] = "private, max-age=86400";
		return;
	}
	answer_error(rs, 404, "unknown path");
}

/* Is the chart library there?  (The page loads it only then.) */
static int
vendor_charts(const struct api *api)
{
	char	path[COLLECTOR_PATH_MAX + 64];

	if (api->conf == NULL || api->conf->console_vendor[0] == '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/%s", api->conf->console_vendor,
	    vendor_files[0].name);
	return access(path, R_OK) == 0;
}

/* What the page needs: who, the role, the CSRF token, the time zone. */
static json_t *
session_json(struct api *api, const struct console_session *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s?}", "user", s->user, "role",
	    console_role_name(s->role), "csrf", s->csrf, "timezone",
	    api->conf != NULL && api->conf->timezone[0] != '\0' ?
	    api->conf->timezone : "Asia/Shanghai", "charts",
	    vendor_charts(api) ? VENDOR_URL "echarts.min.js" : NULL);
}

static struct console_session *
session_of(struct console *c, struct api *api,
    const struct console_request *rq)
{
	char id[CONSOLE_TOKEN_HEX];

	if (!console_cookie_get(rq->cookie, CONSOLE_COOKIE, id, sizeof(id)))
		return NULL;
	c->sessions.st = api->store;
	return console_session_find(&c->sessions, id, api->now());
}

/* Origin for every POST, plus the CSRF token when s is given. */
static int
post_allowed(struct console_session *s, const struct console_request *rq,
    struct console_response *rs)
{
	char why[200];

	if (console_origin_ok(rq->host, rq->origin, rq->referer, why,
	    sizeof(why)) == -1 ||
	    (s != NULL && console_csrf_ok(s, rq->csrf, why, sizeof(why)) == -1)) {
		answer_error(rs, 403, why);
		return -1;
	}
	return 0;
}

static int
is_json(const struct console_request *rq)
{
	return rq->content_type != NULL &&
	    strncmp(rq->content_type, "application/json", 16) == 0;
}

/* name and password of a login body (form or JSON).  -1 with why. */
static int
login_fields(const struct console_request *rq, char *name, size_t namelen,
    char *pw, size_t pwlen, char *why, size_t whylen)
{
	json_t		*o;
	const char	*n, *p;
	int		 rc = -1;

	if (is_json(rq)) {
		if ((o = json_loadb(rq->body, rq->bodylen, JSON_REJECT_DUPLICATES,
		    NULL)) == NULL || json_unpack(o, "{s:s, s:s}", "name", &n,
		    "password", &p) == -1) {
			snprintf(why, whylen, "body: expected "
			    "{\"name\":\"...\",\"password\":\"...\"}");
		} else if ((size_t)snprintf(name, namelen, "%s", n) >= namelen ||
		    (size_t)snprintf(pw, pwlen, "%s", p) >= pwlen)
			snprintf(why, whylen, "name or password too long");
		else
			rc = 0;
		json_decref(o);
		return rc;
	}
	if (console_form_get(rq->body, rq->bodylen, "name", name,
	    namelen) != 1 || console_form_get(rq->body, rq->bodylen,
	    "password", pw, pwlen) != 1) {
		snprintf(why, whylen, "body: expected name=...&password=... "
		    "(application/x-www-form-urlencoded)");
		return -1;
	}
	return 0;
}

static void
login(struct console *c, struct api *api, const struct console_request *rq,
    struct console_response *rs)
{
	struct console_user	 u;
	struct console_session	*s;
	char			 name[CONSOLE_NAME_MAX + 8], pw[CONSOLE_PW_MAX + 1];
	char			 why[300], akey[80], ukey[80], id[CONSOLE_TOKEN_HEX];
	int64_t			 now = api->now(), wait;
	int			 r, ok;

	memset(&u, 0, sizeof(u));
	if (post_allowed(NULL, rq, rs) == -1) {
		audit(api, rq, "-", "/console/login (cross-site)", 403);
		return;
	}
	if (login_fields(rq, name, sizeof(name), pw, sizeof(pw), why,
	    sizeof(why)) == -1) {
		answer_error(rs, 400, why);
		goto out;
	}
	snprintf(akey, sizeof(akey), "a:%s", rq->addr ? rq->addr : "?");
	snprintf(ukey, sizeof(ukey), "u:%.64s", name);
	if ((wait = console_limit_wait(&c->limits, akey, now)) > 0 ||
	    (wait = console_limit_wait(&c->limits, ukey, now)) > 0) {
		snprintf(why, sizeof(why), "登录失败次数过多，请 %" PRId64
		    " 分钟后再试 too many failed logins for this user or "
		    "address; try again in %" PRId64 " min",
		    (wait + 59999) / 60000, (wait + 59999) / 60000);
		log_warnx("console: login of '%s' from %s refused: too many "
		    "failed attempts; if this is not a user who forgot the "
		    "password, someone is guessing", name, rq->addr);
		audit(api, rq, name, "/console/login (rate limited)", 429);
		header(rs, "Retry-After", "900");
		answer_error(rs, 429, why);
		goto out;
	}
	r = console_name_ok(name) ? store_console_user_get(api->store, name,
	    &u, why, sizeof(why)) : 1;
	if (r == -1) {
		log_errorx("console: login: %s", why);
		answer_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	ok = console_password_verify(pw, r == 0 ? u.hash : dummy_hash, why,
	    sizeof(why));
	if (ok == -1 && r == 0)
		log_errorx("console: user '%s': %s", name, why);
	if (r != 0 || ok != 1 || u.role == CONSOLE_ROLE_NONE) {
		console_limit_fail(&c->limits, akey, now);
		console_limit_fail(&c->limits, ukey, now);
		log_warnx("console: failed login as '%s' from %s (%s); "
		    "repeated failures are refused for %d min", name, rq->addr,
		    r != 0 ? "no such user" : "wrong password",
		    (int)(CONSOLE_FAIL_WINDOW_MS / 60000));
		audit(api, rq, name, "/console/login (failed)", 401);
		answer_error(rs, 401, "用户名或密码错误 wrong user name or "
		    "password");
		goto out;
	}
	c->sessions.st = api->store;
	if ((s = console_session_new(&c->sessions, u.name, u.role, rq->addr,
	    now, id, sizeof(id))) == NULL) {
		answer_error(rs, 500, "no random bytes for the session");
		goto out;
	}
	console_limit_clear(&c->limits, ukey);
	if (store_console_user_login(api->store, u.name, now, why,
	    sizeof(why)) == -1)
		log_errorx("console: %s", why);
	snprintf(rs->cookie, sizeof(rs->cookie), CONSOLE_COOKIE "=%s; "
	    "Path=/console; Max-Age=%d; Secure; HttpOnly; SameSite=Strict",
	    id, (int)(CONSOLE_ABSOLUTE_MS / 1000));
	log_info("console: %s logged in from %s (role %s)", u.name, rq->addr,
	    console_role_name(u.role));
	audit(api, rq, u.name, "/console/login", 200);
	answer_json(rs, 200, session_json(api, s));
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(id, sizeof(id));
}

static void
logout(struct console *c, struct api *api, const struct console_request *rq,
    struct console_response *rs)
{
	struct console_session	*s = session_of(c, api, rq);
	char			 user[CONSOLE_NAME_MAX];

	if (s == NULL) {
		answer_error(rs, 401, "未登录 not logged in");
		return;
	}
	if (post_allowed(s, rq, rs) == -1) {
		audit(api, rq, s->user, "/console/logout (csrf)", 403);
		return;
	}
	snprintf(user, sizeof(user), "%s", s->user);
	console_session_end(&c->sessions, s);
	snprintf(rs->cookie, sizeof(rs->cookie), CONSOLE_COOKIE "=; "
	    "Path=/console; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
	audit(api, rq, user, "/console/logout", 200);
	answer_json(rs, 200, json_pack("{s:b}", "ok", 1));
}

/* Every console answer starts empty with these headers. */
static void
response_start(struct console *c, struct console_response *rs)
{
	memset(rs, 0, sizeof(*rs));
	header(rs, "Content-Security-Policy", c->csp);
	header(rs, "X-Frame-Options", "DENY");
	header(rs, "Referrer-Policy", "no-referrer");
	header(rs, "X-Content-Type-Options", "nosniff");
	header(rs, "Cache-Control", "no-store");
}

int
console_api_session(struct console *c, struct api *api,
    const struct console_request *rq, struct console_response *rs,
    char *user, size_t userlen)
{
	struct console_session	*s;
	char			 path[160];

	response_start(c, rs);
	if (rq->method == API_OTHER) {
		answer_error(rs, 405, "use GET or POST");
		header(rs, "Allow", "GET, POST");
		return -1;
	}
	s = session_of(c, api, rq);
	snprintf(path, sizeof(path), "%.150s", rq->uri);
	if (s == NULL) {
		answer_error(rs, 401, "未登录或会话已过期 not logged in, or the "
		    "session expired");
		return -1;
	}
	if (rq->method == API_POST && post_allowed(s, rq, rs) == -1) {
		audit(api, rq, s->user, path, 403);
		return -1;
	}
	if (rq->method != API_GET && s->role != CONSOLE_ROLE_ADMIN) {
		answer_error(rs, 403, "只读用户不能修改 read-only user: "
		    "changes need the admin role");
		audit(api, rq, s->user, path, 403);
		return -1;
	}
	snprintf(user, userlen, "%s", s->user);
	return 0;
}

void
console_handle(struct console *c, struct api *api,
    const struct console_request *rq, struct console_response *rs)
{
	struct console_session	*s;
	const char		*path = rq->path ? rq->path : "";

	response_start(c, rs);
	if (strcmp(path, "/console") == 0 || strcmp(path, "/console/") == 0 ||
	    strcmp(path, "/console/index.html") == 0) {
		if (rq->method != API_GET) {
			answer_error(rs, 405, "use GET");
			return;
		}
		rs->status = 200;
		rs->content_type = "text/html; charset=utf-8";
		rs->body = strdup(console_page_html);
		rs->bodylen = rs->body ? strlen(rs->body) : 0;
		if (rs->body == NULL)
			answer_error(rs, 500, "out of memory");
	} else if (strncmp(path, VENDOR_URL, strlen(VENDOR_URL)) == 0) {
		if (rq->method != API_GET)
			answer_error(rs, 405, "use GET");
		else
			vendor_answer(api, path + strlen(VENDOR_URL), rs);
	} else if (strcmp(path, "/console/login") == 0) {
		if (rq->method != API_POST)
			answer_error(rs, 405, "use POST");
		else
			login(c, api, rq, rs);
	} else if (strcmp(path, "/console/logout") == 0) {
		if (rq->method != API_POST)
			answer_error(rs, 405, "use POST");
		else
			logout(c, api, rq, rs);
	} else if (strcmp(path, "/console/session") == 0) {
		if (rq->method != API_GET)
			answer_error(rs, 405, "use GET");
		else if ((s = session_of(c, api, rq)) == NULL)
			/* 200: the page asks this first, and a 401 would
			   show as an error in the browser's console. */
			answer_json(rs, 200, json_pack("{s:n}", "user"));
		else
			answer_json(rs, 200, session_json(api, s));
	} else
		answer_error(rs, 404, "unknown path");
}

/* ---- admin API: users ------------------------------------------- */

/* The password field of body o, checked. */
static const char *
password_of(json_t *o, char *why, size_t whylen)
{
	json_t		*v = json_object_get(o, "password");
	const char	*pw;
	size_t		 len;

	if (!json_is_string(v)) {
		snprintf(why, whylen, "body.password: expected a string");
		return NULL;
	}
	pw = json_string_value(v);
	len = json_string_length(v);
	if (len != strlen(pw) || len < CONSOLE_PW_MIN || len > CONSOLE_PW_MAX) {
		snprintf(why, whylen, "body.password: expected %d to %d "
		    "characters (no NUL)", CONSOLE_PW_MIN, CONSOLE_PW_MAX);
		return NULL;
	}
	return pw;
}

static int
user_json(void *arg, const struct console_user_row *u, char *err,
    size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:s, s:s, s:o, s:o, s:o}", "name",
	    u->name, "role", console_role_name(u->role), "created",
	    api_json_time(u->created_ms), "changed",
	    api_json_time(u->changed_ms), "last_login",
	    api_json_time(u->last_login_ms))) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* {"users":[{"name","role","created","changed","last_login"}]} */

/* A password changed or a user deleted: every session of name ends, on
   every collector of the database. */
static int
end_sessions(struct api *api, const char *name, char *why, size_t whylen)
{
	if (api->console != NULL) {
		api->console->sessions.st = api->store;
		console_session_end_user(&api->console->sessions, name);
		return 0;
	}
	return store_console_session_del(api->store, NULL, name, why,
	    whylen) == -1 ? -1 : 0;
}

static int
console_users_json(struct store *st, json_t **out, char *err, size_t errlen)
{
	json_t *arr = json_array();

	*out = NULL;
	if (arr == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_console_user_list(st, user_json, arr, err, errlen) == -1) {
		json_decref(arr);
		return -1;
	}
	if ((*out = json_pack("{s:o}", "users", arr)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
console_users_api(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	const char		*path = rq->path + strlen("/api/v1/admin/users");
	json_t			*o = NULL, *list;
	const char		*pw, *role_s, *k, *action = NULL;
	char			 name[CONSOLE_NAME_MAX], why[300];
	char			 hash[CONSOLE_HASH_MAX], what[128];
	enum console_role	 role;
	int64_t			 now = api->now();
	size_t			 n;
	int			 r;
	json_t			*v;

	rs->status = 0;
	rs->body = NULL;
	hash[0] = '\0';
	if (*path == '\0') {
		if (rq->method == API_GET) {
			if (console_users_json(api->store, &list, why,
			    sizeof(why)) == -1)
				goto store_err;
			api_reply(rs, 200, list);
			return;
		}
		if (rq->method != API_POST) {
			api_reply_error(rs, 405, "use GET or POST");
			return;
		}
	} else {
		/* "/NAME/password" or "/NAME/delete" */
		const char *sl = strchr(path + 1, '/');

		n = sl ? (size_t)(sl - path - 1) : 0;
		if (sl == NULL || n == 0 || n >= sizeof(name) ||
		    (strcmp(sl, "/password") != 0 &&
		    strcmp(sl, "/delete") != 0)) {
			api_reply_error(rs, 404, "unknown path (users/NAME/password "
			    "or users/NAME/delete)");
			return;
		}
		memcpy(name, path + 1, n);
		name[n] = '\0';
		action = sl + 1;
		if (rq->method != API_POST) {
			api_reply_error(rs, 405, "use POST");
			return;
		}
	}
	if (rq->bodylen > 0 && ((o = json_loadb(rq->body, rq->bodylen,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(o))) {
		api_reply_error(rs, 400, "body: expected a JSON object");
		goto out;
	}
	if (o == NULL && (o = json_object()) == NULL) {
		api_reply_error(rs, 500, "out of memory");
		goto out;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "name") && strcmp(k, "role") &&
		    strcmp(k, "password")) {
			text_printf(why, sizeof(why), "body: unknown field '%s' "
			    "(known: name, role, password)", k);
			api_reply_error(rs, 400, why);
			goto out;
		}
	}
	if (action == NULL) {		/* add */
		const char *nm = json_string_value(json_object_get(o, "name"));

		if (!console_name_ok(nm)) {
			api_reply_error(rs, 400, "body.name: expected 1-32 of "
			    "A-Z a-z 0-9 . _ -");
			goto out;
		}
		snprintf(name, sizeof(name), "%s", nm);
		role_s = json_string_value(json_object_get(o, "role"));
		if ((role = console_role_parse(role_s)) == CONSOLE_ROLE_NONE) {
			api_reply_error(rs, 400, "body.role: expected admin or read");
			goto out;
		}
		if ((pw = password_of(o, why, sizeof(why))) == NULL) {
			api_reply_error(rs, 400, why);
			goto out;
		}
		if (console_password_hash(pw, hash, sizeof(hash), why,
		    sizeof(why)) == -1) {
			api_reply_error(rs, 500, why);
			goto out;
		}
		r = store_console_user_add(api->store, name, role, hash, now,
		    why, sizeof(why));
		if (r == -1)
			goto store_err;
		if (r == 1) {
			snprintf(why, sizeof(why), "user '%s' exists; change "
			    "the password with `shaobing users passwd %s`",
			    name, name);
			api_reply_error(rs, 409, why);
			goto out;
		}
		snprintf(what, sizeof(what), "users add %s (%s)", name,
		    console_role_name(role));
		api_reply(rs, 200, json_pack("{s:{s:s, s:s}}", "user",
		    "name", name, "role", console_role_name(role)));
	} else if (strcmp(action, "password") == 0) {
		if ((pw = password_of(o, why, sizeof(why))) == NULL) {
			api_reply_error(rs, 400, why);
			goto out;
		}
		if (console_password_hash(pw, hash, sizeof(hash), why,
		    sizeof(why)) == -1) {
			api_reply_error(rs, 500, why);
			goto out;
		}
		r = store_console_user_passwd(api->store, name, hash, now, why,
		    sizeof(why));
		if (r == -1)
			goto store_err;
		if (r == 1)
			goto unknown;
		snprintf(what, sizeof(what), "users passwd %s", name);
		if (end_sessions(api, name, why, sizeof(why)) == -1)
			goto store_err;
		api_reply(rs, 200, json_pack("{s:b}", "ok", 1));
	} else {
		r = store_console_user_del(api->store, name, why, sizeof(why));
		if (r == -1)
			goto store_err;
		if (r == 1)
			goto unknown;
		snprintf(what, sizeof(what), "users del %s", name);
		if (end_sessions(api, name, why, sizeof(why)) == -1)
			goto store_err;
		api_reply(rs, 200, json_pack("{s:b}", "ok", 1));
	}
	log_info("console: %s (admin API, %s)", what,
	    rq->actor ? rq->actor : rq->peer ? rq->peer : "?");
	goto out;
unknown:
	snprintf(why, sizeof(why), "no user '%s'", name);
	api_reply_error(rs, 404, why);
	goto out;
store_err:
	log_errorx("admin: users: %s", why);
	api_reply_error(rs, 500, "store error; see the collector log");
out:
	explicit_bzero(hash, sizeof(hash));
	json_decref(o);
}
