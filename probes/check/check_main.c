/*
 * shaobing-agent --check URL: one check, a readable report (or --json),
 * exit 0 (no finding), 1 (findings), 2 (could not run).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "probes/check/check.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: shaobing-agent --check URL [--json] [--ca FILE] [--servername NAME]\n"
	    "         [--timeout DUR] [--open PORTS] [--closed PORTS] [--banner DUR]\n"
	    "         [--dns NAME] [--http-port N] [--warn-days N] [--critical-days N]\n"
	    "         [--concurrency N]\n"
	    "         icmp: [--count N] [--interval DUR] [--loss-max PCT]\n"
	    "         snmp: [--community C] [--snmp-user U] [--snmp-auth none|SHA|SHA-256]\n"
	    "               [--snmp-priv none|AES]  (SNMPv3 passphrases from the environment:\n"
	    "               SHAOBING_SNMP_AUTH_PASS, SHAOBING_SNMP_PRIV_PASS)\n"
	    "  URL: tls://HOST[:PORT]  https://HOST[:PORT][/PATH]  smtp|imap|pop3://HOST[:PORT]\n"
	    "       tcp://HOST:PORT[,PORT|,A-B]  dns://HOST[:PORT][/NAME]\n"
	    "       icmp://HOST  snmp://[COMMUNITY@]HOST[:PORT]\n"
	    "  exit 0: up, no finding; 1: findings or the device is down; 2: could not run\n");
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	/* Subjects, SANs, banners, headers: the server chose them. */
	return s ? text_term(s) : "";
}

/* A stored UTC time shown in local time ("2026-11-27 21:37:20"). */
static const char *
local_time(const char *utc, char *buf, size_t len)
{
	int64_t ms;

	if (utc == NULL || time_parse_utc(utc, &ms) == -1 ||
	    time_format_local(ms, buf, len) == -1)
		snprintf(buf, len, "%s", utc ? utc : "?");
	return buf;
}

static void
print_kv_object(const char *label, json_t *o)
{
	const char	*k;
	json_t		*v;
	int		 first = 1;

	if (!json_is_object(o))
		return;
	printf("%-26s", label);
	json_object_foreach(o, k, v) {
		printf("%s%s %s", first ? "" : ", ", text_term(k),
		    text_term(json_string_value(v)));
		first = 0;
	}
	printf("\n");
}

static void
print_tls(json_t *t)
{
	json_t	*c = json_object_get(t, "certificate"), *v, *sans, *http;
	char	 a[32], b[32];
	size_t	 i;

	if (json_object_get(t, "protocol") == NULL) {
		printf("%-26s%s\n", "TLS:", jstr(t, "error"));
		return;
	}
	printf("%-26s%lld ms, %s, %s%s%s\n", "握手 Handshake:",
	    (long long)json_integer_value(json_object_get(t, "handshake_ms")),
	    jstr(t, "protocol"), jstr(t, "cipher"),
	    json_is_string(json_object_get(t, "group")) ? ", " : "",
	    jstr(t, "group"));
	printf("%-26s%s\n", "证书 Subject:", jstr(c, "subject"));
	printf("%-26s%s\n", "签发者 Issuer:", jstr(c, "issuer"));
	printf("%-26s", "备用名 SANs:");
	sans = json_object_get(c, "sans");
	json_array_foreach(sans, i, v)
		printf("%s%s", i ? ", " : "", text_term(json_string_value(v)));
	printf("\n");
	printf("%-26s%s → %s (%lld days left)\n", "有效期 Valid:",
	    local_time(jstr(c, "not_before"), a, sizeof(a)),
	    local_time(jstr(c, "not_after"), b, sizeof(b)),
	    (long long)json_integer_value(json_object_get(c, "days_left")));
	if (json_object_get(t, "chain_min_days") != NULL)
		printf("%-26s%lld days\n", "链最早到期 Chain expiry:",
		    (long long)json_integer_value(json_object_get(t,
		    "chain_min_days")));
	printf("%-26s%s %lld bits, %s\n", "密钥 Key:", jstr(c, "key_type"),
	    (long long)json_integer_value(json_object_get(c, "key_bits")),
	    jstr(c, "sig_alg"));
	printf("%-26s%s\n", "指纹 SHA-256:", jstr(c, "sha256"));
	printf("%-26s%s\n", "链验证 Chain verify:",
	    json_is_true(json_object_get(json_object_get(t, "verify"), "ok")) ?
	    "ok" : "FAILED (see findings)");
	printf("%-26s%s\n", "OCSP 装订 stapling:",
	    json_is_true(json_object_get(t, "ocsp_stapled")) ? "yes" : "no");
	print_kv_object("协议 Protocols:", json_object_get(t, "versions"));
	print_kv_object("弱套件 Weak ciphers:", json_object_get(t, "weak_ciphers"));
	if ((http = json_object_get(t, "http")) != NULL) {
		json_t *st = json_object_get(http, "status");
		json_t *rd = json_object_get(http, "http_redirect");

		printf("%-26s%s %s\n", "HTTP:", jstr(http, "url"),
		    st ? "" : jstr(http, "error"));
		if (st)
			printf("%-26s%lld\n", "  状态 Status:",
			    (long long)json_integer_value(st));
		printf("%-26s%s\n", "  HSTS:", json_object_get(http, "hsts") ?
		    jstr(http, "hsts") : "none");
		printf("%-26s%s\n", "  http:// 跳转 redirect:", json_is_string(rd) ?
		    text_term(json_string_value(rd)) : json_is_false(rd) ? "no" : "-");
	}
}

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
print_device(json_t *rep)
{
	json_t	*ic = json_object_get(rep, "icmp"), *sn = json_object_get(rep,
		    "snmp"), *v, *ups;
	size_t	 i;

	if (json_object_get(rep, "kind") != NULL)
		printf("%-26s%s\n", "类型 Kind:", jstr(rep, "kind"));
	if (ic != NULL)
		printf("%-26s%lld sent, %lld received, %.0f%% loss, rtt "
		    "min/avg/max %.3f/%.3f/%.3f ms\n", "ICMP:", jint(ic, "sent"),
		    jint(ic, "received"), json_real_value(json_object_get(ic,
		    "loss_pct")), json_real_value(json_object_get(ic,
		    "rtt_min_ms")), json_real_value(json_object_get(ic,
		    "rtt_avg_ms")), json_real_value(json_object_get(ic,
		    "rtt_max_ms")));
	if (sn == NULL)
		return;
	printf("%-26s%s\n", "名称 sysName:", jstr(sn, "sysName"));
	printf("%-26s%s\n", "型号 Model:", jstr(sn, "model"));
	printf("%-26s%s (%s)\n", "厂商 Vendor:", jstr(sn, "vendor")[0] ?
	    jstr(sn, "vendor") : "?", jstr(sn, "sysObjectID"));
	printf("%-26s%lld s\n", "运行时间 Uptime:", jint(sn, "sysUpTime") / 100);
	if (json_array_size(json_object_get(sn, "interfaces")) > 0)
		printf("接口 Interfaces:\n");
	json_array_foreach(json_object_get(sn, "interfaces"), i, v)
		printf("  %4lld %-16s admin %-5s oper %-15s %lld Mb/s, errors "
		    "in %lld out %lld\n", jint(v, "index"), jstr(v, "name"),
		    jstr(v, "admin"), jstr(v, "oper"),
		    jint(v, "speed_bps") / 1000000, jint(v, "in_errors"),
		    jint(v, "out_errors"));
	if (json_array_size(json_object_get(sn, "devices")) > 0)
		printf("设备 Devices:\n");
	json_array_foreach(json_object_get(sn, "devices"), i, v)
		printf("  %4lld %-40.40s %s%s%s\n", jint(v, "index"),
		    jstr(v, "descr"), jstr(v, "status"),
		    json_object_get(v, "printer") ? ", printer " : "",
		    jstr(v, "printer"));
	json_array_foreach(json_object_get(sn, "alerts"), i, v)
		printf("  告警 alert %lld: %s %s\n", jint(v, "index"),
		    jstr(v, "name"), jstr(v, "descr"));
	if ((ups = json_object_get(sn, "ups")) != NULL)
		printf("%-26s%s, %lld s on battery, %lld min left\n", "UPS:",
		    jstr(ups, "battery"), jint(ups, "seconds_on_battery"),
		    jint(ups, "minutes_left"));
}

static void
print_report(const struct check_result *r)
{
	json_t	*rep = r->report, *ports, *p, *av, *dns, *f;
	size_t	 i;

	printf("%-26s%s (%s)\n", "目标 Target:", jstr(rep, "url")[0] ?
	    jstr(rep, "url") : jstr(rep, "host"), jstr(rep, "address"));
	if (json_object_get(rep, "tls") != NULL)
		print_tls(json_object_get(rep, "tls"));
	ports = json_object_get(rep, "ports");
	if (json_array_size(ports) > 0) {
		printf("端口 Ports:\n");
		json_array_foreach(ports, i, p) {
			printf("  %5lld/tcp %-11s (must be %s)",
			    (long long)json_integer_value(json_object_get(p, "port")),
			    jstr(p, "state"), jstr(p, "expect"));
			if (json_object_get(p, "connect_ms"))
				printf(" %lld ms", (long long)json_integer_value(
				    json_object_get(p, "connect_ms")));
			if (jstr(p, "banner")[0])
				printf(" \"%s\"", jstr(p, "banner"));
			printf("\n");
		}
	}
	print_device(rep);
	if ((dns = json_object_get(rep, "dns")) != NULL)
		printf("%-26s%s: %s\n", "DNS:", jstr(dns, "name"),
		    json_is_true(json_object_get(dns, "answered")) ? "answered" :
		    jstr(dns, "error"));
	av = json_object_get(rep, "availability");
	printf("%-26s%s", "可用性 Availability:",
	    json_is_true(json_object_get(av, "up")) ? "up 正常" : "DOWN 不可用");
	if (json_is_true(json_object_get(av, "up")))
		printf(" (%lld ms)\n", (long long)json_integer_value(
		    json_object_get(av, "latency_ms")));
	else
		printf(": %s\n", jstr(av, "reason"));
	f = json_object_get(rep, "findings");
	printf("发现 Findings (%zu):\n", json_array_size(f));
	json_array_foreach(f, i, p)
		printf("  [%s] %-20s %s\n", jstr(p, "severity"), jstr(p, "code"),
		    jstr(p, "message"));
}

static int
need_arg(int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "shaobing-agent: %s needs a value\n", argv[i]);
		return -1;
	}
	return 0;
}

/*
 * The icmp:// and snmp:// options are [target] keys: collect them as
 * "key = value" lines and read them with the [target] table's own
 * parsers and ranges (device_apply).  1 taken (*i advanced), 0 not ours,
 * 1 with *i = -1 on a missing or multi-line value.
 */
static const struct { const char *flag, *key; } device_flags[] = {
	{ "--count", "ping_count" }, { "--interval", "ping_interval" },
	{ "--loss-max", "loss_max" }, { "--community", "community" },
	{ "--snmp-user", "snmp_user" }, { "--snmp-auth", "snmp_auth" },
	{ "--snmp-priv", "snmp_priv" }, { "--kind", "kind" },
};

static int
device_opt(char *ini, size_t len, int argc, char **argv, int *i)
{
	size_t used = strlen(ini);

	for (size_t k = 0; k < sizeof(device_flags) / sizeof(device_flags[0]);
	    k++) {
		if (strcmp(argv[*i], device_flags[k].flag) != 0)
			continue;
		if (need_arg(argc, argv, *i) == -1 ||
		    strpbrk(argv[*i + 1], "\r\n") != NULL ||
		    (size_t)snprintf(ini + used, len - used, "%s = %s\n",
		    device_flags[k].key, argv[*i + 1]) >= len - used) {
			fprintf(stderr, "shaobing-agent: %s: bad value\n",
			    argv[*i]);
			*i = -1;
			return 1;
		}
		*i += 1;
		return 1;
	}
	return 0;
}

/* Apply the collected lines over t's defaults; -1 said on stderr. */
static int
device_apply(struct check_target *t, const char *ini)
{
	struct check_target	*tmp = calloc(1, sizeof(*tmp));
	struct conf		*c = NULL;
	struct conf_err		 e;
	const char		*env;
	int			 rc = -1;

	if (tmp == NULL)
		return -1;
	if ((c = conf_load_string("command line", ini, &e)) == NULL ||
	    conf_apply(c, "target cli", check_target_opts, tmp, &e) == -1) {
		fprintf(stderr, "shaobing-agent: %s\n", e.msg);
		goto out;
	}
	t->kind = tmp->kind;
	memcpy(t->community, tmp->community, sizeof(t->community));
	memcpy(t->snmp_user, tmp->snmp_user, sizeof(t->snmp_user));
	t->snmp_auth = tmp->snmp_auth;
	t->snmp_priv = tmp->snmp_priv;
	t->ping_count = tmp->ping_count;
	t->ping_interval_ms = tmp->ping_interval_ms;
	t->loss_max = tmp->loss_max;
	/* SNMPv3: a user makes it v3; secrets never on the command line. */
	if (t->snmp_user[0] != '\0') {
		t->snmp_version = 1;
		if ((env = getenv("SHAOBING_SNMP_AUTH_PASS")) != NULL)
			snprintf(t->snmp_auth_pass, sizeof(t->snmp_auth_pass),
			    "%s", env);
		if ((env = getenv("SHAOBING_SNMP_PRIV_PASS")) != NULL)
			snprintf(t->snmp_priv_pass, sizeof(t->snmp_priv_pass),
			    "%s", env);
	}
	rc = 0;
out:
	conf_free(c);
	free(tmp);
	return rc;
}

int
check_main(int argc, char **argv)
{
	struct check_target	*t = calloc(1, sizeof(*t));
	struct check_result	 r;
	const char		*url = NULL;
	int			 json = 0, rc = 2, tls_url;
	char			 why[512], ini[2048] = "[target cli]\n";

	memset(&r, 0, sizeof(r));
	if (t == NULL)
		return 2;
	log_init("shaobing-agent", 0, LOG_LVL_WARN);
	time_set_zone(getenv("SHAOBING_TZ") ? getenv("SHAOBING_TZ") :
	    "Asia/Shanghai");
	/* A peer that hangs up mid-handshake must not kill the command. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(t->name, sizeof(t->name), "cli");
	{
		struct conf_err e;

		if (conf_defaults(check_target_opts, t, &e) == -1) {
			fprintf(stderr, "shaobing-agent: %s\n", e.msg);
			goto out;
		}
	}
	t->closed[0] = '\0';	/* the command line checks only what it is told */
	t->http_port = 0;	/* ...and tests the redirect only when asked */
	t->timeout_ms = 5000;
	for (int i = 1; i < argc; i++) {
		const char	*a = argv[i];
		int64_t		 v;
		char		 w[256];

		if (strcmp(a, "--check") == 0) {
			if (need_arg(argc, argv, i) == -1)
				goto out;
			url = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (device_opt(ini, sizeof(ini), argc, argv, &i) != 0) {
			if (i < 0)
				goto out;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			rc = 0;
			goto out;
		} else if (strcmp(a, "--ca") == 0 || strcmp(a, "--servername") == 0 ||
		    strcmp(a, "--open") == 0 || strcmp(a, "--closed") == 0 ||
		    strcmp(a, "--dns") == 0) {
			char	*dst;
			size_t	 len;

			if (need_arg(argc, argv, i) == -1)
				goto out;
			dst = a[2] == 'c' && a[3] == 'a' ? t->ca :
			    a[2] == 's' ? t->servername : a[2] == 'o' ? t->open :
			    a[2] == 'c' ? t->closed : t->dns_name;
			len = a[2] == 'c' && a[3] == 'a' ? sizeof(t->ca) :
			    a[2] == 's' ? sizeof(t->servername) :
			    a[2] == 'o' ? sizeof(t->open) :
			    a[2] == 'c' ? sizeof(t->closed) : sizeof(t->dns_name);
			if (strlen(argv[i + 1]) >= len) {
				fprintf(stderr, "shaobing-agent: %s: value too long\n", a);
				goto out;
			}
			snprintf(dst, len, "%s", argv[++i]);
		} else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--banner") == 0) {
			if (need_arg(argc, argv, i) == -1)
				goto out;
			if (parse_duration_ms(argv[i + 1], a[2] == 't' ? 100 : 0,
			    120000, &v, w, sizeof(w)) == -1) {
				fprintf(stderr, "shaobing-agent: %s: %s\n", a, w);
				goto out;
			}
			*(a[2] == 't' ? &t->timeout_ms : &t->banner_ms) = v;
			i++;
		} else if (strcmp(a, "--warn-days") == 0 ||
		    strcmp(a, "--critical-days") == 0 ||
		    strcmp(a, "--http-port") == 0 ||
		    strcmp(a, "--concurrency") == 0) {
			if (need_arg(argc, argv, i) == -1)
				goto out;
			if (parse_i64(argv[i + 1], a[2] == 'c' && a[3] == 'o' ? 1 : 0,
			    65535, &v, w, sizeof(w)) == -1) {
				fprintf(stderr, "shaobing-agent: %s: %s\n", a, w);
				goto out;
			}
			if (a[2] == 'w')
				t->warn_days = (int)v;
			else if (a[2] == 'h')
				t->http_port = (int)v;
			else if (a[3] == 'r')
				t->crit_days = (int)v;
			else
				t->concurrency = (int)v;
			i++;
		} else {
			fprintf(stderr, "shaobing-agent: unknown option '%s' for "
			    "--check\n", a);
			usage(stderr);
			goto out;
		}
	}
	if (url == NULL) {
		usage(stderr);
		goto out;
	}
	if (strlen(url) >= sizeof(t->url)) {
		fprintf(stderr, "shaobing-agent: URL too long\n");
		goto out;
	}
	snprintf(t->url, sizeof(t->url), "%s", url);
	t->cli = true;
	if (device_apply(t, ini) == -1)
		goto out;
	if (check_target_finish(t, "command line", 0, why, sizeof(why)) == -1) {
		/* "command line:0: [target cli] url: ..." -> the part after it. */
		const char *p = strstr(why, "] ");

		fprintf(stderr, "shaobing-agent: --check %s: %s\n", url,
		    p ? p + 2 : why);
		goto out;
	}
	if (t->ca[0] != '\0') {
		FILE *fp = fopen(t->ca, "r");

		if (fp == NULL) {
			fprintf(stderr, "shaobing-agent: --ca %s: cannot read it\n",
			    t->ca);
			goto out;
		}
		fclose(fp);
	}
	check_run(t, &r);
	tls_url = check_scheme_tls(t->u.scheme);
	if (json) {
		char *s = json_dumps(r.report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else
		print_report(&r);
	if (!r.ran || (tls_url && json_object_get(json_object_get(r.report,
	    "tls"), "protocol") == NULL && !findings_has(&r.f, "tls_failed") &&
	    !findings_has(&r.f, "starttls_unavailable"))) {
		fprintf(stderr, "shaobing-agent: the check could not run: %s\n",
		    r.reason);
		rc = 2;
	} else
		rc = r.f.n > 0 || !r.up ? 1 : 0;
out:
	check_result_free(&r);
	free(t);
	return rc;
}
