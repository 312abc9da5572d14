/*
 * STARTTLS preludes: SMTP (RFC 5321 4.2 replies, RFC 3207 STARTTLS),
 * IMAP (RFC 3501 7.1 responses, 6.2.1 STARTTLS), POP3 (RFC 1939 3,
 * RFC 2595 4 STLS).  The reply parsers read only through rbuf and only
 * complete lines; a partial line asks for more bytes.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/rbuf.h"
#include "common/timeutil.h"
#include "probes/tls/tls.h"

#define STARTTLS_REPLY_MAX	16384

/* Cut the next complete line (without CR LF) off b; 0 when none is complete. */
static int
next_line(struct rbuf *b, struct rbuf *line)
{
	uint8_t	c;
	size_t	k;

	for (k = 0; rbuf_peek_u8(b, k, &c) == 0; k++)
		if (c == '\n')
			break;
	if (rbuf_peek_u8(b, k, &c) == -1)
		return 0;
	rbuf_sub(b, k, line);
	rbuf_skip(b, 1);
	if (line->len > 0 && line->p[line->len - 1] == '\r')
		line->len--;
	return 1;
}

static int
starts_with(const struct rbuf *l, const char *w)
{
	size_t n = strlen(w);

	return l->len >= n && strncasecmp((const char *)l->p, w, n) == 0;
}

static int
smtp_reply(struct rbuf *b, int *code, bool *has_starttls)
{
	struct rbuf	l;
	int		first = -1;

	while (next_line(b, &l)) {
		int	c = 0;
		uint8_t	d, sep = ' ';

		for (int i = 0; i < 3; i++) {
			if (rbuf_u8(&l, &d) == -1 || d < '0' || d > '9')
				return -1;	/* RFC 5321 4.2: Reply-code */
			c = c * 10 + (d - '0');
		}
		if (first == -1)
			first = c;
		else if (c != first)
			return -1;	/* codes of one reply must agree */
		if (rbuf_left(&l) > 0) {
			rbuf_u8(&l, &sep);
			if (sep != ' ' && sep != '-')
				return -1;
		}
		if (has_starttls != NULL && l.len >= 8 &&
		    strncasecmp((const char *)l.p, "STARTTLS", 8) == 0 &&
		    (l.len == 8 || l.p[8] == ' '))
			*has_starttls = true;
		if (sep == ' ') {
			*code = c;
			return 1;
		}
	}
	return 0;
}

static int
imap_reply(struct rbuf *b, const char *tag, int *code)
{
	struct rbuf	l;

	while (next_line(b, &l)) {
		if (tag == NULL) {
			/* RFC 3501 7.1: greeting is * OK, * PREAUTH or * BYE. */
			if (!starts_with(&l, "* "))
				return -1;
			rbuf_skip(&l, 2);
			*code = starts_with(&l, "OK") || starts_with(&l, "PREAUTH");
			return 1;
		}
		if (starts_with(&l, "* "))
			continue;	/* untagged data before our answer */
		if (!starts_with(&l, tag) || l.len <= strlen(tag) ||
		    l.p[strlen(tag)] != ' ')
			return -1;
		rbuf_skip(&l, strlen(tag) + 1);
		if (starts_with(&l, "OK"))
			*code = 1;
		else if (starts_with(&l, "NO") || starts_with(&l, "BAD"))
			*code = 0;
		else
			return -1;
		return 1;
	}
	return 0;
}

static int
pop3_reply(struct rbuf *b, int *code)
{
	struct rbuf l;

	if (!next_line(b, &l))
		return 0;
	if (starts_with(&l, "+OK"))
		*code = 1;
	else if (starts_with(&l, "-ERR"))
		*code = 0;
	else
		return -1;
	return 1;
}

int
starttls_reply(enum check_scheme s, const uint8_t *p, size_t n,
    const char *imap_tag, int *code, bool *has_starttls)
{
	struct rbuf b;

	rbuf_init(&b, p, n);
	switch (s) {
	case SCHEME_SMTP:
		return smtp_reply(&b, code, has_starttls);
	case SCHEME_IMAP:
		return imap_reply(&b, imap_tag, code);
	case SCHEME_POP3:
		return pop3_reply(&b, code);
	default:
		return -1;
	}
}

static int
send_all(int fd, const char *s, int64_t deadline, char *why, size_t whylen)
{
	size_t	len = strlen(s), off = 0;

	while (off < len) {
		ssize_t		w = send(fd, s + off, len - off, MSG_NOSIGNAL);
		struct pollfd	pfd = { fd, POLLOUT, 0 };
		int64_t		left = deadline - time_mono_ms();

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR) {
			snprintf(why, whylen, "send: %s", strerror(errno));
			return -1;
		}
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			snprintf(why, whylen, "timed out sending");
			return -1;
		}
	}
	return 0;
}

/* Read until one complete reply; -1 with why on timeout, EOF, garbage. */
static int
read_reply(int fd, enum check_scheme s, const char *tag, int64_t deadline,
    int *code, bool *has_starttls, const char *what, char *why, size_t whylen)
{
	uint8_t	buf[STARTTLS_REPLY_MAX];
	size_t	n = 0;

	for (;;) {
		struct pollfd	pfd = { fd, POLLIN, 0 };
		int64_t		left = deadline - time_mono_ms();
		ssize_t		r;
		int		rc;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			snprintf(why, whylen, "no complete %s within the timeout",
			    what);
			return -1;
		}
		/*
		 * Read at most what the server sent so far and never past a
		 * reply we have not parsed: the TLS handshake follows on fd.
		 * Servers do not pipeline after a STARTTLS reply (RFC 3207 4.2).
		 */
		r = recv(fd, buf + n, sizeof(buf) - n, 0);
		if (r == 0) {
			snprintf(why, whylen, "server closed the connection "
			    "while we waited for the %s", what);
			return -1;
		}
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(why, whylen, "recv: %s", strerror(errno));
			return -1;
		}
		n += (size_t)r;
		if (has_starttls != NULL)
			*has_starttls = false;
		rc = starttls_reply(s, buf, n, tag, code, has_starttls);
		if (rc == 1)
			return 0;
		if (rc == -1 || n == sizeof(buf)) {
			snprintf(why, whylen, "malformed %s from the server "
			    "(is this a %s server?)", what, check_scheme_name(s));
			return -1;
		}
	}
}

int
starttls_negotiate(int fd, enum check_scheme s, const char *helo,
    int64_t timeout_ms, char *why, size_t whylen)
{
	int64_t	deadline = time_mono_ms() + timeout_ms;
	int	code = 0;
	bool	has = false;
	char	cmd[320];

	switch (s) {
	case SCHEME_SMTP:
		if (read_reply(fd, s, NULL, deadline, &code, NULL, "greeting",
		    why, whylen) == -1)
			return -1;
		if (code != 220) {
			snprintf(why, whylen, "SMTP greeting %d, expected 220", code);
			return -1;
		}
		snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", helo);
		if (send_all(fd, cmd, deadline, why, whylen) == -1 ||
		    read_reply(fd, s, NULL, deadline, &code, &has, "EHLO reply",
		    why, whylen) == -1)
			return -1;
		if (code != 250) {
			snprintf(why, whylen, "EHLO refused with %d", code);
			return -1;
		}
		if (!has) {
			snprintf(why, whylen, "the SMTP server does not offer "
			    "STARTTLS");
			return -2;
		}
		if (send_all(fd, "STARTTLS\r\n", deadline, why, whylen) == -1 ||
		    read_reply(fd, s, NULL, deadline, &code, NULL,
		    "STARTTLS reply", why, whylen) == -1)
			return -1;
		if (code != 220) {
			snprintf(why, whylen, "STARTTLS refused with %d", code);
			return -2;
		}
		return 0;
	case SCHEME_IMAP:
		if (read_reply(fd, s, NULL, deadline, &code, NULL, "greeting",
		    why, whylen) == -1)
			return -1;
		if (code != 1) {
			snprintf(why, whylen, "IMAP greeting is not OK");
			return -1;
		}
		if (send_all(fd, "a1 STARTTLS\r\n", deadline, why, whylen) == -1 ||
		    read_reply(fd, s, "a1", deadline, &code, NULL,
		    "STARTTLS reply", why, whylen) == -1)
			return -1;
		if (code != 1) {
			snprintf(why, whylen, "the IMAP server refused STARTTLS");
			return -2;
		}
		return 0;
	case SCHEME_POP3:
		if (read_reply(fd, s, NULL, deadline, &code, NULL, "greeting",
		    why, whylen) == -1)
			return -1;
		if (code != 1) {
			snprintf(why, whylen, "POP3 greeting is not +OK");
			return -1;
		}
		if (send_all(fd, "STLS\r\n", deadline, why, whylen) == -1 ||
		    read_reply(fd, s, NULL, deadline, &code, NULL, "STLS reply",
		    why, whylen) == -1)
			return -1;
		if (code != 1) {
			snprintf(why, whylen, "the POP3 server refused STLS");
			return -2;
		}
		return 0;
	default:
		return 0;
	}
}
