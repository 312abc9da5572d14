/*
 * libevent servers.  See http.h.  The agent server makes one SSL
 * bufferevent per connection through evhttp_set_bevcb(); the peer's
 * certificate CN is read from it per request and handed to api.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "collector/console.h"
#include "collector/http.h"
#include "collector/tls.h"
#include "common/event.h"
#include "common/log.h"

#define ALL_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | \
	EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | \
	EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH)

struct http_server {
	struct event_base		*base;
	struct api			*api;
	struct evhttp			*agent_http, *admin_http;
	struct evhttp_bound_socket	*agent_sock, *admin_sock;
	struct tls_server		*tls;
	int				 max_connections;
	int				 paused;	/* agent listener off */
	int				 draining;
	size_t				 pending;	/* replies not yet sent */
	struct event			*grace;
};

static void
conn_hook(void *arg)
{
	struct http_server	*hs = arg;
	struct evconnlistener	*l;

	if (hs->agent_sock == NULL || hs->draining)
		return;
	l = evhttp_bound_socket_get_listener(hs->agent_sock);
	if (!hs->paused && tls_connections() >= (size_t)hs->max_connections) {
		evconnlistener_disable(l);
		hs->paused = 1;
		log_warnx("%zu agent connections open (max_connections); new "
		    "ones wait until some close; raise [server] "
		    "max_connections if this persists", tls_connections());
	} else if (hs->paused &&
	    tls_connections() < (size_t)hs->max_connections) {
		evconnlistener_enable(l);
		hs->paused = 0;
	}
}

static struct bufferevent *
agent_bevcb(struct event_base *base, void *arg)
{
	struct http_server *hs = arg;

	return tls_server_bev(hs->tls, base);
}

static void
maybe_exit(struct http_server *hs)
{
	if (hs->draining && hs->pending == 0)
		event_base_loopexit(hs->base, NULL);
}

static void
reply_done(struct evhttp_request *req, void *arg)
{
	struct http_server *hs = arg;

	(void)req;
	if (hs->pending > 0)
		hs->pending--;
	maybe_exit(hs);
}

static enum api_method
method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return API_GET;
	case EVHTTP_REQ_POST:
		return API_POST;
	default:
		return API_OTHER;
	}
}

static void
send_response(struct http_server *hs, struct evhttp_request *req,
    struct api_response *rs)
{
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	const char		*reason;

	evhttp_add_header(h, "Content-Type", "application/json");
	if (rs->body != NULL) {
		evbuffer_add(out, rs->body, strlen(rs->body));
		evbuffer_add(out, "\n", 1);
	}
	switch (rs->status) {
	case 200: reason = "OK"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 413: reason = "Payload Too Large"; break;
	case 415: reason = "Unsupported Media Type"; break;
	default: reason = "Internal Server Error"; break;
	}
	if (rs->status == 405)
		evhttp_add_header(h, "Allow", strstr(evhttp_request_get_uri(req),
		    "/events") || strstr(evhttp_request_get_uri(req),
		    "/heartbeat") ? "POST" : "GET");
	hs->pending++;
	evhttp_request_set_on_complete_cb(req, reply_done, hs);
	evhttp_send_reply(req, rs->status, reason, NULL);
}

/* Fill the parts of rq that do not depend on the server. */
static void
request_of(struct evhttp_request *req, struct api_request *rq, char *peer,
    size_t peerlen)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct evbuffer			*in = evhttp_request_get_input_buffer(req);
	char				*addr = NULL;
	uint16_t			 port = 0;

	memset(rq, 0, sizeof(*rq));
	rq->method = method_of(req);
	rq->uri = evhttp_request_get_uri(req);
	rq->content_encoding = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Encoding");
	rq->bodylen = evbuffer_get_length(in);
	rq->body = rq->bodylen ? (const void *)evbuffer_pullup(in, -1) : "";
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(peer, peerlen, "%s:%u", addr ? addr : "?", port);
	rq->peer = peer;
}

/*
 * The web console (browsers, no client certificate needed): headers in,
 * the console's own headers and content type out.
 */
static void
console_request(struct http_server *hs, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct evkeyvalq		*in = evhttp_request_get_input_headers(req);
	struct evkeyvalq		*h = evhttp_request_get_output_headers(req);
	struct evbuffer			*body = evhttp_request_get_input_buffer(req);
	struct evbuffer			*out = evhttp_request_get_output_buffer(req);
	struct console_request		 rq;
	struct console_response		 rs;
	char				*addr = NULL;
	uint16_t			 port = 0;
	const char			*reason;

	memset(&rq, 0, sizeof(rq));
	rq.method = method_of(req);
	rq.uri = evhttp_request_get_uri(req);
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	rq.addr = addr ? addr : "?";
	rq.host = evhttp_find_header(in, "Host");
	rq.cookie = evhttp_find_header(in, "Cookie");
	rq.csrf = evhttp_find_header(in, "X-CSRF-Token");
	rq.origin = evhttp_find_header(in, "Origin");
	rq.referer = evhttp_find_header(in, "Referer");
	rq.content_type = evhttp_find_header(in, "Content-Type");
	rq.bodylen = evbuffer_get_length(body);
	rq.body = rq.bodylen ? (const void *)evbuffer_pullup(body, -1) : "";
	console_handle(hs->api->console, hs->api, &rq, &rs);
	for (int i = 0; i < rs.nheaders; i++)
		evhttp_add_header(h, rs.hname[i], rs.hvalue[i]);
	if (rs.cookie[0] != '\0')
		evhttp_add_header(h, "Set-Cookie", rs.cookie);
	evhttp_add_header(h, "Content-Type", rs.content_type ?
	    rs.content_type : "application/json");
	if (rs.body != NULL) {
		evbuffer_add(out, rs.body, rs.bodylen);
		if (rs.content_type == NULL || strncmp(rs.content_type,
		    "application/json", 16) == 0)
			evbuffer_add(out, "\n", 1);
	}
	switch (rs.status) {
	case 200: reason = "OK"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 409: reason = "Conflict"; break;
	case 429: reason = "Too Many Requests"; break;
	default: reason = "Error"; break;
	}
	hs->pending++;
	evhttp_request_set_on_complete_cb(req, reply_done, hs);
	evhttp_send_reply(req, rs.status, reason, NULL);
	console_response_free(&rs);
}

static void
agent_request(struct evhttp_request *req, void *arg)
{
	struct http_server	*hs = arg;
	struct api_request	 rq;
	struct api_response	 rs = { 0, NULL };
	char			 peer[96], cn[EVENT_AGENT_MAX], why[128];
	char			 msg[256];
	int			 r;

	if (hs->api->console != NULL &&
	    console_path(evhttp_request_get_uri(req))) {
		console_request(hs, req);
		return;
	}
	request_of(req, &rq, peer, sizeof(peer));
	r = tls_peer_cn(evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(req)), cn, sizeof(cn), why,
	    sizeof(why));
	if (r == 1 && !event_name_ok(cn, sizeof(cn))) {
		snprintf(why, sizeof(why), "client certificate CN is not a "
		    "valid agent name (1-63 of A-Z a-z 0-9 . _ -)");
		r = -1;
	}
	if (r == -1) {
		/* Only the bare health check is open to such a peer. */
		rq.peer_cn = NULL;
		api_agent_handle(hs->api, &rq, &rs);
		if (rs.status == 401) {
			api_response_free(&rs);
			log_warnx("refused %s from %s: %s", rq.uri, peer, why);
			snprintf(msg, sizeof(msg), "{\"error\":\"%s\"}", why);
			rs.status = 403;
			rs.body = strdup(msg);
		}
	} else {
		rq.peer_cn = r == 1 ? cn : NULL;
		api_agent_handle(hs->api, &rq, &rs);
	}
	send_response(hs, req, &rs);
	api_response_free(&rs);
}

static void
admin_request(struct evhttp_request *req, void *arg)
{
	struct http_server	*hs = arg;
	struct api_request	 rq;
	struct api_response	 rs = { 0, NULL };
	char			 peer[96];

	request_of(req, &rq, peer, sizeof(peer));
	api_admin_handle(hs->api, &rq, &rs);
	send_response(hs, req, &rs);
	api_response_free(&rs);
}

static void
apply_limits(struct http_server *hs, const struct collector_conf *cc)
{
	struct timeval tv;

	tv.tv_sec = cc->timeout_ms / 1000;
	tv.tv_usec = (cc->timeout_ms % 1000) * 1000;
	/* evhttp refuses larger bodies itself (413) before reading them. */
	evhttp_set_max_body_size(hs->agent_http, cc->max_body);
	evhttp_set_max_headers_size(hs->agent_http, 16384);
	evhttp_set_timeout_tv(hs->agent_http, &tv);
	evhttp_set_max_body_size(hs->admin_http, 65536);
	evhttp_set_max_headers_size(hs->admin_http, 16384);
	evhttp_set_timeout_tv(hs->admin_http, &tv);
	hs->max_connections = cc->max_connections;
}

static struct evhttp_bound_socket *
bind_addr(struct evhttp *http, const char *what, const char *addr, char *err,
    size_t errlen)
{
	struct evhttp_bound_socket	*s;
	char				 host[COLLECTOR_ADDR_MAX], why[200];
	uint16_t			 port;

	if (collector_split_addr(addr, host, sizeof(host), &port, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, addr, why);
		return NULL;
	}
	if ((s = evhttp_bind_socket_with_handle(http, host, port)) == NULL)
		snprintf(err, errlen, "%s %s: cannot listen (address in use, or "
		    "not an address of this host); change it in the "
		    "configuration", what, addr);
	return s;
}

struct http_server *
http_server_new(struct event_base *base, struct api *api,
    const struct collector_conf *cc, char *err, size_t errlen)
{
	struct http_server *hs, *ret = NULL;

	if ((hs = calloc(1, sizeof(*hs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hs->base = base;
	hs->api = api;
	if ((hs->tls = tls_server_new(cc->cert, cc->key, cc->ca, err,
	    errlen)) == NULL)
		goto out;
	if ((hs->agent_http = evhttp_new(base)) == NULL ||
	    (hs->admin_http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	evhttp_set_allowed_methods(hs->agent_http, ALL_METHODS);
	evhttp_set_allowed_methods(hs->admin_http, ALL_METHODS);
	evhttp_set_bevcb(hs->agent_http, agent_bevcb, hs);
	evhttp_set_gencb(hs->agent_http, agent_request, hs);
	evhttp_set_gencb(hs->admin_http, admin_request, hs);
	apply_limits(hs, cc);
	if ((hs->agent_sock = bind_addr(hs->agent_http, "[server] listen",
	    cc->listen, err, errlen)) == NULL ||
	    (hs->admin_sock = bind_addr(hs->admin_http, "[admin] listen",
	    cc->admin_listen, err, errlen)) == NULL)
		goto out;
	tls_set_conn_hook(conn_hook, hs);
	ret = hs;
	hs = NULL;
out:
	http_server_free(hs);
	return ret;
}

int
http_server_reload(struct http_server *hs, const struct collector_conf *cc,
    char *err, size_t errlen)
{
	struct tls_server *ts;

	if ((ts = tls_server_new(cc->cert, cc->key, cc->ca, err, errlen)) == NULL)
		return -1;
	tls_server_free(hs->tls);
	hs->tls = ts;
	apply_limits(hs, cc);
	conn_hook(hs);
	return 0;
}

static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *hs = arg;

	(void)fd; (void)what;
	log_warnx("shutdown: %zu answers still unsent after the grace time; "
	    "those agents will resend", hs->pending);
	event_base_loopexit(hs->base, NULL);
}

void
http_server_drain(struct http_server *hs, int64_t grace_ms)
{
	struct timeval tv;

	if (hs->draining)
		return;
	hs->draining = 1;
	if (hs->agent_sock != NULL)
		evhttp_del_accept_socket(hs->agent_http, hs->agent_sock);
	if (hs->admin_sock != NULL)
		evhttp_del_accept_socket(hs->admin_http, hs->admin_sock);
	hs->agent_sock = hs->admin_sock = NULL;
	tv.tv_sec = grace_ms / 1000;
	tv.tv_usec = (grace_ms % 1000) * 1000;
	if ((hs->grace = evtimer_new(hs->base, grace_cb, hs)) != NULL)
		evtimer_add(hs->grace, &tv);
	maybe_exit(hs);
}

void
http_server_free(struct http_server *hs)
{
	if (hs == NULL)
		return;
	tls_set_conn_hook(NULL, NULL);
	if (hs->grace != NULL)
		event_free(hs->grace);
	/* evhttp_free closes the remaining connections (and their SSLs). */
	if (hs->agent_http != NULL)
		evhttp_free(hs->agent_http);
	if (hs->admin_http != NULL)
		evhttp_free(hs->admin_http);
	tls_server_free(hs->tls);
	free(hs);
}
