/*
 * Fuzz the asset ingest hook (collector/asset.c) with hostile event data
 * from an agent: the input is the data object of an inventory event,
 * then of a second one (a changed snapshot, so the diff and derived
 * events run), of inventory_unchanged, new_device and availability.
 * Any JSON gives stored rows or a clean refusal, never a crash.  The
 * store is opened once and reset to empty before each input
 * (tests/fuzz/fuzz_store.h), so each input starts from the same state.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/asset.h"
#include "collector/store.h"
#include "common/event.h"
#include "common/log.h"
#include "tests/fuzz/fuzz_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store		*st;
static struct asset_engine	 ae;
static uint64_t			 seq;

static void
put(const char *type, json_t *d)
{
	struct event_batch		b;
	struct store_batch_result	res;
	char				err[512];

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "fz");
	if ((b.events = calloc(1, sizeof(*b.events))) == NULL) {
		json_decref(d);
		return;
	}
	b.n = 1;
	if (event_set(&b.events[0], "fz", ++seq, 1764230400000LL, type,
	    SEV_INFO, "inventory:fuzzmachine", d) == 0)
		(void)store_insert_batch(st, &b, 1764230400000LL, &res, err,
		    sizeof(err));
	event_batch_free(&b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[256];

	(void)argc;
	(void)argv;
	log_setlevel(LOG_LVL_ERROR);
	if ((st = store_open(":memory:", err, sizeof(err))) == NULL ||
	    store_add_event_hook(st, asset_hook, &ae) == -1)
		abort();
	ae.oui_path = "";
	fuzz_store_snapshot(st);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[256];
	json_t	*j, *k;

	fuzz_store_reset(st);
	seq = 0;
	j = json_parse_bounded((const char *)data, size, EVENT_DATA_MAX_DEPTH,
	    err, sizeof(err));
	if (!json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	put("inventory", json_deep_copy(j));
	k = json_deep_copy(j);
	if (k != NULL)
		json_object_set_new(k, "hash", json_string("fz2"));
	put("inventory", k);
	put("inventory_unchanged", json_deep_copy(j));
	put("new_device", json_deep_copy(j));
	put("availability", json_deep_copy(j));
	json_decref(j);
	return 0;
}
