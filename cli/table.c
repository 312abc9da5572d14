/*
 * Text tables for the terminal: columns aligned by display width (a CJK
 * character takes two columns, after Unicode's East Asian Width "W"/"F"
 * classes, UAX #11), cells cleaned of control characters and bad UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/text.h"

struct cli_table {
	size_t	  ncols;
	size_t	  nrows;
	size_t	  cap;
	char	**head;		/* ncols */
	char	**cells;	/* nrows * ncols */
	size_t	 *maxw;		/* per column, 0 = unlimited */
};

/* Decode one UTF-8 sequence at the NUL-terminated s; 0 when invalid. */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	return text_utf8_decode(s, strnlen((const char *)s, 4), cp);
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
		w += text_cp_is_control(c) ? 1 : cp_width(c);
		p += n;
	}
	return w;
}

char *
cli_text_clean(const char *s, size_t maxw)
{
	char		*out;
	unsigned char	*p;
	size_t		 w = 0, n, cw;
	uint32_t	 c;

	/* The one sanitiser: controls, ESC, bidi and bad bytes escaped. */
	if ((out = text_sanitize_dup(s)) == NULL)
		return NULL;
	if (maxw == 0 || cli_text_width(out) <= maxw)
		return out;
	/* Cut by display width, at a character, leaving a column for "…". */
	for (p = (unsigned char *)out; *p != '\0'; p += n) {
		n = utf8_decode(p, &c);
		cw = cp_width(c);
		if (w + cw > maxw - 1)
			break;
		w += cw;
	}
	n = (size_t)((char *)p - out);
	if ((p = realloc(out, n + sizeof(TEXT_ELLIPSIS))) == NULL) {
		free(out);
		return NULL;
	}
	out = (char *)p;
	memcpy(out + n, TEXT_ELLIPSIS, sizeof(TEXT_ELLIPSIS));
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
