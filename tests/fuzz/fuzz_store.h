/*
 * For fuzz targets that need a store in a known state for every input:
 * open it once, bring it to that state, fuzz_store_snapshot() it, and
 * fuzz_store_reset() before each input.  The reset copies the snapshot's
 * pages back (sqlite3 online backup of a few in-memory pages), thousands
 * of times cheaper than store_open() running every migration per input.
 * Header-only: tests/fuzz/run.sh builds each target from one file.
 */
#ifndef SHAOBING_FUZZ_STORE_H
#define SHAOBING_FUZZ_STORE_H

#include <stdlib.h>

#include "collector/store_priv.h"

static sqlite3	*fuzz_store_pristine;

static void
fuzz_store_copy(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup	*b = sqlite3_backup_init(to, "main", from, "main");

	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE ||
	    sqlite3_backup_finish(b) != SQLITE_OK)
		abort();
}

static void
fuzz_store_snapshot(struct store *st)
{
	if (sqlite3_open(":memory:", &fuzz_store_pristine) != SQLITE_OK)
		abort();
	fuzz_store_copy(fuzz_store_pristine, store_db(st));
}

static void
fuzz_store_reset(struct store *st)
{
	fuzz_store_copy(store_db(st), fuzz_store_pristine);
}

#endif
