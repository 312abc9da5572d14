/*
 * Incidents → notifications, end to end inside one process: events stored
 * through the store open incidents and queue their messages in the outbox
 * in the same transaction; the outbox sender hands them to the
 * notifier, which sends to a local HTTP sink (webhook, DingTalk, Feishu)
 * and a local SMTP sink that this test starts on loopback; every send is
 * recorded and incidents.notified set.  DingTalk and Feishu signatures
 * are checked against `openssl dgst -hmac` computed independently.  A
 * storm of 1,000 incidents becomes digests, not 1,000 messages.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "collector/incident.h"
#include "collector/notify.h"
#include "collector/outbox.h"
#include "collector/store.h"
#include "collector/store_priv.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "tests/unit/backends.h"

/* ---- sinks ---------------------------------------------------------- */

struct sink {
	int		 fd;
	int		 port;
	int		 smtp;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	int		 stop;
	int		 requests;	/* HTTP requests or SMTP messages */
	char		*last;		/* last request line + body / message */
	char		*all_lines;	/* first lines of all requests */
	size_t		 all_len;
};

static ssize_t
read_some(int fd, char *buf, size_t len)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, -1) <= 0)
		return -1;
	return read(fd, buf, len);
}

static void
sink_record(struct sink *s, const char *text, size_t n)
{
	const char *nl = memchr(text, '\r', n);
	size_t first = nl ? (size_t)(nl - text) : n;
	char *p;

	pthread_mutex_lock(&s->mu);
	s->requests++;
	free(s->last);
	s->last = strndup(text, n);
	if ((p = realloc(s->all_lines, s->all_len + first + 2)) != NULL) {
		s->all_lines = p;
		memcpy(p + s->all_len, text, first);
		s->all_len += first;
		p[s->all_len++] = '\n';
		p[s->all_len] = '\0';
	}
	pthread_mutex_unlock(&s->mu);
}

static void
http_conn(struct sink *s, int c)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: 22\r\nConnection: close\r\n\r\n"
	    "{\"errcode\":0,\"code\":0}";
	char	*buf = malloc(1 << 20), *hend, *cl;
	size_t	 len = 0, need = 0;
	ssize_t	 n;

	while (buf != NULL && len < (1 << 20) - 1) {
		if ((n = read_some(c, buf + len, (1 << 20) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "Content-Length:");
		need = (size_t)(hend + 4 - buf) + (cl ? strtoul(cl + 15, NULL,
		    10) : 0);
		if (len >= need) {
			sink_record(s, buf, len);
			if (write(c, ok, sizeof(ok) - 1) < 0)
				break;
			break;
		}
	}
	free(buf);
}

static int
say(int c, const char *m)
{
	return write(c, m, strlen(m)) < 0 ? -1 : 0;
}

/* RFC 5321, just enough for libcurl: no TLS, no AUTH. */
static void
smtp_conn(struct sink *s, int c)
{
	char	*buf = malloc(1 << 20);
	size_t	 len = 0;
	int	 data = 0;
	ssize_t	 n;

	if (buf == NULL || say(c, "220 sink ESMTP\r\n") == -1)
		goto out;
	for (;;) {
		char *eol;

		if ((n = read_some(c, buf + len, (1 << 20) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (data) {
			char *end = strstr(buf, "\r\n.\r\n");

			if (end == NULL)
				continue;
			sink_record(s, buf, (size_t)(end - buf));
			memmove(buf, end + 5, len - (size_t)(end + 5 - buf) + 1);
			len -= (size_t)(end + 5 - buf);
			data = 0;
			if (say(c, "250 queued\r\n") == -1)
				break;
		}
		while (!data && (eol = strstr(buf, "\r\n")) != NULL) {
			*eol = '\0';
			if (strncasecmp(buf, "EHLO", 4) == 0)
				say(c, "250-sink\r\n250 8BITMIME\r\n");
			else if (strncasecmp(buf, "DATA", 4) == 0) {
				say(c, "354 go ahead\r\n");
				data = 1;
			} else if (strncasecmp(buf, "QUIT", 4) == 0) {
				say(c, "221 bye\r\n");
				goto out;
			} else
				say(c, "250 ok\r\n");
			len -= (size_t)(eol + 2 - buf);
			memmove(buf, eol + 2, len + 1);
		}
	}
out:
	free(buf);
}

static void *
sink_main(void *arg)
{
	struct sink *s = arg;

	for (;;) {
		int c = accept(s->fd, NULL, NULL);

		if (c == -1)
			break;
		pthread_mutex_lock(&s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			close(c);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		if (s->smtp)
			smtp_conn(s, c);
		else
			http_conn(s, c);
		close(c);
	}
	return NULL;
}

static void
sink_start(struct sink *s, int smtp)
{
	struct sockaddr_in	a = { .sin_family = AF_INET };
	socklen_t		al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->smtp = smtp;
	pthread_mutex_init(&s->mu, NULL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 64), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, sink_main, s), 0);
}

static void
sink_stop(struct sink *s)
{
	struct sockaddr_in	a = { .sin_family = AF_INET };
	int			c;

	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	/* Wake accept() with one last connection. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)s->port);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0)
		close(c);
	pthread_join(s->th, NULL);
	close(s->fd);
	free(s->last);
	free(s->all_lines);
	pthread_mutex_destroy(&s->mu);
}

static int
sink_count(struct sink *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->requests;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* ---- fixture -------------------------------------------------------- */

struct fx {
	char			 dir[64];
	char			 path[96];
	const char		*target;	/* path, or PostgreSQL's */
	struct store		*st;
	struct incidents_conf	 ic;
	struct notify_conf	 nc;
	struct notifier		*nf;
	struct incidents	*in;
	struct outbox		*ob;
	struct sink		 http, smtp;
	uint64_t		 seq;
	int64_t			 clock;
};

static int64_t
fixed_clock(void *arg)
{
	return ((struct fx *)arg)->clock;
}

/* The collector's result callback: record the send, mark the outbox. */
static void
on_result(void *arg, const struct notify_result *r)
{
	struct fx *f = arg;

	incidents_on_notify(f->in, r);
	outbox_on_result(f->ob, r, f->clock);
}

static void
fx_open(struct fx *f, const char *channels)
{
	struct conf_err		 err;
	struct conf		*c;
	struct notify_opts	 no = { 0 };
	struct incidents_opts	 io = { 0 };
	char			 why[256];

	assert_non_null(c = conf_load_string("n.ini", channels, &err));
	assert_int_equal(incidents_conf_load(c, &f->ic, &err), 0);
	if (notify_conf_load(c, &f->nc, &err) == -1)
		fail_msg("%s", err.msg);
	conf_free(c);
	no.on_result = on_result;
	no.clock = fixed_clock;
	no.clock_arg = f;
	assert_non_null(f->st = store_open(f->target, why, sizeof(why)));
	/* The incidents pointer is the callback's argument: set below. */
	io.conf = &f->ic;
	io.gap_factor = 3;
	assert_non_null(f->in = incidents_new(f->st, &io, why, sizeof(why)));
	no.arg = f;
	assert_non_null(f->nf = notify_new(&f->nc, &no, why, sizeof(why)));
	io.notifier = f->nf;
	incidents_set_conf(f->in, &io);
	{
		struct outbox_opts oo = { .st = f->st, .notifier = f->nf,
		    .conf = &f->ic, .owner = "test:1" };

		assert_non_null(f->ob = outbox_new(&oo));
	}
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	log_init("test_incident_notify", 0, LOG_LVL_ERROR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_incnotify.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/c.db", f->dir);
	f->target = test_backend_target(f->path);
	sink_start(&f->http, 0);
	sink_start(&f->smtp, 1);
	f->clock = 1795786640000LL;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	notify_free(f->nf);
	outbox_free(f->ob);
	incidents_free(f->in);
	store_close(f->st);
	notify_conf_free(&f->nc);
	sink_stop(&f->http);
	sink_stop(&f->smtp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	curl_global_cleanup();
	free(f);
	return 0;
}

/* Send what the outbox holds, then dispatch results until nothing is
   pending (the sinks always answer). */
static void
drain(struct fx *f)
{
	char err[256];
	int  n;

	while ((n = outbox_run(f->ob, f->clock, err, sizeof(err))) > 0)
		;
	if (n == -1)
		fail_msg("%s", err);
	notify_flush(f->nf);
	while (notify_pending(f->nf) > 0) {
		struct pollfd p = { notify_result_fd(f->nf), POLLIN, 0 };

		(void)poll(&p, 1, 200);
		notify_dispatch(f->nf);
	}
}

static void
put_many(struct fx *f, size_t n, const char *type, enum severity sev,
    const char *keyfmt)
{
	struct event_batch		b;
	struct store_batch_result	r;
	char				err[256], key[64];

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "pc-01");
	assert_non_null(b.events = calloc(n, sizeof(*b.events)));
	b.n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), keyfmt, (int)i);
		assert_int_equal(event_set(&b.events[i], "pc-01", ++f->seq,
		    f->clock - 1000, type, sev, key, json_object()), 0);
	}
	assert_int_equal(store_insert_batch(f->st, &b, f->clock, &r, err,
	    sizeof(err)), 0);
	event_batch_free(&b);
}

static int64_t
scalar(struct fx *f, const char *sql)
{
	return test_db_scalar(f->target, sql);
}

/* base64 HMAC-SHA256 by the openssl command, key given in hex. */
static void
openssl_hmac(const void *key, size_t keylen, const char *msg, char *out,
    size_t outlen)
{
	char	 cmd[1024], hex[600];
	FILE	*p;
	size_t	 n;

	for (size_t i = 0; i < keylen && i < 290; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)key)[i]);
	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | openssl dgst -sha256 "
	    "-mac HMAC -macopt hexkey:%s -binary | base64", msg, hex);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	assert_int_equal(pclose(p), 0);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_signatures(void **state)
{
	const char	*secret = "SECtest-0123456789abcdef";
	int64_t		 ts = 1795786640123LL;
	char		 ours[128], ref[128], msg[128], key[128];

	(void)state;
	/* DingTalk: key = secret, message = timestamp_ms "\n" secret. */
	snprintf(msg, sizeof(msg), "%lld\n%s", (long long)ts, secret);
	openssl_hmac(secret, strlen(secret), msg, ref, sizeof(ref));
	assert_int_equal(notify_sign_dingtalk(secret, ts, ours, sizeof(ours)), 0);
	assert_string_equal(ours, ref);
	/* Feishu: key = timestamp_s "\n" secret, message empty. */
	snprintf(key, sizeof(key), "%lld\n%s", (long long)(ts / 1000), secret);
	openssl_hmac(key, strlen(key), "", ref, sizeof(ref));
	assert_int_equal(notify_sign_feishu(secret, ts / 1000, ours,
	    sizeof(ours)), 0);
	assert_string_equal(ours, ref);
}

static void
test_notified_webhook_email_robots(void **state)
{
	struct fx	*f = *state;
	char		 conf[2048], sign[128], enc[256], msg[128];
	const char	*secret = "SECdingtalk";

	snprintf(conf, sizeof(conf),
	    "[notify hook]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
	    "retries = 1\n"
	    "[notify mail]\ntype = email\nsmtp_url = smtp://127.0.0.1:%d\n"
	    "tls = none\nfrom = shaobing@example.gov.cn\n"
	    "to = admin@example.gov.cn\nretries = 1\n"
	    "[notify ding]\ntype = dingtalk\nurl = http://127.0.0.1:%d/robot/"
	    "send?access_token=t\nsecret = %s\nmin_level = III\nretries = 1\n"
	    "[notify fs]\ntype = feishu\nurl = http://127.0.0.1:%d/open-apis/"
	    "bot/v2/hook/x\nsecret = SECfeishu\ncategories = DE\nretries = 1\n",
	    f->http.port, f->smtp.port, f->http.port, secret, f->http.port);
	fx_open(f, conf);
	/* One IV scan: webhook + email (DingTalk wants III, Feishu DE). */
	put_many(f, 1, "port_scan", SEV_HIGH, "port_scan:10.0.0.%d->10.0.0.1");
	drain(f);
	assert_int_equal(sink_count(&f->http), 1);
	assert_int_equal(sink_count(&f->smtp), 1);
	assert_non_null(strstr(f->http.last, "POST /hook"));
	assert_non_null(strstr(f->http.last, "NASCAN"));
	assert_non_null(strstr(f->smtp.last, "Subject:"));
	assert_int_equal(scalar(f, "SELECT count(*) FROM notifications WHERE "
	    "ok = 1 AND incident_id = 1"), 2);
	assert_int_equal(scalar(f, "SELECT notified IS NOT NULL FROM incidents "
	    "WHERE id = 1"), 1);

	/* A critical ARP spoof (III): DingTalk too, signed. */
	put_many(f, 1, "arp_spoof", SEV_CRITICAL, "arp_spoof:10.0.0.%d");
	drain(f);
	assert_int_equal(sink_count(&f->http), 3);
	assert_non_null(strstr(f->http.all_lines, "POST /robot/send?"
	    "access_token=t&timestamp="));
	snprintf(msg, sizeof(msg), "%lld\n%s", (long long)f->clock, secret);
	openssl_hmac(secret, strlen(secret), msg, sign, sizeof(sign));
	assert_int_equal(notify_urlencode(sign, enc, sizeof(enc)), 0);
	assert_non_null(strstr(f->http.all_lines, enc));
	assert_int_equal(scalar(f, "SELECT count(*) FROM notifications WHERE "
	    "incident_id = 2 AND channel = 'ding' AND ok = 1"), 1);

	/* An escalation is told again. */
	put_many(f, 1, "port_scan", SEV_CRITICAL, "port_scan:10.0.0.%d->10.0.0.1");
	drain(f);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 2);
	assert_int_equal(scalar(f, "SELECT count(*) FROM notifications WHERE "
	    "incident_id = 1 AND channel = 'ding'"), 1);

	/* A rolled-back batch tells nobody. */
	assert_int_equal(test_db_fail_trigger(store_db(f->st), "boom", "UPDATE",
	    "agents", NULL, "x"), 0);
	{
		struct event_batch		b;
		struct store_batch_result	r;
		char				err[256];

		memset(&b, 0, sizeof(b));
		snprintf(b.agent, sizeof(b.agent), "pc-01");
		b.events = calloc(1, sizeof(*b.events));
		b.n = 1;
		assert_int_equal(event_set(&b.events[0], "pc-01", ++f->seq,
		    f->clock, "syn_flood", SEV_HIGH, "syn_flood:x", NULL), 0);
		assert_int_equal(store_insert_batch(f->st, &b, f->clock, &r, err,
		    sizeof(err)), -1);
		event_batch_free(&b);
	}
	drain(f);
	assert_int_equal(sink_count(&f->http), 5);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 2);
}

static void
test_storm_digest(void **state)
{
	struct fx	*f = *state;
	char		 conf[512];
	int		 n;

	snprintf(conf, sizeof(conf),
	    "[notify hook]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
	    "storm_threshold = 10\nretries = 1\n", f->http.port);
	fx_open(f, conf);
	put_many(f, 1000, "port_scan", SEV_HIGH, "port_scan:10.0.%d.1->x");
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1000);
	drain(f);
	n = sink_count(&f->http);
	/* 10 one by one, the other 990 in one digest. */
	assert_int_equal(n, 11);
	assert_int_equal(scalar(f, "SELECT count(*) FROM notifications WHERE "
	    "digest = 1 AND ok = 1"), 990);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "notified IS NULL"), 0);
}

/* Fails for one key, after the incident engine's hook queued it. */
static int
late_refusal(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	(void)arg;
	(void)st;
	if (strcmp(ctx->ev->key, "port_scan:10.0.3.1->x") != 0 &&
	    strcmp(ctx->ev->key, "device_up:sw1") != 0)
		return 0;
	snprintf(err, errlen, "refused after folding");
	return -1;
}

/* A rejected event's incident rolls back, and so does its queued
   notification: only what committed is sent. */
static void
test_rejected_event_not_notified(void **state)
{
	struct fx	*f = *state;
	char		 conf[512];

	snprintf(conf, sizeof(conf),
	    "[notify hook]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
	    "storm_threshold = 100\nretries = 1\n", f->http.port);
	fx_open(f, conf);
	assert_int_equal(store_add_event_hook(f->st, late_refusal, NULL), 0);
	put_many(f, 6, "port_scan", SEV_HIGH, "port_scan:10.0.%d.1->x");
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 5);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE key = "
	    "'port_scan:10.0.3.1->x'"), 0);
	drain(f);
	assert_int_equal(sink_count(&f->http), 5);
	assert_int_equal(scalar(f, "SELECT count(*) FROM rejected_events"), 1);
	/* A device back whose event is rejected: the incident stays open,
	   and no recovery message goes out for it. */
	put_many(f, 1, "device_down", SEV_HIGH, "device_down:sw1");
	drain(f);
	assert_int_equal(sink_count(&f->http), 6);
	put_many(f, 1, "device_up", SEV_INFO, "device_up:sw1");
	drain(f);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE key = "
	    "'device_down:sw1' AND status = 'open'"), 1);
	assert_int_equal(sink_count(&f->http), 6);
	assert_int_equal(scalar(f, "SELECT count(*) FROM rejected_events"), 2);
}

/* A collector that claimed a message and died before sending it: after
   its lease this one sends it, once, with the idempotency key. */
static void
test_crash_between_claim_and_send(void **state)
{
	struct fx		*f = *state;
	struct outbox_claim	 c[4];
	struct store		*dead;
	char			 conf[512], why[256];

	snprintf(conf, sizeof(conf),
	    "[incidents]\nnotify_lease = 10s\n"
	    "[notify hook]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
	    "retries = 1\n", f->http.port);
	fx_open(f, conf);
	assert_non_null(dead = store_open(f->target, why, sizeof(why)));
	put_many(f, 1, "port_scan", SEV_HIGH, "port_scan:10.0.%d.1->x");
	/* The other collector claims it, then is killed (never sends). */
	assert_int_equal(store_outbox_claim(dead, "dead:2", f->clock, 10000, c,
	    4, why, sizeof(why)), 1);
	store_close(dead);
	drain(f);
	assert_int_equal(sink_count(&f->http), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM notify_outbox WHERE "
	    "state = 'claimed' AND claimed_by = 'dead:2'"), 1);
	/* Its lease ends: taken over and sent. */
	f->clock += 10000;
	drain(f);
	assert_int_equal(sink_count(&f->http), 1);
	assert_non_null(strstr(f->http.last, "\"idempotency_key\":"
	    "\"shaobing-outbox-1\""));
	assert_int_equal(scalar(f, "SELECT count(*) FROM notify_outbox WHERE "
	    "state = 'sent' AND claimed_by = 'test:1' AND taken_from = "
	    "'dead:2' AND claims = 2"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM notifications WHERE "
	    "ok = 1"), 1);
	/* And never again. */
	f->clock += 100000;
	drain(f);
	assert_int_equal(sink_count(&f->http), 1);
}

/* A collector stopping while it sends gives its claims back at once, for
   another collector (or itself restarted) to send without waiting for
   the lease. */
static void
test_stop_gives_claims_back(void **state)
{
	struct fx		*f = *state;
	struct sockaddr_in	 sa = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sa);
	char			 conf[512];
	int			 fd;

	/* Listens, never answers: the send stays in flight. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(conf, sizeof(conf),
	    "[notify hang]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
	    "timeout = 10m\n", ntohs(sa.sin_port));
	fx_open(f, conf);
	put_many(f, 1, "port_scan", SEV_HIGH, "port_scan:10.0.%d.1->x");
	{
		char err[256];

		assert_int_equal(outbox_run(f->ob, f->clock, err, sizeof(err)),
		    1);
	}
	assert_int_equal(outbox_held(f->ob), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM notify_outbox WHERE "
	    "state = 'claimed' AND claimed_by = 'test:1'"), 1);
	notify_free(f->nf);
	f->nf = NULL;
	assert_int_equal(outbox_held(f->ob), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM notify_outbox WHERE "
	    "state = 'pending' AND lease_until IS NULL"), 1);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test_setup_teardown(test_notified_webhook_email_robots,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_digest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rejected_event_not_notified,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_between_claim_and_send,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_gives_claims_back,
		    setup, teardown),
	};

	return TEST_RUN_BACKENDS("test_incident_notify", tests, NULL, NULL);
}
