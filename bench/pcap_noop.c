/*
 * pcap_noop FILE: read a capture with pcap_loop and do nothing per packet
 * but count it — the floor any analyser of that file stands on.
 * pcap_noop --bigbuf FILE reads through the same stdio buffer as
 * shaobing-agent --analyze (CAPTURE_FILE_BUF, probes/packet/capture.h): the
 * floor of the reader the engine uses, so the engine's own cost shows alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "probes/packet/capture.h"

static void
count(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	unsigned long long *n = (unsigned long long *)arg;

	(void)h; (void)bytes;
	(*n)++;
}

int
main(int argc, char **argv)
{
	char			 ebuf[PCAP_ERRBUF_SIZE];
	pcap_t			*p;
	unsigned long long	 n = 0;
	struct timespec		 a, b;
	double			 s;
	FILE			*f;
	char			*buf;

	int			 big = argc == 3 && strcmp(argv[1], "--bigbuf") == 0;

	if (argc != 2 && !big) {
		fprintf(stderr, "usage: pcap_noop [--bigbuf] FILE\n");
		return 2;
	}
	argv += big;
	buf = NULL;
	if ((f = fopen(argv[1], "rb")) == NULL ||
	    (big && ((buf = malloc(CAPTURE_FILE_BUF)) == NULL ||
	    setvbuf(f, buf, _IOFBF, CAPTURE_FILE_BUF) != 0))) {
		perror(argv[1]);
		return 1;
	}
	if ((p = pcap_fopen_offline(f, ebuf)) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], ebuf);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (pcap_loop(p, -1, count, (u_char *)&n) == -1) {
		fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%llu packets %.3f s %.0f packets/s\n", n, s, s > 0 ? n / s : 0);
	pcap_close(p);
	free(buf);
	return 0;
}
