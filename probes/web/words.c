/*
 * The keyword file: UTF-8, one word or phrase a line, '#' starts a
 * comment line, blank lines ignored.  The office supplies its own lists;
 * conf/keywords-example.txt shows the form.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rbuf.h"
#include "probes/web/web.h"

#define WEB_WORD_MAX	256
#define WEB_WORDS_MAX	100000

/* Is s[0..n) well-formed UTF-8 (RFC 3629)? */
static int
web_utf8_ok(const char *s, size_t n)
{
	struct rbuf	b;
	uint8_t		c, d;

	rbuf_init(&b, s, n);
	while (rbuf_u8(&b, &c) == 0) {
		int	more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 :
		    (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;

		if (more < 0 || (more == 1 && c < 0xc2) || c > 0xf4)
			return 0;
		while (more-- > 0)
			if (rbuf_u8(&b, &d) == -1 || (d & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

int
web_words_load(const char *path, struct web_words *w, char *why, size_t whylen)
{
	FILE	*fp = fopen(path, "r");
	char	 line[WEB_WORD_MAX + 4];
	int	 lineno = 0;

	memset(w, 0, sizeof(*w));
	if (fp == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t	 n = strlen(line), s = 0;
		char	**nv;

		lineno++;
		if (n > 0 && line[n - 1] != '\n' && !feof(fp)) {
			snprintf(why, whylen, "%s:%d: line longer than %d bytes",
			    path, lineno, WEB_WORD_MAX);
			goto bad;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
		    line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
			s = 3;		/* a BOM from Windows Notepad */
		while (line[s] == ' ' || line[s] == '\t')
			s++;
		if (line[s] == '\0' || line[s] == '#')
			continue;
		if (!web_utf8_ok(line + s, n - s)) {
			snprintf(why, whylen, "%s:%d: not UTF-8 (save the list "
			    "as UTF-8, not GBK)", path, lineno);
			goto bad;
		}
		if (w->n == WEB_WORDS_MAX) {
			snprintf(why, whylen, "%s:%d: more than %d words", path,
			    lineno, WEB_WORDS_MAX);
			goto bad;
		}
		if ((nv = reallocarray(w->v, w->n + 1, sizeof(*nv))) == NULL ||
		    (nv[w->n] = strdup(line + s)) == NULL) {
			if (nv != NULL)
				w->v = nv;
			snprintf(why, whylen, "out of memory");
			goto bad;
		}
		w->v = nv;
		w->n++;
	}
	fclose(fp);
	return 0;
bad:
	fclose(fp);
	web_words_free(w);
	return -1;
}

void
web_words_free(struct web_words *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}
