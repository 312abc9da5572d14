/*
 * Fuzz the incident admin routes (collector/incident_api.c) with an
 * in-memory store holding one incident: the first byte picks the action
 * (ack, resolve, false-positive, reopen), the first line is a list query
 * string, the rest is the POST body.  Invariants: every answer is JSON; a
 * refused change adds no trail row; the trail always verifies.  The
 * store and its incident are made once; the store is reset to that state
 * before each input (tests/fuzz/fuzz_store.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/incident.h"
#include "collector/store.h"
#include "common/log.h"
#include "tests/fuzz/fuzz_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct incidents_conf	ic;
static struct collector_conf	cc;
static struct api		api;

static int64_t
fixed_now(void)
{
	return 1795786640000LL;
}

static void
check_json(const struct api_response *rs)
{
	json_t *o = json_loads(rs->body, 0, NULL);

	if (o == NULL || rs->status < 200 || rs->status > 599)
		abort();
	json_decref(o);
}

static int64_t
trail_rows(struct store *st)
{
	int64_t	rows, broken;
	char	why[512];

	if (store_incident_verify(st, &rows, &broken, why, sizeof(why)) == -1 ||
	    broken != 0)
		abort();
	return rows;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct incidents_opts	 io;
	struct conf_err			 cerr;
	struct incidents		*in;
	struct event_batch		 b;
	struct store_batch_result	 br;
	char				 err[256];

	(void)argc;
	(void)argv;
	log_init("fuzz", 0, LOG_LVL_ERROR);
	if (collector_conf_load(NULL, &cc, &cerr) == -1 ||
	    incidents_conf_defaults(&ic) == -1)
		abort();
	memset(&api, 0, sizeof(api));
	api.conf = &cc;
	api.now = fixed_now;
	if ((api.store = store_open(":memory:", err, sizeof(err))) == NULL)
		abort();
	io.conf = &ic;
	io.gap_factor = 3;
	if ((in = incidents_new(api.store, &io, err, sizeof(err))) == NULL)
		abort();
	api.incidents = in;
	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "pc-01");
	if ((b.events = calloc(1, sizeof(*b.events))) == NULL)
		abort();
	b.n = 1;
	if (event_set(&b.events[0], "pc-01", 1, fixed_now(), "port_scan",
	    SEV_HIGH, "port_scan:a->b", NULL) == -1 ||
	    store_insert_batch(api.store, &b, fixed_now(), &br, err,
	    sizeof(err)) == -1)
		abort();
	event_batch_free(&b);
	fuzz_store_snapshot(api.store);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const acts[] = { "ack", "resolve", "false-positive",
		"reopen" };
	struct api_request		 rq;
	struct api_response		 rs;
	char				 uri[700];
	const char			*nl;
	size_t				 qlen;
	int64_t				 before;

	if (size < 1)
		return 0;
	fuzz_store_reset(api.store);

	nl = memchr(data + 1, '\n', size - 1);
	qlen = nl ? (size_t)(nl - (const char *)data) - 1 : size - 1;
	snprintf(uri, sizeof(uri), "/api/v1/admin/incidents?%.*s",
	    (int)(qlen > 600 ? 600 : qlen), (const char *)data + 1);
	memset(&rq, 0, sizeof(rq));
	rq.method = API_GET;
	rq.uri = uri;
	rq.path = "/api/v1/admin/incidents";
	rq.query = uri + sizeof("/api/v1/admin/incidents");
	rq.peer = "127.0.0.1:1";
	rq.body = "";
	api_admin_handle(&api, &rq, &rs);
	check_json(&rs);
	api_response_free(&rs);

	snprintf(uri, sizeof(uri), "/api/v1/admin/incidents/1/%s",
	    acts[data[0] & 3]);
	rq.path = uri;
	rq.query = "";
	rq.method = API_POST;
	rq.body = nl ? nl + 1 : "";
	rq.bodylen = nl ? size - (size_t)(nl + 1 - (const char *)data) : 0;
	before = trail_rows(api.store);
	api_admin_handle(&api, &rq, &rs);
	check_json(&rs);
	if (rs.status != 200 && trail_rows(api.store) != before)
		abort();
	if (rs.status == 200 && trail_rows(api.store) != before + 1)
		abort();
	api_response_free(&rs);

	rq.method = API_GET;
	rq.uri = rq.path = "/api/v1/admin/incidents/1";
	api_admin_handle(&api, &rq, &rs);
	check_json(&rs);
	api_response_free(&rs);
	return 0;
}
