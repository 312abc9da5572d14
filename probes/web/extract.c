/*
 * The page model (web.h) from gumbo's tree.  gumbo builds the tree the
 * way the HTML5 specification tells browsers to (misnested tags, stray
 * end tags, implied <tbody>), so what we call hidden or visible is what
 * a visitor's browser builds too; no regular expression ever looks at
 * the HTML.
 *
 * Hiding: each element's style is its page's <style> rules (simple
 * selectors, css.c) overlaid by its style="" attribute; the reasons a
 * visitor cannot see something inherit down the tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "common/text.h"
#include "probes/web/css.h"
#include "probes/web/web.h"

#define WEB_DEPTH_MAX	512	/* deeper elements are not looked into */
#define WEB_ITEMS_MAX	20000	/* text runs, links, ... kept per page */
#define WEB_LINK_TEXT	256
#define WEB_OFFSCREEN	(-500.0)	/* px: further left/up is off-screen */
#define WEB_TEXT_RUN	4096

struct ex {
	const char		*url;
	struct css_sheet	 sheet;
	json_t			*m;		/* the model */
	json_t			*text, *alt, *links, *res, *navs;
	int			 truncated;
	int			 in_script_markup;	/* document.write depth */
};

/* What a node inherits. */
struct inh {
	const char	*hidden;	/* why a visitor cannot see it, or NULL */
	long		 color, bg;
	json_t		*link;		/* the <a> we are inside, or NULL */
};

static void ex_walk(struct ex *x, GumboNode *n, struct inh in, int depth);

/* Collapse runs of white space into one space, trim; into out. */
static void
ex_squash(const char *s, char *out, size_t outlen)
{
	size_t	k = 0;
	int	sp = 0;

	for (; *s != '\0' && k + 1 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			sp = k > 0;
			continue;
		}
		/* U+00A0 and U+3000 (ideographic space) are spaces too. */
		if (c == 0xc2 && (unsigned char)s[1] == 0xa0) {
			s++;
			sp = k > 0;
			continue;
		}
		if (c == 0xe3 && (unsigned char)s[1] == 0x80 &&
		    (unsigned char)s[2] == 0x80) {
			s += 2;
			sp = k > 0;
			continue;
		}
		if (sp && k + 2 < outlen)
			out[k++] = ' ';
		sp = 0;
		out[k++] = (char)c;
	}
	/* Never end in the middle of a UTF-8 sequence. */
	k = text_utf8_prefix(out, k, k);
	out[k] = '\0';
}

static void
ex_push(struct ex *x, json_t *arr, json_t *v)
{
	if (v == NULL)
		return;
	if (json_array_size(arr) >= WEB_ITEMS_MAX) {
		x->truncated = 1;
		json_decref(v);
		return;
	}
	json_array_append_new(arr, v);
}

static const char *
ex_attr(GumboNode *n, const char *name)
{
	GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, name);

	return a ? a->value : NULL;
}

/* A URL attribute resolved; 0 with out and host set. */
static int
ex_url(struct ex *x, const char *ref, char *out, size_t outlen, char *host,
    size_t hostlen)
{
	if (ref == NULL || *ref == '\0')
		return -1;
	return web_url_resolve(x->url, ref, out, outlen, host, hostlen);
}

static void
ex_resource(struct ex *x, const char *tag, const char *ref)
{
	char	url[WEB_URL_MAX], host[WEB_HOST_MAX];

	if (ex_url(x, ref, url, sizeof(url), host, sizeof(host)) == 0)
		ex_push(x, x->res, json_pack("{s:s, s:s, s:s}", "tag", tag,
		    "url", url, "host", host));
}

static void
ex_nav(struct ex *x, const char *how, const char *ref)
{
	char	url[WEB_URL_MAX], host[WEB_HOST_MAX];

	if (ex_url(x, ref, url, sizeof(url), host, sizeof(host)) == 0)
		ex_push(x, x->navs, json_pack("{s:s, s:s, s:s}", "how", how,
		    "url", url, "host", host));
}

/* Append text to the link's "text" (bounded). */
static void
ex_link_text(json_t *link, const char *t)
{
	const char	*old = json_string_value(json_object_get(link, "text"));
	char		 buf[WEB_LINK_TEXT + WEB_TEXT_RUN + 2], sq[WEB_LINK_TEXT];

	snprintf(buf, sizeof(buf), "%s%s%s", old ? old : "",
	    old && *old ? " " : "", t);
	ex_squash(buf, sq, sizeof(sq));
	json_object_set_new(link, "text", json_string(sq));
}

/*
 * Why an element with this style cannot be seen, given what it inherits;
 * NULL when it can.
 */
static const char *
ex_hidden(const struct css_style *st, long color, long bg)
{
	if (st->display_none)
		return "display:none";
	if (st->vis_hidden)
		return "visibility:hidden";
	if ((st->positioned && (((st->set & CSS_LEFT) && st->left <= WEB_OFFSCREEN) ||
	    ((st->set & CSS_TOP) && st->top <= WEB_OFFSCREEN))) ||
	    ((st->set & CSS_INDENT) && st->indent <= WEB_OFFSCREEN))
		return "off-screen position";
	if (st->overflow_hidden && (((st->set & CSS_WIDTH) && st->width <= 1) ||
	    ((st->set & CSS_HEIGHT) && st->height <= 1)))
		return "zero size";
	if ((st->set & CSS_FONT) && st->font <= 1)
		return "zero font size";
	if ((st->set & (CSS_COLOR | CSS_BG)) && color == bg)
		return "same colour as background";
	return NULL;
}

/*
 * JavaScript in a <script>: the string literals it writes as markup
 * (document.write, innerHTML, insertAdjacentHTML) are parsed as HTML in
 * their turn; string literals after location / window.open are
 * navigations.  A small tokenizer for strings, not a JS parser: a
 * script that builds its URL from pieces still shows the pieces.
 */
struct js_str {
	size_t	start, end;	/* offsets of the literal in the script */
	char	*val;
};

static char *
js_unescape(const char *s, size_t n)
{
	char	*o = malloc(n + 1);
	size_t	 k = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			o[k++] = s[i];
			continue;
		}
		i++;
		if ((s[i] == 'x' && i + 2 < n) || (s[i] == 'u' && i + 4 < n)) {
			size_t	 dl = s[i] == 'x' ? 2 : 4;
			unsigned v = 0;
			int	 ok = 1;

			for (size_t j = 1; j <= dl; j++) {
				char c = s[i + j];

				v <<= 4;
				if (c >= '0' && c <= '9')
					v |= (unsigned)(c - '0');
				else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
					v |= (unsigned)((c | 0x20) - 'a' + 10);
				else
					ok = 0;
			}
			if (ok && v < 0x80) {
				o[k++] = (char)v;
				i += dl;
				continue;
			}
		}
		o[k++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i];
	}
	o[k] = '\0';
	return o;
}

/* The string literals of script s[0..n) (at most max), for the caller to free. */
static size_t
js_strings(const char *s, size_t n, struct js_str *v, size_t max)
{
	size_t	k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		char	q = s[i];
		size_t	j;

		if (q == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (q == '/' && i + 1 < n && s[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i++;
			continue;
		}
		if (q != '"' && q != '\'' && q != '`')
			continue;
		for (j = i + 1; j < n && s[j] != q; j++)
			if (s[j] == '\\')
				j++;
		if (j > n)
			j = n;
		v[k].start = i;
		v[k].end = j;
		if ((v[k].val = js_unescape(s + i + 1, j - i - 1)) == NULL)
			break;
		k++;
		i = j;
	}
	return k;
}

static int
js_has(const char *s, size_t n, const char *w)
{
	return memmem(s, n, w, strlen(w)) != NULL;
}

static void ex_markup(struct ex *x, const char *html, size_t len,
    struct inh in);

static void
ex_script(struct ex *x, const char *s, size_t n, struct inh in)
{
	enum { JS_MAX = 512 };
	struct js_str	*v = calloc(JS_MAX, sizeof(*v));
	size_t		 k, i;

	if (v == NULL)
		return;
	k = js_strings(s, n, v, JS_MAX);
	if (js_has(s, n, "document.write") || js_has(s, n, "innerHTML") ||
	    js_has(s, n, "insertAdjacentHTML") || js_has(s, n, "outerHTML")) {
		size_t	 tot = 0, at = 0;
		char	*all;

		for (i = 0; i < k; i++)
			tot += strlen(v[i].val);
		if ((all = malloc(tot + 1)) != NULL) {
			for (i = 0; i < k; i++) {
				size_t l = strlen(v[i].val);

				memcpy(all + at, v[i].val, l);
				at += l;
			}
			all[at] = '\0';
			if (strchr(all, '<') != NULL) {
				in.hidden = "written by script";
				ex_markup(x, all, at, in);
			}
			free(all);
		}
	}
	/* Navigation: the first literal after location / window.open. */
	for (i = 0; i < k; i++) {
		size_t	back = v[i].start, lo = back > 64 ? back - 64 : 0;
		const char *how = NULL;
		size_t	j;

		for (j = back; j > lo; j--) {
			const char *p = s + j - 1;
			size_t	    left = n - (j - 1);

			if (left >= 11 && strncmp(p, "window.open", 11) == 0) {
				how = "script window.open";
				break;
			}
			if (left >= 8 && strncmp(p, "location", 8) == 0) {
				how = "script location";
				break;
			}
			/* Only the nearest statement counts. */
			if (*p == ';' || *p == '{' || *p == '}' || *p == '\n')
				break;
		}
		/* Between the word and the literal: = . href replace assign ( */
		if (how != NULL && !js_has(s + j, v[i].start - j, "+") &&
		    strncmp(v[i].val, "http", 4) == 0)
			ex_nav(x, how, v[i].val);
		else if (how != NULL && v[i].val[0] == '/' && v[i].val[1] == '/')
			ex_nav(x, how, v[i].val);
	}
	for (i = 0; i < k; i++)
		free(v[i].val);
	free(v);
}

/* Markup written by a script, walked with its hiding reason. */
static void
ex_markup(struct ex *x, const char *html, size_t len, struct inh in)
{
	GumboOutput	*o;

	if (x->in_script_markup > 2)
		return;
	o = gumbo_parse_with_options(&kGumboDefaultOptions, html, len);
	if (o == NULL)
		return;
	x->in_script_markup++;
	ex_walk(x, o->root, in, 0);
	x->in_script_markup--;
	gumbo_destroy_output(&kGumboDefaultOptions, o);
}

/* "5; url=http://x/": the URL part of a meta refresh. */
static const char *
ex_refresh_url(const char *c)
{
	const char *p = strchr(c, ';');

	if (p == NULL)
		p = strchr(c, ',');
	if (p == NULL)
		return NULL;
	for (p++; *p == ' '; p++)
		;
	if (strncasecmp(p, "url", 3) == 0) {
		for (p += 3; *p == ' '; p++)
			;
		if (*p == '=')
			p++;
		for (; *p == ' ' || *p == '\'' || *p == '"'; p++)
			;
	}
	return *p ? p : NULL;
}

static void
ex_text(struct ex *x, const char *t, struct inh *in)
{
	char	sq[WEB_TEXT_RUN];

	ex_squash(t, sq, sizeof(sq));
	if (sq[0] == '\0')
		return;
	if (in->link != NULL)
		ex_link_text(in->link, sq);
	if (in->hidden == NULL && !x->in_script_markup)
		ex_push(x, x->text, json_string(sq));
}

/* Small iframe: width or height attribute of 0..2 pixels. */
static int
ex_tiny(GumboNode *n)
{
	const char *w = ex_attr(n, "width"), *h = ex_attr(n, "height");

	return (w != NULL && strtol(w, NULL, 10) <= 2 && strspn(w, "0123456789 ") == strlen(w)) ||
	    (h != NULL && strtol(h, NULL, 10) <= 2 && strspn(h, "0123456789 ") == strlen(h));
}

static void
ex_element(struct ex *x, GumboNode *n, struct inh in, int depth)
{
	GumboElement	*e = &n->v.element;
	const char	*tag = gumbo_normalized_tagname(e->tag), *v, *why;
	struct css_style st;

	memset(&st, 0, sizeof(st));
	css_sheet_apply(&x->sheet, tag, ex_attr(n, "class"), ex_attr(n, "id"), &st);
	if ((v = ex_attr(n, "style")) != NULL)
		css_decls_parse(v, strlen(v), &st);
	if (st.set & CSS_BG)
		in.bg = st.bg;
	if (st.set & CSS_COLOR)
		in.color = st.color;
	else if (e->tag == GUMBO_TAG_A)
		in.color = 0x0000ee;	/* the browser's link colour */
	if (in.hidden == NULL) {
		if (ex_attr(n, "hidden") != NULL)
			in.hidden = "hidden attribute";
		else if (e->tag == GUMBO_TAG_INPUT && (v = ex_attr(n, "type")) &&
		    strcasecmp(v, "hidden") == 0)
			in.hidden = "hidden input";
		else if ((why = ex_hidden(&st, in.color, in.bg)) != NULL)
			in.hidden = why;
	}

	switch (e->tag) {
	case GUMBO_TAG_HEAD:
	case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_TEMPLATE:
		in.hidden = in.hidden ? in.hidden : "not rendered";
		break;
	case GUMBO_TAG_TITLE:
		if (json_object_get(x->m, "title") == NULL && e->children.length > 0 &&
		    ((GumboNode *)e->children.data[0])->type == GUMBO_NODE_TEXT) {
			char sq[1024];

			ex_squash(((GumboNode *)e->children.data[0])->v.text.text,
			    sq, sizeof(sq));
			json_object_set_new(x->m, "title", json_string(sq));
		}
		return;
	case GUMBO_TAG_STYLE:		/* read by ex_styles() */
		return;
	case GUMBO_TAG_SCRIPT:
		if ((v = ex_attr(n, "src")) != NULL)
			ex_resource(x, "script", v);
		for (unsigned i = 0; i < e->children.length; i++) {
			GumboNode *c = e->children.data[i];

			if (c->type == GUMBO_NODE_TEXT)
				ex_script(x, c->v.text.text, strlen(c->v.text.text), in);
		}
		return;
	case GUMBO_TAG_META:
		if ((v = ex_attr(n, "http-equiv")) != NULL &&
		    strcasecmp(v, "refresh") == 0 &&
		    (v = ex_attr(n, "content")) != NULL &&
		    (v = ex_refresh_url(v)) != NULL) {
			char	ref[WEB_URL_MAX];

			snprintf(ref, sizeof(ref), "%s", v);
			ref[strcspn(ref, "'\"")] = '\0';
			ex_nav(x, "meta refresh", ref);
		}
		return;
	case GUMBO_TAG_LINK:
		if ((v = ex_attr(n, "rel")) != NULL && strcasestr(v, "stylesheet"))
			ex_resource(x, "stylesheet", ex_attr(n, "href"));
		return;
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_FRAME:
		if ((v = ex_attr(n, "src")) != NULL) {
			char	url[WEB_URL_MAX], host[WEB_HOST_MAX];

			ex_resource(x, "iframe", v);
			if ((in.hidden != NULL || ex_tiny(n)) &&
			    ex_url(x, v, url, sizeof(url), host, sizeof(host)) == 0)
				ex_push(x, x->links, json_pack("{s:s, s:s, s:s, s:s}",
				    "href", url, "host", host, "text", "",
				    "hidden", in.hidden ? in.hidden : "tiny iframe"));
		}
		return;
	case GUMBO_TAG_OBJECT:
		ex_resource(x, "object", ex_attr(n, "data"));
		break;
	case GUMBO_TAG_EMBED:
		ex_resource(x, "object", ex_attr(n, "src"));
		return;
	case GUMBO_TAG_IMG:
		if ((v = ex_attr(n, "alt")) != NULL && in.hidden == NULL) {
			char sq[WEB_LINK_TEXT];

			ex_squash(v, sq, sizeof(sq));
			if (sq[0] != '\0')
				ex_push(x, x->alt, json_string(sq));
		}
		return;
	case GUMBO_TAG_A:
		if ((v = ex_attr(n, "href")) != NULL) {
			char	url[WEB_URL_MAX], host[WEB_HOST_MAX];
			json_t	*l;

			if (ex_url(x, v, url, sizeof(url), host, sizeof(host)) == 0 &&
			    (l = json_pack("{s:s, s:s, s:s}", "href", url, "host",
			    host, "text", "")) != NULL) {
				if (in.hidden != NULL)
					json_object_set_new(l, "hidden",
					    json_string(in.hidden));
				ex_push(x, x->links, json_incref(l));
				in.link = l;
				for (unsigned i = 0; i < e->children.length; i++)
					ex_walk(x, e->children.data[i], in, depth + 1);
				json_decref(l);
				return;
			}
		}
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < e->children.length; i++)
		ex_walk(x, e->children.data[i], in, depth + 1);
}

static void
ex_walk(struct ex *x, GumboNode *n, struct inh in, int depth)
{
	if (depth > WEB_DEPTH_MAX) {
		x->truncated = 1;
		return;
	}
	switch (n->type) {
	case GUMBO_NODE_DOCUMENT:
		for (unsigned i = 0; i < n->v.document.children.length; i++)
			ex_walk(x, n->v.document.children.data[i], in, depth + 1);
		break;
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		ex_element(x, n, in, depth);
		break;
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_CDATA:
		ex_text(x, n->v.text.text, &in);
		break;
	default:
		break;
	}
}

/*
 * <style> blocks apply to the whole document wherever they stand, so
 * they are read in a first pass over the tree (iterative, bounded).
 */
static void
ex_styles(struct ex *x, GumboNode *root)
{
	enum { STACK = WEB_DEPTH_MAX };
	GumboNode	**st = calloc(STACK, sizeof(*st));
	unsigned	 *ix = calloc(STACK, sizeof(*ix));
	size_t		  sp = 0;

	if (st == NULL || ix == NULL)
		goto out;
	st[sp] = root, ix[sp++] = 0;
	while (sp > 0) {
		GumboNode	*n = st[sp - 1];
		GumboVector	*ch;

		if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT) {
			sp--;
			continue;
		}
		ch = n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children :
		    &n->v.element.children;
		if (n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_STYLE) {
			for (unsigned i = 0; i < ch->length; i++) {
				GumboNode *c = ch->data[i];

				if (c->type == GUMBO_NODE_TEXT)
					css_sheet_parse(&x->sheet, c->v.text.text,
					    strlen(c->v.text.text));
			}
			sp--;
			continue;
		}
		if (ix[sp - 1] >= ch->length || sp == STACK) {
			sp--;
			continue;
		}
		st[sp] = ch->data[ix[sp - 1]++];
		ix[sp++] = 0;
	}
out:
	free(st);
	free(ix);
}

json_t *
web_extract(const char *html, size_t len, const char *url)
{
	struct ex	 x;
	struct inh	 in = { NULL, 0x000000, 0xffffff, NULL };
	GumboOutput	*o;
	json_t		*m;

	memset(&x, 0, sizeof(x));
	x.url = url;
	m = json_pack("{s:s, s:[], s:[], s:[], s:[], s:[]}", "url", url,
	    "text", "alt", "links", "resources", "navs");
	if (m == NULL)
		return NULL;
	x.m = m;
	x.text = json_object_get(m, "text");
	x.alt = json_object_get(m, "alt");
	x.links = json_object_get(m, "links");
	x.res = json_object_get(m, "resources");
	x.navs = json_object_get(m, "navs");
	o = gumbo_parse_with_options(&kGumboDefaultOptions, html, len);
	if (o == NULL) {
		json_decref(m);
		return NULL;
	}
	ex_styles(&x, o->root);
	ex_walk(&x, o->document, in, 0);
	gumbo_destroy_output(&kGumboDefaultOptions, o);
	css_sheet_free(&x.sheet);
	if (json_object_get(m, "title") == NULL)
		json_object_set_new(m, "title", json_string(""));
	if (x.truncated)
		json_object_set_new(m, "truncated", json_true());
	return m;
}
