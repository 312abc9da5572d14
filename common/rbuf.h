/*
 * rbuf: the one bounds-checked reader for outside bytes.
 *
 * Every decoder reads through these accessors and nothing else.  A read
 * past the end returns -1 and leaves the buffer untouched, so the caller
 * can count the packet as truncated and move on.  Width and byte order
 * are in the name (after tcpdump's GET_BE_U_2).
 */
#ifndef SHAOBING_RBUF_H
#define SHAOBING_RBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
};

static inline void
rbuf_init(struct rbuf *b, const void *p, size_t len)
{
	b->p = p;
	b->len = len;
}

static inline size_t
rbuf_left(const struct rbuf *b)
{
	return b->len;
}

static inline int
rbuf_skip(struct rbuf *b, size_t n)
{
	if (b->len < n)
		return -1;
	b->p += n;
	b->len -= n;
	return 0;
}

static inline int
rbuf_u8(struct rbuf *b, uint8_t *v)
{
	if (b->len < 1)
		return -1;
	*v = b->p[0];
	b->p++;
	b->len--;
	return 0;
}

static inline int
rbuf_be16(struct rbuf *b, uint16_t *v)
{
	if (b->len < 2)
		return -1;
	*v = (uint16_t)((b->p[0] << 8) | b->p[1]);
	b->p += 2;
	b->len -= 2;
	return 0;
}

static inline int
rbuf_le16(struct rbuf *b, uint16_t *v)
{
	if (b->len < 2)
		return -1;
	*v = (uint16_t)((b->p[1] << 8) | b->p[0]);
	b->p += 2;
	b->len -= 2;
	return 0;
}

static inline int
rbuf_be32(struct rbuf *b, uint32_t *v)
{
	if (b->len < 4)
		return -1;
	*v = ((uint32_t)b->p[0] << 24) | ((uint32_t)b->p[1] << 16) |
	    ((uint32_t)b->p[2] << 8) | (uint32_t)b->p[3];
	b->p += 4;
	b->len -= 4;
	return 0;
}

static inline int
rbuf_le32(struct rbuf *b, uint32_t *v)
{
	if (b->len < 4)
		return -1;
	*v = ((uint32_t)b->p[3] << 24) | ((uint32_t)b->p[2] << 16) |
	    ((uint32_t)b->p[1] << 8) | (uint32_t)b->p[0];
	b->p += 4;
	b->len -= 4;
	return 0;
}

/* Copy n bytes out. */
static inline int
rbuf_bytes(struct rbuf *b, void *out, size_t n)
{
	if (b->len < n)
		return -1;
	memcpy(out, b->p, n);
	b->p += n;
	b->len -= n;
	return 0;
}

/* Cut a bounded sub-buffer of n bytes (after bgpd's ibuf_get_ibuf). */
static inline int
rbuf_sub(struct rbuf *b, size_t n, struct rbuf *sub)
{
	if (b->len < n)
		return -1;
	sub->p = b->p;
	sub->len = n;
	b->p += n;
	b->len -= n;
	return 0;
}

/* Look at byte i ahead without consuming. */
static inline int
rbuf_peek_u8(const struct rbuf *b, size_t i, uint8_t *v)
{
	if (b->len <= i)
		return -1;
	*v = b->p[i];
	return 0;
}

#endif
