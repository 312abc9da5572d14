/*
 * Text cursors for the inventory parsers: lines and fields cut from an
 * rbuf, never reading past its end; file reading below a root prefix;
 * the errors array.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "probes/inventory/inventory.h"

int
inv_line_next(struct rbuf *b, struct inv_str *line)
{
	const char *start = (const char *)b->p;
	size_t n = 0;
	uint8_t c;

	if (rbuf_left(b) == 0)
		return 0;
	while (rbuf_peek_u8(b, n, &c) == 0 && c != '\n')
		n++;
	line->p = start;
	line->len = n;
	/* Consume the line and its "\n" when there is one. */
	(void)rbuf_skip(b, n < rbuf_left(b) ? n + 1 : n);
	if (line->len > 0 && line->p[line->len - 1] == '\r')
		line->len--;
	return 1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
inv_field_next(struct inv_str *s, struct inv_str *field)
{
	size_t i = 0, j;

	if (s->len == 0)
		return 0;	/* also when s->p is NULL (an absent field) */
	while (i < s->len && is_blank(s->p[i]))
		i++;
	if (i == s->len) {
		s->p += i;
		s->len = 0;
		return 0;
	}
	j = i;
	while (j < s->len && !is_blank(s->p[j]))
		j++;
	field->p = s->p + i;
	field->len = j - i;
	s->p += j;
	s->len -= j;
	return 1;
}

struct inv_str
inv_trim(struct inv_str s)
{
	while (s.len > 0 && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

int
inv_str_eq(struct inv_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

int
inv_str_prefix(struct inv_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

int
inv_str_u64(struct inv_str s, uint64_t *v)
{
	uint64_t x = 0;

	if (s.len == 0 || s.len > 20)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		d = (unsigned)(s.p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int
inv_str_hex64(struct inv_str s, uint64_t *v)
{
	uint64_t x = 0;

	if (s.len == 0 || s.len > 16)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		x = (x << 4) | d;
	}
	*v = x;
	return 0;
}

char *
inv_str_copy(struct inv_str s, char *out, size_t outlen)
{
	size_t n = s.len;

	if (outlen == 0)
		return out;
	if (n >= outlen)
		n = outlen - 1;
	if (n > 0)
		memcpy(out, s.p, n);
	out[n] = '\0';
	return out;
}

json_t *
inv_json_str(const char *p, size_t len)
{
	char buf[4096];
	size_t i = 0, o = 0;
	const unsigned char *u = (const unsigned char *)p;

	while (i < len && o < sizeof(buf) - 4) {
		size_t n = text_utf8_decode(u + i, len - i, NULL);

		if (n == 0 || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f))) {
			buf[o++] = '?';
			i++;
			continue;
		}
		memcpy(buf + o, p + i, n);
		o += n;
		i += n;
	}
	return json_stringn(buf, o);
}

json_t *
inv_json_cstr(const char *s)
{
	return inv_json_str(s, strlen(s));
}

void
inv_error(json_t *errors, const char *source, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *e;

	if (errors == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_object();
	if (e == NULL)
		return;
	json_object_set_new(e, "source", inv_json_cstr(source));
	json_object_set_new(e, "error", inv_json_cstr(msg));
	json_array_append_new(errors, e);
}

void
inv_bad_note(struct inv_bad *bad, unsigned lineno, const char *why)
{
	if (bad->n++ == 0) {
		bad->first = lineno;
		bad->why = why;
	}
}

void
inv_bad_flush(struct inv_bad *bad, json_t *errors, const char *source)
{
	if (bad->n == 0)
		return;
	inv_error(errors, source, "%u malformed line%s skipped (first: line %u, %s)",
	    bad->n, bad->n == 1 ? "" : "s", bad->first, bad->why);
	bad->n = 0;
}

int
inv_path(const char *root, const char *path, char *out, size_t outlen)
{
	size_t rl = strlen(root);
	int n;

	/* "/" + "/etc/x" is "/etc/x", "dir/" + "/etc/x" is "dir/etc/x". */
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(out, outlen, "%.*s%s", (int)rl, root, path);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

char *
inv_read(const char *root, const char *path, size_t max, size_t *len,
    bool *truncated, bool quiet, json_t *errors)
{
	char full[4096];
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	int fd;

	*len = 0;
	if (truncated != NULL)
		*truncated = false;
	if (inv_path(root, path, full, sizeof(full)) == -1) {
		inv_error(errors, path, "path too long below root %s", root);
		return NULL;
	}
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (!(quiet && errno == ENOENT))
			inv_error(errors, path, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (cap - n < 2) {
			/* /proc files report size 0, so grow as we go. */
			size_t ncap = cap == 0 ? 16384 : cap * 2;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= cap) {
				if (truncated != NULL)
					*truncated = true;
				inv_error(errors, path, "larger than %zu bytes; "
				    "only the first %zu read", max, n);
				break;
			}
			nb = realloc(buf, ncap + 1);
			if (nb == NULL) {
				inv_error(errors, path, "out of memory");
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			inv_error(errors, path, "read failed: %s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL)
			return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
