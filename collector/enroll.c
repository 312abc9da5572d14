/*
 * Enrollment, renewal, revocation checks and admin authentication (see
 * collector/access.h).
 *
 * Enrollment (RFC 2986 CSR inside a JSON body, on the agent port, no
 * client certificate):
 *
 *   GET  /api/v1/ca      → {"ca": PEM, "fingerprint": SHA256-hex}
 *                          The agent checks the fingerprint it was given
 *                          against this certificate before trusting it.
 *   POST /api/v1/enroll  {"token","csr","machine_id","hostname"[,"name"]}
 *                        → {"name","cert","ca","last_seq","known"}
 *   POST /api/v1/renew   (client certificate) {"csr"} → {"cert","ca"}
 *
 * Both POSTs are limited per client address ([enroll] attempts a minute)
 * before anything else is looked at, so a token cannot be guessed at
 * speed (it could not be anyway: 256 bits).
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collector/access.h"
#include "common/digest.h"
#include "common/event.h"
#include "common/log.h"
#include "common/pki.h"
#include "common/timeutil.h"

#define TOKEN_TTL_MIN_S		60
#define TOKEN_TTL_MAX_S		(30 * 86400)
#define TOKEN_USES_MAX		10000
#define AUDIT_LIMIT_MAX		10000
#define BODY_MAX		(64 * 1024)

struct access {
	struct pki_cert		*ca;
	struct pki_key		*ca_key;	/* NULL: no enrollment */
	char			 ca_key_why[1200];
	char			*ca_pem;
	char			 fp[PKI_FINGERPRINT_LEN];
	int			 cert_days;
	struct ratelimit	*enroll_rl;
};

/* ---- set-up ----------------------------------------------------------- */

static int
access_load(struct access *ac, const struct collector_conf *cc, char *err,
    size_t errlen)
{
	char why[300];

	if ((ac->ca = pki_cert_load(cc->ca, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "[server] ca %s: %s", cc->ca, why);
		return -1;
	}
	if ((ac->ca_pem = pki_cert_to_pem(ac->ca, why, sizeof(why))) == NULL ||
	    pki_cert_fingerprint(ac->ca, ac->fp, sizeof(ac->fp)) == -1) {
		snprintf(err, errlen, "[server] ca %s: %s", cc->ca, why);
		return -1;
	}
	ac->ca_key = pki_key_load(cc->enroll_ca_key, why, sizeof(why));
	if (ac->ca_key == NULL)
		snprintf(ac->ca_key_why, sizeof(ac->ca_key_why), "[enroll] "
		    "ca_key %s: %s", cc->enroll_ca_key, why);
	else if (!pki_cert_matches_key(ac->ca, ac->ca_key)) {
		snprintf(ac->ca_key_why, sizeof(ac->ca_key_why), "[enroll] "
		    "ca_key %s does not belong to [server] ca %s",
		    cc->enroll_ca_key, cc->ca);
		pki_key_free(ac->ca_key);
		ac->ca_key = NULL;
	}
	if (ac->ca_key == NULL)
		log_warnx("enrollment and renewal are off: %s; make the CA key "
		    "readable by the collector (group shaobing, mode 0640) to "
		    "enroll agents with tokens", ac->ca_key_why);
	ac->cert_days = cc->enroll_cert_days;
	return 0;
}

static void
access_clear(struct access *ac)
{
	pki_cert_free(ac->ca);
	pki_key_free(ac->ca_key);
	free(ac->ca_pem);
	ac->ca = NULL;
	ac->ca_key = NULL;
	ac->ca_pem = NULL;
}

struct access *
access_new(const struct collector_conf *cc, char *err, size_t errlen)
{
	struct access *ac;

	if ((ac = calloc(1, sizeof(*ac))) == NULL ||
	    (ac->enroll_rl = ratelimit_new(cc->enroll_attempts / 60.0,
	    cc->enroll_attempts, 4096)) == NULL) {
		snprintf(err, errlen, "out of memory");
		access_free(ac);
		return NULL;
	}
	if (access_load(ac, cc, err, errlen) == -1) {
		access_free(ac);
		return NULL;
	}
	return ac;
}

int
access_reload(struct access *ac, const struct collector_conf *cc, char *err,
    size_t errlen)
{
	struct access n;

	memset(&n, 0, sizeof(n));
	if (access_load(&n, cc, err, errlen) == -1) {
		access_clear(&n);
		return -1;
	}
	access_clear(ac);
	ac->ca = n.ca;
	ac->ca_key = n.ca_key;
	ac->ca_pem = n.ca_pem;
	memcpy(ac->fp, n.fp, sizeof(ac->fp));
	memcpy(ac->ca_key_why, n.ca_key_why, sizeof(ac->ca_key_why));
	ac->cert_days = n.cert_days;
	ratelimit_set(ac->enroll_rl, cc->enroll_attempts / 60.0,
	    cc->enroll_attempts);
	return 0;
}

void
access_free(struct access *ac)
{
	if (ac == NULL)
		return;
	access_clear(ac);
	ratelimit_free(ac->enroll_rl);
	free(ac);
}

int
access_token_new(const char *prefix, char *out, size_t outlen)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		r[32];
	size_t			pl = strlen(prefix);

	if (outlen < pl + 2 * sizeof(r) + 1 ||
	    getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	memcpy(out, prefix, pl);
	for (size_t i = 0; i < sizeof(r); i++) {
		out[pl + 2 * i] = hex[r[i] >> 4];
		out[pl + 2 * i + 1] = hex[r[i] & 15];
	}
	out[pl + 2 * sizeof(r)] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void
answer(struct api_response *rs, int status, json_t *o)
{
	rs->status = status;
	rs->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (rs->body == NULL) {
		rs->status = 500;
		rs->body = strdup("{\"error\":\"out of memory\"}");
	}
}

static void
answer_error(struct api_response *rs, int status, const char *msg)
{
	answer(rs, status, json_pack("{s:s}", "error", msg));
}

/* Is s PREFIX followed by exactly 64 lower-case hex digits? */
static int
token_shape_ok(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (strncmp(s, prefix, pl) != 0 || strlen(s) != pl + 64)
		return 0;
	for (s += pl; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* The address part of "ADDR:PORT" into buf (for rate limits). */
static const char *
peer_addr(const struct api_request *rq, char *buf, size_t len)
{
	const char *p = rq->peer ? rq->peer : "?", *c = strrchr(p, ':');

	snprintf(buf, len, "%.*s", c ? (int)(c - p) : (int)strlen(p), p);
	return buf;
}

/* A JSON object body (at most BODY_MAX bytes, depth 2); NULL answered. */
static json_t *
body_object(const struct api_request *rq, struct api_response *rs)
{
	json_t	*o;
	char	 err[256], msg[300];

	if (rq->bodylen > BODY_MAX) {
		answer_error(rs, 413, "body larger than 64 KiB");
		return NULL;
	}
	if (rq->content_encoding != NULL) {
		answer_error(rs, 415, "send this request without "
		    "Content-Encoding");
		return NULL;
	}
	if ((o = json_parse_bounded(rq->body, rq->bodylen, 2, err,
	    sizeof(err))) == NULL || !json_is_object(o)) {
		snprintf(msg, sizeof(msg), "body: %s", o ? "expected an object" :
		    err);
		json_decref(o);
		answer_error(rs, 400, msg);
		return NULL;
	}
	return o;
}

/* A string member of at most max bytes, or NULL with msg. */
static const char *
member(json_t *o, const char *name, size_t max, int required, char *msg,
    size_t msglen)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL) {
		if (required)
			snprintf(msg, msglen, "body.%s: missing", name);
		else
			msg[0] = '\0';
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(msg, msglen, "body.%s: expected a string of 1 to %zu "
		    "bytes", name, max);
		return NULL;
	}
	return json_string_value(v);
}

/* Only the listed members ("a,b,c"); -1 with msg naming the first other. */
static int
members_only(json_t *o, const char *const *names, char *msg, size_t msglen)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(o, k, v) {
		size_t i;

		for (i = 0; names[i] != NULL; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (names[i] == NULL) {
			snprintf(msg, msglen, "body: unknown field '%.64s'", k);
			return -1;
		}
	}
	return 0;
}

/*
 * An agent name from a host name: its first label, characters outside
 * A-Z a-z 0-9 . _ - made '-', at most 63 bytes.  -1 when nothing is left.
 */
static int
name_from_host(const char *host, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *host != '\0' && *host != '.' && n + 1 < outlen &&
	    n < EVENT_AGENT_MAX - 1; host++) {
		char c = *host;

		out[n++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-') ? c : '-';
	}
	out[n] = '\0';
	return n > 0 && event_name_ok(out, EVENT_AGENT_MAX) ? 0 : -1;
}

static int
machine_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 32 || n >= ACCESS_MACHINE_ID_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static void
audit(struct api *api, const char *actor, const char *via,
    const struct api_request *rq, const char *what, int status)
{
	struct store_audit	a;
	char			err[300];

	a.ts_ms = api->now();
	a.actor = actor;
	a.via = via;
	a.peer = rq->peer ? rq->peer : "?";
	a.method = rq->method == API_GET ? "GET" : rq->method == API_POST ?
	    "POST" : "OTHER";
	a.path = what;
	a.status = status;
	if (store_audit_add(api->store, &a, err, sizeof(err)) == -1)
		log_errorx("admin audit: %s; the call was answered %d but is "
		    "missing from the audit log", err, status);
}

/* ---- agent port ------------------------------------------------------- */

struct sign_ctx {
	struct access	*ac;
	const char	*csr;
	struct pki_cert	*cert;
};

static int
sign_cb(void *arg, const char *name, char *err, size_t errlen)
{
	struct sign_ctx *sc = arg;

	sc->cert = pki_sign_csr(sc->ac->ca, sc->ac->ca_key, sc->csr,
	    strlen(sc->csr), name, sc->ac->cert_days, err, errlen);
	return sc->cert == NULL ? -1 : 0;
}

/* The signed certificate and the CA as an answer. */
static void
answer_cert(struct api_response *rs, struct access *ac, struct pki_cert *c,
    json_t *o)
{
	char	*pem, err[256];

	if ((pem = pki_cert_to_pem(c, err, sizeof(err))) == NULL) {
		json_decref(o);
		answer_error(rs, 500, "cannot encode the certificate");
		return;
	}
	json_object_set_new(o, "cert", json_string(pem));
	json_object_set_new(o, "ca", json_string(ac->ca_pem));
	free(pem);
	answer(rs, 200, o);
}

static int
enroll_gate(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	struct access	*ac = api->access;
	char		 addr[96];

	if (!ratelimit_take(ac->enroll_rl, peer_addr(rq, addr, sizeof(addr)),
	    api->now())) {
		log_warnx("refused %s from %s: too many enrollment attempts "
		    "from this address; it may try again in a minute", rq->uri,
		    addr);
		answer_error(rs, 429, "too many enrollment attempts from this "
		    "address; wait a minute");
		return -1;
	}
	if (ac->ca_key == NULL) {
		answer_error(rs, 503, "enrollment is off on this collector "
		    "(the CA key is not readable); ask its administrator");
		return -1;
	}
	return 0;
}

static void
handle_enroll(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "token", "csr", "machine_id",
		"hostname", "name", NULL };
	struct access		*ac = api->access;
	struct store_enroll_req	 req;
	struct store_enroll_res	 res;
	struct sign_ctx		 sc = { ac, NULL, NULL };
	json_t			*o;
	const char		*token, *mid, *host, *want;
	char			 msg[512], hash[DIGEST_SHA256_HEX], name[64];
	char			 actor[48], what[160], err[400];
	int			 status;

	if (enroll_gate(api, rq, rs) == -1 || (o = body_object(rq, rs)) == NULL)
		return;
	if (members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (token = member(o, "token", 128, 1, msg, sizeof(msg))) == NULL ||
	    (sc.csr = member(o, "csr", 16384, 1, msg, sizeof(msg))) == NULL ||
	    (mid = member(o, "machine_id", 128, 1, msg, sizeof(msg))) == NULL ||
	    (host = member(o, "hostname", 255, 1, msg, sizeof(msg))) == NULL)
		goto bad;
	want = member(o, "name", 128, 0, msg, sizeof(msg));
	if (want == NULL && msg[0] != '\0')
		goto bad;
	if (!token_shape_ok(token, "sbe_")) {
		snprintf(msg, sizeof(msg), "body.token: not an enrollment token "
		    "(sbe_ and 64 hex digits, from `shaobing token create`)");
		goto bad;
	}
	if (!machine_id_ok(mid)) {
		snprintf(msg, sizeof(msg), "body.machine_id: expected 32 to 63 "
		    "lower-case hex digits (/etc/machine-id)");
		goto bad;
	}
	if (want != NULL) {
		if (!event_name_ok(want, EVENT_AGENT_MAX)) {
			snprintf(msg, sizeof(msg), "body.name: expected 1-63 "
			    "characters of A-Z a-z 0-9 . _ -");
			goto bad;
		}
		snprintf(name, sizeof(name), "%s", want);
	} else if (name_from_host(host, name, sizeof(name)) == -1) {
		snprintf(msg, sizeof(msg), "body.hostname: '%.64s' gives no "
		    "usable agent name; enroll with --name", host);
		goto bad;
	}
	if (digest_sha256_hex(token, strlen(token), hash, sizeof(hash)) == -1) {
		answer_error(rs, 500, "cannot hash the token");
		goto out;
	}
	req.token_hash = hash;
	req.machine_id = mid;
	req.name = name;
	req.now_ms = api->now();
	if (store_enroll(api->store, &req, sign_cb, &sc, &res, err,
	    sizeof(err)) == -1) {
		log_errorx("enrollment from %s: %s", rq->peer, err);
		answer_error(rs, 500, "store error; try again");
		goto out;
	}
	status = 403;
	switch (res.status) {
	case ENROLL_OK:
		status = 200;
		break;
	case ENROLL_TOKEN_UNKNOWN:
		snprintf(msg, sizeof(msg), "unknown enrollment token; check it, "
		    "or ask the administrator for a new one (shaobing token "
		    "create)");
		break;
	case ENROLL_TOKEN_EXPIRED:
		snprintf(msg, sizeof(msg), "the enrollment token has expired; "
		    "ask the administrator for a new one (shaobing token create)");
		break;
	case ENROLL_TOKEN_USED:
		snprintf(msg, sizeof(msg), "the enrollment token has been used "
		    "up; ask the administrator for a new one (shaobing token "
		    "create --uses N for several machines)");
		break;
	case ENROLL_REVOKED:
		snprintf(msg, sizeof(msg), "this machine's agent '%s' has been "
		    "revoked; it may enroll again once the administrator "
		    "un-revokes it (shaobing agents unrevoke %s), and then "
		    "needs no new enrollment", res.name[0] ? res.name : name,
		    res.name[0] ? res.name : name);
		break;
	case ENROLL_NAME_TAKEN:
		status = 409;
		snprintf(msg, sizeof(msg), "the name '%s' belongs to another "
		    "machine; enroll with another --name", res.name);
		break;
	case ENROLL_SIGN_FAILED:
		status = 400;
		snprintf(msg, sizeof(msg), "body.csr: %s", err);
		break;
	}
	snprintf(actor, sizeof(actor), "enroll-token:%" PRId64, res.token_id);
	snprintf(what, sizeof(what), "/api/v1/enroll agent=%s machine=%.16s",
	    res.status == ENROLL_OK ? res.name : name, mid);
	audit(api, actor, "enroll", rq, what, status);
	if (status != 200) {
		log_warnx("refused enrollment of '%s' from %s: %s", name,
		    rq->peer, msg);
		answer_error(rs, status, msg);
		goto out;
	}
	log_info("agent '%s' enrolled from %s (%s machine, token %" PRId64
	    ", last seq %" PRIu64 ")", res.name, rq->peer, res.known ?
	    "known" : "new", res.token_id, res.last_seq);
	answer_cert(rs, ac, sc.cert, json_pack("{s:s, s:I, s:b}", "name",
	    res.name, "last_seq", (json_int_t)res.last_seq, "known", res.known));
	goto out;
bad:
	answer_error(rs, 400, msg);
out:
	pki_cert_free(sc.cert);
	json_decref(o);
}

static void
handle_renew(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "csr", NULL };
	struct access	*ac = api->access;
	struct sign_ctx	 sc = { ac, NULL, NULL };
	json_t		*o = NULL;
	char		 msg[512], err[300];

	if (rq->peer_cn == NULL) {
		answer_error(rs, 401, "client certificate required: renew with "
		    "the certificate that is to be replaced");
		return;
	}
	if (access_agent_allowed(api, rq, rq->peer_cn, rs) == -1 ||
	    enroll_gate(api, rq, rs) == -1 || (o = body_object(rq, rs)) == NULL)
		return;
	if (members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (sc.csr = member(o, "csr", 16384, 1, msg, sizeof(msg))) == NULL) {
		answer_error(rs, 400, msg);
		goto out;
	}
	if (sign_cb(&sc, rq->peer_cn, err, sizeof(err)) == -1) {
		snprintf(msg, sizeof(msg), "body.csr: %s", err);
		answer_error(rs, 400, msg);
		goto out;
	}
	log_info("agent '%s' renewed its certificate (from %s)", rq->peer_cn,
	    rq->peer);
	answer_cert(rs, ac, sc.cert, json_object());
out:
	pki_cert_free(sc.cert);
	json_decref(o);
}

int
access_agent_handle(struct api *api, const char *path,
    const struct api_request *rq, struct api_response *rs)
{
	if (strcmp(path, "/api/v1/ca") == 0) {
		if (rq->method != API_GET)
			answer_error(rs, 405, "use GET");
		else
			answer(rs, 200, json_pack("{s:s, s:s}", "ca",
			    api->access->ca_pem, "fingerprint", api->access->fp));
		return 1;
	}
	if (strcmp(path, "/api/v1/enroll") != 0 &&
	    strcmp(path, "/api/v1/renew") != 0)
		return 0;
	if (rq->method != API_POST)
		answer_error(rs, 405, "use POST");
	else if (strcmp(path, "/api/v1/enroll") == 0)
		handle_enroll(api, rq, rs);
	else
		handle_renew(api, rq, rs);
	return 1;
}

int
access_agent_allowed(struct api *api, const struct api_request *rq,
    const char *agent, struct api_response *rs)
{
	int64_t		revoked;
	uint64_t	last_seq;
	char		err[300], ts[32], msg[400];
	int		r;

	r = store_agent_access(api->store, agent, &revoked, &last_seq, err,
	    sizeof(err));
	if (r == -1) {
		log_errorx("%s", err);
		answer_error(rs, 500, "store error; try again");
		return -1;
	}
	if (r == 1 || revoked == 0)
		return 0;
	api->rejected++;
	time_format_local(revoked, ts, sizeof(ts));
	snprintf(msg, sizeof(msg), "agent '%s' was revoked by the collector's "
	    "administrator at %s; it is refused until the administrator "
	    "un-revokes it (shaobing agents unrevoke %s)", agent, ts, agent);
	log_warnx("refused %s from %s: agent '%s' is revoked", rq->uri,
	    rq->peer ? rq->peer : "?", agent);
	answer(rs, 403, json_pack("{s:s, s:b}", "error", msg, "revoked", 1));
	return -1;
}

/* ---- admin -------------------------------------------------------------- */

static void
admin_token_create(struct api *api, const char *actor,
    const struct api_request *rq, struct api_response *rs)
{
	static const char *const names[] = { "ttl_s", "uses", NULL };
	json_t	*o, *v;
	int64_t	 ttl = 86400, uses = 1, now = api->now(), id;
	char	 tok[ACCESS_TOKEN_LEN], hash[DIGEST_SHA256_HEX], msg[300];
	char	 exp[32], url[COLLECTOR_PATH_MAX];

	if ((o = body_object(rq, rs)) == NULL)
		return;
	if (members_only(o, names, msg, sizeof(msg)) == -1)
		goto bad;
	if ((v = json_object_get(o, "ttl_s")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < TOKEN_TTL_MIN_S ||
		    json_integer_value(v) > TOKEN_TTL_MAX_S) {
			snprintf(msg, sizeof(msg), "body.ttl_s: expected %d to %d "
			    "seconds", TOKEN_TTL_MIN_S, TOKEN_TTL_MAX_S);
			goto bad;
		}
		ttl = json_integer_value(v);
	}
	if ((v = json_object_get(o, "uses")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > TOKEN_USES_MAX) {
			snprintf(msg, sizeof(msg), "body.uses: expected 1 to %d",
			    TOKEN_USES_MAX);
			goto bad;
		}
		uses = json_integer_value(v);
	}
	if (access_token_new("sbe_", tok, sizeof(tok)) == -1 ||
	    digest_sha256_hex(tok, strlen(tok), hash, sizeof(hash)) == -1) {
		answer_error(rs, 500, "cannot make a random token");
		goto out;
	}
	if (store_enroll_token_add(api->store, hash, now, now + ttl * 1000,
	    (int)uses, actor, &id, msg, sizeof(msg)) == -1) {
		log_errorx("%s", msg);
		answer_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	time_format_utc(now + ttl * 1000, exp, sizeof(exp));
	if (collector_public_url(api->conf, url, sizeof(url), msg,
	    sizeof(msg)) == -1) {
		log_warnx("token create: no public URL (%s); the enroll "
		    "command printed has a placeholder", msg);
		snprintf(url, sizeof(url), "https://COLLECTOR:PORT");
	}
	log_info("%s created enrollment token %" PRId64 " (%" PRId64 " uses, "
	    "expires %s)", actor, id, uses, exp);
	answer(rs, 200, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "id",
	    (json_int_t)id, "token", tok, "ca_fingerprint", api->access->fp,
	    "expires", exp, "uses", (json_int_t)uses, "server", url));
	explicit_bzero(tok, sizeof(tok));
	goto out;
bad:
	answer_error(rs, 400, msg);
out:
	json_decref(o);
}

static void
admin_apitoken_create(struct api *api, const char *actor,
    const struct api_request *rq, struct api_response *rs)
{
	static const char *const names[] = { "scope", "label", NULL };
	json_t		*o;
	const char	*scope, *label;
	int64_t		 id;
	char		 tok[ACCESS_TOKEN_LEN], hash[DIGEST_SHA256_HEX], msg[300];

	if ((o = body_object(rq, rs)) == NULL)
		return;
	if (members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (scope = member(o, "scope", 8, 1, msg, sizeof(msg))) == NULL)
		goto bad;
	if (strcmp(scope, "read") != 0 && strcmp(scope, "admin") != 0) {
		snprintf(msg, sizeof(msg), "body.scope: expected read or admin");
		goto bad;
	}
	label = member(o, "label", 64, 0, msg, sizeof(msg));
	if (label == NULL && msg[0] != '\0')
		goto bad;
	if (access_token_new("sbk_", tok, sizeof(tok)) == -1 ||
	    digest_sha256_hex(tok, strlen(tok), hash, sizeof(hash)) == -1) {
		answer_error(rs, 500, "cannot make a random token");
		goto out;
	}
	if (store_apitoken_add(api->store, hash, scope, label ? label : "",
	    api->now(), actor, &id, msg, sizeof(msg)) == -1) {
		log_errorx("%s", msg);
		answer_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	log_info("%s created API token %" PRId64 " with scope %s", actor, id,
	    scope);
	answer(rs, 200, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	    "token", tok, "scope", scope));
	explicit_bzero(tok, sizeof(tok));
	goto out;
bad:
	answer_error(rs, 400, msg);
out:
	json_decref(o);
}

/* POST agents/revoke (undo 0) or agents/unrevoke (undo 1). */
static void
admin_revoke(struct api *api, const char *actor, const struct api_request *rq,
    struct api_response *rs, int undo)
{
	static const char *const names[] = { "agent", NULL };
	json_t		*o;
	const char	*which;
	char		 msg[300], name[64];
	int		 r, already;

	if ((o = body_object(rq, rs)) == NULL)
		return;
	if (members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (which = member(o, "agent", 63, 1, msg, sizeof(msg))) == NULL) {
		answer_error(rs, 400, msg);
		goto out;
	}
	if (undo)
		r = store_agent_unrevoke(api->store, which, name, sizeof(name),
		    &already, msg, sizeof(msg));
	else
		r = store_agent_revoke(api->store, which, api->now(), name,
		    sizeof(name), &already, msg, sizeof(msg));
	if (r == -1) {
		log_errorx("%s", msg);
		answer_error(rs, 500, "store error; see the collector log");
	} else if (r == 1) {
		snprintf(msg, sizeof(msg), "unknown agent '%s'", which);
		answer_error(rs, 404, msg);
	} else if (undo) {
		if (already)
			log_warnx("%s un-revoked agent '%s': its certificate is "
			    "accepted again", actor, name);
		answer(rs, 200, json_pack("{s:s, s:b}", "agent", name,
		    "was_revoked", already));
	} else {
		if (!already)
			log_warnx("%s revoked agent '%s': it is refused from now "
			    "on; undo with shaobing agents unrevoke %s", actor,
			    name, name);
		answer(rs, 200, json_pack("{s:s, s:b}", "agent", name,
		    "already", already));
	}
out:
	json_decref(o);
}

static void
admin_audit_list(struct api *api, const char *query, struct api_response *rs)
{
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	json_t			*arr;
	int64_t			 after = 0, limit = 100;
	char			 msg[300], why[200];

	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == -1) {
		answer_error(rs, 400, "malformed query string");
		goto out;
	}
	TAILQ_FOREACH(kv, &q, next) {
		int64_t *slot = strcmp(kv->key, "after_id") == 0 ? &after :
		    strcmp(kv->key, "limit") == 0 ? &limit : NULL;

		if (slot == NULL) {
			snprintf(msg, sizeof(msg), "unknown parameter '%.64s' "
			    "(known: after_id,limit)", kv->key);
			answer_error(rs, 400, msg);
			goto out;
		}
		if (parse_i64(kv->value, slot == &limit ? 1 : 0, slot == &limit ?
		    AUDIT_LIMIT_MAX : INT64_MAX, slot, why, sizeof(why)) == -1) {
			snprintf(msg, sizeof(msg), "%s: %s", kv->key, why);
			answer_error(rs, 400, msg);
			goto out;
		}
	}
	if (store_audit_list(api->store, after, (int)limit, &arr, msg,
	    sizeof(msg)) == -1) {
		log_errorx("%s", msg);
		answer_error(rs, 500, "store error; see the collector log");
		goto out;
	}
	answer(rs, 200, json_pack("{s:o}", "audit", arr));
out:
	evhttp_clear_headers(&q);
}

/*
 * Who is calling: 0 with actor and scope; -1 having answered 401.
 */
static int
admin_auth(struct api *api, enum admin_via via, const struct api_request *rq,
    struct api_response *rs, char *actor, size_t actorlen, char *scope,
    size_t scopelen)
{
	const char	*a = rq->authorization, *tok;
	char		 hash[DIGEST_SHA256_HEX], err[300];
	int64_t		 id;
	int		 r;

	if (via == ADMIN_VIA_SOCKET && rq->actor != NULL) {
		snprintf(actor, actorlen, "%s", rq->actor);
		snprintf(scope, scopelen, "admin");
		return 0;
	}
	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0) {
		answer_error(rs, 401, "authentication required: use the Unix "
		    "socket as root or group shaobing, or an API token "
		    "(Authorization: Bearer; shaobing apitoken create)");
		return -1;
	}
	for (tok = a + 7; *tok == ' '; tok++)
		;
	if (!token_shape_ok(tok, "sbk_") ||
	    digest_sha256_hex(tok, strlen(tok), hash, sizeof(hash)) == -1 ||
	    (r = store_apitoken_check(api->store, hash, api->now(), scope,
	    scopelen, &id, err, sizeof(err))) == 1) {
		answer_error(rs, 401, "unknown or revoked API token");
		return -1;
	}
	if (r == -1) {
		log_errorx("%s", err);
		answer_error(rs, 500, "store error; see the collector log");
		return -1;
	}
	snprintf(actor, actorlen, "apitoken:%" PRId64, id);
	return 0;
}

void
access_admin_handle(struct api *api, enum admin_via via,
    const struct api_request *rq, struct api_response *rs)
{
	static const char *const vias[] = { "socket", "http", "https" };
	char		 actor[128] = "anonymous", scope[16] = "", path[128];
	const char	*q = strchr(rq->uri, '?');
	size_t		 n = q ? (size_t)(q - rq->uri) : strlen(rq->uri);

	rs->status = 0;
	rs->body = NULL;
	snprintf(path, sizeof(path), "%.*s", (int)n, rq->uri);
	if (strcmp(path, "/api/v1/health") == 0) {
		api_admin_handle(api, rq, rs);	/* open: says nothing */
		return;
	}
	if (admin_auth(api, via, rq, rs, actor, sizeof(actor), scope,
	    sizeof(scope)) == -1)
		goto out;
	if (rq->method != API_GET && strcmp(scope, "admin") != 0) {
		answer_error(rs, 403, "this API token has scope read; changes "
		    "need a token with scope admin");
		goto out;
	}
	if (strcmp(path, "/api/v1/admin/tokens") == 0 ||
	    strcmp(path, "/api/v1/admin/apitokens") == 0 ||
	    strcmp(path, "/api/v1/admin/agents/revoke") == 0 ||
	    strcmp(path, "/api/v1/admin/agents/unrevoke") == 0) {
		if (rq->method != API_POST)
			answer_error(rs, 405, "use POST");
		else if (strcmp(path, "/api/v1/admin/tokens") == 0)
			admin_token_create(api, actor, rq, rs);
		else if (strcmp(path, "/api/v1/admin/apitokens") == 0)
			admin_apitoken_create(api, actor, rq, rs);
		else
			admin_revoke(api, actor, rq, rs, strcmp(path,
			    "/api/v1/admin/agents/unrevoke") == 0);
	} else if (strcmp(path, "/api/v1/admin/audit") == 0) {
		if (rq->method != API_GET)
			answer_error(rs, 405, "use GET");
		else
			admin_audit_list(api, q ? q + 1 : "", rs);
	} else {
		/* The authenticated identity, for the incident trail. */
		struct api_request authed = *rq;

		authed.actor = actor;
		api_admin_handle(api, &authed, rs);
	}
out:
	if (rs->status == 401)
		log_warnx("refused admin call %s from %s via %s: no valid "
		    "credentials", path, rq->peer ? rq->peer : "?", vias[via]);
	audit(api, actor, vias[via], rq, rq->uri, rs->status);
}
