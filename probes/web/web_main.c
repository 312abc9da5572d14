/*
 * shaobing-agent --web URL [--baseline FILE] [--keywords FILE]
 *     [--allow-domain D]... [--timeout DUR] [--json]
 * One check of a public page; exit 0 clean (or baseline written),
 * 1 findings, 2 usage or fetch error, like --check.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "common/conf.h"
#include "common/log.h"
#include "probes/web/web.h"

#define WEB_TIMEOUT_MS	15000

static void
web_usage(FILE *f)
{
	fprintf(f,
	    "usage: shaobing-agent --web URL [--baseline FILE] [--keywords FILE]\n"
	    "         [--allow-domain D]... [--timeout DUR] [--json]\n"
	    "  Without an existing baseline FILE, writes it and exits 0.\n"
	    "  exit 0: nothing above info, 1: findings, 2: usage or the page could not be fetched\n");
}

/* The allow-list entry d (a host name, lower case); -1 when it is not one. */
int
web_allow_add(struct web_allow *a, const char *d, char *why, size_t whylen)
{
	size_t	n = strlen(d);

	if (n == 0 || n >= WEB_HOST_MAX || strspn(d,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n) {
		snprintf(why, whylen, "\"%s\" is not a domain name", d);
		return -1;
	}
	if (a->n == WEB_ALLOW_MAX) {
		snprintf(why, whylen, "more than %d allowed domains", WEB_ALLOW_MAX);
		return -1;
	}
	for (size_t i = 0; i <= n; i++)
		a->d[a->n][i] = (char)(d[i] >= 'A' && d[i] <= 'Z' ? d[i] + 32 : d[i]);
	a->n++;
	return 0;
}

int
web_main(int argc, char **argv)
{
	const char	*url = NULL, *baseline = NULL, *keywords = NULL;
	struct web_words words;
	struct web_opts	 o;
	struct findings	 f = { NULL, 0, 0 };
	json_t		*page = NULL;
	int64_t		 timeout = WEB_TIMEOUT_MS;
	int		 json = 0, wrote = 0, rc = 2;
	char		 why[WEB_URL_MAX + 512];

	memset(&o, 0, sizeof(o));
	memset(&words, 0, sizeof(words));
	o.tolerance = WEB_TOLERANCE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int	    more = i + 1 < argc;

		if (strcmp(a, "--web") == 0 && more && url == NULL)
			url = argv[++i];
		else if (strcmp(a, "--baseline") == 0 && more)
			baseline = argv[++i];
		else if (strcmp(a, "--keywords") == 0 && more)
			keywords = argv[++i];
		else if (strcmp(a, "--allow-domain") == 0 && more) {
			if (web_allow_add(&o.allow, argv[++i], why, sizeof(why)) == -1) {
				fprintf(stderr, "shaobing-agent --web: --allow-domain: %s\n", why);
				return 2;
			}
		} else if (strcmp(a, "--timeout") == 0 && more) {
			if (parse_duration_ms(argv[++i], 1, 3600000, &timeout,
			    why, sizeof(why)) == -1) {
				fprintf(stderr, "shaobing-agent --web: --timeout: "
				    "\"%s\" is not a duration (e.g. 10s)\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--json") == 0)
			json = 1;
		else {
			fprintf(stderr, "shaobing-agent --web: unexpected \"%s\"\n", a);
			web_usage(stderr);
			return 2;
		}
	}
	if (url == NULL) {
		web_usage(stderr);
		return 2;
	}
	if (keywords != NULL) {
		if (web_words_load(keywords, &words, why, sizeof(why)) == -1) {
			fprintf(stderr, "shaobing-agent --web: --keywords %s\n", why);
			return 2;
		}
		o.words = &words;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (web_check(url, baseline, timeout, &o, &page, &f, &wrote, why,
	    sizeof(why)) == -1) {
		fprintf(stderr, "shaobing-agent --web: %s\n", why);
		goto out;
	}
	if (json) {
		json_t	*r = json_pack("{s:s, s:s, s:b, s:o, s:O, s:s}", "url", url,
		    "final_url", json_string_value(json_object_get(page, "final_url")),
		    "baseline_written", wrote, "findings", findings_to_json(&f),
		    "redirects", json_object_get(page, "redirects"), "title",
		    json_string_value(json_object_get(page, "title")));
		char	*s = r ? json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(r);
	} else {
		json_t	*rd;
		size_t	 i;

		printf("%-26s%s\n", "网页 Page:", url);
		json_array_foreach(json_object_get(page, "redirects"), i, rd)
			printf("%-26s%lld %s\n", "  跳转 Redirect:",
			    (long long)json_integer_value(json_object_get(rd, "status")),
			    json_string_value(json_object_get(rd, "to")));
		printf("%-26s%s\n", "标题 Title:",
		    json_string_value(json_object_get(page, "title")));
		printf("%-26s%zu text runs, %zu links, %zu resources\n",
		    "内容 Content:", json_array_size(json_object_get(page, "text")),
		    json_array_size(json_object_get(page, "links")),
		    json_array_size(json_object_get(page, "resources")));
		if (wrote)
			printf("%-26s%s (written, first run)\n", "基线 Baseline:",
			    baseline);
		printf("发现 Findings (%zu):\n", f.n);
		for (size_t k = 0; k < f.n; k++)
			printf("  [%s] %s: %s\n", severity_name(f.v[k].sev),
			    f.v[k].code, f.v[k].msg);
	}
	/* web_changed [info] alone is a news site's day, not an alarm. */
	rc = 0;
	for (size_t k = 0; k < f.n && !wrote; k++)
		if (f.v[k].sev > SEV_INFO)
			rc = 1;
out:
	json_decref(page);
	findings_free(&f);
	web_words_free(&words);
	curl_global_cleanup();
	return rc;
}
