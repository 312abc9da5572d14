/*
 * Website integrity (issue 16): what a visitor of a public page gets,
 * compared with a baseline.  One module per job:
 *   fetch.c    libcurl, redirects followed one by one and recorded
 *   url.c      resolving links against the page, same-site and allow list
 *   css.c      the little CSS that hides things (css.h)
 *   extract.c  gumbo's HTML5 tree -> the page model (JSON, below)
 *   compare.c  baseline + page model -> findings
 *   web_main.c shaobing-agent --web;  probe.c  [website NAME]
 *
 * The page model is a JSON object, so the baseline file is the model of
 * the page as it was, written as is:
 *   {"url", "final_url", "redirects": [url...], "title",
 *    "text": [visible text runs...], "alt": [...],
 *    "links": [{"href","host","text","hidden"?}],
 *    "resources": [{"tag","url","host"}],
 *    "navs": [{"how","url","host"}]}
 */
#ifndef SHAOBING_WEB_H
#define SHAOBING_WEB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/conf.h"

#include "probes/check/finding.h"

#define WEB_BODY_MAX		(4 * 1024 * 1024)	/* read no more of a page */
#define WEB_REDIRECTS_MAX	8
#define WEB_URL_MAX		2048
#define WEB_HOST_MAX		256
#define WEB_ALLOW_MAX		64
#define WEB_KEY_MAX		(WEB_URL_MAX + WEB_HOST_MAX + 300)

struct web_fetch {
	char	*body;			/* NUL-terminated, owned */
	size_t	 len;
	long	 status;
	char	 final_url[WEB_URL_MAX];
	json_t	*redirects;		/* [ {"status","from","to"} ] */
	char	 error[WEB_URL_MAX + 256];
};

/* GET url following up to WEB_REDIRECTS_MAX redirects; -1 with f->error. */
int	web_fetch(const char *url, int64_t timeout_ms, struct web_fetch *f);
void	web_fetch_free(struct web_fetch *f);

/* ref resolved against base into out; host (lower case) into host. */
int	web_url_resolve(const char *base, const char *ref, char *out,
	    size_t outlen, char *host, size_t hostlen);
/* Are two hosts the same site (same registrable domain, gov.cn aware)? */
int	web_same_site(const char *a, const char *b);
struct web_allow {
	char	d[WEB_ALLOW_MAX][WEB_HOST_MAX];
	size_t	n;
};
/* host is D or a subdomain of an allowed D. */
int	web_allowed(const struct web_allow *a, const char *host);

/*
 * The page model of html[0..len) served at url (see above); NULL when
 * out of memory.  Never fails on bad HTML: gumbo builds a tree from any
 * bytes, as a browser does.
 */
json_t	*web_extract(const char *html, size_t len, const char *url);

/* Keywords: one UTF-8 word a line, '#' comments; -1 with why. */
struct web_words {
	char	**v;
	size_t	  n;
};
int	web_words_load(const char *path, struct web_words *w, char *why,
	    size_t whylen);
void	web_words_free(struct web_words *w);

/* Add d to the allow list; -1 with why when it is not a domain name. */
int	web_allow_add(struct web_allow *a, const char *d, char *why,
	    size_t whylen);

#define WEB_TOLERANCE	0.15	/* share of visible text that may change */

struct web_opts {
	struct web_allow	 allow;
	const struct web_words	*words;		/* may be NULL */
	double			 tolerance;	/* changed share for web_changed */
};

/*
 * Findings of page against base (both page models; base may be NULL,
 * then only what needs no baseline: hidden links, sensitive words,
 * defacement phrases, a redirect off the site).
 */
void	web_compare(const json_t *base, const json_t *page,
	    const struct web_opts *o, struct findings *f);

/* One check of url: fetch, extract, compare with / write the baseline. */
int	web_check(const char *url, const char *baseline, int64_t timeout_ms,
	    const struct web_opts *o, json_t **page, struct findings *f,
	    int *wrote_baseline, char *why, size_t whylen);

int	web_main(int argc, char **argv);

/* [website NAME] (probe.c); its option table for the example config test. */
struct probe_ops;
extern const struct probe_ops website_probe;

/*
 * The collector asked (heartbeat answer, agent/upload.c) for new
 * baselines of [website name]: its next run, due at once, replaces
 * them.  Any thread; a name this agent does not check is ignored at the
 * run.  -1 when too many requests wait (WEB_REBASE_MAX) or the name is
 * too long.
 */
#define WEB_REBASE_MAX	32
int	website_rebaseline_request(const char *name);
extern const struct conf_opt website_opts[];

#endif
