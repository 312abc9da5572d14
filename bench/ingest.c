/*
 * Ingest benchmark client (bench/ingest.sh drives it).
 *
 *   ingest https URL CERTDIR CLIENTS BATCHES BATCH_SIZE
 *       CLIENTS concurrent agents (libcurl multi, one keep-alive mTLS
 *       connection each, CERTDIR/bench-NN.{crt,key}, CERTDIR/ca.crt) each
 *       send BATCHES batches of BATCH_SIZE events; every batch must be
 *       answered 200 with stored_through = its last seq.  Prints
 *       "events N seconds S events_per_s R".
 *   ingest direct DBPATH CLIENTS BATCHES BATCH_SIZE
 *       the same batches decoded and stored in-process (no HTTP/TLS):
 *       the store's ceiling on this disk.
 *
 * MIX=scan (default): port_scan events, 6 in 7 info (no hook does
 * anything with them) and 1 in 7 high (folded into incidents).
 * MIX=mixed: what a site sends, by tens: 4 availability samples (an
 * availability row, a target asset, the website-down counter), 3 info
 * port scans, 1 high port scan and 1 expiring-certificate finding (both
 * folded; the finding also upserts findings) and 1 ARP-spoof low event
 * (folded).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "collector/store.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"

struct client {
	CURL		*h;
	char		 name[32];
	uint64_t	 next_seq;	/* first seq of the batch in flight */
	int		 left;		/* batches still to send */
	char		*body;
	size_t		 bodylen;
	char		 resp[256];
	size_t		 resplen;
	struct curl_slist *hdrs;
};

static int mixed;	/* MIX=mixed */

/* Event i of a batch: type, severity and data for MIX=mixed. */
static int
mixed_event(char *b, size_t cap, int i, uint64_t first, const char *tsb,
    const char *agent, uint64_t seq)
{
	int k = (int)(first % 250);

	switch (i % 10) {
	case 0: case 1: case 2: case 3:
		return snprintf(b, cap, "{\"agent\":\"%s\",\"seq\":%" PRIu64
		    ",\"ts\":\"%s\",\"type\":\"availability\",\"severity\":"
		    "\"info\",\"key\":\"availability:web-%d\",\"data\":{"
		    "\"target\":\"web-%d\",\"host\":\"10.1.0.%d\",\"up\":true,"
		    "\"latency_ms\":%d,\"website\":true}}", agent, seq, tsb,
		    i % 4, i % 4, i % 4, 10 + i % 7);
	case 8:
		return snprintf(b, cap, "{\"agent\":\"%s\",\"seq\":%" PRIu64
		    ",\"ts\":\"%s\",\"type\":\"cert_expiring\",\"severity\":"
		    "\"medium\",\"key\":\"cert_expiring:web-%d:443\",\"data\":{"
		    "\"code\":\"cert_expiring\",\"target\":\"web-%d:443\","
		    "\"message\":\"certificate expires in 12 days\"}}", agent,
		    seq, tsb, i % 40, i % 40);
	case 9:
		return snprintf(b, cap, "{\"agent\":\"%s\",\"seq\":%" PRIu64
		    ",\"ts\":\"%s\",\"type\":\"arp_spoof\",\"severity\":"
		    "\"low\",\"key\":\"arp_spoof:10.0.0.%d\",\"data\":{"
		    "\"ip\":\"10.0.0.%d\",\"old_mac\":\"02:00:00:00:00:01\","
		    "\"new_mac\":\"02:00:00:00:00:%02x\"}}", agent, seq, tsb,
		    i % 20, i % 20, i % 200);
	default:
		return snprintf(b, cap, "{\"agent\":\"%s\",\"seq\":%" PRIu64
		    ",\"ts\":\"%s\",\"type\":\"port_scan\",\"severity\":"
		    "\"%s\",\"key\":\"port_scan:10.0.%d.%d\",\"data\":{\"src\":"
		    "\"10.0.%d.%d\",\"ports\":[22,80,443,3389],\"count\":%d}}",
		    agent, seq, tsb, i % 10 == 7 ? "high" : "info", i % 250, k,
		    i % 250, k, i);
	}
}

/* One batch of n events from seq first, as the agent would send it. */
static char *
make_batch(const char *agent, uint64_t first, int n, int64_t ts, size_t *len)
{
	size_t	 cap = 64 + (size_t)n * 320, off = 0;
	char	*b = malloc(cap), tsb[32];
	int	 w;

	if (b == NULL)
		return NULL;
	w = snprintf(b, cap, "{\"agent\":\"%s\",\"events\":[", agent);
	off = (size_t)w;
	for (int i = 0; i < n; i++) {
		time_format_utc(ts + i, tsb, sizeof(tsb));
		if (mixed) {
			if (i > 0 && off < cap)
				b[off++] = ',';
			w = mixed_event(b + off, cap - off, i, first, tsb, agent,
			    first + (uint64_t)i);
		} else
			w = snprintf(b + off, cap - off, "%s{\"agent\":\"%s\","
			    "\"seq\":%" PRIu64 ",\"ts\":\"%s\",\"type\":"
			    "\"port_scan\",\"severity\":\"%s\",\"key\":"
			    "\"port_scan:10.0.%d.%d\",\"data\":{\"src\":"
			    "\"10.0.%d.%d\",\"ports\":[22,80,443,3389],"
			    "\"count\":%d}}", i ? "," : "", agent,
			    first + (uint64_t)i, tsb, (i % 7) ? "info" : "high",
			    i % 250, (int)(first % 250), i % 250,
			    (int)(first % 250), i);
		if (w < 0 || (size_t)w >= cap - off) {
			free(b);
			return NULL;
		}
		off += (size_t)w;
	}
	if (off + 3 > cap) {
		free(b);
		return NULL;
	}
	memcpy(b + off, "]}", 3);
	*len = off + 2;
	return b;
}

static size_t
write_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct client	*c = arg;
	size_t		 len = sz * n, room = sizeof(c->resp) - 1 - c->resplen;

	if (len < room)
		room = len;
	memcpy(c->resp + c->resplen, p, room);
	c->resplen += room;
	c->resp[c->resplen] = '\0';
	return len;
}

static int
client_next(struct client *c, int batch)
{
	free(c->body);
	c->body = make_batch(c->name, c->next_seq, batch, time_now_ms(),
	    &c->bodylen);
	if (c->body == NULL)
		return -1;
	c->resplen = 0;
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)c->bodylen);
	return 0;
}

static int
run_https(const char *url, const char *dir, int nclients, int batches,
    int batch)
{
	CURLM		*m = curl_multi_init();
	struct client	*cl = calloc((size_t)nclients, sizeof(*cl));
	char		 path[512], want[64], urls[8][256];
	int		 nurls = 0;
	int		 running = 0, active = nclients, rc = 0;
	int64_t		 t0, t1;
	uint64_t	 total = 0;

	if (m == NULL || cl == NULL)
		return 1;
	/* URL,URL,...: client i talks to collector i % n (several
	   collectors on one database). */
	for (const char *u = url; *u != '\0' && nurls < 8; nurls++) {
		size_t l = strcspn(u, ",");

		if (l == 0 || l >= sizeof(urls[0])) {
			fprintf(stderr, "ingest: bad URL list %s\n", url);
			return 1;
		}
		memcpy(urls[nurls], u, l);
		urls[nurls][l] = '\0';
		u += l + (u[l] == ',');
	}
	if (nurls == 0) {
		fprintf(stderr, "ingest: no URL\n");
		return 1;
	}
	for (int i = 0; i < nclients; i++) {
		struct client *c = &cl[i];

		snprintf(c->name, sizeof(c->name), "bench-%02d", i);
		c->h = curl_easy_init();
		c->next_seq = 1;
		c->left = batches;
		snprintf(path, sizeof(path), "%s/%s.crt", dir, c->name);
		curl_easy_setopt(c->h, CURLOPT_SSLCERT, path);
		snprintf(path, sizeof(path), "%s/%s.key", dir, c->name);
		curl_easy_setopt(c->h, CURLOPT_SSLKEY, path);
		snprintf(path, sizeof(path), "%s/ca.crt", dir);
		curl_easy_setopt(c->h, CURLOPT_CAINFO, path);
		curl_easy_setopt(c->h, CURLOPT_URL, urls[i % nurls]);
		curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, write_cb);
		curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
		c->hdrs = curl_slist_append(NULL,
		    "Content-Type: application/json");
		c->hdrs = curl_slist_append(c->hdrs, "Expect:");
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
		if (client_next(c, batch) == -1)
			return 1;
		curl_multi_add_handle(m, c->h);
	}
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)nclients);
	t0 = time_mono_ms();
	while (active > 0) {
		CURLMsg	*msg;
		int	 q;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &q)) != NULL) {
			struct client	*c;
			long		 code = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
			snprintf(want, sizeof(want), "{\"stored_through\":%"
			    PRIu64 "}", c->next_seq + (uint64_t)batch - 1);
			curl_multi_remove_handle(m, c->h);
			if (msg->data.result != CURLE_OK || code != 200 ||
			    strncmp(c->resp, want, strlen(want)) != 0) {
				fprintf(stderr, "ingest: %s: %s, HTTP %ld, %s\n",
				    c->name, curl_easy_strerror(msg->data.result),
				    code, c->resp);
				rc = 1;
				active--;
				continue;
			}
			total += (uint64_t)batch;
			c->next_seq += (uint64_t)batch;
			if (--c->left == 0) {
				active--;
				continue;
			}
			if (client_next(c, batch) == -1)
				return 1;
			curl_multi_add_handle(m, c->h);
		}
		if (active > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	t1 = time_mono_ms();
	printf("events %" PRIu64 " seconds %.3f events_per_s %.0f\n", total,
	    (double)(t1 - t0) / 1000.0,
	    (double)total * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1));
	for (int i = 0; i < nclients; i++) {
		curl_easy_cleanup(cl[i].h);
		curl_slist_free_all(cl[i].hdrs);
		free(cl[i].body);
	}
	free(cl);
	curl_multi_cleanup(m);
	return rc;
}

static int
run_direct(const char *db, int nclients, int batches, int batch)
{
	struct store			*st;
	struct event_limits		 lim = { 64u << 20, 100000 };
	struct store_batch_result	 res;
	struct event_batch		 b;
	char				 err[512], name[32];
	int64_t				 t0, t1;
	uint64_t			 total = 0;

	if ((st = store_open(db, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ingest: %s\n", err);
		return 1;
	}
	t0 = time_mono_ms();
	for (int k = 0; k < batches; k++) {
		for (int i = 0; i < nclients; i++) {
			size_t	 len;
			char	*body;

			snprintf(name, sizeof(name), "bench-%02d", i);
			body = make_batch(name, (uint64_t)k * (uint64_t)batch + 1,
			    batch, time_now_ms(), &len);
			if (body == NULL || event_batch_decode(body, len, &lim,
			    &b, err, sizeof(err)) != 0 ||
			    store_insert_batch(st, &b, time_now_ms(), &res, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "ingest: %s\n", err);
				return 1;
			}
			total += res.inserted;
			event_batch_free(&b);
			free(body);
		}
	}
	t1 = time_mono_ms();
	printf("events %" PRIu64 " seconds %.3f events_per_s %.0f\n", total,
	    (double)(t1 - t0) / 1000.0,
	    (double)total * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1));
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	int64_t	n[3];
	char	why[128];

	log_init("ingest", 0, LOG_LVL_WARN);
	mixed = getenv("MIX") != NULL && strcmp(getenv("MIX"), "mixed") == 0;
	if (argc != 7 || (strcmp(argv[1], "https") && strcmp(argv[1], "direct"))) {
		fprintf(stderr, "usage: ingest https URL CERTDIR CLIENTS BATCHES "
		    "BATCH_SIZE\n       ingest direct DBPATH - CLIENTS BATCHES "
		    "BATCH_SIZE\n");
		return 2;
	}
	for (int i = 0; i < 3; i++) {
		if (parse_i64(argv[4 + i], 1, 1000000, &n[i], why,
		    sizeof(why)) == -1) {
			fprintf(stderr, "ingest: %s: %s\n", argv[4 + i], why);
			return 2;
		}
	}
	if (strcmp(argv[1], "direct") == 0)
		return run_direct(argv[2], (int)n[0], (int)n[1], (int)n[2]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return run_https(argv[2], argv[3], (int)n[0], (int)n[1], (int)n[2]);
}
