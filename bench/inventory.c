/*
 * bench/inventory: one full inventory collection, timed, with its peak
 * RSS; optionally writes the full event body and the "unchanged" event
 * body (what travels on the wire) for the byte counts.
 *
 *   inventory [--root DIR] [--runs N] [--full FILE] [--unchanged FILE]
 * Prints "first_ms=… median_ms=… max_rss_kb=… packages=… listening=…".
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/timeutil.h"
#include "probes/inventory/inventory.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct inv_opts o = { "/", INV_PACKAGES_MAX };
	const char *full = NULL, *unch = NULL;
	int64_t runs = 1, t[1000];
	json_t *snap = NULL;
	struct rusage ru;
	char why[128];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			o.root = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			if (parse_i64(argv[++i], 1, 1000, &runs, why, sizeof(why)) == -1) {
				fprintf(stderr, "inventory: --runs: %s\n", why);
				return 2;
			}
		} else if (strcmp(argv[i], "--full") == 0 && i + 1 < argc)
			full = argv[++i];
		else if (strcmp(argv[i], "--unchanged") == 0 && i + 1 < argc)
			unch = argv[++i];
		else {
			fprintf(stderr, "usage: inventory [--root DIR] [--runs N] "
			    "[--full FILE] [--unchanged FILE]\n");
			return 2;
		}
	}
	for (int64_t r = 0; r < runs; r++) {
		int64_t t0 = time_mono_ms();

		json_decref(snap);
		snap = inventory_collect(&o);
		t[r] = time_mono_ms() - t0;
		if (snap == NULL)
			return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	if (full != NULL && json_dump_file(snap, full, JSON_COMPACT) == -1)
		return 1;
	if (unch != NULL) {
		json_t *d = json_object();

		json_object_set(d, "hash", json_object_get(snap, "hash"));
		json_object_set(d, "collected_at", json_object_get(snap, "collected_at"));
		json_object_set(d, "volatile", json_object_get(snap, "volatile"));
		if (json_dump_file(d, unch, JSON_COMPACT) == -1)
			return 1;
		json_decref(d);
	}
	printf("first_ms=%lld ", (long long)t[0]);
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_i64);
	printf("median_ms=%lld max_rss_kb=%ld packages=%lld listening=%zu errors=%zu\n",
	    (long long)t[runs / 2], ru.ru_maxrss,
	    (long long)json_integer_value(json_object_get(json_object_get(snap, "packages"), "count")),
	    json_array_size(json_object_get(snap, "listening")),
	    json_array_size(json_object_get(snap, "errors")));
	json_decref(snap);
	return 0;
}
