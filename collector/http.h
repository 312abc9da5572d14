/*
 * The collector's two libevent HTTP servers: HTTPS for agents
 * ([server] listen) and plain HTTP for the admin API on loopback
 * ([admin] listen).  Requests are handled to completion inside the
 * callback (store COMMIT included), then answered.
 */
#ifndef SHAOBING_HTTP_H
#define SHAOBING_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "collector/api.h"
#include "collector/collector.h"

struct event_base;
struct http_server;

/*
 * Bind both listeners.  NULL with err ("listen 0.0.0.0:8443: ...");
 * *fatal is then 1 when a restart cannot fix it (a certificate, key or
 * CA that does not load or match, the admin socket's folder), 0 when it
 * might (an address not yet there or still in use).
 */
struct http_server	*http_server_new(struct event_base *base,
			    struct api *api, const struct collector_conf *cc,
			    int *fatal, char *err, size_t errlen);
/*
 * Apply a reloaded configuration: TLS certificate, key and CA are read
 * again (new connections use them), limits and timeouts change.  -1 with
 * err leaves everything as it was.
 */
int			 http_server_reload(struct http_server *hs,
			    const struct collector_conf *cc, char *err,
			    size_t errlen);
/*
 * Stop accepting; leave the event loop once every answered request has
 * been written out, or after grace_ms.
 */
void			 http_server_drain(struct http_server *hs,
			    int64_t grace_ms);
void			 http_server_free(struct http_server *hs);

#endif
