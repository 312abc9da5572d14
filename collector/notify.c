/*
 * Notifications: channel configuration, routing, storm control, and the
 * sender thread.  See notify.h for the contract, notify_format.c for what
 * goes on the wire.
 *
 * Threads: the caller's thread (the collector's event loop) calls
 * notify_submit()/notify_flush()/notify_dispatch(); one sender thread
 * drives libcurl's multi interface.  They share the job list, the storm
 * state and the result list under one mutex; curl_multi_wakeup() pokes
 * the sender, a pipe tells the caller that results wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/log.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "common/version.h"
#include "collector/notify.h"
#include "common/taxonomy.h"

#define DIGEST_LIST_MAX	20	/* incidents listed by name in a digest */
#define ANSWER_MAX	65536	/* bytes of a robot's answer we keep */

/* ---- configuration -------------------------------------------------- */

static const char *const type_choices[] = {
	"email", "webhook", "dingtalk", "wecom", "feishu", NULL
};
static const char *const tls_choices[] = { "required", "try", "none", NULL };
/* Choice index = level (common/taxonomy.h); "none" is refused. */
static const char *const level_choices[] = { "none", "I", "II", "III", "IV",
	NULL };

static int
validate_level(const void *field, char *why, size_t whylen)
{
	if (*(const int *)field != TAX_LEVEL_NONE)
		return 0;
	snprintf(why, whylen, "expected IV, III, II or I");
	return -1;
}

#define OFF(f)	offsetof(struct notify_channel_conf, f)
#define SZ(f)	sizeof(((struct notify_channel_conf *)0)->f)

const struct conf_opt notify_channel_opts[] = {
	{ "type", CONF_ENUM, OFF(type), 0, 0, 0, NULL, type_choices, NULL,
	  "email, webhook, dingtalk, wecom or feishu" },
	{ "url", CONF_STR, OFF(url), SZ(url), 0, 0, "", NULL, NULL,
	  "webhook or robot URL" },
	{ "smtp_url", CONF_STR, OFF(smtp_url), SZ(smtp_url), 0, 0, "", NULL,
	  NULL, "smtp://host:587 or smtps://host:465" },
	{ "from", CONF_STR, OFF(from), SZ(from), 0, 0, "", NULL, NULL,
	  "sender address" },
	{ "to", CONF_STR, OFF(to), SZ(to), 0, 0, "", NULL, NULL,
	  "recipients, comma-separated" },
	{ "username", CONF_STR, OFF(username), SZ(username), 0, 0, "", NULL,
	  NULL, "SMTP user" },
	{ "password", CONF_STR, OFF(password), SZ(password), 0, 0, "", NULL,
	  NULL, "SMTP password" },
	{ "secret", CONF_STR, OFF(secret), SZ(secret), 0, 0, "", NULL, NULL,
	  "signing secret" },
	{ "ca", CONF_STR, OFF(ca), SZ(ca), 0, 0, "", NULL, NULL,
	  "CA file for the server certificate" },
	{ "tls", CONF_ENUM, OFF(tls), 0, 0, 0, "required", tls_choices, NULL,
	  "STARTTLS on smtp://" },
	{ "min_level", CONF_ENUM, OFF(min_level), 0, 0, 0, "IV", level_choices,
	  validate_level, "least severe level sent" },
	{ "categories", CONF_STR, OFF(categories), SZ(categories), 0, 0, "",
	  NULL, NULL, "category codes or prefixes; empty = all" },
	{ "timeout", CONF_DURATION, OFF(timeout_ms), 0, 100, 600000, "10s",
	  NULL, NULL, "per attempt" },
	{ "retries", CONF_INT, OFF(retries), 0, 0, 100, "5", NULL, NULL,
	  "attempts after the first" },
	{ "retry_initial", CONF_DURATION, OFF(retry_initial_ms), 0, 10,
	  3600000, "2s", NULL, NULL, "first backoff" },
	{ "retry_max", CONF_DURATION, OFF(retry_max_ms), 0, 10, 86400000,
	  "5m", NULL, NULL, "backoff cap" },
	{ "storm_threshold", CONF_INT, OFF(storm_threshold), 0, 1, 100000,
	  "10", NULL, NULL, "incidents a minute sent one by one" },
	{ "recovery", CONF_BOOL, OFF(recovery), 0, 0, 0, "yes", NULL, NULL,
	  "tell when an incident resolves by itself" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

struct load_ctx {
	struct conf		*c;
	struct notify_conf	*nc;
	struct conf_err		*err;
};

/* An address we put into a header and an SMTP envelope: no spaces,
 * controls, brackets, quotes or commas, one '@' with text on both sides. */
static bool
addr_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("<>()[],;:\\\"", *p))
			return false;
	return strlen(a) < 250;
}

static bool
has_prefix(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

static int
channel_check(struct load_ctx *x, struct notify_channel_conf *ch)
{
	const char	*path = conf_path(x->c);
	char		 item[256];
	const char	*cur;
	int		 n = 0;

	if (ch->type == NOTIFY_EMAIL) {
		if (ch->smtp_url[0] == '\0') {
			conf_err_set(x->err, "%s:%d: [notify %s] type email needs "
			    "smtp_url (smtp://host:587 or smtps://host:465)",
			    path, ch->line, ch->name);
			return -1;
		}
		if (!has_prefix(ch->smtp_url, "smtp://") &&
		    !has_prefix(ch->smtp_url, "smtps://")) {
			conf_err_set(x->err, "%s:%d: [notify %s] smtp_url must start "
			    "with smtp:// or smtps://", path, ch->line, ch->name);
			return -1;
		}
		if (!addr_ok(ch->from)) {
			conf_err_set(x->err, "%s:%d: [notify %s] from must be one "
			    "address like shaobing@example.gov.cn", path,
			    ch->line, ch->name);
			return -1;
		}
		cur = ch->to;
		for (int r; (r = conf_list_next(&cur, item, sizeof(item))) != 0;
		    n++) {
			if (r == -1 || !addr_ok(item)) {
				conf_err_set(x->err, "%s:%d: [notify %s] to: '%s' is "
				    "not an address", path, ch->line, ch->name,
				    r == -1 ? "(too long)" : item);
				return -1;
			}
		}
		if (n == 0) {
			conf_err_set(x->err, "%s:%d: [notify %s] type email needs to "
			    "(one or more recipients)", path, ch->line, ch->name);
			return -1;
		}
		return 0;
	}
	if (ch->url[0] == '\0') {
		conf_err_set(x->err, "%s:%d: [notify %s] type %s needs url", path,
		    ch->line, ch->name, notify_type_name(ch->type));
		return -1;
	}
	if (!has_prefix(ch->url, "http://") && !has_prefix(ch->url, "https://")) {
		conf_err_set(x->err, "%s:%d: [notify %s] url must start with http:// "
		    "or https://", path, ch->line, ch->name);
		return -1;
	}
	if (ch->type == NOTIFY_WECOM && ch->secret[0] != '\0') {
		conf_err_set(x->err, "%s:%d: [notify %s] WeCom robots do not sign; "
		    "remove secret", path, ch->line, ch->name);
		return -1;
	}
	return 0;
}

static int
channel_load(void *arg, const char *name, const char *section, int line)
{
	struct load_ctx			*x = arg;
	struct notify_channel_conf	*ch;
	void				*p;

	if (strlen(name) >= sizeof(ch->name)) {
		conf_err_set(x->err, "%s:%d: [%s]: channel name longer than %zu bytes",
		    conf_path(x->c), line, section, sizeof(ch->name) - 1);
		return -1;
	}
	if ((p = realloc(x->nc->ch, (x->nc->n + 1) * sizeof(*ch))) == NULL) {
		conf_err_set(x->err, "%s:%d: out of memory", conf_path(x->c), line);
		return -1;
	}
	x->nc->ch = p;
	ch = &x->nc->ch[x->nc->n];
	memset(ch, 0, sizeof(*ch));
	ch->type = -1;
	if (conf_apply(x->c, section, notify_channel_opts, ch, x->err) == -1)
		return -1;
	text_printf(ch->name, sizeof(ch->name), "%s", name);
	ch->line = line;
	if (ch->type == -1) {
		conf_err_set(x->err, "%s:%d: [%s] needs type (email, webhook, "
		    "dingtalk, wecom or feishu)", conf_path(x->c), line, section);
		return -1;
	}
	if (ch->retry_max_ms < ch->retry_initial_ms)
		ch->retry_max_ms = ch->retry_initial_ms;
	if (channel_check(x, ch) == -1)
		return -1;
	x->nc->n++;
	return 0;
}

int
notify_conf_load(struct conf *c, struct notify_conf *nc, struct conf_err *err)
{
	struct load_ctx x = { c, nc, err };

	memset(nc, 0, sizeof(*nc));
	if (conf_foreach(c, "notify", channel_load, &x) != 0) {
		notify_conf_free(nc);
		return -1;
	}
	return 0;
}

void
notify_conf_free(struct notify_conf *nc)
{
	if (nc == NULL)
		return;
	free(nc->ch);
	nc->ch = NULL;
	nc->n = 0;
}

bool
notify_route(const struct notify_channel_conf *ch, const struct notify_msg *m)
{
	const char	*cur = ch->categories;
	char		 item[64];
	int		 r, any = 0;

	if (!tax_level_at_least(m->level, ch->min_level))
		return false;
	if (m->recovery && !ch->recovery)
		return false;
	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		any = 1;
		if (r == 1 && strncmp(m->category, item, strlen(item)) == 0)
			return true;
	}
	return !any;
}

/* ---- the sender ----------------------------------------------------- */

struct job {
	struct job		*next;
	size_t			 ch;		/* index into n->ch */
	bool			 digest;
	struct notify_msg	*msgs;		/* listed by name */
	size_t			 nmsgs;
	int64_t			*ids;		/* all incidents told about, then
						   their outbox rows: 2 * nids */
	size_t			 nids;
	int			 attempts;
	int64_t			 next_at;	/* monotonic ms */
	int64_t			 queued_ms;	/* notifier clock */
	bool			 inflight;
	/* one attempt */
	CURL			*easy;
	struct curl_slist	*hdrs, *rcpt;
	char			*payload;	/* request body or email */
	size_t			 paylen, payoff;
	char			*answer;
	size_t			 anslen;
	char			 curlerr[CURL_ERROR_SIZE];
	long			 status;
	char			 error[256];
};

struct storm {
	int64_t			 minute;	/* of the count below */
	int			 count;
	/* The digest being collected for `minute`. */
	struct notify_msg	 list[DIGEST_LIST_MAX];
	size_t			 nlist;
	int64_t			*ids, *oids;	/* incidents, outbox rows */
	size_t			 nids, capids;
	int64_t			 first_ms;
};

struct result {
	struct result		*next;
	struct notify_result	 r;
	int64_t			*ids;
};

struct notifier {
	struct notify_channel_conf	*ch;
	size_t				 nch;
	struct storm			*storm;
	struct notify_opts		 o;
	pthread_t			 thread;
	bool				 started;
	pthread_mutex_t			 mu;
	CURLM				*multi;
	struct job			*jobs;		/* waiting or in flight */
	struct result			*res, **res_tail;
	size_t				 nres, njobs;
	bool				 stop, flush;
	int				 pipe[2];
};

static int64_t
now_ms(const struct notifier *n)
{
	return n->o.clock ? n->o.clock(n->o.clock_arg) : time_now_ms();
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->msgs);
	free(j->ids);
	free(j->payload);
	free(j->answer);
	curl_slist_free_all(j->hdrs);
	curl_slist_free_all(j->rcpt);
	if (j->easy != NULL)
		curl_easy_cleanup(j->easy);
	free(j);
}

/* Call with mu held.  Hands the job's ids over to the result (NULL when
   out of memory). */
static struct result *
job_finish(struct notifier *n, struct job *j, bool ok, const char *error)
{
	struct result	*r = calloc(1, sizeof(*r));
	char		 c = 1;

	if (r == NULL) {
		log_warnx("notify: out of memory recording a send to %s; the "
		    "send happened (%s) but is not recorded",
		    n->ch[j->ch].name, ok ? "ok" : "failed");
		return NULL;
	}
	r->ids = j->ids;
	j->ids = NULL;
	r->r.channel = n->ch[j->ch].name;
	r->r.type = (enum notify_type)n->ch[j->ch].type;
	r->r.digest = j->digest;
	r->r.incident_ids = r->ids;
	r->r.outbox_ids = r->ids + j->nids;
	r->r.n_incidents = j->nids;
	r->r.ok = ok;
	r->r.attempts = j->attempts;
	r->r.status = j->status;
	text_printf(r->r.error, sizeof(r->r.error), "%s", ok ? "" : error);
	r->r.queued_ms = j->queued_ms;
	r->r.done_ms = now_ms(n);
	*n->res_tail = r;
	n->res_tail = &r->next;
	n->nres++;
	/* Non-blocking: a full pipe already says "results wait". */
	(void)!write(n->pipe[1], &c, 1);
	return r;
}

static struct job *
job_new(size_t ch, const struct notify_msg *msgs, size_t nmsgs,
    const int64_t *ids, const int64_t *oids, size_t nids, bool digest,
    int64_t queued)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->msgs = malloc(nmsgs * sizeof(*msgs));
	j->ids = malloc(2 * nids * sizeof(*ids));
	if (j->msgs == NULL || j->ids == NULL) {
		job_free(j);
		return NULL;
	}
	memcpy(j->msgs, msgs, nmsgs * sizeof(*msgs));
	memcpy(j->ids, ids, nids * sizeof(*ids));
	memcpy(j->ids + nids, oids, nids * sizeof(*oids));
	j->nmsgs = nmsgs;
	j->nids = nids;
	j->ch = ch;
	j->digest = digest;
	j->queued_ms = queued;
	j->next_at = time_mono_ms();
	return j;
}

/* Call with mu held. */
static void
job_push(struct notifier *n, struct job *j)
{
	struct job **pp = &n->jobs;

	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = j;
	n->njobs++;
}

/* Turn the collected digest of channel i into a job.  mu held. */
static int
storm_emit(struct notifier *n, size_t i)
{
	struct storm	*s = &n->storm[i];
	struct job	*j;

	if (s->nids == 0)
		return 0;
	j = job_new(i, s->list, s->nlist, s->ids, s->oids, s->nids, true,
	    s->first_ms);
	if (j == NULL)
		return -1;
	job_push(n, j);
	s->nlist = 0;
	s->nids = 0;
	return 0;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct job	*j = arg;
	size_t		 want = size * nitems, left = j->paylen - j->payoff;

	if (want > left)
		want = left;
	memcpy(buf, j->payload + j->payoff, want);
	j->payoff += want;
	return want;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct job	*j = arg;
	size_t		 n = size * nmemb, keep = n;
	char		*p;

	if (j->anslen + keep > ANSWER_MAX)
		keep = ANSWER_MAX - j->anslen;
	if (keep > 0) {
		if ((p = realloc(j->answer, j->anslen + keep)) == NULL)
			return 0;
		memcpy(p + j->anslen, ptr, keep);
		j->answer = p;
		j->anslen += keep;
	}
	return n;	/* the rest of a huge answer is dropped, not an error */
}

/* Build the request of one attempt.  -1 with j->error. */
static int
job_prepare(struct notifier *n, struct job *j)
{
	const struct notify_channel_conf *ch = &n->ch[j->ch];
	size_t		 total = j->nids;
	int64_t		 ts = now_ms(n);
	char		 url[1400], sign[64], enc[200], item[256];
	char		 ua[VERSION_UA_MAX];
	json_t		*body = NULL;
	const char	*cur;

	j->easy = curl_easy_init();
	if (j->easy == NULL) {
		snprintf(j->error, sizeof(j->error), "cannot start a transfer");
		return -1;
	}
	curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
	curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->curlerr);
	curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, (long)ch->timeout_ms);
	curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
	if (ch->ca[0] != '\0')
		curl_easy_setopt(j->easy, CURLOPT_CAINFO, ch->ca);
	if (ch->type == NOTIFY_EMAIL) {
		j->payload = notify_build_email(ch, j->msgs, j->nmsgs, j->digest,
		    total, ts);
		if (j->payload == NULL)
			goto nomem;
		j->paylen = strlen(j->payload);
		cur = ch->to;
		while (conf_list_next(&cur, item, sizeof(item)) == 1) {
			struct curl_slist *l = curl_slist_append(j->rcpt, item);
			if (l == NULL)
				goto nomem;
			j->rcpt = l;
		}
		curl_easy_setopt(j->easy, CURLOPT_URL, ch->smtp_url);
		curl_easy_setopt(j->easy, CURLOPT_MAIL_FROM, ch->from);
		curl_easy_setopt(j->easy, CURLOPT_MAIL_RCPT, j->rcpt);
		curl_easy_setopt(j->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(j->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(j->easy, CURLOPT_READDATA, j);
		curl_easy_setopt(j->easy, CURLOPT_INFILESIZE, (long)j->paylen);
		if (has_prefix(ch->smtp_url, "smtp://"))
			curl_easy_setopt(j->easy, CURLOPT_USE_SSL,
			    ch->tls == NOTIFY_TLS_REQUIRED ? (long)CURLUSESSL_ALL :
			    ch->tls == NOTIFY_TLS_TRY ? (long)CURLUSESSL_TRY :
			    (long)CURLUSESSL_NONE);
		if (ch->username[0] != '\0') {
			curl_easy_setopt(j->easy, CURLOPT_USERNAME, ch->username);
			curl_easy_setopt(j->easy, CURLOPT_PASSWORD, ch->password);
		}
		return 0;
	}
	body = notify_build_body(ch, j->msgs, j->nmsgs, j->digest, total, ts);
	if (body == NULL) {
		snprintf(j->error, sizeof(j->error), "cannot build the message "
		    "(text not valid UTF-8?)");
		return -1;
	}
	j->payload = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (j->payload == NULL)
		goto nomem;
	j->paylen = strlen(j->payload);
	snprintf(url, sizeof(url), "%s", ch->url);
	if (ch->type == NOTIFY_DINGTALK && ch->secret[0] != '\0') {
		if (notify_sign_dingtalk(ch->secret, ts, sign, sizeof(sign)) == -1 ||
		    notify_urlencode(sign, enc, sizeof(enc)) == -1) {
			snprintf(j->error, sizeof(j->error), "cannot sign");
			return -1;
		}
		snprintf(url, sizeof(url), "%s%ctimestamp=%lld&sign=%s", ch->url,
		    strchr(ch->url, '?') ? '&' : '?', (long long)ts, enc);
	}
	if (ch->type == NOTIFY_WEBHOOK && ch->secret[0] != '\0') {
		char h[128];

		if (notify_hmac_b64(ch->secret, strlen(ch->secret), j->payload,
		    j->paylen, sign, sizeof(sign)) == -1) {
			snprintf(j->error, sizeof(j->error), "cannot sign");
			return -1;
		}
		snprintf(h, sizeof(h), "X-Shaobing-Signature: sha256=%s", sign);
		if ((j->hdrs = curl_slist_append(j->hdrs, h)) == NULL)
			goto nomem;
	}
	struct curl_slist *l = curl_slist_append(j->hdrs,
	    "Content-Type: application/json; charset=utf-8");
	if (l == NULL)
		goto nomem;
	j->hdrs = l;
	curl_easy_setopt(j->easy, CURLOPT_URL, url);
	curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->payload);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)j->paylen);
	curl_easy_setopt(j->easy, CURLOPT_USERAGENT, version_user_agent(ua,
	    sizeof(ua), "shaobing-collector", NULL));
	return 0;
nomem:
	snprintf(j->error, sizeof(j->error), "out of memory");
	return -1;
}

/* Free what one attempt used, keep the job. */
static void
job_reset(struct job *j)
{
	curl_slist_free_all(j->hdrs);
	curl_slist_free_all(j->rcpt);
	if (j->easy != NULL)
		curl_easy_cleanup(j->easy);
	free(j->payload);
	free(j->answer);
	j->easy = NULL;
	j->hdrs = j->rcpt = NULL;
	j->payload = j->answer = NULL;
	j->paylen = j->payoff = j->anslen = 0;
	j->curlerr[0] = '\0';
}

static void
job_unlink(struct notifier *n, struct job *j)
{
	for (struct job **pp = &n->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			n->njobs--;
			return;
		}
	}
}

/* An attempt ended: done, or back in line after a backoff.  mu held. */
static void
job_done(struct notifier *n, struct job *j, CURLcode cc)
{
	const struct notify_channel_conf *ch = &n->ch[j->ch];
	bool	ok = false;
	int64_t	delay;

	j->inflight = false;
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->status);
	if (cc != CURLE_OK) {
		text_printf(j->error, sizeof(j->error), "%s",
		    j->curlerr[0] ? j->curlerr : curl_easy_strerror(cc));
	} else if (ch->type == NOTIFY_EMAIL) {
		ok = true;
	} else {
		ok = notify_check_response((enum notify_type)ch->type, j->status,
		    j->answer ? j->answer : "", j->anslen, j->error,
		    sizeof(j->error)) == 0;
	}
	job_reset(j);
	if (ok || j->attempts > ch->retries || n->stop) {
		if (!ok)
			log_warnx("notify: sending to %s failed after %d "
			    "attempt(s): %s; check [notify %s] and the network",
			    ch->name, j->attempts, j->error, ch->name);
		job_unlink(n, j);
		job_finish(n, j, ok, j->error);
		job_free(j);
		return;
	}
	/* Exponential backoff: initial, 2x, 4x, ... capped at retry_max. */
	delay = ch->retry_initial_ms;
	for (int i = 1; i < j->attempts && delay < ch->retry_max_ms; i++)
		delay *= 2;
	if (delay > ch->retry_max_ms)
		delay = ch->retry_max_ms;
	j->next_at = time_mono_ms() + delay;
	log_info("notify: sending to %s failed (%s); retry %d of %d in %lld ms",
	    ch->name, j->error, j->attempts, ch->retries, (long long)delay);
}

/* Start what is due, emit due digests; returns ms until next due.  mu held. */
static int64_t
schedule_work(struct notifier *n)
{
	int64_t	mono = time_mono_ms(), wall = now_ms(n), wait = 1000;
	int	inflight = 0;

	for (size_t i = 0; i < n->nch; i++) {
		struct storm *s = &n->storm[i];

		if (s->nids > 0 && (n->flush || wall / 60000 > s->minute)) {
			if (storm_emit(n, i) == -1)
				log_warnx("notify: out of memory building a "
				    "digest for %s; will try again",
				    n->ch[i].name);
		} else if (s->nids > 0) {
			int64_t until = (s->minute + 1) * 60000 - wall;
			if (until < wait)
				wait = until < 0 ? 0 : until;
		}
	}
	n->flush = false;
	for (struct job *j = n->jobs; j != NULL; j = j->next)
		inflight += j->inflight;
	for (struct job *j = n->jobs, *next; j != NULL; j = next) {
		next = j->next;
		if (j->inflight)
			continue;
		if (j->next_at > mono) {
			if (j->next_at - mono < wait)
				wait = j->next_at - mono;
			continue;
		}
		if (inflight >= n->o.max_parallel)
			break;
		j->attempts++;
		if (job_prepare(n, j) == -1 ||
		    curl_multi_add_handle(n->multi, j->easy) != CURLM_OK) {
			if (j->error[0] == '\0')
				text_printf(j->error, sizeof(j->error),
				    "cannot start a transfer");
			job_reset(j);
			job_unlink(n, j);
			job_finish(n, j, false, j->error);
			job_free(j);
			continue;
		}
		j->inflight = true;
		inflight++;
	}
	return wait;
}

static void *
sender(void *arg)
{
	struct notifier	*n = arg;
	int		 running;
	int64_t		 wait;
	CURLMsg		*m;
	int		 left;
	bool		 stop;

	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		wait = schedule_work(n);
		pthread_mutex_unlock(&n->mu);
		curl_multi_perform(n->multi, &running);
		pthread_mutex_lock(&n->mu);
		while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
			struct job *j = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			CURLcode cc = m->data.result;
			CURL *e = m->easy_handle;

			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
			curl_multi_remove_handle(n->multi, e);
			job_done(n, j, cc);
			wait = 0;
		}
		stop = n->stop;
		pthread_mutex_unlock(&n->mu);
		if (wait > 0 && !stop)
			curl_multi_poll(n->multi, NULL, 0, (int)wait, NULL);
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

struct notifier *
notify_new(const struct notify_conf *nc, const struct notify_opts *o,
    char *why, size_t whylen)
{
	struct notifier *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	n->pipe[0] = n->pipe[1] = -1;
	pthread_mutex_init(&n->mu, NULL);
	n->res_tail = &n->res;
	if (o != NULL)
		n->o = *o;
	if (n->o.max_parallel <= 0)
		n->o.max_parallel = 8;
	n->nch = nc->n;
	if (nc->n > 0) {
		n->ch = malloc(nc->n * sizeof(*n->ch));
		n->storm = calloc(nc->n, sizeof(*n->storm));
		if (n->ch == NULL || n->storm == NULL) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		memcpy(n->ch, nc->ch, nc->n * sizeof(*n->ch));
	}
	/* Once per process; libcurl's global init is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (n->multi = curl_multi_init()) == NULL) {
		snprintf(why, whylen, "cannot initialise libcurl");
		goto fail;
	}
	if (pipe2(n->pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&n->thread, NULL, sender, n) != 0) {
		snprintf(why, whylen, "cannot start the sender thread");
		goto fail;
	}
	n->started = true;
	return n;
fail:
	notify_free(n);
	return NULL;
}

int
notify_submit(struct notifier *n, const struct notify_msg *m)
{
	int64_t	now = now_ms(n), minute = now / 60000;
	int	taken = 0, rc = 0;

	pthread_mutex_lock(&n->mu);
	for (size_t i = 0; i < n->nch; i++) {
		struct storm	*s = &n->storm[i];
		struct job	*j;

		if (!notify_route(&n->ch[i], m))
			continue;
		if (minute != s->minute) {
			/* A new minute: last minute's digest goes out first. */
			if (storm_emit(n, i) == -1) {
				rc = -1;
				break;
			}
			s->minute = minute;
			s->count = 0;
		}
		s->count++;
		if (s->count <= n->ch[i].storm_threshold) {
			if ((j = job_new(i, m, 1, &m->incident_id,
			    &m->outbox_id, 1, false, now)) == NULL) {
				rc = -1;
				break;
			}
			job_push(n, j);
		} else {
			if (s->nids == s->capids) {
				size_t	 c = s->capids ? s->capids * 2 : 64;
				void	*p = realloc(s->ids, c * sizeof(*s->ids));
				void	*q = p ? realloc(s->oids,
					    c * sizeof(*s->oids)) : NULL;

				if (p != NULL)
					s->ids = p;
				if (q == NULL) {
					rc = -1;
					break;
				}
				s->oids = q;
				s->capids = c;
			}
			if (s->nids == 0) {
				s->first_ms = now;
				log_warnx("notify: more than %d incidents this "
				    "minute for %s; the rest go out as one "
				    "digest at the end of the minute",
				    n->ch[i].storm_threshold, n->ch[i].name);
			}
			s->oids[s->nids] = m->outbox_id;
			s->ids[s->nids++] = m->incident_id;
			if (s->nlist < DIGEST_LIST_MAX)
				s->list[s->nlist++] = *m;
		}
		taken++;
	}
	pthread_mutex_unlock(&n->mu);
	curl_multi_wakeup(n->multi);
	return rc == -1 ? -1 : taken;
}

int
notify_submit_to(struct notifier *n, const char *name,
    const struct notify_msg *m)
{
	struct job	*j = NULL;
	size_t		 i;

	for (i = 0; i < n->nch; i++)
		if (strcmp(n->ch[i].name, name) == 0)
			break;
	if (i == n->nch)
		return 1;
	pthread_mutex_lock(&n->mu);
	if ((j = job_new(i, m, 1, &m->incident_id, &m->outbox_id, 1, false,
	    now_ms(n))) != NULL)
		job_push(n, j);
	pthread_mutex_unlock(&n->mu);
	curl_multi_wakeup(n->multi);
	return j == NULL ? -1 : 0;
}

int
notify_result_fd(const struct notifier *n)
{
	return n->pipe[0];
}

size_t
notify_dispatch(struct notifier *n)
{
	struct result	*list, *r;
	char		 buf[256];
	size_t		 count = 0;

	while (read(n->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&n->mu);
	list = n->res;
	n->res = NULL;
	n->res_tail = &n->res;
	n->nres = 0;
	pthread_mutex_unlock(&n->mu);
	while ((r = list) != NULL) {
		list = r->next;
		if (n->o.on_result != NULL)
			n->o.on_result(n->o.arg, &r->r);
		free(r->ids);
		free(r);
		count++;
	}
	return count;
}

void
notify_flush(struct notifier *n)
{
	pthread_mutex_lock(&n->mu);
	n->flush = true;
	pthread_mutex_unlock(&n->mu);
	curl_multi_wakeup(n->multi);
}

size_t
notify_pending(struct notifier *n)
{
	size_t c;

	pthread_mutex_lock(&n->mu);
	c = n->njobs + n->nres;
	for (size_t i = 0; i < n->nch; i++)
		c += n->storm[i].nids > 0;
	pthread_mutex_unlock(&n->mu);
	return c;
}

void
notify_free(struct notifier *n)
{
	struct job	*j;
	struct result	*r;

	if (n == NULL)
		return;
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		n->stop = true;
		pthread_mutex_unlock(&n->mu);
		curl_multi_wakeup(n->multi);
		pthread_join(n->thread, NULL);
		/* What never went out is reported, not silently dropped. */
		for (size_t i = 0; i < n->nch; i++)
			(void)storm_emit(n, i);
		while ((j = n->jobs) != NULL) {
			if (j->inflight)
				curl_multi_remove_handle(n->multi, j->easy);
			job_reset(j);
			job_unlink(n, j);
			if ((r = job_finish(n, j, false,
			    "collector shutting down")) != NULL)
				r->r.aborted = true;
			job_free(j);
		}
		notify_dispatch(n);
	}
	if (n->multi != NULL) {
		curl_multi_cleanup(n->multi);
		curl_global_cleanup();
	}
	for (size_t i = 0; i < n->nch; i++) {
		free(n->storm[i].ids);
		free(n->storm[i].oids);
	}
	free(n->storm);
	free(n->ch);
	if (n->pipe[0] != -1)
		close(n->pipe[0]);
	if (n->pipe[1] != -1)
		close(n->pipe[1]);
	pthread_mutex_destroy(&n->mu);
	free(n);
}
