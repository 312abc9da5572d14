/*
 * The CSS reader (see css.h).  CSS Syntax Level 3 in miniature: comments
 * are dropped, a rule is "prelude { declarations }", a declaration is
 * "name : value" up to ';'.  Blocks of @-rules (@media, @font-face) are
 * skipped with their nesting.  Every byte is read through struct rbuf.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/rbuf.h"
#include "probes/web/css.h"

#define CSS_TOKEN_MAX	256	/* longer names and values are cut */

static int
css_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Copy b into out (NUL-terminated, cut to outlen), spaces trimmed, lower. */
static void
css_token(const struct rbuf *b, char *out, size_t outlen)
{
	size_t	s = 0, e = b->len, k = 0;

	while (s < e && css_space(b->p[s]))
		s++;
	while (e > s && css_space(b->p[e - 1]))
		e--;
	for (; s < e && k + 1 < outlen; s++)
		out[k++] = (char)tolower(b->p[s]);
	out[k] = '\0';
}

/* Skip a comment when b is at one; 1 if skipped. */
static int
css_comment(struct rbuf *b)
{
	uint8_t	c0, c1;

	if (rbuf_peek_u8(b, 0, &c0) == -1 || rbuf_peek_u8(b, 1, &c1) == -1 ||
	    c0 != '/' || c1 != '*')
		return 0;
	rbuf_skip(b, 2);
	while (rbuf_left(b) > 0) {
		if (rbuf_peek_u8(b, 0, &c0) == 0 && rbuf_peek_u8(b, 1, &c1) == 0 &&
		    c0 == '*' && c1 == '/') {
			rbuf_skip(b, 2);
			return 1;
		}
		rbuf_skip(b, 1);
	}
	return 1;
}

static const struct { const char *name; long rgb; } css_names[] = {
	{ "white", 0xffffff }, { "black", 0x000000 }, { "red", 0xff0000 },
	{ "green", 0x008000 }, { "blue", 0x0000ff }, { "yellow", 0xffff00 },
	{ "gray", 0x808080 }, { "grey", 0x808080 }, { "silver", 0xc0c0c0 },
	{ "navy", 0x000080 }, { "maroon", 0x800000 }, { "orange", 0xffa500 },
	{ "purple", 0x800080 }, { "lime", 0x00ff00 }, { "aqua", 0x00ffff },
	{ "fuchsia", 0xff00ff }, { "teal", 0x008080 }, { "olive", 0x808000 },
	{ "whitesmoke", 0xf5f5f5 }, { "snow", 0xfffafa },
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long
css_color(const char *s, size_t n)
{
	char	t[CSS_TOKEN_MAX];
	struct rbuf b;
	size_t	len, i;

	rbuf_init(&b, s, n);
	css_token(&b, t, sizeof(t));
	len = strlen(t);
	if (len > 0 && t[0] == '#') {
		int	v[6];

		if (len != 4 && len != 7)
			return -1;
		for (i = 1; i < len; i++)
			if ((v[i - 1] = hexval(t[i])) < 0)
				return -1;
		if (len == 4)
			return (long)(v[0] * 17) << 16 | (long)(v[1] * 17) << 8 |
			    (v[2] * 17);
		return (long)(v[0] << 4 | v[1]) << 16 | (long)(v[2] << 4 | v[3]) << 8 |
		    (v[4] << 4 | v[5]);
	}
	if (strncmp(t, "rgb(", 4) == 0 || strncmp(t, "rgba(", 5) == 0) {
		const char	*p = strchr(t, '(') + 1;
		long		 c[3];
		char		*end;

		for (i = 0; i < 3; i++) {
			double d = strtod(p, &end);

			if (end == p || !isfinite(d))
				return -1;
			if (*end == '%') {
				d = d * 255.0 / 100.0;
				end++;
			}
			c[i] = d < 0 ? 0 : d > 255 ? 255 : lround(d);
			while (*end == ' ' || *end == ',')
				end++;
			p = end;
		}
		return c[0] << 16 | c[1] << 8 | c[2];
	}
	for (i = 0; i < sizeof(css_names) / sizeof(css_names[0]); i++)
		if (strcmp(t, css_names[i].name) == 0)
			return css_names[i].rgb;
	return -1;
}

/* A length in px: "0", "-9999px", "1em", "2pt"; 0 on success. */
static int
css_length(const char *t, double *px)
{
	char	*end;
	double	 d = strtod(t, &end);

	if (end == t || !isfinite(d))
		return -1;
	if (*end == '\0' || strcmp(end, "px") == 0)
		*px = d;
	else if (strcmp(end, "em") == 0 || strcmp(end, "rem") == 0)
		*px = d * 16;
	else if (strcmp(end, "pt") == 0)
		*px = d * 4 / 3;
	else if (strcmp(end, "%") == 0 || strcmp(end, "vw") == 0 ||
	    strcmp(end, "vh") == 0)
		*px = d == 0 ? 0 : d * 10;	/* only its sign and zero matter */
	else
		return -1;
	return 0;
}

/* "background: #fff url(x) no-repeat": the first word that is a colour. */
static long
css_bg_color(const char *v)
{
	const char	*p = v;

	while (*p != '\0') {
		size_t	n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (strncmp(p, "rgb", 3) == 0)
			n = strcspn(p, ")") + (p[strcspn(p, ")")] ? 1 : 0);
		if (n > 0) {
			long c = css_color(p, n);

			if (c >= 0)
				return c;
		}
		p += n;
	}
	return -1;
}

static void
css_decl(struct css_style *st, const char *name, const char *v)
{
	double	px;
	char	vv[CSS_TOKEN_MAX];
	char	*imp;

	snprintf(vv, sizeof(vv), "%s", v);
	if ((imp = strstr(vv, "!important")) != NULL) {
		*imp = '\0';
		while (imp > vv && imp[-1] == ' ')
			*--imp = '\0';
	}
	v = vv;
	if (strcmp(name, "display") == 0) {
		st->set |= CSS_DISPLAY;
		st->display_none = strcmp(v, "none") == 0;
	} else if (strcmp(name, "visibility") == 0) {
		st->set |= CSS_VISIBILITY;
		st->vis_hidden = strcmp(v, "hidden") == 0 ||
		    strcmp(v, "collapse") == 0;
	} else if (strcmp(name, "position") == 0) {
		st->set |= CSS_POSITION;
		st->positioned = strcmp(v, "absolute") == 0 ||
		    strcmp(v, "fixed") == 0;
	} else if (strcmp(name, "overflow") == 0) {
		st->set |= CSS_OVERFLOW;
		st->overflow_hidden = strcmp(v, "hidden") == 0 ||
		    strcmp(v, "clip") == 0;
	} else if (strcmp(name, "color") == 0) {
		long c = css_color(v, strlen(v));

		if (c >= 0) {
			st->set |= CSS_COLOR;
			st->color = c;
		}
	} else if (strcmp(name, "background-color") == 0 ||
	    strcmp(name, "background") == 0) {
		long c = css_bg_color(v);

		if (c >= 0) {
			st->set |= CSS_BG;
			st->bg = c;
		}
	} else if (css_length(v, &px) == 0) {
		static const struct { const char *n; unsigned bit; size_t off; } L[] = {
			{ "left", CSS_LEFT, offsetof(struct css_style, left) },
			{ "top", CSS_TOP, offsetof(struct css_style, top) },
			{ "text-indent", CSS_INDENT, offsetof(struct css_style, indent) },
			{ "width", CSS_WIDTH, offsetof(struct css_style, width) },
			{ "height", CSS_HEIGHT, offsetof(struct css_style, height) },
			{ "font-size", CSS_FONT, offsetof(struct css_style, font) },
		};

		for (size_t i = 0; i < sizeof(L) / sizeof(L[0]); i++)
			if (strcmp(name, L[i].n) == 0) {
				st->set |= L[i].bit;
				memcpy((char *)st + L[i].off, &px, sizeof(px));
			}
	}
}

void
css_decls_parse(const char *s, size_t n, struct css_style *st)
{
	struct rbuf	b;
	uint8_t		c;

	rbuf_init(&b, s, n);
	while (rbuf_left(&b) > 0) {
		struct rbuf	nm, val;
		size_t		k = 0, colon = (size_t)-1;
		char		name[CSS_TOKEN_MAX], v[CSS_TOKEN_MAX];
		int		inq = 0, paren = 0;

		while (rbuf_peek_u8(&b, 0, &c) == 0 && css_space(c))
			rbuf_skip(&b, 1);
		if (css_comment(&b))
			continue;
		while (rbuf_peek_u8(&b, k, &c) == 0) {
			if (inq) {
				if (c == inq)
					inq = 0;
			} else if (c == '"' || c == '\'')
				inq = c;
			else if (c == '(')
				paren++;
			else if (c == ')' && paren > 0)
				paren--;
			else if (c == ';' && paren == 0)
				break;
			else if (c == ':' && colon == (size_t)-1)
				colon = k;
			k++;
		}
		if (colon != (size_t)-1) {
			struct rbuf d;

			rbuf_sub(&b, k, &d);
			rbuf_sub(&d, colon, &nm);
			rbuf_skip(&d, 1);
			val = d;
			css_token(&nm, name, sizeof(name));
			css_token(&val, v, sizeof(v));
			css_decl(st, name, v);
		} else
			rbuf_skip(&b, k);
		rbuf_skip(&b, 1);
	}
}

void
css_style_merge(struct css_style *dst, const struct css_style *src)
{
#define M(bit, f) if (src->set & (bit)) dst->f = src->f
	M(CSS_DISPLAY, display_none);
	M(CSS_VISIBILITY, vis_hidden);
	M(CSS_POSITION, positioned);
	M(CSS_OVERFLOW, overflow_hidden);
	M(CSS_LEFT, left);
	M(CSS_TOP, top);
	M(CSS_INDENT, indent);
	M(CSS_WIDTH, width);
	M(CSS_HEIGHT, height);
	M(CSS_FONT, font);
	M(CSS_COLOR, color);
	M(CSS_BG, bg);
#undef M
	dst->set |= src->set;
}

/* One compound selector "tag.cls#id" (each part optional, one of each). */
static int
css_selector(const char *sel, struct css_rule *r)
{
	const char	*p = sel;

	memset(r, 0, sizeof(*r));
	while (*p != '\0') {
		char		*dst;
		size_t		 cap, k = 0;

		if (*p == '.') {
			if (r->cls[0] != '\0')
				return -1;
			dst = r->cls, cap = sizeof(r->cls), p++;
		} else if (*p == '#') {
			if (r->id[0] != '\0')
				return -1;
			dst = r->id, cap = sizeof(r->id), p++;
		} else if (p == sel && isalpha((unsigned char)*p)) {
			dst = r->tag, cap = sizeof(r->tag);
		} else
			return -1;
		while (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (k + 1 >= cap)
				return -1;
			dst[k++] = *p++;
		}
		if (k == 0)
			return -1;
		dst[k] = '\0';
	}
	return sel[0] != '\0' ? 0 : -1;
}

static int
css_add(struct css_sheet *sh, const struct css_rule *r)
{
	if (sh->n == CSS_RULES_MAX) {
		sh->skipped++;
		return 0;
	}
	if (sh->n == sh->cap) {
		size_t		 ncap = sh->cap ? sh->cap * 2 : 16;
		struct css_rule	*nv = reallocarray(sh->v, ncap, sizeof(*nv));

		if (nv == NULL)
			return -1;
		sh->v = nv;
		sh->cap = ncap;
	}
	sh->v[sh->n++] = *r;
	return 0;
}

int
css_sheet_parse(struct css_sheet *sh, const char *s, size_t n)
{
	struct rbuf	b;
	uint8_t		c;

	rbuf_init(&b, s, n);
	while (rbuf_left(&b) > 0) {
		struct rbuf	pre = { NULL, 0 }, body = { NULL, 0 };
		size_t		k = 0, depth;
		char		prelude[1024];
		struct css_style st;

		while (rbuf_peek_u8(&b, 0, &c) == 0 && css_space(c))
			rbuf_skip(&b, 1);
		if (css_comment(&b))
			continue;
		/* Prelude up to '{' (or a ';' ending an @import). */
		while (rbuf_peek_u8(&b, k, &c) == 0 && c != '{' && c != ';')
			k++;
		rbuf_sub(&b, k, &pre);
		if (rbuf_u8(&b, &c) == -1 || c == ';')
			continue;
		/* The block up to its matching '}'. */
		for (k = 0, depth = 1; rbuf_peek_u8(&b, k, &c) == 0; k++) {
			if (c == '{')
				depth++;
			else if (c == '}' && --depth == 0)
				break;
		}
		rbuf_sub(&b, k, &body);
		rbuf_skip(&b, 1);
		css_token(&pre, prelude, sizeof(prelude));
		if (prelude[0] == '@' || pre.len >= sizeof(prelude)) {
			sh->skipped++;
			continue;
		}
		memset(&st, 0, sizeof(st));
		css_decls_parse((const char *)body.p, body.len, &st);
		if (st.set == 0)
			continue;
		/* Each selector of the list on its own. */
		for (char *save = NULL, *sel = strtok_r(prelude, ",", &save);
		    sel != NULL; sel = strtok_r(NULL, ",", &save)) {
			struct css_rule	r;
			struct rbuf	sb;
			char		t[CSS_TOKEN_MAX];

			rbuf_init(&sb, sel, strlen(sel));
			css_token(&sb, t, sizeof(t));
			if (css_selector(t, &r) == -1) {
				sh->skipped++;
				continue;
			}
			r.st = st;
			if (css_add(sh, &r) == -1)
				return -1;
		}
	}
	return 0;
}

void
css_sheet_free(struct css_sheet *sh)
{
	if (sh == NULL)
		return;
	free(sh->v);
	memset(sh, 0, sizeof(*sh));
}

/* Is name one of the space-separated words of list? */
static int
css_has_word(const char *list, const char *name)
{
	size_t	n = strlen(name);

	for (const char *p = list; *p != '\0';) {
		size_t	w;

		while (css_space((uint8_t)*p))
			p++;
		w = strcspn(p, " \t\n\r\f");
		if (w == n && strncasecmp(p, name, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

void
css_sheet_apply(const struct css_sheet *sh, const char *tag,
    const char *cls, const char *id, struct css_style *st)
{
	for (size_t i = 0; i < sh->n; i++) {
		const struct css_rule *r = &sh->v[i];

		if (r->tag[0] != '\0' && strcasecmp(r->tag, tag) != 0)
			continue;
		if (r->cls[0] != '\0' && (cls == NULL || !css_has_word(cls, r->cls)))
			continue;
		if (r->id[0] != '\0' && (id == NULL || strcasecmp(r->id, id) != 0))
			continue;
		css_style_merge(st, &r->st);
	}
}
