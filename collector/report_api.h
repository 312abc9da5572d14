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

#endif
