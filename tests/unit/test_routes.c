/*
 * The route tables and the middleware of collector/access.c: matching
 * with :params, 404 against 405 with the Allow header computed from the
 * table, and scope read = GET only (the table's rows and an API token of
 * scope read through access_admin_handle()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/collector.h"
#include "collector/incident.h"
#include "collector/store.h"
#include "collector/store_access.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/token.h"
#include "tests/unit/backends.h"

#define NOW	1795786640000LL

static void
h_none(struct api *api, const struct api_request *rq, struct api_response *rs)
{
	(void)api; (void)rq; (void)rs;
}

static const struct route table[] = {
	{ API_GET,  "/a", SCOPE_READ, 0, h_none },
	{ API_GET,  "/a/:id", SCOPE_READ, 0, h_none },
	{ API_POST, "/a/:id/:action", SCOPE_ADMIN, 0, h_none },
	{ API_GET,  "/b", SCOPE_READ, 0, h_none },
	{ API_POST, "/b", SCOPE_ADMIN, 0, h_none },
	{ API_POST, "/c", SCOPE_ADMIN, 0, h_none },
	{ API_POST, "/u/:name/delete", SCOPE_ADMIN, 0, h_none },
};
#define NT	(sizeof(table) / sizeof(table[0]))

static void
test_match(void **state)
{
	char		 args[2][ROUTE_ARG_MAX], longseg[ROUTE_ARG_MAX + 8];
	const char	*allow;

	(void)state;
	assert_ptr_equal(route_find(table, NT, API_GET, "/a", args, &allow),
	    &table[0]);
	assert_ptr_equal(route_find(table, NT, API_GET, "/a/17", args, &allow),
	    &table[1]);
	assert_string_equal(args[0], "17");
	assert_ptr_equal(route_find(table, NT, API_POST, "/a/17/ack", args,
	    &allow), &table[2]);
	assert_string_equal(args[0], "17");
	assert_string_equal(args[1], "ack");
	/* :id is a positive number of at most 18 digits, :name anything. */
	assert_null(route_find(table, NT, API_GET, "/a/x", args, &allow));
	assert_null(route_find(table, NT, API_GET, "/a/017", args, &allow));
	assert_null(route_find(table, NT, API_GET, "/a/0", args, &allow));
	assert_null(route_find(table, NT, API_GET, "/a/1x", args, &allow));
	assert_null(route_find(table, NT, API_GET, "/a/1234567890123456789",
	    args, &allow));
	assert_ptr_equal(route_find(table, NT, API_GET, "/a/123456789012345678",
	    args, &allow), &table[1]);
	assert_ptr_equal(route_find(table, NT, API_POST, "/u/ana.b-1/delete",
	    args, &allow), &table[6]);
	assert_string_equal(args[0], "ana.b-1");
	/* No partial, empty or overlong segments; no trailing slash. */
	assert_null(route_find(table, NT, API_GET, "/a/", args, &allow));
	assert_null(allow);
	assert_null(route_find(table, NT, API_GET, "/ab", args, &allow));
	assert_null(route_find(table, NT, API_GET, "/a/1/", args, &allow));
	assert_null(route_find(table, NT, API_GET, "", args, &allow));
	memset(longseg, 'x', sizeof(longseg));
	longseg[0] = '/';
	longseg[1] = 'a';
	longseg[2] = '/';
	longseg[sizeof(longseg) - 1] = '\0';
	assert_null(route_find(table, NT, API_GET, longseg, args, &allow));
	assert_null(allow);
}

static int
count_audit(void *arg, int64_t id, const struct store_audit *a, char *err,
    size_t errlen)
{
	(void)id;
	(void)a;
	(void)err;
	(void)errlen;
	++*(int *)arg;
	return 0;
}

static void
test_404_405_allow(void **state)
{
	char		 args[2][ROUTE_ARG_MAX];
	const char	*allow;

	(void)state;
	assert_null(route_find(table, NT, API_GET, "/nothing", args, &allow));
	assert_null(allow);				/* 404 */
	assert_null(route_find(table, NT, API_POST, "/a", args, &allow));
	assert_string_equal(allow, "GET");		/* 405 */
	assert_null(route_find(table, NT, API_GET, "/c", args, &allow));
	assert_string_equal(allow, "POST");
	assert_null(route_find(table, NT, API_OTHER, "/b", args, &allow));
	assert_string_equal(allow, "GET, POST");
	assert_null(route_find(table, NT, API_GET, "/a/3/ack", args, &allow));
	assert_string_equal(allow, "POST");
}

/* Every row: GET rows are scope read, anything else scope admin; one
   row per method and path; what the console must not reach. */
static void
test_tables(void **state)
{
	static const char *const cli_only[] = { "/api/v1/admin/tokens",
		"/api/v1/admin/apitokens", "/api/v1/admin/agents/revoke",
		"/api/v1/admin/agents/unrevoke", "/api/v1/admin/audit",
		"/api/v1/admin/users", NULL };
	const struct route	*t = access_admin_routes;

	(void)state;
	for (size_t i = 0; i < access_admin_nroutes; i++) {
		assert_int_equal(t[i].scope, t[i].method == API_GET ?
		    SCOPE_READ : SCOPE_ADMIN);
		assert_non_null(t[i].fn);
		for (size_t j = i + 1; j < access_admin_nroutes; j++)
			assert_false(t[i].method == t[j].method &&
			    strcmp(t[i].path, t[j].path) == 0);
		for (size_t k = 0; cli_only[k] != NULL; k++)
			if (strncmp(t[i].path, cli_only[k],
			    strlen(cli_only[k])) == 0 &&
			    (t[i].path[strlen(cli_only[k])] == '\0' ||
			    t[i].path[strlen(cli_only[k])] == '/') &&
			    strcmp(t[i].path, "/api/v1/admin/audit/verify") != 0)
				assert_false(t[i].flags & ROUTE_CONSOLE);
	}
	for (size_t i = 0; i < access_agent_nroutes; i++)
		assert_non_null(access_agent_routes[i].fn);
	/* The incident action rows name actions incident.c knows. */
	for (size_t i = 0; i < access_admin_nroutes; i++) {
		enum incident_action a;

		if (t[i].fn == incident_api_act)
			assert_int_equal(incident_action_parse(strrchr(t[i].path,
			    '/') + 1, &a), 0);
	}
}

struct fx {
	struct collector_conf	 cc;
	struct api		 api;
	char			 read_auth[100], admin_auth[100];
};

static int64_t
fixed_now(void)
{
	return NOW;
}

static void
token(struct fx *f, const char *scope, char *auth, size_t authlen)
{
	char	tok[ACCESS_TOKEN_LEN], hash[DIGEST_SHA256_HEX], err[256];
	int64_t	id;

	assert_int_equal(token_new("sbk_", tok, sizeof(tok)), 0);
	assert_int_equal(digest_sha256_hex(tok, strlen(tok), hash,
	    sizeof(hash)), 0);
	assert_int_equal(store_apitoken_add(f->api.store, hash, scope, "t", NOW,
	    0, "test", &id, err, sizeof(err)), 0);
	snprintf(auth, authlen, "Bearer %s", tok);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct conf_err	 err;
	char		 e[256];

	log_init("test_routes", 0, LOG_LVL_ERROR);
	assert_int_equal(collector_conf_load(NULL, &f->cc, &err), 0);
	f->api.store = store_open(test_backend_target(":memory:"), e, sizeof(e));
	assert_non_null(f->api.store);
	f->api.conf = &f->cc;
	f->api.now = fixed_now;
	token(f, "read", f->read_auth, sizeof(f->read_auth));
	token(f, "admin", f->admin_auth, sizeof(f->admin_auth));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->api.store);
	collector_conf_free(&f->cc);
	free(f);
	return 0;
}

/* An admin call over loopback HTTP; the status, Allow into *allow. */
static int
call(struct fx *f, enum api_method m, const char *uri, const char *auth,
    const char **allow)
{
	struct api_request	 rq;
	struct api_response	 rs = { 0, NULL, NULL, 0 };
	struct evhttp_uri	*u = evhttp_uri_parse(uri);
	int			 st;

	memset(&rq, 0, sizeof(rq));
	rq.method = m;
	rq.uri = uri;
	rq.peer = "127.0.0.1:9";
	rq.body = "{}";
	rq.bodylen = 2;
	rq.authorization = auth;
	api_request_target(&rq, u);
	access_admin_handle(&f->api, ADMIN_VIA_HTTP, &rq, &rs);
	evhttp_uri_free(u);
	if (allow != NULL)
		*allow = rs.allow;
	st = rs.status;
	api_response_free(&rs);
	return st;
}

static void
test_middleware(void **state)
{
	struct fx	*f = *state;
	const char	*allow;
	int		 n = 0;
	char		 err[256];

	assert_int_equal(call(f, API_GET, "/api/v1/health", NULL, NULL), 200);
	assert_int_equal(call(f, API_GET, "/api/v1/admin/agents", NULL, NULL),
	    401);
	assert_int_equal(call(f, API_GET, "/api/v1/admin/agents?x=1",
	    f->read_auth, NULL), 400);
	assert_int_equal(call(f, API_GET, "/api/v1/admin/agents", f->read_auth,
	    NULL), 200);
	/* scope read = GET only: a POST row refuses it, an admin token
	   reaches the handler (400: an empty change). */
	assert_int_equal(call(f, API_POST, "/api/v1/admin/asset?id=1",
	    f->read_auth, NULL), 403);
	assert_int_equal(call(f, API_POST, "/api/v1/admin/asset?id=1",
	    f->admin_auth, NULL), 400);
	assert_int_equal(call(f, API_POST, "/api/v1/admin/tokens",
	    f->read_auth, NULL), 403);
	/* 404 against 405, Allow from the table (issue 11: the admin
	   /events is GET-only, the agent's POST-only). */
	assert_int_equal(call(f, API_GET, "/api/v1/admin/nothing",
	    f->admin_auth, &allow), 404);
	assert_null(allow);
	assert_int_equal(call(f, API_POST, "/api/v1/admin/events",
	    f->admin_auth, &allow), 405);
	assert_string_equal(allow, "GET");
	assert_int_equal(call(f, API_OTHER, "/api/v1/admin/asset?id=1",
	    f->admin_auth, &allow), 405);
	assert_string_equal(allow, "GET, POST");
	assert_int_equal(call(f, API_GET, "/api/v1/admin/tokens",
	    f->admin_auth, &allow), 405);
	assert_string_equal(allow, "POST");
	/* :id: a bad id is an unknown path */
	assert_int_equal(call(f, API_GET, "/api/v1/admin/incidents/x",
	    f->admin_auth, NULL), 404);
	assert_int_equal(call(f, API_GET, "/api/v1/admin/incidents/5",
	    f->admin_auth, NULL), 404);
	assert_int_equal(call(f, API_GET, "/api/v1/admin/incidents/5/nuke",
	    f->admin_auth, &allow), 404);
	assert_int_equal(call(f, API_GET, "/api/v1/admin/incidents/5/ack",
	    f->admin_auth, &allow), 405);
	assert_string_equal(allow, "POST");
	/* every call but the open health check is audited, refused too */
	assert_int_equal(store_audit_list(f->api.store, 0, 100, count_audit,
	    &n, err, sizeof(err)), 0);
	assert_int_equal(n, 14);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_404_405_allow),
		cmocka_unit_test(test_tables),
		cmocka_unit_test_setup_teardown(test_middleware, setup, teardown),
	};

	return TEST_RUN_BACKENDS("test_routes", tests, NULL, NULL);
}
