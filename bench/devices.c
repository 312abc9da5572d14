/*
 * bench/devices.sh helper: check N devices the way the agent's check
 * probe does in one tick (check_run_devices at the default concurrency)
 * and print "elapsed_ms up maxrss_kb".
 *
 *   devices icmp|snmp NET COUNT [COMMUNITY]
 *     NET "10.232.0" → devices NET.1 .. NET.COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/conf.h"
#include "common/log.h"
#include "probes/check/check.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct check_target	**t;
	struct check_result	 *r;
	struct conf_err		  e;
	struct rusage		  ru;
	int64_t			  n, t0, ms;
	int			  up = 0;
	char			  why[512];

	if (argc < 4 || parse_i64(argv[3], 1, 254, &n, why, sizeof(why)) == -1) {
		fprintf(stderr, "usage: devices icmp|snmp NET COUNT [COMMUNITY]\n");
		return 2;
	}
	log_init("devices", 0, LOG_LVL_ERROR);
	t = calloc((size_t)n, sizeof(*t));
	r = calloc((size_t)n, sizeof(*r));
	if (t == NULL || r == NULL)
		return 1;
	for (int64_t i = 0; i < n; i++) {
		if ((t[i] = calloc(1, sizeof(**t))) == NULL ||
		    conf_defaults(check_target_opts, t[i], &e) == -1)
			return 1;
		snprintf(t[i]->name, sizeof(t[i]->name), "d%lld", (long long)i);
		snprintf(t[i]->url, sizeof(t[i]->url), "%s://%s%s%s.%lld", argv[1],
		    argc > 4 && strcmp(argv[1], "snmp") == 0 ? argv[4] : "",
		    argc > 4 && strcmp(argv[1], "snmp") == 0 ? "@" : "",
		    argv[2], (long long)i + 1);
		t[i]->timeout_ms = 2000;
		if (check_target_finish(t[i], "bench", 0, why, sizeof(why)) ==
		    -1) {
			fprintf(stderr, "%s\n", why);
			return 2;
		}
	}
	t0 = mono_ms();
	check_run_devices(t, (size_t)n, r, CHECK_DEVICE_CONCURRENCY);
	ms = mono_ms() - t0;
	for (int64_t i = 0; i < n; i++) {
		up += r[i].up;
		check_result_free(&r[i]);
		free(t[i]);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld %d %ld\n", (long long)ms, up, ru.ru_maxrss);
	free(t);
	free(r);
	return 0;
}
