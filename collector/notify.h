/*
 * Notifications: tell the right people about an incident within seconds.
 *
 * Channels are configured as [notify NAME] sections:
 *   type        email | webhook | dingtalk | wecom | feishu
 *   url         robot or webhook URL (http:// or https://)
 *   smtp_url    email: smtp://host:587 (STARTTLS, see tls) or smtps://host:465
 *   from, to    email: one sender, a comma-separated list of recipients
 *   username, password   email: SMTP AUTH (optional)
 *   tls         email over smtp://: required (default) | try | none
 *   ca          CA file to verify the server with (default: system store)
 *   secret      dingtalk/feishu: the robot's signing secret; webhook: signs
 *               the body (X-Shaobing-Signature: sha256=BASE64)
 *   min_level   IV (一般, default) | III (较大) | II (重大) | I (特别重大)
 *   categories  GB/T 20986-2023 codes, prefixes match ("NA" takes NASCAN);
 *               empty = all
 *   timeout     per attempt (10s); retries (5), retry_initial (2s),
 *               retry_max (5m): exponential backoff between attempts
 *   storm_threshold  more incidents than this within one minute (10) turn
 *               into one digest message for that channel and minute
 *
 * The sender runs in its own thread (libcurl multi), so notify_submit()
 * never blocks the collector's event loop.  Each finished send, good or
 * failed after its last retry, becomes a struct notify_result; the caller
 * watches notify_result_fd() (e.g. with a libevent read event) and calls
 * notify_dispatch(), which runs the result callback in the caller's
 * thread — so the store can record every send without locking.
 *
 * Signing (both HMAC-SHA256, base64):
 *   DingTalk: key = secret, message = timestamp_ms + "\n" + secret;
 *             sent as &timestamp=..&sign=URLENCODED in the URL.
 *   Feishu:   key = timestamp_s + "\n" + secret, message = "" (empty);
 *             sent as "timestamp" and "sign" in the JSON body.
 */
#ifndef SHAOBING_NOTIFY_H
#define SHAOBING_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/conf.h"

enum notify_type {
	NOTIFY_EMAIL = 0,
	NOTIFY_WEBHOOK,
	NOTIFY_DINGTALK,
	NOTIFY_WECOM,
	NOTIFY_FEISHU,
};

const char	*notify_type_name(enum notify_type t);

/* What the incident engine hands over.  Strings are UTF-8. */
struct notify_msg {
	int64_t			incident_id;
	char			title[256];
	char			category[32];	/* "NASCAN", "DE", ... */
	int			level;		/* enum tax_level */
	char			status[24];	/* open, acknowledged, ... */
	char			agent[64];
	char			key[256];
	int64_t			first_seen_ms;	/* UTC ms */
	int64_t			count;		/* events folded so far */
	char			link[512];	/* console URL; may be "" */
	bool			recovery;	/* resolved by itself: the
						   thing is back */
	int64_t			outbox_id;	/* its notify_outbox row; 0 =
						   none (a test send).  Sent
						   as the idempotency key */
};

enum notify_tls {
	NOTIFY_TLS_REQUIRED = 0,
	NOTIFY_TLS_TRY,
	NOTIFY_TLS_NONE,
};

struct notify_channel_conf {
	char		name[64];
	int		type;		/* enum notify_type */
	char		url[1024];
	char		smtp_url[1024];
	char		from[256];
	char		to[1024];
	char		username[256];
	char		password[256];
	char		secret[256];
	char		ca[512];
	int		tls;		/* enum notify_tls */
	int		min_level;	/* enum tax_level, least severe sent */
	char		categories[512];
	int64_t		timeout_ms;
	int		retries;
	int64_t		retry_initial_ms;
	int64_t		retry_max_ms;
	int		storm_threshold;
	bool		recovery;	/* send recoveries (default yes) */
	int		line;		/* of the [notify NAME] header */
};

struct notify_conf {
	struct notify_channel_conf	*ch;
	size_t				 n;
};

/*
 * Read every [notify NAME] section.  -1 with err ("FILE:LINE: ...") on a
 * bad value or a missing required key; nc is then empty.  No sections is
 * fine (n = 0).
 */
int	notify_conf_load(struct conf *c, struct notify_conf *nc,
	    struct conf_err *err);
void	notify_conf_free(struct notify_conf *nc);

/* Does this channel take this incident (level and category filters)? */
bool	notify_route(const struct notify_channel_conf *ch,
	    const struct notify_msg *m);

/* ---- sending -------------------------------------------------------- */

struct notify_result {
	const char		*channel;	/* name */
	enum notify_type	 type;
	bool			 digest;	/* a storm digest */
	const int64_t		*incident_ids;	/* the incidents it told about */
	const int64_t		*outbox_ids;	/* and their outbox rows (0:
						   none), n_incidents too */
	size_t			 n_incidents;
	bool			 ok;
	int			 attempts;
	long			 status;	/* last HTTP or SMTP code, 0 = none */
	char			 error[256];	/* "" when ok */
	int64_t			 queued_ms;	/* UTC ms, by the notifier clock */
	int64_t			 done_ms;
	bool			 aborted;	/* not finished: notify_free()
						   cut it short */
};

struct notify_opts {
	/* Called from notify_dispatch(); r and its arrays valid only then. */
	void	(*on_result)(void *arg, const struct notify_result *r);
	void	*arg;
	/* UTC ms for storm minutes and signatures; NULL = time_now_ms(). */
	int64_t	(*clock)(void *arg);
	void	*clock_arg;
	int	 max_parallel;	/* transfers at once; 0 = 8 */
};

struct notifier;

/*
 * Start the sender thread for the channels of nc (copied).  NULL with why
 * on failure.
 */
struct notifier	*notify_new(const struct notify_conf *nc,
		    const struct notify_opts *o, char *why, size_t whylen);
/*
 * Queue m for every channel whose route takes it (storm control may fold
 * it into the channel's digest).  Returns the number of channels that
 * took it, -1 on allocation failure.  Never blocks on the network.
 */
int		 notify_submit(struct notifier *n, const struct notify_msg *m);
/*
 * Queue m for the channel called name only, at once (no route, no storm
 * control): the console's "send test".  0 queued, 1 no such channel, -1
 * out of memory.
 */
int		 notify_submit_to(struct notifier *n, const char *name,
		    const struct notify_msg *m);
/* Readable when results wait for notify_dispatch(). */
int		 notify_result_fd(const struct notifier *n);
/* Run the callback for every finished send; returns how many. */
size_t		 notify_dispatch(struct notifier *n);
/* Send the pending storm digests now instead of at the minute's end. */
void		 notify_flush(struct notifier *n);
/* Sends queued or in flight, plus results not yet dispatched. */
size_t		 notify_pending(struct notifier *n);
/*
 * Stop the thread.  Sends not finished are reported as failed ("collector
 * shutting down", aborted set) through the callback before it returns.
 * NULL is fine.
 */
void		 notify_free(struct notifier *n);

/* ---- formatting and signing (pure; called by the tests directly) ---- */

/* base64(HMAC-SHA256(key, msg)) into out (>= 45 bytes).  -1 on failure. */
int	notify_hmac_b64(const void *key, size_t keylen, const void *msg,
	    size_t msglen, char *out, size_t outlen);
/* DingTalk sign for timestamp ts_ms (not URL-encoded). */
int	notify_sign_dingtalk(const char *secret, int64_t ts_ms, char *out,
	    size_t outlen);
/* Feishu sign for timestamp ts_s (seconds). */
int	notify_sign_feishu(const char *secret, int64_t ts_s, char *out,
	    size_t outlen);
/* RFC 3986 percent-encoding of everything but unreserved characters. */
int	notify_urlencode(const char *s, char *out, size_t outlen);
/*
 * RFC 2047 "B" encoded-words for a UTF-8 header text (each word <= 75
 * bytes, split on character boundaries, folded with CRLF SP).  Pure
 * printable ASCII is passed through.  malloc'd; NULL on failure.
 */
char	*notify_rfc2047(const char *text);

/*
 * How a channel renders text: plain (email text/plain, webhook "text"),
 * CommonMark-like markdown (DingTalk, WeCom: backslash escapes) or
 * Feishu's lark_md (HTML character references).
 */
enum notify_markup {
	NOTIFY_PLAIN = 0,
	NOTIFY_MD,
	NOTIFY_LARK_MD,
};
/*
 * Agent-supplied text (titles, keys, agent names) made inert for markup
 * mk into out: control characters become spaces; markdown and HTML
 * metacharacters (\ ` * _ { } [ ] ( ) ! | < > ~ & " ') are
 * escaped (not - + . #, markup only at the start of a line, which
 * agent text never is); "://" and "www." get a zero-width space so
 * that no renderer turns them into links.  Only our own template is markup.  Cut at a
 * character boundary with "…" when out is too small.  Returns out.
 */
char	*notify_md_escape(const char *s, enum notify_markup mk, char *out,
	    size_t outlen);
/*
 * One incident, or a digest of n (n > 1 or digest set), as the text of
 * the message for markup mk, agent text escaped for it.  Labels in
 * Chinese with English beside, times local.  malloc'd.
 */
char	*notify_render(const struct notify_msg *m, size_t n, bool digest,
	    enum notify_markup mk, size_t total);
/* The subject / title line.  malloc'd. */
char	*notify_render_title(const struct notify_msg *m, size_t n, bool digest,
	    size_t total);
/*
 * The JSON body a channel of this type posts (webhook, dingtalk, wecom,
 * feishu); ts is the signing timestamp (ms).  New reference; NULL on
 * failure.
 */
json_t	*notify_build_body(const struct notify_channel_conf *ch,
	    const struct notify_msg *m, size_t n, bool digest, size_t total,
	    int64_t ts_ms);
/*
 * The RFC 5322 message for an email channel: headers, a base64 UTF-8
 * text/plain body, CRLF line ends.  malloc'd; NULL on failure.
 */
char	*notify_build_email(const struct notify_channel_conf *ch,
	    const struct notify_msg *m, size_t n, bool digest, size_t total,
	    int64_t now_ms);
/*
 * Judge a robot's or webhook's answer: 2xx, and for dingtalk/wecom
 * "errcode": 0, for feishu "code": 0 (or "StatusCode": 0).  body is
 * outside bytes (bounded, need not be NUL-terminated).  0 ok, -1 with why.
 */
int	notify_check_response(enum notify_type t, long status, const char *body,
	    size_t len, char *why, size_t whylen);

/* [notify NAME]'s option table (for the man page). */
extern const struct conf_opt notify_channel_opts[];

#endif
