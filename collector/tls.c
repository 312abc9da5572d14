/*
 * OpenSSL side of the agent endpoint.  See tls.h.
 */
#include <sys/socket.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "collector/tls.h"
#include "common/log.h"
#include "common/timeutil.h"

struct tls_server {
	SSL_CTX	*ctx;
};

/*
 * One record per live connection (the SSL's ex_data): counted, and
 * listed so that tls_sweep() can cut connections that take too long to
 * deliver a request (slow-loris clients trickling bytes to stay under
 * the idle timeout).
 */
struct tls_conn {
	struct bufferevent	*bev;
	int64_t			 since_ms;	/* accept or last answer */
	int			 agent;		/* verified certificate seen */
	int			 cut;		/* shut down, not yet freed */
	char			 addr[64];	/* peer address, "" until known */
	struct tls_conn		*prev, *next;
};

static int		 conn_idx = -1;	/* SSL ex_data: struct tls_conn */
static size_t		 conn_count;
static struct tls_conn	*conn_list;
static void	(*conn_hook)(void *);
static void	*conn_hook_arg;

static void
ssl_errs(char *buf, size_t len)
{
	unsigned long	e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

/* ex_data free callback: runs when evhttp frees a connection's SSL. */
static void
conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct tls_conn *c = ptr;

	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (c == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conn_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	if (conn_count > 0)
		conn_count--;
	if (conn_hook != NULL)
		conn_hook(conn_hook_arg);
}

static void
peer_name(SSL *ssl, char *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss);
	char			host[64], serv[16];
	int			fd = SSL_get_fd(ssl);

	snprintf(buf, len, "?");
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	snprintf(buf, len, "%s:%s", host, serv);
}

/* A handshake that ended with a verified certificate: an agent. */
static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_conn *c;

	(void)ret;
	if ((where & SSL_CB_HANDSHAKE_DONE) == 0 ||
	    SSL_get0_peer_certificate(ssl) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK)
		return;
	if ((c = SSL_get_ex_data(ssl, conn_idx)) != NULL)
		c->agent = 1;
}

/* Log each refused client certificate once, with who sent it. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL	*ssl;
	X509	*cert;
	char	 subj[256] = "?", peer[128];

	if (ok)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	cert = X509_STORE_CTX_get_current_cert(xs);
	if (cert != NULL)
		X509_NAME_oneline(X509_get_subject_name(cert), subj,
		    sizeof(subj));
	if (ssl != NULL)
		peer_name(ssl, peer, sizeof(peer));
	else
		snprintf(peer, sizeof(peer), "?");
	log_warnx("TLS: refused client certificate %s from %s: %s; issue the "
	    "agent a certificate from this collector's CA (shaobing agents "
	    "cert)", subj, peer,
	    X509_verify_cert_error_string(X509_STORE_CTX_get_error(xs)));
	return ok;
}

struct tls_server *
tls_server_new(const char *cert, const char *key, const char *ca, char *err,
    size_t errlen)
{
	struct tls_server	*ts = NULL, *ret = NULL;
	STACK_OF(X509_NAME)	*names;
	char			 e[256];

	if (conn_idx == -1 &&
	    (conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    conn_free_cb)) == -1) {
		snprintf(err, errlen, "TLS: cannot register ex_data");
		goto out;
	}
	if ((ts = calloc(1, sizeof(*ts))) == NULL ||
	    (ts->ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "TLS: out of memory");
		goto out;
	}
	SSL_CTX_set_min_proto_version(ts->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ts->ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ts->ctx, cert) != 1) {
		ssl_errs(e, sizeof(e));
		snprintf(err, errlen, "%s: cannot load the server certificate: "
		    "%s", cert, e);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ts->ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_errs(e, sizeof(e));
		snprintf(err, errlen, "%s: cannot load the server key: %s", key, e);
		goto out;
	}
	if (SSL_CTX_check_private_key(ts->ctx) != 1) {
		snprintf(err, errlen, "%s does not match the certificate %s",
		    key, cert);
		ERR_clear_error();
		goto out;
	}
	if (SSL_CTX_load_verify_locations(ts->ctx, ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca)) == NULL) {
		ssl_errs(e, sizeof(e));
		snprintf(err, errlen, "%s: cannot load the CA certificate: %s",
		    ca, e);
		goto out;
	}
	SSL_CTX_set_client_CA_list(ts->ctx, names);
	/* Ask for a certificate; /health works without one. */
	SSL_CTX_set_verify(ts->ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_verify_depth(ts->ctx, 4);
	SSL_CTX_set_info_callback(ts->ctx, info_cb);
	/* An agent certificate must be fit for TLS client use (clientAuth
	   extended key usage, or none). */
	SSL_CTX_set_purpose(ts->ctx, X509_PURPOSE_SSL_CLIENT);
	SSL_CTX_set_session_id_context(ts->ctx, (const unsigned char *)"sb", 2);
	ret = ts;
	ts = NULL;
out:
	tls_server_free(ts);
	return ret;
}

void
tls_server_free(struct tls_server *ts)
{
	if (ts == NULL)
		return;
	SSL_CTX_free(ts->ctx);	/* live connections hold their own reference */
	free(ts);
}

struct bufferevent *
tls_server_bev(struct tls_server *ts, struct event_base *base)
{
	struct bufferevent	*bev;
	struct tls_conn		*c;
	SSL			*ssl = SSL_new(ts->ctx);

	if (ssl == NULL) {
		ERR_clear_error();
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Counted and listed from here; conn_free_cb undoes it on SSL_free. */
	if (SSL_set_ex_data(ssl, conn_idx, c) != 1) {
		free(c);
		SSL_free(ssl);
		return NULL;
	}
	c->since_ms = time_mono_ms();
	c->next = conn_list;
	if (conn_list != NULL)
		conn_list->prev = c;
	conn_list = c;
	conn_count++;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	c->bev = bev;
	/* Agents (libcurl) may close without close_notify; not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	if (conn_hook != NULL)
		conn_hook(conn_hook_arg);
	return bev;
}

void
tls_conn_answered(struct bufferevent *bev)
{
	SSL		*ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	struct tls_conn	*c = ssl ? SSL_get_ex_data(ssl, conn_idx) : NULL;

	if (c != NULL)
		c->since_ms = time_mono_ms();
}

void
tls_conn_agent(struct bufferevent *bev)
{
	SSL		*ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	struct tls_conn	*c = ssl ? SSL_get_ex_data(ssl, conn_idx) : NULL;

	if (c != NULL)
		c->agent = 1;
}

/*
 * shutdown(), not close(): the descriptor stays evhttp's, which sees
 * end-of-file and frees the connection (and its record) in its own
 * time.
 */
static void
conn_cut(struct tls_conn *c, int64_t now)
{
	int fd;

	if ((fd = (int)bufferevent_getfd(c->bev)) >= 0)
		shutdown(fd, SHUT_RDWR);
	c->cut = 1;
	c->since_ms = now;
}

/* The peer's address (no port) once the descriptor is set. */
static void
conn_addr(struct tls_conn *c)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss);
	int			fd;

	if (c->addr[0] != '\0' || (fd = (int)bufferevent_getfd(c->bev)) < 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sl, c->addr, sizeof(c->addr),
	    NULL, 0, NI_NUMERICHOST) != 0)
		c->addr[0] = '\0';
}

size_t
tls_sweep(const struct tls_sweep_limits *lim)
{
	int64_t	now = time_mono_ms();
	size_t	n = 0, same;

	for (struct tls_conn *c = conn_list; c != NULL; c = c->next) {
		if (c->bev == NULL)
			continue;
		conn_addr(c);
		if (now - c->since_ms <= (c->agent ? lim->agent_ms :
		    lim->head_ms))
			continue;
		/* Pushed forward so one cut is enough. */
		conn_cut(c, now);
		n++;
	}
	/*
	 * Per address: the list is newest first, so counting the older
	 * ones behind each keeps the oldest per_addr and cuts the rest.
	 */
	for (struct tls_conn *c = conn_list; c != NULL; c = c->next) {
		if (c->bev == NULL || c->agent || c->cut || c->addr[0] == '\0')
			continue;
		same = 0;
		for (struct tls_conn *o = c->next; o != NULL &&
		    same < lim->per_addr; o = o->next)
			if (o->bev != NULL && !o->agent && !o->cut &&
			    strcmp(o->addr, c->addr) == 0)
				same++;
		if (same >= lim->per_addr) {
			conn_cut(c, now);
			n++;
		}
	}
	return n;
}

int
tls_evict_one(void)
{
	struct tls_conn *old = NULL;

	for (struct tls_conn *c = conn_list; c != NULL; c = c->next)
		if (c->bev != NULL && !c->agent && !c->cut)
			old = c;		/* the last one is the oldest */
	if (old == NULL)
		return 0;
	conn_cut(old, time_mono_ms());
	return 1;
}

size_t
tls_connections(void)
{
	return conn_count;
}

void
tls_set_conn_hook(void (*hook)(void *), void *arg)
{
	conn_hook = hook;
	conn_hook_arg = arg;
}

int
tls_peer_cn(struct bufferevent *bev, char *cn, size_t cnlen, char *why,
    size_t whylen)
{
	SSL			*ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	X509			*x;
	X509_NAME		*subj;
	const ASN1_STRING	*as;
	unsigned char		*utf = NULL;
	int			 i, n, rc = -1;

	if (ssl == NULL || (x = SSL_get0_peer_certificate(ssl)) == NULL)
		return 0;
	if (SSL_get_verify_result(ssl) != X509_V_OK) {
		snprintf(why, whylen, "client certificate failed verification");
		return -1;
	}
	subj = X509_get_subject_name(x);
	if ((i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1)) < 0) {
		snprintf(why, whylen, "client certificate has no subject CN");
		return -1;
	}
	if (X509_NAME_get_index_by_NID(subj, NID_commonName, i) >= 0) {
		snprintf(why, whylen, "client certificate has several CNs");
		return -1;
	}
	as = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
	if ((n = ASN1_STRING_to_UTF8(&utf, as)) < 0) {
		snprintf(why, whylen, "client certificate CN is not text");
		goto out;
	}
	if ((size_t)n >= cnlen || memchr(utf, '\0', (size_t)n) != NULL) {
		snprintf(why, whylen, "client certificate CN is too long or "
		    "contains NUL");
		goto out;
	}
	memcpy(cn, utf, (size_t)n);
	cn[n] = '\0';
	rc = 1;
out:
	OPENSSL_free(utf);
	ERR_clear_error();
	return rc;
}

int64_t
tls_peer_not_before(struct bufferevent *bev)
{
	SSL		*ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	X509		*x = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	struct tm	 tm;

	if (x == NULL || ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) != 1) {
		ERR_clear_error();
		return 0;
	}
	return (int64_t)timegm(&tm) * 1000;
}
