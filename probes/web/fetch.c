/*
 * Fetching a page (libcurl).  Redirects are followed by us, one hop at a
 * time, so each hop is recorded (a defacer's redirect to a gambling site
 * is a finding, not a detail curl hides); bounded in hops, bytes and time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/version.h"
#include "probes/web/web.h"

struct fetch_buf {
	char	*p;
	size_t	 len, cap;
	int	 over;
};

static size_t
fetch_on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch_buf	*b = arg;
	size_t			 n = size * nmemb;

	if (b->len + n > WEB_BODY_MAX) {
		b->over = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t	 ncap = b->cap ? b->cap : 65536;
		char	*np;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return 0;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

int
web_fetch(const char *url, int64_t timeout_ms, struct web_fetch *f)
{
	char	cur[WEB_URL_MAX], ua[VERSION_UA_MAX];
	int	hop;

	memset(f, 0, sizeof(*f));
	if ((f->redirects = json_array()) == NULL)
		return -1;
	snprintf(cur, sizeof(cur), "%s", url);
	for (hop = 0; hop <= WEB_REDIRECTS_MAX; hop++) {
		CURL			*c = curl_easy_init();
		struct fetch_buf	 b = { NULL, 0, 0, 0 };
		char			*loc = NULL;
		CURLcode		 rc;
		long			 status = 0;

		if (c == NULL) {
			snprintf(f->error, sizeof(f->error), "out of memory");
			return -1;
		}
		curl_easy_setopt(c, CURLOPT_URL, cur);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
		/* Look like a browser: some injected links show only to them. */
		curl_easy_setopt(c, CURLOPT_USERAGENT, version_user_agent(ua,
		    sizeof(ua), "shaobing-agent",
		    "Mozilla/5.0 (compatible; %V web integrity)"));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK) {
			snprintf(f->error, sizeof(f->error), "%s: %s", cur,
			    b.over ? "page larger than 4 MB" : curl_easy_strerror(rc));
			free(b.p);
			curl_easy_cleanup(c);
			return -1;
		}
		if (status >= 300 && status < 400 &&
		    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
		    loc != NULL) {
			json_array_append_new(f->redirects, json_pack("{s:i, s:s, s:s}",
			    "status", (int)status, "from", cur, "to", loc));
			snprintf(cur, sizeof(cur), "%s", loc);
			free(b.p);
			curl_easy_cleanup(c);
			continue;
		}
		curl_easy_cleanup(c);
		f->status = status;
		snprintf(f->final_url, sizeof(f->final_url), "%s", cur);
		if (b.p == NULL && (b.p = calloc(1, 1)) == NULL) {
			snprintf(f->error, sizeof(f->error), "out of memory");
			return -1;
		}
		f->body = b.p;
		f->len = b.len;
		if (status >= 400) {
			snprintf(f->error, sizeof(f->error), "%s answered HTTP %ld",
			    cur, status);
			return -1;
		}
		return 0;
	}
	snprintf(f->error, sizeof(f->error), "%s: more than %d redirects", url,
	    WEB_REDIRECTS_MAX);
	return -1;
}

void
web_fetch_free(struct web_fetch *f)
{
	if (f == NULL)
		return;
	free(f->body);
	json_decref(f->redirects);
	memset(f, 0, sizeof(*f));
}
