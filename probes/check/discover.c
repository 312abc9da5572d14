/*
 * shaobing-agent --discover CIDR [--community C] [--rate N]
 *
 * Finds equipment on one IPv4 network: an ICMP echo to every address (at
 * most N requests a second), then an SNMP v2c GET of the system group to
 * each address that answered, CHECK_DEVICE_CONCURRENCY at a time.
 * Prints a candidate [target] section per device for the administrator
 * to review and paste into agent.ini; it configures nothing itself.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "probes/check/check.h"
#include "probes/check/icmp.h"
#include "probes/check/snmp.h"

#define DISCOVER_PREFIX_MIN	16	/* at most 65,536 addresses */

static void
usage(FILE *f)
{
	fprintf(f, "usage: shaobing-agent --discover CIDR [--community C] "
	    "[--rate N] [--timeout DUR]\n"
	    "  CIDR: an IPv4 network, /%d or longer (e.g. 192.168.1.0/24)\n"
	    "  --community  SNMP v2c community to try (default public)\n"
	    "  --rate       ICMP echo requests a second, at most (default 200)\n"
	    "  prints candidate [target] sections; configures nothing\n",
	    DISCOVER_PREFIX_MIN);
}

/* "A.B.C.D/P" → first address and count (host order). 0, or -1 with why. */
static int
cidr_parse(const char *s, uint32_t *first, uint32_t *count, char *why,
    size_t whylen)
{
	char		 ip[16];
	const char	*slash = strchr(s, '/');
	int64_t		 p;
	struct in_addr	 a;
	uint32_t	 mask;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip)) {
		snprintf(why, whylen, "expected A.B.C.D/PREFIX");
		return -1;
	}
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1) {
		snprintf(why, whylen, "'%s' is not an IPv4 address", ip);
		return -1;
	}
	if (parse_i64(slash + 1, DISCOVER_PREFIX_MIN, 32, &p, why, whylen) ==
	    -1)
		return -1;
	mask = p == 0 ? 0 : 0xffffffffu << (32 - p);
	*first = ntohl(a.s_addr) & mask;
	*count = (uint32_t)(1ull << (32 - p));
	/* Not the network and broadcast addresses of a real subnet. */
	if (p <= 30) {
		(*first)++;
		*count -= 2;
	}
	return 0;
}

struct disc {
	struct icmp_host	*h;
	size_t			*idx;		/* hosts that answered */
	size_t			 n;
	struct snmp_dev		*d;
	int			*ok;
	const char		*community;
	int64_t			 timeout_ms;
	atomic_size_t		 next;
};

static void *
disc_worker(void *arg)
{
	struct disc	*x = arg;
	size_t		 i;

	while ((i = atomic_fetch_add(&x->next, 1)) < x->n) {
		struct snmp_opts	o;
		char			ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &x->h[x->idx[i]].addr.sin_addr, ip,
		    sizeof(ip));
		memset(&o, 0, sizeof(o));
		o.host = ip;
		o.port = 161;
		o.version = 2;
		o.community = x->community;
		o.timeout_ms = x->timeout_ms;
		o.retries = 0;
		o.sys_only = true;
		x->ok[i] = snmp_query(&o, &x->d[i]) == 0;
	}
	return NULL;
}

/* A guess at the kind, from the vendor; the administrator corrects it. */
static const char *
guess_kind(const char *vendor, const char *descr)
{
	static const struct { const char *v, *kind; } g[] = {
		{ "Brother", "printer" }, { "Canon", "printer" },
		{ "Epson", "printer" }, { "Kyocera", "printer" },
		{ "Lexmark", "printer" }, { "Ricoh", "printer" },
		{ "Xerox", "printer" }, { "Konica Minolta", "printer" },
		{ "APC", "ups" }, { "Eaton", "ups" }, { "Santak", "ups" },
		{ "Hikvision", "camera" }, { "Dahua", "camera" },
		{ "Cisco", "switch" }, { "Huawei", "switch" }, { "H3C", "switch" },
		{ "Ruijie", "switch" }, { "TP-Link", "switch" },
		{ "Juniper", "router" }, { "MikroTik", "router" },
		{ "Microsoft", "pc" },
	};

	for (size_t i = 0; vendor != NULL && i < sizeof(g) / sizeof(g[0]); i++)
		if (strcmp(vendor, g[i].v) == 0)
			return g[i].kind;
	if (descr != NULL && strstr(descr, "Windows") != NULL)
		return "pc";
	return "other";
}

/* A [target] name from sysName (A-Z a-z 0-9 . _ -), else from the address. */
static void
target_name(const char *sysname, const char *ip, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = sysname; *p != '\0' && n + 1 < len && n < 63; p++)
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
		    *p == '-')
			out[n++] = *p;
	out[n] = '\0';
	if (n == 0) {
		snprintf(out, len, "dev-%s", ip);
		for (char *p = out; *p != '\0'; p++)
			if (*p == '.')
				*p = '-';
	}
}

int
discover_main(int argc, char **argv)
{
	const char	*cidr = NULL, *community = "public";
	int64_t		 rate = 200, timeout = 1000;
	uint32_t	 first, count;
	struct disc	 x;
	struct icmp_opts o;
	char		 why[256];
	int		 rc = 2;
	size_t		 nthr, answered = 0;
	pthread_t	 thr[CHECK_DEVICE_CONCURRENCY];

	memset(&x, 0, sizeof(x));
	log_init("shaobing-agent", 0, LOG_LVL_WARN);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (i + 1 >= argc && (strcmp(a, "--discover") == 0 ||
		    strcmp(a, "--community") == 0 || strcmp(a, "--rate") == 0 ||
		    strcmp(a, "--timeout") == 0)) {
			fprintf(stderr, "shaobing-agent: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--discover") == 0) {
			cidr = argv[++i];
		} else if (strcmp(a, "--community") == 0) {
			community = argv[++i];
			if (strlen(community) == 0 || strlen(community) > 63) {
				fprintf(stderr, "shaobing-agent: --community: "
				    "1..63 characters\n");
				return 2;
			}
		} else if (strcmp(a, "--rate") == 0) {
			if (parse_i64(argv[++i], 1, 100000, &rate, why,
			    sizeof(why)) == -1) {
				fprintf(stderr, "shaobing-agent: --rate: %s\n", why);
				return 2;
			}
		} else if (strcmp(a, "--timeout") == 0) {
			if (parse_duration_ms(argv[++i], 100, 60000, &timeout, why,
			    sizeof(why)) == -1) {
				fprintf(stderr, "shaobing-agent: --timeout: %s\n",
				    why);
				return 2;
			}
		} else {
			fprintf(stderr, "shaobing-agent: unknown option '%s' for "
			    "--discover\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (cidr == NULL) {
		usage(stderr);
		return 2;
	}
	if (cidr_parse(cidr, &first, &count, why, sizeof(why)) == -1) {
		fprintf(stderr, "shaobing-agent: --discover %s: %s\n", cidr, why);
		return 2;
	}
	if ((x.h = calloc(count, sizeof(*x.h))) == NULL ||
	    (x.idx = calloc(count, sizeof(*x.idx))) == NULL)
		goto nomem;
	for (uint32_t k = 0; k < count; k++) {
		x.h[k].addr.sin_family = AF_INET;
		x.h[k].addr.sin_addr.s_addr = htonl(first + k);
	}
	o.count = 1;
	o.interval_ms = 1000;
	o.timeout_ms = timeout;
	o.concurrency = count;
	o.rate = rate;
	if (icmp_ping(x.h, count, &o, why, sizeof(why)) == -1) {
		fprintf(stderr, "shaobing-agent: --discover: %s\n", why);
		goto out;
	}
	for (uint32_t k = 0; k < count; k++)
		if (x.h[k].received > 0)
			x.idx[x.n++] = k;
	if ((x.d = calloc(x.n ? x.n : 1, sizeof(*x.d))) == NULL ||
	    (x.ok = calloc(x.n ? x.n : 1, sizeof(*x.ok))) == NULL)
		goto nomem;
	x.community = community;
	x.timeout_ms = timeout;
	nthr = x.n < CHECK_DEVICE_CONCURRENCY ? x.n : CHECK_DEVICE_CONCURRENCY;
	for (size_t k = 0; k < nthr; k++)
		if (pthread_create(&thr[k], NULL, disc_worker, &x) != 0) {
			nthr = k;
			break;
		}
	if (nthr == 0)
		disc_worker(&x);
	for (size_t k = 0; k < nthr; k++)
		pthread_join(thr[k], NULL);
	printf("; shaobing-agent --discover %s: %u addresses, %zu answered "
	    "ICMP, ", cidr, count, x.n);
	for (size_t i = 0; i < x.n; i++)
		answered += x.ok[i] != 0;
	printf("%zu answered SNMP (community %s).\n; Review each section, "
	    "then add it to agent.ini.\n", answered,
	    strcmp(community, "public") == 0 ? "public" : "given");
	for (size_t i = 0; i < x.n; i++) {
		const struct icmp_host	*h = &x.h[x.idx[i]];
		const struct snmp_dev	*d = &x.d[i];
		char			 ip[INET_ADDRSTRLEN], name[80], model[96];
		const char		*vendor = x.ok[i] ?
					    snmp_vendor(d->sysobjectid) : NULL;

		inet_ntop(AF_INET, &h->addr.sin_addr, ip, sizeof(ip));
		target_name(x.ok[i] ? d->sysname : "", ip, name, sizeof(name));
		snmp_model(x.ok[i] ? d->sysdescr : "", model, sizeof(model));
		printf("\n; %s: ICMP %.3f ms", ip, h->sum_us / 1000.0 /
		    (h->received ? h->received : 1));
		if (x.ok[i])
			printf(", SNMP: %s%s%s%s", vendor ? vendor : "vendor ?",
			    model[0] ? " — " : "", model, "");
		printf("\n[target %s]\n", name);
		if (x.ok[i]) {
			printf("url = snmp://%s\n", ip);
			if (strcmp(community, "public") != 0)
				printf("community = %s\n", community);
		} else
			printf("url = icmp://%s\n", ip);
		printf("kind = %s\nschedule = %s\n", x.ok[i] ? guess_kind(vendor,
		    d->sysdescr) : "other", "office");
	}
	rc = x.n > 0 ? 0 : 1;
	goto out;
nomem:
	fprintf(stderr, "shaobing-agent: --discover: out of memory\n");
out:
	for (size_t i = 0; x.d != NULL && i < x.n; i++)
		snmp_dev_free(&x.d[i]);
	free(x.d);
	free(x.ok);
	free(x.h);
	free(x.idx);
	return rc;
}
