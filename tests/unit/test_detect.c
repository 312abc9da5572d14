/*
 * The packet detectors on crafted packet sequences: for each, the attack
 * and a near miss that must stay quiet (14 ports, a busy web client, a
 * DHCP renewal, ...).  Packets are fed decoded (decoders have their own
 * tests); time is packet time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/packet/detector.h"
#include "probes/selfaddr.h"
#include "tests/unit/conf_example.h"
#include "tests/unit/packet_build.h"

struct found {
	json_t	*all;
};

static void
collect(void *ctx, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct found	*f = ctx;

	(void)ts; (void)type; (void)sev; (void)key;
	json_array_append_new(f->all, data);
}

static struct pkt_engine *
engine(const char *ini, struct found *f)
{
	struct conf_err		 err;
	struct conf		*c;
	struct pkt_conf		 pc;
	struct pkt_sink		 sink = { collect, f };
	struct pkt_engine	*e;
	char			 why[256];

	f->all = json_array();
	c = conf_load_string("test.ini", ini ? ini : "", &err);
	assert_non_null(c);
	if (pkt_conf_load(c, &pc, &err) == -1)
		fail_msg("%s", err.msg);
	conf_free(c);
	e = pkt_engine_new(&pc, &sink, why, sizeof(why));
	assert_non_null(e);
	return e;
}

static void
done(struct pkt_engine *e, struct found *f)
{
	pkt_engine_free(e);
	json_decref(f->all);
}

/* Findings of type (and evidence kind, when given). */
static int
count(const struct found *f, const char *type, const char *kind)
{
	size_t	 i;
	json_t	*d;
	int	 n = 0;

	json_array_foreach(f->all, i, d) {
		const char *t = json_string_value(json_object_get(d, "type"));
		const char *k = json_string_value(json_object_get(
		    json_object_get(d, "evidence"), "kind"));

		if (strcmp(t, type) == 0 && (kind == NULL ||
		    (k != NULL && strcmp(k, kind) == 0)))
			n++;
	}
	return n;
}

static json_t *
first(const struct found *f, const char *type)
{
	size_t	 i;
	json_t	*d;

	json_array_foreach(f->all, i, d)
		if (strcmp(json_string_value(json_object_get(d, "type")), type) == 0)
			return d;
	return NULL;
}

static void
feed(struct pkt_engine *e, const struct pkt *p)
{
	pkt_engine_packet(e, p);
}

/* ---- port scans ------------------------------------------------------ */

static void
syn_probes(struct pkt_engine *e, int nports, uint8_t flags, int64_t t0)
{
	struct pkt	p;

	for (int i = 0; i < nports; i++) {
		pk_tcp(&p, t0 + i * 10, "10.0.0.9", "10.0.0.1", 40000,
		    (uint16_t)(1000 + i), flags);
		feed(e, &p);
	}
}

static void
t_portscan_syn_unanswered(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	json_t			*d;

	(void)state;
	syn_probes(e, 15, TH_SYN, 1000000);
	assert_int_equal(count(&f, "port_scan", NULL), 0);	/* not yet failed */
	/* The live agent's one-second timer: judged within 8 ticks. */
	for (int s = 1; s <= 12; s++)
		pkt_engine_flush(e, 1000000 + s * 1000, false);
	assert_int_equal(count(&f, "port_scan", "syn"), 1);
	d = first(&f, "port_scan");
	assert_string_equal(json_string_value(json_object_get(d, "key")),
	    "port_scan:10.0.0.9->10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(d, "source")),
	    "10.0.0.9");
	done(e, &f);
}

static void
t_portscan_14_ports_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);

	(void)state;
	syn_probes(e, 14, TH_SYN, 1000000);
	pkt_engine_flush(e, 1000000 + 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 0);
	done(e, &f);
}

static void
t_portscan_rst_answers(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	for (int i = 0; i < 15; i++) {
		pk_tcp(&p, 1000 + i, "10.0.0.9", "10.0.0.1", 40000,
		    (uint16_t)(20 + i), TH_SYN);
		feed(e, &p);
		pk_tcp(&p, 1000 + i, "10.0.0.1", "10.0.0.9", (uint16_t)(20 + i),
		    40000, TH_RST | TH_ACK);
		feed(e, &p);
	}
	/* Failed at once: no timeout needed. */
	assert_int_equal(count(&f, "port_scan", "syn"), 1);
	done(e, &f);
}

static void
t_portscan_answered_is_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	/* A client using 30 services of one server, all of them open. */
	for (int i = 0; i < 30; i++) {
		pk_tcp(&p, 1000 + i, "10.0.0.5", "10.0.0.1", (uint16_t)(50000 + i),
		    (uint16_t)(8000 + i), TH_SYN);
		p.tcp_optlen = 20;
		feed(e, &p);
		pk_tcp(&p, 1001 + i, "10.0.0.1", "10.0.0.5", (uint16_t)(8000 + i),
		    (uint16_t)(50000 + i), TH_SYN | TH_ACK);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 0);
	done(e, &f);
}

static void
t_portscan_kinds(void **state)
{
	static const struct { uint8_t flags; uint8_t opt; const char *kind; } k[] = {
		{ TH_SYN, 0, "syn" }, { TH_SYN, 20, "connect" }, { 0, 0, "null" },
		{ TH_FIN, 0, "fin" }, { TH_FIN | TH_PSH | TH_URG, 0, "xmas" },
		{ TH_ACK, 0, "ack" }, { TH_FIN | TH_ACK, 0, "maimon" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct found		 f;
		struct pkt_engine	*e = engine(NULL, &f);
		struct pkt		 p;

		for (int j = 0; j < 20; j++) {
			pk_tcp(&p, 1000 + j, "10.0.0.9", "10.0.0.1", 40000,
			    (uint16_t)(100 + j), k[i].flags);
			p.tcp_optlen = k[i].opt;
			feed(e, &p);
		}
		pkt_engine_flush(e, 100000, true);
		if (count(&f, "port_scan", k[i].kind) != 1)
			fail_msg("kind %s not reported", k[i].kind);
		done(e, &f);
	}
}

static void
t_ack_of_real_connections_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	for (int i = 0; i < 40; i++) {
		/* Server to client: ACKs to the client's ephemeral ports. */
		pk_tcp(&p, 1000 + i, "10.0.0.1", "10.0.0.5", 443,
		    (uint16_t)(50000 + i), TH_ACK);
		feed(e, &p);
		/* Client to server: ACKs on connections the server talks on. */
		pk_tcp(&p, 1000 + i, "10.0.0.5", "10.0.0.1", (uint16_t)(50000 + i),
		    443, TH_ACK);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 0);
	assert_int_equal(count(&f, "address_scan", NULL), 0);
	done(e, &f);
}

static void
t_udp_scan_icmp_unreachable(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	for (int i = 0; i < 16; i++) {
		pk_udp(&p, 1000 + i, "10.0.0.9", "10.0.0.1", 45000,
		    (uint16_t)(100 + i), NULL, 0);
		feed(e, &p);
		pk_icmp(&p, 1000 + i, "10.0.0.1", "10.0.0.9", 3, 3);
		p.has_inner = true;
		p.in_proto = 17;
		p.in_src = A("10.0.0.9");
		p.in_dst = A("10.0.0.1");
		p.in_sport = 45000;
		p.in_dport = (uint16_t)(100 + i);
		feed(e, &p);
	}
	assert_int_equal(count(&f, "port_scan", "udp"), 1);
	done(e, &f);
}

static void
t_dns_client_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	/* 40 queries from 40 source ports, all answered: no UDP scan. */
	for (int i = 0; i < 40; i++) {
		pk_udp(&p, 1000 + i, "10.0.0.5", "10.0.0.2", (uint16_t)(40000 + i),
		    53, NULL, 0);
		feed(e, &p);
		pk_udp(&p, 1001 + i, "10.0.0.2", "10.0.0.5", 53,
		    (uint16_t)(40000 + i), NULL, 0);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(json_array_size(f.all), 0);
	done(e, &f);
}

static void
t_portscan_allowlist(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine("[packet]\nportscan_allow = 10.0.0.9\n",
				    &f);

	(void)state;
	syn_probes(e, 50, TH_SYN, 1000);
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 0);
	done(e, &f);
}

static void
t_portscan_threshold_config(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine("[packet]\nportscan_ports = 5\n", &f);

	(void)state;
	syn_probes(e, 5, TH_SYN, 1000);
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 1);
	done(e, &f);
}

/* ---- address scans and sweeps ------------------------------------------ */

static void
t_address_scan(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;
	char			 dst[32];
	json_t			*d;

	(void)state;
	for (int i = 0; i < 25; i++) {
		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		pk_tcp(&p, 1000 + i, "10.0.0.9", dst, 40000, 445, TH_SYN);
		feed(e, &p);
	}
	for (int s = 1; s <= 12; s++)
		pkt_engine_flush(e, 1000 + s * 1000, false);
	assert_int_equal(count(&f, "address_scan", NULL), 1);
	d = first(&f, "address_scan");
	assert_string_equal(json_string_value(json_object_get(d, "key")),
	    "address_scan:10.0.0.9:tcp/445");
	done(e, &f);
}

static void
t_address_scan_24_and_busy_client_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;
	char			 dst[32];

	(void)state;
	for (int i = 0; i < 24; i++) {
		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		pk_tcp(&p, 1000 + i, "10.0.0.9", dst, 40000, 445, TH_SYN);
		feed(e, &p);
	}
	/* A browser opening HTTPS to 60 sites, all of which answer. */
	for (int i = 0; i < 60; i++) {
		snprintf(dst, sizeof(dst), "93.184.%d.%d", i / 200, i % 200 + 1);
		pk_tcp(&p, 2000 + i, "10.0.0.5", dst, (uint16_t)(50000 + i), 443,
		    TH_SYN);
		p.tcp_optlen = 20;
		feed(e, &p);
		pk_tcp(&p, 2030 + i, dst, "10.0.0.5", 443, (uint16_t)(50000 + i),
		    TH_SYN | TH_ACK);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "address_scan", NULL), 0);
	done(e, &f);
}

static void
t_ping_sweep(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;
	char			 dst[32];

	(void)state;
	for (int i = 0; i < 30; i++) {
		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		pk_icmp(&p, 1000 + i, "10.0.0.9", dst, 8, 0);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "ping_sweep", "icmp_echo"), 1);
	done(e, &f);
}

static void
t_ping_monitor_answered_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;
	char			 dst[32];

	(void)state;
	/* A monitoring server pinging 40 hosts that all answer. */
	for (int i = 0; i < 40; i++) {
		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		pk_icmp(&p, 1000 + i, "10.0.0.3", dst, 8, 0);
		feed(e, &p);
		pk_icmp(&p, 1001 + i, dst, "10.0.0.3", 0, 0);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "ping_sweep", NULL), 0);
	done(e, &f);
}

static void
t_arp_sweep(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;
	char			 dst[32];

	(void)state;
	for (int i = 0; i < 30; i++) {
		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		pk_arp(&p, 1000 + i, 1, 9, "10.0.0.9", 0xffffff, dst);
		feed(e, &p);
	}
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "ping_sweep", "arp"), 1);
	assert_int_equal(count(&f, "arp_spoof", NULL), 0);
	done(e, &f);
}

/* ---- the agent's own checks (probes/selfaddr.h) ------------------------ */

/*
 * What a [target] check from src does: connects to 30 ports of 10.0.0.80
 * (refused: the closed-port list), to port 443 of 30 hosts (no answer), a
 * burst of 400 SYNs a second to port 80 for 4 s, echo requests to 30 hosts
 * that do not answer, and ARP for them.
 */
static void
check_burst(struct pkt_engine *e, const char *src)
{
	struct pkt	p;
	char		dst[32];

	for (int i = 0; i < 30; i++) {
		pk_tcp(&p, 1000 + i, src, "10.0.0.80", (uint16_t)(40000 + i),
		    (uint16_t)(1000 + i), TH_SYN);
		p.tcp_optlen = 20;
		feed(e, &p);
		pk_tcp(&p, 1001 + i, "10.0.0.80", src, (uint16_t)(1000 + i),
		    (uint16_t)(40000 + i), TH_RST | TH_ACK);
		feed(e, &p);
	}
	for (int i = 0; i < 30; i++) {
		snprintf(dst, sizeof(dst), "10.0.2.%d", i + 1);
		pk_tcp(&p, 2000 + i, src, dst, (uint16_t)(41000 + i), 443, TH_SYN);
		p.tcp_optlen = 20;
		feed(e, &p);
		pk_icmp(&p, 2000 + i, src, dst, 8, 0);
		feed(e, &p);
		pk_arp(&p, 2000 + i, 1, 9, src, 0xffffff, dst);
		feed(e, &p);
	}
	for (int s = 0; s < 4; s++)
		for (int i = 0; i < 400; i++) {
			pk_tcp(&p, 3000 + s * 1000 + i * 2, src, "10.0.0.80",
			    (uint16_t)(20000 + s * 400 + i), 80, TH_SYN);
			feed(e, &p);
		}
}

static void
syn_probes_from(struct pkt_engine *e, const char *src, const char *dst, int n)
{
	struct pkt	p;

	for (int i = 0; i < n; i++) {
		pk_tcp(&p, 1000 + i, src, dst, 40000, (uint16_t)(1000 + i),
		    TH_SYN);
		feed(e, &p);
	}
}

static void
t_own_checks_are_no_scan(void **state)
{
	struct found		 f;
	struct pkt_engine	*e;

	(void)state;
	/* Recorded by the checks (probes/ports) as they connect. */
	selfaddr_clear();
	assert_int_equal(selfaddr_add_str("10.0.0.50", "10.0.0.80"), 0);
	for (int i = 0; i < 30; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "10.0.2.%d", i + 1);
		assert_int_equal(selfaddr_add_str("10.0.0.50", dst), 0);
	}
	e = engine(NULL, &f);
	check_burst(e, "10.0.0.50");
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 0);
	assert_int_equal(count(&f, "address_scan", NULL), 0);
	assert_int_equal(count(&f, "ping_sweep", NULL), 0);
	assert_int_equal(count(&f, "syn_flood", NULL), 0);
	done(e, &f);

	/* The checked host scanning the agent is still a scan. */
	e = engine(NULL, &f);
	syn_probes_from(e, "10.0.0.80", "10.0.0.50", 20);
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", "syn"), 1);
	done(e, &f);

	/* The same burst from a host that is not this agent is all of them. */
	e = engine(NULL, &f);
	check_burst(e, "10.0.0.51");
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(count(&f, "port_scan", NULL), 1);
	assert_int_equal(count(&f, "address_scan", NULL), 1);
	assert_int_equal(count(&f, "ping_sweep", "icmp_echo"), 1);
	assert_int_equal(count(&f, "ping_sweep", "arp"), 1);
	assert_int_equal(count(&f, "syn_flood", NULL), 1);
	done(e, &f);

	selfaddr_clear();
}

/* ---- floods ------------------------------------------------------------ */

static void
syn_rate(struct pkt_engine *e, int per_s, int secs, int64_t t0, bool spoof)
{
	struct pkt	p;
	char		src[32];

	for (int s = 0; s < secs; s++)
		for (int i = 0; i < per_s; i++) {
			int	n = s * per_s + i;

			snprintf(src, sizeof(src), "%d.%d.%d.%d", 1 + n % 200,
			    (n / 200) % 250, spoof ? (n / 50000) % 250 : 1, 7);
			pk_tcp(&p, t0 + s * 1000 + (int64_t)i * 1000 / per_s,
			    spoof ? src : "10.0.0.50", "10.0.0.80",
			    (uint16_t)(1024 + n % 60000), 80, TH_SYN);
			feed(e, &p);
		}
}

static void
t_syn_flood_spoofed(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	json_t			*d;

	(void)state;
	syn_rate(e, 400, 4, 1000000, true);
	pkt_engine_flush(e, 1000000 + 6000, true);
	assert_int_equal(count(&f, "syn_flood", NULL), 1);
	d = first(&f, "syn_flood");
	assert_string_equal(json_string_value(json_object_get(d, "key")),
	    "syn_flood:10.0.0.80:80");
	assert_true(json_is_true(json_object_get(json_object_get(d, "evidence"),
	    "spoofed_likely")));
	done(e, &f);
}

static void
t_syn_busy_server_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);

	(void)state;
	/* 60 new connections a second for a minute: a busy site. */
	syn_rate(e, 60, 60, 1000000, true);
	pkt_engine_flush(e, 1000000 + 61000, true);
	assert_int_equal(count(&f, "syn_flood", NULL), 0);
	done(e, &f);
}

static void
t_syn_usual_rate_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);

	(void)state;
	/* Usually 60/s for two minutes, then 300/s: above the floor, but not
	 * ten times the usual rate. */
	syn_rate(e, 60, 120, 1000000, true);
	syn_rate(e, 300, 3, 1000000 + 120000, true);
	pkt_engine_flush(e, 1000000 + 124000, true);
	assert_int_equal(count(&f, "syn_flood", NULL), 0);
	/* Then 2000/s, well over ten times usual: it is. */
	syn_rate(e, 2000, 3, 1000000 + 125000, true);
	pkt_engine_flush(e, 1000000 + 129000, true);
	assert_int_equal(count(&f, "syn_flood", NULL), 1);
	done(e, &f);
}

static void
icmp_rate(struct pkt_engine *e, int per_s, int secs)
{
	struct pkt	p;

	for (int s = 0; s < secs; s++)
		for (int i = 0; i < per_s; i++) {
			pk_icmp(&p, 5000000 + s * 1000 + (int64_t)i * 1000 / per_s,
			    "198.51.100.7", "10.0.0.80", 8, 0);
			feed(e, &p);
		}
}

static void
t_icmp_flood(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct found		 g;
	struct pkt_engine	*q = engine(NULL, &g);

	(void)state;
	icmp_rate(e, 1500, 3);
	pkt_engine_flush(e, 5000000 + 4000, true);
	assert_int_equal(count(&f, "icmp_flood", NULL), 1);
	icmp_rate(q, 500, 3);
	pkt_engine_flush(q, 5000000 + 4000, true);
	assert_int_equal(count(&g, "icmp_flood", NULL), 0);
	done(e, &f);
	done(q, &g);
}

static void
udp_rate(struct pkt_engine *e, int per_s, int secs, int answer_every)
{
	struct pkt	p;

	for (int s = 0; s < secs; s++)
		for (int i = 0; i < per_s; i++) {
			int64_t	t = 5000000 + s * 1000 + (int64_t)i * 1000 / per_s;

			pk_udp(&p, t, "198.51.100.7", "10.0.0.80", 443, 50000, NULL, 0);
			feed(e, &p);
			if (answer_every && i % answer_every == 0) {
				pk_udp(&p, t, "10.0.0.80", "198.51.100.7", 50000, 443,
				    NULL, 0);
				feed(e, &p);
			}
		}
}

static void
t_udp_flood_and_download(void **state)
{
	struct found		 f, g;
	struct pkt_engine	*e = engine(NULL, &f), *q = engine(NULL, &g);

	(void)state;
	udp_rate(e, 12000, 3, 0);
	pkt_engine_flush(e, 5000000 + 4000, true);
	assert_int_equal(count(&f, "udp_flood", NULL), 1);
	/* Same rate, but the host acknowledges (a QUIC download). */
	udp_rate(q, 12000, 3, 8);
	pkt_engine_flush(q, 5000000 + 4000, true);
	assert_int_equal(count(&g, "udp_flood", NULL), 0);
	done(e, &f);
	done(q, &g);
}

/* ---- ARP --------------------------------------------------------------- */

static void
t_arp_flip_flop(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	pk_arp(&p, 1000, 2, 1, "10.0.0.20", 5, "10.0.0.5");
	feed(e, &p);
	pk_arp(&p, 2000, 2, 2, "10.0.0.20", 5, "10.0.0.5");
	feed(e, &p);
	assert_int_equal(count(&f, "arp_spoof", "changed_while_active"), 1);
	pk_arp(&p, 3000, 2, 1, "10.0.0.20", 5, "10.0.0.5");
	feed(e, &p);
	assert_int_equal(count(&f, "arp_spoof", "flip_flop"), 1);
	done(e, &f);
}

static void
t_arp_change_after_silence_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	/* A replaced network card: the old MAC went quiet long before. */
	pk_arp(&p, 1000, 1, 1, "10.0.0.20", 0xffffff, "10.0.0.1");
	feed(e, &p);
	pk_arp(&p, 1000 + 3600000, 1, 2, "10.0.0.20", 0xffffff, "10.0.0.1");
	feed(e, &p);
	assert_int_equal(count(&f, "arp_spoof", NULL), 0);
	done(e, &f);
}

static void
t_arp_gateway(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine("[packet]\ngateway = 10.0.0.1\n", &f);
	struct pkt		 p;
	json_t			*d;

	(void)state;
	pk_arp(&p, 1000, 2, 1, "10.0.0.1", 5, "10.0.0.5");
	feed(e, &p);
	pk_arp(&p, 2000, 2, 66, "10.0.0.1", 5, "10.0.0.5");
	feed(e, &p);
	assert_int_equal(count(&f, "arp_spoof", "gateway_mac_changed"), 1);
	d = first(&f, "arp_spoof");
	assert_string_equal(json_string_value(json_object_get(d, "severity")),
	    "critical");
	done(e, &f);
}

static void
t_arp_gateway_learned(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	/* The router answers for 10.0.0.1 and forwards office traffic out. */
	pk_arp(&p, 1000, 2, 1, "10.0.0.1", 5, "10.0.0.5");
	feed(e, &p);
	pk_tcp(&p, 1100, "10.0.0.5", "93.184.216.34", 50000, 443, TH_SYN);
	p.has_mac = true;
	pk_mac(p.smac, 5);
	pk_mac(p.dmac, 1);
	feed(e, &p);
	pk_arp(&p, 900000, 2, 66, "10.0.0.1", 5, "10.0.0.5");
	feed(e, &p);
	assert_int_equal(count(&f, "arp_spoof", "gateway_mac_changed"), 1);
	done(e, &f);
}

static void
t_arp_unsolicited(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	for (int i = 0; i < 3; i++) {
		pk_arp(&p, 1000 + i * 10000, 2, 66, "10.0.0.30", 5, "10.0.0.5");
		feed(e, &p);
	}
	assert_int_equal(count(&f, "arp_spoof", "unsolicited_replies"), 1);
	done(e, &f);
}

static void
t_arp_normal_and_dhcp_quiet(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	for (int i = 0; i < 5; i++) {
		/* request, reply */
		pk_arp(&p, 1000 + i * 60000, 1, 5, "10.0.0.5", 0xffffff, "10.0.0.1");
		feed(e, &p);
		pk_arp(&p, 1001 + i * 60000, 2, 1, "10.0.0.1", 5, "10.0.0.5");
		feed(e, &p);
	}
	/* DHCP renewal: RFC 5227 probe from 0.0.0.0, then announcement. */
	pk_arp(&p, 400000, 1, 5, "0.0.0.0", 0, "10.0.0.5");
	feed(e, &p);
	pk_arp(&p, 401000, 1, 5, "10.0.0.5", 0, "10.0.0.5");
	feed(e, &p);
	pkt_engine_flush(e, 500000, true);
	assert_int_equal(json_array_size(f.all), 0);
	done(e, &f);
}

static void
t_arp_gratuitous_storm(void **state)
{
	struct found		 f, g;
	struct pkt_engine	*e = engine(NULL, &f), *q = engine(NULL, &g);
	struct pkt		 p;

	(void)state;
	for (int i = 0; i < 10; i++) {
		pk_arp(&p, 1000 + i * 500, 1, 7, "10.0.0.7", 0, "10.0.0.7");
		feed(e, &p);
		if (i < 9)
			feed(q, &p);
	}
	assert_int_equal(count(&f, "arp_spoof", "gratuitous_storm"), 1);
	assert_int_equal(json_array_size(g.all), 0);
	done(e, &f);
	done(q, &g);
}

static void
t_arp_mac_many_ips(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	struct pkt		 p;

	(void)state;
	/* As in arppoison: the attacker's own IP, then the gateway's,
	 * claimed in a reply no one asked for. */
	pk_arp(&p, 1000, 1, 66, "10.0.0.105", 0xffffff, "10.0.0.5");
	feed(e, &p);
	pk_arp(&p, 2000, 2, 66, "10.0.0.1", 5, "10.0.0.5");
	feed(e, &p);
	assert_int_equal(count(&f, "arp_spoof", "mac_multiple_ips"), 1);
	done(e, &f);
}

/* ---- new devices -------------------------------------------------------- */

static void
t_new_device(void **state)
{
	struct found		 f;
	char			 oui[] = "/tmp/test_detect_ouiXXXXXX";
	int			 fd = mkstemp(oui);
	char			 ini[256];
	struct pkt_engine	*e;
	struct pkt		 p;
	json_t			*d;

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "52-54-00   (hex)\t\tExample Networks Ltd.\n", 40) == 40);
	close(fd);
	snprintf(ini, sizeof(ini), "[packet]\nnewdev_learning = 10s\noui_file = %s\n",
	    oui);
	e = engine(ini, &f);
	pk_arp(&p, 1000, 1, 5, "10.0.0.5", 0xffffff, "10.0.0.1");
	feed(e, &p);
	/* Seen during learning, seen again later: known. */
	pk_arp(&p, 20000, 1, 5, "10.0.0.5", 0xffffff, "10.0.0.1");
	feed(e, &p);
	assert_int_equal(count(&f, "new_device", NULL), 0);
	/* A new MAC after learning. */
	pk_arp(&p, 30000, 1, 77, "10.0.0.77", 0xffffff, "10.0.0.1");
	feed(e, &p);
	assert_int_equal(count(&f, "new_device", NULL), 1);
	d = json_object_get(first(&f, "new_device"), "evidence");
	assert_string_equal(json_string_value(json_object_get(d, "vendor")),
	    "Example Networks Ltd.");
	assert_string_equal(json_string_value(json_object_get(d, "ip")),
	    "10.0.0.77");
	/* A known MAC with a new office IP. */
	pk_arp(&p, 40000, 1, 5, "10.0.0.6", 0xffffff, "10.0.0.1");
	feed(e, &p);
	assert_int_equal(count(&f, "new_device", NULL), 2);
	/* DHCP renewal of a known device: nothing. */
	pk_arp(&p, 50000, 1, 77, "0.0.0.0", 0, "10.0.0.77");
	feed(e, &p);
	pk_arp(&p, 50100, 1, 77, "10.0.0.77", 0, "10.0.0.77");
	feed(e, &p);
	assert_int_equal(count(&f, "new_device", NULL), 2);
	unlink(oui);
	done(e, &f);
}

/* ---- DNS ----------------------------------------------------------------- */

static void
query(struct pkt_engine *e, int64_t t, const char *client, const char *name)
{
	static uint8_t	buf[512];
	struct pkt	p;
	size_t		n = dns_query_bytes(buf, sizeof(buf), name, 16, false, 0);

	pk_udp(&p, t, client, "10.0.0.2", 40000, 53, buf, n);
	feed(e, &p);
}

static void
t_dns_tunnel(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	char			 name[200];

	(void)state;
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name),
		    "%02dmrxhg5dboaxgg33omyxhi6dupqytgq3xk7v2.t1.example.com", i);
		query(e, 1000 + i, "10.0.0.5", name);
	}
	assert_int_equal(count(&f, "dns_tunnel", NULL), 1);
	assert_string_equal(json_string_value(json_object_get(first(&f,
	    "dns_tunnel"), "key")), "dns_tunnel:10.0.0.5:example.com");
	done(e, &f);
}

static void
t_dns_normal_quiet(void **state)
{
	static const char *const names[] = { "www.example.com", "mail.gov.cn",
	    "a1234.dscb.akamaiedge.net", "www.baidu.com", "r3---sn-q4fl6n7s.googlevideo.com",
	    "my-loadbalancer-1234567890.us-west-2.elb.amazonaws.com",
	    "4.3.2.1.in-addr.arpa",
	    "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa",
	    "printer.local", "time.windows.com", "ocsp.digicert.com" };
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);

	(void)state;
	for (int r = 0; r < 5; r++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			query(e, 1000 + r * 100 + (int64_t)i, "10.0.0.5", names[i]);
	assert_int_equal(json_array_size(f.all), 0);
	done(e, &f);
}

static void
t_dns_unique_subdomains(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine("[packet]\ndns_unique = 40\n", &f);
	char			 name[64];

	(void)state;
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "h%d.dga.example.net", i * 7919);
		query(e, 1000 + i, "10.0.0.5", name);
	}
	assert_int_equal(count(&f, "dns_tunnel", NULL), 1);
	done(e, &f);
}

static void
nx(struct pkt_engine *e, int n)
{
	static uint8_t	buf[512];
	struct pkt	p;
	size_t		len;
	char		name[64];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "x%d.example.org", i);
		len = dns_query_bytes(buf, sizeof(buf), name, 1, true, 3);
		pk_udp(&p, 1000 + i * 100, "10.0.0.2", "10.0.0.5", 53, 40000, buf,
		    len);
		feed(e, &p);
	}
}

static void
t_nxdomain_storm(void **state)
{
	struct found		 f, g;
	struct pkt_engine	*e = engine(NULL, &f), *q = engine(NULL, &g);

	(void)state;
	nx(e, 50);
	nx(q, 49);
	assert_int_equal(count(&f, "nxdomain_storm", NULL), 1);
	assert_int_equal(json_array_size(g.all), 0);
	done(e, &f);
	done(q, &g);
}

/* ---- cleartext and block list -------------------------------------------- */

static void
payload(struct pkt_engine *e, const char *src, const char *dst, uint16_t dport,
    const char *text)
{
	struct pkt	p;

	pk_tcp(&p, 1000, src, dst, 50000, dport, TH_PSH | TH_ACK);
	p.payload = (const uint8_t *)text;
	p.paylen = strlen(text);
	feed(e, &p);
}

static void
t_cleartext(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);
	json_t			*d;

	(void)state;
	payload(e, "10.0.0.5", "10.0.0.21", 21, "USER alice\r\n");
	payload(e, "10.0.0.5", "10.0.0.21", 21, "PASS secret\r\n");	/* folds */
	payload(e, "10.0.0.5", "10.0.0.23", 23, "\xff\xfb\x18");
	payload(e, "10.0.0.5", "10.0.0.80", 80,
	    "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6cHc=\r\n\r\n");
	payload(e, "10.0.0.5", "10.0.0.143", 143, "a1 LOGIN bob pw\r\n");
	payload(e, "10.0.0.5", "10.0.0.110", 110, "USER carol\r\n");
	assert_int_equal(count(&f, "cleartext_auth", NULL), 5);
	d = json_object_get(first(&f, "cleartext_auth"), "evidence");
	assert_string_equal(json_string_value(json_object_get(d, "user")), "alice");
	{
		char	*all = json_dumps(f.all, 0);

		assert_null(strstr(all, "secret"));	/* never the password */
		free(all);
	}
	done(e, &f);
}

static void
t_cleartext_near_misses(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);

	(void)state;
	/* Outside hosts only (the POP3 capture), plain HTTP, TLS on 993. */
	payload(e, "12.234.13.202", "161.58.73.170", 110, "USER x\r\n");
	payload(e, "10.0.0.5", "10.0.0.80", 80, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	payload(e, "10.0.0.5", "10.0.0.80", 80,
	    "GET / HTTP/1.1\r\n\r\nAuthorization: Basic in-the-body\r\n");
	payload(e, "10.0.0.5", "10.0.0.143", 993, "a1 LOGIN bob pw\r\n");
	assert_int_equal(json_array_size(f.all), 0);
	done(e, &f);
}

static void
t_blocklist(void **state)
{
	struct found		 f;
	char			 path[] = "/tmp/test_detect_blXXXXXX";
	int			 fd = mkstemp(path);
	char			 ini[256];
	struct pkt_engine	*e;
	struct pkt		 p;
	const char		*list = "# bad\n203.0.113.0/24\n198.51.100.7 # one\n"
				    "\n2001:db8:bad::/48\n";

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, list, strlen(list)) == (ssize_t)strlen(list));
	close(fd);
	snprintf(ini, sizeof(ini), "[packet]\nblocklist = %s\n", path);
	e = engine(ini, &f);
	pk_tcp(&p, 1000, "10.0.0.5", "203.0.113.77", 50000, 443, TH_SYN);
	feed(e, &p);
	pk_tcp(&p, 1001, "10.0.0.5", "203.0.113.77", 50000, 443, TH_ACK);
	feed(e, &p);					/* folds */
	pk_udp(&p, 1002, "198.51.100.7", "10.0.0.5", 53, 40000, NULL, 0);
	feed(e, &p);
	pk_tcp(&p, 1003, "2001:db8:bad::1", "fd00::5", 443, 50000, TH_ACK);
	feed(e, &p);
	pk_tcp(&p, 1004, "10.0.0.5", "203.0.114.1", 50000, 443, TH_SYN);
	feed(e, &p);					/* not listed */
	assert_int_equal(count(&f, "blocklist", NULL), 3);
	done(e, &f);
	unlink(path);
}

static void
t_blocklist_bad_line(void **state)
{
	char			 path[] = "/tmp/test_detect_blXXXXXX";
	int			 fd = mkstemp(path);
	struct blockrange	*r;
	size_t			 n;
	char			 why[512], want[600];

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "10.0.0.0/8\n10.0.0.300\n", 22) == 22);
	close(fd);
	assert_int_equal(blocklist_load(path, &r, &n, why, sizeof(why)), -1);
	snprintf(want, sizeof(want), "%s:2: '10.0.0.300' is not an IP address "
	    "or CIDR prefix", path);
	assert_string_equal(why, want);
	unlink(path);
}

/* ---- configuration and memory -------------------------------------------- */

static void
t_conf_errors(void **state)
{
	static const struct { const char *ini, *want; } bad[] = {
		{ "[packet]\nhome_net = 10.0.0.0/33\n", "test.ini:2:" },
		{ "[packet]\n\nportscan_ports = 1\n", "test.ini:3:" },
		{ "[packet]\ndisable = port_scan, portscan\n", "test.ini:2:" },
		{ "[packet]\nhttp_ports = 80, 99999\n", "test.ini:2:" },
		{ "[packet]\nmemory_cap = 1k\n", "test.ini:2:" },
	};
	struct conf_err	 err;
	struct pkt_conf	 pc;
	struct conf	*c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = conf_load_string("test.ini", bad[i].ini, &err);
		assert_non_null(c);
		assert_int_equal(pkt_conf_load(c, &pc, &err), -1);
		if (strncmp(err.msg, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("%s: got '%s'", bad[i].ini, err.msg);
		conf_free(c);
	}
	c = conf_load_string("test.ini", "[packet]\ninterfaces = eth0, eth1\n"
	    "disable = udp_flood\n", &err);
	assert_non_null(c);
	assert_int_equal(pkt_conf_load(c, &pc, &err), 0);
	assert_true(pc.enabled);
	assert_true(pc.disabled[pkt_type_id("udp_flood")]);
	assert_false(pc.disabled[pkt_type_id("port_scan")]);
	assert_int_equal(*(int *)pkt_conf_field(&pc, "portscan_ports"), 15);
	assert_int_equal(*(int *)pkt_conf_field(&pc, "addrscan_hosts"), 25);
	assert_int_equal(*(int64_t *)pkt_conf_field(&pc, "portscan_window"),
	    300000);
	assert_null(pkt_conf_field(&pc, "portscan"));
	conf_free(c);
}

/*
 * The shipped example's [packet] shows every option with its default:
 * uncommented, it must parse and give exactly the defaults, and name
 * every option.
 */
static void
t_conf_example_is_the_defaults(void **state)
{
	char		*text;
	struct conf	*c;
	struct conf_err	 err;
	struct pkt_conf	 pc, def;
	int		 opts = 0;

	(void)state;
	text = conf_example_text("agent.ini", "packet", &opts);
	assert_non_null(text);
	c = conf_load_string("agent.ini", text, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	if (pkt_conf_load(c, &pc, &err) == -1)
		fail_msg("%s", err.msg);
	if (conf_check_unused(c, &err) == -1)
		fail_msg("%s", err.msg);
	assert_int_equal(pkt_conf_defaults(&def, &err), 0);
	pc.enabled = def.enabled;
	assert_memory_equal(&pc, &def, sizeof(pc));
	assert_int_equal(opts, 48);	/* every row of packet_opts */
	conf_free(c);
	free(text);
}

/* ---- the detector registry ---------------------------------------------- */

/* Every [packet] option table: the engine's, then each detector's. */
static int
all_opt_tables(const struct conf_opt **t, size_t *size)
{
	int	n = 0;

	t[n] = pkt_engine_opts;
	size[n++] = sizeof(struct pkt_conf);
	for (int i = 0; detector_registry[i] != NULL; i++) {
		t[n] = detector_registry[i]->options;
		size[n++] = detector_registry[i]->conf_size;
	}
	return n;
}

/*
 * The registry is consistent: option names unique over the whole
 * [packet] section and inside each detector's struct; every table
 * declared once (a unique name, an entry that holds header and key, a
 * share of memory_cap; all shares with the probe table under the cap);
 * every type named, and no type reported by two detectors; the option
 * structs fit struct pkt_conf; every hook has a protocol and a function.
 */
static void
t_registry_consistent(void **state)
{
	const struct conf_opt	*opts[PKT_DETECTORS_MAX + 1];
	size_t			 sizes[PKT_DETECTORS_MAX + 1];
	const char		*names[256], *tabs[64], *types[PKT_TYPES_MAX];
	unsigned		 permille = 0;
	int			 nt, nn = 0, ntab = 0, ntypes = 0, ndet = 0;
	struct pkt_conf		*pc = calloc(1, sizeof(*pc));

	(void)state;
	assert_non_null(pc);
	for (; detector_registry[ndet] != NULL; ndet++)
		;
	assert_true(ndet >= 1 && ndet <= PKT_DETECTORS_MAX);
	nt = all_opt_tables(opts, sizes);
	for (int k = 0; k < nt; k++)
		for (const struct conf_opt *o = opts[k]; o && o->name; o++) {
			assert_true(o->name[0] != '\0');
			assert_true(o->off + (o->size ? o->size : 1) <= sizes[k]);
			for (int j = 0; j < nn; j++)
				if (strcmp(names[j], o->name) == 0)
					fail_msg("option %s declared twice", o->name);
			assert_true(nn < 256);
			names[nn++] = o->name;
		}
	assert_int_equal(nn, 48);	/* as conf/agent.ini documents */
	/* Each detector's option struct lies inside pc->dconf, apart. */
	assert_true((char *)pkt_conf_detector(pc, ndet) <=
	    (char *)pc->dconf + sizeof(pc->dconf));
	for (int i = 0; i + 1 < ndet; i++)
		assert_true((char *)pkt_conf_detector(pc, i) +
		    detector_registry[i]->conf_size <=
		    (char *)pkt_conf_detector(pc, i + 1));

	for (int i = -1; i < ndet; i++) {
		const struct detector_ops *d = i < 0 ? NULL : detector_registry[i];
		const struct det_table *t = d ? d->tables : engine_tables;
		int		 ntypes_d = 0, nhooks = 0;

		for (; t != NULL && t->name != NULL; t++) {
			for (int j = 0; j < ntab; j++)
				if (strcmp(tabs[j], t->name) == 0)
					fail_msg("table %s declared twice", t->name);
			tabs[ntab++] = t->name;
			assert_true(t->esize >= sizeof(struct pt_hdr) + t->klen);
			assert_true(t->klen > 0 && t->permille > 0);
			assert_true(t->ttl != NULL || t->ttl_ms > 0);
			assert_true(t->off + sizeof(struct ptab) <=
			    (d ? d->state_size : sizeof(struct pkt_engine)));
			permille += t->permille;
		}
		if (d == NULL)
			continue;
		assert_non_null(d->name);
		assert_non_null(d->types);
		for (const char *const *ty = d->types; *ty != NULL; ty++) {
			assert_true((*ty)[0] != '\0');
			for (int j = 0; j < ntypes; j++)
				if (strcmp(types[j], *ty) == 0)
					fail_msg("type %s in two detectors", *ty);
			assert_true(ntypes < PKT_TYPES_MAX);
			assert_int_equal(pkt_type_id(*ty), ntypes);
			types[ntypes++] = *ty;
			ntypes_d++;
		}
		assert_true(ntypes_d >= 1);
		for (const struct det_hook *h = d->packet; h && h->packet; h++) {
			assert_true(h->stage < PKT_STAGES);
			assert_true((h->tcp_want & ~h->tcp_mask) == 0);
			nhooks++;
		}
		if (nhooks == 0)
			fail_msg("detector %s wants no packets", d->name);
	}
	/* The scan detector's probe table takes another 5%. */
	assert_true(permille + 50 <= 1000);
	assert_int_equal(ntypes, pkt_type_count());
	assert_int_equal(ntypes, 12);
	assert_string_equal(pkt_type_name(ntypes), "unknown");
	assert_int_equal(pkt_type_id("portscan"), -1);
	free(pc);
}

static int
hooks_on(const struct pkt_engine *e, int stage)
{
	int	n = 0;

	while (e->hooks[0][stage][n].fn != NULL)
		n++;
	return n;
}

/* Each protocol's dispatch array holds only the detectors that want it. */
static void
t_dispatch_only_wanted(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine(NULL, &f);

	(void)state;
	assert_int_equal(hooks_on(e, DET_MAC), 1);	/* new devices */
	assert_int_equal(hooks_on(e, DET_ARP), 2);	/* ARP, sweeps */
	assert_int_equal(hooks_on(e, DET_IP), 0);	/* no block list file */
	assert_int_equal(hooks_on(e, DET_TCP), 4);	/* router, scan, flood, auth */
	assert_int_equal(hooks_on(e, DET_UDP), 3);	/* scan, flood, DNS */
	assert_int_equal(hooks_on(e, DET_ICMP), 2);	/* scan, flood */
	/* The agent's own checks: not to scans and floods. */
	assert_non_null(e->hooks[1][DET_TCP][0].fn);	/* router learning */
	assert_null(e->hooks[1][DET_TCP][2].fn);	/* and cleartext */
	assert_null(e->hooks[1][DET_ICMP][0].fn);
	done(e, &f);
	/* A detector whose every type is disabled is not called at all. */
	e = engine("[packet]\ndisable = port_scan, address_scan, ping_sweep, "
	    "new_device\n", &f);
	assert_int_equal(hooks_on(e, DET_MAC), 0);
	assert_int_equal(hooks_on(e, DET_ARP), 1);
	assert_int_equal(hooks_on(e, DET_TCP), 3);
	assert_int_equal(hooks_on(e, DET_ICMP), 1);
	done(e, &f);
}

static void
t_disable(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine("[packet]\ndisable = port_scan\n", &f);

	(void)state;
	syn_probes(e, 50, TH_SYN, 1000);
	pkt_engine_flush(e, 600000, true);
	assert_int_equal(json_array_size(f.all), 0);
	done(e, &f);
}

static void
t_memory_cap_spoofed_million(void **state)
{
	struct found		 f;
	struct pkt_engine	*e = engine("[packet]\nmemory_cap = 2M\n", &f);
	struct pkt		 p;

	(void)state;
	assert_true(pkt_engine_bytes(e) <= 2 * 1024 * 1024);
	for (uint32_t i = 0; i < 300000; i++) {
		pk_tcp(&p, 1000000 + i / 50, "1.1.1.1", "10.0.0.80",
		    (uint16_t)(1024 + i % 60000), 80, TH_SYN);
		paddr_from_v4(&p.src, (i + 1) * 2654435761u);
		feed(e, &p);
	}
	pkt_engine_flush(e, 1000000 + 7000, true);
	assert_true(e->st.evictions > 0);		/* counted, no crash */
	assert_int_equal(count(&f, "syn_flood", NULL), 1);	/* still seen */
	done(e, &f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_portscan_syn_unanswered),
		cmocka_unit_test(t_portscan_14_ports_quiet),
		cmocka_unit_test(t_portscan_rst_answers),
		cmocka_unit_test(t_portscan_answered_is_quiet),
		cmocka_unit_test(t_portscan_kinds),
		cmocka_unit_test(t_ack_of_real_connections_quiet),
		cmocka_unit_test(t_udp_scan_icmp_unreachable),
		cmocka_unit_test(t_dns_client_quiet),
		cmocka_unit_test(t_portscan_allowlist),
		cmocka_unit_test(t_portscan_threshold_config),
		cmocka_unit_test(t_address_scan),
		cmocka_unit_test(t_address_scan_24_and_busy_client_quiet),
		cmocka_unit_test(t_ping_sweep),
		cmocka_unit_test(t_ping_monitor_answered_quiet),
		cmocka_unit_test(t_arp_sweep),
		cmocka_unit_test(t_own_checks_are_no_scan),
		cmocka_unit_test(t_syn_flood_spoofed),
		cmocka_unit_test(t_syn_busy_server_quiet),
		cmocka_unit_test(t_syn_usual_rate_quiet),
		cmocka_unit_test(t_icmp_flood),
		cmocka_unit_test(t_udp_flood_and_download),
		cmocka_unit_test(t_arp_flip_flop),
		cmocka_unit_test(t_arp_change_after_silence_quiet),
		cmocka_unit_test(t_arp_gateway),
		cmocka_unit_test(t_arp_gateway_learned),
		cmocka_unit_test(t_arp_unsolicited),
		cmocka_unit_test(t_arp_normal_and_dhcp_quiet),
		cmocka_unit_test(t_arp_gratuitous_storm),
		cmocka_unit_test(t_arp_mac_many_ips),
		cmocka_unit_test(t_new_device),
		cmocka_unit_test(t_dns_tunnel),
		cmocka_unit_test(t_dns_normal_quiet),
		cmocka_unit_test(t_dns_unique_subdomains),
		cmocka_unit_test(t_nxdomain_storm),
		cmocka_unit_test(t_cleartext),
		cmocka_unit_test(t_cleartext_near_misses),
		cmocka_unit_test(t_blocklist),
		cmocka_unit_test(t_blocklist_bad_line),
		cmocka_unit_test(t_conf_errors),
		cmocka_unit_test(t_conf_example_is_the_defaults),
		cmocka_unit_test(t_registry_consistent),
		cmocka_unit_test(t_dispatch_only_wanted),
		cmocka_unit_test(t_disable),
		cmocka_unit_test(t_memory_cap_spoofed_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
