/*
 * The web console without sockets: password hashing, sessions (idle and
 * absolute expiry), CSRF and Origin checks, failed-login limits, the form
 * and cookie parsers, the embedded page against its source, and whole
 * requests through console_handle() on a fixed, movable clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/http.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/collector.h"
#include "collector/console.h"
#include "collector/store.h"
#include "common/log.h"
#include "tests/unit/backends.h"

#define T0	1795786640000LL	/* 2026-11-27T13:37:20Z */
#define HOST	"console.test:8443"
#define ORIGIN	"https://" HOST

static int64_t clock_ms = T0;

static int64_t
test_now(void)
{
	return clock_ms;
}

/* ---- passwords ------------------------------------------------------ */

static void
test_hash_verify(void **state)
{
	char	h1[CONSOLE_HASH_MAX], h2[CONSOLE_HASH_MAX], err[200];

	(void)state;
	assert_int_equal(console_password_hash("correct horse", h1, sizeof(h1),
	    err, sizeof(err)), 0);
	assert_int_equal(console_password_hash("correct horse", h2, sizeof(h2),
	    err, sizeof(err)), 0);
	assert_int_equal(strncmp(h1, "scrypt$15$8$1$", 14), 0);
	assert_int_equal(strlen(h1), 14 + 32 + 1 + 64);
	/* Salted: the same password hashes differently. */
	assert_string_not_equal(h1, h2);
	assert_int_equal(console_password_verify("correct horse", h1, err,
	    sizeof(err)), 1);
	assert_int_equal(console_password_verify("correct horse", h2, err,
	    sizeof(err)), 1);
	assert_int_equal(console_password_verify("correct horsf", h1, err,
	    sizeof(err)), 0);
	assert_int_equal(console_password_verify("", h1, err, sizeof(err)), 0);
	/* One flipped digit of the derived key. */
	h1[strlen(h1) - 1] = h1[strlen(h1) - 1] == '0' ? '1' : '0';
	assert_int_equal(console_password_verify("correct horse", h1, err,
	    sizeof(err)), 0);
	/* A too-small buffer is an error, not a cut hash. */
	assert_int_equal(console_password_hash("x", h1, 40, err, sizeof(err)),
	    -1);
}

static void
test_hash_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"plain",
		"scrypt$",
		"scrypt$15$8$1$",
		"bcrypt$15$8$1$00000000000000000000000000000000$"
		    "0000000000000000000000000000000000000000000000000000000000000000",
		/* N = 2^40 would ask for terabytes */
		"scrypt$40$8$1$00000000000000000000000000000000$"
		    "0000000000000000000000000000000000000000000000000000000000000000",
		"scrypt$15$8$9$00000000000000000000000000000000$"
		    "0000000000000000000000000000000000000000000000000000000000000000",
		"scrypt$15$8$1$0000000000000000000000000000000$"
		    "0000000000000000000000000000000000000000000000000000000000000000",
		"scrypt$15$8$1$0000000000000000000000000000000g$"
		    "0000000000000000000000000000000000000000000000000000000000000000",
		"scrypt$15$8$1$00000000000000000000000000000000$"
		    "00000000000000000000000000000000000000000000000000000000000000",
		"scrypt$15$8$1$00000000000000000000000000000000",
		"scrypt$-1$8$1$00000000000000000000000000000000$"
		    "0000000000000000000000000000000000000000000000000000000000000000",
	};
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(console_password_verify("pw", bad[i], err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "shaobing users passwd"));
	}
}

/* ---- sessions ------------------------------------------------------- */

static void
test_session_expiry(void **state)
{
	struct console_sessions	*t = calloc(1, sizeof(*t));
	struct console_session	*s;
	char			 id[CONSOLE_TOKEN_HEX], id2[CONSOLE_TOKEN_HEX];
	int64_t			 now = T0;

	(void)state;
	assert_non_null(t);
	s = console_session_new(t, "alice", CONSOLE_ROLE_ADMIN, "10.0.0.5",
	    now, id, sizeof(id));
	assert_non_null(s);
	assert_int_equal(strlen(id), 64);
	assert_int_equal(strlen(s->csrf), 64);
	assert_string_not_equal(id, s->csrf);
	/* Only the hash is kept. */
	assert_null(memmem(t, sizeof(*t), id, 64));
	assert_ptr_equal(console_session_find(t, id, now), s);
	/* Idle: 30 min is still fine, a minute later (without use) not. */
	assert_ptr_equal(console_session_find(t, id, now + CONSOLE_IDLE_MS), s);
	now += CONSOLE_IDLE_MS;
	assert_null(console_session_find(t, id, now + CONSOLE_IDLE_MS + 1));
	assert_null(console_session_find(t, id, now));	/* ended for good */

	/* Absolute: used every 20 min, it still ends after 12 h. */
	now = T0;
	s = console_session_new(t, "bob", CONSOLE_ROLE_READ, "10.0.0.6", now,
	    id, sizeof(id));
	assert_non_null(s);
	for (int64_t m = 20; m * 60000 <= CONSOLE_ABSOLUTE_MS; m += 20)
		assert_non_null(console_session_find(t, id, now + m * 60000));
	assert_null(console_session_find(t, id, now + CONSOLE_ABSOLUTE_MS + 1));

	/* Wrong, short, NULL ids. */
	s = console_session_new(t, "carol", CONSOLE_ROLE_READ, "", now, id,
	    sizeof(id));
	memcpy(id2, id, sizeof(id));
	id2[0] = id2[0] == 'a' ? 'b' : 'a';
	assert_null(console_session_find(t, id2, now));
	assert_null(console_session_find(t, "abc", now));
	assert_null(console_session_find(t, NULL, now));
	assert_ptr_equal(console_session_find(t, id, now), s);
	/* Logout. */
	console_session_end(t, s);
	assert_null(console_session_find(t, id, now));

	/* end_user ends every session of that user only. */
	console_session_new(t, "dave", CONSOLE_ROLE_READ, "", now, id,
	    sizeof(id));
	console_session_new(t, "dave", CONSOLE_ROLE_READ, "", now, id2,
	    sizeof(id2));
	assert_int_equal(console_session_end_user(t, "dave"), 2);
	assert_null(console_session_find(t, id, now));
	assert_null(console_session_find(t, id2, now));
	free(t);
}

static void
test_session_table_full(void **state)
{
	struct console_sessions	*t = calloc(1, sizeof(*t));
	char			 first[CONSOLE_TOKEN_HEX], id[CONSOLE_TOKEN_HEX];
	char			 last[CONSOLE_TOKEN_HEX];

	(void)state;
	assert_non_null(console_session_new(t, "u0", CONSOLE_ROLE_READ, "",
	    T0, first, sizeof(first)));
	for (int i = 1; i < CONSOLE_SESSIONS_MAX; i++)
		assert_non_null(console_session_new(t, "u", CONSOLE_ROLE_READ,
		    "", T0 + i, id, sizeof(id)));
	/* Full: the least recently used (the first) goes. */
	assert_non_null(console_session_new(t, "new", CONSOLE_ROLE_READ, "",
	    T0 + 100000, last, sizeof(last)));
	assert_null(console_session_find(t, first, T0 + 100001));
	assert_non_null(console_session_find(t, last, T0 + 100001));
	assert_non_null(console_session_find(t, id, T0 + 100001));
	free(t);
}

/* ---- CSRF and Origin -------------------------------------------------- */

static void
test_csrf(void **state)
{
	struct console_session	s;
	char			why[200], tok[CONSOLE_TOKEN_HEX];

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(s.csrf, 'a', 64);
	memcpy(tok, s.csrf, sizeof(tok));
	assert_int_equal(console_csrf_ok(&s, tok, why, sizeof(why)), 0);
	assert_int_equal(console_csrf_ok(&s, NULL, why, sizeof(why)), -1);
	assert_string_equal(why, "X-CSRF-Token header required");
	tok[63] = 'b';
	assert_int_equal(console_csrf_ok(&s, tok, why, sizeof(why)), -1);
	assert_int_equal(console_csrf_ok(&s, "", why, sizeof(why)), -1);
	tok[63] = '\0';		/* a prefix is not the token */
	assert_int_equal(console_csrf_ok(&s, tok, why, sizeof(why)), -1);
}

static void
test_origin(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(console_origin_ok(HOST, ORIGIN, NULL, why,
	    sizeof(why)), 0);
	assert_int_equal(console_origin_ok(HOST, NULL, ORIGIN "/console/",
	    why, sizeof(why)), 0);
	/* Origin wins over a matching Referer. */
	assert_int_equal(console_origin_ok(HOST, "https://evil.example",
	    ORIGIN "/console/", why, sizeof(why)), -1);
	assert_int_equal(console_origin_ok(HOST, "http://" HOST, NULL, why,
	    sizeof(why)), -1);
	assert_int_equal(console_origin_ok(HOST, "null", NULL, why,
	    sizeof(why)), -1);
	/* A referer on a longer host with the same prefix. */
	assert_int_equal(console_origin_ok(HOST, NULL, ORIGIN
	    "0.evil.example/console/", why, sizeof(why)), -1);
	assert_int_equal(console_origin_ok(HOST, NULL, ORIGIN, why,
	    sizeof(why)), -1);
	assert_int_equal(console_origin_ok(HOST, NULL, NULL, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "Origin or Referer header required");
	assert_int_equal(console_origin_ok(NULL, ORIGIN, NULL, why,
	    sizeof(why)), -1);
	assert_int_equal(console_origin_ok("a@b", "https://a@b", NULL, why,
	    sizeof(why)), -1);
}

/* ---- failed-login limits ---------------------------------------------- */

static void
test_limits(void **state)
{
	struct console_limits	*l = calloc(1, sizeof(*l));
	int64_t			 now = T0;

	(void)state;
	for (int i = 0; i < CONSOLE_FAIL_MAX; i++) {
		assert_int_equal(console_limit_wait(l, "a:10.0.0.9", now), 0);
		console_limit_fail(l, "a:10.0.0.9", now + i * 1000);
	}
	assert_int_equal(console_limit_wait(l, "a:10.0.0.9", now + 10000),
	    CONSOLE_FAIL_WINDOW_MS - 10000);
	/* Others are not affected. */
	assert_int_equal(console_limit_wait(l, "a:10.0.0.10", now + 10000), 0);
	assert_int_equal(console_limit_wait(l, "u:alice", now + 10000), 0);
	/* The window passes. */
	assert_int_equal(console_limit_wait(l, "a:10.0.0.9",
	    now + CONSOLE_FAIL_WINDOW_MS), 0);
	console_limit_fail(l, "a:10.0.0.9", now + CONSOLE_FAIL_WINDOW_MS);
	assert_int_equal(console_limit_wait(l, "a:10.0.0.9",
	    now + CONSOLE_FAIL_WINDOW_MS), 0);
	/* clear */
	for (int i = 0; i < CONSOLE_FAIL_MAX; i++)
		console_limit_fail(l, "u:bob", now);
	assert_true(console_limit_wait(l, "u:bob", now) > 0);
	console_limit_clear(l, "u:bob");
	assert_int_equal(console_limit_wait(l, "u:bob", now), 0);
	/* A flood of addresses keeps the table bounded and working. */
	for (int i = 0; i < 3 * CONSOLE_LIMIT_SLOTS; i++) {
		char k[32];

		snprintf(k, sizeof(k), "a:flood%d", i);
		console_limit_fail(l, k, now + 1000 + i);
	}
	for (int i = 0; i < CONSOLE_FAIL_MAX; i++)
		console_limit_fail(l, "u:carol", now + 100000);
	assert_true(console_limit_wait(l, "u:carol", now + 100000) > 0);
	free(l);
}

/* ---- parsers -------------------------------------------------------- */

static void
test_form(void **state)
{
	static const char b[] = "name=al%69ce&password=a+b%26c%3D&x&=y&&";
	char out[16];

	(void)state;
	assert_int_equal(console_form_get(b, strlen(b), "name", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "alice");
	assert_int_equal(console_form_get(b, strlen(b), "password", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "a b&c=");
	assert_int_equal(console_form_get(b, strlen(b), "x", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(console_form_get(b, strlen(b), "nope", out,
	    sizeof(out)), 0);
	/* Bounded by len, not by a NUL. */
	assert_int_equal(console_form_get(b, 7, "name", out, sizeof(out)), 1);
	assert_string_equal(out, "al");
	assert_int_equal(console_form_get("name=%4", 7, "name", out,
	    sizeof(out)), -1);
	assert_int_equal(console_form_get("name=%zz", 8, "name", out,
	    sizeof(out)), -1);
	assert_int_equal(console_form_get("name=a%00b", 10, "name", out,
	    sizeof(out)), -1);
	assert_int_equal(console_form_get("name=0123456789abcdef", 21, "name",
	    out, sizeof(out)), -1);
	assert_int_equal(console_form_get("", 0, "name", out, sizeof(out)), 0);
}

static void
test_cookie(void **state)
{
	char out[70];

	(void)state;
	assert_int_equal(console_cookie_get("a=1; sb_session=abc; b=2",
	    "sb_session", out, sizeof(out)), 1);
	assert_string_equal(out, "abc");
	assert_int_equal(console_cookie_get("sb_session=x ", "sb_session", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "x");
	assert_int_equal(console_cookie_get("xsb_session=abc", "sb_session",
	    out, sizeof(out)), 0);
	assert_int_equal(console_cookie_get("sb_sessionx=abc", "sb_session",
	    out, sizeof(out)), 0);
	assert_int_equal(console_cookie_get("sb_session", "sb_session", out,
	    sizeof(out)), 0);
	assert_int_equal(console_cookie_get(NULL, "sb_session", out,
	    sizeof(out)), 0);
	assert_int_equal(console_cookie_get(";;; sb_session=;", "sb_session",
	    out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(console_cookie_get("sb_session=0123456789", "sb_session",
	    out, 5), 0);
}

/* ---- the page ------------------------------------------------------- */

static void
test_page_matches_source(void **state)
{
	FILE	*f = fopen("collector/console/index.html", "rb");
	char	*buf;
	long	 n;

	(void)state;
	if (f == NULL)
		skip();		/* not run from the checkout root */
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (strcmp(buf, console_page_html) != 0)
		fail_msg("collector/console_page.c is out of date: run "
		    "sh scripts/console_page.sh");
	/* One inline script and style, no inline handlers, no innerHTML. */
	assert_null(strstr(strstr(buf, "<script>") + 1, "<script"));
	assert_null(strstr(buf, "innerHTML"));
	assert_null(strstr(buf, " onclick="));
	assert_null(strstr(buf, " style=\""));
	assert_non_null(strstr(buf, "用户名 User name"));
	free(buf);
}

/* ---- whole requests ------------------------------------------------- */

struct fx {
	struct collector_conf	 cc;
	struct api		 api;
	struct console		*con;
	struct console_response	 rs;
	char			 cookie[sizeof(((struct console_response *)0)->cookie)];
	char			 csrf[CONSOLE_TOKEN_HEX];
};

/*
 * Two collectors on one database (two stores, two session tables): a
 * login on one works on the other with its CSRF token; a logout, a
 * password change (end_user) or idleness on one ends it on both; a use
 * on one keeps it alive on the other.
 */
static void
test_sessions_shared(void **state)
{
	struct console_sessions	*t1 = calloc(1, sizeof(*t1));
	struct console_sessions	*t2 = calloc(1, sizeof(*t2));
	struct console_session	*s, *o;
	char			 dir[] = "/tmp/test_console.XXXXXX", path[64];
	char			 id[CONSOLE_TOKEN_HEX], id2[CONSOLE_TOKEN_HEX];
	char			 e[256];
	const char		*target;
	int64_t			 now = 1700000000000LL;

	(void)state;
	assert_non_null(t1);
	assert_non_null(t2);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.db", dir);
	target = test_backend_target(path);
	if ((t1->st = store_open(target, e, sizeof(e))) == NULL ||
	    (t2->st = store_open(target, e, sizeof(e))) == NULL)
		fail_msg("%s", e);

	assert_non_null(s = console_session_new(t1, "erin", CONSOLE_ROLE_ADMIN,
	    "10.0.0.5", now, id, sizeof(id)));
	assert_non_null(o = console_session_find(t2, id, now + 1000));
	assert_string_equal(o->user, "erin");
	assert_int_equal(o->role, CONSOLE_ROLE_ADMIN);
	assert_string_equal(o->csrf, s->csrf);
	assert_string_equal(o->peer, "10.0.0.5");
	/* Used on 2 twenty minutes later: alive on 1 past 1's own idle. */
	assert_non_null(console_session_find(t2, id, now + 20 * 60000));
	assert_non_null(console_session_find(t1, id, now + 45 * 60000));
	/* Logout on 2 ends it on 1. */
	console_session_end(t2, console_session_find(t2, id, now + 46 * 60000));
	assert_null(console_session_find(t1, id, now + 46 * 60000));

	/* A password change on 2 ends every session of that user on 1. */
	assert_non_null(console_session_new(t1, "fred", CONSOLE_ROLE_READ, "",
	    now, id, sizeof(id)));
	assert_non_null(console_session_new(t1, "fred", CONSOLE_ROLE_READ, "",
	    now, id2, sizeof(id2)));
	assert_non_null(console_session_find(t1, id, now));
	assert_int_equal(console_session_end_user(t2, "fred"), 2);
	assert_null(console_session_find(t1, id, now));
	assert_null(console_session_find(t1, id2, now));

	/* Idle past CONSOLE_IDLE_MS, seen from the other one: gone on both. */
	assert_non_null(console_session_new(t1, "gina", CONSOLE_ROLE_READ, "",
	    now, id, sizeof(id)));
	assert_null(console_session_find(t2, id, now + CONSOLE_IDLE_MS + 1));
	assert_null(console_session_find(t1, id, now + 1000));

	store_close(t1->st);
	store_close(t2->st);
	free(t1);
	free(t2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct conf_err	 cerr;
	char		 e[256];

	log_init("test_console", 0, LOG_LVL_ERROR);
	assert_int_equal(collector_conf_load(NULL, &f->cc, &cerr), 0);
	f->api.store = store_open(test_backend_target(":memory:"), e, sizeof(e));
	assert_non_null(f->api.store);
	f->api.conf = &f->cc;
	f->api.now = test_now;
	assert_non_null(f->con = console_new());
	f->api.console = f->con;
	clock_ms = T0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	console_response_free(&f->rs);
	console_free(f->con);
	store_close(f->api.store);
	collector_conf_free(&f->cc);
	free(f);
	return 0;
}

static int
admin(struct fx *f, enum api_method m, const char *uri, const char *body)
{
	struct api_request	rq;
	struct api_response	rs = { 0, NULL, NULL, 0 };
	struct evhttp_uri	*u = evhttp_uri_parse(uri);
	int			st;

	memset(&rq, 0, sizeof(rq));
	rq.method = m;
	rq.uri = uri;
	api_request_target(&rq, u);
	rq.peer = "127.0.0.1:1";
	rq.body = body ? body : "";
	rq.bodylen = body ? strlen(body) : 0;
	api_admin_handle(&f->api, &rq, &rs);
	evhttp_uri_free(u);
	st = rs.status;
	api_response_free(&rs);
	return st;
}

/* A console request from 10.0.0.5 with the fixture's cookie. */
static int
req(struct fx *f, enum api_method m, const char *uri, const char *origin,
    const char *csrf, const char *ctype, const char *body)
{
	struct console_request	 rq;
	struct api_request	 arq;
	struct evhttp_uri	*u = evhttp_uri_parse(uri);

	memset(&rq, 0, sizeof(rq));
	memset(&arq, 0, sizeof(arq));
	api_request_target(&arq, u);
	rq.method = m;
	rq.uri = uri;
	rq.path = arq.path;
	rq.query = arq.query;
	rq.addr = "10.0.0.5";
	rq.host = HOST;
	rq.cookie = f->cookie[0] ? f->cookie : NULL;
	rq.origin = origin;
	rq.csrf = csrf;
	rq.content_type = ctype;
	rq.body = body ? body : "";
	rq.bodylen = body ? strlen(body) : 0;
	console_response_free(&f->rs);
	/* Poisoned: whoever answers must start the response. */
	memset(&f->rs, 0x5a, sizeof(f->rs));
	/* as http.c does */
	if (strncmp(rq.path, "/console/api/", 13) == 0)
		access_console_handle(&f->api, &rq, &f->rs);
	else
		console_handle(f->con, &f->api, &rq, &f->rs);
	evhttp_uri_free(u);
	return f->rs.status;
}

static const char *
hdr(struct fx *f, const char *name)
{
	for (int i = 0; i < f->rs.nheaders; i++)
		if (strcmp(f->rs.hname[i], name) == 0)
			return f->rs.hvalue[i];
	return NULL;
}

static int
login(struct fx *f, const char *name, const char *pw)
{
	char	body[256];
	json_t	*j;
	int	st;

	snprintf(body, sizeof(body), "name=%s&password=%s", name, pw);
	f->cookie[0] = '\0';
	st = req(f, API_POST, "/console/login", ORIGIN, NULL, NULL, body);
	if (st == 200) {
		char *semi;

		assert_non_null(strstr(f->rs.cookie, "; Secure; HttpOnly; "
		    "SameSite=Strict"));
		snprintf(f->cookie, sizeof(f->cookie), "%s", f->rs.cookie);
		if ((semi = strchr(f->cookie, ';')) != NULL)
			*semi = '\0';
		j = json_loads(f->rs.body, 0, NULL);
		snprintf(f->csrf, sizeof(f->csrf), "%s",
		    json_string_value(json_object_get(j, "csrf")));
		json_decref(j);
	}
	return st;
}

static void
test_requests(void **state)
{
	struct fx *f = *state;

	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"alice\",\"role\":\"admin\",\"password\":\"correct horse\"}"),
	    200);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"bob\",\"role\":\"read\",\"password\":\"battery staple\"}"),
	    200);
	/* Bad user input to the admin API. */
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"alice\",\"role\":\"admin\",\"password\":\"correct horse\"}"),
	    409);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"x y\",\"role\":\"admin\",\"password\":\"correct horse\"}"),
	    400);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"carol\",\"role\":\"root\",\"password\":\"correct horse\"}"),
	    400);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"carol\",\"role\":\"read\",\"password\":\"short\"}"), 400);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"carol\",\"role\":\"read\",\"password\":\"a\\u0000bcdefghij\"}"),
	    400);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users/nobody/delete",
	    NULL), 404);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/users", NULL), 200);

	/* The page and its headers. */
	assert_int_equal(req(f, API_GET, "/console/", NULL, NULL, NULL, NULL),
	    200);
	assert_string_equal(f->rs.content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(hdr(f, "Content-Security-Policy"),
	    "script-src 'sha256-"));
	assert_string_equal(hdr(f, "X-Frame-Options"), "DENY");
	assert_string_equal(hdr(f, "Referrer-Policy"), "no-referrer");
	assert_string_equal(hdr(f, "Cache-Control"), "no-store");
	assert_int_equal(req(f, API_POST, "/console/", ORIGIN, NULL, NULL,
	    NULL), 405);
	assert_int_equal(req(f, API_GET, "/console/nothing", NULL, NULL, NULL,
	    NULL), 404);

	/* Not logged in. */
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 401);
	assert_int_equal(req(f, API_GET, "/console/session", NULL, NULL, NULL,
	    NULL), 200);
	assert_string_equal(f->rs.body, "{\"user\":null}");
	/* Login without Origin: refused (login CSRF). */
	assert_int_equal(req(f, API_POST, "/console/login", NULL, NULL, NULL,
	    "name=alice&password=correct+horse"), 403);
	assert_int_equal(req(f, API_POST, "/console/login", ORIGIN, NULL, NULL,
	    "name=alice"), 400);
	assert_int_equal(login(f, "alice", "correct+horse"), 200);
	assert_int_equal(req(f, API_GET, "/console/session", NULL, NULL, NULL,
	    NULL), 200);
	assert_non_null(strstr(f->rs.body, "\"role\":\"admin\""));
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 200);
	assert_non_null(strstr(f->rs.body, "\"agents\":[]"));
	assert_non_null(hdr(f, "Content-Security-Policy"));
	assert_string_equal(hdr(f, "X-Frame-Options"), "DENY");
	/* POST: no token, wrong token, wrong origin, then right. */
	assert_int_equal(req(f, API_POST, "/console/api/asset?id=1", ORIGIN,
	    NULL, "application/json", "{}"), 403);
	assert_int_equal(req(f, API_POST, "/console/api/asset?id=1", ORIGIN,
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "application/json", "{}"), 403);
	assert_int_equal(req(f, API_POST, "/console/api/asset?id=1",
	    "https://evil.example", f->csrf, "application/json", "{}"), 403);
	assert_int_not_equal(req(f, API_POST, "/console/api/asset?id=1",
	    ORIGIN, f->csrf, "application/json", "{}"), 403);
	/* Users, tokens, revocation and the audit list are not reachable
	   through the console (rows without ROUTE_CONSOLE). */
	assert_int_equal(req(f, API_GET, "/console/api/users", NULL, NULL,
	    NULL, NULL), 403);
	assert_int_equal(req(f, API_POST, "/console/api/tokens", ORIGIN,
	    f->csrf, "application/json", "{}"), 403);
	assert_int_equal(req(f, API_POST, "/console/api/agents/revoke", ORIGIN,
	    f->csrf, "application/json", "{\"agent\":\"pc-1\"}"), 403);
	assert_int_equal(req(f, API_GET, "/console/api/audit", NULL, NULL,
	    NULL, NULL), 403);
	assert_int_equal(req(f, API_GET, "/console/api/audit/verify", NULL,
	    NULL, NULL, NULL), 200);
	/* 404 and 405 from the route table, Allow with it. */
	assert_int_equal(req(f, API_GET, "/console/api/nothing", NULL, NULL,
	    NULL, NULL), 404);
	assert_int_equal(req(f, API_POST, "/console/api/agents", ORIGIN,
	    f->csrf, "application/json", "{}"), 405);
	assert_string_equal(hdr(f, "Allow"), "GET");
	/* The JSON login form works too. */
	f->cookie[0] = '\0';
	assert_int_equal(req(f, API_POST, "/console/login", ORIGIN, NULL,
	    "application/json",
	    "{\"name\":\"bob\",\"password\":\"battery staple\"}"), 200);

	/* Read role: GET yes, POST no (even with the token). */
	assert_int_equal(login(f, "bob", "battery+staple"), 200);
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 200);
	assert_int_equal(req(f, API_POST, "/console/api/incidents/1/ack",
	    ORIGIN, f->csrf, "application/json", "{\"note\":\"x\"}"), 403);
	assert_non_null(strstr(f->rs.body, "read-only"));

	/* Idle expiry on the movable clock. */
	clock_ms += CONSOLE_IDLE_MS + 1;
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 401);

	/* Logout ends the session; it needs the token. */
	assert_int_equal(login(f, "alice", "correct+horse"), 200);
	assert_int_equal(req(f, API_POST, "/console/logout", ORIGIN, NULL,
	    NULL, NULL), 403);
	assert_int_equal(req(f, API_POST, "/console/logout", ORIGIN, f->csrf,
	    NULL, NULL), 200);
	assert_non_null(strstr(f->rs.cookie, "Max-Age=0"));
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 401);

	/* A password change ends the user's sessions. */
	assert_int_equal(login(f, "alice", "correct+horse"), 200);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users/alice/password",
	    "{\"password\":\"new password\"}"), 200);
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 401);
	assert_int_equal(login(f, "alice", "correct+horse"), 401);
	assert_int_equal(login(f, "alice", "new+password"), 200);
	/* Deleting ends them too. */
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users/alice/delete",
	    NULL), 200);
	assert_int_equal(req(f, API_GET, "/console/api/agents", NULL, NULL,
	    NULL, NULL), 401);
}

static void
test_login_rate_limit(void **state)
{
	struct fx *f = *state;

	assert_int_equal(admin(f, API_POST, "/api/v1/admin/users",
	    "{\"name\":\"alice\",\"role\":\"admin\",\"password\":\"correct horse\"}"),
	    200);
	for (int i = 0; i < CONSOLE_FAIL_MAX; i++)
		assert_int_equal(login(f, "alice", "wrong+guess"), 401);
	/* Now even the right password waits. */
	assert_int_equal(login(f, "alice", "correct+horse"), 429);
	assert_non_null(strstr(f->rs.body, "too many failed logins"));
	/* Unknown users count against the address as well. */
	assert_int_equal(login(f, "nobody", "x"), 429);
	clock_ms += CONSOLE_FAIL_WINDOW_MS;
	assert_int_equal(login(f, "alice", "correct+horse"), 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_hash_malformed),
		cmocka_unit_test(test_session_expiry),
		cmocka_unit_test(test_session_table_full),
		cmocka_unit_test(test_sessions_shared),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_page_matches_source),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_rate_limit, setup,
		    teardown),
	};

	return TEST_RUN_BACKENDS("test_console", tests, NULL, NULL);
}
