/*
 * libFuzzer target: event_batch_decode() on arbitrary bytes (the body of
 * POST /api/v1/events after gunzip).
 * - It must agree with the jansson decoder alone (event_batch_decode_json):
 *   the same answer, the same error, the same events; where the fast path
 *   kept an event's data as text, that text is jansson's compact dump.
 * - A decoded batch is re-encoded and must decode to the same thing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_event(const struct event *a, const struct event *b)
{
	return strcmp(a->agent, b->agent) == 0 && a->seq == b->seq &&
	    a->ts_ms == b->ts_ms && strcmp(a->type, b->type) == 0 &&
	    a->severity == b->severity && strcmp(a->key, b->key) == 0 &&
	    json_equal(event_data(a), event_data(b));
}

/* b (any decoder) against j (jansson's): same events, texts as dumped. */
static void
agree(const struct event_batch *b, const struct event_batch *j)
{
	if (strcmp(b->agent, j->agent) != 0 || b->n != j->n)
		abort();
	for (size_t i = 0; i < b->n; i++) {
		const struct event *e = &b->events[i];

		if (!same_event(e, &j->events[i]))
			abort();
		if (e->data_text != NULL) {
			char *d = json_dumps(event_data(&j->events[i]),
			    JSON_COMPACT);

			if (d == NULL || strlen(d) != e->data_len ||
			    memcmp(d, e->data_text, e->data_len) != 0)
				abort();
			free(d);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_limits	lim = { 1 << 20, 5000 };
	struct event_batch	b, b2, j;
	char			err[512], jerr[512];
	json_t			*o, *evs;
	char			*s;
	int			 rc, jrc;

	rc = event_batch_decode((const char *)data, size, &lim, &b, err,
	    sizeof(err));
	jrc = event_batch_decode_json((const char *)data, size, &lim, &j, jerr,
	    sizeof(jerr));
	if (rc != jrc)
		abort();
	if (rc != 0) {
		if (b.n != 0 || b.events != NULL || err[0] == '\0' ||
		    strcmp(err, jerr) != 0)
			abort();
		return 0;
	}
	agree(&b, &j);
	event_batch_free(&j);
	evs = json_array();
	for (size_t i = 0; i < b.n; i++)
		json_array_append_new(evs, event_to_json(&b.events[i]));
	o = json_pack("{s:s, s:o}", "agent", b.agent, "events", evs);
	s = json_dumps(o, JSON_COMPACT);
	if (s == NULL || event_batch_decode(s, strlen(s), NULL, &b2, err,
	    sizeof(err)) != 0)
		abort();
	agree(&b2, &b);
	event_batch_free(&b2);
	free(s);
	json_decref(o);
	event_batch_free(&b);
	return 0;
}
