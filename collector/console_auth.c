/*
 * Console authentication pieces without sockets or SQL: password
 * hashing, the session table, failed-login limits, CSRF and Origin
 * checks, and the two parsers of outside bytes (form bodies, Cookie
 * headers).  See console.h.  OpenSSL gives scrypt (RFC 7914), SHA-256,
 * the random source and the constant-time comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "collector/console.h"
#include "common/log.h"
#include "common/hex.h"
#include "common/rbuf.h"
#include "common/token.h"

_Static_assert(CONSOLE_TOKEN_HEX == TOKEN_HEX_LEN + 1,
    "a console token is one token_new() without prefix");

/* scrypt cost: N = 2^15, r = 8, p = 1 needs 128 * N * r = 32 MiB. */
#define SCRYPT_LOG_N	15
#define SCRYPT_R	8
#define SCRYPT_P	1
#define SCRYPT_MAXMEM	(64ULL * 1024 * 1024)
#define SALT_LEN	16
#define DK_LEN		32

enum console_role
console_role_parse(const char *s)
{
	if (s != NULL && strcmp(s, "admin") == 0)
		return CONSOLE_ROLE_ADMIN;
	if (s != NULL && strcmp(s, "read") == 0)
		return CONSOLE_ROLE_READ;
	return CONSOLE_ROLE_NONE;
}

const char *
console_role_name(enum console_role r)
{
	switch (r) {
	case CONSOLE_ROLE_ADMIN:
		return "admin";
	case CONSOLE_ROLE_READ:
		return "read";
	default:
		return "none";
	}
}

int
console_name_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n >= CONSOLE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Exactly 2 * n hex digits in s[0..slen) into b. */
static int
hex_decode(const char *s, size_t slen, unsigned char *b, size_t n)
{
	if (slen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int
scrypt_derive(const char *pw, const unsigned char *salt, size_t saltlen,
    int log_n, int r, int p, unsigned char *dk, size_t dklen)
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen,
	    (uint64_t)1 << log_n, (uint64_t)r, (uint64_t)p, SCRYPT_MAXMEM,
	    dk, dklen) == 1 ? 0 : -1;
}

int
console_password_hash(const char *pw, char *out, size_t outlen, char *err,
    size_t errlen)
{
	unsigned char	salt[SALT_LEN], dk[DK_LEN];
	char		salthex[2 * SALT_LEN + 1], dkhex[2 * DK_LEN + 1];
	int		n;

	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		snprintf(err, errlen, "no random bytes for the salt");
		return -1;
	}
	if (scrypt_derive(pw, salt, sizeof(salt), SCRYPT_LOG_N, SCRYPT_R,
	    SCRYPT_P, dk, sizeof(dk)) == -1) {
		snprintf(err, errlen, "scrypt failed (out of memory?)");
		return -1;
	}
	hex_encode(salt, sizeof(salt), salthex);
	hex_encode(dk, sizeof(dk), dkhex);
	OPENSSL_cleanse(dk, sizeof(dk));
	n = snprintf(out, outlen, "scrypt$%d$%d$%d$%s$%s", SCRYPT_LOG_N,
	    SCRYPT_R, SCRYPT_P, salthex, dkhex);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "hash buffer too small");
		return -1;
	}
	return 0;
}

/* A small decimal field of the stored hash, in [min, max]. */
static int
field_int(const char **p, int min, int max, int *v)
{
	int n = 0, digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 3) {
		n = n * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (digits == 0 || **p != '$' || n < min || n > max)
		return -1;
	(*p)++;
	*v = n;
	return 0;
}

int
console_password_verify(const char *pw, const char *stored, char *err,
    size_t errlen)
{
	unsigned char	 salt[SALT_LEN], want[DK_LEN], got[DK_LEN];
	const char	*p = stored, *dol;
	int		 log_n, r, par, ok;

	if (strncmp(p, "scrypt$", 7) != 0)
		goto bad;
	p += 7;
	/* Bounds keep a tampered row from asking for gigabytes. */
	if (field_int(&p, 10, 20, &log_n) == -1 ||
	    field_int(&p, 1, 16, &r) == -1 || field_int(&p, 1, 4, &par) == -1)
		goto bad;
	if ((dol = strchr(p, '$')) == NULL ||
	    hex_decode(p, (size_t)(dol - p), salt, sizeof(salt)) == -1 ||
	    hex_decode(dol + 1, strlen(dol + 1), want, sizeof(want)) == -1)
		goto bad;
	if (scrypt_derive(pw, salt, sizeof(salt), log_n, r, par, got,
	    sizeof(got)) == -1) {
		snprintf(err, errlen, "scrypt failed (out of memory?)");
		return -1;
	}
	ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
bad:
	snprintf(err, errlen, "stored password hash is not "
	    "scrypt$LOGN$R$P$SALT$HASH; reset it with shaobing users passwd");
	return -1;
}

/* ---- sessions ----------------------------------------------------- */

static struct console_session *slot_for(struct console_sessions *,
    const unsigned char *);
static struct console_session *slot_free(struct console_sessions *);

static void
sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);	/* never matches a real id's hash */
}

struct console_session *
console_session_new(struct console_sessions *t, const char *user,
    enum console_role role, const char *peer, int64_t now, char *id,
    size_t idlen)
{
	struct console_session	*s = slot_free(t);
	char			 err[256];

	memset(s, 0, sizeof(*s));
	if (token_new("", id, idlen) == -1 ||
	    token_new("", s->csrf, sizeof(s->csrf)) == -1)
		return NULL;
	sha256(id, strlen(id), s->id_hash);
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->peer, sizeof(s->peer), "%s", peer ? peer : "");
	s->role = role;
	s->created = s->last_used = now;
	s->used = 1;
	if (t->st != NULL && store_console_session_put(t->st, s, err,
	    sizeof(err)) == -1) {
		log_warnx("console: %s; the login of %s works on this "
		    "collector only", err, user);
	}
	return s;
}

/* The slot for a session: its own, else an unused one, else the least
   recently used. */
static struct console_session *
slot_for(struct console_sessions *t, const unsigned char *h)
{
	struct console_session *s = NULL;

	for (size_t i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		struct console_session *c = &t->s[i];

		if (h != NULL && c->used &&
		    CRYPTO_memcmp(c->id_hash, h, sizeof(c->id_hash)) == 0)
			return c;
	}
	for (size_t i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		struct console_session *c = &t->s[i];

		if (!c->used)
			return c;
		if (s == NULL || c->last_used < s->last_used)
			s = c;
	}
	return s;
}

static struct console_session *
slot_free(struct console_sessions *t)
{
	return slot_for(t, NULL);
}

/* A shared session's last use is written at most this often. */
#define SESSION_TOUCH_MS	(10 * 1000)

struct console_session *
console_session_find(struct console_sessions *t, const char *id, int64_t now)
{
	struct console_session	*s = NULL, db;
	unsigned char		 h[32];
	char			 err[256];
	int			 r;

	if (id == NULL || strlen(id) != CONSOLE_TOKEN_HEX - 1)
		return NULL;
	sha256(id, strlen(id), h);
	if (t->st != NULL) {
		/* The database says whether it lives (a logout on another
		   collector ends it here too). */
		if ((r = store_console_session_get(t->st, h, &db, err,
		    sizeof(err))) == -1)
			log_warnx("console: %s", err);
		if (r != 1) {
			if ((s = slot_for(t, h)) != NULL && s->used &&
			    CRYPTO_memcmp(s->id_hash, h, sizeof(h)) == 0)
				console_session_end(NULL, s);
			return NULL;
		}
		s = slot_for(t, h);
		if (!s->used || CRYPTO_memcmp(s->id_hash, h, sizeof(h)) != 0 ||
		    db.last_used > s->last_used)
			*s = db;
	} else {
		for (size_t i = 0; i < CONSOLE_SESSIONS_MAX && s == NULL; i++)
			if (t->s[i].used && CRYPTO_memcmp(t->s[i].id_hash, h,
			    sizeof(h)) == 0)
				s = &t->s[i];
		if (s == NULL)
			return NULL;
	}
	if (now - s->last_used > CONSOLE_IDLE_MS ||
	    now - s->created > CONSOLE_ABSOLUTE_MS) {
		console_session_end(t, s);
		return NULL;
	}
	if (t->st != NULL && now - s->last_used >= SESSION_TOUCH_MS &&
	    store_console_session_touch(t->st, h, now, err,
	    sizeof(err)) == -1)
		log_warnx("console: %s", err);
	s->last_used = now;
	return s;
}

void
console_session_end(struct console_sessions *t, struct console_session *s)
{
	char	err[256];

	if (s == NULL)
		return;
	if (t != NULL && t->st != NULL && s->used &&
	    store_console_session_del(t->st, s->id_hash, NULL, err,
	    sizeof(err)) == -1)
		log_warnx("console: %s", err);
	OPENSSL_cleanse(s, sizeof(*s));
	s->used = 0;
}

int
console_session_end_user(struct console_sessions *t, const char *user)
{
	char	err[256];
	int	n = 0, r;

	for (size_t i = 0; i < CONSOLE_SESSIONS_MAX; i++)
		if (t->s[i].used && strcmp(t->s[i].user, user) == 0) {
			console_session_end(NULL, &t->s[i]);
			n++;
		}
	if (t->st != NULL) {
		if ((r = store_console_session_del(t->st, NULL, user, err,
		    sizeof(err))) == -1)
			log_warnx("console: %s", err);
		else if (r > n)
			n = r;
	}
	return n;
}

/* ---- failed-login limits ------------------------------------------ */

static struct console_limit_slot *
limit_slot(struct console_limits *l, const char *key, int create,
    int64_t now)
{
	struct console_limit_slot *old = NULL;

	for (size_t i = 0; i < CONSOLE_LIMIT_SLOTS; i++) {
		struct console_limit_slot *s = &l->slot[i];

		if (s->key[0] != '\0' && strcmp(s->key, key) == 0)
			return s;
		if (old == NULL || s->key[0] == '\0' ||
		    (old->key[0] != '\0' && s->first < old->first))
			old = s;
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	snprintf(old->key, sizeof(old->key), "%s", key);
	old->first = now;
	return old;
}

int64_t
console_limit_wait(struct console_limits *l, const char *key, int64_t now)
{
	struct console_limit_slot *s = limit_slot(l, key, 0, now);

	if (s == NULL)
		return 0;
	if (now - s->first >= CONSOLE_FAIL_WINDOW_MS) {
		s->key[0] = '\0';
		return 0;
	}
	if (s->fails < CONSOLE_FAIL_MAX)
		return 0;
	return s->first + CONSOLE_FAIL_WINDOW_MS - now;
}

void
console_limit_fail(struct console_limits *l, const char *key, int64_t now)
{
	struct console_limit_slot *s = limit_slot(l, key, 1, now);

	if (now - s->first >= CONSOLE_FAIL_WINDOW_MS) {
		s->first = now;
		s->fails = 0;
	}
	s->fails++;
}

void
console_limit_clear(struct console_limits *l, const char *key)
{
	struct console_limit_slot *s = limit_slot(l, key, 0, 0);

	if (s != NULL)
		memset(s, 0, sizeof(*s));
}

/* ---- parsers ------------------------------------------------------ */

/*
 * Decode one form component of rb (WHATWG URL "application/x-www-form-
 * urlencoded" parsing: '+' is a space, %XX a byte) into out.
 */
static int
form_decode(struct rbuf *rb, char *out, size_t outlen)
{
	size_t	n = 0;
	uint8_t	c, h, l;

	while (rbuf_left(rb) > 0) {
		if (rbuf_u8(rb, &c) == -1)
			return -1;
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;

			if (rbuf_u8(rb, &h) == -1 || rbuf_u8(rb, &l) == -1 ||
			    (hi = hex_digit((char)h)) < 0 ||
			    (lo = hex_digit((char)l)) < 0)
				return -1;
			c = (uint8_t)(hi << 4 | lo);
		}
		if (c == '\0' || n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

int
console_form_get(const char *body, size_t len, const char *name, char *out,
    size_t outlen)
{
	struct rbuf	 all, pair, k, v;
	char		 key[64];
	const uint8_t	*amp, *eq;

	if (outlen == 0)
		return -1;
	rbuf_init(&all, body, len);
	while (rbuf_left(&all) > 0) {
		amp = memchr(all.p, '&', rbuf_left(&all));
		if (rbuf_sub(&all, amp ? (size_t)(amp - all.p) :
		    rbuf_left(&all), &pair) == -1)
			return -1;
		if (amp != NULL && rbuf_skip(&all, 1) == -1)
			return -1;
		if (rbuf_left(&pair) == 0)
			continue;
		eq = memchr(pair.p, '=', rbuf_left(&pair));
		if (rbuf_sub(&pair, eq ? (size_t)(eq - pair.p) :
		    rbuf_left(&pair), &k) == -1)
			return -1;
		if (eq != NULL && rbuf_skip(&pair, 1) == -1)
			return -1;
		v = pair;
		/* A key too long to be ours is skipped, not an error. */
		if (form_decode(&k, key, sizeof(key)) == -1)
			continue;
		if (strcmp(key, name) != 0)
			continue;
		return form_decode(&v, out, outlen) == -1 ? -1 : 1;
	}
	return 0;
}

int
console_cookie_get(const char *header, const char *name, char *out,
    size_t outlen)
{
	size_t		 nlen = strlen(name);
	const char	*p = header, *end, *v;

	if (header == NULL || outlen == 0)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			v = p + nlen + 1;
			/* Trailing blanks are not part of the value. */
			while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if ((size_t)(end - v) >= outlen)
				return 0;
			memcpy(out, v, (size_t)(end - v));
			out[end - v] = '\0';
			return 1;
		}
		p = end;
	}
	return 0;
}

int
console_origin_ok(const char *host, const char *origin, const char *referer,
    char *why, size_t whylen)
{
	char	want[300];
	size_t	n;

	if (host == NULL || *host == '\0' || strpbrk(host, "/\\@ ") != NULL) {
		snprintf(why, whylen, "request has no usable Host header");
		return -1;
	}
	n = (size_t)snprintf(want, sizeof(want), "https://%s", host);
	if (n >= sizeof(want)) {
		snprintf(why, whylen, "Host header too long");
		return -1;
	}
	if (origin != NULL) {
		if (strcmp(origin, want) == 0)
			return 0;
		snprintf(why, whylen, "Origin does not match this console "
		    "(cross-site request refused)");
		return -1;
	}
	if (referer != NULL) {
		if (strncmp(referer, want, n) == 0 && referer[n] == '/')
			return 0;
		snprintf(why, whylen, "Referer does not match this console "
		    "(cross-site request refused)");
		return -1;
	}
	snprintf(why, whylen, "Origin or Referer header required");
	return -1;
}

int
console_csrf_ok(const struct console_session *s, const char *token,
    char *why, size_t whylen)
{
	if (token == NULL) {
		snprintf(why, whylen, "X-CSRF-Token header required");
		return -1;
	}
	if (strlen(token) != CONSOLE_TOKEN_HEX - 1 ||
	    CRYPTO_memcmp(token, s->csrf, CONSOLE_TOKEN_HEX - 1) != 0) {
		snprintf(why, whylen, "X-CSRF-Token does not match the session");
		return -1;
	}
	return 0;
}
