/*
 * The web console: one HTML page served at /console/ on the agent port
 * (HTTPS; browsers come without a client certificate), password login,
 * sessions, CSRF protection, and /console/api/... mapped onto the admin
 * API after the session's role allows it.  Every console action is
 * written to the admin audit table.
 *
 *   console_auth.c   password hashing (scrypt), sessions, login limits,
 *                    CSRF/Origin checks, the form and cookie parsers
 *   console.c        the routes (page, login, logout, session, api) and
 *                    the admin API's user routes (/api/v1/admin/users)
 *   console_page.c   the page, generated from collector/console/index.html
 *                    by scripts/console_page.sh (a test checks they match)
 *   store_console.c  the console_users table (audit rows go to
 *                    admin_audit through store_audit_add(), store_access.h)
 *
 * Sessions live in memory only (a restart logs everyone out); the
 * browser holds a random 32-byte id, the table holds its SHA-256.
 */
#ifndef SHAOBING_CONSOLE_H
#define SHAOBING_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/api.h"
#include "collector/store.h"

#define CONSOLE_NAME_MAX	33	/* user names: 1-32 of [A-Za-z0-9._-] */
#define CONSOLE_PW_MIN		8
#define CONSOLE_PW_MAX		1024
#define CONSOLE_HASH_MAX	192	/* stored password hash text */
#define CONSOLE_TOKEN_HEX	65	/* 32 bytes as hex + NUL */
#define CONSOLE_IDLE_MS		(30 * 60 * 1000LL)
#define CONSOLE_ABSOLUTE_MS	(12 * 3600 * 1000LL)
#define CONSOLE_SESSIONS_MAX	256
/* Failed logins: this many per address or per user within the window,
   then refused until the window has passed. */
#define CONSOLE_FAIL_MAX	5
#define CONSOLE_FAIL_WINDOW_MS	(15 * 60 * 1000LL)
#define CONSOLE_COOKIE		"sb_session"

enum console_role {
	CONSOLE_ROLE_NONE,
	CONSOLE_ROLE_READ,	/* GET only */
	CONSOLE_ROLE_ADMIN,	/* everything */
};

/* "read"/"admin" → role; anything else CONSOLE_ROLE_NONE. */
enum console_role console_role_parse(const char *s);
const char	*console_role_name(enum console_role r);
/* 1 when s is a valid user name (1-32 of A-Z a-z 0-9 . _ -). */
int		 console_name_ok(const char *s);

/* ---- passwords (console_auth.c) ----------------------------------- */

/*
 * Hash pw with scrypt (N=2^15, r=8, p=1, 16-byte random salt) into out
 * as "scrypt$15$8$1$SALTHEX$HASHHEX".  0, or -1 with err.
 */
int	console_password_hash(const char *pw, char *out, size_t outlen,
	    char *err, size_t errlen);
/*
 * 1 when pw matches the stored hash (compared in constant time), 0 when
 * it does not, -1 when stored is not a hash this code wrote (err says).
 */
int	console_password_verify(const char *pw, const char *stored, char *err,
	    size_t errlen);

/* ---- sessions ----------------------------------------------------- */

struct console_session {
	unsigned char	 id_hash[32];	/* SHA-256 of the cookie's id */
	char		 user[CONSOLE_NAME_MAX];
	enum console_role role;
	char		 csrf[CONSOLE_TOKEN_HEX];
	char		 peer[64];	/* address it logged in from */
	int64_t		 created, last_used;
	int		 used;
};

/*
 * The sessions: in the store's console_sessions table when st is set
 * (several collectors on one database each know every session: a
 * login on one works on all, a logout or a password change on one ends
 * it on all), the slots here holding the copy a request works on; in
 * the slots alone when st is NULL (unit tests).
 */
struct console_sessions {
	struct console_session	 s[CONSOLE_SESSIONS_MAX];
	struct store		*st;
};

/*
 * A new session for user: its cookie value (64 hex digits) into id.
 * When the table is full the least recently used session goes.  Returns
 * the session, NULL when the random source failed.
 */
struct console_session *console_session_new(struct console_sessions *t,
	    const char *user, enum console_role role, const char *peer,
	    int64_t now, char *id, size_t idlen);
/*
 * The live session for cookie value id, its last_used moved to now; an
 * idle (> CONSOLE_IDLE_MS) or old (> CONSOLE_ABSOLUTE_MS) one is ended
 * and NULL returned.
 */
struct console_session *console_session_find(struct console_sessions *t,
	    const char *id, int64_t now);
void	console_session_end(struct console_sessions *t,
	    struct console_session *s);
/* End every session of user (password changed, user deleted). */
int	console_session_end_user(struct console_sessions *t, const char *user);

/* ---- failed-login limits ------------------------------------------ */

#define CONSOLE_LIMIT_SLOTS	512

struct console_limit_slot {
	char	 key[72];	/* "a:ADDR" or "u:NAME" */
	int	 fails;
	int64_t	 first;		/* start of the window */
};

/* A fixed table: a flood of addresses reuses the oldest slots. */
struct console_limits {
	struct console_limit_slot slot[CONSOLE_LIMIT_SLOTS];
};

/*
 * 0 when key may try again, else the milliseconds until it may.
 */
int64_t	console_limit_wait(struct console_limits *l, const char *key,
	    int64_t now);
void	console_limit_fail(struct console_limits *l, const char *key,
	    int64_t now);
void	console_limit_clear(struct console_limits *l, const char *key);

/* ---- parsers of outside bytes (fuzz_console_parse) ------------------ */

/*
 * The value of field name in an application/x-www-form-urlencoded body
 * (not NUL-terminated; '+' and %XX decoded) into out (NUL-terminated).
 * 1 found, 0 absent, -1 malformed (bad %XX, NUL byte, longer than
 * outlen - 1).
 */
int	console_form_get(const char *body, size_t len, const char *name,
	    char *out, size_t outlen);
/*
 * The value of cookie name in a Cookie header (RFC 6265 section 5.4:
 * "a=b; c=d") into out.  1 found, 0 absent or longer than outlen - 1.
 */
int	console_cookie_get(const char *header, const char *name, char *out,
	    size_t outlen);

/*
 * CSRF check of a state-changing request: the X-CSRF-Token header must
 * equal the session's token (constant time), and Origin (or, when
 * absent, Referer) must be https://HOST with HOST the Host header.
 * 0 allowed, -1 refused with why.
 */
int	console_origin_ok(const char *host, const char *origin,
	    const char *referer, char *why, size_t whylen);
int	console_csrf_ok(const struct console_session *s, const char *token,
	    char *why, size_t whylen);

/* ---- store (store_console.c) -------------------------------------- */

/* Sessions by the SHA-256 of their id (console_sessions, migration 15). */
extern const char store_console_sessions_migration[];
extern const char store_console_sessions_migration_pg[];
int	store_console_session_put(struct store *st,
	    const struct console_session *s, char *err, size_t errlen);
/* 1 with *s filled (used = 1), 0 none, -1 with err. */
int	store_console_session_get(struct store *st, const unsigned char h[32],
	    struct console_session *s, char *err, size_t errlen);
int	store_console_session_touch(struct store *st, const unsigned char h[32],
	    int64_t last_used, char *err, size_t errlen);
/* End one session (h) or every session of user (h NULL): rows ended. */
int	store_console_session_del(struct store *st, const unsigned char *h,
	    const char *user, char *err, size_t errlen);

extern const char store_console_migration[];

struct console_user {
	char		 name[CONSOLE_NAME_MAX];
	enum console_role role;
	char		 hash[CONSOLE_HASH_MAX];
};

/* 0 added, 1 the name is taken, -1 error. */
int	store_console_user_add(struct store *st, const char *name,
	    enum console_role role, const char *hash, int64_t now, char *err,
	    size_t errlen);
/* 0 found (u filled), 1 unknown, -1 error. */
int	store_console_user_get(struct store *st, const char *name,
	    struct console_user *u, char *err, size_t errlen);
/* 0 changed, 1 unknown, -1 error. */
int	store_console_user_passwd(struct store *st, const char *name,
	    const char *hash, int64_t now, char *err, size_t errlen);
int	store_console_user_del(struct store *st, const char *name, char *err,
	    size_t errlen);
/* A console user as listed; name valid during the call; times UTC ms. */
struct console_user_row {
	const char		*name;
	enum console_role	 role;
	int64_t			 created_ms;
	int64_t			 changed_ms;	/* password last set */
	int64_t			 last_login_ms;	/* STORE_NO_TIME: never */
};
typedef int (*store_console_user_fn)(void *arg,
    const struct console_user_row *u, char *err, size_t errlen);
/* fn for each user, by name (0, or -1 with err to stop).  0 or -1. */
int	store_console_user_list(struct store *st, store_console_user_fn fn,
	    void *arg, char *err, size_t errlen);
int	store_console_user_login(struct store *st, const char *name,
	    int64_t now, char *err, size_t errlen);

/* ---- the HTTP side (console.c) ------------------------------------ */

/* The page (console_page.c). */
extern const char	console_page_html[];

struct console;

struct console_request {
	enum api_method	 method;
	const char	*uri;
	const char	*path;		/* uri without the query (http.c) */
	const char	*query;		/* after '?', "" when none */
	const char	*addr;		/* client address, no port */
	const char	*host;		/* Host header, NULL absent */
	const char	*cookie;	/* Cookie header */
	const char	*csrf;		/* X-CSRF-Token header */
	const char	*origin;
	const char	*referer;
	const char	*content_type;
	const void	*body;
	size_t		 bodylen;
};

#define CONSOLE_HEADERS_MAX	8

struct console_response {
	int		 status;
	char		*body;		/* malloc'd, or NULL */
	size_t		 bodylen;
	const char	*content_type;
	/* name/value pairs to add; values are static or in hbuf */
	const char	*hname[CONSOLE_HEADERS_MAX];
	const char	*hvalue[CONSOLE_HEADERS_MAX];
	int		 nheaders;
	char		 cookie[160];	/* Set-Cookie value when set */
};

/* NULL only when out of memory or the page has no inline script. */
struct console	*console_new(void);
void		 console_free(struct console *c);

/* 1 when uri is "/console" or under "/console/". */
int	console_path(const char *uri);
/*
 * Answer one /console request.  api gives the store, the clock and the
 * admin routes (api->console is c).
 */
void	console_handle(struct console *c, struct api *api,
	    const struct console_request *rq, struct console_response *rs);
void	console_response_free(struct console_response *rs);

/*
 * Admin API routes /api/v1/admin/users[/NAME[/password|/delete]]
 * (rows of access.c's admin table, CLI only):
 *   GET  users → {"users":[...]}
 *   POST users {"name","role","password"} → 200 {"user":{...}}
 *   POST users/NAME/password {"password"} → 200 (ends NAME's sessions)
 *   POST users/NAME/delete → 200 (ends NAME's sessions)
 */
api_handler console_users_api;

/*
 * The session behind a /console/api/ request (access.c then routes it):
 * rs is started (the console's headers); 0 with its user's name; -1
 * having answered 405 (not GET or POST), 401 (no session), 403 (Origin
 * or CSRF token wrong on a POST, or a read user's POST) and audited the
 * refusal.
 */
int	console_api_session(struct console *c, struct api *api,
	    const struct console_request *rq, struct console_response *rs,
	    char *user, size_t userlen);

#endif
