/*
 * Text tables for the terminal: columns aligned by display width (a CJK
 * character takes two columns, after Unicode's East Asian Width "W"/"F"
 * classes, UAX #11), cells cleaned of control characters and bad UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct cli_table {
	size_t	  ncols;
	size_t	  nrows;
	size_t	  cap;
	char	**head;		/* ncols */
	char	**cells;	/* nrows * ncols */
	size_t	 *maxw;		/* per column, 0 = unlimited */
};

/*
 * Decode one UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates,
 * at most U+10FFFF).  Returns its length and *cp, or 0 when invalid.
 */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t	c;
	size_t		n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Columns a code point takes on a terminal. */
static size_t
cp_width(uint32_t c)
{
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0xfe00 && c <= 0xfe0f))
		return 0;	/* combining marks, zero-width, variation selectors */
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

static int
cp_is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);	/* bidi overrides reorder text */
}

size_t
cli_text_width(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 w = 0, n;
	uint32_t		 c;

	if (s == NULL)
		return 0;
	while (*p != '\0') {
		if ((n = utf8_decode(p, &c)) == 0) {
			w++;
			p++;
			continue;
		}
		w += cp_is_control(c) ? 1 : cp_width(c);
		p += n;
	}
	return w;
}

char *
cli_text_clean(const char *s, size_t maxw)
{
	const unsigned char	*p = (const unsigned char *)(s != NULL ? s : "");
	size_t			 w = 0, total, n, o = 0, cw;
	uint32_t		 c;
	char			*out;
	int			 cut;

	total = cli_text_width((const char *)p);
	cut = maxw > 0 && total > maxw;
	/* "…" is 3 bytes; each input byte yields at most 1 output byte per byte. */
	if ((out = malloc(strlen((const char *)p) + 4)) == NULL)
		return NULL;
	while (*p != '\0') {
		n = utf8_decode(p, &c);
		cw = (n == 0 || cp_is_control(c)) ? 1 : cp_width(c);
		if (cut && w + cw > maxw - 1)
			break;
		if (n == 0 || cp_is_control(c)) {
			out[o++] = '?';
			p += n == 0 ? 1 : n;
		} else {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
		w += cw;
	}
	if (cut) {
		memcpy(out + o, "\xe2\x80\xa6", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

struct cli_table *
cli_table_new(size_t ncols, const char *const *headings)
{
	struct cli_table	*t;

	if (ncols == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	if ((t->head = calloc(ncols, sizeof(*t->head))) == NULL ||
	    (t->maxw = calloc(ncols, sizeof(*t->maxw))) == NULL)
		goto fail;
	for (size_t i = 0; i < ncols; i++)
		if ((t->head[i] = cli_text_clean(headings[i], 0)) == NULL)
			goto fail;
	return t;
fail:
	cli_table_free(t);
	return NULL;
}

void
cli_table_set_max(struct cli_table *t, size_t col, size_t maxw)
{
	if (t != NULL && col < t->ncols)
		t->maxw[col] = maxw;
}

int
cli_table_add(struct cli_table *t, const char *const *cells)
{
	char	**grown;
	size_t	  base;

	if (t->nrows == t->cap) {
		size_t cap = t->cap == 0 ? 16 : t->cap * 2;
		if ((grown = reallocarray(t->cells, cap * t->ncols,
		    sizeof(*grown))) == NULL)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		if ((t->cells[base + i] = cli_text_clean(cells[i],
		    t->maxw[i])) == NULL) {
			while (i-- > 0)
				free(t->cells[base + i]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

size_t
cli_table_rows(const struct cli_table *t)
{
	return t != NULL ? t->nrows : 0;
}

static void
print_row(FILE *f, char *const *row, const size_t *w, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		fputs(row[i], f);
		if (i + 1 == ncols)
			break;	/* no trailing blanks */
		for (size_t k = cli_text_width(row[i]); k < w[i] + 2; k++)
			fputc(' ', f);
	}
	fputc('\n', f);
}

void
cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t	*w;

	if (t == NULL || (w = calloc(t->ncols, sizeof(*w))) == NULL)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		w[i] = cli_text_width(t->head[i]);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			size_t cw = cli_text_width(t->cells[r * t->ncols + i]);
			if (cw > w[i])
				w[i] = cw;
		}
	print_row(f, t->head, w, t->ncols);
	for (size_t i = 0; i < t->ncols; i++) {
		for (size_t k = 0; k < w[i]; k++)
			fputc('-', f);
		if (i + 1 < t->ncols)
			fputs("  ", f);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(f, t->cells + r * t->ncols, w, t->ncols);
	free(w);
}

void
cli_table_free(struct cli_table *t)
{
	if (t == NULL)
		return;
	if (t->head != NULL)
		for (size_t i = 0; i < t->ncols; i++)
			free(t->head[i]);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->head);
	free(t->cells);
	free(t->maxw);
	free(t);
}
