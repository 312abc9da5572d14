/*
 * The event model and its JSON form.
 *
 * An event is one observation: {agent, seq, ts, type, severity, key, data}.
 * seq increases by one per agent and never repeats; (agent, seq) is the
 * identity that makes delivery exactly-once.  key names what the event is
 * about ("port_scan:10.0.0.5") so the collector can fold repeats.
 *
 * Wire form of one event:
 *   {"agent":"pc-01","seq":42,"ts":"2026-11-27T13:37:20.123Z",
 *    "type":"port_scan","severity":"high","key":"port_scan:10.0.0.5",
 *    "data":{...}}
 * A batch (POST /api/v1/events):
 *   {"agent":"pc-01","events":[EVENT, ...]}
 *
 * Decoding is strict: every field present with its type, nothing else,
 * strings bounded and valid UTF-8, data an object of bounded depth.
 * Errors name the field: "events[3].severity: expected one of ...".
 *
 * A decoded event's data may still be text: a batch in the form agents
 * send (event_scan.c) keeps each event's data as its compact JSON text,
 * checked but not parsed.  The store writes that text as it is; a reader
 * asks event_data(), which parses it on first use.
 */
#ifndef SHAOBING_EVENT_H
#define SHAOBING_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EVENT_AGENT_MAX		64	/* bytes, with NUL */
#define EVENT_TYPE_MAX		48
#define EVENT_KEY_MAX		256
#define EVENT_DATA_MAX_DEPTH	8	/* nesting inside data */
#define EVENT_JSON_MAX_DEPTH	12	/* nesting of a whole batch */
#define EVENT_STRING_MAX	65536	/* any string inside data */

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
};

struct event {
	char		 agent[EVENT_AGENT_MAX];
	uint64_t	 seq;
	int64_t		 ts_ms;		/* UTC ms */
	char		 type[EVENT_TYPE_MAX];
	enum severity	 severity;
	char		 key[EVENT_KEY_MAX];
	json_t		*data;		/* an object; owned; NULL until
					   event_data() when data_text */
	const char	*data_text;	/* data as compact JSON (the form
					   JSON_COMPACT dumps), NUL-ended,
					   in the batch's arena; or NULL */
	size_t		 data_len;
};

struct event_batch {
	char		 agent[EVENT_AGENT_MAX];
	struct event	*events;
	size_t		 n;
	char		*arena;		/* the events' data_text */
};

struct event_limits {
	size_t	max_bytes;	/* whole body */
	size_t	max_events;
};

/* "info", "low", "medium", "high", "critical". */
const char	*severity_name(enum severity s);
int		 severity_parse(const char *s, enum severity *out);

/* Name rules for agent names and event types: [A-Za-z0-9._-], 1..max-1. */
int	event_name_ok(const char *s, size_t max);

/* Fill the scalar fields; data taken over (may be NULL → {}).  -1 if too long. */
int	event_set(struct event *ev, const char *agent, uint64_t seq,
	    int64_t ts_ms, const char *type, enum severity sev,
	    const char *key, json_t *data);
void	event_clear(struct event *ev);
/*
 * The event's data object, parsed from data_text on first use (kept in
 * ev->data: a cache, so ev stays logically const).  NULL only when out of
 * memory.
 */
json_t	*event_data(const struct event *ev);
/*
 * Whether the data text may hold the bytes s (a member in its compact
 * form, "\"code\":\"x\""): 0 when data_text proves it does not, 1 when
 * it does or there is no text to look in.  Lets a hook skip parsing data
 * it has no use for.
 */
int	event_data_may_hold(const struct event *ev, const char *s);
/*
 * Event times are bounded (DESIGN.md, "Event time"): an event dated
 * after hi (the receive time plus EVENT_TS_MAX_AHEAD_MS) or before lo
 * (2000-01-01, or the oldest time retention keeps) is clamped: dated
 * recv_ms, with "ts_clamped": true and "ts_agent": the agent's own time
 * (wire form) set in its data, whatever the agent had put there.  1
 * clamped, 0 in bounds, -1 out of memory.
 */
#define EVENT_TS_MAX_AHEAD_MS	(5 * 60 * 1000)
#define EVENT_TS_MIN_MS		946684800000LL	/* 2000-01-01T00:00:00Z */
int	event_bound_ts(struct event *ev, int64_t lo, int64_t hi,
	    int64_t recv_ms);

/* New reference; NULL on allocation failure. */
json_t	*event_to_json(const struct event *ev);
/* Compact JSON text, malloc'd; NULL on failure. */
char	*event_to_string(const struct event *ev);

/*
 * Decode one event object.  path prefixes field names in errors
 * ("events[3]").  0, or -1 with err naming the field.
 */
int	event_from_json(const json_t *o, const char *path, struct event *ev,
	    char *err, size_t errlen);

/*
 * Decode a batch from raw bytes (already un-gzipped).  Returns 0; -1 with
 * err on malformed input; -2 when the limits are exceeded (too large).
 * Tries event_batch_scan() first; whatever it leaves, jansson decodes
 * (event_batch_decode_json): the same result, the same errors.
 */
int	event_batch_decode(const char *buf, size_t len,
	    const struct event_limits *lim, struct event_batch *b,
	    char *err, size_t errlen);
/* The jansson decoder alone: any form of JSON, and every error. */
int	event_batch_decode_json(const char *buf, size_t len,
	    const struct event_limits *lim, struct event_batch *b,
	    char *err, size_t errlen);
/*
 * The fast path (event_scan.c): a batch in the compact form agents send
 * (scalar strings without escapes, data as JSON_COMPACT dumps it, no
 * real numbers) decoded without a JSON tree, each event's data kept as
 * text.  0 when decoded, exactly as event_batch_decode_json() would
 * have; 1 when the batch is not in that form or anything in it is wrong
 * (b left empty): the jansson decoder then decides and names the error.
 */
int	event_batch_scan(const char *buf, size_t len, size_t max_events,
	    struct event_batch *b);
void	event_batch_free(struct event_batch *b);

/*
 * Parse any JSON body from the outside with a depth bound checked before
 * jansson sees it.  NULL with err ("line 1 column 5: ...").
 */
json_t	*json_parse_bounded(const char *buf, size_t len, size_t max_depth,
	    char *err, size_t errlen);

#endif
