/*
 * UTF-8 text helpers: see common/text.h.  RFC 3629 section 4 for what a
 * valid sequence is (no overlong forms, no surrogates, nothing past
 * U+10FFFF); Unicode TR 9 for the bidi controls the sanitiser escapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

size_t
text_utf8_decode(const void *vp, size_t left, uint32_t *cpp)
{
	const uint8_t	*p = vp;
	uint32_t	 cp;
	size_t		 n;

	if (left == 0)
		return 0;
	if (p[0] < 0x80) {
		cp = p[0];
		n = 1;
		goto done;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;	/* continuation byte, 0xc0/0xc1, 0xf5.. */
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
done:
	if (cpp != NULL)
		*cpp = cp;
	return n;
}

int
text_utf8_valid(const void *vp, size_t len)
{
	const uint8_t *p = vp;

	for (size_t i = 0, n; i < len; i += n)
		if ((n = text_utf8_decode(p + i, len - i, NULL)) == 0)
			return 0;
	return 1;
}

size_t
text_utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = text_utf8_decode(s + i, len - i, NULL)) == 0)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

/*
 * Bytes at the end of out[0..len) that begin a character the cut left
 * incomplete (a lead byte and fewer continuation bytes than it needs).
 */
static size_t
cut_tail(const char *out, size_t len)
{
	const uint8_t	*p = (const uint8_t *)out;
	size_t		 j = len, need;

	while (j > 0 && len - j < 3 && (p[j - 1] & 0xc0) == 0x80)
		j--;
	if (j == 0 || p[j - 1] < 0xc2 || p[j - 1] > 0xf4)
		return 0;
	j--;
	need = p[j] >= 0xf0 ? 4 : p[j] >= 0xe0 ? 3 : 2;
	return len - j < need ? len - j : 0;
}

/* Cut the len bytes at out (outsz > len) to fit outsz with "…". */
static int
cut_with_ellipsis(char *out, size_t outsz, size_t len, int ellipsis)
{
	size_t keep;

	if (len < outsz) {
		out[len] = '\0';
		return 0;
	}
	if (ellipsis && outsz >= sizeof(TEXT_ELLIPSIS)) {
		keep = text_utf8_prefix(out, outsz - 1,
		    outsz - sizeof(TEXT_ELLIPSIS));
		memcpy(out + keep, TEXT_ELLIPSIS, sizeof(TEXT_ELLIPSIS));
	} else {
		keep = text_utf8_prefix(out, outsz - 1, outsz - 1);
		keep -= cut_tail(out, keep);
		out[keep] = '\0';
	}
	return 1;
}

int
text_copy(char *out, size_t outsz, const char *s, int ellipsis)
{
	size_t len;

	if (outsz == 0)
		return 1;
	if (s == NULL)
		s = "";
	len = strlen(s);
	memcpy(out, s, len < outsz ? len : outsz - 1);
	return cut_with_ellipsis(out, outsz, len, ellipsis);
}

int
text_vprintf(char *out, size_t outsz, const char *fmt, va_list ap)
{
	int n;

	if (outsz == 0)
		return 1;
	if ((n = vsnprintf(out, outsz, fmt, ap)) < 0) {
		out[0] = '\0';
		return -1;
	}
	return cut_with_ellipsis(out, outsz, (size_t)n, 1);
}

int
text_printf(char *out, size_t outsz, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = text_vprintf(out, outsz, fmt, ap);
	va_end(ap);
	return r;
}

char *
text_utf8_fix(const void *vp, size_t len, enum text_bad how, size_t *outlen)
{
	const uint8_t	*p = vp;
	char		*out;
	size_t		 o = 0, n;

	/* Each input byte yields at most 4 output bytes ("\xNN"). */
	if (len > (SIZE_MAX - 1) / 4 || (out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += n) {
		n = text_utf8_decode(p + i, len - i, NULL);
		if (n != 0 && p[i] != '\0') {
			memcpy(out + o, p + i, n);
			o += n;
			continue;
		}
		n = 1;
		if (how == TEXT_BAD_FFFD) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
		}
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

int
text_cp_is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x2028 || c == 0x2029 || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x061c;
}

int
text_sanitize(char *out, size_t outsz, const void *vp, size_t len)
{
	const uint8_t	*p = vp;
	size_t		 o = 0, mark = 0, n, plen;
	const size_t	 el = sizeof(TEXT_ELLIPSIS) - 1;
	char		 esc[16];
	const char	*piece;
	uint32_t	 cp;

	if (outsz == 0)
		return 1;
	for (size_t i = 0; i < len; i += n) {
		n = text_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			n = 1;
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			piece = esc;
		} else if (text_cp_is_control(cp)) {
			if (cp < 0x100)
				snprintf(esc, sizeof(esc), "\\x%02x", cp);
			else
				snprintf(esc, sizeof(esc), "\\u{%04x}", cp);
			piece = esc;
		} else
			piece = (const char *)p + i;
		plen = piece == esc ? strlen(esc) : n;
		if (o + plen > outsz - 1) {
			/* Does not fit: back to the last boundary that
			   leaves room for "…", if there is room at all. */
			if (outsz - 1 >= el) {
				memcpy(out + mark, TEXT_ELLIPSIS, el);
				o = mark + el;
			}
			out[o] = '\0';
			return 1;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		if (o + el <= outsz - 1)
			mark = o;
	}
	out[o] = '\0';
	return 0;
}

char *
text_sanitize_dup(const char *s)
{
	size_t	 len, sz;
	char	*out;

	if (s == NULL)
		s = "";
	len = strlen(s);
	/* Worst case: one control byte becomes "\xNN" (4). */
	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	sz = len * 4 + 1;
	if (sz < 16)
		sz = 16;
	if ((out = malloc(sz)) == NULL)
		return NULL;
	text_sanitize(out, sz, s, len);
	return out;
}

const char *
text_term(const char *s)
{
	static _Thread_local char	slots[TEXT_TERM_SLOTS][TEXT_TERM_MAX];
	static _Thread_local unsigned	next;
	char				*out = slots[next++ % TEXT_TERM_SLOTS];

	if (s == NULL)
		s = "";
	text_sanitize(out, TEXT_TERM_MAX, s, strlen(s));
	return out;
}

json_t *
text_jsonn(const void *p, size_t len)
{
	char	*fixed;
	size_t	 n;
	json_t	*j;

	if (p == NULL)
		return json_null();
	if (text_utf8_valid(p, len) && memchr(p, '\0', len) == NULL)
		return json_stringn(p, len);
	if ((fixed = text_utf8_fix(p, len, TEXT_BAD_HEX, &n)) == NULL)
		return NULL;
	j = json_stringn(fixed, n);
	free(fixed);
	return j;
}

json_t *
text_json(const char *s)
{
	return s == NULL ? json_null() : text_jsonn(s, strlen(s));
}
