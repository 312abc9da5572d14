/*
 * The collector's request handling without sockets (collector/api.c):
 * status codes and {"error":"..."} bodies, nothing stored on error,
 * gzip bounds, admin parameters; and its configuration table.
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
#include <zlib.h>

#include <event2/http.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/collector.h"
#include "collector/store.h"
#include "collector/store_priv.h"
#include "common/log.h"
#include "tests/unit/backends.h"

#define NOW	1795786640000LL	/* 2026-11-27T13:37:20Z, a fixed clock */

static int64_t
fixed_now(void)
{
	return NOW;
}

struct fx {
	struct collector_conf	 cc;
	struct api		 api;
	struct api_response	 rs;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct conf_err	 err;
	char		 e[256];

	log_init("test_collector_api", 0, LOG_LVL_ERROR);
	assert_int_equal(collector_conf_load(NULL, &f->cc, &err), 0);
	f->cc.max_body = 4096;
	f->cc.max_batch = 3;
	f->api.store = store_open(test_backend_target(":memory:"), e, sizeof(e));
	assert_non_null(f->api.store);
	f->api.conf = &f->cc;
	f->api.now = fixed_now;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	api_response_free(&f->rs);
	store_close(f->api.store);
	collector_conf_free(&f->cc);
	free(f);
	return 0;
}

/* Agent request; returns the status, body in f->rs. */
static int
agent(struct fx *f, enum api_method m, const char *uri, const char *cn,
    const char *enc, const void *body, size_t len)
{
	struct api_request	 rq;
	struct evhttp_uri	*u = evhttp_uri_parse(uri);

	memset(&rq, 0, sizeof(rq));
	rq.method = m;
	rq.uri = uri;
	rq.content_encoding = enc;
	rq.peer_cn = cn;
	rq.peer = "test";
	rq.body = body;
	rq.bodylen = len;
	api_request_target(&rq, u);
	api_response_free(&f->rs);
	access_agent_handle(&f->api, &rq, &f->rs);
	evhttp_uri_free(u);
	return f->rs.status;
}

static int
post(struct fx *f, const char *uri, const char *cn, const char *body)
{
	return agent(f, API_POST, uri, cn, NULL, body, strlen(body));
}

static int
admin(struct fx *f, enum api_method m, const char *uri)
{
	struct api_request	 rq;
	struct evhttp_uri	*u = evhttp_uri_parse(uri);

	memset(&rq, 0, sizeof(rq));
	rq.method = m;
	rq.uri = uri;
	rq.peer = "test";
	rq.body = "";
	api_request_target(&rq, u);
	api_response_free(&f->rs);
	api_admin_handle(&f->api, &rq, &f->rs);
	evhttp_uri_free(u);
	return f->rs.status;
}

/* Admin POST with a JSON body. */
static int
admin_post(struct fx *f, const char *uri, const char *body)
{
	struct api_request	 rq;
	struct evhttp_uri	*u = evhttp_uri_parse(uri);

	memset(&rq, 0, sizeof(rq));
	rq.method = API_POST;
	rq.uri = uri;
	rq.peer = "test";
	rq.actor = "tester";
	rq.body = body;
	rq.bodylen = strlen(body);
	api_request_target(&rq, u);
	api_response_free(&f->rs);
	api_admin_handle(&f->api, &rq, &f->rs);
	evhttp_uri_free(u);
	return f->rs.status;
}

static const char *
error_of(struct fx *f)
{
	static char	 buf[512];
	json_t		*o = json_loads(f->rs.body, 0, NULL);

	assert_non_null(o);
	snprintf(buf, sizeof(buf), "%s",
	    json_string_value(json_object_get(o, "error")));
	json_decref(o);
	return buf;
}

#define EV(seq, sev) "{\"agent\":\"pc-01\",\"seq\":" #seq ",\"ts\":" \
	"\"2026-11-27T13:37:20.123Z\",\"type\":\"system\",\"severity\":\"" \
	sev "\",\"key\":\"system:pc-01\",\"data\":{\"a\":1}}"
#define BATCH2	"{\"agent\":\"pc-01\",\"events\":[" EV(1, "info") "," \
	EV(2, "high") "]}"

/* Events stored, through the admin API. */
static size_t
stored(struct fx *f)
{
	json_t	*o;
	size_t	 n;

	assert_int_equal(admin(f, API_GET, "/api/v1/admin/events?limit=10000"),
	    200);
	o = json_loads(f->rs.body, 0, NULL);
	n = json_array_size(json_object_get(o, "events"));
	json_decref(o);
	return n;
}

static size_t
gzip_buf(const char *in, size_t len, unsigned char *out, size_t outlen)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return outlen - z.avail_out;
}

static void
test_routes_and_methods(void **state)
{
	struct fx *f = *state;

	assert_int_equal(agent(f, API_GET, "/api/v1/health", NULL, NULL, "", 0),
	    200);
	assert_string_equal(f->rs.body, "{\"status\":\"ok\",\"version\":\"0.1.0\"}");
	assert_int_equal(agent(f, API_GET, "/api/v1/nope", "pc-01", NULL, "", 0),
	    404);
	assert_string_equal(error_of(f), "unknown path");
	assert_int_equal(agent(f, API_GET, "/api/v1/events", "pc-01", NULL, "",
	    0), 405);
	assert_int_equal(agent(f, API_OTHER, "/api/v1/heartbeat", "pc-01", NULL,
	    "", 0), 405);
	assert_int_equal(agent(f, API_POST, "/api/v1/health", NULL, NULL, "", 0),
	    405);
	/* Admin paths do not exist on the agent port, and vice versa. */
	assert_int_equal(agent(f, API_GET, "/api/v1/admin/agents", "pc-01",
	    NULL, "", 0), 404);
	assert_int_equal(admin(f, API_POST, "/api/v1/events"), 404);
	assert_int_equal(admin(f, API_POST, "/api/v1/admin/agents"), 405);
	assert_int_equal(admin(f, API_GET, "/api/v1/health"), 200);
}

static void
test_events_ok_and_resend(void **state)
{
	struct fx *f = *state;

	assert_int_equal(post(f, "/api/v1/events", "pc-01", BATCH2), 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":2}");
	assert_int_equal(post(f, "/api/v1/events", "pc-01", BATCH2), 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":2}");
	assert_int_equal(stored(f), 2);
}

#define EV3(seq, key) "{\"agent\":\"pc-01\",\"seq\":" #seq ",\"ts\":" \
	"\"2026-11-27T13:30:00.000Z\",\"type\":\"system\",\"severity\":\"low\"," \
	"\"key\":\"" key "\",\"data\":{}}"

/*
 * One event the store cannot take is answered as rejected, the others
 * stored; the resend says the same and stores nothing.  A store that
 * cannot write answers 503 with Retry-After, and health says so until a
 * write succeeds.
 */
static void
test_events_rejected_and_retry(void **state)
{
	struct fx	*f = *state;
	const char	*batch = "{\"agent\":\"pc-01\",\"events\":[" EV3(1, "a")
	    "," EV3(2, "zz-refuse-me") "," EV3(3, "b") "]}";
	const char	*later = "{\"agent\":\"pc-01\",\"events\":[" EV3(4, "c")
	    "]}";

	assert_int_equal(test_db_fail_trigger(store_db(f->api.store), "t",
	    "INSERT", "events", "NEW.key LIKE 'zz-refuse%'", "no zz keys here"),
	    0);
	assert_int_equal(post(f, "/api/v1/events", "pc-01", batch), 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":3,\"rejected\":"
	    "[{\"seq\":2,\"error\":\"storing the event: no zz keys here\"}]}");
	assert_int_equal(stored(f), 2);
	assert_int_equal(f->api.events_rejected, 1);
	assert_int_equal(post(f, "/api/v1/events", "pc-01", batch), 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":3,\"rejected\":"
	    "[{\"seq\":2,\"error\":\"storing the event: no zz keys here\"}]}");
	assert_int_equal(stored(f), 2);
	assert_int_equal(f->api.events_rejected, 1);

	assert_int_equal(test_db_read_only(store_db(f->api.store), 1), 0);
	assert_int_equal(post(f, "/api/v1/events", "pc-01", later), 503);
	assert_int_equal(f->rs.retry_after, API_STORE_RETRY_S);
	assert_non_null(strstr(f->rs.body, "\"store\":\"database read-only\""));
	assert_int_equal(agent(f, API_GET, "/api/v1/health", NULL, NULL, "", 0),
	    503);
	assert_non_null(strstr(f->rs.body, "\"status\":\"failing\""));
	assert_non_null(strstr(f->rs.body, "database read-only"));
	assert_int_equal(test_db_read_only(store_db(f->api.store), 0), 0);
	assert_int_equal(post(f, "/api/v1/events", "pc-01", later), 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":4}");
	assert_int_equal(f->rs.retry_after, 0);
	assert_int_equal(agent(f, API_GET, "/api/v1/health", NULL, NULL, "", 0),
	    200);
	assert_int_equal(stored(f), 3);
}

#define EVT(seq, ts) "{\"agent\":\"pc-01\",\"seq\":" #seq ",\"ts\":\"" ts \
	"\",\"type\":\"system\",\"severity\":\"high\",\"key\":\"k:" #seq \
	"\",\"data\":{\"ts_clamped\":false,\"x\":" #seq "}}"

/*
 * Event times outside [max(2000, now - retention), now + 5 min] are
 * stored with the receive time, data.ts_clamped and data.ts_agent; those
 * inside are kept as sent (an agent's own ts_clamped is overwritten only
 * when the collector clamps).
 */
static void
test_event_time_bounds(void **state)
{
	struct fx	*f = *state;
	json_t		*o, *ev, *d;
	size_t		 i;
	int		 r;
	static const struct {
		int		 seq;
		const char	*sent, *stored;	/* stored NULL: clamped */
	} want[] = {
		{ 1, "2031-06-15T08:00:00.000Z", NULL },	/* far future */
		{ 2, "2026-11-27T13:42:20.124Z", NULL },	/* 5 min + 1 ms */
		{ 3, "2026-11-27T13:42:20.000Z", "2026-11-27T13:42:20.000Z" },
		{ 4, "9999-12-31T23:59:59.999Z", NULL },
		{ 5, "1970-01-01T00:00:00.000Z", NULL },	/* the epoch */
		{ 6, "1999-12-31T23:59:59.999Z", NULL },
		{ 7, "2026-11-20T01:02:03.456Z", "2026-11-20T01:02:03.456Z" },
		{ 8, "2020-02-29T12:00:00.000Z", NULL },	/* before retention */
	};

	f->cc.max_batch = 16;
	r = post(f, "/api/v1/events", "pc-01",
	    "{\"agent\":\"pc-01\",\"events\":["
	    EVT(1, "2031-06-15T08:00:00.000Z") ","
	    EVT(2, "2026-11-27T13:42:20.124Z") ","
	    EVT(3, "2026-11-27T13:42:20.000Z") ","
	    EVT(4, "9999-12-31T23:59:59.999Z") ","
	    EVT(5, "1970-01-01T00:00:00.000Z") ","
	    EVT(6, "1999-12-31T23:59:59.999Z") ","
	    EVT(7, "2026-11-20T01:02:03.456Z") ","
	    EVT(8, "2020-02-29T12:00:00.000Z") "]}");
	assert_int_equal(r, 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":8}");
	/* A negative year or one before 1970 is not a time the wire form
	   has: 400 naming the field. */
	assert_int_equal(post(f, "/api/v1/events", "pc-01",
	    "{\"agent\":\"pc-01\",\"events\":["
	    EVT(9, "-001-01-01T00:00:00.000Z") "]}"), 400);
	assert_non_null(strstr(error_of(f), "events[0].ts"));
	assert_int_equal(post(f, "/api/v1/events", "pc-01",
	    "{\"agent\":\"pc-01\",\"events\":["
	    EVT(9, "2026-11-27T13:37:20.000Z") ","
	    EVT(10, "1969-07-20T20:17:40.000Z") "]}"), 400);
	assert_non_null(strstr(error_of(f), "events[1].ts"));
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/events?limit=100"),
	    200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(o, "events")), 8);
	json_array_foreach(json_object_get(o, "events"), i, ev) {
		int seq = (int)json_integer_value(json_object_get(ev, "seq"));

		assert_true(seq >= 1 && seq <= 8);
		d = json_object_get(ev, "data");
		if (want[seq - 1].stored != NULL) {
			assert_string_equal(json_string_value(json_object_get(ev,
			    "ts")), want[seq - 1].stored);
			assert_true(json_is_false(json_object_get(d,
			    "ts_clamped")));
			assert_null(json_object_get(d, "ts_agent"));
		} else {
			assert_string_equal(json_string_value(json_object_get(ev,
			    "ts")), "2026-11-27T13:37:20.000Z");
			assert_true(json_is_true(json_object_get(d,
			    "ts_clamped")));
			assert_string_equal(json_string_value(json_object_get(d,
			    "ts_agent")), want[seq - 1].sent);
		}
		assert_int_equal(json_integer_value(json_object_get(d, "x")), seq);
	}
	json_decref(o);
}

static void
test_events_errors_store_nothing(void **state)
{
	struct fx	*f = *state;
	char		 big[5000];
	static const struct {
		const char	*cn, *enc, *body;
		int		 status;
		const char	*error;	/* prefix */
	} cases[] = {
		{ NULL, NULL, BATCH2, 401, "client certificate required" },
		{ "pc-02", NULL, BATCH2, 403,
		  "batch names agent 'pc-01' but the certificate is for 'pc-02'" },
		{ "pc-01", "br", BATCH2, 415, "unsupported Content-Encoding 'br'" },
		{ "pc-01", "gzip", BATCH2, 400, "gzip body is invalid" },
		{ "pc-01", NULL, "{\"agent\":\"pc-01\",\"events\":[" EV(1, "info")
		  "," EV(2, "bad") "]}", 400,
		  "events[1].severity: expected one of info, low, medium, high, critical" },
		{ "pc-01", NULL, "{\"agent\":\"pc-01\",\"events\":[" EV(1, "info")
		  "," EV(2, "info") "," EV(3, "info") "," EV(4, "info") "]}", 413,
		  "batch of 4 events exceeds the limit of 3" },
		{ "pc-01", NULL, "{\"agent\":", 400, "invalid JSON" },
		{ "pc-01", NULL, "[]", 400, "body: expected an object" },
		{ "pc-01", NULL, "{\"agent\":\"pc-01\",\"events\":[" EV(2, "info")
		  "," EV(1, "info") "]}", 400, "events[1].seq" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = post(f, "/api/v1/events", cases[i].cn, "");

		st = agent(f, API_POST, "/api/v1/events", cases[i].cn,
		    cases[i].enc, cases[i].body, strlen(cases[i].body));
		if (st != cases[i].status ||
		    strncmp(error_of(f), cases[i].error, strlen(cases[i].error)))
			fail_msg("case %zu: %d %s", i, st, f->rs.body);
	}
	memset(big, ' ', sizeof(big));
	assert_int_equal(agent(f, API_POST, "/api/v1/events", "pc-01", NULL,
	    big, sizeof(big)), 413);
	assert_int_equal(stored(f), 0);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/agents"), 200);
	assert_string_equal(f->rs.body, "{\"agents\":[]}");
}

static void
test_events_gzip(void **state)
{
	struct fx	*f = *state;
	unsigned char	 gz[8192], two[16384];
	char		*zeros = calloc(1, 100000);
	size_t		 n, n2;

	n = gzip_buf(BATCH2, strlen(BATCH2), gz, sizeof(gz));
	assert_int_equal(agent(f, API_POST, "/api/v1/events", "pc-01", "gzip",
	    gz, n), 200);
	assert_string_equal(f->rs.body, "{\"stored_through\":2}");
	/* Truncated stream. */
	assert_int_equal(agent(f, API_POST, "/api/v1/events", "pc-01", "gzip",
	    gz, n - 4), 400);
	assert_string_equal(error_of(f), "gzip body is truncated");
	/* Two members (RFC 1952 2.2) concatenate: "BATCH2" + "" is not JSON
	   but two halves of one are. */
	n = gzip_buf(BATCH2, 20, two, sizeof(two));
	n2 = gzip_buf(&BATCH2[20], strlen(BATCH2) - 20, two + n,
	    sizeof(two) - n);
	assert_int_equal(agent(f, API_POST, "/api/v1/events", "pc-01", "GZIP",
	    two, n + n2), 200);
	/* A bomb: 100 kB of zeros in a few hundred bytes, cap 4096. */
	n = gzip_buf(zeros, 100000, gz, sizeof(gz));
	assert_true(n < 4096);
	assert_int_equal(agent(f, API_POST, "/api/v1/events", "pc-01", "gzip",
	    gz, n), 413);
	assert_string_equal(error_of(f), "body inflates to more than 4096 bytes");
	free(zeros);
	assert_int_equal(stored(f), 2);
}

#define HB(ts, iv, boot) "{\"agent\":\"pc-01\",\"ts\":\"" ts "\"," \
	"\"interval_s\":" #iv ",\"boot_ts\":\"" boot "\"}"

static void
test_heartbeat(void **state)
{
	struct fx	*f = *state;
	json_t		*o;
	static const struct {
		const char	*body;
		int		 status;
		const char	*error;
	} bad[] = {
		{ "{\"agent\":\"pc-01\"}", 400, "body.ts: missing" },
		{ HB("2026-11-27T13:37:20Z", 60, "2026-11-27T12:00:00.000Z"), 400,
		  "body.ts: expected UTC time" },
		{ HB("2026-11-27T13:37:20.000Z", 0, "2026-11-27T12:00:00.000Z"),
		  400, "body.interval_s: expected an integer from 1 to 86400" },
		{ HB("2026-11-27T13:37:20.000Z", 60, "2026-11-27T14:00:00.000Z"),
		  400, "body.boot_ts: after body.ts" },
		{ HB("2026-11-27T14:37:20.000Z", 60, "2026-11-27T12:00:00.000Z"),
		  400, "body.ts: 3600 s ahead of the collector's clock" },
		{ "{\"agent\":\"pc-01\",\"ts\":\"2026-11-27T13:37:20.000Z\","
		  "\"interval_s\":60,\"boot_ts\":\"2026-11-27T12:00:00.000Z\","
		  "\"x\":1}", 400, "body: unknown field 'x'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = post(f, "/api/v1/heartbeat", "pc-01", bad[i].body);

		if (st != bad[i].status ||
		    strncmp(error_of(f), bad[i].error, strlen(bad[i].error)))
			fail_msg("case %zu: %d %s", i, st, f->rs.body);
	}
	assert_int_equal(post(f, "/api/v1/heartbeat", "pc-02",
	    HB("2026-11-27T13:37:20.000Z", 60, "2026-11-27T12:00:00.000Z")), 403);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/uptime"), 200);
	assert_string_equal(f->rs.body, "{\"intervals\":[]}");

	assert_int_equal(post(f, "/api/v1/heartbeat", "pc-01",
	    HB("2026-11-27T13:36:20.000Z", 60, "2026-11-27T12:00:00.000Z")), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "server_time")), "2026-11-27T13:37:20.000Z");
	json_decref(o);
	assert_int_equal(post(f, "/api/v1/heartbeat", "pc-01",
	    HB("2026-11-27T13:37:20.000Z", 60, "2026-11-27T12:00:00.000Z")), 200);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/uptime?agent=pc-01"),
	    200);
	assert_string_equal(f->rs.body, "{\"intervals\":[{\"agent\":\"pc-01\","
	    "\"start\":\"2026-11-27T13:36:20.000Z\",\"end\":"
	    "\"2026-11-27T13:37:20.000Z\"}]}");
}

/* The rebaseline asked of a website's agent, handed out in its next
   heartbeat answer, once. */
static void
test_website_rebaseline(void **state)
{
	struct fx	*f = *state;
	json_t		*o, *w;
	const char	*hb = HB("2026-11-27T13:37:20.000Z", 60,
	    "2026-11-27T12:00:00.000Z");

	/* Nobody reported the website yet: nothing to ask of whom. */
	assert_int_equal(admin_post(f, "/api/v1/admin/websites/portal/"
	    "rebaseline", "{}"), 404);
	assert_string_equal(error_of(f), "no agent has reported website "
	    "'portal'; name the agent that checks it (--agent)");
	assert_int_equal(post(f, "/api/v1/events", "pc-01", "{\"agent\":"
	    "\"pc-01\",\"events\":[{\"agent\":\"pc-01\",\"seq\":1,\"ts\":"
	    "\"2026-11-27T13:37:20.123Z\",\"type\":\"web_baseline\","
	    "\"severity\":\"info\",\"key\":\"web_baseline:portal:u\","
	    "\"data\":{\"website\":\"portal\",\"url\":\"u\"}}]}"), 200);
	assert_int_equal(admin_post(f, "/api/v1/admin/websites/portal/"
	    "rebaseline", "{\"agent\":\"ghost\"}"), 404);
	assert_string_equal(error_of(f), "unknown agent 'ghost'");
	assert_int_equal(admin_post(f, "/api/v1/admin/websites/portal/"
	    "rebaseline", "{\"x\":1}"), 400);
	assert_int_equal(admin_post(f, "/api/v1/admin/websites/portal/"
	    "rebaseline", "{}"), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "agent")),
	    "pc-01");
	assert_string_equal(json_string_value(json_object_get(o, "status")),
	    "pending");
	json_decref(o);
	/* Asked twice before the heartbeat: the agent hears it once. */
	assert_int_equal(admin_post(f, "/api/v1/admin/websites/portal/"
	    "rebaseline", "{\"agent\":\"pc-01\"}"), 200);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/websites"), 200);
	o = json_loads(f->rs.body, 0, NULL);
	w = json_array_get(json_object_get(o, "websites"), 0);
	assert_string_equal(json_string_value(json_object_get(w, "website")),
	    "portal");
	assert_string_equal(json_string_value(json_object_get(w, "agent")),
	    "pc-01");
	assert_true(json_is_true(json_object_get(w, "pending")));
	json_decref(o);
	assert_int_equal(post(f, "/api/v1/heartbeat", "pc-01", hb), 200);
	o = json_loads(f->rs.body, 0, NULL);
	w = json_object_get(o, "rebaseline");
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_array_get(w, 0)), "portal");
	json_decref(o);
	assert_int_equal(post(f, "/api/v1/heartbeat", "pc-01", hb), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_null(json_object_get(o, "rebaseline"));
	json_decref(o);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/websites"), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_true(json_is_false(json_object_get(json_array_get(
	    json_object_get(o, "websites"), 0), "pending")));
	json_decref(o);
}

static void
test_admin_params(void **state)
{
	struct fx	*f = *state;
	json_t		*o;
	static const struct {
		const char	*uri;
		int		 status;
		const char	*error;
	} cases[] = {
		{ "/api/v1/admin/events?limit=0", 400, "limit:" },
		{ "/api/v1/admin/events?limit=10001", 400, "limit:" },
		{ "/api/v1/admin/events?limit=abc", 400, "limit:" },
		{ "/api/v1/admin/events?after_id=-1", 400, "after_id:" },
		{ "/api/v1/admin/events?since=yesterday", 400, "since: expected UTC" },
		{ "/api/v1/admin/events?type=a%20b", 400, "type:" },
		{ "/api/v1/admin/events?agent=x&agent=y", 400,
		  "parameter 'agent' given twice" },
		{ "/api/v1/admin/events?bogus=1", 400, "unknown parameter 'bogus'" },
		{ "/api/v1/admin/agents?agent=x", 400, "unknown parameter 'agent'" },
		{ "/api/v1/admin/events?agent=ghost", 404, "unknown agent 'ghost'" },
		{ "/api/v1/admin/uptime?agent=ghost", 404, "unknown agent 'ghost'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = admin(f, API_GET, cases[i].uri);

		if (st != cases[i].status ||
		    strncmp(error_of(f), cases[i].error, strlen(cases[i].error)))
			fail_msg("%s: %d %s", cases[i].uri, st, f->rs.body);
	}
	assert_int_equal(post(f, "/api/v1/events", "pc-01", BATCH2), 200);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/events?agent=pc-01&"
	    "type=system&since=2026-11-27T13:37:20.123Z&limit=1"), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(o, "events")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "next_after_id")),
	    1);
	json_decref(o);
	assert_int_equal(admin(f, API_GET,
	    "/api/v1/admin/events?after_id=1&limit=1"), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(o, "events"), 0), "seq")), 2);
	assert_true(json_is_null(json_object_get(o, "next_after_id")));
	json_decref(o);
	assert_int_equal(admin(f, API_GET, "/api/v1/admin/agents"), 200);
	o = json_loads(f->rs.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "agents"), 0), "status")), "up");
	json_decref(o);
}

static void
test_config(void **state)
{
	struct collector_conf	 cc;
	struct conf_err		 err;
	char			 path[256];
	const char		*data = getenv("SHAOBING_TESTDATA");
	FILE			*fp;
	static const struct {
		const char	*text, *error;
	} bad[] = {
		{ "[server]\nmax_batch = 0\n", ":2: [server] max_batch:" },
		{ "[server]\nagent_connections = -1\n",
		  ":2: [server] agent_connections:" },
		{ "[server]\nmax_connections = 200\nagent_connections = 200\n",
		  ":3: [server] agent_connections: 200 must be below "
		  "max_connections (200)" },
		{ "[server]\nmax_connections = 1\nagent_connections = 1\n",
		  ":3: [server] agent_connections: 1 must be below" },
		{ "[server]\nunverified_per_address = 0\n",
		  ":2: [server] unverified_per_address:" },
		{ "[server]\nunverified_per_address = many\n",
		  ":2: [server] unverified_per_address:" },
		{ "[server]\nhandshake_timeout = 50ms\n",
		  ":2: [server] handshake_timeout:" },
		{ "[server]\nhandshake_timeout = 2m\n",
		  ":2: [server] handshake_timeout: 120000 ms is longer than "
		  "request_timeout" },
		{ "[server]\nrequest_timeout = 2s\n\nhandshake_timeout = 3s\n",
		  ":4: [server] handshake_timeout:" },
		{ "[server]\nlisten = localhost:8443\n", ":2: [server] listen:" },
		{ "[server]\nlisten = 0.0.0.0:99999\n", ":2: [server] listen:" },
		{ "[admin]\nlisten = 10.0.0.1:8444\n",
		  ":2: [admin] listen: '10.0.0.1' is not a loopback address" },
		{ "[uptime]\ngap_factor = 0.5\n", ":2: [uptime] gap_factor:" },
		{ "[log]\nlevel = loud\n", ":2: [log] level:" },
		{ "[store]\npath = /x\nfoo = 1\n", ":3: unknown key 'foo' in [store]" },
		{ "[nope]\n", ":1: unknown section [nope]" },
	};

	(void)state;
	/* The shipped example parses and equals the defaults. */
	snprintf(path, sizeof(path), "%s/../../conf/collector.ini",
	    data ? data : "tests/data");
	assert_int_equal(collector_conf_load(path, &cc, &err), 0);
	assert_string_equal(cc.listen, "0.0.0.0:8443");
	assert_int_equal(cc.max_body, 16 << 20);
	assert_int_equal(cc.max_batch, 5000);
	assert_string_equal(cc.admin_listen, "");
	assert_string_equal(cc.admin_socket, "/run/shaobing/admin.sock");
	assert_int_equal(cc.enroll_cert_days, 90);
	assert_int_equal(cc.request_timeout_ms, 60000);
	assert_int_equal(cc.max_connections, 1024);
	assert_int_equal(cc.agent_connections, 128);
	assert_int_equal(cc.unverified_per_address, 32);
	assert_int_equal(cc.handshake_timeout_ms, 5000);
	assert_true(cc.gap_factor == 3.0);
	collector_conf_free(&cc);
	/*
	 * A file from before agent_connections with a small max_connections
	 * still loads: an eighth of the slots are kept for agents.
	 */
	snprintf(path, sizeof(path), "/tmp/test_collector_conf.%d.ini",
	    (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("[server]\nmax_connections = 100\n", fp);
	fclose(fp);
	assert_int_equal(collector_conf_load(path, &cc, &err), 0);
	assert_int_equal(cc.max_connections, 100);
	assert_int_equal(cc.agent_connections, 12);
	collector_conf_free(&cc);
	unlink(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/tmp/test_collector_conf.%d.ini",
		    (int)getpid());
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(bad[i].text, fp);
		fclose(fp);
		if (collector_conf_load(path, &cc, &err) != -1 ||
		    strstr(err.msg, bad[i].error) == NULL ||
		    strncmp(err.msg, path, strlen(path)) != 0)
			fail_msg("case %zu: '%s'", i, err.msg);
		remove(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routes_and_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_ok_and_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_rejected_and_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_errors_store_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_website_rebaseline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_event_time_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_admin_params, setup, teardown),
		cmocka_unit_test(test_config),
	};

	return TEST_RUN_BACKENDS("test_collector_api", tests, NULL, NULL);
}
