/*
 * Bench helper: listen on 127.0.0.1 ports BASE..BASE+N-1, print "ready",
 * accept and close connections until stdin closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/conf.h"

int
main(int argc, char **argv)
{
	int64_t		 base, n;
	char		 why[128];
	struct pollfd	*pfd;

	if (argc != 3 || parse_i64(argv[1], 1, 65535, &base, why, sizeof(why)) ||
	    parse_i64(argv[2], 1, 4096, &n, why, sizeof(why)) || base + n > 65536) {
		fprintf(stderr, "usage: ports_listen BASE N\n");
		return 2;
	}
	if ((pfd = calloc((size_t)n + 1, sizeof(*pfd))) == NULL)
		return 1;
	for (int64_t i = 0; i < n; i++) {
		struct sockaddr_in	sin;
		int			one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((uint16_t)(base + i));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fd, 128) == -1) {
			fprintf(stderr, "ports_listen: port %lld is taken\n",
			    (long long)(base + i));
			return 1;
		}
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
	}
	pfd[n].fd = 0;
	pfd[n].events = POLLIN;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, (nfds_t)n + 1, -1) <= 0)
			continue;
		if (pfd[n].revents)
			break;
		for (int64_t i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN) {
				int c = accept(pfd[i].fd, NULL, NULL);

				if (c >= 0)
					close(c);
			}
	}
	return 0;
}
