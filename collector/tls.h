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

#include "collector/connlimit.h"

struct bufferevent;
struct event_base;
struct tls_server;

/* Load cert, key and CA.  NULL with err naming the file and the problem. */
struct tls_server	*tls_server_new(const char *cert, const char *key,
			    const char *ca, char *err, size_t errlen);
void			 tls_server_free(struct tls_server *ts);

/*
 * A new accepting SSL bufferevent (fd -1: evhttp sets it), for
 * evhttp_set_bevcb.  NULL on allocation failure.  Every SSL made here
 * holds a connection slot (connlimit.h) until freed; hook, when set, is
 * called after each change.
 */
struct bufferevent	*tls_server_bev(struct tls_server *ts,
			    struct event_base *base);
struct connlimit_counts	 tls_conn_counts(void);
/* A request on bev was answered: its request deadline starts again. */
void			 tls_conn_answered(struct bufferevent *bev);
/* bev's peer sent a verified agent certificate: the agents' limits. */
void			 tls_conn_agent(struct bufferevent *bev);
/*
 * Slow clients (slow loris), by the rules of connlimit.h.  tls_sweep()
 * shuts down every connection past its deadline or over the per-address
 * cap; returns how many.  tls_make_room() (after each new connection)
 * cuts the newest over the per-address cap (*over_addr of them) and then
 * victims until the slots hold again; returns how many victims; *full
 * when no room can be made (every slot an agent).
 */
size_t			 tls_sweep(const struct connlimit_limits *lim);
size_t			 tls_make_room(const struct connlimit_limits *lim,
			    size_t *over_addr, int *full);
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
