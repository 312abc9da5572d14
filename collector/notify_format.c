/*
 * Notification formats: message text (Chinese labels, English beside),
 * the JSON bodies of the generic webhook and the DingTalk, WeCom and
 * Feishu group robots, the RFC 5322 email, and the robots' HMAC signing.
 * Pure functions: no I/O, no clock (times are passed in).
 *
 * Robot formats:
 *   DingTalk  {"msgtype":"markdown","markdown":{"title":T,"text":MD}}
 *   WeCom     {"msgtype":"markdown","markdown":{"content":MD}}
 *   Feishu    {"timestamp":"S","sign":B64,"msg_type":"interactive",
 *              "card":{"header":{...},"elements":[{"tag":"div",
 *              "text":{"tag":"lark_md","content":MD}}]}}
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/text.h"
#include "common/timeutil.h"
#include "collector/notify.h"
#include "common/taxonomy.h"

/* ---- names ---------------------------------------------------------- */

const char *
notify_type_name(enum notify_type t)
{
	static const char *const names[] = {
		"email", "webhook", "dingtalk", "wecom", "feishu"
	};

	return (unsigned)t < 5 ? names[t] : "?";
}

/* "NASCAN" → "网络攻击 network attack" (common/taxonomy.h). */
static void
category_name(const char *code, char *buf, size_t len)
{
	const struct tax_category *c = tax_category_of(code);

	snprintf(buf, len, "%s %s", c->zh, c->en);
}

/* ---- a growing string ----------------------------------------------- */

struct sbuf {
	char	*p;
	size_t	 len, cap;
	bool	 failed;
};

static void
sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->failed)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t	 ncap = (b->cap ? b->cap * 2 : 512) + (size_t)n;
		char	*np = realloc(b->p, ncap);

		if (np == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

static char *
sb_take(struct sbuf *b)
{
	if (b->failed || b->p == NULL) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* ---- signing -------------------------------------------------------- */

int
notify_hmac_b64(const void *key, size_t keylen, const void *msg,
    size_t msglen, char *out, size_t outlen)
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen = 0;
	static const unsigned char empty[1] = { 0 };

	if (outlen < 45)	/* base64 of 32 bytes + NUL */
		return -1;
	if (HMAC(EVP_sha256(), key, (int)keylen,
	    msglen ? msg : empty, msglen, mac, &maclen) == NULL)
		return -1;
	if (EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen) != 44)
		return -1;
	return 0;
}

int
notify_sign_dingtalk(const char *secret, int64_t ts_ms, char *out,
    size_t outlen)
{
	char	msg[320];
	int	n;

	n = snprintf(msg, sizeof(msg), "%lld\n%s", (long long)ts_ms, secret);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	/* DingTalk: the secret is the key, timestamp\nsecret the message. */
	return notify_hmac_b64(secret, strlen(secret), msg, (size_t)n, out,
	    outlen);
}

int
notify_sign_feishu(const char *secret, int64_t ts_s, char *out, size_t outlen)
{
	char	key[320];
	int	n;

	n = snprintf(key, sizeof(key), "%lld\n%s", (long long)ts_s, secret);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -1;
	/* Feishu: timestamp\nsecret is the KEY and the message is empty. */
	return notify_hmac_b64(key, (size_t)n, "", 0, out, outlen);
}

int
notify_urlencode(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= outlen)
				return -1;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}

/* ---- RFC 2047 ------------------------------------------------------- */

char *
notify_rfc2047(const char *text)
{
	struct sbuf	 b = { 0 };
	size_t		 len = strlen(text), i = 0;
	bool		 plain = true;

	for (size_t k = 0; k < len; k++)
		if ((unsigned char)text[k] < 0x20 || (unsigned char)text[k] > 0x7e)
			plain = false;
	if (plain && len <= 900) {
		sb_add(&b, "%s", text);
		return sb_take(&b);
	}
	/*
	 * RFC 2047 section 2: an encoded-word is at most 75 bytes, and a
	 * line holding one at most 76.  36 bytes of text make 48 of base64,
	 * a 60-byte word, so even "Subject: " + the first word stays within
	 * RFC 5322's 78.  Section 5: never split a character between words.
	 */
	while (i < len) {
		unsigned char	chunk[48], enc[68];
		size_t		n = 0;

		while (i + n < len) {
			size_t cl = text_utf8_decode(text + i + n,
			    len - i - n, NULL);

			if (cl == 0)
				cl = 1;	/* a stray byte: carried alone */
			if (n + cl > 36)
				break;
			n += cl;
		}
		memcpy(chunk, text + i, n);
		/* Control characters (CR, LF) must not reach a header. */
		for (size_t k = 0; k < n; k++)
			if (chunk[k] < 0x20 || chunk[k] == 0x7f)
				chunk[k] = ' ';
		EVP_EncodeBlock(enc, chunk, (int)n);
		sb_add(&b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", (char *)enc);
		i += n;
	}
	return sb_take(&b);
}

/* ---- agent text inside markup ---------------------------------------- */

#define ESC_MAX	2048	/* escaped field: 256 bytes at most 6 each, + … */

char *
notify_md_escape(const char *s, enum notify_markup mk, char *out,
    size_t outlen)
{
	/* Not - + . #: they are markup only at the start of a line, and
	   agent text never starts one (after "**: ", no newline left). */
	static const char	 meta[] = "\\`*_{}[]()!|<>~&\"'";
	static const char	 zwsp[] = "\xe2\x80\x8b";	/* U+200B */
	size_t			 o = 0, i, cl;
	char			 piece[16];
	unsigned char		 c;

	if (outlen == 0)
		return out;
	for (i = 0; s[i] != '\0'; i += cl) {
		c = (unsigned char)s[i];
		cl = text_utf8_decode(s + i, strnlen(s + i, 4), NULL);
		if (cl == 0) {			/* not UTF-8: U+FFFD */
			cl = 1;
			snprintf(piece, sizeof(piece), "\xef\xbf\xbd");
		} else if (c < 0x20 || c == 0x7f)
			snprintf(piece, sizeof(piece), " ");
		else if (mk != NOTIFY_PLAIN && c < 0x80 && strchr(meta, c) != NULL)
			snprintf(piece, sizeof(piece), mk == NOTIFY_LARK_MD ?
			    "&#%d;" : "\\%c", c);
		else
			snprintf(piece, sizeof(piece), "%.*s", (int)cl, s + i);
		/* No autolinks: "http:" + ZWSP + "//", "www" + ZWSP + ".". */
		if (mk != NOTIFY_PLAIN && c == ':' && strncmp(s + i + 1, "//",
		    2) == 0)
			snprintf(piece, sizeof(piece), ":%s", zwsp);
		if (mk != NOTIFY_PLAIN && c == '.' && i >= 3 &&
		    strncasecmp(s + i - 3, "www", 3) == 0)
			snprintf(piece, sizeof(piece), "%s.", zwsp);
		if (o + strlen(piece) + sizeof("…") > outlen) {
			snprintf(out + o, outlen - o, "%s", o + sizeof("…") <=
			    outlen ? "…" : "");
			return out;
		}
		memcpy(out + o, piece, strlen(piece));
		o += strlen(piece);
	}
	out[o] = '\0';
	return out;
}

/* ---- text ----------------------------------------------------------- */

static void
local_time(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0 || time_format_local(ms, buf, len) == -1)
		snprintf(buf, len, "-");
}

static char *
render_title(const struct notify_msg *m, size_t n, bool digest, size_t total,
    enum notify_markup mk)
{
	struct sbuf	b = { 0 };
	char		t[ESC_MAX];

	if (digest || n > 1) {
		int worst = TAX_LEVEL_IV;

		for (size_t i = 0; i < n; i++)
			if (tax_level_at_least(m[i].level, worst))
				worst = m[i].level;
		sb_add(&b, "[哨兵 Shaobing] 事件汇总 digest: 1 分钟内 %zu 起事件 "
		    "%zu incidents in one minute (最高 highest %s %s)", total,
		    total, tax_level_zh(worst), tax_level_code(worst));
	} else {
		sb_add(&b, "[哨兵 Shaobing]%s[%s %s] %s #%lld %s",
		    m->recovery ? "[已恢复 RECOVERED]" : "",
		    tax_level_zh(m->level), tax_level_code(m->level),
		    m->category, (long long)m->incident_id,
		    notify_md_escape(m->title, mk, t, sizeof(t)));
	}
	return sb_take(&b);
}

char *
notify_render_title(const struct notify_msg *m, size_t n, bool digest,
    size_t total)
{
	return render_title(m, n, digest, total, NOTIFY_PLAIN);
}

static void
render_one(struct sbuf *b, const struct notify_msg *m, enum notify_markup mk)
{
	bool		 md = mk != NOTIFY_PLAIN;
	char		 first[32], cat[128], t[ESC_MAX], a[ESC_MAX], k[ESC_MAX];
	const char	*li = md ? "- **" : "", *le = md ? "**" : "";

	local_time(m->first_seen_ms, first, sizeof(first));
	category_name(m->category, cat, sizeof(cat));
	sb_add(b, "%s事件编号 Incident%s: #%lld\n", li, le,
	    (long long)m->incident_id);
	sb_add(b, "%s标题 Title%s: %s\n", li, le,
	    notify_md_escape(m->title, mk, t, sizeof(t)));
	sb_add(b, "%s类别 Category%s: %s %s\n", li, le, m->category, cat);
	sb_add(b, "%s级别 Level%s: %s %s\n", li, le, tax_level_zh(m->level),
	    tax_level_code(m->level));
	sb_add(b, "%s状态 Status%s: %s %s\n", li, le,
	    tax_status_zh(tax_status_parse(m->status)), m->status);
	sb_add(b, "%s主机 Agent%s: %s\n", li, le,
	    notify_md_escape(m->agent, mk, a, sizeof(a)));
	sb_add(b, "%s对象 Key%s: %s\n", li, le,
	    notify_md_escape(m->key, mk, k, sizeof(k)));
	sb_add(b, "%s首次发现 First seen%s: %s\n", li, le, first);
	sb_add(b, "%s次数 Count%s: %lld\n", li, le, (long long)m->count);
	if (m->link[0] != '\0')
		sb_add(b, "%s详情 Link%s: %s\n", li, le, m->link);
}

char *
notify_render(const struct notify_msg *m, size_t n, bool digest,
    enum notify_markup mk, size_t total)
{
	struct sbuf	b = { 0 };
	bool		md = mk != NOTIFY_PLAIN;
	char		*title = render_title(m, n, digest, total, mk);
	char		 a[ESC_MAX], t[ESC_MAX];
	size_t		counts[TAX_LEVEL_COUNT] = { 0 };

	if (title == NULL)
		return NULL;
	sb_add(&b, "%s%s\n\n", md ? "### " : "", title);
	free(title);
	if (!digest && n == 1) {
		render_one(&b, m, mk);
		return sb_take(&b);
	}
	for (size_t i = 0; i < n; i++)
		counts[tax_level_at_least(m[i].level, TAX_LEVEL_IV) ?
		    m[i].level : TAX_LEVEL_IV]++;
	sb_add(&b, "%s事件数 Incidents%s: %zu", md ? "**" : "", md ? "**" : "",
	    total);
	if (n == total)
		sb_add(&b, " (特别重大 I: %zu, 重大 II: %zu, 较大 III: %zu, "
		    "一般 IV: %zu)", counts[TAX_LEVEL_I], counts[TAX_LEVEL_II],
		    counts[TAX_LEVEL_III], counts[TAX_LEVEL_IV]);
	sb_add(&b, "\n\n");
	for (size_t i = 0; i < n; i++) {
		sb_add(&b, "%s#%lld [%s %s] %s %s — %s\n", md ? "- " : "",
		    (long long)m[i].incident_id, tax_level_zh(m[i].level),
		    tax_level_code(m[i].level), m[i].category,
		    notify_md_escape(m[i].agent, mk, a, sizeof(a)),
		    notify_md_escape(m[i].title, mk, t, sizeof(t)));
	}
	if (total > n)
		sb_add(&b, "%s另有 %zu 起未列出 and %zu more not listed\n",
		    md ? "\n" : "", total - n, total - n);
	sb_add(&b, "\n请在控制台查看全部事件 See all incidents in the console: "
	    "shaobing incidents --status open\n");
	return sb_take(&b);
}

/* ---- JSON bodies ---------------------------------------------------- */

static json_t *
incident_json(const struct notify_msg *m)
{
	char utc[32] = "", loc[32], cat[128];

	category_name(m->category, cat, sizeof(cat));
	if (m->first_seen_ms > 0)
		(void)time_format_utc(m->first_seen_ms, utc, sizeof(utc));
	local_time(m->first_seen_ms, loc, sizeof(loc));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:I, s:s, s:b, s:I}",
	    "id", (json_int_t)m->incident_id, "title", m->title,
	    "category", m->category, "category_name", cat, "level", tax_level_code(m->level),
	    "level_name", tax_level_zh(m->level), "status", m->status,
	    "agent", m->agent, "key", m->key, "first_seen", utc,
	    "count", (json_int_t)m->count, "link", m->link,
	    "recovery", m->recovery, "outbox_id", (json_int_t)m->outbox_id);
}

static json_t *
webhook_body(const struct notify_msg *m, size_t n, bool digest, size_t total,
    const char *text)
{
	json_t *root, *list;

	if (!digest && n == 1) {
		root = json_pack("{s:s, s:s, s:o, s:s}", "source", "shaobing",
		    "kind", m->recovery ? "recovery" : "incident",
		    "incident", incident_json(m),
		    "text", text);
		/* The same outbox row sent again (a collector died between
		   the send and marking it sent) carries the same key. */
		if (root != NULL && m->outbox_id > 0 &&
		    json_object_set_new(root, "idempotency_key",
		    json_sprintf("shaobing-outbox-%" PRId64, m->outbox_id)) ==
		    -1) {
			json_decref(root);
			return NULL;
		}
		return root;
	}
	if ((list = json_array()) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, incident_json(&m[i]));
	root = json_pack("{s:s, s:s, s:I, s:o, s:I, s:s}", "source", "shaobing",
	    "kind", "digest", "count", (json_int_t)total, "incidents", list,
	    "omitted", (json_int_t)(total - n), "text", text);
	return root;
}

json_t *
notify_build_body(const struct notify_channel_conf *ch,
    const struct notify_msg *m, size_t n, bool digest, size_t total,
    int64_t ts_ms)
{
	char	*text = NULL, *title = NULL, sign[64], ts[32];
	json_t	*body = NULL;
	enum notify_markup mk = ch->type == NOTIFY_WEBHOOK ? NOTIFY_PLAIN :
	    ch->type == NOTIFY_FEISHU ? NOTIFY_LARK_MD : NOTIFY_MD;

	if ((text = notify_render(m, n, digest, mk, total)) == NULL ||
	    (title = notify_render_title(m, n, digest, total)) == NULL)
		goto out;
	switch (ch->type) {
	case NOTIFY_WEBHOOK:
		body = webhook_body(m, n, digest, total, text);
		break;
	case NOTIFY_DINGTALK:
		body = json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown",
		    "markdown", "title", title, "text", text);
		break;
	case NOTIFY_WECOM:
		/* WeCom caps markdown content at 4096 bytes. */
		if (strlen(text) > 4000)
			memcpy(text + text_utf8_prefix(text, strlen(text), 3996),
			    TEXT_ELLIPSIS, sizeof(TEXT_ELLIPSIS));
		body = json_pack("{s:s, s:{s:s}}", "msgtype", "markdown",
		    "markdown", "content", text);
		break;
	case NOTIFY_FEISHU: {
		const char *color = (!digest && n == 1 &&
		    !tax_level_at_least(m->level, TAX_LEVEL_III)) ? "orange" :
		    "red";

		body = json_pack("{s:s, s:{s:{s:b}, s:{s:{s:s, s:s}, s:s}, "
		    "s:[{s:s, s:{s:s, s:s}}]}}", "msg_type", "interactive",
		    "card", "config", "wide_screen_mode", 1,
		    "header", "title", "tag", "plain_text", "content", title,
		    "template", color,
		    "elements", "tag", "div", "text", "tag", "lark_md",
		    "content", text);
		if (body != NULL && ch->secret[0] != '\0') {
			int64_t s = ts_ms / 1000;

			if (notify_sign_feishu(ch->secret, s, sign,
			    sizeof(sign)) == -1) {
				json_decref(body);
				body = NULL;
				goto out;
			}
			snprintf(ts, sizeof(ts), "%lld", (long long)s);
			json_object_set_new(body, "timestamp", json_string(ts));
			json_object_set_new(body, "sign", json_string(sign));
		}
		break;
	}
	default:
		break;
	}
out:
	free(text);
	free(title);
	return body;
}

/* ---- email ---------------------------------------------------------- */

/* RFC 5322 section 3.3 date in local time, locale-independent. */
static void
rfc5322_date(int64_t ms, char *buf, size_t len)
{
	static const char *const wd[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	long		off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    wd[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

char *
notify_build_email(const struct notify_channel_conf *ch,
    const struct notify_msg *m, size_t n, bool digest, size_t total,
    int64_t now_ms)
{
	struct sbuf	 b = { 0 };
	char		*text = NULL, *title = NULL, *subj = NULL, *crlf = NULL;
	char		 date[64], to[1024], item[256];
	const char	*cur = ch->to, *domain;
	unsigned char	*enc = NULL;
	size_t		 tlen, elen, k = 0;
	bool		 first = true;

	/* text/plain: nothing in it is markup; no HTML part is sent. */
	if ((text = notify_render(m, n, digest, NOTIFY_PLAIN, total)) == NULL ||
	    (title = notify_render_title(m, n, digest, total)) == NULL ||
	    (subj = notify_rfc2047(title)) == NULL)
		goto out;
	/* The body with CRLF line ends, then base64 (RFC 2045 6.8). */
	tlen = strlen(text);
	if ((crlf = malloc(tlen * 2 + 1)) == NULL)
		goto out;
	for (size_t i = 0; i < tlen; i++) {
		if (text[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = text[i];
	}
	if ((enc = malloc((k + 2) / 3 * 4 + 1)) == NULL)
		goto out;
	elen = (size_t)EVP_EncodeBlock(enc, (unsigned char *)crlf, (int)k);
	to[0] = '\0';
	while (conf_list_next(&cur, item, sizeof(item)) == 1) {
		size_t tl = strlen(to);

		snprintf(to + tl, sizeof(to) - tl, "%s%s", first ? "" : ", ", item);
		first = false;
	}
	rfc5322_date(now_ms, date, sizeof(date));
	domain = strchr(ch->from, '@');
	domain = domain ? domain + 1 : "localhost";
	sb_add(&b, "Date: %s\r\n", date);
	sb_add(&b, "From: %s\r\n", ch->from);
	sb_add(&b, "To: %s\r\n", to);
	sb_add(&b, "Subject: %s\r\n", subj);
	sb_add(&b, "Message-ID: <shaobing.%lld.%lld.%s@%s>\r\n",
	    (long long)(digest || n > 1 ? 0 : m->incident_id),
	    (long long)now_ms, ch->name, domain);
	sb_add(&b, "MIME-Version: 1.0\r\n");
	sb_add(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
	sb_add(&b, "Content-Transfer-Encoding: base64\r\n");
	sb_add(&b, "X-Mailer: shaobing\r\n\r\n");
	for (size_t i = 0; i < elen; i += 76)
		sb_add(&b, "%.*s\r\n", (int)(elen - i < 76 ? elen - i : 76),
		    (char *)enc + i);
out:
	free(text);
	free(title);
	free(subj);
	free(crlf);
	free(enc);
	if (text == NULL || enc == NULL) {
		free(b.p);
		return NULL;
	}
	return sb_take(&b);
}

/* ---- answers -------------------------------------------------------- */

int
notify_check_response(enum notify_type t, long status, const char *body,
    size_t len, char *why, size_t whylen)
{
	json_t		*root = NULL, *v;
	json_error_t	 jerr;
	const char	*field = NULL, *msgf = NULL;
	int		 rc = -1;

	if (status < 200 || status > 299) {
		snprintf(why, whylen, "HTTP status %ld", status);
		return -1;
	}
	switch (t) {
	case NOTIFY_DINGTALK:
	case NOTIFY_WECOM:
		field = "errcode";
		msgf = "errmsg";
		break;
	case NOTIFY_FEISHU:
		field = "code";
		msgf = "msg";
		break;
	default:
		return 0;	/* the generic webhook: any 2xx */
	}
	if (len > 65536) {
		snprintf(why, whylen, "answer larger than 64 KB");
		return -1;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		snprintf(why, whylen, "answer is not a JSON object");
		goto out;
	}
	v = json_object_get(root, field);
	if (v == NULL && t == NOTIFY_FEISHU) {
		/* Older Feishu answers: {"StatusCode":0,"StatusMessage":..}. */
		v = json_object_get(root, "StatusCode");
		msgf = "StatusMessage";
	}
	if (!json_is_integer(v)) {
		snprintf(why, whylen, "answer has no integer \"%s\"", field);
		goto out;
	}
	if (json_integer_value(v) != 0) {
		const char *msg = json_string_value(json_object_get(root, msgf));
		char shortmsg[121];

		text_copy(shortmsg, sizeof(shortmsg), msg, 1);
		text_printf(why, whylen, "robot refused: %s %lld (%s)", field,
		    (long long)json_integer_value(v), shortmsg);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
