/*
 * The collector's options, one table row each (after Redis' config.c).
 * Every option is documented in conf/collector.ini, which a unit test
 * parses.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "collector/collector.h"
#include "common/log.h"

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };

int
collector_split_addr(const char *s, char *host, size_t hostlen, uint16_t *port,
    char *why, size_t whylen)
{
	const char	*colon, *h = s;
	size_t		 hl;
	int64_t		 p;
	unsigned char	 tmp[16];

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':') {
			snprintf(why, whylen, "'%s': expected [IPV6]:PORT", s);
			return -1;
		}
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s))) {
			snprintf(why, whylen, "'%s': expected HOST:PORT "
			    "(e.g. 0.0.0.0:8443 or [::1]:8443)", s);
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen) {
		snprintf(why, whylen, "'%s': missing or too long address", s);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, tmp) != 1 &&
	    inet_pton(AF_INET6, host, tmp) != 1) {
		snprintf(why, whylen, "'%s' is not a numeric IPv4 or IPv6 "
		    "address", host);
		return -1;
	}
	if (parse_i64(colon + 1, 1, 65535, &p, why, whylen) == -1)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int
validate_listen(const void *field, char *why, size_t whylen)
{
	char		host[COLLECTOR_ADDR_MAX];
	uint16_t	port;

	return collector_split_addr(field, host, sizeof(host), &port, why,
	    whylen);
}

/*
 * The admin API has no access control yet (a later issue adds it), so it
 * must not be reachable from the network.
 */
static int
validate_admin_listen(const void *field, char *why, size_t whylen)
{
	char		host[COLLECTOR_ADDR_MAX];
	uint16_t	port;

	if (collector_split_addr(field, host, sizeof(host), &port, why,
	    whylen) == -1)
		return -1;
	if (strncmp(host, "127.", 4) != 0 && strcmp(host, "::1") != 0) {
		snprintf(why, whylen, "'%s' is not a loopback address; the "
		    "admin API has no access control yet, bind it to "
		    "127.0.0.1 or ::1", host);
		return -1;
	}
	return 0;
}

#define SRV(f)	offsetof(struct collector_conf, f)

static const struct conf_opt server_opts[] = {
	{ "listen", CONF_STR, SRV(listen), sizeof(((struct collector_conf *)0)->listen),
	  0, 0, "0.0.0.0:8443", NULL, validate_listen,
	  "address:port of the agent endpoint (HTTPS)" },
	{ "cert", CONF_STR, SRV(cert), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/server.crt", NULL, NULL, "server certificate (PEM)" },
	{ "key", CONF_STR, SRV(key), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/server.key", NULL, NULL, "server private key (PEM)" },
	{ "ca", CONF_STR, SRV(ca), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/ca.crt", NULL, NULL,
	  "CA that signs agent certificates (PEM)" },
	{ "max_body", CONF_SIZE, SRV(max_body), 0, 1024, 1024LL * 1024 * 1024,
	  "16M", NULL, NULL, "largest request body, after decompression too" },
	{ "max_batch", CONF_INT, SRV(max_batch), 0, 1, 100000, "5000", NULL,
	  NULL, "most events in one batch" },
	{ "max_connections", CONF_INT, SRV(max_connections), 0, 1, 100000,
	  "1024", NULL, NULL, "concurrent agent connections" },
	{ "timeout", CONF_DURATION, SRV(timeout_ms), 0, 1000, 3600000, "30s",
	  NULL, NULL, "read/write timeout of an agent connection" },
	{ "timezone", CONF_STR, SRV(timezone), 64, 0, 0, "Asia/Shanghai", NULL,
	  NULL, "time zone of the times in logs" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt store_opts[] = {
	{ "path", CONF_STR, SRV(store_path), COLLECTOR_PATH_MAX, 0, 0,
	  "/var/lib/shaobing/collector.db", NULL, NULL, "SQLite database" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt admin_opts[] = {
	{ "listen", CONF_STR, SRV(admin_listen), COLLECTOR_ADDR_MAX, 0, 0,
	  "127.0.0.1:8444", NULL, validate_admin_listen,
	  "address:port of the admin API (plain HTTP, loopback only)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt uptime_opts[] = {
	{ "gap_factor", CONF_DOUBLE, SRV(gap_factor), 0, 1, 1000, "3", NULL,
	  NULL, "a heartbeat gap above interval x gap_factor counts as down" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt log_opts[] = {
	{ "level", CONF_ENUM, SRV(log_level), 0, 0, 0, "info", log_levels,
	  NULL, "error, warn, info or debug" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

int
collector_conf_load(const char *path, struct collector_conf *cc,
    struct conf_err *err)
{
	struct conf	*c;
	int		 rc = -1;

	memset(cc, 0, sizeof(*cc));
	c = path ? conf_load(path, err) : conf_new_empty("(defaults)");
	if (c == NULL)
		goto out;
	if (conf_apply(c, "server", server_opts, cc, err) == -1 ||
	    conf_apply(c, "store", store_opts, cc, err) == -1 ||
	    conf_apply(c, "admin", admin_opts, cc, err) == -1 ||
	    conf_apply(c, "uptime", uptime_opts, cc, err) == -1 ||
	    conf_apply(c, "log", log_opts, cc, err) == -1 ||
	    schedule_conf_load(c, &cc->schedule, err) == -1 ||
	    notify_conf_load(c, &cc->notify, err) == -1 ||
	    incidents_conf_load(c, &cc->incidents, err) == -1 ||
	    conf_check_unused(c, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		collector_conf_free(cc);
	conf_free(c);
	return rc;
}

void
collector_conf_free(struct collector_conf *cc)
{
	if (cc == NULL)
		return;
	schedule_conf_free(&cc->schedule);
	notify_conf_free(&cc->notify);
}
