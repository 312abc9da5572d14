/*
 * One check of a page: fetch, build the page model, compare with the
 * baseline file, or write it when there is none.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probes/web/web.h"

/* Write m to path atomically (temporary file, then rename). */
static int
web_baseline_write(const char *path, const json_t *m, char *why, size_t whylen)
{
	char	tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(m, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) == -1 ||
	    rename(tmp, path) == -1) {
		snprintf(why, whylen, "cannot write the baseline %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
web_check(const char *url, const char *baseline, int64_t timeout_ms,
    const struct web_opts *o, json_t **pagep, struct findings *f,
    int *wrote, char *why, size_t whylen)
{
	struct web_fetch fe;
	json_t		*page = NULL, *base = NULL;
	json_error_t	 je;
	int		 rc = -1;

	*pagep = NULL;
	*wrote = 0;
	if (web_fetch(url, timeout_ms, &fe) == -1) {
		snprintf(why, whylen, "%s", fe.error);
		goto out;
	}
	if ((page = web_extract(fe.body, fe.len, url)) == NULL) {
		snprintf(why, whylen, "out of memory reading %s", url);
		goto out;
	}
	json_object_set_new(page, "final_url", json_string(fe.final_url));
	json_object_set(page, "redirects", fe.redirects);
	json_object_set_new(page, "status", json_integer(fe.status));
	if (baseline != NULL && access(baseline, F_OK) == 0) {
		if ((base = json_load_file(baseline, 0, &je)) == NULL ||
		    !json_is_object(base)) {
			snprintf(why, whylen, "%s:%d: not a baseline: %s (delete "
			    "it to take a new one)", baseline, je.line, je.text);
			goto out;
		}
	}
	web_compare(base, page, o, f);
	if (base == NULL && baseline != NULL) {
		if (web_baseline_write(baseline, page, why, whylen) == -1)
			goto out;
		*wrote = 1;
	}
	*pagep = page;
	page = NULL;
	rc = 0;
out:
	web_fetch_free(&fe);
	json_decref(page);
	json_decref(base);
	return rc;
}
