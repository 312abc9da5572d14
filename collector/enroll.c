/*
 * Enrollment and renewal: the collector's CA signs agents' CSRs (see
 * collector/access.h; authentication, routes and audit are in access.c).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collector/access.h"
#include "collector/ratelimit.h"
#include "collector/store_access.h"
#include "common/text.h"
#include "common/digest.h"
#include "common/event.h"
#include "common/log.h"
#include "common/pki.h"
#include "common/timeutil.h"
#include "common/token.h"


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

const char *
access_ca_fingerprint(const struct access *ac)
{
	return ac->fp;
}

/* ---- tokens ------------------------------------------------------------- */

/* Is s PREFIX followed by exactly 64 lower-case hex digits? */
int
access_token_shape_ok(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (strncmp(s, prefix, pl) != 0 || strlen(s) != pl + 64)
		return 0;
	for (s += pl; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* ---- helpers ------------------------------------------------------------ */

/* The address part of "ADDR:PORT" into buf (for rate limits). */
static const char *
peer_addr(const struct api_request *rq, char *buf, size_t len)
{
	const char *p = rq->peer ? rq->peer : "?", *c = strrchr(p, ':');

	snprintf(buf, len, "%.*s", c ? (int)(c - p) : (int)strlen(p), p);
	return buf;
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
		api_reply_error(rs, 500, "cannot encode the certificate");
		return;
	}
	json_object_set_new(o, "cert", json_string(pem));
	json_object_set_new(o, "ca", json_string(ac->ca_pem));
	free(pem);
	api_reply(rs, 200, o);
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
		api_reply_error(rs, 429, "too many enrollment attempts from this "
		    "address; wait a minute");
		return -1;
	}
	if (ac->ca_key == NULL) {
		api_reply_error(rs, 503, "enrollment is off on this collector "
		    "(the CA key is not readable); ask its administrator");
		return -1;
	}
	return 0;
}

void
access_enroll(struct api *api, const struct api_request *rq,
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

	if (enroll_gate(api, rq, rs) == -1 || (o = api_body_object(rq, rs)) == NULL)
		return;
	if (api_members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (token = api_member(o, "token", 128, 1, msg, sizeof(msg))) == NULL ||
	    (sc.csr = api_member(o, "csr", 16384, 1, msg, sizeof(msg))) == NULL ||
	    (mid = api_member(o, "machine_id", 128, 1, msg, sizeof(msg))) == NULL ||
	    (host = api_member(o, "hostname", 255, 1, msg, sizeof(msg))) == NULL)
		goto bad;
	want = api_member(o, "name", 128, 0, msg, sizeof(msg));
	if (want == NULL && msg[0] != '\0')
		goto bad;
	if (!access_token_shape_ok(token, "sbe_")) {
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
		text_printf(msg, sizeof(msg), "body.hostname: '%s' gives no "
		    "usable agent name; enroll with --name", host);
		goto bad;
	}
	if (digest_sha256_hex(token, strlen(token), hash, sizeof(hash)) == -1) {
		api_reply_error(rs, 500, "cannot hash the token");
		goto out;
	}
	req.token_hash = hash;
	req.machine_id = mid;
	req.name = name;
	req.now_ms = api->now();
	req.skew_ms = PKI_SKEW_S * 1000LL;
	if (store_enroll(api->store, &req, sign_cb, &sc, &res, err,
	    sizeof(err)) == -1) {
		log_errorx("enrollment from %s: %s", rq->peer, err);
		api_reply_error(rs, 500, "store error; try again");
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
		snprintf(msg, sizeof(msg), "the name '%s' belongs to an "
		    "existing agent; enroll with another --name, or ask the "
		    "administrator for a token that replaces that agent's key "
		    "(shaobing token create --replace %s)", res.name, res.name);
		break;
	case ENROLL_SIGN_FAILED:
		status = 400;
		snprintf(msg, sizeof(msg), "body.csr: %s", err);
		break;
	}
	snprintf(actor, sizeof(actor), "enroll-token:%" PRId64, res.token_id);
	snprintf(what, sizeof(what), "/api/v1/enroll agent=%s machine=%.16s%s",
	    res.status == ENROLL_OK ? res.name : name, mid,
	    res.status == ENROLL_OK && res.replaced ? " replaced-key" : "");
	api_audit(api, actor, "enroll", rq, what, status);
	if (status != 200) {
		log_warnx("refused enrollment of '%s' from %s: %s", name,
		    rq->peer, msg);
		api_reply_error(rs, status, msg);
		goto out;
	}
	log_info("agent '%s' enrolled from %s (%s machine, token %" PRId64
	    ", last seq %" PRIu64 ")%s", res.name, rq->peer, res.known ?
	    "known" : "new", res.token_id, res.last_seq, res.replaced ?
	    "; it replaces the agent's old key, whose certificates are no "
	    "longer accepted" : "");
	answer_cert(rs, ac, sc.cert, json_pack("{s:s, s:I, s:b}", "name",
	    res.name, "last_seq", (json_int_t)res.last_seq, "known", res.known));
	goto out;
bad:
	api_reply_error(rs, 400, msg);
out:
	pki_cert_free(sc.cert);
	json_decref(o);
}

void
access_renew(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "csr", NULL };
	struct access	*ac = api->access;
	struct sign_ctx	 sc = { ac, NULL, NULL };
	json_t		*o = NULL;
	char		 msg[512], err[300];

	if (rq->peer_cn == NULL) {
		api_reply_error(rs, 401, "client certificate required: renew with "
		    "the certificate that is to be replaced");
		return;
	}
	if (api_agent_allowed(api, rq, rq->peer_cn, rs) == -1 ||
	    enroll_gate(api, rq, rs) == -1 || (o = api_body_object(rq, rs)) == NULL)
		return;
	if (api_members_only(o, names, msg, sizeof(msg)) == -1 ||
	    (sc.csr = api_member(o, "csr", 16384, 1, msg, sizeof(msg))) == NULL) {
		api_reply_error(rs, 400, msg);
		goto out;
	}
	if (sign_cb(&sc, rq->peer_cn, err, sizeof(err)) == -1) {
		snprintf(msg, sizeof(msg), "body.csr: %s", err);
		api_reply_error(rs, 400, msg);
		goto out;
	}
	log_info("agent '%s' renewed its certificate (from %s)", rq->peer_cn,
	    rq->peer);
	answer_cert(rs, ac, sc.cert, json_object());
out:
	pki_cert_free(sc.cert);
	json_decref(o);
}

void
access_ca(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	(void)rq;
	api_reply(rs, 200, json_pack("{s:s, s:s}", "ca", api->access->ca_pem,
	    "fingerprint", api->access->fp));
}
