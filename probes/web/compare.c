/*
 * A page model against its baseline (web.h): the findings of issue 16.
 * Codes and severities are the interface:
 *   web_hidden_link [high]  web_injected_script [high]  web_redirect [high]
 *   web_defaced [critical]  web_sensitive_word [high]   web_changed [info]
 * The fold key names the page and what: "web_hidden_link:HOST/PATH:DOMAIN".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "probes/web/web.h"

#define WEB_DEFACED_SHARE	0.6	/* of the old text gone: replaced */
#define WEB_TITLE_SIMILAR	0.5	/* bigram similarity of old and new title */

/* Phrases defacers sign with; matched without regard to ASCII case. */
static const char *const web_deface_phrases[] = {
	"hacked by", "defaced by", "owned by", "pwned by", "h4cked",
	"黑客", "被黑", "黑页", "入侵者", NULL,
};

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* "host/path" of a URL for keys and messages. */
static void
web_what(const json_t *page, char *out, size_t outlen)
{
	const char *u = jstr(page, "url"), *p = strstr(u, "://");

	snprintf(out, outlen, "%s", p ? p + 3 : u);
}

/* s cut to fit out without splitting a UTF-8 sequence. */
static void
web_utf8_cut(const char *s, char *out, size_t outlen)
{
	text_copy(out, outlen, s, 0);
}

static int
web_foreign(const char *host, const char *site, const struct web_opts *o)
{
	return host[0] != '\0' && !web_same_site(host, site) &&
	    !web_allowed(&o->allow, host);
}

/* Is host among the "host" members of the array's objects? */
static int
web_host_in(const json_t *arr, const char *host)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v)
		if (strcasecmp(jstr(v, "host"), host) == 0)
			return 1;
	return 0;
}

/* Text for comparing: every run of digits is one '0' (dates, counters). */
static char *
web_norm(const char *s)
{
	char	*o = malloc(strlen(s) + 1), *q = o;

	if (o == NULL)
		return NULL;
	while (*s != '\0') {
		if (isdigit((unsigned char)*s)) {
			*q++ = '0';
			while (isdigit((unsigned char)*s))
				s++;
		} else
			*q++ = *s++;
	}
	*q = '\0';
	return o;
}

/* {normalized run: count} and the total length. */
static json_t *
web_bag(const json_t *text, size_t *total)
{
	json_t	*bag = json_object(), *v;
	size_t	 i;

	*total = 0;
	if (bag == NULL)
		return NULL;
	json_array_foreach(text, i, v) {
		char	*n = web_norm(json_string_value(v) ? json_string_value(v) : "");

		if (n == NULL)
			continue;
		json_object_set_new(bag, n, json_integer(json_integer_value(
		    json_object_get(bag, n)) + 1));
		*total += strlen(n);
		free(n);
	}
	return bag;
}

/* Length of a's runs not in b (as a multiset). */
static size_t
web_gone(json_t *a, json_t *b)
{
	const char	*k;
	json_t		*v;
	size_t		 gone = 0;

	json_object_foreach(a, k, v) {
		json_int_t na = json_integer_value(v);
		json_int_t nb = json_integer_value(json_object_get(b, k));

		if (na > nb)
			gone += (size_t)(na - nb) * strlen(k);
	}
	return gone;
}

/* Dice coefficient of byte bigrams: 1 same, 0 nothing in common. */
static double
web_similar(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), common = 0;
	char	*used;

	if (la < 2 || lb < 2)
		return strcmp(a, b) == 0 ? 1.0 : 0.0;
	if ((used = calloc(lb, 1)) == NULL)
		return 1.0;
	for (size_t i = 0; i + 1 < la; i++)
		for (size_t j = 0; j + 1 < lb; j++)
			if (!used[j] && a[i] == b[j] && a[i + 1] == b[j + 1]) {
				used[j] = 1;
				common++;
				break;
			}
	free(used);
	return 2.0 * (double)common / (double)(la - 1 + lb - 1);
}

static void
web_hidden_links(const json_t *page, const char *site, const char *what,
    const struct web_opts *o, struct findings *f)
{
	json_t		*by = json_object(), *l, *hrefs;
	const char	*host;
	size_t		 i;

	if (by == NULL)
		return;
	json_array_foreach(json_object_get(page, "links"), i, l) {
		json_t	*d;

		if (json_object_get(l, "hidden") == NULL ||
		    !web_foreign(jstr(l, "host"), site, o))
			continue;
		if ((d = json_object_get(by, jstr(l, "host"))) == NULL) {
			d = json_pack("{s:s, s:s, s:s, s:[]}", "domain",
			    jstr(l, "host"), "hidden_by", jstr(l, "hidden"),
			    "text", jstr(l, "text"), "hrefs");
			json_object_set_new(by, jstr(l, "host"), d);
		}
		if ((hrefs = json_object_get(d, "hrefs")) != NULL &&
		    json_array_size(hrefs) < 10)
			json_array_append_new(hrefs, json_string(jstr(l, "href")));
	}
	json_object_foreach(by, host, l) {
		char	key[WEB_KEY_MAX], cut[100];

		snprintf(key, sizeof(key), "%s:%s", what, host);
		web_utf8_cut(jstr(l, "text"), cut, sizeof(cut));
		findings_add(f, "web_hidden_link", SEV_HIGH, key, json_incref(l),
		    "暗链 hidden link on %s to %s (%s): \"%s\"", what, host,
		    jstr(l, "hidden_by"), cut);
	}
	json_decref(by);
}

static void
web_resources(const json_t *base, const json_t *page, const char *site,
    const char *what, const struct web_opts *o, struct findings *f)
{
	json_t	*r, *seen = json_object();
	size_t	 i;

	json_array_foreach(json_object_get(page, "resources"), i, r) {
		const char	*h = jstr(r, "host");
		char		 key[WEB_KEY_MAX];

		if (!web_foreign(h, site, o) ||
		    web_host_in(json_object_get(base, "resources"), h) ||
		    json_object_get(seen, h) != NULL)
			continue;
		json_object_set_new(seen, h, json_true());
		snprintf(key, sizeof(key), "%s:%s", what, h);
		findings_add(f, "web_injected_script", SEV_HIGH, key,
		    json_pack("{s:s, s:s, s:s}", "tag", jstr(r, "tag"), "url",
		    jstr(r, "url"), "domain", h),
		    "网页被注入外部%s injected %s from %s on %s: %s",
		    strcmp(jstr(r, "tag"), "script") == 0 ? "脚本" : "资源",
		    jstr(r, "tag"), h, what, jstr(r, "url"));
	}
	json_decref(seen);
}

static void
web_redirects(const json_t *base, const json_t *page, const char *site,
    const char *what, const struct web_opts *o, struct findings *f)
{
	char	furl[WEB_URL_MAX], fhost[WEB_HOST_MAX], key[WEB_KEY_MAX];
	json_t	*n;
	size_t	 i;

	if (json_object_get(page, "final_url") != NULL &&
	    web_url_resolve(jstr(page, "url"), jstr(page, "final_url"), furl,
	    sizeof(furl), fhost, sizeof(fhost)) == 0 &&
	    web_foreign(fhost, site, o)) {
		snprintf(key, sizeof(key), "%s:%s", what, fhost);
		findings_add(f, "web_redirect", SEV_HIGH, key,
		    json_pack("{s:s, s:s, s:O}", "how", "http redirect", "url",
		    furl, "redirects", json_object_get(page, "redirects")),
		    "网页被重定向 %s redirects off the site to %s", what, furl);
	}
	json_array_foreach(json_object_get(page, "navs"), i, n) {
		const char *h = jstr(n, "host");

		if (!web_foreign(h, site, o) ||
		    web_host_in(json_object_get(base, "navs"), h))
			continue;
		snprintf(key, sizeof(key), "%s:%s", what, h);
		findings_add(f, "web_redirect", SEV_HIGH, key,
		    json_pack("{s:s, s:s}", "how", jstr(n, "how"), "url",
		    jstr(n, "url")),
		    "网页跳转到外部网站 %s sends visitors to %s (%s)", what,
		    jstr(n, "url"), jstr(n, "how"));
	}
}

/* Where word appears: "title", "text", "alt", "link text"; NULL if not. */
static const char *
web_word_where(const json_t *page, const char *w, const char **ctx)
{
	static const char *const arrays[] = { "text", "alt", NULL };
	json_t	*v;
	size_t	 i;

	if (strcasestr(jstr(page, "title"), w)) {
		*ctx = jstr(page, "title");
		return "title";
	}
	for (size_t a = 0; arrays[a] != NULL; a++)
		json_array_foreach(json_object_get(page, arrays[a]), i, v)
			if (strcasestr(json_string_value(v), w)) {
				*ctx = json_string_value(v);
				return a == 0 ? "text" : "alt";
			}
	json_array_foreach(json_object_get(page, "links"), i, v)
		if (strcasestr(jstr(v, "text"), w)) {
			*ctx = jstr(v, "text");
			return "link text";
		}
	return NULL;
}

/* Is phrase in the page's title or visible text? */
static int
web_page_has(const json_t *page, const char *phrase)
{
	json_t	*v;
	size_t	 i;

	if (page == NULL)
		return 0;
	if (strcasestr(jstr(page, "title"), phrase))
		return 1;
	json_array_foreach(json_object_get(page, "text"), i, v)
		if (strcasestr(json_string_value(v), phrase))
			return 1;
	return 0;
}

/* nf: the findings before this page's, for "none of the above". */
static void
web_text(const json_t *base, const json_t *page, const char *what,
    const struct web_opts *o, struct findings *f, size_t nf)
{
	size_t	 tb = 0, tp = 0, gone, added;
	json_t	*bb = NULL, *bp = NULL;
	char	*nt0 = NULL, *nt1 = NULL;
	double	 share;

	for (size_t i = 0; web_deface_phrases[i] != NULL; i++) {
		if (web_page_has(page, web_deface_phrases[i]) &&
		    !web_page_has(base, web_deface_phrases[i]))
			findings_add(f, "web_defaced", SEV_CRITICAL, what,
			    json_pack("{s:s, s:s}", "phrase", web_deface_phrases[i],
			    "title", jstr(page, "title")),
			    "网页被篡改 %s shows the defacement phrase \"%s\"",
			    what, web_deface_phrases[i]);
		if (findings_has(f, "web_defaced"))
			break;
	}
	if (base == NULL)
		return;
	if ((nt0 = web_norm(jstr(base, "title"))) != NULL &&
	    (nt1 = web_norm(jstr(page, "title"))) != NULL &&
	    strcmp(nt0, nt1) != 0 && web_similar(nt0, nt1) < WEB_TITLE_SIMILAR &&
	    !findings_has(f, "web_defaced"))
		findings_add(f, "web_defaced", SEV_CRITICAL, what,
		    json_pack("{s:s, s:s}", "title_before", jstr(base, "title"),
		    "title", jstr(page, "title")),
		    "网页标题被替换 the title of %s changed from \"%s\" to \"%s\"",
		    what, jstr(base, "title"), jstr(page, "title"));
	free(nt0);
	free(nt1);
	bb = web_bag(json_object_get(base, "text"), &tb);
	bp = web_bag(json_object_get(page, "text"), &tp);
	if (bb == NULL || bp == NULL)
		goto out;
	gone = web_gone(bb, bp);
	added = web_gone(bp, bb);
	share = (double)(gone + added) / (double)(tb > tp ? (tb ? tb : 1) : tp);
	if (tb > 0 && (double)gone / (double)tb >= WEB_DEFACED_SHARE &&
	    !findings_has(f, "web_defaced"))
		findings_add(f, "web_defaced", SEV_CRITICAL, what,
		    json_pack("{s:f, s:I, s:I}", "gone_share",
		    (double)gone / (double)tb, "bytes_before", (json_int_t)tb,
		    "bytes_now", (json_int_t)tp),
		    "网页内容被替换 %.0f%% of the visible text of %s is gone",
		    100.0 * (double)gone / (double)tb, what);
	else if (f->n == nf && share > o->tolerance)
		findings_add(f, "web_changed", SEV_INFO, what,
		    json_pack("{s:f, s:I, s:I}", "changed_share", share,
		    "bytes_gone", (json_int_t)gone, "bytes_added",
		    (json_int_t)added),
		    "网页内容变化 %.0f%% of the visible text of %s changed",
		    100.0 * share, what);
out:
	json_decref(bb);
	json_decref(bp);
}

void
web_compare(const json_t *base, const json_t *page, const struct web_opts *o,
    struct findings *f)
{
	char	site[WEB_HOST_MAX], what[WEB_URL_MAX], url[WEB_URL_MAX];
	size_t	nf = f->n;

	web_what(page, what, sizeof(what));
	if (web_url_resolve(jstr(page, "url"), jstr(page, "url"), url,
	    sizeof(url), site, sizeof(site)) == -1)
		return;
	web_hidden_links(page, site, what, o, f);
	if (base != NULL)
		web_resources(base, page, site, what, o, f);
	web_redirects(base, page, site, what, o, f);
	for (size_t i = 0; o->words != NULL && i < o->words->n; i++) {
		const char *ctx = NULL, *where;
		char	    key[WEB_KEY_MAX], cut[100];

		if ((where = web_word_where(page, o->words->v[i], &ctx)) == NULL)
			continue;
		snprintf(key, sizeof(key), "%s:%s", what, o->words->v[i]);
		web_utf8_cut(ctx, cut, sizeof(cut));
		findings_add(f, "web_sensitive_word", SEV_HIGH, key,
		    json_pack("{s:s, s:s, s:s}", "word", o->words->v[i], "where",
		    where, "context", ctx),
		    "敏感词 sensitive word \"%s\" in the %s of %s: \"%s\"",
		    o->words->v[i], where, what, cut);
	}
	web_text(base, page, what, o, f, nf);
}
