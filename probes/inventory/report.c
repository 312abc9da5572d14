/*
 * `shaobing-agent --inventory [--json] [--root DIR]`: collect once and
 * print the snapshot, readable (Chinese labels, English beside) or JSON.
 * No collector, no root needed (what root alone may read is named in the
 * errors section).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inventory_print.h"
#include "common/timeutil.h"
#include "probes/inventory/inventory.h"

int
inventory_main(int argc, char **argv)
{
	struct inv_opts o = { "/", INV_PACKAGES_MAX };
	int as_json = 0;
	json_t *snap;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--inventory") == 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			as_json = 1;
		else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			o.root = argv[++i];
		else {
			fprintf(stderr, "shaobing-agent --inventory: unknown argument "
			    "'%s'\nusage: shaobing-agent --inventory [--json] [--root DIR]\n",
			    argv[i]);
			return 2;
		}
	}
	time_set_zone(getenv("TZ") && getenv("TZ")[0] ? getenv("TZ") : "Asia/Shanghai");
	snap = inventory_collect(&o);
	if (snap == NULL) {
		fprintf(stderr, "shaobing-agent --inventory: out of memory\n");
		return 1;
	}
	if (as_json) {
		json_dumpf(snap, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else
		inventory_print(snap, stdout);
	json_decref(snap);
	return fflush(stdout) == 0 ? 0 : 1;
}
