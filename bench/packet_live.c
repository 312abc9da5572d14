/*
 * packet_live [SECONDS] [PPS]: CPU share of the packet probe capturing on
 * loopback under a steady load.
 *
 * The probe is configured and started exactly as the agent does it
 * ([packet] interfaces = lo, every detector on), on its own libevent
 * loop; a child process sends PPS UDP datagrams a second (200 bytes) over
 * loopback to a socket of its own that answers one in ten (a steady
 * conversation, not a flood), for SECONDS.  lo shows each packet once,
 * so the probe sees about 1.1 x PPS packets.  Prints the probe process's
 * CPU time over wall time.  Needs root (capture).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/log.h"
#include "probes/packet/packet.h"

static unsigned long	findings;

static int
count(void *ctx, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	(void)ctx; (void)ts; (void)type; (void)sev; (void)key;
	findings++;
	json_decref(data);
	return 0;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sender(int secs, int pps)
{
	struct sockaddr_in	a, b;
	socklen_t		alen = sizeof(a);
	char			buf[200];
	int			tx = socket(AF_INET, SOCK_DGRAM, 0);
	int			rx = socket(AF_INET, SOCK_DGRAM, 0);
	double			start = now_s();
	long			sent = 0, got = 0;

	memset(&b, 0, sizeof(b));
	b.sin_family = AF_INET;
	b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(rx, (struct sockaddr *)&b, sizeof(b)) == -1 ||
	    getsockname(rx, (struct sockaddr *)&b, &alen) == -1)
		_exit(1);
	memset(buf, 'x', sizeof(buf));
	/* Batches every millisecond keep the rate steady. */
	while (now_s() - start < secs) {
		long		due = (long)((now_s() - start) * pps);
		struct timespec	ms = { 0, 1000000 };

		while (sent < due) {
			(void)sendto(tx, buf, sizeof(buf), 0,
			    (struct sockaddr *)&b, sizeof(b));
			sent++;
		}
		/* The receiver answers every tenth datagram. */
		alen = sizeof(a);
		while (recvfrom(rx, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&a, &alen) > 0) {
			if (++got % 10 == 0)
				(void)sendto(rx, buf, 64, 0, (struct sockaddr *)&a,
				    alen);
			alen = sizeof(a);
		}
		nanosleep(&ms, NULL);
	}
	printf("sent %ld datagrams in %d s\n", sent, secs);
	fflush(stdout);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct conf_err		 err;
	struct conf		*c;
	struct event_base	*base;
	struct emitter		 em = { count, NULL };
	struct rusage		 a, b;
	struct timeval		 stop;
	void			*state = NULL;
	int64_t			 secs = 10, pps = 20000;
	double			 t0, wall, cpu;
	char			 why[128], ini[512];
	pid_t			 kid;

	if ((argc > 1 && parse_i64(argv[1], 1, 3600, &secs, why, sizeof(why))) ||
	    (argc > 2 && parse_i64(argv[2], 1, 10000000, &pps, why, sizeof(why)))) {
		fprintf(stderr, "usage: packet_live [SECONDS] [PPS]\n");
		return 2;
	}
	log_init("packet_live", 0, LOG_LVL_WARN);
	/* PACKET_LIVE_CONF: extra [packet] lines, e.g. "immediate = no". */
	snprintf(ini, sizeof(ini), "[packet]\ninterfaces = lo\n%s\n",
	    getenv("PACKET_LIVE_CONF") ? getenv("PACKET_LIVE_CONF") : "");
	c = conf_load_string("bench", ini, &err);
	if (c == NULL || packet_probe.configure(c, &state, &err) == -1 ||
	    state == NULL) {
		fprintf(stderr, "configure: %s\n", err.msg);
		return 1;
	}
	base = event_base_new();
	if (packet_probe.start(state, base, &em) == -1) {
		fprintf(stderr, "start failed (root needed)\n");
		return 1;
	}
	if ((kid = fork()) == 0)
		sender((int)secs, (int)pps);
	getrusage(RUSAGE_SELF, &a);
	t0 = now_s();
	stop.tv_sec = secs;
	stop.tv_usec = 0;
	event_base_loopexit(base, &stop);
	event_base_dispatch(base);
	wall = now_s() - t0;
	getrusage(RUSAGE_SELF, &b);
	waitpid(kid, NULL, 0);
	cpu = (b.ru_utime.tv_sec - a.ru_utime.tv_sec) +
	    (b.ru_utime.tv_usec - a.ru_utime.tv_usec) / 1e6 +
	    (b.ru_stime.tv_sec - a.ru_stime.tv_sec) +
	    (b.ru_stime.tv_usec - a.ru_stime.tv_usec) / 1e6;
	printf("probe cpu %.3f s over %.3f s wall: %.1f%% of one core at %lld "
	    "datagrams/s on lo (%lu findings)\n", cpu, wall, 100.0 * cpu / wall,
	    (long long)pps, findings);
	packet_probe.free(state);
	event_base_free(base);
	conf_free(c);
	return 0;
}
