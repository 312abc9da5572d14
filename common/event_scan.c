/*
 * The fast path of event_batch_decode(): a bounds-checked scanner for a
 * batch in the form agents send it (agent/upload.c dumps it with
 * JSON_COMPACT).  Such a batch decodes without a JSON tree: the scalar
 * fields are checked as event_from_json() checks them, and each event's
 * data is checked (depth, string sizes, UTF-8, unique member names) and
 * kept as the text it came as, which is the text the store would write:
 * event_data() parses it only for a hook that reads it.
 *
 * The form: whitespace only between the body's and the events' members;
 * strings without escapes; data with no whitespace and no real numbers
 * (so its text is what jansson's JSON_COMPACT dump of it would be); no
 * member twice, none unknown.  Anything else, and anything wrong, is
 * "not mine" (1): the jansson decoder then decodes the batch or names
 * its error, so errors have one source and this path needs no messages.
 * Every read is checked against the end of the buffer first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/timeutil.h"

#define SCAN_KEYS_MAX	64	/* members of one data object we compare */
#define SCAN_INT_DIGITS	18	/* below INT64_MAX whatever the digits */
#define SCAN_NAME_MAX	256	/* a data member name, as data_ok() */

struct scan {
	const char	*p;
	const char	*end;
};

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* The byte c next (after whitespace when allowed); 0, or -1. */
static int
take(struct scan *s, char c, int allow_ws)
{
	if (allow_ws)
		ws(s);
	if (s->p >= s->end || *s->p != c)
		return -1;
	s->p++;
	return 0;
}

/*
 * One UTF-8 sequence at p (its first byte >= 0x80) within end: its
 * length, or 0 when it is not well-formed (overlong, a surrogate, above
 * U+10FFFF, cut short), as jansson's own check.
 */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	uint32_t	cp;
	size_t		n;

	if (*p >= 0xC2 && *p <= 0xDF) {
		n = 2;
		cp = *p & 0x1F;
	} else if (*p >= 0xE0 && *p <= 0xEF) {
		n = 3;
		cp = *p & 0x0F;
	} else if (*p >= 0xF0 && *p <= 0xF4) {
		n = 4;
		cp = *p & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/*
 * A string without escapes: *out its first byte, *len its length (the
 * quotes not counted).  -1 at an escape, a control byte, bad UTF-8 or the
 * end.
 */
static int
str(struct scan *s, const char **out, size_t *len)
{
	const unsigned char *p, *end = (const unsigned char *)s->end;

	if (take(s, '"', 0) == -1)
		return -1;
	p = (const unsigned char *)s->p;
	while (p < end && *p != '"') {
		if (*p < 0x20 || *p == '\\')
			return -1;
		if (*p < 0x80)
			p++;
		else {
			size_t n = utf8_seq(p, end);

			if (n == 0)
				return -1;
			p += n;
		}
	}
	if (p >= end)
		return -1;
	*out = s->p;
	*len = (size_t)((const char *)p - s->p);
	s->p = (const char *)p + 1;
	return 0;
}

/* A string into dst (NUL-ended) when shorter than dstlen; -1 otherwise. */
static int
str_copy(struct scan *s, char *dst, size_t dstlen)
{
	const char	*v;
	size_t		 n;

	if (str(s, &v, &n) == -1 || n >= dstlen)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/*
 * An integer in the form jansson dumps it: -?(0|[1-9][0-9]*), no fraction
 * or exponent, at most SCAN_INT_DIGITS digits; not "-0" (it dumps as 0).
 * *v its magnitude, *neg its sign.
 */
static int
integer(struct scan *s, uint64_t *v, int *neg)
{
	const char	*d;
	size_t		 n = 0;

	*neg = 0;
	*v = 0;
	if (s->p < s->end && *s->p == '-') {
		*neg = 1;
		s->p++;
	}
	d = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		if (++n > SCAN_INT_DIGITS)
			return -1;
		*v = *v * 10 + (uint64_t)(*s->p - '0');
		s->p++;
	}
	if (n == 0 || (n > 1 && *d == '0') || (*neg && *v == 0))
		return -1;
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
		return -1;
	return 0;
}

static int
word(struct scan *s, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int value(struct scan *s, int depth);

/*
 * An object of data at depth (data itself is 1, as data_ok() counts):
 * member names at most SCAN_NAME_MAX bytes, none twice.
 */
static int
object(struct scan *s, int depth)
{
	struct {
		const char	*p;
		size_t		 n;
	}	keys[SCAN_KEYS_MAX];
	size_t	nkeys = 0;

	if (take(s, '{', 0) == -1)
		return -1;
	if (take(s, '}', 0) == 0)
		return 0;
	for (;;) {
		const char	*k;
		size_t		 n;

		if (nkeys == SCAN_KEYS_MAX || str(s, &k, &n) == -1 ||
		    n > SCAN_NAME_MAX)
			return -1;
		for (size_t i = 0; i < nkeys; i++)
			if (keys[i].n == n && memcmp(keys[i].p, k, n) == 0)
				return -1;
		keys[nkeys].p = k;
		keys[nkeys++].n = n;
		if (take(s, ':', 0) == -1 || value(s, depth + 1) == -1)
			return -1;
		if (take(s, '}', 0) == 0)
			return 0;
		if (take(s, ',', 0) == -1)
			return -1;
	}
}

static int
array(struct scan *s, int depth)
{
	if (take(s, '[', 0) == -1)
		return -1;
	if (take(s, ']', 0) == 0)
		return 0;
	for (;;) {
		if (value(s, depth + 1) == -1)
			return -1;
		if (take(s, ']', 0) == 0)
			return 0;
		if (take(s, ',', 0) == -1)
			return -1;
	}
}

/* One value of data at depth; deeper than data_ok() allows is not mine. */
static int
value(struct scan *s, int depth)
{
	const char	*v;
	size_t		 n;
	uint64_t	 u;
	int		 neg;

	if (depth > EVENT_DATA_MAX_DEPTH || s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '{':
		return object(s, depth);
	case '[':
		return array(s, depth);
	case '"':
		if (str(s, &v, &n) == -1 || n > EVENT_STRING_MAX)
			return -1;
		return 0;
	case 't':
		return word(s, "true");
	case 'f':
		return word(s, "false");
	case 'n':
		return word(s, "null");
	default:
		return integer(s, &u, &neg);
	}
}

enum {
	F_AGENT = 1 << 0,
	F_SEQ = 1 << 1,
	F_TS = 1 << 2,
	F_TYPE = 1 << 3,
	F_SEVERITY = 1 << 4,
	F_KEY = 1 << 5,
	F_DATA = 1 << 6,
	F_ALL = (1 << 7) - 1,
};

/* A member name among the event's: its flag, or 0. */
static int
field(const char *k, size_t n)
{
	static const struct {
		const char	*name;
		int		 flag;
	} f[] = {
		{ "agent", F_AGENT }, { "seq", F_SEQ }, { "ts", F_TS },
		{ "type", F_TYPE }, { "severity", F_SEVERITY },
		{ "key", F_KEY }, { "data", F_DATA },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strlen(f[i].name) == n && memcmp(f[i].name, k, n) == 0)
			return f[i].flag;
	return 0;
}

/* One event; its data text copied to *arena (advanced past its NUL). */
static int
event(struct scan *s, struct event *ev, char **arena)
{
	int	seen = 0;
	char	buf[64];

	memset(ev, 0, sizeof(*ev));
	if (take(s, '{', 1) == -1)
		return -1;
	do {
		const char	*k, *d;
		size_t		 n;
		uint64_t	 u;
		int		 f, neg;

		ws(s);
		if (str(s, &k, &n) == -1 || (f = field(k, n)) == 0 ||
		    (seen & f) || take(s, ':', 1) == -1)
			return -1;
		seen |= f;
		ws(s);
		switch (f) {
		case F_AGENT:
			if (str_copy(s, ev->agent, sizeof(ev->agent)) == -1 ||
			    !event_name_ok(ev->agent, sizeof(ev->agent)))
				return -1;
			break;
		case F_SEQ:
			if (integer(s, &u, &neg) == -1 || neg || u == 0)
				return -1;
			ev->seq = u;
			break;
		case F_TS:
			if (str_copy(s, buf, sizeof(buf)) == -1 ||
			    time_parse_utc(buf, &ev->ts_ms) == -1)
				return -1;
			break;
		case F_TYPE:
			if (str_copy(s, ev->type, sizeof(ev->type)) == -1 ||
			    !event_name_ok(ev->type, sizeof(ev->type)))
				return -1;
			break;
		case F_SEVERITY:
			if (str_copy(s, buf, sizeof(buf)) == -1 ||
			    severity_parse(buf, &ev->severity) == -1)
				return -1;
			break;
		case F_KEY:
			if (str_copy(s, ev->key, sizeof(ev->key)) == -1)
				return -1;
			break;
		default:	/* F_DATA */
			d = s->p;
			if (object(s, 1) == -1)
				return -1;
			n = (size_t)(s->p - d);
			memcpy(*arena, d, n);
			(*arena)[n] = '\0';
			ev->data_text = *arena;
			ev->data_len = n;
			*arena += n + 1;
			break;
		}
	} while (take(s, ',', 1) == 0);
	return seen == F_ALL && take(s, '}', 1) == 0 ? 0 : -1;
}

/* The events array; b->events grown as it goes. */
static int
events(struct scan *s, size_t max_events, struct event_batch *b, char **arena)
{
	size_t cap = 0;

	if (take(s, '[', 1) == -1)
		return -1;
	if (take(s, ']', 1) == 0)
		return 0;
	do {
		if (max_events && b->n == max_events)
			return -1;	/* the jansson path says "too large" */
		if (b->n == cap) {
			size_t		 nc = cap ? 2 * cap : 64;
			struct event	*e;

			if ((e = realloc(b->events, nc * sizeof(*e))) == NULL)
				return -1;
			b->events = e;
			cap = nc;
		}
		if (event(s, &b->events[b->n], arena) == -1)
			return -1;
		b->n++;
	} while (take(s, ',', 1) == 0);
	return take(s, ']', 1);
}

int
event_batch_scan(const char *buf, size_t len, size_t max_events,
    struct event_batch *b)
{
	struct scan	 s = { buf, buf + len };
	char		*arena;
	int		 seen = 0;

	memset(b, 0, sizeof(*b));
	/* Every data text is shorter than the body it came in. */
	if ((b->arena = malloc(len + 1)) == NULL)
		return 1;
	arena = b->arena;
	if (take(&s, '{', 1) == -1)
		goto no;
	do {
		const char	*k;
		size_t		 n;

		ws(&s);
		if (str(&s, &k, &n) == -1 || take(&s, ':', 1) == -1)
			goto no;
		ws(&s);
		if (n == 5 && memcmp(k, "agent", 5) == 0 && !(seen & 1)) {
			if (str_copy(&s, b->agent, sizeof(b->agent)) == -1 ||
			    !event_name_ok(b->agent, sizeof(b->agent)))
				goto no;
			seen |= 1;
		} else if (n == 6 && memcmp(k, "events", 6) == 0 &&
		    !(seen & 2)) {
			if (events(&s, max_events, b, &arena) == -1)
				goto no;
			seen |= 2;
		} else
			goto no;
	} while (take(&s, ',', 1) == 0);
	if (seen != 3 || take(&s, '}', 1) == -1)
		goto no;
	ws(&s);
	if (s.p != s.end)
		goto no;
	/* What event_batch_decode_json() checks across events. */
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->events[i].agent, b->agent) != 0 ||
		    (i > 0 && b->events[i].seq <= b->events[i - 1].seq))
			goto no;
	return 0;
no:
	event_batch_free(b);
	memset(b, 0, sizeof(*b));
	return 1;
}
