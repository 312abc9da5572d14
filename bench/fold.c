/*
 * Incident engine throughput: events folded per second, in process, on
 * a durable store (WAL, synchronous=FULL), 1,000-event batches of
 * port_scan events over KEYS keys (so most events fold into an existing
 * incident).  The same batches into a store without the engine give the
 * reference.  Prints "with_engine_eps without_engine_eps incidents".
 *
 *   fold DIR EVENTS KEYS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/incident.h"
#include "collector/store.h"
#include "common/log.h"
#include "common/timeutil.h"

#define BATCH	1000

static double
run(const char *path, int engine, long events, long keys, long *incidents)
{
	struct incidents_conf		 ic;
	struct incidents_opts		 io = { 0 };
	struct incidents		*in = NULL;
	struct store			*st;
	struct event_batch		 b;
	struct store_batch_result	 r;
	struct incidents_stats		 s;
	char				 err[256], key[64];
	int64_t				 t0, t1, base = 1795786640000LL;
	uint64_t			 seq = 0;

	if ((st = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fold: %s\n", err);
		exit(1);
	}
	if (engine) {
		incidents_conf_defaults(&ic);
		io.conf = &ic;
		io.gap_factor = 3;
		if ((in = incidents_new(st, &io, err, sizeof(err))) == NULL)
			exit(1);
	}
	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "bench-01");
	b.events = calloc(BATCH, sizeof(*b.events));
	t0 = time_mono_ms();
	for (long done = 0; done < events; done += BATCH) {
		b.n = BATCH;
		for (size_t i = 0; i < BATCH; i++) {
			seq++;
			snprintf(key, sizeof(key), "port_scan:10.1.%ld.%ld->10.0.0.1",
			    (long)(seq % keys) / 250, (long)(seq % keys) % 250);
			event_set(&b.events[i], "bench-01", seq, base +
			    (int64_t)seq, "port_scan", SEV_HIGH, key,
			    json_pack("{s:i}", "ports", 100));
		}
		if (store_insert_batch(st, &b, base + (int64_t)seq, &r, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "fold: %s\n", err);
			exit(1);
		}
		for (size_t i = 0; i < BATCH; i++)
			event_clear(&b.events[i]);
	}
	t1 = time_mono_ms();
	if (in != NULL) {
		incidents_stats(in, &s);
		*incidents = (long)s.opened;
	}
	free(b.events);
	incidents_free(in);
	store_close(st);
	return (double)events * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1);
}

int
main(int argc, char **argv)
{
	char	p1[512], p2[512];
	long	events, keys, incidents = 0;
	double	with, without;

	if (argc != 4) {
		fprintf(stderr, "usage: fold DIR EVENTS KEYS\n");
		return 2;
	}
	log_init("fold", 0, LOG_LVL_ERROR);
	events = strtol(argv[2], NULL, 10);
	keys = strtol(argv[3], NULL, 10);
	snprintf(p1, sizeof(p1), "%s/with.db", argv[1]);
	snprintf(p2, sizeof(p2), "%s/without.db", argv[1]);
	with = run(p1, 1, events, keys, &incidents);
	without = run(p2, 0, events, keys, NULL);
	printf("%.0f %.0f %ld\n", with, without, incidents);
	return 0;
}
