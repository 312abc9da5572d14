/*
 * TLS for the agent endpoint (the only collector file with OpenSSL
 * headers is tls.c).  TLS 1.2 or newer; the server asks for a client
 * certificate and verifies it against the collector CA
 * (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT: /health works without
 * one, a certificate from another CA fails the handshake).
 */
#ifndef SHAOBING_TLS_H
#define SHAOBING_TLS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
struct tls_server;

/* Load cert, key and CA.  NULL with err naming the file and the problem. */
struct tls_server	*tls_server_new(const char *cert, const char *key,
			    const char *ca, char *err, size_t errlen);
void			 tls_server_free(struct tls_server *ts);

/*
 * A new accepting SSL bufferevent (fd -1: evhttp sets it), for
 * evhttp_set_bevcb.  NULL on allocation failure.  Every SSL made here is
 * counted until freed (tls_connections()); hook, when set, is called
 * after each change.
 */
struct bufferevent	*tls_server_bev(struct tls_server *ts,
			    struct event_base *base);
size_t			 tls_connections(void);
/* A request on bev was answered: its request deadline starts again. */
void			 tls_conn_answered(struct bufferevent *bev);
/* bev's peer sent a verified agent certificate: the agents' limits. */
void			 tls_conn_agent(struct bufferevent *bev);
/*
 * Slow clients (slow loris).  Shut down every connection that has not
 * completed a request within its deadline from its accept or its last
 * answer (handshake included): agent_ms for a connection that proved a
 * verified agent certificate, head_ms (seconds) for every other one;
 * and beyond per_addr such other connections from one address, the
 * newest.  Returns how many were cut.
 */
struct tls_sweep_limits {
	int64_t	agent_ms;
	int64_t	head_ms;
	size_t	per_addr;
};
size_t			 tls_sweep(const struct tls_sweep_limits *lim);
/*
 * Make room for a new connection: shut down the oldest connection that
 * has not proved an agent certificate.  1 done, 0 none to cut (every
 * slot holds an agent).
 */
int			 tls_evict_one(void);
void			 tls_set_conn_hook(void (*hook)(void *), void *arg);

/*
 * The verified client certificate's subject CN into cn.  1 when there is
 * one; 0 when the client sent no certificate (or bev is not TLS); -1 with
 * why when the certificate has no single usable CN.
 */
int	tls_peer_cn(struct bufferevent *bev, char *cn, size_t cnlen,
	    char *why, size_t whylen);

/* The peer certificate's notBefore (UTC ms), 0 when none. */
int64_t	tls_peer_not_before(struct bufferevent *bev);

#endif
