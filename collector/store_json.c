/*
 * JSON inside SQL: the one part of the store's statements the two
 * backends spell differently (see store_priv.h).
 */
#include <stdio.h>

#include "collector/store_priv.h"

const char *
store_json_string(struct store *st, const char *col, const char *key,
    char *buf, size_t len)
{
	/*
	 * SQLite: json_type() and json_extract() fail on text that is not
	 * JSON, hence json_valid() first (CASE evaluates lazily).
	 * PostgreSQL: the store writes event data as JSON text only, so
	 * the cast holds; ->> gives the string without its quotes.
	 */
	if (db_kind(store_db(st)) == DB_POSTGRES)
		snprintf(buf, len, "(CASE WHEN json_typeof(%s::json -> '%s') = "
		    "'string' THEN %s::json ->> '%s' END)", col, key, col, key);
	else
		snprintf(buf, len, "(CASE WHEN json_valid(%s) THEN CASE "
		    "json_type(%s, '$.%s') WHEN 'text' THEN json_extract(%s, "
		    "'$.%s') END END)", col, col, key, col, key);
	return buf;
}
