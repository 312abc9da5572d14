/*
 * Fuzz the collector's request path (collector/api.c) end to end with an
 * in-memory store: the input is a POST /api/v1/events body, then a
 * heartbeat body, then (its first line) an admin query string and an
 * admin path (the route table's matching).  The
 * first byte picks the Content-Encoding.  Invariants: an error answer
 * stores nothing; every answer is JSON.  The store is opened once and
 * reset to empty before each input (tests/fuzz/fuzz_store.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/store.h"
#include "common/log.h"
#include "tests/fuzz/fuzz_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct collector_conf	cc;
static struct api		api;

static int64_t
fixed_now(void)
{
	return 1795786640000LL;
}

static size_t
events_stored(struct api *ap)
{
	struct api_request	rq = { .method = API_GET,
				    .uri = "/api/v1/admin/agents", .peer = "fuzz",
				    .body = "", .path = "/api/v1/admin/agents",
				    .query = "" };
	struct api_response	rs;
	json_t			*o, *a;
	size_t			 i, n = 0;

	api_admin_handle(ap, &rq, &rs);
	o = json_loads(rs.body, 0, NULL);
	if (o == NULL)
		abort();
	json_array_foreach(json_object_get(o, "agents"), i, a)
		n += (size_t)json_integer_value(json_object_get(a, "events"));
	json_decref(o);
	api_response_free(&rs);
	return n;
}

static void
check_json(const struct api_response *rs)
{
	json_t *o = json_loads(rs->body, 0, NULL);

	if (o == NULL || rs->status < 200 || rs->status > 599)
		abort();
	json_decref(o);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_err	cerr;
	char		err[256];

	(void)argc;
	(void)argv;
	log_init("fuzz", 0, LOG_LVL_ERROR);
	if (collector_conf_load(NULL, &cc, &cerr) == -1)
		abort();
	cc.max_body = 1 << 20;
	cc.max_batch = 100;
	api.conf = &cc;
	api.now = fixed_now;
	if ((api.store = store_open(":memory:", err, sizeof(err))) == NULL)
		abort();
	fuzz_store_snapshot(api.store);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const enc[] = { NULL, "gzip", "identity", "br" };
	struct api_request	 rq;
	struct api_response	 rs;
	struct evhttp_uri	*u;
	char			 uri[600];
	size_t			 before, qlen;
	const char		*nl;

	if (size < 1)
		return 0;
	fuzz_store_reset(api.store);

	memset(&rq, 0, sizeof(rq));
	rq.method = API_POST;
	rq.uri = rq.path = "/api/v1/events";
	rq.query = "";
	rq.peer_cn = "pc-01";
	rq.peer = "fuzz";
	rq.content_encoding = enc[data[0] & 3];
	rq.body = data + 1;
	rq.bodylen = size - 1;
	before = events_stored(&api);
	access_agent_handle(&api, &rq, &rs);
	check_json(&rs);
	if (rs.status != 200 && events_stored(&api) != before)
		abort();
	api_response_free(&rs);

	rq.uri = rq.path = "/api/v1/heartbeat";
	access_agent_handle(&api, &rq, &rs);
	check_json(&rs);
	api_response_free(&rs);

	/* The first line of the input, as an admin query string. */
	nl = memchr(data + 1, '\n', size - 1);
	qlen = nl ? (size_t)(nl - (const char *)data) - 1 : size - 1;
	snprintf(uri, sizeof(uri), "/api/v1/admin/events?%.*s",
	    (int)(qlen > 500 ? 500 : qlen), (const char *)data + 1);
	rq.method = API_GET;
	rq.uri = uri;
	rq.body = "";
	rq.bodylen = 0;
	u = evhttp_uri_parse(uri);
	api_request_target(&rq, u);
	api_admin_handle(&api, &rq, &rs);
	check_json(&rs);
	api_response_free(&rs);
	if (u != NULL)
		evhttp_uri_free(u);

	/* The same line as an admin path: the route table's matching. */
	snprintf(uri, sizeof(uri), "/api/v1/admin/%.*s",
	    (int)(qlen > 500 ? 500 : qlen), (const char *)data + 1);
	u = evhttp_uri_parse(uri);
	api_request_target(&rq, u);
	api_admin_handle(&api, &rq, &rs);
	check_json(&rs);
	if (rs.status == 405 && rs.allow == NULL)
		abort();
	api_response_free(&rs);
	if (u != NULL)
		evhttp_uri_free(u);
	return 0;
}
