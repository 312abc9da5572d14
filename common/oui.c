/*
 * The IEEE OUI table (MA-L assignments) and MAC addresses.  See oui.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "common/oui.h"
#include "common/rbuf.h"
#include "common/text.h"

#define OUI_FILE_MAX	(64u << 20)
#define OUI_NAME_MAX	128

struct oui_ent {
	uint32_t	prefix;
	uint32_t	off;		/* into names */
};

struct oui_table {
	struct oui_ent	*v;
	size_t		 n, cap;
	char		*names;
	size_t		 nlen, ncap;
};

static int
oui_add(struct oui_table *t, uint32_t prefix, const uint8_t *name, size_t len)
{
	size_t need;

	if (t->n == t->cap) {
		size_t		 cap = t->cap ? t->cap * 2 : 1024;
		struct oui_ent	*v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	need = t->nlen + len + 1;
	if (need > UINT32_MAX)
		return -1;
	if (need > t->ncap) {
		size_t	 cap = t->ncap ? t->ncap : 16384;
		char	*p;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(t->names, cap)) == NULL)
			return -1;
		t->names = p;
		t->ncap = cap;
	}
	t->v[t->n].prefix = prefix;
	t->v[t->n].off = (uint32_t)t->nlen;
	/* Control bytes and invalid UTF-8 from the file become '?'. */
	for (size_t i = 0; i < len;) {
		size_t u = text_utf8_decode(name + i, len - i, NULL);

		if (u == 0 || (u == 1 && (name[i] < 0x20 || name[i] == 0x7f))) {
			t->names[t->nlen++] = '?';
			i++;
			continue;
		}
		memcpy(t->names + t->nlen, name + i, u);
		t->nlen += u;
		i += u;
	}
	t->names[t->nlen++] = '\0';
	t->n++;
	return 0;
}

static int
oui_cmp(const void *a, const void *b)
{
	const struct oui_ent *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * One line: "XX-XX-XX" blanks "(hex)" blanks NAME.  1 taken, 0 not a
 * "(hex)" line, -1 a "(hex)" line that does not parse.
 */
static int
oui_line(struct oui_table *t, struct rbuf line)
{
	static const char	 tag[] = "(hex)";
	uint32_t		 prefix = 0;
	uint8_t			 c;
	const uint8_t		*name;
	size_t			 len;
	int			 hex = 0;

	for (size_t i = 0; i + 5 <= line.len; i++)
		if (memcmp(line.p + i, tag, 5) == 0)
			hex = 1;
	if (!hex)
		return 0;
	for (int i = 0; i < 8; i++) {
		int h;

		if (rbuf_u8(&line, &c) == -1)
			return -1;
		if (i == 2 || i == 5) {
			if (c != '-')
				return -1;
			continue;
		}
		if ((h = hex_digit(c)) == -1)
			return -1;
		prefix = (prefix << 4) | (uint32_t)h;
	}
	while (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t'))
		(void)rbuf_skip(&line, 1);
	if (line.len < 5 || memcmp(line.p, tag, 5) != 0)
		return -1;
	(void)rbuf_skip(&line, 5);
	while (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t'))
		(void)rbuf_skip(&line, 1);
	name = line.p;
	len = line.len;
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t' ||
	    name[len - 1] == '\r'))
		len--;
	if (len == 0)
		return -1;
	if (len > OUI_NAME_MAX - 1)
		len = text_utf8_prefix((const char *)name, len, OUI_NAME_MAX - 1);
	return oui_add(t, prefix, name, len) == -1 ? -2 : 1;
}

struct oui_table *
oui_parse(const char *buf, size_t len, size_t *bad)
{
	struct oui_table	*t = calloc(1, sizeof(*t));
	struct rbuf		 b;
	size_t			 nbad = 0, w = 0;

	if (t == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (rbuf_left(&b) > 0) {
		const uint8_t	*nl = memchr(b.p, '\n', b.len);
		size_t		 ll = nl ? (size_t)(nl - b.p) : b.len;
		struct rbuf	 line;
		int		 r;

		rbuf_init(&line, b.p, ll);
		(void)rbuf_skip(&b, nl ? ll + 1 : ll);
		if ((r = oui_line(t, line)) == -2) {
			oui_free(t);
			return NULL;
		}
		if (r == -1)
			nbad++;
	}
	if (t->n > 0) {
		qsort(t->v, t->n, sizeof(*t->v), oui_cmp);
		/* Keep the first of duplicated prefixes. */
		for (size_t r = 0; r < t->n; r++)
			if (w == 0 || t->v[w - 1].prefix != t->v[r].prefix)
				t->v[w++] = t->v[r];
		t->n = w;
	}
	if (bad != NULL)
		*bad = nbad;
	return t;
}

struct oui_table *
oui_load(const char *path, char *err, size_t errlen)
{
	FILE			*f = fopen(path, "rb");
	char			*buf = NULL;
	size_t			 len = 0, bad = 0;
	struct oui_table	*t = NULL;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(OUI_FILE_MAX)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, OUI_FILE_MAX, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if ((t = oui_parse(buf, len, &bad)) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (bad > 0)
		log_debug("%s: %zu vendor lines not understood, skipped",
		    path, bad);
out:
	free(buf);
	fclose(f);
	return t;
}

size_t
oui_count(const struct oui_table *t)
{
	return t ? t->n : 0;
}

const char *
oui_lookup_mac(const struct oui_table *t, const uint8_t mac[6])
{
	uint32_t prefix;
	size_t	 lo = 0, hi;

	if (t == NULL)
		return NULL;
	prefix = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].prefix == prefix)
			return t->names + t->v[mid].off;
		if (t->v[mid].prefix < prefix)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
oui_lookup(const struct oui_table *t, const char *mac)
{
	uint8_t b[6];

	return oui_mac_parse(mac, b) == -1 ? NULL : oui_lookup_mac(t, b);
}

const char *
oui_file_vendor(const char *path, const uint8_t mac[6], char *buf, size_t len)
{
	struct oui_table	*t;
	const char		*v;
	char			 err[256];

	if ((t = oui_load(path, err, sizeof(err))) == NULL)
		return NULL;
	if ((v = oui_lookup_mac(t, mac)) != NULL) {
		snprintf(buf, len, "%s", v);
		v = buf;
	}
	oui_free(t);
	return v;
}

int
oui_mac_parse(const char *in, uint8_t mac[6])
{
	int zero = 1;

	if (in == NULL || strlen(in) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int h = hex_digit((uint8_t)in[i * 3]), l = hex_digit((uint8_t)in[i * 3 + 1]);

		if (h == -1 || l == -1 ||
		    (i < 5 && in[i * 3 + 2] != ':' && in[i * 3 + 2] != '-'))
			return -1;
		mac[i] = (uint8_t)(h << 4 | l);
		if (mac[i] != 0)
			zero = 0;
	}
	if (zero || (mac[0] & 1))		/* none, multicast, broadcast */
		return -1;
	return 0;
}

void
oui_free(struct oui_table *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t->names);
	free(t);
}
