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

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collector/api.h"
#include "collector/report_api.h"
#include "collector/store_report.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/targets.h"
#include "common/timeutil.h"

static int
year_param(const struct api_request *rq, int *year, char *err,
    size_t errlen)
{
	static const char *const names[] = { "year", NULL };
	struct evkeyvalq	 q;
	const char		*vals[1] = { NULL };
	int64_t			 y;
	char			 why[160];
	int			 rc = -1;

	TAILQ_INIT(&q);
	if (api_query(&q, rq->query, names, vals, err, errlen) == -1)
		goto out;
	if (vals[0] == NULL) {
		snprintf(err, errlen, "year=YYYY is required");
		goto out;
	}
	if (parse_i64(vals[0], 2000, 2200, &y, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "year: %s", why);
		goto out;
	}
	*year = (int)y;
	rc = 0;
out:
	evhttp_clear_headers(&q);
	return rc;
}

/* Check the POST body; -1 with why naming the field. */
static int
body_check(json_t *b, const char **project, const char **indicator,
    double *value, const char **note, char *why, size_t whylen)
{
	static const char *const names[] = { "project", "indicator", "value",
		"note", NULL };
	const json_t	*val = json_object_get(b, "value");

	if (api_members_only(b, names, why, whylen) == -1)
		return -1;
	if ((*project = api_member(b, "project", REPORT_ID_MAX, 1, why,
	    whylen)) == NULL)
		return -1;
	if ((*indicator = api_member(b, "indicator", REPORT_ID_MAX, 1, why,
	    whylen)) == NULL)
		return -1;
	if ((*note = api_member(b, "note", REPORT_NOTE_MAX, 0, why,
	    whylen)) == NULL) {
		if (why[0] != '\0')
			return -1;
		*note = "";	/* absent */
	}
	if (!targets_id_ok(*project)) {
		snprintf(why, whylen, "project: a project ID of the targets file "
		    "(1..%d of A-Z a-z 0-9 . _ -)", REPORT_ID_MAX);
		return -1;
	}
	if (!targets_id_ok(*indicator)) {
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
	return 0;
}

static int
value_json(void *arg, const struct report_value *v, char *err, size_t errlen)
{
	char at[32];

	if (time_format_utc(v->at_ms, at, sizeof(at)) == -1)
		at[0] = '\0';
	if (api_append_new(arg, json_pack("{s:s, s:s, s:f, s:s, s:s, s:s}",
	    "project", v->project, "indicator", v->indicator, "value",
	    v->value, "note", v->note, "by", v->by, "at", at)) == -1) {
		snprintf(err, errlen, "reading report values: out of memory");
		return -1;
	}
	return 0;
}

int
report_values_json(struct store *st, int year, json_t **out, char *err,
    size_t errlen)
{
	json_t *arr = json_array();

	*out = NULL;
	if (arr == NULL) {
		snprintf(err, errlen, "reading report values: out of memory");
		return -1;
	}
	if (store_report_list(st, year, value_json, arr, err, errlen) == -1) {
		json_decref(arr);
		return -1;
	}
	if ((*out = json_pack("{s:i, s:o}", "year", year, "values", arr)) ==
	    NULL) {
		snprintf(err, errlen, "reading report values: out of memory");
		return -1;
	}
	return 0;
}

void
report_api_values(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	json_t		*body = NULL, *out = NULL;
	const char	*project, *indicator, *note;
	double		 value;
	char		 err[300], why[240];
	int		 year;

	if (year_param(rq, &year, err, sizeof(err)) == -1) {
		api_reply_error(rs, 400, err);
		return;
	}
	if (rq->method == API_POST) {
		if ((body = api_body_object(rq, rs)) == NULL)
			return;
		if (body_check(body, &project, &indicator, &value, &note, why,
		    sizeof(why)) == -1) {
			api_reply_error(rs, 400, why);
			goto out;
		}
		if (store_report_set(api->store, year, project, indicator, value,
		    note, rq->actor ? rq->actor : rq->peer ? rq->peer : "",
		    api->now(), err, sizeof(err)) == -1) {
			log_error("admin: report value: %s; check the store", err);
			api_reply_error(rs, 500, err);
			goto out;
		}
		log_info("admin: report %d %s %s = %g set by %s", year, project,
		    indicator, value, rq->actor ? rq->actor : "?");
	}
	if (report_values_json(api->store, year, &out, err, sizeof(err)) == -1) {
		api_reply_error(rs, 500, err);
		goto out;
	}
	api_reply(rs, 200, out);
out:
	json_decref(body);
}
