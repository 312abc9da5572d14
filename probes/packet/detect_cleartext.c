/*
 * Risky cleartext (cleartext_auth): log-ins that cross the wire readable,
 * to or from office hosts (home_net):
 *   telnet (RFC 854, tcp/23): any client data;
 *   FTP (RFC 959, tcp/21): USER / PASS commands;
 *   POP3 (RFC 1939, tcp/110): USER / PASS / APOP / AUTH;
 *   IMAP (RFC 9051, tcp/143): "tag LOGIN" / "tag AUTHENTICATE";
 *   HTTP Basic (RFC 7617) on http_ports: an Authorization: Basic header.
 * The finding names the user where the protocol shows it, never the
 * password.  One finding per (client, server, protocol) per realert.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probes/packet/detector.h"

struct cleartext_conf {
	char		http_ports_s[256];
	char		cleartext_allow_s[1024];
	struct cidrset	cleartext_allow;
	uint16_t	http_ports[16];
	int		nhttp_ports;
};

struct cleartext_det {
	const struct cleartext_conf *c;
	int			 type0;
};

static const char *const cleartext_types[] = { "cleartext_auth", NULL };

static bool
starts_ci(const uint8_t *p, size_t n, const char *w)
{
	size_t	l = strlen(w);

	return n >= l && strncasecmp((const char *)p, w, l) == 0;
}

/* Printable copy of the argument after the command word, bounded. */
static void
arg_copy(const uint8_t *p, size_t n, size_t skip, char *out, size_t outlen)
{
	size_t	o = 0;

	for (size_t i = skip; i < n && o + 1 < outlen; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			break;
		out[o++] = isprint(p[i]) ? (char)p[i] : '?';
	}
	out[o] = '\0';
}

/* Skip "TAG " of an IMAP command; the offset of the command, or n. */
static size_t
imap_cmd(const uint8_t *p, size_t n)
{
	size_t	i = 0;

	while (i < n && i < 64 && p[i] != ' ' && p[i] != '\r' && p[i] != '\n')
		i++;
	return i < n && p[i] == ' ' ? i + 1 : n;
}

static bool
http_basic(const uint8_t *p, size_t n)
{
	static const char *const methods[] = { "GET ", "POST ", "PUT ", "HEAD ",
	    "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", NULL };
	const char	*const *m;

	for (m = methods; *m != NULL && !starts_ci(p, n, *m); m++)
		;
	if (*m == NULL)
		return false;
	for (size_t i = 0; i + 1 < n; i++) {
		size_t	j;

		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\r' || p[i + 1] == '\n')
			return false;		/* end of the header block */
		if (!starts_ci(p + i + 1, n - i - 1, "authorization:"))
			continue;
		j = i + 1 + 14;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		return starts_ci(p + j, n - j, "basic ");
	}
	return false;
}

static void
cleartext_inspect(struct pkt_engine *e, struct cleartext_det *x,
    const struct pkt *p)
{
	const uint8_t	*d = p->payload;
	size_t		 n = p->paylen, cmd;
	const char	*proto = NULL;
	char		 user[64] = "", c[48], s[48], key[160];
	uint8_t		 pk[20];
	json_t		*ev;

	switch (p->dport) {
	case 23:
		proto = "telnet";
		break;
	case 21:
		if (starts_ci(d, n, "USER ")) {
			proto = "ftp";
			arg_copy(d, n, 5, user, sizeof(user));
		} else if (starts_ci(d, n, "PASS "))
			proto = "ftp";
		break;
	case 110:
		if (starts_ci(d, n, "USER ")) {
			proto = "pop3";
			arg_copy(d, n, 5, user, sizeof(user));
		} else if (starts_ci(d, n, "PASS ") || starts_ci(d, n, "APOP ") ||
		    starts_ci(d, n, "AUTH "))
			proto = "pop3";
		break;
	case 143:
		cmd = imap_cmd(d, n);
		if (starts_ci(d + cmd, n - cmd, "LOGIN ")) {
			proto = "imap";
			arg_copy(d, n, cmd + 6, user, sizeof(user));
			user[strcspn(user, " ")] = '\0';
		} else if (starts_ci(d + cmd, n - cmd, "AUTHENTICATE "))
			proto = "imap";
		break;
	default:
		for (int i = 0; i < x->c->nhttp_ports; i++)
			if (p->dport == x->c->http_ports[i]) {
				if (http_basic(d, n))
					proto = "http_basic";
				break;
			}
		break;
	}
	if (proto == NULL)
		return;
	if (!eng_home(e, &p->src) && !eng_home(e, &p->dst))
		return;
	if (cidrset_match(&x->c->cleartext_allow, &p->dst))
		return;
	memcpy(pk, p->dst.a, 16);
	memcpy(pk + 16, &p->dport, 2);
	pk[18] = (uint8_t)proto[0];
	pk[19] = (uint8_t)proto[1];
	if (eng_reported_recently(e, x->type0, &p->src, 16, pk,
	    sizeof(pk)))
		return;
	paddr_str(&p->src, c, sizeof(c));
	paddr_str(&p->dst, s, sizeof(s));
	snprintf(key, sizeof(key), "cleartext_auth:%s:%s->%s", proto, c, s);
	ev = json_pack("{s:s,s:s,s:i}", "protocol", proto, "server", s,
	    "port", (json_int_t)p->dport);
	if (user[0] != '\0')
		json_object_set_new(ev, "user", json_string(user));
	eng_report(e, x->type0, SEV_MEDIUM, key, c, json_pack("[s]", s),
	    p->ts_ms, p->ts_ms, 1, ev);
}

/*
 * Most TCP payload is on ports no rule here looks at (HTTPS above all):
 * decide that before cleartext_inspect() sets up its buffers.
 */
static void
cleartext_packet(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct cleartext_det	*x = self;

	switch (p->dport) {
	case 21:
	case 23:
	case 110:
	case 143:
		cleartext_inspect(e, x, p);
		return;
	}
	for (int i = 0; i < x->c->nhttp_ports; i++)
		if (p->dport == x->c->http_ports[i]) {
			cleartext_inspect(e, x, p);
			return;
		}
}

/* ---- registration -------------------------------------------------------- */

static int
cleartext_init(struct pkt_engine *e, void *self, const void *conf,
    int type0, char *err, size_t errlen)
{
	struct cleartext_det	*x = self;

	(void)e; (void)err; (void)errlen;
	x->c = conf;
	x->type0 = type0;
	return 0;
}

static int
valid_ports(const void *field, char *why, size_t whylen)
{
	const char	*cur = field;
	char		 item[16];
	int64_t		 v;
	int		 r, n = 0;

	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		if (r == -1 || parse_i64(item, 1, 65535, &v, why, whylen) == -1) {
			snprintf(why, whylen, "'%s' is not a port (1-65535)",
			    r == -1 ? "(too long)" : item);
			return -1;
		}
		if (++n > 16) {
			snprintf(why, whylen, "at most 16 ports");
			return -1;
		}
	}
	return 0;
}

static int
cleartext_conf_finish(void *conf, char *why, size_t whylen)
{
	struct cleartext_conf	*c = conf;
	const char		*cur = c->http_ports_s;
	char			 item[16], w[64];
	int64_t			 v;

	if (cidrset_parse(c->cleartext_allow_s, &c->cleartext_allow, why,
	    whylen) == -1)
		return -1;
	c->nhttp_ports = 0;
	while (c->nhttp_ports < 16 &&
	    conf_list_next(&cur, item, sizeof(item)) == 1)
		if (parse_i64(item, 1, 65535, &v, w, sizeof(w)) == 0)
			c->http_ports[c->nhttp_ports++] = (uint16_t)v;
	return 0;
}

#define O(f)	offsetof(struct cleartext_conf, f)
#define S(f)	O(f), sizeof(((struct cleartext_conf *)0)->f)
static const struct conf_opt cleartext_opts[] = {
	{ "http_ports", CONF_STR, S(http_ports_s), 0, 0, "80, 8000, 8008, 8080, 3128",
	  NULL, valid_ports,
	  "cleartext_auth: ports where HTTP Basic log-ins are looked for" },
	{ "cleartext_allow", CONF_STR, S(cleartext_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "servers to ignore" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

/* TCP segments with payload. */
static const struct det_hook cleartext_hooks[] = {
	{ DET_TCP, DET_PAYLOAD, 0, 0, 0, cleartext_packet },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops cleartext_detector = {
	.name = "cleartext",
	.types = cleartext_types,
	.options = cleartext_opts,
	.conf_size = sizeof(struct cleartext_conf),
	.conf_finish = cleartext_conf_finish,
	.state_size = sizeof(struct cleartext_det),
	.init = cleartext_init,
	.packet = cleartext_hooks,
};
