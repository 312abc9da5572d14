/*
 * /api/v1/admin/report/values: the values the office enters for its
 * 项目支出绩效自评表 (`shaobing report set`, `shaobing report list`).
 *   GET  ?year=2025        {"year": 2025, "values": [...]}
 *   POST ?year=2025        {"project": "opinion", "indicator":
 *                          "opinion.1" | "budget", "value": 1200,
 *                          "note": "..."} → the year's values
 * Every request is in the admin audit log (access_admin_handle()); the
 * value also records who set it and when.  Bad input: 400 naming the
 * field, nothing stored.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collector/api.h"
#include "collector/store_report.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/log.h"
#include "common/targets.h"

#define REPORT_BODY_MAX	4096

static int
year_param(const char *query, int *year, char *err, size_t errlen)
{
	int64_t	y;
	char	why[160];

	if (query == NULL || strncmp(query, "year=", 5) != 0 ||
	    strchr(query, '&') != NULL) {
		snprintf(err, errlen, "year=YYYY is required (and nothing else)");
		return -1;
	}
	if (parse_i64(query + 5, 2000, 2200, &y, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "year: %s", why);
		return -1;
	}
	*year = (int)y;
	return 0;
}

/* Check the POST body; -1 with why naming the field. */
static int
body_check(const json_t *b, const char **project, const char **indicator,
    double *value, const char **note, char *why, size_t whylen)
{
	const char	*k;
	const json_t	*v;
	const json_t	*val = json_object_get(b, "value");
	const json_t	*nt = json_object_get(b, "note");

	if (!json_is_object(b)) {
		snprintf(why, whylen, "body: expected a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)b, k, v) {
		if (strcmp(k, "project") != 0 && strcmp(k, "indicator") != 0 &&
		    strcmp(k, "value") != 0 && strcmp(k, "note") != 0) {
			snprintf(why, whylen, "body: unknown field '%.40s' "
			    "(known: project, indicator, value, note)", k);
			return -1;
		}
	}
	*project = json_string_value(json_object_get(b, "project"));
	*indicator = json_string_value(json_object_get(b, "indicator"));
	if (*project == NULL || !targets_id_ok(*project)) {
		snprintf(why, whylen, "project: a project ID of the targets file "
		    "(1..%d of A-Z a-z 0-9 . _ -)", REPORT_ID_MAX);
		return -1;
	}
	if (*indicator == NULL || !targets_id_ok(*indicator)) {
		snprintf(why, whylen, "indicator: an indicator ID of the targets "
		    "file, or 'budget' for the 全年执行数");
		return -1;
	}
	if (!json_is_number(val) || !isfinite(json_number_value(val)) ||
	    fabs(json_number_value(val)) > 1e9) {
		snprintf(why, whylen, "value: a number between -1e9 and 1e9");
		return -1;
	}
	*value = json_number_value(val);
	*note = nt == NULL ? "" : json_string_value(nt);
	if (*note == NULL || strlen(*note) > REPORT_NOTE_MAX) {
		snprintf(why, whylen, "note: text of at most %d bytes",
		    REPORT_NOTE_MAX);
		return -1;
	}
	return 0;
}

void
report_api_values(struct api *api, const struct api_request *rq,
    const char *query, struct api_response *rs)
{
	json_t		*body = NULL, *out = NULL;
	const char	*project, *indicator, *note;
	double		 value;
	char		 err[300], why[240];
	int		 year;

	if (rq->method != API_GET && rq->method != API_POST) {
		api_respond_error(rs, 405, "use GET or POST");
		return;
	}
	if (year_param(query, &year, err, sizeof(err)) == -1) {
		api_respond_error(rs, 400, err);
		return;
	}
	if (rq->method == API_POST) {
		if (rq->bodylen > REPORT_BODY_MAX) {
			api_respond_error(rs, 413, "body larger than 4 KiB");
			return;
		}
		if ((body = json_parse_bounded(rq->body ? rq->body : "",
		    rq->bodylen, 2, why, sizeof(why))) == NULL) {
			snprintf(err, sizeof(err), "body: %s", why);
			api_respond_error(rs, 400, err);
			return;
		}
		if (body_check(body, &project, &indicator, &value, &note, why,
		    sizeof(why)) == -1) {
			api_respond_error(rs, 400, why);
			goto out;
		}
		if (store_report_set(api->store, year, project, indicator, value,
		    note, rq->actor ? rq->actor : rq->peer_cn ? rq->peer_cn :
		    rq->peer ? rq->peer : "", api->now(), err, sizeof(err)) ==
		    -1) {
			log_error("admin: report value: %s; check the store", err);
			api_respond_error(rs, 500, err);
			goto out;
		}
		log_info("admin: report %d %s %s = %g set from %s", year, project,
		    indicator, value, rq->peer ? rq->peer : "?");
	}
	if (store_report_list(api->store, year, &out, err, sizeof(err)) == -1) {
		api_respond_error(rs, 500, err);
		goto out;
	}
	api_respond_json(rs, 200, out);
out:
	json_decref(body);
}
