/*
 * URLs of a page: resolve a link against the page (curl's URL API, RFC
 * 3986 section 5), and decide whether a host is the site's own.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "probes/web/web.h"

int
web_url_resolve(const char *base, const char *ref, char *out, size_t outlen,
    char *host, size_t hostlen)
{
	CURLU	*u = curl_url();
	char	*full = NULL, *h = NULL, *scheme = NULL;
	int	 rc = -1;

	out[0] = host[0] = '\0';
	if (u == NULL)
		return -1;
	while (*ref == ' ' || *ref == '\t' || *ref == '\n' || *ref == '\r')
		ref++;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) ||
	    curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
		goto out;
	snprintf(out, outlen, "%s", full);
	snprintf(host, hostlen, "%s", h);
	for (char *p = host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(full);
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

/* Second-level labels under which a registrable domain has three labels. */
static const char *const web_sld[] = {
	"gov", "com", "edu", "org", "net", "ac", "mil", NULL,
};

/* The registrable part of host: "xx.gov.cn" of "www.xx.gov.cn". */
static const char *
web_site_of(const char *host)
{
	const char	*dots[3] = { NULL, NULL, NULL };
	size_t		 nd = 0;
	const char	*p;

	for (p = host + strlen(host); p > host; p--)
		if (p[-1] == '.' && nd < 3)
			dots[nd++] = p - 1;
	if (nd < 2)
		return host;
	/* dots[0] before the TLD, dots[1] before the second level. */
	if (strlen(dots[0] + 1) == 2) {		/* a country code */
		size_t	sl = (size_t)(dots[0] - dots[1] - 1);

		for (size_t i = 0; web_sld[i] != NULL; i++)
			if (strlen(web_sld[i]) == sl &&
			    strncmp(dots[1] + 1, web_sld[i], sl) == 0)
				return nd >= 3 ? dots[2] + 1 : host;
	}
	return dots[1] + 1;
}

int
web_same_site(const char *a, const char *b)
{
	if (strcasecmp(a, b) == 0)
		return 1;
	/* An address is only ever the same site as itself. */
	if (isdigit((unsigned char)a[strlen(a) ? strlen(a) - 1 : 0]) ||
	    strchr(a, ':') != NULL)
		return 0;
	return strcasecmp(web_site_of(a), web_site_of(b)) == 0;
}

int
web_allowed(const struct web_allow *a, const char *host)
{
	size_t	hl = strlen(host);

	for (size_t i = 0; i < a->n; i++) {
		size_t dl = strlen(a->d[i]);

		if (strcasecmp(host, a->d[i]) == 0 ||
		    (hl > dl && host[hl - dl - 1] == '.' &&
		    strcasecmp(host + hl - dl, a->d[i]) == 0))
			return 1;
	}
	return 0;
}
