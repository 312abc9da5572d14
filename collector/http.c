/*
 * libevent servers.  See http.h.  The agent server makes one SSL
 * bufferevent per connection through evhttp_set_bevcb(); the peer's
 * certificate CN is read from it per request and handed to api.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "collector/access.h"
#include "collector/console.h"
#include "collector/framing.h"
#include "collector/http.h"
#include "collector/ratelimit.h"
#include "collector/tls.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"

#define SWEEP_MS	500	/* how often slow requests are looked for */

#define ALL_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | \
	EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | \
	EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH)

/*
 * Group commit: batches of POST /api/v1/events wait here, decoded and
 * checked, until the commit event runs (the lowest priority: after every
 * request the loop has ready), which stores them all in one transaction
 * (store_insert_batches: one COMMIT, one fsync) and then answers each.
 */
struct queued {
	TAILQ_ENTRY(queued)	 next;
	struct evhttp_request	*req;
	struct event_batch	 b;
	int64_t			 now;
	char			 peer[96];
};
TAILQ_HEAD(queued_list, queued);

struct http_server {
	struct event_base		*base;
	struct api			*api;
	struct evhttp			*agent_http, *admin_http, *sock_http;
	struct evhttp_bound_socket	*agent_sock, *admin_sock, *sock_sock;
	char				 sock_path[COLLECTOR_PATH_MAX];
	struct ratelimit		*rl;		/* requests per client */
	struct event			*sweep;
	/* Slow loris ([server] options, connlimit.h). */
	struct connlimit_limits		 lim;
	uint64_t			 cut;		/* slow requests cut */
	uint64_t			 evicted;	/* cut to make room */
	uint64_t			 over_addr;	/* over the address cap */
	uint64_t			 logged;	/* cut+evicted+over_addr */
	uint64_t			 pauses;	/* listener stopped */
	struct tls_server		*tls;
	int				 paused;	/* agent listener off */
	int				 draining;
	size_t				 pending;	/* replies not yet sent */
	struct event			*grace;
	struct queued_list		 queue;		/* group commit */
	size_t				 nqueued;
	struct event			*commit;
	struct store_batch_in		*in;		/* per commit */
	size_t				 cap_in;
	uint64_t			 commits, grouped; /* stats */
};

/*
 * After each new or closed agent-port connection: cut the newest over
 * the per-address cap, make room by cutting the oldest unverified
 * connection of the busiest address, and stop accepting only when
 * every slot holds an agent.  Connections cut but not yet closed by
 * evhttp still hold a descriptor: past twice the slots of those, wait.
 */
static void
conn_hook(void *arg)
{
	struct http_server	*hs = arg;
	struct evconnlistener	*l;
	struct connlimit_counts	 n;
	size_t			 ev, over;
	int			 full;

	if (hs->agent_sock == NULL || hs->draining)
		return;
	l = evhttp_bound_socket_get_listener(hs->agent_sock);
	ev = tls_make_room(&hs->lim, &over, &full);
	n = tls_conn_counts();
	hs->over_addr += over;	/* logged by sweep_cb */
	hs->evicted += ev;
	if (!hs->paused && (full || n.total >= 2 * hs->lim.slots)) {
		evconnlistener_disable(l);
		hs->paused = 1;
		if (hs->pauses++ == 0 || log_getlevel() >= LOG_LVL_DEBUG)
			log_warnx("%zu agent-port connections open "
			    "(max_connections), %zu of them agents, %zu closing; "
			    "new ones wait until some close; raise [server] "
			    "max_connections if this persists; logged once, then "
			    "at debug level", n.held, n.held - n.unverified,
			    n.total - n.held);
	} else if (hs->paused && !full && n.total < 2 * hs->lim.slots) {
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
    struct api_response *rs);

/* Answer the queued requests, then free them. */
static void
answer_queued(struct http_server *hs, struct queued_list *done)
{
	struct queued		*q;
	struct api_response	 rs = { 0, NULL, NULL, 0 };
	size_t			 i = 0;

	while ((q = TAILQ_FIRST(done)) != NULL) {
		TAILQ_REMOVE(done, q, next);
		api_events_answer(hs->api, &q->b, q->peer, hs->in[i].rc,
		    &hs->in[i].res, hs->in[i].err, &rs);
		/* Counted in pending when it was queued. */
		hs->pending--;
		send_response(hs, q->req, &rs);
		api_response_free(&rs);
		event_batch_free(&q->b);
		free(q);
		i++;
	}
}

static void
commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*hs = arg;
	struct queued_list	 done;
	struct queued		*q;
	size_t			 n = 0;

	(void)fd;
	(void)what;
	if (hs->nqueued == 0)
		return;
	if (hs->nqueued > hs->cap_in) {
		struct store_batch_in *p = realloc(hs->in, hs->nqueued *
		    sizeof(*p));

		if (p == NULL) {
			/* Try again at the next turn of the loop. */
			log_errorx("group commit: out of memory for %zu batches",
			    hs->nqueued);
			event_active(hs->commit, EV_TIMEOUT, 0);
			return;
		}
		hs->in = p;
		hs->cap_in = hs->nqueued;
	}
	TAILQ_INIT(&done);
	TAILQ_CONCAT(&done, &hs->queue, next);
	TAILQ_FOREACH(q, &done, next) {
		memset(&hs->in[n], 0, sizeof(hs->in[n]));
		hs->in[n].b = &q->b;
		hs->in[n].now_ms = q->now;
		n++;
	}
	hs->nqueued = 0;
	(void)store_insert_batches(hs->api->store, hs->in, n);
	hs->commits++;
	hs->grouped += n;
	answer_queued(hs, &done);
}

/* api->defer: queue the batch of request rq for the next group commit. */
static int
defer_batch(void *arg, const struct api_request *rq, struct event_batch *b,
    int64_t now)
{
	struct http_server	*hs = arg;
	struct queued		*q;

	if (hs->commit == NULL || (q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	q->req = rq->conn;
	q->b = *b;
	memset(b, 0, sizeof(*b));
	q->now = now;
	snprintf(q->peer, sizeof(q->peer), "%s", rq->peer ? rq->peer : "?");
	TAILQ_INSERT_TAIL(&hs->queue, q, next);
	if (hs->nqueued++ == 0)
		event_active(hs->commit, EV_TIMEOUT, 0);
	/* In flight: a drain waits for its answer. */
	hs->pending++;
	return 0;
}

static void
send_response(struct http_server *hs, struct evhttp_request *req,
    struct api_response *rs)
{
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	if (rs->body != NULL) {
		evbuffer_add(out, rs->body, strlen(rs->body));
		evbuffer_add(out, "\n", 1);
	}
	if (rs->allow != NULL)
		evhttp_add_header(h, "Allow", rs->allow);
	if (rs->retry_after > 0) {
		char v[16];

		snprintf(v, sizeof(v), "%d", rs->retry_after);
		evhttp_add_header(h, "Retry-After", v);
	}
	hs->pending++;
	evhttp_request_set_on_complete_cb(req, reply_done, hs);
	evhttp_send_reply(req, rs->status, NULL, NULL);
}

/*
 * RFC 9112 framing (framing.h): a request whose body length is
 * ambiguous gets 400 and the connection is closed after the answer, so
 * whatever evhttp took for the rest of the body is never read as a
 * second request.  1 when refused (answered), 0 to go on.
 */
static int
framing_refused(struct http_server *hs, struct evhttp_request *req,
    const char *where)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char		*cl[8], *te[8];
	size_t			 ncl = 0, nte = 0;
	char			 why[200], body[300], *addr = NULL;
	uint16_t		 port = 0;

	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Content-Length") == 0) {
			if (ncl < 8)
				cl[ncl] = kv->value;
			ncl++;
		} else if (strcasecmp(kv->key, "Transfer-Encoding") == 0) {
			if (nte < 8)
				te[nte] = kv->value;
			nte++;
		}
	}
	if (framing_check(cl, ncl < 8 ? ncl : 8, te, nte < 8 ? nte : 8, why,
	    sizeof(why)) == 0 && ncl <= 8 && nte <= 8)
		return 0;
	if (ncl > 8 || nte > 8)
		snprintf(why, sizeof(why), "request has too many Content-Length "
		    "or Transfer-Encoding fields");
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	log_warnx("refused a request on the %s from %s:%u: %s; closed the "
	    "connection (a broken client or request smuggling)", where,
	    addr ? addr : "?", port, why);
	snprintf(body, sizeof(body), "{\"error\":\"%s\"}", why);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "%s\n", body);
	hs->pending++;
	evhttp_request_set_on_complete_cb(req, reply_done, hs);
	evhttp_send_reply(req, 400, "Bad Request", NULL);
	return 1;
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
	rq->conn = req;
	rq->method = method_of(req);
	rq->uri = evhttp_request_get_uri(req);
	api_request_target(rq, evhttp_request_get_evhttp_uri(req));
	rq->content_encoding = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Encoding");
	rq->authorization = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
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
console_request(struct http_server *hs, struct evhttp_request *req,
    const struct api_request *arq)
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

	memset(&rq, 0, sizeof(rq));
	rq.method = arq->method;
	rq.uri = arq->uri;
	rq.path = arq->path;
	rq.query = arq->query;
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
	if (strncmp(rq.path, "/console/api/", 13) == 0)
		access_console_handle(hs->api, &rq, &rs);
	else
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
	hs->pending++;
	evhttp_request_set_on_complete_cb(req, reply_done, hs);
	evhttp_send_reply(req, rs.status, NULL, NULL);
	console_response_free(&rs);
}

static void
agent_request(struct evhttp_request *req, void *arg)
{
	struct http_server	*hs = arg;
	struct api_request	 rq;
	struct api_response	 rs = { 0, NULL, NULL, 0 };
	char			 peer[96], cn[EVENT_AGENT_MAX], why[128];
	char			 msg[256];
	int			 r;

	struct bufferevent	*bev = evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(req));
	char			 addr[96], *colon;

	if (framing_refused(hs, req, "agent port"))
		return;
	request_of(req, &rq, peer, sizeof(peer));
	tls_conn_answered(bev);
	snprintf(addr, sizeof(addr), "%s", peer);
	if ((colon = strrchr(addr, ':')) != NULL)
		*colon = '\0';
	if (!ratelimit_take(hs->rl, addr, time_mono_ms())) {
		/* One log line per second per server would be plenty; debug. */
		log_debug("refused %s from %s: over [server] rate", rq.uri, peer);
		hs->api->rejected++;
		rs.status = 429;
		rs.body = strdup("{\"error\":\"too many requests from this "
		    "address; slow down ([server] rate)\"}");
		goto send;
	}
	if (hs->api->console != NULL && console_path(rq.path)) {
		/* Browsers: session cookie, no certificate needed. */
		console_request(hs, req, &rq);
		return;
	}
	if (strncmp(rq.path, "/api/v1/admin/", 14) == 0) {
		/* Remote administration: API token, whatever certificate. */
		access_admin_handle(hs->api, ADMIN_VIA_HTTPS, &rq, &rs);
		goto send;
	}
	r = tls_peer_cn(bev, cn, sizeof(cn), why, sizeof(why));
	if (r == 1 && !event_name_ok(cn, sizeof(cn))) {
		snprintf(why, sizeof(why), "client certificate CN is not a "
		    "valid agent name (1-63 of A-Z a-z 0-9 . _ -)");
		r = -1;
	}
	if (r == -1) {
		/* Only the bare health check is open to such a peer. */
		rq.peer_cn = NULL;
		access_agent_handle(hs->api, &rq, &rs);
		if (rs.status == 401) {
			api_response_free(&rs);
			log_warnx("refused %s from %s: %s", rq.uri, peer, why);
			snprintf(msg, sizeof(msg), "{\"error\":\"%s\"}", why);
			rs.status = 403;
			rs.body = strdup(msg);
		}
	} else {
		rq.peer_cn = r == 1 ? cn : NULL;
		rq.peer_not_before_ms = r == 1 ? tls_peer_not_before(bev) : 0;
		access_agent_handle(hs->api, &rq, &rs);
	}
send:
	if (rs.status != API_DEFERRED)
		send_response(hs, req, &rs);
	api_response_free(&rs);
}

static void
admin_request(struct evhttp_request *req, void *arg)
{
	struct http_server	*hs = arg;
	struct api_request	 rq;
	struct api_response	 rs = { 0, NULL, NULL, 0 };
	char			 peer[96];

	if (framing_refused(hs, req, "admin port"))
		return;
	request_of(req, &rq, peer, sizeof(peer));
	access_admin_handle(hs->api, ADMIN_VIA_HTTP, &rq, &rs);
	send_response(hs, req, &rs);
	api_response_free(&rs);
}

/* Is uid/gid a member of our group (the group the socket belongs to)? */
static int
in_our_group(uid_t uid, gid_t gid)
{
	struct passwd	*pw;
	gid_t		 groups[256];
	int		 n = 256;

	if (gid == getegid())
		return 1;
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, gid, groups, &n) == -1)
		return 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == getegid())
			return 1;
	return 0;
}

/*
 * The admin socket: the caller's credentials (SO_PEERCRED, from the
 * kernel) name the actor.  The socket's mode 0660 and its folder already
 * keep others out; the check here is the same rule once more: root, our
 * own user, or a member of our group.
 */
static void
sock_request(struct evhttp_request *req, void *arg)
{
	struct http_server	*hs = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent	*bev = evhttp_connection_get_bufferevent(evcon);
	struct api_request	 rq;
	struct api_response	 rs = { 0, NULL, NULL, 0 };
	struct ucred		 uc;
	struct passwd		*pw;
	socklen_t		 len = sizeof(uc);
	char			 peer[96], actor[128];
	int			 fd = bev ? (int)bufferevent_getfd(bev) : -1;

	if (framing_refused(hs, req, "admin socket"))
		return;
	request_of(req, &rq, peer, sizeof(peer));
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		log_warn("admin socket: cannot read the caller's credentials");
	} else {
		snprintf(peer, sizeof(peer), "pid %ld", (long)uc.pid);
		if (uc.uid == 0 || uc.uid == geteuid() ||
		    in_our_group(uc.uid, uc.gid)) {
			pw = getpwuid(uc.uid);
			snprintf(actor, sizeof(actor), "%s (uid %lu)", pw ?
			    pw->pw_name : "?", (unsigned long)uc.uid);
			rq.actor = actor;
		}
	}
	access_admin_handle(hs->api, ADMIN_VIA_SOCKET, &rq, &rs);
	send_response(hs, req, &rs);
	api_response_free(&rs);
}

/* Bind the admin Unix socket, mode 0660 (owner and group). */
static struct evhttp_bound_socket *
bind_unix(struct http_server *hs, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un		 sun;
	struct stat			 sb;
	struct evconnlistener		*l;
	struct evhttp_bound_socket	*s;
	int				 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "[admin] socket %s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* A socket left by a collector that did not stop cleanly. */
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(err, errlen, "[admin] socket: %s", strerror(errno));
		return NULL;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, 64) == -1) {
		snprintf(err, errlen, "[admin] socket %s: %s; check that its "
		    "folder exists and is writable by the collector", path,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	if ((l = evconnlistener_new(hs->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		close(fd);
		snprintf(err, errlen, "[admin] socket: out of memory");
		return NULL;
	}
	if ((s = evhttp_bind_listener(hs->sock_http, l)) == NULL) {
		evconnlistener_free(l);
		snprintf(err, errlen, "[admin] socket: out of memory");
	}
	snprintf(hs->sock_path, sizeof(hs->sock_path), "%s", path);
	return s;
}

/*
 * Every SWEEP_MS: cut connections past their deadline, and say what the
 * slow-loris guard did since the last time (the first time as a
 * warning, then at debug level: an attack must not flood the log).
 */
static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*hs = arg;
	struct connlimit_counts	 n;

	(void)fd; (void)what;
	hs->cut += tls_sweep(&hs->lim);
	conn_hook(hs);
	if (hs->cut + hs->evicted + hs->over_addr == hs->logged)
		return;
	n = tls_conn_counts();
	if (hs->logged == 0)
		log_warnx("closed agent-port connections of slow or hostile "
		    "clients: %" PRIu64 " past deadline (handshake_timeout "
		    "%lld ms without an agent certificate, request_timeout "
		    "%lld ms), %" PRIu64 " over unverified_per_address (%zu), "
		    "%" PRIu64 " to make room, from the busiest address "
		    "(max_connections %zu, %zu kept for agents); %zu held, %zu "
		    "of them agents; logged once, then at debug level", hs->cut,
		    (long long)hs->lim.head_ms, (long long)hs->lim.agent_ms,
		    hs->over_addr, hs->lim.per_addr, hs->evicted, hs->lim.slots,
		    hs->lim.agent_slots, n.held, n.held - n.unverified);
	else
		log_debug("slow-loris guard: closed %" PRIu64 " past deadline, "
		    "%" PRIu64 " over unverified_per_address, %" PRIu64 " to make "
		    "room (totals); %zu held, %zu of them agents", hs->cut,
		    hs->over_addr, hs->evicted, n.held, n.held - n.unverified);
	hs->logged = hs->cut + hs->evicted + hs->over_addr;
}

static void
apply_limits(struct http_server *hs, const struct collector_conf *cc)
{
	struct timeval tv;

	tv.tv_sec = cc->timeout_ms / 1000;
	tv.tv_usec = (cc->timeout_ms % 1000) * 1000;
	/*
	 * evhttp refuses larger bodies itself (413).  Lingering close: it
	 * reads and drops the rest of the declared body before it answers
	 * and closes, so the client, still sending, reads the 413 instead
	 * of a connection reset (seen in collector.bats under load).  The
	 * deadlines above bound how long that may take.
	 */
	evhttp_set_flags(hs->agent_http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_flags(hs->admin_http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_flags(hs->sock_http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_max_body_size(hs->agent_http, cc->max_body);
	evhttp_set_max_headers_size(hs->agent_http, 16384);
	evhttp_set_timeout_tv(hs->agent_http, &tv);
	evhttp_set_max_body_size(hs->admin_http, 65536);
	evhttp_set_max_headers_size(hs->admin_http, 16384);
	evhttp_set_timeout_tv(hs->admin_http, &tv);
	evhttp_set_max_body_size(hs->sock_http, 65536);
	evhttp_set_max_headers_size(hs->sock_http, 16384);
	evhttp_set_timeout_tv(hs->sock_http, &tv);
	hs->lim.slots = (size_t)cc->max_connections;
	hs->lim.agent_slots = (size_t)cc->agent_connections;
	hs->lim.per_addr = (size_t)cc->unverified_per_address;
	hs->lim.agent_ms = cc->request_timeout_ms;
	hs->lim.head_ms = cc->handshake_timeout_ms;
	ratelimit_set(hs->rl, cc->rate, cc->burst);
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
    const struct collector_conf *cc, int *fatal, char *err, size_t errlen)
{
	struct http_server *hs, *ret = NULL;

	*fatal = 0;
	if ((hs = calloc(1, sizeof(*hs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hs->base = base;
	hs->api = api;
	if ((hs->tls = tls_server_new(cc->cert, cc->key, cc->ca, err,
	    errlen)) == NULL) {
		*fatal = 1;
		goto out;
	}
	if ((hs->agent_http = evhttp_new(base)) == NULL ||
	    (hs->admin_http = evhttp_new(base)) == NULL ||
	    (hs->sock_http = evhttp_new(base)) == NULL ||
	    (hs->rl = ratelimit_new(cc->rate, cc->burst, 8192)) == NULL ||
	    (hs->sweep = event_new(base, -1, EV_PERSIST, sweep_cb, hs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	TAILQ_INIT(&hs->queue);
	/* The lowest priority: the loop first reads every request it has
	   ready, so batches that arrived together share one COMMIT. */
	if ((hs->commit = event_new(base, -1, 0, commit_cb, hs)) == NULL ||
	    event_priority_set(hs->commit, event_base_get_npriorities(base) -
	    1) == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	api->defer = defer_batch;
	api->defer_arg = hs;
	evhttp_set_allowed_methods(hs->agent_http, ALL_METHODS);
	evhttp_set_allowed_methods(hs->admin_http, ALL_METHODS);
	evhttp_set_allowed_methods(hs->sock_http, ALL_METHODS);
	evhttp_set_bevcb(hs->agent_http, agent_bevcb, hs);
	evhttp_set_gencb(hs->agent_http, agent_request, hs);
	evhttp_set_gencb(hs->admin_http, admin_request, hs);
	evhttp_set_gencb(hs->sock_http, sock_request, hs);
	apply_limits(hs, cc);
	if ((hs->agent_sock = bind_addr(hs->agent_http, "[server] listen",
	    cc->listen, err, errlen)) == NULL)
		goto out;
	if (cc->admin_listen[0] != '\0' &&
	    (hs->admin_sock = bind_addr(hs->admin_http, "[admin] listen",
	    cc->admin_listen, err, errlen)) == NULL)
		goto out;
	if (cc->admin_socket[0] != '\0' &&
	    (hs->sock_sock = bind_unix(hs, cc->admin_socket, err, errlen)) == NULL) {
		*fatal = 1;
		goto out;
	}
	{
		struct timeval tv = { 0, SWEEP_MS * 1000 };

		event_add(hs->sweep, &tv);
	}
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
	if (hs->sock_sock != NULL)
		evhttp_del_accept_socket(hs->sock_http, hs->sock_sock);
	hs->agent_sock = hs->admin_sock = hs->sock_sock = NULL;
	if (hs->sweep != NULL)
		event_del(hs->sweep);
	tv.tv_sec = grace_ms / 1000;
	tv.tv_usec = (grace_ms % 1000) * 1000;
	if ((hs->grace = evtimer_new(hs->base, grace_cb, hs)) != NULL)
		evtimer_add(hs->grace, &tv);
	maybe_exit(hs);
}

void
http_server_free(struct http_server *hs)
{
	struct queued *q;

	if (hs == NULL)
		return;
	tls_set_conn_hook(NULL, NULL);
	if (hs->commits > 0)
		log_info("group commit: %" PRIu64 " batches of events stored in "
		    "%" PRIu64 " transactions (%.1f per COMMIT)", hs->grouped,
		    hs->commits, (double)hs->grouped / (double)hs->commits);
	/* Batches never stored nor answered: their agents resend them. */
	while ((q = TAILQ_FIRST(&hs->queue)) != NULL) {
		TAILQ_REMOVE(&hs->queue, q, next);
		event_batch_free(&q->b);
		free(q);
	}
	if (hs->api != NULL && hs->api->defer == defer_batch) {
		hs->api->defer = NULL;
		hs->api->defer_arg = NULL;
	}
	if (hs->commit != NULL)
		event_free(hs->commit);
	free(hs->in);
	if (hs->grace != NULL)
		event_free(hs->grace);
	/* evhttp_free closes the remaining connections (and their SSLs). */
	if (hs->agent_http != NULL)
		evhttp_free(hs->agent_http);
	if (hs->admin_http != NULL)
		evhttp_free(hs->admin_http);
	if (hs->sock_http != NULL)
		evhttp_free(hs->sock_http);
	if (hs->sock_path[0] != '\0')
		unlink(hs->sock_path);
	if (hs->sweep != NULL)
		event_free(hs->sweep);
	ratelimit_free(hs->rl);
	tls_server_free(hs->tls);
	free(hs);
}
