/*
 * Pages checked per second, in process, on loopback: N rounds of
 * web_check() (fetch, gumbo model, compare with the baseline), then N
 * rounds of the fetch alone (the reference: what a page costs to get),
 * then N models of the same bytes (parse and extract only).  Prints
 * "check_pps fetch_pps extract_pps bytes".
 *
 *   web_rate URL BASELINE N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/timeutil.h"
#include "probes/web/web.h"

int
main(int argc, char **argv)
{
	struct web_opts	 o;
	struct web_fetch fe;
	int64_t		 t0, t1, t2, t3;
	long		 n;
	char		 why[4096];
	size_t		 bytes = 0;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: web_rate URL BASELINE N\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.tolerance = WEB_TOLERANCE;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = time_mono_ms();
	for (long i = 0; i < n; i++) {
		struct findings	 f = { NULL, 0, 0 };
		json_t		*page;
		int		 wrote;

		if (web_check(argv[1], argv[2], 10000, &o, &page, &f, &wrote, why,
		    sizeof(why)) == -1) {
			fprintf(stderr, "web_rate: %s\n", why);
			return 1;
		}
		json_decref(page);
		findings_free(&f);
	}
	t1 = time_mono_ms();
	for (long i = 0; i < n; i++) {
		if (web_fetch(argv[1], 10000, &fe) == -1) {
			fprintf(stderr, "web_rate: %s\n", fe.error);
			return 1;
		}
		web_fetch_free(&fe);
	}
	t2 = time_mono_ms();
	if (web_fetch(argv[1], 10000, &fe) == -1)
		return 1;
	bytes = fe.len;
	for (long i = 0; i < n; i++)
		json_decref(web_extract(fe.body, fe.len, argv[1]));
	t3 = time_mono_ms();
	web_fetch_free(&fe);
	printf("%.1f %.1f %.1f %zu\n", n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1),
	    n * 1000.0 / (double)(t2 - t1 ? t2 - t1 : 1),
	    n * 1000.0 / (double)(t3 - t2 ? t3 - t2 : 1), bytes);
	curl_global_cleanup();
	return 0;
}
