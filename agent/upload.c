/*
 * The uploader thread.  Contract and the reason for a thread in upload.h.
 *
 * Delivery rule: an event leaves the spool only when the collector
 * answered 200 {"stored_through": N} for a batch that contained it, and
 * only up to min(N, the batch's last seq) — we never delete what we did
 * not send.  Anything else (network error, 5xx, 4xx) keeps the batch and
 * retries after an exponential backoff with jitter, capped at retry_max.
 * 413 halves the batch; 400/401/403 are logged with the collector's
 * reason because only an admin can fix them.  A 503 with Retry-After
 * (the collector's store cannot write: disk full, read-only) waits that
 * long, at most RETRY_AFTER_MAX_S, instead of the backoff.
 *
 * A 200 may list events the collector could not store ("rejected":
 * [{"seq", "error"}]): they move to the spool's dead letters with the
 * reason (spool_reject(), which also writes a spool_rejected event) and
 * the rest is acknowledged as usual.  A resent batch is answered with
 * the same list; the move then finds nothing to do, so each rejection
 * is reported once.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "agent/http.h"
#include "agent/servers.h"
#include "agent/spool.h"
#include "agent/upload.h"
#include "common/log.h"
#include "probes/web/web.h"
#include "common/pki.h"
#include "common/timeutil.h"
#include "common/version.h"

#define UPLOAD_BATCH_BYTES	(4 << 20)	/* well under max_body 16M */
#define UPLOAD_FILE_MAX		(1 << 20)	/* a PEM file bigger is wrong */
#define NEVER			INT64_MAX
#define RETRY_AFTER_MAX_S	300

struct uploader {
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	bool			 stop, kicked, reconf;
	struct agent_conf	 ac;	/* under mu */
	struct upload_creds	 cr;	/* under mu */
	int64_t			 boot_ms;
	/* thread-only from here */
	struct agent_conf	 cur;
	struct upload_creds	 curcr;
	struct servers		 srv;	/* which collector of cur.server */
	struct spool		*sp;
	CURL			*curl;
	size_t			 batch_cur;
	unsigned		 fails;
	int64_t			 retry_after_ms; /* the collector's 503 asked */
	bool			 down;
	bool			 seq_checked;	/* a heartbeat told last_seq */
	bool			 revoked_logged;
	int64_t			 renew_after_mono; /* no renewal try before */
};

/* ---- credentials ---------------------------------------------------- */

static int
read_file(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > UPLOAD_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", path, UPLOAD_FILE_MAX);
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (n < (size_t)sb.st_size) {
		r = read(fd, buf + n, (size_t)sb.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: read error: %s", path,
			    r == 0 ? "file shrank" : strerror(errno));
			goto fail;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	*out = buf;
	*outlen = n;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

int
upload_creds_load(struct upload_creds *cr, const struct agent_conf *ac,
    char *err, size_t errlen)
{
	memset(cr, 0, sizeof(*cr));
	if (read_file(ac->ca, &cr->ca, &cr->ca_len, err, errlen) == -1 ||
	    read_file(ac->cert, &cr->cert, &cr->cert_len, err, errlen) == -1 ||
	    read_file(ac->key, &cr->key, &cr->key_len, err, errlen) == -1) {
		upload_creds_free(cr);
		return -1;
	}
	return 0;
}

void
upload_creds_free(struct upload_creds *cr)
{
	if (cr == NULL)
		return;
	free(cr->ca);
	free(cr->cert);
	if (cr->key != NULL)
		explicit_bzero(cr->key, cr->key_len);
	free(cr->key);
	memset(cr, 0, sizeof(*cr));
}

/* ---- helpers -------------------------------------------------------- */

int
upload_gzip(const char *in, size_t inlen, char **out, size_t *outlen)
{
	z_stream	 z;
	char		*buf;
	size_t		 cap;
	int		 rc;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper, as Content-Encoding: gzip wants. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)inlen) + 32;
	if ((buf = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)inlen;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return -1;
	}
	*outlen = z.total_out;
	*out = buf;
	deflateEnd(&z);
	return 0;
}

int64_t
upload_backoff_ms(unsigned n, int64_t base_ms, int64_t max_ms, uint32_t r)
{
	int64_t d = base_ms > 0 ? base_ms : 1000;

	for (unsigned i = 1; i < n && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* Jitter in [d/2, d]: agents that lost the collector together do
	 * not all come back in the same second. */
	return d / 2 + (int64_t)(r % (uint64_t)(d / 2 + 1));
}

static uint32_t
rand32(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)time_mono_ms() * 2654435761u;
	return r;
}

/*
 * POST body to server + path with our certificate.  Returns the HTTP
 * status, or -1 on a transport error with err filled.
 */
static long
post(struct uploader *u, const char *path, const char *body, size_t len,
    bool gzipped, struct agent_http_answer *r, char *err, size_t errlen)
{
	char				msg[1024];
	struct agent_http_req		rq;

	if (servers_maybe_primary(&u->srv, time_mono_ms(), msg,
	    sizeof(msg)) == 1)
		log_info("%s", msg);
	rq = (struct agent_http_req){
		.server = servers_current(&u->srv), .path = path,
		.ca = u->curcr.ca, .ca_len = u->curcr.ca_len,
		.cert = u->curcr.cert, .cert_len = u->curcr.cert_len,
		.key = u->curcr.key, .key_len = u->curcr.key_len,
		.body = body, .body_len = len, .gzipped = gzipped,
		.connect_timeout_ms = 10000, .timeout_ms = 120000,
	};

	return agent_http_call(u->curl, &rq, r, err, errlen);
}

static void
note_failure(struct uploader *u, const char *why)
{
	struct spool_stats	st;
	char			err[256];

	u->fails++;
	if (u->down) {
		log_debug("upload still failing (%u times): %s", u->fails, why);
		return;
	}
	u->down = true;
	if (spool_stats(u->sp, &st, err, sizeof(err)) == -1)
		st.events = 0;
	log_warnx("cannot deliver to the collector %s: %s; %llu events stay "
	    "in the spool and are retried with backoff (up to retry_max)",
	    servers_current(&u->srv), why, (unsigned long long)st.events);
}

static void
note_success(struct uploader *u)
{
	if (u->down)
		log_info("collector %s reachable again after %u failed "
		    "attempts; sending the spooled events",
		    servers_current(&u->srv), u->fails);
	u->down = false;
	u->fails = 0;
	servers_ok(&u->srv);
}

/*
 * A request failed with code (-1: no answer) and why.  With several
 * collectors and a failure another one may not have (servers.h), move
 * to the next: -3 when it has not failed yet (try it at once), else -1
 * (back off).  With one collector, or a failure that is about us (4xx),
 * the usual note_failure() and -1.
 */
static int
fail_or_switch(struct uploader *u, long code, bool retry_after,
    const char *why)
{
	char	msg[1024];
	int	r;

	if (!servers_should_switch(code, retry_after) ||
	    (r = servers_failed(&u->srv, why, time_mono_ms(), msg,
	    sizeof(msg))) == -1) {
		note_failure(u, why);
		return -1;
	}
	if (r == 1) {
		log_warnx("%s", msg);
		return -3;
	}
	u->fails++;
	u->down = true;
	if (msg[0] != '\0')
		log_warnx("%s", msg);
	else
		log_debug("upload still failing (%u times): %s", u->fails, why);
	return -1;
}

/*
 * A 403 with "revoked": true gets its own log line, once: only the
 * administrator can undo it, and the agent cannot do anything about it.
 * 1 when that was the case.
 */
static int
note_revoked(struct uploader *u, long code, const struct agent_http_answer *r)
{
	json_t	*o;
	int	 revoked;

	if (code != 403)
		return 0;
	o = json_loadb(r->buf, r->len, 0, NULL);
	revoked = json_is_true(json_object_get(o, "revoked"));
	if (revoked && !u->revoked_logged) {
		log_errorx("this agent (%s) has been REVOKED by the collector's "
		    "administrator: %s; nothing is delivered (events stay in the "
		    "spool and go out on their own once it is undone). If that "
		    "is a mistake, ask the administrator to run: shaobing "
		    "agents unrevoke %s", u->cur.name,
		    json_string_value(json_object_get(o, "error")) ?: "revoked",
		    u->cur.name);
		u->revoked_logged = true;
	}
	json_decref(o);
	return revoked;
}

/*
 * The events of batch first..through the collector answered as rejected:
 * to the dead letters.  0, or -1 when the spool failed (the batch stays
 * and is sent again; the collector tells the same rejections again).
 */
static int
take_rejected(struct uploader *u, const json_t *ans, uint64_t first,
    uint64_t through)
{
	const json_t	*arr = json_object_get(ans, "rejected"), *v;
	char		 err[512];
	size_t		 i;

	json_array_foreach(arr, i, v) {
		json_t		*s = json_object_get(v, "seq");
		const char	*why = json_string_value(json_object_get(v,
				    "error"));
		uint64_t	 seq;
		int		 r;

		if (!json_is_integer(s) || json_integer_value(s) < 0)
			continue;
		seq = (uint64_t)json_integer_value(s);
		if (seq < first || seq > through)
			continue;
		if (why == NULL)
			why = "no reason given";
		if ((r = spool_reject(u->sp, seq, why, err, sizeof(err))) == -1) {
			log_warnx("%s; the batch will be sent again", err);
			return -1;
		}
		if (r == 0)
			continue;	/* moved when first told */
		log_warnx("the collector rejected event seq %llu (it cannot store "
		    "it): %s; moved to the dead letters of the spool %s "
		    "(shaobing-agent --rejected lists them)%s; the other events "
		    "go on", (unsigned long long)seq, why, u->cur.spool,
		    r == 1 ? " and reported as spool_rejected" : " (it was a "
		    "spool_rejected report itself: not reported again)");
	}
	return 0;
}

/*
 * One batch.  1 sent (maybe more left), 0 spool empty, -1 failed (back
 * off), -2 retry at once with a smaller batch, -3 retry at once on
 * another collector.
 */
static int
upload_once(struct uploader *u)
{
	struct event_batch	 b;
	struct agent_http_answer		*r = NULL;
	json_t			*body = NULL, *evs, *ans = NULL, *st;
	char			*text = NULL, *gz = NULL, err[512], tmp[300];
	size_t			 gzlen = 0;
	uint64_t		 first, last, through;
	long			 code;
	int			 rc = -1;
	int64_t			 n;

	if (spool_read_batch(u->sp, u->cur.name, u->batch_cur,
	    UPLOAD_BATCH_BYTES, &b, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (b.n == 0) {
		event_batch_free(&b);
		return 0;
	}
	first = b.events[0].seq;
	last = b.events[b.n - 1].seq;
	if ((body = json_object()) == NULL || (evs = json_array()) == NULL ||
	    json_object_set_new(body, "agent", json_string(b.agent)) == -1 ||
	    json_object_set_new(body, "events", evs) == -1)
		goto nomem;
	for (size_t i = 0; i < b.n; i++)
		if (json_array_append_new(evs, event_to_json(&b.events[i])) == -1)
			goto nomem;
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL ||
	    upload_gzip(text, strlen(text), &gz, &gzlen) == -1 ||
	    (r = malloc(sizeof(*r))) == NULL)
		goto nomem;
	log_debug("uploading events %llu..%llu (%zu events, %zu bytes gzip'd "
	    "from %zu)", (unsigned long long)first, (unsigned long long)last,
	    b.n, gzlen, strlen(text));
	code = post(u, "/api/v1/events", gz, gzlen, true, r, err, sizeof(err));
	if (code == -1) {
		rc = fail_or_switch(u, code, false, err);
		goto out;
	}
	if (code == 200) {
		ans = json_loadb(r->buf, r->len, 0, NULL);
		st = json_object_get(ans, "stored_through");
		if (!json_is_integer(st) || json_integer_value(st) < 0 ||
		    (uint64_t)json_integer_value(st) < first) {
			snprintf(tmp, sizeof(tmp), "answer 200 without a valid "
			    "stored_through for events %llu..%llu",
			    (unsigned long long)first, (unsigned long long)last);
			note_failure(u, tmp);
			goto out;
		}
		through = (uint64_t)json_integer_value(st);
		if (through > last)
			through = last;
		if (take_rejected(u, ans, first, through) == -1)
			goto out;
		if ((n = spool_ack(u->sp, through, err, sizeof(err))) == -1) {
			log_warnx("%s; the batch will be sent again (the "
			    "collector stores it once)", err);
			goto out;
		}
		note_success(u);
		log_debug("collector stored through seq %llu; %lld events "
		    "removed from the spool", (unsigned long long)through,
		    (long long)n);
		if (u->batch_cur < (size_t)u->cur.batch_max)
			u->batch_cur = u->batch_cur * 2 > (size_t)u->cur.batch_max ?
			    (size_t)u->cur.batch_max : u->batch_cur * 2;
		rc = 1;
		goto out;
	}
	if (code == 413 && u->batch_cur > 1) {
		u->batch_cur = b.n / 2 > 0 ? b.n / 2 : 1;
		log_info("collector says a batch of %zu events is too large; "
		    "trying %zu", b.n, u->batch_cur);
		rc = -2;
		goto out;
	}
	if (note_revoked(u, code, r)) {
		note_failure(u, "revoked by the administrator");
		goto out;
	}
	if (code == 401 || code == 403) {
		snprintf(tmp, sizeof(tmp), "refused (HTTP %ld: %s); check that "
		    "[agent] name equals the certificate's CN and that this "
		    "agent is enrolled", code, agent_http_reason(r, err, sizeof(err)));
		if (!u->down)
			log_errorx("collector %s %s", servers_current(&u->srv),
			    tmp);
		note_failure(u, tmp);
		goto out;
	}
	if (code == 503 && r->retry_after > 0) {
		u->retry_after_ms = (int64_t)(r->retry_after < RETRY_AFTER_MAX_S ?
		    r->retry_after : RETRY_AFTER_MAX_S) * 1000;
		snprintf(tmp, sizeof(tmp), "HTTP 503: %s; sending again in %lld "
		    "s as the collector asked (Retry-After)",
		    agent_http_reason(r, err, sizeof(err)),
		    (long long)(u->retry_after_ms / 1000));
		note_failure(u, tmp);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "HTTP %ld: %s", code,
	    agent_http_reason(r, err, sizeof(err)));
	if (code >= 400 && code < 500 && code != 408 && code != 429)
		log_errorx("collector rejected events %llu..%llu: %s; they stay "
		    "in the spool — report this as a bug with the agent log",
		    (unsigned long long)first, (unsigned long long)last, tmp);
	rc = fail_or_switch(u, code, false, tmp);
	goto out;
nomem:
	log_warnx("uploader: out of memory building a batch of %zu events", b.n);
out:
	json_decref(ans);
	json_decref(body);
	free(text);
	free(gz);
	free(r);
	event_batch_free(&b);
	return rc;
}

/*
 * The heartbeat answer's last_seq: the collector's highest seq of ours.
 * A spool counting below it is fresh (reinstall, re-enrollment): move
 * its events above, or the collector would take them for resends.
 */
static void
seq_continuity(struct uploader *u, const struct agent_http_answer *r)
{
	json_t	*o = json_loadb(r->buf, r->len, 0, NULL);
	json_t	*v = json_object_get(o, "last_seq");
	char	 err[300];
	int64_t	 moved;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		moved = spool_raise_seq(u->sp, (uint64_t)json_integer_value(v),
		    err, sizeof(err));
		if (moved == -1)
			log_warnx("%s; events may be taken for resends by the "
			    "collector", err);
		else if (moved > 0)
			log_warnx("the collector already holds events up to seq "
			    "%lld from agent %s (a fresh or recovered spool, a reinstall or "
			    "re-enrollment?); waiting events renumbered from %lld "
			    "on so none is lost", (long long)json_integer_value(v),
			    u->cur.name, (long long)json_integer_value(v) + 1);
		u->seq_checked = true;
	} else if (v == NULL) {
		/* An older collector: nothing to compare with (a recovered
		   spool's held-back events go as they are). */
		(void)spool_raise_seq(u->sp, 0, err, sizeof(err));
		u->seq_checked = true;
	}
	json_decref(o);
}

/*
 * Renew our certificate at 2/3 of its lifetime through POST /api/v1/renew
 * (authenticated by the current certificate), with a new key made here.
 * The files at [agent] key and cert are replaced (atomically each, key
 * first); under systemd they must live in /var/lib/shaobing, which is
 * where `shaobing-agent enroll` puts them.
 */
static void
maybe_renew(struct uploader *u)
{
	struct pki_cert		*cur = NULL, *nc = NULL;
	struct pki_key		*key = NULL;
	struct upload_creds	 cr;
	struct agent_http_answer		*r = NULL;
	json_t			*body = NULL, *ans = NULL;
	char			*csr = NULL, *text = NULL, err[512], why[300];
	long long		 nb, na;
	int64_t			 now = time_now_ms();
	long			 code;

	if (time_mono_ms() < u->renew_after_mono)
		return;
	if ((cur = pki_cert_from_pem(u->curcr.cert, u->curcr.cert_len, err,
	    sizeof(err))) == NULL || pki_cert_not_before(cur, &nb) == -1 ||
	    pki_cert_not_after(cur, &na) == -1 ||
	    now < nb + (na - nb) / 3 * 2)
		goto out;
	/* Whatever happens, not again before the next minute. */
	u->renew_after_mono = time_mono_ms() + 60000;
	if ((key = pki_key_new(err, sizeof(err))) == NULL ||
	    (csr = pki_csr_new(key, u->cur.name, err, sizeof(err))) == NULL ||
	    (body = json_pack("{s:s}", "csr", csr)) == NULL ||
	    (text = json_dumps(body, JSON_COMPACT)) == NULL ||
	    (r = malloc(sizeof(*r))) == NULL) {
		log_warnx("certificate renewal: cannot make a key and request: "
		    "%s", err);
		goto out;
	}
	code = post(u, "/api/v1/renew", text, strlen(text), false, r, err,
	    sizeof(err));
	if (code != 200) {
		if (code != -1 && note_revoked(u, code, r))
			goto out;
		log_warnx("certificate renewal failed (%s); the certificate "
		    "expires in %lld h; retrying in a minute", code == -1 ? err :
		    agent_http_reason(r, why, sizeof(why)), (na - now) / 3600000);
		goto out;
	}
	ans = json_loadb(r->buf, r->len, 0, NULL);
	if (!json_is_string(json_object_get(ans, "cert")) || (nc =
	    pki_cert_from_pem(json_string_value(json_object_get(ans, "cert")),
	    json_string_length(json_object_get(ans, "cert")), err,
	    sizeof(err))) == NULL || !pki_cert_matches_key(nc, key)) {
		log_warnx("certificate renewal: the collector's answer holds no "
		    "certificate for our new key; retrying in a minute");
		goto out;
	}
	if (pki_key_write(key, u->cur.key, err, sizeof(err)) == -1 ||
	    pki_cert_write(nc, u->cur.cert, err, sizeof(err)) == -1) {
		log_errorx("certificate renewal: %s; the certificate expires in "
		    "%lld h: keep [agent] key and cert in /var/lib/shaobing "
		    "(shaobing-agent enroll puts them there)", err,
		    (na - now) / 3600000);
		goto out;
	}
	if (upload_creds_load(&cr, &u->cur, err, sizeof(err)) == -1) {
		log_errorx("certificate renewal: reading the new files: %s", err);
		goto out;
	}
	upload_creds_free(&u->curcr);
	u->curcr = cr;
	pki_cert_not_after(nc, &na);
	log_info("certificate renewed with a new key; valid until %lld "
	    "(UTC ms)", na);
out:
	pki_cert_free(cur);
	pki_cert_free(nc);
	pki_key_free(key);
	free(csr);
	free(text);
	free(r);
	json_decref(body);
	json_decref(ans);
}

/*
 * The heartbeat answer's rebaseline: websites whose new baselines the
 * administrator asked for (`shaobing websites rebaseline NAME`); the
 * [website] probe takes them on its next run.
 */
static void
rebaseline_asked(const struct agent_http_answer *r)
{
	json_t	*o = json_loadb(r->buf, r->len, 0, NULL);
	json_t	*v;
	size_t	 i;

	json_array_foreach(json_object_get(o, "rebaseline"), i, v) {
		const char *name = json_string_value(v);

		if (name == NULL)
			continue;
		if (website_rebaseline_request(name) == -1)
			log_warnx("the collector asked for new baselines of "
			    "website %s, but too many requests wait or the name "
			    "is too long; ask again later", name);
		else
			log_info("the collector asked for new baselines of "
			    "website %s", name);
	}
	json_decref(o);
}

/* 1 when it failed and another collector is to be tried at once. */
static int
heartbeat(struct uploader *u)
{
	char		 ts[32], boot[32], err[256], *text;
	struct agent_http_answer	*r;
	json_t		*o;
	long		 code;
	int		 switched = 0;

	if (time_format_utc(time_now_ms(), ts, sizeof(ts)) == -1 ||
	    time_format_utc(u->boot_ms, boot, sizeof(boot)) == -1)
		return 0;
	o = json_pack("{s:s, s:s, s:I, s:s}", "agent", u->cur.name, "ts", ts,
	    "interval_s", (json_int_t)(u->cur.heartbeat_ms / 1000 > 0 ?
	    u->cur.heartbeat_ms / 1000 : 1), "boot_ts", boot);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL || (r = malloc(sizeof(*r))) == NULL) {
		free(text);
		return 0;
	}
	code = post(u, "/api/v1/heartbeat", text, strlen(text), false, r, err,
	    sizeof(err));
	if (code == 200) {
		log_debug("heartbeat sent");
		note_success(u);
		u->revoked_logged = false;
		seq_continuity(u, r);
		rebaseline_asked(r);
		maybe_renew(u);
	} else if (note_revoked(u, code, r)) {
		note_failure(u, "revoked by the administrator");
	} else if (code == -1) {
		switched = fail_or_switch(u, code, false, err) == -3;
	} else {
		char why[300], reason[256];

		snprintf(why, sizeof(why), "heartbeat answered HTTP %ld: %s",
		    code, agent_http_reason(r, reason, sizeof(reason)));
		/* A 503 with Retry-After is the shared store: stay. */
		switched = fail_or_switch(u, code, code == 503 &&
		    r->retry_after > 0, why) == -3;
	}
	free(text);
	free(r);
	return switched;
}

/* Take the settings handed over by uploader_reconfigure().  Under mu. */
static void
take_config(struct uploader *u)
{
	struct servers	old = u->srv;
	char		why[300];

	if (servers_init(&u->srv, u->ac.server, u->ac.retry_primary_ms, &old,
	    time_mono_ms(), why, sizeof(why)) == -1) {
		/* The configuration check refused this already. */
		log_warnx("[agent] server: %s; keeping the collectors in use",
		    why);
		u->srv = old;
	}
	u->cur = u->ac;
	if (u->cr.ca != NULL) {
		upload_creds_free(&u->curcr);
		u->curcr = u->cr;
		memset(&u->cr, 0, sizeof(u->cr));
	}
	spool_set_max(u->sp, u->cur.spool_max);
	u->batch_cur = (size_t)u->cur.batch_max;
	u->reconf = false;
}

static void
wait_until(struct uploader *u, int64_t deadline_mono)
{
	struct timespec	ts;
	int64_t		ms;

	if (deadline_mono == NEVER) {
		pthread_cond_wait(&u->cv, &u->mu);
		return;
	}
	ms = deadline_mono;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	pthread_cond_timedwait(&u->cv, &u->mu, &ts);
}

static void *
uploader_thread(void *arg)
{
	struct uploader	*u = arg;
	int64_t		 now, next_hb, next_up;
	int		 rc;

	pthread_mutex_lock(&u->mu);
	take_config(u);
	now = time_mono_ms();
	next_hb = now;		/* say hello at once */
	next_up = now;		/* whatever the last run left behind */
	while (!u->stop) {
		if (u->reconf)
			take_config(u);
		now = time_mono_ms();
		if (u->kicked) {
			u->kicked = false;
			if (next_up == NEVER)
				next_up = now + u->cur.upload_ms;
		}
		if (now >= next_hb) {
			int switched;

			pthread_mutex_unlock(&u->mu);
			switched = heartbeat(u);
			pthread_mutex_lock(&u->mu);
			/* Until the collector told us its last seq, ask again
			   soon: uploads wait for it. */
			next_hb = time_mono_ms() + (switched ? 0 :
			    u->seq_checked ? u->cur.heartbeat_ms :
			    upload_backoff_ms(u->fails ? u->fails : 1, 1000,
			    u->cur.retry_max_ms, rand32()));
			/* Events from another process (shaobing-agent --emit)
			 * kick nobody: look at the spool once a heartbeat. */
			if (next_up == NEVER)
				next_up = time_mono_ms();
			continue;
		}
		if (now >= next_up && u->seq_checked) {
			pthread_mutex_unlock(&u->mu);
			rc = upload_once(u);
			pthread_mutex_lock(&u->mu);
			now = time_mono_ms();
			if (rc == 1 || rc == -2 || rc == -3)
				next_up = now;
			else if (rc == 0 && spool_seq_pending(u->sp) == 1) {
				/* A recovered spool holds its new events back
				 * until the collector tells its last seq. */
				u->seq_checked = false;
				next_hb = now + upload_backoff_ms(u->fails ?
				    u->fails : 1, 1000, u->cur.retry_max_ms,
				    rand32());
			} else if (rc == 0) {
				/* Idle until the next event: hand the pages of
				 * the request (TLS, gzip, JSON) back. */
				next_up = NEVER;
				malloc_trim(0);
			}
			else if (u->retry_after_ms > 0) {
				next_up = now + u->retry_after_ms;
				u->retry_after_ms = 0;
			} else
				next_up = now + upload_backoff_ms(u->fails > 0 ?
				    u->fails : 1, 1000, u->cur.retry_max_ms,
				    rand32());
			continue;
		}
		wait_until(u, next_up < next_hb && u->seq_checked ? next_up :
		    next_hb);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

struct uploader *
uploader_start(const struct agent_conf *ac, struct upload_creds *cr,
    int64_t boot_ms, char *err, size_t errlen)
{
	struct uploader		*u;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(err, errlen, "uploader: out of memory");
		return NULL;
	}
	u->ac = *ac;
	u->cr = *cr;
	memset(cr, 0, sizeof(*cr));
	u->boot_ms = boot_ms;
	if ((u->sp = spool_open(ac->spool, ac->spool_max, err, errlen)) == NULL)
		goto fail;
	if ((u->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "uploader: cannot initialise libcurl");
		goto fail;
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_condattr_init(&ca);
	/* Deadlines on the monotonic clock: a clock step must not stall us. */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->cv, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * The thread starts with every signal blocked, so SIGTERM and SIGHUP
	 * always reach the event loop's handlers in the main thread.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = pthread_create(&u->thread, NULL, uploader_thread, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0) {
		snprintf(err, errlen, "uploader: cannot start thread: %s",
		    strerror(errno));
		pthread_cond_destroy(&u->cv);
		pthread_mutex_destroy(&u->mu);
		goto fail;
	}
	return u;
fail:
	curl_easy_cleanup(u->curl);
	spool_close(u->sp);
	upload_creds_free(&u->cr);
	free(u);
	return NULL;
}

void
uploader_kick(struct uploader *u)
{
	pthread_mutex_lock(&u->mu);
	u->kicked = true;
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
}

void
uploader_reconfigure(struct uploader *u, const struct agent_conf *ac,
    struct upload_creds *cr)
{
	pthread_mutex_lock(&u->mu);
	u->ac = *ac;
	if (cr != NULL) {
		upload_creds_free(&u->cr);
		u->cr = *cr;
		memset(cr, 0, sizeof(*cr));
	}
	u->reconf = true;
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
}

void
uploader_stop(struct uploader *u)
{
	if (u == NULL)
		return;
	pthread_mutex_lock(&u->mu);
	u->stop = true;
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
	/* A batch in flight completes (bounded by CURLOPT_TIMEOUT) first. */
	pthread_join(u->thread, NULL);
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->mu);
	curl_easy_cleanup(u->curl);
	spool_close(u->sp);
	upload_creds_free(&u->cr);
	upload_creds_free(&u->curcr);
	free(u);
}
