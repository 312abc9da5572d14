/*
 * libFuzzer target: event_batch_decode() on arbitrary bytes (the body of
 * POST /api/v1/events after gunzip).  A decoded batch is re-encoded and
 * must decode to the same thing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_limits	lim = { 1 << 20, 5000 };
	struct event_batch	b, b2;
	char			err[512];
	json_t			*o, *evs;
	char			*s;

	if (event_batch_decode((const char *)data, size, &lim, &b, err,
	    sizeof(err)) != 0) {
		if (b.n != 0 || b.events != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	evs = json_array();
	for (size_t i = 0; i < b.n; i++)
		json_array_append_new(evs, event_to_json(&b.events[i]));
	o = json_pack("{s:s, s:o}", "agent", b.agent, "events", evs);
	s = json_dumps(o, JSON_COMPACT);
	if (s == NULL || event_batch_decode(s, strlen(s), NULL, &b2, err,
	    sizeof(err)) != 0 || b2.n != b.n)
		abort();
	for (size_t i = 0; i < b.n; i++)
		if (b2.events[i].seq != b.events[i].seq ||
		    b2.events[i].ts_ms != b.events[i].ts_ms ||
		    strcmp(b2.events[i].key, b.events[i].key) != 0 ||
		    !json_equal(b2.events[i].data, b.events[i].data))
			abort();
	event_batch_free(&b2);
	free(s);
	json_decref(o);
	event_batch_free(&b);
	return 0;
}
