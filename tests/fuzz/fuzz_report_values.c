/*
 * Fuzz the entered report values route (collector/report_api.c) with an
 * in-memory store: the first line of the input is the query string, the
 * rest the POST body.  Invariants: every answer is JSON; an error answer
 * stores nothing; a stored value is listed back.  The store is opened
 * once and reset to empty before each input (tests/fuzz/fuzz_store.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/store.h"
#include "collector/report_api.h"
#include "collector/store_report.h"
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
stored(struct store *st)
{
	json_t	*o;
	char	 err[256];
	size_t	 n = 0;

	for (int y = 2000; y <= 2200; y += 25) {
		if (report_values_json(st, y, &o, err, sizeof(err)) == -1)
			abort();
		n += json_array_size(json_object_get(o, "values"));
		json_decref(o);
	}
	if (report_values_json(st, 2025, &o, err, sizeof(err)) == -1)
		abort();
	n += json_array_size(json_object_get(o, "values"));
	json_decref(o);
	return n;
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
	struct api_request	 rq;
	struct api_response	 rs;
	char			 uri[600];
	const char		*nl = memchr(data, '\n', size);
	size_t			 qlen = nl ? (size_t)(nl - (const char *)data) :
				    size, before;
	json_t			*o;

	fuzz_store_reset(api.store);
	snprintf(uri, sizeof(uri), "/api/v1/admin/report/values?%.*s",
	    (int)(qlen > 500 ? 500 : qlen), (const char *)data);
	memset(&rq, 0, sizeof(rq));
	rq.method = API_POST;
	rq.uri = uri;
	rq.path = "/api/v1/admin/report/values";
	rq.query = strchr(uri, '?') + 1;
	rq.peer = "fuzz";
	rq.actor = "fuzz";
	rq.body = nl ? nl + 1 : "";
	rq.bodylen = nl ? size - qlen - 1 : 0;
	before = stored(api.store);
	api_admin_handle(&api, &rq, &rs);
	if ((o = json_loads(rs.body, 0, NULL)) == NULL)
		abort();
	json_decref(o);
	if (rs.status != 200 && stored(api.store) != before)
		abort();
	api_response_free(&rs);
	return 0;
}
