/*
 * The PostgreSQL schema of the store (work in progress: the lead's
 * placeholder until the PostgreSQL schema lands).
 */
#include <stdio.h>

#include "collector/store_priv.h"

int
store_pg_migrate(struct store *st, int latest, char *err, size_t errlen)
{
	(void)latest;
	snprintf(err, errlen, "%s: the PostgreSQL schema is not built in yet",
	    store_name(st));
	return -1;
}
