/*
 * Notifications (collector/notify*.c): signatures against vectors that
 * `openssl dgst` computes independently, message shapes, routing,
 * configuration errors with FILE:LINE, and real sends to local sinks
 * (tests/unit/notify_sink.py: an HTTP sink and an SMTP sink) — webhook,
 * DingTalk, WeCom, Feishu and email, retries on a sink that fails first,
 * robot refusals, and a storm of 1,000 incidents that must become
 * digests.  The storm minute runs on a test clock.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/conf.h"
#include "common/timeutil.h"
#include "collector/notify.h"
#include "common/taxonomy.h"
#include "tests/unit/conf_example.h"

/* ---- helpers -------------------------------------------------------- */

/* Run a shell command, first line of its output into out. */
static int
run_cmd(const char *cmd, char *out, size_t outlen)
{
	FILE	*f = popen(cmd, "r");
	int	 st;

	if (f == NULL)
		return -1;
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	st = pclose(f);
	return (WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

static void
hexify(const char *s, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned char)s[i]);
}

/* base64(HMAC-SHA256(key, msg)) by the openssl command line tool. */
static void
openssl_hmac(const char *key, size_t keylen, const char *msg, size_t msglen,
    char *out, size_t outlen)
{
	char	tmp[] = "/tmp/shaobing-hmac-XXXXXX", hex[1024], cmd[2048];
	int	fd = mkstemp(tmp);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, msg, msglen), (ssize_t)msglen);
	close(fd);
	assert_true(keylen * 2 < sizeof(hex));
	hexify(key, keylen, hex);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -mac HMAC -macopt "
	    "hexkey:%s -binary %s | base64 -w0", hex, tmp);
	if (run_cmd(cmd, out, outlen) == -1 || out[0] == '\0')
		fail_msg("openssl failed: %s", cmd);
	unlink(tmp);
}

static int64_t fake_now;

static int64_t
fake_clock(void *arg)
{
	(void)arg;
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

struct got {
	char	channel[64];
	bool	ok, digest;
	int	attempts;
	long	status;
	size_t	n_incidents;
	int64_t	first_id;
	char	error[256];
};

static struct got	results[4096];
static size_t		nresults;

static void
on_result(void *arg, const struct notify_result *r)
{
	struct got *g;

	(void)arg;
	assert_true(nresults < sizeof(results) / sizeof(results[0]));
	g = &results[nresults++];
	snprintf(g->channel, sizeof(g->channel), "%s", r->channel);
	g->ok = r->ok;
	g->digest = r->digest;
	g->attempts = r->attempts;
	g->status = r->status;
	g->n_incidents = r->n_incidents;
	g->first_id = r->n_incidents ? r->incident_ids[0] : 0;
	snprintf(g->error, sizeof(g->error), "%s", r->error);
}

/* Wait (no time limit: every send ends, ok or failed) for want results. */
static void
wait_results(struct notifier *n, size_t want)
{
	struct pollfd pfd = { .fd = notify_result_fd(n), .events = POLLIN };

	while (nresults < want) {
		(void)poll(&pfd, 1, 1000);
		notify_dispatch(n);
	}
}

struct sink {
	pid_t	pid;
	int	port;
	char	file[64];
};

/* Start notify_sink.py MODE; 0, or -1 when python3 is not there. */
static int
sink_start(struct sink *s, const char *mode, int fail_first)
{
	const char	*root = getenv("SHAOBING_ROOT");
	char		 script[1024], ff[16], line[32];
	int		 p[2], fd;
	FILE		*f;

	snprintf(script, sizeof(script), "%s/tests/unit/notify_sink.py",
	    root ? root : ".");
	snprintf(s->file, sizeof(s->file), "/tmp/shaobing-sink-XXXXXX");
	fd = mkstemp(s->file);
	assert_true(fd >= 0);
	close(fd);
	snprintf(ff, sizeof(ff), "%d", fail_first);
	assert_int_equal(pipe(p), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		/* The sink dies with the test, even when an assertion fails. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", script, mode, s->file, ff,
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		waitpid(s->pid, NULL, 0);
		unlink(s->file);
		return -1;
	}
	fclose(f);
	s->port = (int)strtol(line, NULL, 10);
	return 0;
}

static void
sink_stop(struct sink *s)
{
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	unlink(s->file);
}

/* The JSON lines the sink recorded, as an array. */
static json_t *
sink_read(const struct sink *s)
{
	FILE		*f = fopen(s->file, "r");
	json_t		*a = json_array();
	char		*line = NULL;
	size_t		 cap = 0;
	json_error_t	 e;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		json_t *v = json_loads(line, 0, &e);
		if (v == NULL)
			fail_msg("sink line not JSON: %s", e.text);
		json_array_append_new(a, v);
	}
	free(line);
	fclose(f);
	return a;
}

static void
msg_fill(struct notify_msg *m, int64_t id, int l,
    const char *cat)
{
	memset(m, 0, sizeof(*m));
	m->incident_id = id;
	snprintf(m->title, sizeof(m->title), "端口扫描 port scan from 10.0.0.%d",
	    (int)(id % 250));
	snprintf(m->category, sizeof(m->category), "%s", cat);
	m->level = l;
	snprintf(m->status, sizeof(m->status), "open");
	snprintf(m->agent, sizeof(m->agent), "pc-01");
	snprintf(m->key, sizeof(m->key), "port_scan:10.0.0.5->10.0.0.9");
	m->first_seen_ms = 1795786640123LL;	/* 2026-11-27T13:37:20.123Z */
	m->count = 3;
	snprintf(m->link, sizeof(m->link), "https://shaobing.local/i/%lld",
	    (long long)id);
}

static struct notify_conf
conf_from(const char *text)
{
	struct conf_err		 err;
	struct conf		*c = conf_load_string("n.ini", text, &err);
	struct notify_conf	 nc;

	if (c == NULL)
		fail_msg("%s", err.msg);
	if (notify_conf_load(c, &nc, &err) != 0)
		fail_msg("%s", err.msg);
	if (conf_check_unused(c, &err) != 0)
		fail_msg("%s", err.msg);
	conf_free(c);
	return nc;
}

static int
setup(void **state)
{
	(void)state;
	time_set_zone("Asia/Shanghai");
	nresults = 0;
	return 0;
}

/* ---- pure functions ------------------------------------------------- */

/*
 * Agent text in every channel's format: titles, keys and agent names of
 * several hostile shapes (links, images, headings, HTML, emphasis, code,
 * tables, autolinks, control characters) are inert; only our template
 * is markup.
 */
static const char *const hostile[] = {
	"[点此领奖 prize](https://phish.example/login?u=1)",
	"![x](http://track.example/p.gif?id=7)",
	"ok\n# 紧急 URGENT\n> forwarded",
	"<img src=x onerror=alert(1)><a href=\"//e.example\">y</a>",
	"**bold** __u__ `code` ~~s~~ | a | b |",
	"see www.evil.cn or ftp://files.example\r\nBcc: x@y",
	"&lt;script&gt; &#60;b&#62; \\*not\\*",
	"[ref]: https://ref.example \"t\"\t<https://auto.example>",
};

/* The value of "LABEL**: VALUE" lines (markdown) or "LABEL: VALUE". */
static void
check_value(const char *v, size_t vl, enum notify_markup mk)
{
	for (size_t k = 0; k < vl; k++) {
		unsigned char c = (unsigned char)v[k];

		assert_true(c >= 0x20 && c != 0x7f);
		if (mk == NOTIFY_MD && strchr("\\`*_{}[]()!|<>~&\"'", c) != NULL) {
			/* Escaped: an odd run of backslashes before it. */
			size_t b = 0;

			while (b < k && v[k - 1 - b] == '\\')
				b++;
			if (c == '\\')
				continue;	/* checked as the escape */
			assert_true(b % 2 == 1);
		}
		if (mk == NOTIFY_LARK_MD)
			assert_null(strchr("\\`*_{}[]()!|<>~\"'", c));
		if (mk == NOTIFY_LARK_MD && c == '&')
			assert_true(v[k + 1] == '#');
	}
	if (mk != NOTIFY_PLAIN) {
		char *z = strndup(v, vl);

		assert_null(strstr(z, "://"));
		assert_null(strcasestr(z, "www."));
		free(z);
	}
}

static void
check_text(const char *text, enum notify_markup mk, size_t want_lines)
{
	size_t		 lines = 0;
	const char	*p, *nl, *v;

	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		lines++;
		/* Only our heading and list lines start with markup. */
		if (mk != NOTIFY_PLAIN && p != text)
			assert_true(nl == p || strncmp(p, "- **", 4) == 0);
		if ((v = memmem(p, (size_t)(nl - p), mk != NOTIFY_PLAIN ?
		    "**: " : ": ", mk != NOTIFY_PLAIN ? 4 : 2)) != NULL) {
			v += mk != NOTIFY_PLAIN ? 4 : 2;
			check_value(v, (size_t)(nl - v), mk);
		}
	}
	assert_int_equal(lines, want_lines);
}

static void
test_hostile_text(void **state)
{
	struct notify_conf	 nc;
	struct notify_msg	 m;
	json_t			*b;
	const char		*text;
	char			*plain, *mail, out[64];
	size_t			 want;

	(void)state;
	nc = conf_from("[notify d]\ntype = dingtalk\nurl = http://x\n"
	    "[notify w]\ntype = wecom\nurl = http://x\n"
	    "[notify f]\ntype = feishu\nurl = http://x\n"
	    "[notify h]\ntype = webhook\nurl = http://x\n"
	    "[notify m]\ntype = email\nsmtp_url = smtp://127.0.0.1:25\n"
	    "from = sb@example.cn\nto = ops@example.cn\n");
	msg_fill(&m, 7, TAX_LEVEL_II, "DE");
	m.link[0] = '\0';
	plain = notify_render(&m, 1, false, NOTIFY_MD, 1);
	want = 0;
	for (const char *p = plain; *p; p++)
		want += *p == '\n';
	free(plain);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		for (size_t f = 0; f < 3; f++) {
			msg_fill(&m, 7, TAX_LEVEL_II, "DE");
			m.link[0] = '\0';
			snprintf(f == 0 ? m.title : f == 1 ? m.key : m.agent,
			    f == 2 ? sizeof(m.agent) : sizeof(m.key), "%s",
			    hostile[i]);
			/* DingTalk and WeCom: backslash escapes. */
			for (size_t c = 0; c < 2; c++) {
				b = notify_build_body(&nc.ch[c], &m, 1, false, 1, 0);
				assert_non_null(b);
				text = json_string_value(json_object_get(
				    json_object_get(b, "markdown"), c == 0 ?
				    "text" : "content"));
				check_text(text, NOTIFY_MD, want);
				json_decref(b);
			}
			/* Feishu lark_md: character references. */
			b = notify_build_body(&nc.ch[2], &m, 1, false, 1, 0);
			text = json_string_value(json_object_get(json_object_get(
			    json_array_get(json_object_get(json_object_get(b,
			    "card"), "elements"), 0), "text"), "content"));
			check_text(text, NOTIFY_LARK_MD, want);
			json_decref(b);
			/* Webhook "text" and mail: plain, no control bytes. */
			b = notify_build_body(&nc.ch[3], &m, 1, false, 1, 0);
			check_text(json_string_value(json_object_get(b, "text")),
			    NOTIFY_PLAIN, want);
			json_decref(b);
			mail = notify_build_email(&nc.ch[4], &m, 1, false, 1, 0);
			assert_non_null(mail);
			assert_non_null(strstr(mail, "Content-Type: text/plain; "
			    "charset=UTF-8\r\n"));
			assert_null(strcasestr(mail, "text/html"));
			assert_null(strstr(mail, "Bcc:"));
			free(mail);
		}
	}
	/* The escape itself: a digest line, a cut at a character boundary. */
	assert_string_equal(notify_md_escape("a_b [c](d)", NOTIFY_MD, out,
	    sizeof(out)), "a\\_b \\[c\\]\\(d\\)");
	assert_string_equal(notify_md_escape("<x>", NOTIFY_LARK_MD, out,
	    sizeof(out)), "&#60;x&#62;");
	assert_string_equal(notify_md_escape("http://a", NOTIFY_MD, out,
	    sizeof(out)), "http:\xe2\x80\x8b//a");
	assert_string_equal(notify_md_escape("端口扫描端口扫描", NOTIFY_MD, out,
	    12), "端口…");
	notify_conf_free(&nc);
}

static void
test_sign_vectors(void **state)
{
	static const char *const secrets[] = {
		"SEC0123456789abcdef",
		"SECd4b3c1f0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3",
		"s3cr3t-with/slash+plus=",
	};
	static const int64_t ts[] = { 1767225600000LL, 1795786640123LL, 1LL };
	char	got[64], want[64], msg[512], cmd[1024];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		/* DingTalk: HMAC keyed by the secret over "ts\nsecret". */
		int len = snprintf(msg, sizeof(msg), "%lld\n%s",
		    (long long)ts[i], secrets[i]);
		assert_int_equal(notify_sign_dingtalk(secrets[i], ts[i], got,
		    sizeof(got)), 0);
		openssl_hmac(secrets[i], strlen(secrets[i]), msg, (size_t)len,
		    want, sizeof(want));
		assert_string_equal(got, want);
		/* Feishu: "ts\nsecret" is the key, the message is empty. */
		int64_t s = ts[i] / 1000;
		len = snprintf(msg, sizeof(msg), "%lld\n%s", (long long)s,
		    secrets[i]);
		assert_int_equal(notify_sign_feishu(secrets[i], s, got,
		    sizeof(got)), 0);
		openssl_hmac(msg, (size_t)len, "", 0, want, sizeof(want));
		assert_string_equal(got, want);
	}
	/* The form the brief names: openssl dgst -hmac KEY. */
	snprintf(cmd, sizeof(cmd), "printf '1767225600000\\nSEC0123456789abcdef'"
	    " | openssl dgst -sha256 -hmac SEC0123456789abcdef -binary | "
	    "base64 -w0");
	assert_int_equal(run_cmd(cmd, want, sizeof(want)), 0);
	assert_int_equal(notify_sign_dingtalk("SEC0123456789abcdef",
	    1767225600000LL, got, sizeof(got)), 0);
	assert_string_equal(got, want);
	/* Swapping key and message gives a different sign. */
	assert_int_equal(notify_sign_feishu("SEC0123456789abcdef", 1767225600000LL,
	    want, sizeof(want)), 0);
	assert_string_not_equal(got, want);
	/* RFC 4231 test case 2 (HMAC-SHA256, key "Jefe"), base64 of its hex. */
	assert_int_equal(notify_hmac_b64("Jefe", 4,
	    "what do ya want for nothing?", 28, got, sizeof(got)), 0);
	assert_string_equal(got, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
	assert_int_equal(notify_hmac_b64("k", 1, "m", 1, got, 44), -1);
}

static void
test_encodings(void **state)
{
	char	 out[256];
	char	*w;

	(void)state;
	assert_int_equal(notify_urlencode("a+b/c=d~_.-", out, sizeof(out)), 0);
	assert_string_equal(out, "a%2Bb%2Fc%3Dd~_.-");
	assert_int_equal(notify_urlencode("++++", out, 12), -1);
	w = notify_rfc2047("plain subject");
	assert_string_equal(w, "plain subject");
	free(w);
	w = notify_rfc2047("[哨兵 Shaobing][较大 III] NASCAN #42 端口扫描 port "
	    "scan from 10.0.0.5 持续 三分钟 以上 need action\r\nBcc: x@y");
	assert_non_null(w);
	assert_null(strstr(w, "Bcc"));		/* base64, not raw */
	/* Each encoded word at most 75 bytes (RFC 2047 section 2). */
	for (char *p = w, *e; *p; p = e + (*e ? 3 : 0)) {
		e = strstr(p, "\r\n ");
		if (e == NULL)
			e = p + strlen(p);
		assert_true(e - p <= 75);
		assert_memory_equal(p, "=?UTF-8?B?", 10);
	}
	free(w);
}

static void
test_levels_route(void **state)
{
	struct notify_conf	nc;
	struct notify_msg	m;

	(void)state;
	assert_int_equal(tax_level_parse("III"), TAX_LEVEL_III);
	assert_int_equal(tax_level_parse("特别重大"), TAX_LEVEL_I);
	assert_int_equal(tax_level_parse("V"), TAX_LEVEL_NONE);
	nc = conf_from("[notify all]\ntype = webhook\nurl = http://x/\n"
	    "[notify ops]\ntype = webhook\nurl = http://x/\nmin_level = III\n"
	    "categories = NA, DE\n");
	assert_int_equal(nc.n, 2);
	msg_fill(&m, 1, TAX_LEVEL_IV, "NASCAN");
	assert_true(notify_route(&nc.ch[0], &m));
	assert_false(notify_route(&nc.ch[1], &m));	/* level too low */
	m.level = TAX_LEVEL_II;
	assert_true(notify_route(&nc.ch[1], &m));
	snprintf(m.category, sizeof(m.category), "DE");
	assert_true(notify_route(&nc.ch[1], &m));
	snprintf(m.category, sizeof(m.category), "SHEVULN");
	assert_false(notify_route(&nc.ch[1], &m));	/* category */
	assert_true(notify_route(&nc.ch[0], &m));
	notify_conf_free(&nc);
}

/* A recovery goes where its incident went, unless the channel says
   recovery = no; it says so in the title and the webhook's kind. */
static void
test_recovery(void **state)
{
	struct notify_conf	 nc;
	struct notify_msg	 m;
	json_t			*b;
	char			*t;

	(void)state;
	nc = conf_from("[notify all]\ntype = webhook\nurl = http://x/\n"
	    "[notify quiet]\ntype = webhook\nurl = http://x/\nrecovery = no\n");
	assert_int_equal(nc.n, 2);
	assert_true(nc.ch[0].recovery);
	assert_false(nc.ch[1].recovery);
	msg_fill(&m, 7, TAX_LEVEL_IV, "DE");
	assert_true(notify_route(&nc.ch[1], &m));	/* the opening */
	m.recovery = true;
	snprintf(m.status, sizeof(m.status), "resolved");
	assert_true(notify_route(&nc.ch[0], &m));
	assert_false(notify_route(&nc.ch[1], &m));
	t = notify_render_title(&m, 1, false, 1);
	assert_non_null(strstr(t, "[哨兵 Shaobing][已恢复 RECOVERED][一般 IV] DE #7"));
	free(t);
	b = notify_build_body(&nc.ch[0], &m, 1, false, 1, 0);
	assert_string_equal(json_string_value(json_object_get(b, "kind")),
	    "recovery");
	assert_true(json_is_true(json_object_get(json_object_get(b, "incident"),
	    "recovery")));
	assert_non_null(strstr(json_string_value(json_object_get(b, "text")),
	    "已解决 resolved"));
	json_decref(b);
	m.recovery = false;
	b = notify_build_body(&nc.ch[0], &m, 1, false, 1, 0);
	assert_string_equal(json_string_value(json_object_get(b, "kind")),
	    "incident");
	json_decref(b);
	notify_conf_free(&nc);
}

static void
test_conf_errors(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "[notify a]\nurl = http://x/\n", "n.ini:1: [notify a] needs type" },
		{ "\n[notify a]\ntype = sms\n", "n.ini:3: [notify a] type: 'sms' "
		  "is not one of" },
		{ "[notify a]\ntype = webhook\n", "n.ini:1: [notify a] type "
		  "webhook needs url" },
		{ "[notify a]\ntype = dingtalk\nurl = ftp://x\n", "n.ini:1: "
		  "[notify a] url must start with http" },
		{ "[notify m]\ntype = email\nfrom = a@b\nto = c@d\n", "n.ini:1: "
		  "[notify m] type email needs smtp_url" },
		{ "[notify m]\ntype = email\nsmtp_url = http://x\nfrom = a@b\n"
		  "to = c@d\n", "smtp_url must start with smtp://" },
		{ "[notify m]\ntype = email\nsmtp_url = smtp://x\nfrom = a@b\n"
		  "to = c@d, evil@x\\r\\nBcc:\n", "[notify m] to: " },
		{ "[notify m]\ntype = email\nsmtp_url = smtp://x\nfrom = <a@b>\n"
		  "to = c@d\n", "[notify m] from must be one address" },
		{ "[notify m]\ntype = email\nsmtp_url = smtp://x\nfrom = a@b\n",
		  "needs to (one or more recipients)" },
		{ "[notify w]\ntype = wecom\nurl = http://x\nsecret = s\n",
		  "n.ini:1: [notify w] WeCom robots do not sign" },
		{ "[notify w]\ntype = wecom\nurl = http://x\nmin_level = V\n",
		  "n.ini:4: [notify w] min_level: 'V' is not one of" },
		{ "[notify w]\ntype = wecom\nurl = http://x\nmin_level = none\n",
		  "n.ini:4: [notify w] min_level: expected IV, III, II or I" },
		{ "[notify w]\ntype = wecom\nurl = http://x\nrecovery = maybe\n",
		  "n.ini:4: [notify w] recovery: " },
		{ "[notify w]\ntype = wecom\nurl = http://x\nretries = 1000\n",
		  "n.ini:4: [notify w] retries: 1000 is out of range" },
		{ "[notify w]\ntype = wecom\nurl = http://x\ntimeout = 1y\n",
		  "n.ini:4: [notify w] timeout: " },
		{ "[notify w]\ntype = wecom\nurl = http://x\nstorm_threshold = 0\n",
		  "n.ini:4: [notify w] storm_threshold:" },
	};
	struct conf_err		 err;
	struct notify_conf	 nc;
	struct conf		*c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		c = conf_load_string("n.ini", cases[i].text, &err);
		if (c == NULL)
			fail_msg("case %zu: %s", i, err.msg);
		if (notify_conf_load(c, &nc, &err) != -1)
			fail_msg("case %zu accepted", i);
		assert_int_equal(nc.n, 0);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg,
			    cases[i].msg);
		conf_free(c);
	}
	/* An unknown key is left for conf_check_unused() to name. */
	c = conf_load_string("n.ini", "[notify w]\ntype = wecom\nurl = http://x\n"
	    "colour = red\n", &err);
	assert_int_equal(notify_conf_load(c, &nc, &err), 0);
	assert_int_equal(conf_check_unused(c, &err), -1);
	assert_string_equal(err.msg, "n.ini:4: unknown key 'colour' in [notify w]");
	notify_conf_free(&nc);
	conf_free(c);
}

/*
 * The shipped example's [notify NAME] channels, uncommented, and its
 * [schedule] parse, every key known.
 */
static void
test_example_conf(void **state)
{
	char			*ntext, *stext, *text;
	size_t			 nl, sl;
	struct conf_err		 err;
	struct conf		*c;
	struct notify_conf	 nc;

	(void)state;
	ntext = conf_example_text("collector.ini", "notify", NULL);
	stext = conf_example_text("collector.ini", "schedule", NULL);
	assert_non_null(ntext);
	assert_non_null(stext);
	nl = strlen(ntext);
	sl = strlen(stext);
	text = malloc(nl + sl + 1);
	assert_non_null(text);
	memcpy(text, ntext, nl);
	memcpy(text + nl, stext, sl + 1);
	c = conf_load_string("collector.ini", text, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	if (notify_conf_load(c, &nc, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(nc.n, 5);
	/* [schedule] is schedule.c's; here only its keys are taken. */
	struct { char cal[512], hours[128], days[64], always[512]; } sch;
	const struct conf_opt sopts[] = {
	    { "calendar", CONF_STR, offsetof(__typeof__(sch), cal), 512, 0, 0,
	      NULL, NULL, NULL, NULL },
	    { "office_hours", CONF_STR, offsetof(__typeof__(sch), hours), 128,
	      0, 0, NULL, NULL, NULL, NULL },
	    { "office_days", CONF_STR, offsetof(__typeof__(sch), days), 64, 0,
	      0, NULL, NULL, NULL, NULL },
	    { "always", CONF_STR, offsetof(__typeof__(sch), always), 512, 0,
	      0, NULL, NULL, NULL, NULL },
	    { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL } };
	assert_int_equal(conf_apply(c, "schedule", sopts, &sch, &err), 0);
	assert_string_equal(sch.hours, "08:30-17:30");
	if (conf_check_unused(c, &err) != 0)
		fail_msg("%s", err.msg);
	notify_conf_free(&nc);
	conf_free(c);
	free(text);
	free(ntext);
	free(stext);
}

static void
test_bodies(void **state)
{
	struct notify_conf	 nc;
	struct notify_msg	 m[3];
	json_t			*b;
	char			 sign[64];
	const char		*text;

	(void)state;
	nc = conf_from("[notify d]\ntype = dingtalk\nurl = http://x\nsecret = S\n"
	    "[notify w]\ntype = wecom\nurl = http://x\n"
	    "[notify f]\ntype = feishu\nurl = http://x\nsecret = S\n"
	    "[notify h]\ntype = webhook\nurl = http://x\n");
	msg_fill(&m[0], 42, TAX_LEVEL_III, "NASCAN");
	b = notify_build_body(&nc.ch[0], m, 1, false, 1, 1767225600123LL);
	assert_string_equal(json_string_value(json_object_get(b, "msgtype")),
	    "markdown");
	text = json_string_value(json_object_get(json_object_get(b, "markdown"),
	    "text"));
	assert_non_null(strstr(text, "- **事件编号 Incident**: #42"));
	assert_non_null(strstr(text, "较大 III"));
	assert_non_null(strstr(text, "网络攻击 network attack"));
	/* 13:37:20Z is 21:37:20 in Shanghai. */
	assert_non_null(strstr(text, "首次发现 First seen**: 2026-11-27 21:37:20"));
	assert_non_null(strstr(text, "待处理 open"));
	json_decref(b);
	b = notify_build_body(&nc.ch[1], m, 1, false, 1, 0);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(b, "markdown"), "content")), "#42"));
	json_decref(b);
	b = notify_build_body(&nc.ch[2], m, 1, false, 1, 1767225600123LL);
	assert_string_equal(json_string_value(json_object_get(b, "msg_type")),
	    "interactive");
	assert_string_equal(json_string_value(json_object_get(b, "timestamp")),
	    "1767225600");
	notify_sign_feishu("S", 1767225600, sign, sizeof(sign));
	assert_string_equal(json_string_value(json_object_get(b, "sign")), sign);
	json_decref(b);
	b = notify_build_body(&nc.ch[3], m, 1, false, 1, 0);
	assert_string_equal(json_string_value(json_object_get(b, "kind")),
	    "incident");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b,
	    "incident"), "id")), 42);
	assert_string_equal(json_string_value(json_object_get(json_object_get(b,
	    "incident"), "first_seen")), "2026-11-27T13:37:20.123Z");
	json_decref(b);
	/* A digest: three listed of 990. */
	msg_fill(&m[1], 43, TAX_LEVEL_I, "DE");
	msg_fill(&m[2], 44, TAX_LEVEL_IV, "MP");
	b = notify_build_body(&nc.ch[3], m, 3, true, 990, 0);
	assert_string_equal(json_string_value(json_object_get(b, "kind")),
	    "digest");
	assert_int_equal(json_integer_value(json_object_get(b, "count")), 990);
	assert_int_equal(json_integer_value(json_object_get(b, "omitted")), 987);
	assert_int_equal(json_array_size(json_object_get(b, "incidents")), 3);
	assert_non_null(strstr(json_string_value(json_object_get(b, "text")),
	    "最高 highest 特别重大 I"));
	json_decref(b);
	/* Invalid UTF-8 in a title: no body, not a crash. */
	snprintf(m[0].title, sizeof(m[0].title), "bad \xff");
	assert_null(notify_build_body(&nc.ch[3], m, 1, false, 1, 0));
	notify_conf_free(&nc);
}

static void
test_check_response(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(notify_check_response(NOTIFY_DINGTALK, 200,
	    "{\"errcode\":0,\"errmsg\":\"ok\"}", 27, why, sizeof(why)), 0);
	assert_int_equal(notify_check_response(NOTIFY_DINGTALK, 200,
	    "{\"errcode\":310000,\"errmsg\":\"sign not match\"}", 44, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "310000"));
	assert_int_equal(notify_check_response(NOTIFY_FEISHU, 200,
	    "{\"StatusCode\":0}", 16, why, sizeof(why)), 0);
	assert_int_equal(notify_check_response(NOTIFY_FEISHU, 200,
	    "{\"code\":19021}", 14, why, sizeof(why)), -1);
	assert_int_equal(notify_check_response(NOTIFY_WECOM, 200, "<html>", 6,
	    why, sizeof(why)), -1);
	assert_int_equal(notify_check_response(NOTIFY_WECOM, 200,
	    "{\"errcode\":0}", 5, why, sizeof(why)), -1);	/* truncated */
	assert_int_equal(notify_check_response(NOTIFY_WEBHOOK, 204, "", 0, why,
	    sizeof(why)), 0);
	assert_int_equal(notify_check_response(NOTIFY_WEBHOOK, 502, "", 0, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "HTTP status 502");
}

/* ---- real sends ----------------------------------------------------- */

static struct notifier *
start(const char *conftext, struct notify_opts *o)
{
	struct notify_conf	 nc = conf_from(conftext);
	struct notifier		*n;
	char			 why[256];

	n = notify_new(&nc, o, why, sizeof(why));
	if (n == NULL)
		fail_msg("%s", why);
	notify_conf_free(&nc);
	return n;
}

static const struct got *
got_for(const char *channel)
{
	for (size_t i = 0; i < nresults; i++)
		if (strcmp(results[i].channel, channel) == 0)
			return &results[i];
	fail_msg("no result for %s", channel);
	return NULL;
}

static json_t *
req_for(json_t *reqs, const char *path)
{
	size_t	 i;
	json_t	*r;

	json_array_foreach(reqs, i, r)
		if (strcmp(json_string_value(json_object_get(r, "path")), path) == 0)
			return r;
	fail_msg("the sink got nothing on %s", path);
	return NULL;
}

static void
test_http_channels(void **state)
{
	struct sink		 s;
	struct notify_opts	 o = { .on_result = on_result };
	struct notifier		*n;
	struct notify_msg	 m;
	char			 text[2048], want[64], msg[256];
	json_t			*reqs, *r, *body;
	json_error_t		 e;
	const char		*ts, *sign;
	int			 len;

	(void)state;
	if (sink_start(&s, "http", 0) == -1)
		skip();	/* python3 missing: `make deps` installs it */
	snprintf(text, sizeof(text),
	    "[notify hook]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
	    "secret = whsec\n"
	    "[notify ding]\ntype = dingtalk\n"
	    "url = http://127.0.0.1:%d/ding?access_token=abc\nsecret = SECding\n"
	    "[notify wecom]\ntype = wecom\n"
	    "url = http://127.0.0.1:%d/wecom?key=k\n"
	    "[notify fei]\ntype = feishu\nurl = http://127.0.0.1:%d/fei\n"
	    "secret = feisec\n", s.port, s.port, s.port, s.port);
	n = start(text, &o);
	msg_fill(&m, 42, TAX_LEVEL_III, "NASCAN");
	assert_int_equal(notify_submit(n, &m), 4);
	wait_results(n, 4);
	for (size_t i = 0; i < 4; i++) {
		if (!results[i].ok)
			fail_msg("%s: %s", results[i].channel, results[i].error);
		assert_int_equal(results[i].attempts, 1);
		assert_int_equal(results[i].status, 200);
		assert_int_equal(results[i].n_incidents, 1);
		assert_int_equal(results[i].first_id, 42);
	}
	notify_free(n);
	reqs = sink_read(&s);
	assert_int_equal(json_array_size(reqs), 4);

	/* Webhook: signature over the exact body. */
	r = req_for(reqs, "/hook");
	const char *raw = json_string_value(json_object_get(r, "body"));
	openssl_hmac("whsec", 5, raw, strlen(raw), want, sizeof(want));
	snprintf(msg, sizeof(msg), "sha256=%s", want);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r,
	    "headers"), "x-shaobing-signature")), msg);
	body = json_loads(raw, 0, &e);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    body, "incident"), "level_name")), "较大");
	json_decref(body);

	/* DingTalk: timestamp and sign in the query, recomputed by openssl. */
	r = req_for(reqs, "/ding");
	json_t *q = json_object_get(r, "query");
	assert_string_equal(json_string_value(json_object_get(q, "access_token")),
	    "abc");
	ts = json_string_value(json_object_get(q, "timestamp"));
	sign = json_string_value(json_object_get(q, "sign"));
	assert_non_null(ts);
	assert_non_null(sign);
	assert_int_equal(strlen(ts), 13);	/* milliseconds */
	len = snprintf(msg, sizeof(msg), "%s\nSECding", ts);
	openssl_hmac("SECding", 7, msg, (size_t)len, want, sizeof(want));
	assert_string_equal(sign, want);
	/* ... and URL-encoded on the wire: no raw '+' or '/'. */
	{
		const char	*rq = json_string_value(json_object_get(r,
				    "rawquery"));
		const char	*v = strstr(rq, "sign=");
		size_t		 vl;

		assert_non_null(v);
		v += 5;
		vl = strcspn(v, "&");
		for (size_t k = 0; k < vl; k++)
			assert_null(strchr("+/=", v[k]));
	}
	body = json_loads(json_string_value(json_object_get(r, "body")), 0, &e);
	assert_string_equal(json_string_value(json_object_get(body, "msgtype")),
	    "markdown");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(
	    body, "markdown"), "title")), "#42"));
	json_decref(body);

	/* WeCom: markdown content, nothing signed. */
	r = req_for(reqs, "/wecom");
	body = json_loads(json_string_value(json_object_get(r, "body")), 0, &e);
	assert_string_equal(json_string_value(json_object_get(body, "msgtype")),
	    "markdown");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(
	    body, "markdown"), "content")), "主机 Agent**: pc-01"));
	json_decref(body);

	/* Feishu: timestamp (seconds) and sign in the body. */
	r = req_for(reqs, "/fei");
	body = json_loads(json_string_value(json_object_get(r, "body")), 0, &e);
	ts = json_string_value(json_object_get(body, "timestamp"));
	assert_int_equal(strlen(ts), 10);
	len = snprintf(msg, sizeof(msg), "%s\nfeisec", ts);
	openssl_hmac(msg, (size_t)len, "", 0, want, sizeof(want));
	assert_string_equal(json_string_value(json_object_get(body, "sign")), want);
	assert_string_equal(json_string_value(json_object_get(body, "msg_type")),
	    "interactive");
	json_decref(body);
	json_decref(reqs);
	sink_stop(&s);
}

static void
test_dingtalk_sign_urlencoded(void **state)
{
	/* Find a timestamp whose sign has '+', '/' or '=' and check the URL. */
	char sign[64], enc[200];

	(void)state;
	for (int64_t ts = 1767225600000LL;; ts++) {
		assert_int_equal(notify_sign_dingtalk("SECding", ts, sign,
		    sizeof(sign)), 0);
		if (strpbrk(sign, "+/") != NULL)
			break;
	}
	assert_int_equal(notify_urlencode(sign, enc, sizeof(enc)), 0);
	assert_null(strpbrk(enc, "+/="));
	assert_non_null(strstr(enc, "%3D"));	/* base64 of 32 bytes ends '=' */
}

static void
test_retry_then_ok(void **state)
{
	struct sink		 s;
	struct notify_opts	 o = { .on_result = on_result };
	struct notifier		*n;
	struct notify_msg	 m;
	char			 text[512];
	json_t			*reqs;

	(void)state;
	if (sink_start(&s, "http", 2) == -1)
		skip();
	snprintf(text, sizeof(text), "[notify hook]\ntype = webhook\n"
	    "url = http://127.0.0.1:%d/hook\nretries = 3\nretry_initial = 20ms\n",
	    s.port);
	n = start(text, &o);
	msg_fill(&m, 7, TAX_LEVEL_IV, "DE");
	assert_int_equal(notify_submit(n, &m), 1);
	wait_results(n, 1);
	assert_true(results[0].ok);
	assert_int_equal(results[0].attempts, 3);	/* 500, 500, 200 */
	assert_int_equal(results[0].status, 200);
	notify_free(n);
	reqs = sink_read(&s);
	assert_int_equal(json_array_size(reqs), 3);
	json_decref(reqs);
	sink_stop(&s);
}

static void
test_retry_exhausted_and_refused(void **state)
{
	struct sink		 s;
	struct notify_opts	 o = { .on_result = on_result };
	struct notifier		*n;
	struct notify_msg	 m;
	char			 text[512];

	(void)state;
	if (sink_start(&s, "http", 3) == -1)
		skip();
	snprintf(text, sizeof(text), "[notify hook]\ntype = webhook\n"
	    "url = http://127.0.0.1:%d/hook\nretries = 2\nretry_initial = 10ms\n"
	    "[notify ding]\ntype = dingtalk\nurl = http://127.0.0.1:%d/refuse\n"
	    "retries = 0\nmin_level = II\n", s.port, s.port);
	n = start(text, &o);
	msg_fill(&m, 8, TAX_LEVEL_IV, "DE");
	assert_int_equal(notify_submit(n, &m), 1);	/* ding: level too low */
	wait_results(n, 1);
	assert_false(results[0].ok);
	assert_int_equal(results[0].attempts, 3);
	assert_string_equal(results[0].error, "HTTP status 500");
	/* The sink now answers 200 with a robot error: a failure. */
	msg_fill(&m, 9, TAX_LEVEL_I, "DE");
	assert_int_equal(notify_submit(n, &m), 2);
	wait_results(n, 3);
	const struct got *g = got_for("ding");
	assert_false(g->ok);
	assert_int_equal(g->status, 200);
	assert_non_null(strstr(g->error, "robot refused: errcode 310000"));
	notify_free(n);
	sink_stop(&s);
}

static void
test_storm(void **state)
{
	struct sink		 s;
	struct notify_opts	 o = { .on_result = on_result,
				       .clock = fake_clock };
	struct notifier		*n;
	struct notify_msg	 m;
	char			 text[512];
	json_t			*reqs, *body, *r;
	size_t			 singles = 0, digests = 0, i;

	(void)state;
	if (sink_start(&s, "http", 0) == -1)
		skip();
	/* 2026-11-27 13:37:00Z, the start of a minute. */
	__atomic_store_n(&fake_now, 1795786620000LL, __ATOMIC_SEQ_CST);
	snprintf(text, sizeof(text), "[notify hook]\ntype = webhook\n"
	    "url = http://127.0.0.1:%d/hook\nstorm_threshold = 10\n", s.port);
	n = start(text, &o);
	for (int k = 1; k <= 1000; k++) {
		msg_fill(&m, k, k == 500 ? TAX_LEVEL_I : TAX_LEVEL_IV, "NA");
		assert_int_equal(notify_submit(n, &m), 1);
		if (k == 600)	/* still the same minute */
			__atomic_store_n(&fake_now, 1795786679999LL,
			    __ATOMIC_SEQ_CST);
	}
	wait_results(n, 10);
	assert_int_equal(nresults, 10);
	/* The minute ends: its digest goes out on its own. */
	__atomic_store_n(&fake_now, 1795786680000LL, __ATOMIC_SEQ_CST);
	wait_results(n, 11);
	/* A new minute starts with single messages again. */
	msg_fill(&m, 1001, TAX_LEVEL_IV, "NA");
	assert_int_equal(notify_submit(n, &m), 1);
	wait_results(n, 12);
	for (i = 0; i < nresults; i++) {
		assert_true(results[i].ok);
		if (results[i].digest) {
			digests++;
			assert_int_equal(results[i].n_incidents, 990);
			assert_int_equal(results[i].first_id, 11);
		} else {
			singles++;
			assert_int_equal(results[i].n_incidents, 1);
		}
	}
	assert_int_equal(singles, 11);
	assert_int_equal(digests, 1);
	notify_free(n);
	reqs = sink_read(&s);
	/* 1,001 incidents, 12 messages. */
	assert_int_equal(json_array_size(reqs), 12);
	digests = 0;
	json_array_foreach(reqs, i, r) {
		json_error_t e;

		body = json_loads(json_string_value(json_object_get(r, "body")),
		    0, &e);
		if (strcmp(json_string_value(json_object_get(body, "kind")),
		    "digest") == 0) {
			digests++;
			assert_int_equal(json_integer_value(json_object_get(body,
			    "count")), 990);
			assert_int_equal(json_array_size(json_object_get(body,
			    "incidents")), 20);
			assert_int_equal(json_integer_value(json_object_get(body,
			    "omitted")), 970);
			assert_non_null(strstr(json_string_value(json_object_get(
			    body, "text")), "990 起事件"));
		}
		json_decref(body);
	}
	assert_int_equal(digests, 1);
	json_decref(reqs);
	sink_stop(&s);
}

static void
test_flush_and_shutdown(void **state)
{
	struct sink		 s;
	struct notify_opts	 o = { .on_result = on_result,
				       .clock = fake_clock };
	struct notifier		*n;
	struct notify_msg	 m;
	char			 text[512];

	(void)state;
	if (sink_start(&s, "http", 0) == -1)
		skip();
	__atomic_store_n(&fake_now, 1795786620000LL, __ATOMIC_SEQ_CST);
	/* Port 1 on loopback refuses; retry in an hour. */
	snprintf(text, sizeof(text), "[notify hook]\ntype = webhook\n"
	    "url = http://127.0.0.1:%d/hook\nstorm_threshold = 1\n"
	    "[notify dead]\ntype = webhook\nurl = http://127.0.0.1:1/\n"
	    "retry_initial = 1h\ncategories = DE\n", s.port);
	n = start(text, &o);
	for (int k = 1; k <= 3; k++) {
		msg_fill(&m, k, TAX_LEVEL_IV, "NA");
		assert_int_equal(notify_submit(n, &m), 1);
	}
	wait_results(n, 1);
	notify_flush(n);	/* no need to wait for the minute */
	wait_results(n, 2);
	assert_true(results[1].digest);
	assert_int_equal(results[1].n_incidents, 2);
	msg_fill(&m, 4, TAX_LEVEL_IV, "DE");
	assert_int_equal(notify_submit(n, &m), 2);	/* hook: a new digest */
	notify_free(n);
	/* The pending digest and the unsent send are reported, not lost. */
	assert_int_equal(nresults, 4);
	assert_true(results[2].digest || results[3].digest);
	assert_false(got_for("dead")->ok);
	sink_stop(&s);
}

static void
test_email(void **state)
{
	struct sink		 s;
	struct notify_opts	 o = { .on_result = on_result };
	struct notifier		*n;
	struct notify_msg	 m;
	char			 text[1024], *title;
	json_t			*reqs, *r, *defects;
	const char		*raw, *body;

	(void)state;
	if (sink_start(&s, "smtp", 0) == -1)
		skip();
	snprintf(text, sizeof(text), "[notify mail]\ntype = email\n"
	    "smtp_url = smtp://127.0.0.1:%d\ntls = none\n"
	    "from = shaobing@office.example.cn\n"
	    "to = admin@office.example.cn, duty@office.example.cn\n"
	    "[notify strict]\ntype = email\nsmtp_url = smtp://127.0.0.1:%d\n"
	    "from = shaobing@office.example.cn\nto = admin@office.example.cn\n"
	    "retries = 0\n", s.port, s.port);
	n = start(text, &o);
	msg_fill(&m, 42, TAX_LEVEL_II, "NASCAN");
	assert_int_equal(notify_submit(n, &m), 2);
	wait_results(n, 2);
	const struct got *g = got_for("mail");
	if (!g->ok)
		fail_msg("%s", g->error);
	assert_int_equal(g->status, 250);
	/* tls = required against a server without STARTTLS: refused. */
	g = got_for("strict");
	assert_false(g->ok);
	notify_free(n);
	reqs = sink_read(&s);
	assert_int_equal(json_array_size(reqs), 1);
	r = json_array_get(reqs, 0);
	assert_string_equal(json_string_value(json_object_get(r, "mail_from")),
	    "<shaobing@office.example.cn>");
	assert_int_equal(json_array_size(json_object_get(r, "rcpt")), 2);
	/* Python's email package decodes what we encoded. */
	defects = json_object_get(r, "defects");
	assert_int_equal(json_array_size(defects), 0);
	title = notify_render_title(&m, 1, false, 1);
	assert_string_equal(json_string_value(json_object_get(r, "subject")),
	    title);
	free(title);
	body = json_string_value(json_object_get(r, "body"));
	assert_non_null(strstr(body, "事件编号 Incident: #42"));
	assert_non_null(strstr(body, "标题 Title: 端口扫描 port scan"));
	assert_non_null(strstr(body, "级别 Level: 重大 II"));
	assert_non_null(strstr(body, "首次发现 First seen: 2026-11-27 21:37:20"));
	json_t *h = json_object_get(r, "headers");
	assert_non_null(json_object_get(h, "Date"));
	assert_non_null(strstr(json_string_value(json_object_get(h, "Date")),
	    "+0800"));
	assert_non_null(json_object_get(h, "Message-ID"));
	assert_string_equal(json_string_value(json_object_get(h, "MIME-Version")),
	    "1.0");
	/* RFC 5322: CRLF line ends, no line over 998 (we keep to 78). */
	raw = json_string_value(json_object_get(r, "raw"));
	for (const char *p = raw, *e; *p; p = e + 2) {
		e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true(e - p <= 78);
		assert_null(memchr(p, '\n', (size_t)(e - p)));
	}
	json_decref(reqs);
	sink_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sign_vectors, setup),
		cmocka_unit_test_setup(test_encodings, setup),
		cmocka_unit_test_setup(test_levels_route, setup),
		cmocka_unit_test_setup(test_recovery, setup),
		cmocka_unit_test_setup(test_conf_errors, setup),
		cmocka_unit_test_setup(test_example_conf, setup),
		cmocka_unit_test_setup(test_hostile_text, setup),
		cmocka_unit_test_setup(test_bodies, setup),
		cmocka_unit_test_setup(test_check_response, setup),
		cmocka_unit_test_setup(test_dingtalk_sign_urlencoded, setup),
		cmocka_unit_test_setup(test_http_channels, setup),
		cmocka_unit_test_setup(test_retry_then_ok, setup),
		cmocka_unit_test_setup(test_retry_exhausted_and_refused, setup),
		cmocka_unit_test_setup(test_storm, setup),
		cmocka_unit_test_setup(test_flush_and_shutdown, setup),
		cmocka_unit_test_setup(test_email, setup),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
