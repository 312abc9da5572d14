/*
 * [website NAME]: the pages of a public website checked on the agent's
 * schedule (see conf/agent.ini).  Each page's baseline is a file in
 * baseline_dir, NAME-<sha256 of the URL, 16 hex>.json; a missing file is
 * taken as a new baseline on the next run.  An administrator rebaselines
 * with `shaobing websites rebaseline NAME`: the collector tells the agent
 * in its heartbeat answer (website_rebaseline_request()), and the next
 * run replaces the site's baselines (web_baseline events say so).
 * Findings become events of the finding's code with data
 * {target: NAME, website: NAME, url, code, message, detail}, keyed by
 * page and what, so a dark link that stays is one incident.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/digest.h"
#include "common/log.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "probes/probe.h"
#include "probes/web/web.h"

#define WEBSITE_PAGES_MAX	32
#define WEBSITE_CRAWL_MAX	200

struct website {
	char			 name[64];
	char			 pages[4096];
	int			 crawl;
	int64_t			 interval_ms, timeout_ms;
	char			 keywords[512];
	char			 allow[2048];
	char			 baseline_dir[512];
	double			 tolerance;
	/* derived */
	char			 url[WEBSITE_PAGES_MAX][WEB_URL_MAX];
	size_t			 nurl;
	struct web_words	 words;
	struct web_opts		 o;
	int64_t			 next_due;
};

#define OFF(f) offsetof(struct website, f)
const struct conf_opt website_opts[] = {
	{ "pages", CONF_STR, OFF(pages), sizeof(((struct website *)0)->pages),
	  0, 0, "", NULL, NULL, "http:// or https:// pages to watch, comma separated" },
	{ "crawl", CONF_INT, OFF(crawl), 0, 0, WEBSITE_CRAWL_MAX, "0", NULL, NULL,
	  "also watch up to this many same-site pages linked from the first page (depth 1)" },
	{ "interval", CONF_DURATION, OFF(interval_ms), 0, 10000, 86400000, "30m",
	  NULL, NULL, "how often to check" },
	{ "timeout", CONF_DURATION, OFF(timeout_ms), 0, 100, 120000, "15s",
	  NULL, NULL, "per page" },
	{ "keywords", CONF_STR, OFF(keywords), sizeof(((struct website *)0)->keywords),
	  0, 0, "", NULL, NULL, "sensitive word file (UTF-8, one a line); empty: none" },
	{ "allow", CONF_STR, OFF(allow), sizeof(((struct website *)0)->allow),
	  0, 0, "", NULL, NULL,
	  "other domains the site may link to or load from, comma separated" },
	{ "baseline_dir", CONF_STR, OFF(baseline_dir),
	  sizeof(((struct website *)0)->baseline_dir), 0, 0,
	  "/var/lib/shaobing/web", NULL, NULL, "where the page baselines are kept" },
	{ "tolerance", CONF_DOUBLE, OFF(tolerance), 0, 0, 100, "15%", NULL, NULL,
	  "share of visible text that may change before web_changed (info)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef OFF

struct website_state {
	struct website	**w;
	size_t		  n;
};

/* Split "a, b c" into words; cb for each; -1 stops. */
static int
website_split(const char *s, int (*cb)(void *, const char *), void *arg)
{
	char	buf[WEB_URL_MAX];

	while (*s != '\0') {
		size_t n;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		n = strcspn(s, ", \t");
		if (n == 0)
			break;
		if (n >= sizeof(buf))
			return -1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (cb(arg, buf) == -1)
			return -1;
		s += n;
	}
	return 0;
}

static int
website_add_url(void *arg, const char *u)
{
	struct website	*w = arg;
	char		 host[WEB_HOST_MAX];

	if (w->nurl == WEBSITE_PAGES_MAX ||
	    web_url_resolve(u, u, w->url[w->nurl], sizeof(w->url[0]), host,
	    sizeof(host)) == -1 || host[0] == '\0')
		return -1;
	w->nurl++;
	return 0;
}

static int
website_add_allow(void *arg, const char *d)
{
	char why[128];

	return web_allow_add(arg, d, why, sizeof(why));
}

static void
website_free_one(struct website *w)
{
	if (w == NULL)
		return;
	web_words_free(&w->words);
	free(w);
}

static void
website_free(void *state)
{
	struct website_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++)
		website_free_one(st->w[i]);
	free(st->w);
	free(st);
}

struct website_load {
	struct conf		*c;
	struct website_state	*st;
	struct conf_err		*err;
};

static int
website_load_one(void *arg, const char *name, const char *section, int line)
{
	struct website_load	*l = arg;
	struct website		*w = calloc(1, sizeof(*w)), **nw;
	char			 why[400];

#define BAD(...) do { snprintf(l->err->msg, sizeof(l->err->msg), __VA_ARGS__); \
	website_free_one(w); return -1; } while (0)
	if (w == NULL)
		BAD("out of memory");
	if (conf_apply(l->c, section, website_opts, w, l->err) == -1) {
		website_free_one(w);
		return -1;
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
	if (strlen(name) >= sizeof(w->name) || strchr(name, '/') != NULL)
		BAD("%s:%d: [website %s]: name too long or with '/'",
		    conf_path(l->c), line, name);
	if (website_split(w->pages, website_add_url, w) == -1 || w->nurl == 0)
		BAD("%s:%d: [website %s] pages: give 1 to %d http:// or https:// "
		    "URLs", conf_path(l->c), line, name, WEBSITE_PAGES_MAX);
	if (website_split(w->allow, website_add_allow, &w->o.allow) == -1)
		BAD("%s:%d: [website %s] allow: domain names, comma separated "
		    "(at most %d)", conf_path(l->c), line, name, WEB_ALLOW_MAX);
	if (w->keywords[0] != '\0') {
		if (web_words_load(w->keywords, &w->words, why, sizeof(why)) == -1)
			BAD("%s:%d: [website %s] keywords: %s", conf_path(l->c),
			    line, name, why);
		w->o.words = &w->words;
	}
	w->o.tolerance = w->tolerance / 100.0;
	for (size_t i = 0; i < l->st->n; i++)
		if (strcmp(l->st->w[i]->name, name) == 0)
			BAD("%s:%d: [website %s] defined twice", conf_path(l->c),
			    line, name);
	if ((nw = reallocarray(l->st->w, l->st->n + 1, sizeof(*nw))) == NULL)
		BAD("out of memory");
#undef BAD
	l->st->w = nw;
	l->st->w[l->st->n++] = w;
	return 0;
}

static int
website_configure(struct conf *c, void **state, struct conf_err *err)
{
	struct website_state	*st = calloc(1, sizeof(*st));
	struct website_load	 l = { c, st, err };

	*state = NULL;
	if (st == NULL) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (conf_foreach(c, "website", website_load_one, &l) != 0) {
		website_free(st);
		return -1;
	}
	if (st->n == 0) {
		website_free(st);
		return 0;
	}
	*state = st;
	return 0;
}

static int64_t
website_interval(void *state)
{
	struct website_state	*st = state;
	int64_t			 min = INT64_MAX;

	for (size_t i = 0; i < st->n; i++)
		if (st->w[i]->interval_ms < min)
			min = st->w[i]->interval_ms;
	return min;
}

/* Rebaselines asked by the collector, taken by website_tick(). */
static struct {
	pthread_mutex_t	 mu;
	char		 name[WEB_REBASE_MAX][64];
	size_t		 n;
} rebase = { .mu = PTHREAD_MUTEX_INITIALIZER };

int
website_rebaseline_request(const char *name)
{
	int rc = 0;

	if (strlen(name) >= sizeof(rebase.name[0]))
		return -1;
	pthread_mutex_lock(&rebase.mu);
	for (size_t i = 0; i < rebase.n; i++)
		if (strcmp(rebase.name[i], name) == 0)
			goto out;
	if (rebase.n == WEB_REBASE_MAX)
		rc = -1;
	else
		snprintf(rebase.name[rebase.n++], sizeof(rebase.name[0]), "%s",
		    name);
out:
	pthread_mutex_unlock(&rebase.mu);
	return rc;
}

/* Was a rebaseline of name asked?  Taken off the list. */
static bool
website_rebaseline_take(const char *name)
{
	bool found = false;

	pthread_mutex_lock(&rebase.mu);
	for (size_t i = 0; i < rebase.n && !found; i++)
		if (strcmp(rebase.name[i], name) == 0) {
			found = true;
			memmove(rebase.name[i], rebase.name[i + 1],
			    (rebase.n - i - 1) * sizeof(rebase.name[0]));
			rebase.n--;
		}
	pthread_mutex_unlock(&rebase.mu);
	return found;
}

/* One page: check it and emit its findings (against a new baseline when
   renew). */
static void
website_page(struct website *w, const char *url, bool renew,
    struct emitter *em, json_t **pagep)
{
	char		 hex[DIGEST_SHA256_HEX], path[1024], why[WEB_URL_MAX + 512];
	struct findings	 f = { NULL, 0, 0 };
	int		 wrote;

	digest_sha256_hex(url, strlen(url), hex, sizeof(hex));
	snprintf(path, sizeof(path), "%s/%s-%.16s.json", w->baseline_dir,
	    w->name, hex);
	if (renew && unlink(path) == -1 && errno != ENOENT)
		log_warnx("website %s: cannot remove the old baseline %s: %s; "
		    "check baseline_dir's permissions", w->name, path,
		    strerror(errno));
	if (web_check(url, path, w->timeout_ms, &w->o, pagep, &f, &wrote, why,
	    sizeof(why)) == -1) {
		char key[EVENT_KEY_MAX];

		log_warnx("website %s: %s; check the site and [website %s]",
		    w->name, why, w->name);
		snprintf(key, sizeof(key), "web_fetch_failed:%s:%s", w->name, url);
		emit_event(em, 0, "web_fetch_failed", SEV_LOW, key,
		    json_pack("{s:s, s:s, s:s, s:s}", "target", w->name,
		    "website", w->name, "url", url, "error", why));
		return;
	}
	if (wrote) {
		char key[EVENT_KEY_MAX];

		log_info("website %s: baseline of %s taken (%s)", w->name, url,
		    path);
		text_printf(key, sizeof(key), "web_baseline:%s:%s", w->name, url);
		emit_event(em, 0, "web_baseline", SEV_INFO, key,
		    json_pack("{s:s, s:s, s:s, s:s, s:b}", "target", w->name,
		    "website", w->name, "url", url, "file", path, "renewed",
		    renew));
	}
	for (size_t i = 0; i < f.n; i++) {
		const struct finding	*x = &f.v[i];
		json_t			*d = json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "target", w->name, "website", w->name, "url", url, "code",
		    x->code, "message", x->msg);

		if (d == NULL)
			continue;
		if (x->detail != NULL)
			json_object_set(d, "detail", x->detail);
		emit_event(em, 0, x->code, x->sev, x->key, d);
	}
	findings_free(&f);
}

/* Depth 1: same-site, visible links of the first page worth reading. */
static size_t
website_crawl(struct website *w, const json_t *first, char (*out)[WEB_URL_MAX],
    size_t max)
{
	static const char *const skip[] = { ".pdf", ".doc", ".docx", ".xls",
	    ".xlsx", ".zip", ".rar", ".jpg", ".png", ".gif", ".mp4", NULL };
	char	 site[WEB_HOST_MAX], u[WEB_URL_MAX];
	json_t	*l;
	size_t	 i, n = 0;

	if (web_url_resolve(w->url[0], w->url[0], u, sizeof(u), site,
	    sizeof(site)) == -1)
		return 0;
	json_array_foreach(json_object_get(first, "links"), i, l) {
		const char *href = json_string_value(json_object_get(l, "href"));
		const char *host = json_string_value(json_object_get(l, "host"));
		const char *dot;
		int	    dup = 0;

		if (n == max || href == NULL || host == NULL)
			break;
		if (json_object_get(l, "hidden") != NULL || strcmp(host, site) != 0)
			continue;
		snprintf(u, sizeof(u), "%s", href);
		u[strcspn(u, "#")] = '\0';
		if ((dot = strrchr(u, '.')) != NULL && strchr(dot, '/') == NULL)
			for (size_t k = 0; skip[k] != NULL; k++)
				dup |= strcasecmp(dot, skip[k]) == 0;
		for (size_t k = 0; k < w->nurl && !dup; k++)
			dup = strcmp(w->url[k], u) == 0;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(out[k], u) == 0;
		if (!dup)
			snprintf(out[n++], WEB_URL_MAX, "%s", u);
	}
	return n;
}

static void
website_tick(void *state, struct emitter *em)
{
	struct website_state	*st = state;
	int64_t			 now = time_mono_ms();

	for (size_t i = 0; i < st->n && !probe_stopping(); i++) {
		struct website	*w = st->w[i];
		bool		 renew = website_rebaseline_take(w->name);

		if (renew)
			log_info("website %s: new baselines asked by the "
			    "collector; taking them now", w->name);
		else if (w->next_due != 0 && now + 1000 < w->next_due)
			continue;
		w->next_due = now + w->interval_ms;
		for (size_t k = 0; k < w->nurl && !probe_stopping(); k++) {
			json_t	*page = NULL;

			website_page(w, w->url[k], renew, em, &page);
			if (k == 0 && w->crawl > 0 && page != NULL) {
				char	(*more)[WEB_URL_MAX] = calloc((size_t)w->crawl,
				    WEB_URL_MAX);
				size_t	 nm = more ? website_crawl(w, page, more,
				    (size_t)w->crawl) : 0;

				for (size_t m = 0; m < nm && !probe_stopping(); m++) {
					json_t *sub = NULL;

					website_page(w, more[m], renew, em, &sub);
					json_decref(sub);
				}
				free(more);
			}
			json_decref(page);
		}
	}
}

const struct probe_ops website_probe = {
	.name = "website",
	.configure = website_configure,
	.interval_ms = website_interval,
	.run = website_tick,
	.start = NULL,
	.free = website_free,
};
