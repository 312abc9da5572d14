/*
 * shaobing-agent --analyze [-c FILE] CAPTURE...
 *
 * Run every packet detector over capture files (pcap or pcapng) as one
 * timeline, print one JSON line per finding on stdout, and a summary on
 * stderr.  Needs no collector and no root.  Thresholds come from [packet]
 * of -c FILE when given, else the defaults.
 * Exit: 0 done, 1 a capture could not be read, 2 usage or configuration.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "probes/packet/capture.h"
#include "probes/packet/engine.h"
#include "probes/packet/packet.h"

static void
print_finding(void *ctx, int64_t ts_ms, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	FILE	*out = ctx;

	(void)ts_ms; (void)type; (void)sev; (void)key;
	json_dumpf(data, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(data);
}

static double
mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
summary(const struct pkt_engine *e, double secs, int nfiles)
{
	const struct pkt_stats *s = &e->st;
	uint64_t	total = 0;

	fprintf(stderr, "analyze: %d file(s), %llu packets, %llu bytes, "
	    "%llu malformed (%llu truncated, %llu invalid), %llu not inspected, "
	    "%llu IP fragments\n", nfiles, (unsigned long long)s->packets,
	    (unsigned long long)s->bytes,
	    (unsigned long long)(s->truncated + s->invalid),
	    (unsigned long long)s->truncated, (unsigned long long)s->invalid,
	    (unsigned long long)s->unsupported, (unsigned long long)s->fragments);
	fprintf(stderr, "analyze: findings:");
	for (int t = 0; t < pkt_type_count(); t++) {
		total += s->findings[t];
		if (s->findings[t] != 0)
			fprintf(stderr, " %s %llu", pkt_type_name(t),
			    (unsigned long long)s->findings[t]);
	}
	fprintf(stderr, "%s (total %llu)\n", total ? "" : " none",
	    (unsigned long long)total);
	fprintf(stderr, "analyze: state %.1f MB of memory_cap %.1f MB, %llu "
	    "evictions%s\n", pkt_engine_bytes(e) / 1048576.0,
	    e->c.memory_cap / 1048576.0, (unsigned long long)s->evictions,
	    s->evictions ? " (raise [packet] memory_cap to keep more state)" : "");
	fprintf(stderr, "analyze: %.3f s, %.0f packets/s\n", secs,
	    secs > 0 ? (double)s->packets / secs : 0.0);
}

int
packet_analyze_main(int argc, char **argv)
{
	struct pkt_conf		 pc;
	struct conf_err		 cerr;
	struct conf		*c = NULL;
	struct pkt_engine	*e = NULL;
	struct pkt_sink		 sink = { print_finding, stdout };
	const char		*cfg = NULL;
	char			 err[512];
	int			 i, first = -1, rc = 0, nfiles = 0;
	double			 t0;

	log_init("shaobing-agent", 0, LOG_LVL_WARN);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--analyze") == 0)
			continue;
		if (strcmp(argv[i], "-c") == 0) {
			if (++i == argc) {
				fprintf(stderr, "--analyze: -c needs a FILE\n");
				return 2;
			}
			cfg = argv[i];
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "--analyze: unknown option %s\n"
			    "usage: shaobing-agent --analyze [-c FILE] CAPTURE...\n",
			    argv[i]);
			return 2;
		}
		if (first < 0)
			first = i;
	}
	if (first < 0) {
		fprintf(stderr, "usage: shaobing-agent --analyze [-c FILE] CAPTURE...\n");
		return 2;
	}
	if (cfg != NULL) {
		if ((c = conf_load(cfg, &cerr)) == NULL ||
		    pkt_conf_load(c, &pc, &cerr) == -1) {
			fprintf(stderr, "%s\n", cerr.msg);
			conf_free(c);
			return 2;
		}
		conf_free(c);
	} else if (pkt_conf_defaults(&pc, &cerr) == -1) {
		fprintf(stderr, "%s\n", cerr.msg);
		return 2;
	}
	if ((e = pkt_engine_new(&pc, &sink, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	t0 = mono_s();
	for (i = first; i < argc; i++) {
		struct capture	*cap;
		int		 n;

		if (strcmp(argv[i], "-c") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--analyze") == 0)
			continue;
		if ((cap = capture_open_file(argv[i], err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			rc = 1;
			continue;
		}
		nfiles++;
		while ((n = capture_feed(cap, -1, e, err, sizeof(err))) > 0)
			;
		if (n == -1) {
			/* A cut-off file: keep what was read, say so. */
			fprintf(stderr, "%s (the packets before it were analysed)\n",
			    err);
			rc = 1;
		}
		capture_close(cap);
	}
	pkt_engine_flush(e, e->now, true);
	fflush(stdout);
	summary(e, mono_s() - t0, nfiles);
	pkt_engine_free(e);
	return rc;
}
