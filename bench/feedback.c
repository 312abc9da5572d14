/*
 * Feedback time: detection → the webhook a person would see.  Plays the
 * agent (one port_scan event per incident, ts = the moment of detection,
 * POSTed over mTLS like the agent's uploader) and the webhook receiver (a
 * local HTTP sink).  Incidents go one at a time: the next is detected
 * only after the previous message arrived.  Prints one latency per line
 * (ms) on stdout.
 *
 *   feedback URL CERTDIR SINKPORT COUNT [PACE_MS]
 * PACE_MS: time between two detections (default 0).  With the default
 * storm control (10 incidents a channel and minute, then one digest at the
 * minute's end), a pace above 6 s measures the ordinary path.
 * CERTDIR holds ca.crt and fb-agent.{crt,key} (CN fb-agent).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/timeutil.h"

static pthread_mutex_t	mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	cv = PTHREAD_COND_INITIALIZER;
static int		received;
static int64_t		last_ms;

static void *
sink(void *arg)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\n{}";
	int	fd = *(int *)arg;
	char	buf[65536];

	for (;;) {
		int	c = accept(fd, NULL, NULL);
		size_t	len = 0, need = 0;
		ssize_t	n;

		if (c == -1)
			continue;
		while (len < sizeof(buf) - 1 &&
		    (n = read(c, buf + len, sizeof(buf) - 1 - len)) > 0) {
			char *h, *cl;

			len += (size_t)n;
			buf[len] = '\0';
			if ((h = strstr(buf, "\r\n\r\n")) == NULL)
				continue;
			cl = strcasestr(buf, "Content-Length:");
			need = (size_t)(h + 4 - buf) + (cl ? strtoul(cl + 15,
			    NULL, 10) : 0);
			if (len >= need)
				break;
		}
		if (write(c, ok, sizeof(ok) - 1) < 0)
			perror("sink write");
		close(c);
		pthread_mutex_lock(&mu);
		received++;
		last_ms = time_now_ms();
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static size_t
discard(char *p, size_t s, size_t n, void *a)
{
	(void)p; (void)a;
	return s * n;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 a = { .sin_family = AF_INET };
	pthread_t		 th;
	CURL			*h;
	struct curl_slist	*hd = NULL;
	char			 path[600], body[1024], ts[32];
	int			 fd, count, one = 1;
	long			 code = 0, pace_ms;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: feedback URL CERTDIR SINKPORT COUNT "
		    "[PACE_MS]\n");
		return 2;
	}
	count = (int)strtol(argv[4], NULL, 10);
	pace_ms = argc > 5 ? strtol(argv[5], NULL, 10) : 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)strtol(argv[3], NULL, 10));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 64) == -1) {
		perror("sink");
		return 1;
	}
	pthread_create(&th, NULL, sink, &fd);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	snprintf(path, sizeof(path), "%s/fb-agent.crt", argv[2]);
	curl_easy_setopt(h, CURLOPT_SSLCERT, path);
	snprintf(path, sizeof(path), "%s/fb-agent.key", argv[2]);
	curl_easy_setopt(h, CURLOPT_SSLKEY, path);
	snprintf(path, sizeof(path), "%s/ca.crt", argv[2]);
	curl_easy_setopt(h, CURLOPT_CAINFO, path);
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	hd = curl_slist_append(hd, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	for (int i = 0; i < count; i++) {
		int64_t t0;

		if (i > 0 && pace_ms > 0) {
			struct timespec p = { pace_ms / 1000, (pace_ms % 1000) * 1000000 };
			nanosleep(&p, NULL);
		}
		t0 = time_now_ms();

		time_format_utc(t0, ts, sizeof(ts));
		snprintf(body, sizeof(body), "{\"agent\":\"fb-agent\",\"events\":"
		    "[{\"agent\":\"fb-agent\",\"seq\":%d,\"ts\":\"%s\",\"type\":"
		    "\"port_scan\",\"severity\":\"high\",\"key\":\"port_scan:"
		    "10.9.%d.%d->10.0.0.1\",\"data\":{\"ports\":200}}]}", i + 1,
		    ts, i / 250, i % 250 + 1);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		if (curl_easy_perform(h) != CURLE_OK ||
		    (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code),
		    code != 200)) {
			fprintf(stderr, "feedback: POST failed (HTTP %ld)\n", code);
			return 1;
		}
		pthread_mutex_lock(&mu);
		while (received < i + 1)
			pthread_cond_wait(&cv, &mu);
		printf("%lld\n", (long long)(last_ms - t0));
		pthread_mutex_unlock(&mu);
		fflush(stdout);
	}
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}
