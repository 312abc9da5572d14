/*
 * A hand-made ClientHello, to learn whether a server accepts cipher
 * classes the local OpenSSL can no longer offer (EXPORT, RC4, 3DES are
 * compiled out of Debian's OpenSSL 3), and the server's answer.
 *
 * TLSPlaintext (RFC 5246 6.2.1): type(1) version(2) length(2) fragment.
 * Handshake (7.4): msg_type(1) length(3) body.
 * ServerHello (7.4.1.3): server_version(2) random(32)
 *   session_id<0..32> cipher_suite(2) compression_method(1) [extensions].
 * Alert (7.2): level(1) description(1).
 */
#include <arpa/inet.h>
#include <string.h>

#include "common/rbuf.h"
#include "probes/tls/tls.h"

struct wbuf {
	uint8_t	*p;
	size_t	 len, cap;
	int	 err;
};

static void
put8(struct wbuf *w, uint8_t v)
{
	if (w->len + 1 > w->cap) {
		w->err = 1;
		return;
	}
	w->p[w->len++] = v;
}

static void
put16(struct wbuf *w, uint16_t v)
{
	put8(w, (uint8_t)(v >> 8));
	put8(w, (uint8_t)v);
}

static void
putn(struct wbuf *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

/* Patch a big-endian length of `bytes` bytes at off, covering off+bytes..len. */
static void
patch_len(struct wbuf *w, size_t off, int bytes)
{
	size_t v = w->len - off - (size_t)bytes;

	if (w->err)
		return;
	for (int i = bytes - 1; i >= 0; i--) {
		w->p[off + (size_t)i] = (uint8_t)v;
		v >>= 8;
	}
}

static int
is_ip_literal(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int
tls_hello_build(const uint16_t *suites, size_t nsuites, const char *sni,
    uint8_t *buf, size_t buflen)
{
	static const uint16_t groups[] = { 29, 23, 24, 25, 30 };
	static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0804,
	    0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402,
	    0x0202 };
	struct wbuf	w = { buf, 0, buflen, 0 };
	size_t		rec, hs, ext, o;
	uint8_t		random[32];

	/* The random need not be secret: this handshake is never finished. */
	for (size_t i = 0; i < sizeof(random); i++)
		random[i] = (uint8_t)(0x5b ^ (i * 37));
	put8(&w, 22);			/* handshake */
	put16(&w, 0x0301);		/* record version: widest compatibility */
	rec = w.len;
	put16(&w, 0);
	put8(&w, 1);			/* client_hello */
	hs = w.len;
	put8(&w, 0); put16(&w, 0);
	put16(&w, 0x0303);		/* client_version TLS 1.2 */
	putn(&w, random, sizeof(random));
	put8(&w, 0);			/* session_id */
	put16(&w, (uint16_t)((nsuites + 1) * 2));
	for (size_t i = 0; i < nsuites; i++)
		put16(&w, suites[i]);
	put16(&w, 0x00ff);		/* renegotiation SCSV (RFC 5746) */
	put8(&w, 1); put8(&w, 0);	/* compression: null */
	ext = w.len;
	put16(&w, 0);
	if (sni != NULL && *sni != '\0' && !is_ip_literal(sni) &&
	    strlen(sni) < 256) {
		put16(&w, 0);		/* server_name (RFC 6066 3) */
		o = w.len;
		put16(&w, 0);
		put16(&w, (uint16_t)(strlen(sni) + 3));
		put8(&w, 0);		/* host_name */
		put16(&w, (uint16_t)strlen(sni));
		putn(&w, sni, strlen(sni));
		patch_len(&w, o, 2);
	}
	put16(&w, 10);			/* supported_groups (RFC 8422 5.1.1) */
	put16(&w, (uint16_t)(2 + sizeof(groups)));
	put16(&w, (uint16_t)sizeof(groups));
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		put16(&w, groups[i]);
	put16(&w, 11);			/* ec_point_formats: uncompressed */
	put16(&w, 2); put8(&w, 1); put8(&w, 0);
	put16(&w, 13);			/* signature_algorithms (RFC 5246 7.4.1.4.1) */
	put16(&w, (uint16_t)(2 + sizeof(sigalgs)));
	put16(&w, (uint16_t)sizeof(sigalgs));
	for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		put16(&w, sigalgs[i]);
	patch_len(&w, ext, 2);
	patch_len(&w, hs, 3);
	patch_len(&w, rec, 2);
	return w.err ? -1 : (int)w.len;
}

int
tls_server_hello_parse(const uint8_t *p, size_t n, struct tls_server_hello *sh)
{
	struct rbuf	b, frag, body;
	uint8_t		type, mt, sidlen, l1, level;
	uint16_t	ver, len, l23;

	memset(sh, 0, sizeof(*sh));
	rbuf_init(&b, p, n);
	if (rbuf_u8(&b, &type) == -1 || rbuf_be16(&b, &ver) == -1 ||
	    rbuf_be16(&b, &len) == -1)
		return 0;
	if ((type != 21 && type != 22) || (ver >> 8) != 3 || len == 0 ||
	    len > 16384 + 2048)
		return -1;	/* not a TLS record (RFC 5246 6.2.1 bounds) */
	if (rbuf_sub(&b, len, &frag) == -1)
		return 0;
	if (type == 21) {
		if (rbuf_u8(&frag, &level) == -1 || rbuf_u8(&frag, &sh->alert) == -1)
			return -1;
		return 2;
	}
	if (rbuf_u8(&frag, &mt) == -1 || rbuf_u8(&frag, &l1) == -1 ||
	    rbuf_be16(&frag, &l23) == -1)
		return -1;
	if (mt != 2)
		return -1;	/* the first handshake message must be ServerHello */
	/*
	 * A ServerHello split over records is legal but no server does it
	 * with a hello this small; call it malformed rather than reassemble.
	 */
	if (l1 != 0 || rbuf_sub(&frag, l23, &body) == -1)
		return -1;
	if (rbuf_be16(&body, &sh->version) == -1 || rbuf_skip(&body, 32) == -1 ||
	    rbuf_u8(&body, &sidlen) == -1 || sidlen > 32 ||
	    rbuf_skip(&body, sidlen) == -1 || rbuf_be16(&body, &sh->cipher) == -1)
		return -1;
	return 1;
}
