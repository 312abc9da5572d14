/*
 * shaobing-agent --fim DIR --baseline FILE [--exclude GLOB]...
 *     [--max-size SIZE] [--json]
 * The first run writes the baseline (exit 0); later runs list what
 * changed since: exit 0 nothing, 1 changes, 2 usage or read error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/event.h"
#include "probes/fim/fim.h"

#define FIM_MAX_SIZE_DEFAULT	(64 * 1024 * 1024)

static void
fim_usage(FILE *f)
{
	fprintf(f,
	    "usage: shaobing-agent --fim DIR --baseline FILE [--exclude GLOB]...\n"
	    "         [--max-size SIZE] [--json]\n"
	    "  Without an existing baseline FILE, writes it and exits 0.\n"
	    "  exit 0: no change, 1: changes, 2: usage or the folder could not be read\n");
}

static void
fim_collect(const struct fim_event *ev, void *arg)
{
	json_t	*arr = arg;

	json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "type", ev->type,
	    "severity", severity_name(ev->sev), "data",
	    ev->data ? ev->data : json_object()));
}

int
fim_main(int argc, char **argv)
{
	const char	*dir = NULL, *baseline = NULL;
	struct fim_opts	 o;
	json_t		*snap = NULL, *base = NULL, *events = NULL;
	json_error_t	 je;
	int		 json = 0, rc = 2;
	char		 why[FIM_PATH_MAX + 256];

	memset(&o, 0, sizeof(o));
	o.max_size = FIM_MAX_SIZE_DEFAULT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int	    more = i + 1 < argc;

		if (strcmp(a, "--fim") == 0 && more && dir == NULL)
			dir = argv[++i];
		else if (strcmp(a, "--baseline") == 0 && more)
			baseline = argv[++i];
		else if (strcmp(a, "--exclude") == 0 && more) {
			if (o.nexclude == FIM_EXCLUDE_MAX ||
			    strlen(argv[i + 1]) >= sizeof(o.exclude[0])) {
				fprintf(stderr, "shaobing-agent --fim: --exclude: at most "
				    "%d globs of 255 bytes\n", FIM_EXCLUDE_MAX);
				return 2;
			}
			snprintf(o.exclude[o.nexclude++], sizeof(o.exclude[0]), "%s",
			    argv[++i]);
		} else if (strcmp(a, "--max-size") == 0 && more) {
			if (parse_size(argv[++i], 1, INT64_MAX, &o.max_size, why,
			    sizeof(why)) == -1) {
				fprintf(stderr, "shaobing-agent --fim: --max-size: %s\n", why);
				return 2;
			}
		} else if (strcmp(a, "--json") == 0)
			json = 1;
		else {
			fprintf(stderr, "shaobing-agent --fim: unexpected \"%s\"\n", a);
			fim_usage(stderr);
			return 2;
		}
	}
	if (dir == NULL || baseline == NULL) {
		fim_usage(stderr);
		return 2;
	}
	if ((snap = fim_scan(dir, &o, why, sizeof(why))) == NULL) {
		fprintf(stderr, "shaobing-agent --fim: %s\n", why);
		return 2;
	}
	if (access(baseline, F_OK) != 0) {
		if (json_dump_file(snap, baseline, JSON_INDENT(1) | JSON_SORT_KEYS) == -1) {
			fprintf(stderr, "shaobing-agent --fim: cannot write %s: %s\n",
			    baseline, strerror(errno));
			goto out;
		}
		if (json)
			printf("{\"baseline_written\": true, \"files\": %zu, \"events\": []}\n",
			    json_object_size(snap));
		else
			printf("基线 Baseline: %s written, %zu files\n", baseline,
			    json_object_size(snap));
		rc = 0;
		goto out;
	}
	if ((base = json_load_file(baseline, 0, &je)) == NULL || !json_is_object(base)) {
		fprintf(stderr, "shaobing-agent --fim: %s:%d: not a baseline: %s\n",
		    baseline, je.line, je.text);
		goto out;
	}
	events = json_array();
	{
		struct fim_sink sink = { fim_collect, events };

		fim_diff(base, snap, &o, &sink);
	}
	if (json) {
		json_t	*r = json_pack("{s:b, s:I, s:O}", "baseline_written", 0,
		    "files", (json_int_t)json_object_size(snap), "events", events);
		char	*s = r ? json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(r);
	} else {
		json_t	*ev;
		size_t	 i;

		printf("%-22s%s (%zu files)\n", "目录 Folder:", dir, json_object_size(snap));
		printf("变化 Changes (%zu):\n", json_array_size(events));
		json_array_foreach(events, i, ev) {
			json_t *d = json_object_get(ev, "data");

			printf("  [%s] %s %s %s%s%s\n",
			    json_string_value(json_object_get(ev, "severity")),
			    json_string_value(json_object_get(ev, "type")),
			    json_string_value(json_object_get(d, "path")),
			    json_string_value(json_object_get(d, "mode")),
			    json_object_get(d, "construct") ? ": " : "",
			    json_object_get(d, "construct") ?
			    json_string_value(json_object_get(d, "construct")) : "");
		}
	}
	rc = json_array_size(events) > 0 ? 1 : 0;
out:
	json_decref(snap);
	json_decref(base);
	json_decref(events);
	return rc;
}
