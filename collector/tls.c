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

#include "collector/connlimit.h"
#include "collector/tls.h"
#include "common/log.h"
#include "common/timeutil.h"

struct tls_server {
	SSL_CTX	*ctx;
};

/*
 * One record per live connection (the SSL's ex_data), with its slot
 * record in connlimit (counted, deadlines, who makes room): see
 * connlimit.h.
 */
struct tls_conn {
	struct bufferevent	*bev;
	struct cl_conn		*lc;
};

static int		 conn_idx = -1;	/* SSL ex_data: struct tls_conn */
static struct connlimit	*conns;
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
	connlimit_close(conns, c->lc);
	free(c);
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
		connlimit_agent(conns, c->lc);
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
	/* Lives as long as the process: connections outlive a reload. */
	if (conns == NULL && (conns = connlimit_new()) == NULL) {
		snprintf(err, errlen, "TLS: out of memory");
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
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->lc = connlimit_open(conns, c, time_mono_ms())) == NULL) {
		free(c);
		SSL_free(ssl);
		return NULL;
	}
	/* Counted and listed from here; conn_free_cb undoes it on SSL_free. */
	if (SSL_set_ex_data(ssl, conn_idx, c) != 1) {
		connlimit_close(conns, c->lc);
		free(c);
		SSL_free(ssl);
		return NULL;
	}
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

static struct tls_conn *
conn_of(struct bufferevent *bev)
{
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;

	return ssl ? SSL_get_ex_data(ssl, conn_idx) : NULL;
}

void
tls_conn_answered(struct bufferevent *bev)
{
	struct tls_conn *c = conn_of(bev);

	if (c != NULL)
		connlimit_answered(c->lc, time_mono_ms());
}

void
tls_conn_agent(struct bufferevent *bev)
{
	struct tls_conn *c = conn_of(bev);

	if (c != NULL)
		connlimit_agent(conns, c->lc);
}

/*
 * shutdown(), not close(): the descriptor stays evhttp's, which sees
 * end-of-file and frees the connection (and its record) in its own
 * time.  (connlimit_cut_fn)
 */
static void
conn_cut(void *owner, void *arg)
{
	struct tls_conn	*c = owner;
	int		 fd;

	(void)arg;
	if (c->bev != NULL && (fd = (int)bufferevent_getfd(c->bev)) >= 0)
		shutdown(fd, SHUT_RDWR);
}

/*
 * Learn the peer address of connections that have their descriptor by
 * now (evhttp sets it after the bufferevent is made), and cut the
 * newest of an address over per_addr.  Returns how many were cut.
 */
static size_t
conn_addrs(const struct connlimit_limits *lim)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct cl_conn		*lc = NULL, *next;
	struct tls_conn		*c;
	char			 host[64];
	size_t			 n = 0;
	int			 fd;

	for (lc = connlimit_unaddressed(conns, NULL); lc != NULL; lc = next) {
		next = connlimit_unaddressed(conns, lc);
		c = connlimit_owner(lc);
		sl = sizeof(ss);
		if (c->bev == NULL || (fd = (int)bufferevent_getfd(c->bev)) < 0)
			continue;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
		    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "?");
		if (connlimit_set_addr(conns, lc, host, lim)) {
			connlimit_cut(conns, lc);
			conn_cut(c, NULL);
			n++;
		}
	}
	return n;
}

size_t
tls_sweep(const struct connlimit_limits *lim)
{
	size_t n = conn_addrs(lim);

	return n + connlimit_sweep(conns, lim, time_mono_ms(), conn_cut, NULL);
}

size_t
tls_make_room(const struct connlimit_limits *lim, size_t *over_addr, int *full)
{
	*over_addr = conn_addrs(lim);
	return connlimit_make_room(conns, lim, conn_cut, NULL, full);
}

struct connlimit_counts
tls_conn_counts(void)
{
	struct connlimit_counts z = { 0, 0, 0 };

	return conns ? connlimit_counts(conns) : z;
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
