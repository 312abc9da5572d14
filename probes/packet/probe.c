/*
 * The packet probe in the agent: configure from [packet], open one capture
 * handle per interface in start() (called as root, before the agent drops
 * privileges: the open handles are all capture needs afterwards), watch
 * them on the agent's libevent base, and emit findings as events.
 *
 * A one-second timer judges probes that went unanswered and closes flood
 * windows of destinations that went quiet; every ten minutes, kernel drops
 * and table evictions are logged when they grew.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "probes/packet/capture.h"
#include "probes/packet/engine.h"
#include "probes/packet/packet.h"

#define PKT_MAX_IFACES	16

struct packet_state {
	struct pkt_conf		 conf;
	struct pkt_engine	*e;
	struct emitter		*em;
	struct capture		*cap[PKT_MAX_IFACES];
	struct event		*ev[PKT_MAX_IFACES];
	int			 ncap;
	struct event		*tick;
	int			 ticks;
	uint64_t		 logged_drops, logged_evictions;
};

static void
live_finding(void *ctx, int64_t ts_ms, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct packet_state	*st = ctx;

	/* type, severity and key travel in the event itself. */
	json_object_del(data, "type");
	json_object_del(data, "severity");
	json_object_del(data, "key");
	if (st->em == NULL) {
		json_decref(data);
		return;
	}
	emit_event(st->em, ts_ms, type, sev, key, data);
}

static int
packet_configure(struct conf *c, void **state, struct conf_err *err)
{
	struct packet_state	*st;

	*state = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (pkt_conf_load(c, &st->conf, err) == -1) {
		free(st);
		return -1;
	}
	if (!st->conf.enabled) {
		free(st);
		return 0;		/* no [packet] interfaces: probe off */
	}
	*state = st;
	return 0;
}

static void
packet_read(evutil_socket_t fd, short what, void *arg)
{
	struct packet_state	*st = arg;
	char			 err[512];

	(void)what;
	for (int i = 0; i < st->ncap; i++) {
		if (capture_fd(st->cap[i]) != fd)
			continue;
		/* Bounded per wake-up so other events are not starved. */
		for (int round = 0; round < 8; round++)
			if (capture_feed(st->cap[i], 512, st->e, err, sizeof(err)) <= 0)
				break;
	}
}

static void
packet_tick(evutil_socket_t fd, short what, void *arg)
{
	struct packet_state	*st = arg;
	uint64_t		 recv, drop, drops = 0;

	(void)fd; (void)what;
	pkt_engine_flush(st->e, time_now_ms(), false);
	if (++st->ticks % 600 != 0)
		return;
	for (int i = 0; i < st->ncap; i++) {
		capture_stats(st->cap[i], &recv, &drop);
		drops += drop;
	}
	if (drops > st->logged_drops) {
		log_warnx("packet: the kernel dropped %llu packets so far; raise "
		    "[packet] buffer_size or narrow [packet] bpf",
		    (unsigned long long)drops);
		st->logged_drops = drops;
	}
	if (st->e->st.evictions > st->logged_evictions) {
		log_warnx("packet: %llu detector entries evicted for lack of room "
		    "so far; raise [packet] memory_cap (now %lld bytes)",
		    (unsigned long long)st->e->st.evictions,
		    (long long)st->conf.memory_cap);
		st->logged_evictions = st->e->st.evictions;
	}
}

static int
packet_start(void *state, struct event_base *base, struct emitter *em)
{
	struct packet_state	*st = state;
	struct pkt_sink		 sink = { live_finding, st };
	struct timeval		 one = { 1, 0 };
	const char		*cur = st->conf.interfaces;
	char			 ifname[64], err[512];
	int			 r;

	st->em = em;
	if ((st->e = pkt_engine_new(&st->conf, &sink, err, sizeof(err))) == NULL) {
		log_warnx("packet: %s", err);
		return -1;
	}
	while ((r = conf_list_next(&cur, ifname, sizeof(ifname))) != 0) {
		if (r == -1 || st->ncap == PKT_MAX_IFACES) {
			log_warnx("packet: [packet] interfaces: at most %d names of "
			    "up to 63 characters", PKT_MAX_IFACES);
			return -1;
		}
		st->cap[st->ncap] = capture_open_live(ifname, &st->conf, err,
		    sizeof(err));
		if (st->cap[st->ncap] == NULL) {
			log_warnx("packet: %s", err);
			return -1;
		}
		st->ev[st->ncap] = event_new(base, capture_fd(st->cap[st->ncap]),
		    EV_READ | EV_PERSIST, packet_read, st);
		if (st->ev[st->ncap] == NULL || event_add(st->ev[st->ncap], NULL)) {
			log_warnx("packet: cannot watch %s", ifname);
			st->ncap++;
			return -1;
		}
		st->ncap++;
		log_info("packet: capturing on %s (promisc %s, snaplen %d%s%s)",
		    ifname, st->conf.promisc ? "on" : "off", st->conf.snaplen,
		    st->conf.bpf[0] ? ", filter " : "", st->conf.bpf);
	}
	st->tick = event_new(base, -1, EV_PERSIST, packet_tick, st);
	if (st->tick == NULL || event_add(st->tick, &one) == -1) {
		log_warnx("packet: cannot start the timer");
		return -1;
	}
	return 0;
}

static void
packet_free(void *state)
{
	struct packet_state	*st = state;

	if (st == NULL)
		return;
	for (int i = 0; i < st->ncap; i++) {
		if (st->ev[i] != NULL)
			event_free(st->ev[i]);
		capture_close(st->cap[i]);
	}
	if (st->tick != NULL)
		event_free(st->tick);
	pkt_engine_free(st->e);
	free(st);
}

const struct probe_ops packet_probe = {
	.name = "packet",
	.configure = packet_configure,
	.interval_ms = NULL,
	.run = NULL,
	.start = packet_start,
	.free = packet_free,
};
