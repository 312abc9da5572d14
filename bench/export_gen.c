/*
 * export_gen: write a realistic year for the export benchmark through the
 * real store (collector/store.c, the indicator hook, store_incident_put).
 *
 *   export_gen [--machines N] [--servers N] [--events N] [--incidents N]
 *              [--year Y] [--seed S] DB
 *
 * Machines desktop-0001.. are on 07:30-09:30 .. 17:00-19:30 on work days
 * (Mon-Fri; 3% of days off), servers srv-001.. always; both have gaps
 * without data (network, no reboot) and outages (a reboot).  Uptime goes
 * in as heartbeats: the generator sends the first and the last beat of
 * each up period, declaring the 60 s agent's period as its interval, so
 * store_heartbeat() coalesces exactly the intervals 60 s heartbeats with
 * gap_factor 3 would give — without 500 million transactions.  Events:
 * website availability samples every 10 minutes of the year (about half
 * of them), the rest port scans, inventory changes and TLS/port findings,
 * in batches of 1,000 from their agents.  Incidents: 2% false positives,
 * 10% equipment faults, notified 10 s - 20 min after detection.
 * DB: an SQLite path or a PostgreSQL URI (as [store] url).  Not durable
 * while generating (a bench fixture, not data): SQLite's PRAGMA
 * synchronous=OFF, PostgreSQL's synchronous_commit=off.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/store.h"
#include "collector/store_indicator.h"
#include "collector/store_priv.h"
#include "common/log.h"
#include "common/timeutil.h"

#define MS_MIN	((int64_t)60000)
#define MS_H	(60 * MS_MIN)
#define MS_D	(24 * MS_H)

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [0, n). */
static int64_t
rndn(int64_t n)
{
	return n > 0 ? (int64_t)(rnd() % (uint64_t)n) : 0;
}

static struct store	*st;
static char		 err[512];
static int64_t		 nbeats;

static void
die(const char *what)
{
	fprintf(stderr, "export_gen: %s: %s\n", what, err);
	exit(1);
}

static void
beat(const char *agent, int64_t ts, int64_t interval, int64_t boot)
{
	struct store_heartbeat	hb = { agent, ts, interval, boot };
	int			new_agent;

	if (store_heartbeat(st, &hb, 3.0, ts, &new_agent, err, sizeof(err)) ==
	    -1)
		die("heartbeat");
	nbeats++;
}

/*
 * One up period [a, b] of agent (booted at boot): first and last beat.
 * The declared interval covers the span so the two coalesce.
 */
static void
up(const char *agent, int64_t a, int64_t b, int64_t boot)
{
	beat(agent, a, 60000, boot);
	if (b > a)
		beat(agent, b, (b - a) / 3 + 60000, boot);
}

/* UTC+8 local midnight of day number d (Asia/Shanghai has no DST). */
static int64_t
midnight(int64_t d)
{
	return d * MS_D - 8 * MS_H;
}

static void
desktop_year(const char *name, int64_t d0, int64_t d1)
{
	int64_t boot = midnight(d0) - MS_H;

	for (int64_t d = d0; d < d1; d++) {
		int	wd = (int)((d + 3) % 7);	/* 0 = Monday */
		int64_t	on, off;

		if (wd >= 5 || rndn(100) < 3)
			continue;
		on = midnight(d) + 7 * MS_H + 30 * MS_MIN + rndn(2 * MS_H);
		off = midnight(d) + 17 * MS_H + rndn(150 * MS_MIN);
		boot = on - 60000;
		if (rndn(100) < 2) {		/* a gap without data */
			int64_t g = on + rndn(off - on - MS_H);

			up(name, on, g, boot);
			up(name, g + 10 * MS_MIN + rndn(MS_H), off, boot);
		} else if (rndn(100) < 2) {	/* an outage: reboot */
			int64_t g = on + rndn(off - on - MS_H);
			int64_t r = g + 10 * MS_MIN + rndn(MS_H);

			up(name, on, g, boot);
			up(name, r, off, r - 60000);
		} else
			up(name, on, off, boot);
	}
}

static void
server_year(const char *name, int64_t d0, int64_t d1)
{
	int64_t t = midnight(d0), end = midnight(d1), boot = t - MS_H;

	while (t < end) {
		int64_t next = t + 5 * MS_D + rndn(40 * MS_D);

		if (next > end)
			next = end;
		up(name, t, next, boot);
		if (rndn(2) == 0) {		/* reboot */
			t = next + 5 * MS_MIN + rndn(30 * MS_MIN);
			boot = t - 30000;
		} else				/* lost contact */
			t = next + 10 * MS_MIN + rndn(2 * MS_H);
	}
}

struct batcher {
	struct event	 ev[1000];
	size_t		 n;
	char		 agent[64];
	uint64_t	 seq;
};

static void
flush(struct batcher *b)
{
	struct event_batch		eb;
	struct store_batch_result	res;

	if (b->n == 0)
		return;
	memset(&eb, 0, sizeof(eb));
	snprintf(eb.agent, sizeof(eb.agent), "%s", b->agent);
	eb.events = b->ev;
	eb.n = b->n;
	if (store_insert_batch(st, &eb, b->ev[b->n - 1].ts_ms, &res, err,
	    sizeof(err)) == -1)
		die("batch");
	for (size_t i = 0; i < b->n; i++)
		json_decref(b->ev[i].data);
	b->n = 0;
}

static void
add(struct batcher *b, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct event *e = &b->ev[b->n++];

	memset(e, 0, sizeof(*e));
	snprintf(e->agent, sizeof(e->agent), "%s", b->agent);
	e->seq = ++b->seq;
	e->ts_ms = ts;
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->severity = sev;
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->data = data;
	if (b->n == 1000)
		flush(b);
}

static int
cmp_ts(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int		 machines = 1000, servers = 0, year = 2025;
	int64_t		 nevents = 100000, nincidents = 2000;
	const char	*db = NULL;
	static struct batcher web, lan;
	static const char *const cats[] = { "NA", "NA", "NA", "MP", "SHE",
					    "AB", "RO", "DS" };
	int64_t		 d0, d1, *ts;
	char		 name[64], key[128];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--machines") == 0 && i + 1 < argc)
			machines = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--servers") == 0 && i + 1 < argc)
			servers = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
			nevents = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--incidents") == 0 && i + 1 < argc)
			nincidents = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--year") == 0 && i + 1 < argc)
			year = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) | 1;
		else if (argv[i][0] != '-' && db == NULL)
			db = argv[i];
		else {
			fprintf(stderr, "usage: export_gen [--machines N] "
			    "[--servers N] [--events N] [--incidents N] "
			    "[--year Y] [--seed S] DB\n");
			return 2;
		}
	}
	if (db == NULL || machines < 1 || machines > 100000) {
		fprintf(stderr, "export_gen: give DB and 1..100000 machines\n");
		return 2;
	}
	if (servers == 0)
		servers = machines / 10 > 0 ? machines / 10 : 1;
	log_init("export_gen", 0, LOG_LVL_WARN);
	if ((st = store_open(db, err, sizeof(err))) == NULL)
		die("open");
	if (store_add_event_hook(st, store_indicator_hook, NULL) == -1)
		die("hook");
	db_exec(store_db(st), db_kind(store_db(st)) == DB_POSTGRES ?
	    "SET synchronous_commit = off" : "PRAGMA synchronous = OFF");
	d0 = time_days_from_civil(year, 1, 1);
	d1 = time_days_from_civil(year + 1, 1, 1);
	for (int i = 0; i < machines; i++) {
		int srv = i >= machines - servers;

		if (srv)
			snprintf(name, sizeof(name), "srv-%03d", i -
			    (machines - servers) + 1);
		else
			snprintf(name, sizeof(name), "desktop-%04d", i + 1);
		if (srv)
			server_year(name, d0, d1);
		else
			desktop_year(name, d0, d1);
		if (i % 100 == 99)
			fprintf(stderr, "\rexport_gen: uptime %d/%d machines",
			    i + 1, machines);
	}
	fprintf(stderr, "\rexport_gen: uptime %d machines, %" PRId64
	    " heartbeats\n", machines, nbeats);
	/* Events: availability of the website every 10 min (half the
	   budget at most), the rest findings, scans and inventory. */
	snprintf(web.agent, sizeof(web.agent), "srv-001");
	snprintf(lan.agent, sizeof(lan.agent), "desktop-0001");
	{
		int64_t nsamp = (d1 - d0) * 144, step;
		int64_t other;

		if (nsamp > nevents / 2)
			nsamp = nevents / 2;
		other = nevents - nsamp;
		step = nsamp > 0 ? (midnight(d1) - midnight(d0)) / nsamp : 0;
		for (int64_t k = 0; k < nsamp; k++) {
			int64_t	t = midnight(d0) + k * step;
			int	ok = rndn(1000) >= 4;

			add(&web, t, "availability", ok ? SEV_INFO : SEV_HIGH,
			    "availability:portal", json_pack("{s:s, s:s, s:b, "
			    "s:I, s:s, s:b}", "target", "portal", "host",
			    "www.example.gov.cn", "up", ok, "latency_ms",
			    (json_int_t)(20 + rndn(200)), "reason", ok ? "" :
			    "HTTP 502", "website", 1));
		}
		flush(&web);
		if ((ts = malloc((size_t)(other > 0 ? other : 1) *
		    sizeof(*ts))) == NULL)
			return 1;
		for (int64_t k = 0; k < other; k++)
			ts[k] = midnight(d0) + rndn(midnight(d1) - midnight(d0));
		qsort(ts, (size_t)other, sizeof(*ts), cmp_ts);
		for (int64_t k = 0; k < other; k++) {
			int r = (int)rndn(100);

			if (r < 2) {
				add(&web, ts[k], "tls_report", SEV_INFO,
				    "tls_report:portal", json_pack("{s:s, s:{s:s, "
				    "s:s, s:i}}", "target", "portal", "report",
				    "protocol", "TLSv1.3", "cipher",
				    "TLS_AES_256_GCM_SHA384", "days_left",
				    (int)rndn(90)));
			} else if (r < 5) {
				int port = (int)(rndn(3) == 0 ? 3306 : 8080);

				snprintf(key, sizeof(key), "port_exposed:portal:%d",
				    port);
				add(&web, ts[k], "port_exposed", SEV_MEDIUM, key,
				    json_pack("{s:s, s:s, s:s}", "target",
				    "portal", "code", "port_exposed", "message",
				    port == 3306 ? "数据库端口 3306 对外开放 "
				    "database port 3306 exposed" :
				    "端口 8080 对外开放 port 8080 exposed"));
			} else if (r < 60) {
				snprintf(key, sizeof(key), "port_scan:10.0.%d.%d",
				    (int)rndn(4), (int)rndn(250));
				add(&lan, ts[k], "port_scan", SEV_HIGH, key,
				    json_pack("{s:s, s:i}", "src", key + 10,
				    "ports", (int)(20 + rndn(1000))));
			} else {
				add(&lan, ts[k], "inventory_change", SEV_LOW,
				    "inventory:desktop-0001", json_pack("{s:s}",
				    "what", "package installed"));
			}
		}
		flush(&web);
		flush(&lan);
		free(ts);
	}
	fprintf(stderr, "export_gen: %" PRId64 " events\n", nevents);
	db_exec(store_db(st), "BEGIN");
	for (int64_t k = 0; k < nincidents; k++) {
		struct store_incident_row	r;
		int64_t				id, aid, fs;
		int				kind = (int)rndn(100);
		int				m = (int)rndn(machines);

		if (m >= machines - servers)
			snprintf(name, sizeof(name), "srv-%03d", m -
			    (machines - servers) + 1);
		else
			snprintf(name, sizeof(name), "desktop-%04d", m + 1);
		if (store_agent_id(st, name, &aid, err, sizeof(err)) != 0)
			die("agent id");
		fs = midnight(d0) + rndn(midnight(d1) - midnight(d0));
		memset(&r, 0, sizeof(r));
		r.key = "k";
		r.type = kind < 10 ? "host_down" : "port_scan";
		r.category = kind < 10 ? "DE" : cats[rndn(8)];
		r.subcategory = strcmp(r.category, "NA") == 0 ? "NASCAN" : "";
		r.status = kind >= 98 ? "false_positive" : rndn(10) ? "resolved" :
		    "acknowledged";
		r.asset = name;
		r.title = kind < 10 ? "主机离线 host down" :
		    "端口扫描 port scan";
		r.level = rndn(50) == 0 ? 3 : 4;
		r.severity = 3;
		r.count = 1 + (int)rndn(20);
		r.agent_id = aid;
		r.first_seen = fs;
		r.last_seen = fs + rndn(MS_H);
		r.received = fs + 200 + rndn(2000);
		r.notified = rndn(50) == 0 ? 0 : fs + 10000 + rndn(20 * MS_MIN);
		if (store_incident_put(st, &r, &id, err, sizeof(err)) == -1)
			die("incident");
	}
	db_exec(store_db(st), "COMMIT");
	fprintf(stderr, "export_gen: %" PRId64 " incidents\n", nincidents);
	db_exec(store_db(st), "PRAGMA wal_checkpoint(TRUNCATE)");
	store_close(st);
	return 0;
}
