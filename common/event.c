/*
 * The event model's JSON codec (jansson).  Strict on the way in: every
 * error names the field that is wrong.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/event.h"
#include "common/timeutil.h"

static const char *const sev_names[] = {
	"info", "low", "medium", "high", "critical",
};

const char *
severity_name(enum severity s)
{
	if ((unsigned)s >= sizeof(sev_names) / sizeof(sev_names[0]))
		return "unknown";
	return sev_names[s];
}

int
severity_parse(const char *s, enum severity *out)
{
	for (size_t i = 0; i < sizeof(sev_names) / sizeof(sev_names[0]); i++) {
		if (strcmp(s, sev_names[i]) == 0) {
			*out = (enum severity)i;
			return 0;
		}
	}
	return -1;
}

int
event_name_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return n > 0 && n < max;
}

static int
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

int
event_set(struct event *ev, const char *agent, uint64_t seq, int64_t ts_ms,
    const char *type, enum severity sev, const char *key, json_t *data)
{
	memset(ev, 0, sizeof(*ev));
	if (data == NULL)
		data = json_object();
	ev->data = data;
	ev->seq = seq;
	ev->ts_ms = ts_ms;
	ev->severity = sev;
	if (copy_str(ev->agent, sizeof(ev->agent), agent) == -1 ||
	    copy_str(ev->type, sizeof(ev->type), type) == -1 ||
	    copy_str(ev->key, sizeof(ev->key), key) == -1)
		return -1;
	return ev->data ? 0 : -1;
}

int
event_bound_ts(struct event *ev, int64_t lo, int64_t hi, int64_t recv_ms)
{
	json_t	*orig, *data;
	char	 buf[40];

	if (ev->ts_ms >= lo && ev->ts_ms <= hi)
		return 0;
	if ((data = event_data(ev)) == NULL)
		return -1;
	if (time_format_utc(ev->ts_ms, buf, sizeof(buf)) == -1)
		snprintf(buf, sizeof(buf), "%" PRId64 " ms", ev->ts_ms);
	if ((orig = json_string(buf)) == NULL)
		return -1;
	/* The text no longer says what data says. */
	ev->data_text = NULL;
	ev->data_len = 0;
	if (json_object_set(data, "ts_clamped", json_true()) == -1 ||
	    json_object_set_new(data, "ts_agent", orig) == -1)
		return -1;
	ev->ts_ms = recv_ms;
	return 1;
}

void
event_clear(struct event *ev)
{
	if (ev == NULL)
		return;
	json_decref(ev->data);
	ev->data = NULL;
	ev->data_text = NULL;
	ev->data_len = 0;
}

json_t *
event_data(const struct event *ev)
{
	if (ev->data == NULL && ev->data_text != NULL)
		((struct event *)ev)->data = json_loadb(ev->data_text,
		    ev->data_len, 0, NULL);
	return ev->data;
}

int
event_data_may_hold(const struct event *ev, const char *s)
{
	if (ev->data_text == NULL)
		return 1;
	return memmem(ev->data_text, ev->data_len, s, strlen(s)) != NULL;
}

json_t *
event_to_json(const struct event *ev)
{
	json_t	*data = event_data(ev);
	char	 ts[32];

	if (data == NULL && ev->data_text != NULL)
		return NULL;	/* out of memory */
	if (time_format_utc(ev->ts_ms, ts, sizeof(ts)) == -1)
		return NULL;
	/*
	 * "o" steals the reference: ours (incref'd) or a fresh {} — with "O"
	 * on a fresh object that object leaked.
	 */
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o}",
	    "agent", ev->agent, "seq", (json_int_t)ev->seq, "ts", ts,
	    "type", ev->type, "severity", severity_name(ev->severity),
	    "key", ev->key, "data", data ? json_incref(data) : json_object());
}

char *
event_to_string(const struct event *ev)
{
	json_t	*o = event_to_json(ev);
	char	*s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/*
 * Nesting depth of JSON text, counted before parsing so a hostile body
 * of a million '[' never reaches a recursive parser.  Strings are skipped
 * with their escapes.  Returns 0 when within max_depth.
 */
static int
json_depth_ok(const char *buf, size_t len, size_t max_depth)
{
	size_t	depth = 0;
	int	in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return -1;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

json_t *
json_parse_bounded(const char *buf, size_t len, size_t max_depth, char *err,
    size_t errlen)
{
	json_error_t	 jerr;
	json_t		*o;

	if (json_depth_ok(buf, len, max_depth) == -1) {
		snprintf(err, errlen, "JSON nested deeper than %zu levels",
		    max_depth);
		return NULL;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
	return o;
}

/* Check data: depth and string sizes. */
static int
data_ok(const json_t *v, size_t depth, const char *path, char *err,
    size_t errlen)
{
	const char	*k;
	json_t		*m;
	size_t		 i;

	if (depth > EVENT_DATA_MAX_DEPTH) {
		snprintf(err, errlen, "%s: nested deeper than %d levels", path,
		    EVENT_DATA_MAX_DEPTH);
		return -1;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (json_string_length(v) > EVENT_STRING_MAX) {
			snprintf(err, errlen, "%s: string longer than %d bytes",
			    path, EVENT_STRING_MAX);
			return -1;
		}
		if (memchr(json_string_value(v), '\0', json_string_length(v))) {
			snprintf(err, errlen, "%s: string contains NUL", path);
			return -1;
		}
		return 0;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, m) {
			if (strlen(k) > 256) {
				snprintf(err, errlen, "%s: member name longer "
				    "than 256 bytes", path);
				return -1;
			}
			if (data_ok(m, depth + 1, path, err, errlen) == -1)
				return -1;
		}
		return 0;
	case JSON_ARRAY:
		json_array_foreach(v, i, m)
			if (data_ok(m, depth + 1, path, err, errlen) == -1)
				return -1;
		return 0;
	default:
		return 0;
	}
}

static int
get_string(const json_t *o, const char *path, const char *name, char *dst,
    size_t dstlen, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL) {
		snprintf(err, errlen, "%s.%s: missing", path, name);
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s.%s: expected a string", path, name);
		return -1;
	}
	if (json_string_length(v) >= dstlen ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "%s.%s: longer than %zu bytes", path,
		    name, dstlen - 1);
		return -1;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int
event_from_json(const json_t *o, const char *path, struct event *ev, char *err,
    size_t errlen)
{
	static const char *const fields[] = {
		"agent", "seq", "ts", "type", "severity", "key", "data",
	};
	const char	*k;
	json_t		*v, *seq, *data;
	char		 buf[64], sub[96];

	memset(ev, 0, sizeof(*ev));
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: expected an object", path);
		return -1;
	}
	json_object_foreach((json_t *)o, k, v) {
		size_t i;
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(k, fields[i]) == 0)
				break;
		if (i == sizeof(fields) / sizeof(fields[0])) {
			text_printf(err, errlen, "%s: unknown field '%s'", path, k);
			return -1;
		}
	}
	if (get_string(o, path, "agent", ev->agent, sizeof(ev->agent), err,
	    errlen) == -1)
		return -1;
	if (!event_name_ok(ev->agent, sizeof(ev->agent))) {
		snprintf(err, errlen, "%s.agent: must be 1-63 characters of "
		    "A-Z a-z 0-9 . _ -", path);
		return -1;
	}
	seq = json_object_get(o, "seq");
	if (seq == NULL || !json_is_integer(seq) || json_integer_value(seq) < 1) {
		snprintf(err, errlen, "%s.seq: %s", path, seq == NULL ?
		    "missing" : "expected a positive integer");
		return -1;
	}
	ev->seq = (uint64_t)json_integer_value(seq);
	if (get_string(o, path, "ts", buf, sizeof(buf), err, errlen) == -1)
		return -1;
	if (time_parse_utc(buf, &ev->ts_ms) == -1) {
		snprintf(err, errlen, "%s.ts: expected UTC time like "
		    "2026-11-27T13:37:20.123Z", path);
		return -1;
	}
	if (get_string(o, path, "type", ev->type, sizeof(ev->type), err,
	    errlen) == -1)
		return -1;
	if (!event_name_ok(ev->type, sizeof(ev->type))) {
		snprintf(err, errlen, "%s.type: must be 1-%d characters of "
		    "A-Z a-z 0-9 . _ -", path, EVENT_TYPE_MAX - 1);
		return -1;
	}
	if (get_string(o, path, "severity", buf, sizeof(buf), err, errlen) == -1)
		return -1;
	if (severity_parse(buf, &ev->severity) == -1) {
		snprintf(err, errlen, "%s.severity: expected one of info, low, "
		    "medium, high, critical", path);
		return -1;
	}
	if (get_string(o, path, "key", ev->key, sizeof(ev->key), err,
	    errlen) == -1)
		return -1;
	data = json_object_get(o, "data");
	if (data == NULL || !json_is_object(data)) {
		snprintf(err, errlen, "%s.data: %s", path, data == NULL ?
		    "missing" : "expected an object");
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s.data", path);
	if (data_ok(data, 1, sub, err, errlen) == -1)
		return -1;
	ev->data = json_incref(data);
	return 0;
}

int
event_batch_decode(const char *buf, size_t len, const struct event_limits *lim,
    struct event_batch *b, char *err, size_t errlen)
{
	if (lim != NULL && lim->max_bytes && len > lim->max_bytes) {
		memset(b, 0, sizeof(*b));
		snprintf(err, errlen, "body of %zu bytes exceeds the limit of "
		    "%zu", len, lim->max_bytes);
		return -2;
	}
	if (event_batch_scan(buf, len, lim != NULL ? lim->max_events : 0,
	    b) == 0)
		return 0;
	return event_batch_decode_json(buf, len, lim, b, err, errlen);
}

int
event_batch_decode_json(const char *buf, size_t len,
    const struct event_limits *lim, struct event_batch *b, char *err,
    size_t errlen)
{
	json_t		*root = NULL, *evs, *v;
	const char	*k;
	size_t		 i, n;
	int		 rc = -1;
	char		 path[32];

	memset(b, 0, sizeof(*b));
	if (lim != NULL && lim->max_bytes && len > lim->max_bytes) {
		snprintf(err, errlen, "body of %zu bytes exceeds the limit of "
		    "%zu", len, lim->max_bytes);
		return -2;
	}
	root = json_parse_bounded(buf, len, EVENT_JSON_MAX_DEPTH, err, errlen);
	if (root == NULL)
		return -1;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "body: expected an object");
		goto out;
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "agent") != 0 && strcmp(k, "events") != 0) {
			text_printf(err, errlen, "body: unknown field '%s'", k);
			goto out;
		}
	}
	if (get_string(root, "body", "agent", b->agent, sizeof(b->agent), err,
	    errlen) == -1)
		goto out;
	if (!event_name_ok(b->agent, sizeof(b->agent))) {
		snprintf(err, errlen, "body.agent: must be 1-63 characters of "
		    "A-Z a-z 0-9 . _ -");
		goto out;
	}
	evs = json_object_get(root, "events");
	if (evs == NULL || !json_is_array(evs)) {
		snprintf(err, errlen, "body.events: %s", evs == NULL ?
		    "missing" : "expected an array");
		goto out;
	}
	n = json_array_size(evs);
	if (lim != NULL && lim->max_events && n > lim->max_events) {
		snprintf(err, errlen, "batch of %zu events exceeds the limit of "
		    "%zu", n, lim->max_events);
		rc = -2;
		goto out;
	}
	if (n > 0 && (b->events = calloc(n, sizeof(*b->events))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "events[%zu]", i);
		if (event_from_json(json_array_get(evs, i), path, &b->events[i],
		    err, errlen) == -1)
			goto out;
		b->n = i + 1;
		if (strcmp(b->events[i].agent, b->agent) != 0) {
			snprintf(err, errlen, "%s.agent: '%s' differs from the "
			    "batch's agent '%s'", path, b->events[i].agent,
			    b->agent);
			goto out;
		}
		if (i > 0 && b->events[i].seq <= b->events[i - 1].seq) {
			snprintf(err, errlen, "%s.seq: %llu is not above the "
			    "previous event's", path,
			    (unsigned long long)b->events[i].seq);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	if (rc != 0)
		event_batch_free(b);
	return rc;
}

void
event_batch_free(struct event_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		event_clear(&b->events[i]);
	free(b->events);
	free(b->arena);
	b->events = NULL;
	b->arena = NULL;
	b->n = 0;
}
