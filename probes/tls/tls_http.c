/*
 * The HTTP side of an HTTPS target (libcurl): status of the page, the
 * redirect from http://, and Strict-Transport-Security (RFC 6797).
 * Certificate verdicts come from tls_assess(); curl is told not to
 * verify so a bad certificate still lets us see the page.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/text.h"
#include "common/rbuf.h"
#include "common/version.h"
#include "probes/tls/tls.h"

#define HTTP_BODY_MAX		(256 * 1024)	/* read no more of a page */
#define HSTS_MIN_AGE		15552000	/* 180 days, what scanners expect */
#define HSTS_VALUE_MAX		512

static int
ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * RFC 6797 6.1:
 *   Strict-Transport-Security = "Strict-Transport-Security" ":"
 *        [ directive ] *( ";" [ directive ] )
 *   directive = directive-name [ "=" directive-value ]
 * max-age is required; a directive given twice makes the header invalid
 * (6.1 item 2); unknown directives are ignored.
 */
int
hsts_parse(const char *v, size_t len, int64_t *max_age, bool *subdomains)
{
	struct rbuf	b;
	int		seen_age = 0, seen_sub = 0;
	uint8_t		c;

	*max_age = -1;
	*subdomains = false;
	rbuf_init(&b, v, strnlen(v, len));
	while (rbuf_left(&b) > 0) {
		struct rbuf	d = { NULL, 0 };
		size_t		k = 0, nlen = 0;
		int		inq = 0;

		/* One directive up to an unquoted ';'. */
		while (rbuf_peek_u8(&b, k, &c) == 0 && (inq || c != ';')) {
			if (c == '"')
				inq = !inq;
			k++;
		}
		rbuf_sub(&b, k, &d);
		rbuf_skip(&b, 1);
		while (rbuf_peek_u8(&d, 0, &c) == 0 && ws(c))
			rbuf_skip(&d, 1);
		while (d.len > 0 && ws(d.p[d.len - 1]))
			d.len--;
		if (d.len == 0)
			continue;
		while (nlen < d.len && d.p[nlen] != '=' && !ws(d.p[nlen]))
			nlen++;
		if (nlen == 7 && strncasecmp((const char *)d.p, "max-age", 7) == 0) {
			int64_t	age = 0;
			int	nd = 0, quoted = 0;

			if (seen_age++)
				return -1;
			rbuf_skip(&d, nlen);
			while (rbuf_peek_u8(&d, 0, &c) == 0 && ws(c))
				rbuf_skip(&d, 1);
			if (rbuf_u8(&d, &c) == -1 || c != '=')
				return -1;
			while (rbuf_peek_u8(&d, 0, &c) == 0 && ws(c))
				rbuf_skip(&d, 1);
			if (rbuf_peek_u8(&d, 0, &c) == 0 && c == '"') {
				quoted = 1;
				rbuf_skip(&d, 1);
			}
			while (rbuf_peek_u8(&d, 0, &c) == 0 && c >= '0' && c <= '9') {
				rbuf_skip(&d, 1);
				/* Saturate: a silly large age is still "long". */
				if (age < INT64_C(100000000000))
					age = age * 10 + (c - '0');
				nd++;
			}
			if (quoted && (rbuf_u8(&d, &c) == -1 || c != '"'))
				return -1;
			if (nd == 0 || rbuf_left(&d) != 0)
				return -1;
			*max_age = age;
		} else if (nlen == 17 && d.len == 17 &&
		    strncasecmp((const char *)d.p, "includeSubDomains", 17) == 0) {
			if (seen_sub++)
				return -1;
			*subdomains = true;
		}
	}
	return seen_age ? 0 : -1;
}

struct http_ctx {
	char	hsts[HSTS_VALUE_MAX];
	int	has_hsts;
	size_t	body;
};

static size_t
on_header(char *p, size_t size, size_t nitems, void *arg)
{
	struct http_ctx	*h = arg;
	size_t		 n = size * nitems;
	static const char name[] = "strict-transport-security:";

	if (n > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		size_t	 vlen = n - (sizeof(name) - 1);
		char	*v = p + sizeof(name) - 1;

		while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
			vlen--;
		if (vlen >= sizeof(h->hsts))
			vlen = sizeof(h->hsts) - 1;
		memcpy(h->hsts, v, vlen);
		h->hsts[vlen] = '\0';
		h->has_hsts = 1;
	}
	return n;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_ctx *h = arg;

	(void)p;
	h->body += size * nmemb;
	if (h->body > HTTP_BODY_MAX)
		return 0;	/* enough: we have the status and headers */
	return size * nmemb;
}

/* "https://name:port/path", brackets around an IPv6 literal. */
static void
make_url(char *buf, size_t len, const char *scheme, const char *name,
    uint16_t port, const char *path)
{
	uint8_t	a[16];
	int	v6 = inet_pton(AF_INET6, name, a) == 1;

	snprintf(buf, len, "%s://%s%s%s:%u%s", scheme, v6 ? "[" : "", name,
	    v6 ? "]" : "", port, path);
}

static CURLcode
fetch(const char *url, const char *name, uint16_t port, const char *ip,
    int64_t timeout_ms, struct http_ctx *h, long *status, char *loc,
    size_t loclen)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*resolve = NULL;
	char			 r[400], ua[VERSION_UA_MAX];
	CURLcode		 rc;
	char			*redir = NULL;
	uint8_t			 a[16];

	*status = 0;
	loc[0] = '\0';
	if (c == NULL)
		return CURLE_OUT_OF_MEMORY;
	/* Connect to the address we assessed, whatever DNS says now. */
	if (inet_pton(AF_INET, name, a) != 1 && inet_pton(AF_INET6, name, a) != 1) {
		snprintf(r, sizeof(r), "%s:%u:%s", name, port, ip);
		resolve = curl_slist_append(NULL, r);
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, version_user_agent(ua,
	    sizeof(ua), "shaobing-agent", "%V (check)"));
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (rc == CURLE_WRITE_ERROR && *status != 0)
		rc = CURLE_OK;		/* we stopped reading a large page */
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redir) == CURLE_OK &&
	    redir != NULL)
		snprintf(loc, loclen, "%s", redir);
	curl_easy_cleanup(c);
	curl_slist_free_all(resolve);
	return rc;
}

void
tls_http_check(const struct tls_opts *o, const char *connect_ip,
    json_t *report, struct findings *f)
{
	const char	*name = o->servername ? o->servername : o->host;
	struct http_ctx	 h;
	char		 url[1024], loc[1024], what[CHECK_HOST_MAX + 8];
	long		 status;
	CURLcode	 rc;
	json_t		*http = json_object();

	if (http == NULL)
		return;
	snprintf(what, sizeof(what), "%s:%u", name, o->port);
	memset(&h, 0, sizeof(h));
	make_url(url, sizeof(url), "https", name, o->port, o->path ? o->path : "/");
	rc = fetch(url, name, o->port, connect_ip, o->timeout_ms, &h, &status,
	    loc, sizeof(loc));
	json_object_set_new(http, "url", text_json(url));
	if (rc != CURLE_OK || status == 0) {
		json_object_set_new(http, "error", text_json(curl_easy_strerror(rc)));
		findings_add(f, "http_error", SEV_HIGH, what,
		    json_pack("{s:s}", "error", curl_easy_strerror(rc)),
		    "网页无法访问 the page %s could not be fetched: %s", url,
		    curl_easy_strerror(rc));
	} else {
		json_object_set_new(http, "status", json_integer(status));
		if (status >= 400)
			findings_add(f, "http_error", SEV_HIGH, what,
			    json_pack("{s:i}", "status", (int)status),
			    "网页返回错误 %s answered HTTP %ld", url, status);
		if (h.has_hsts) {
			int64_t	age;
			bool	sub;

			json_object_set_new(http, "hsts", text_json(h.hsts));
			if (hsts_parse(h.hsts, strlen(h.hsts), &age, &sub) == -1) {
				findings_add(f, "no_hsts", SEV_MEDIUM, what,
				    json_pack("{s:o}", "header", text_json(h.hsts)),
				    "HSTS 头无效 Strict-Transport-Security header is "
				    "invalid (RFC 6797 6.1): \"%s\"", h.hsts);
			} else {
				json_object_set_new(http, "hsts_max_age",
				    json_integer(age));
				json_object_set_new(http, "hsts_subdomains",
				    json_boolean(sub));
				if (age < HSTS_MIN_AGE)
					findings_add(f, "hsts_short", SEV_LOW, what,
					    json_pack("{s:I}", "max_age",
					    (json_int_t)age),
					    "HSTS 有效期过短 HSTS max-age is %lld s "
					    "(%lld days); use at least 180 days",
					    (long long)age, (long long)(age / 86400));
			}
		} else
			findings_add(f, "no_hsts", SEV_MEDIUM, what, NULL,
			    "未启用 HSTS no Strict-Transport-Security header: "
			    "browsers may still use plain http://");
	}

	if (o->http_port != 0) {
		struct http_ctx	h2;

		memset(&h2, 0, sizeof(h2));
		make_url(url, sizeof(url), "http", name, o->http_port,
		    o->path ? o->path : "/");
		rc = fetch(url, name, o->http_port, connect_ip, o->timeout_ms,
		    &h2, &status, loc, sizeof(loc));
		if (rc != CURLE_OK || status == 0) {
			/* Nothing on port 80 is fine: nothing to downgrade to. */
			json_object_set_new(http, "http_redirect",
			    text_json("no http service"));
		} else if (status >= 300 && status < 400 &&
		    strncasecmp(loc, "https://", 8) == 0) {
			json_object_set_new(http, "http_redirect", text_json(loc));
		} else {
			json_object_set_new(http, "http_redirect", json_false());
			findings_add(f, "no_https_redirect", SEV_MEDIUM, what,
			    json_pack("{s:o, s:i}", "url", text_json(url), "status",
			    (int)status),
			    "明文 HTTP 未跳转 %s answers HTTP %ld without "
			    "redirecting to https://", url, status);
		}
	}
	json_object_set_new(report, "http", http);
}
