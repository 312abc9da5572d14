/*
 * /api/v1/admin/report/values (collector/report_api.c), rows of
 * access.c's admin table: GET ?year=Y the office's entered values;
 * POST ?year=Y {"project", "indicator", "value", "note"} sets one
 * (`shaobing report set`).
 */
#ifndef SHAOBING_REPORT_API_H
#define SHAOBING_REPORT_API_H

#include "collector/api.h"

api_handler report_api_values;

/*
 * The answer of GET: {"year": Y, "values": [{project, indicator, value,
 * note, by, at}]}, a new object in *out.  0 or -1 with err.
 */
int	report_values_json(struct store *st, int year, json_t **out,
	    char *err, size_t errlen);

#endif
