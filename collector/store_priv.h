/*
 * For the store layer only: collector/store*.c.  Modules that keep their
 * own tables (incidents, assets, tokens, ...) put their SQL in a file
 * collector/store_NAME.c that includes this header, so sqlite3.h stays
 * inside the store layer and a PostgreSQL store replaces store*.c only.
 */
#ifndef SHAOBING_STORE_PRIV_H
#define SHAOBING_STORE_PRIV_H

#include <sqlite3.h>

#include "collector/store.h"

/* The connection, for statements inside the store layer. */
sqlite3		*store_db(struct store *st);
const char	*store_path(const struct store *st);

#endif
