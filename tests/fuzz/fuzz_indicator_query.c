/*
 * Fuzz GET /api/v1/admin/indicators (collector/api.c admin_indicators,
 * collector/indicator.c indicator_period_parse and the computation) with
 * an in-memory store holding one agent, an interval and a sample: the
 * input is the query string.  Invariants: every answer is JSON; a 200
 * carries the five indicators; anything else is a 400 with an error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/store.h"
#include "common/log.h"
#include "common/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t
fixed_now(void)
{
	return 1795786640000LL;		/* 2026-11-27 */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct collector_conf	 cc;
	static struct api		 api;
	static int			 ready;
	struct conf_err			 cerr;
	struct api_request		 rq;
	struct api_response		 rs;
	struct store_heartbeat		 hb = { "pc-01", 1767225600000LL,
					    60000, 1767225000000LL };
	char				 err[256], uri[700];
	int				 new_agent;
	json_t				*o;

	if (!ready) {
		log_init("fuzz", 0, LOG_LVL_ERROR);
		time_set_zone("Asia/Shanghai");
		if (collector_conf_load(NULL, &cc, &cerr) == -1)
			abort();
		api.conf = &cc;
		api.now = fixed_now;
		if ((api.store = store_open(":memory:", err, sizeof(err))) ==
		    NULL ||
		    store_heartbeat(api.store, &hb, 3, hb.ts_ms, &new_agent,
		    err, sizeof(err)) == -1)
			abort();
		hb.ts_ms += 120000;
		if (store_heartbeat(api.store, &hb, 3, hb.ts_ms, &new_agent,
		    err, sizeof(err)) == -1)
			abort();
		ready = 1;
	}
	if (size > 600 || memchr(data, '\0', size) != NULL)
		return 0;
	snprintf(uri, sizeof(uri), "/api/v1/admin/indicators?%.*s", (int)size,
	    (const char *)data);
	memset(&rq, 0, sizeof(rq));
	rq.method = API_GET;
	rq.uri = uri;
	rq.path = "/api/v1/admin/indicators";
	rq.query = uri + sizeof("/api/v1/admin/indicators");
	rq.peer = "fuzz";
	rq.body = "";
	api_admin_handle(&api, &rq, &rs);
	if ((o = json_loads(rs.body, 0, NULL)) == NULL)
		abort();
	if (rs.status == 200 && json_array_size(json_object_get(o,
	    "indicators")) != 5)
		abort();
	if (rs.status != 200 && (rs.status != 400 ||
	    !json_is_string(json_object_get(o, "error"))))
		abort();
	json_decref(o);
	api_response_free(&rs);
	return 0;
}
