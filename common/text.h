/*
 * Text from outside: UTF-8 (RFC 3629) decoding and validation, cutting to
 * a byte budget without splitting a character, making any bytes valid
 * UTF-8, and the one sanitiser for everything that reaches a terminal or
 * a log line.  Every truncation of text in the project goes through here.
 */
#ifndef SHAOBING_TEXT_H
#define SHAOBING_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TEXT_ELLIPSIS	"\xe2\x80\xa6"	/* "…", 3 bytes */

/*
 * Decode the UTF-8 sequence at p (left bytes available).  Returns its
 * length 1..4 and the code point in *cp (cp may be NULL), or 0 when the
 * bytes are not a complete, shortest-form, non-surrogate sequence.
 */
size_t	text_utf8_decode(const void *p, size_t left, uint32_t *cp);

/* 1 when p[0..len) is valid UTF-8 (NUL bytes count as valid), else 0. */
int	text_utf8_valid(const void *p, size_t len);

/*
 * The longest prefix of s[0..len) that is at most max bytes and does not
 * end inside a character.  Invalid bytes count as one-byte characters.
 */
size_t	text_utf8_prefix(const char *s, size_t len, size_t max);

/*
 * Copy the NUL-terminated s into out (outsz bytes, NUL included), cut
 * at a character boundary; when cut and ellipsis is set, "…" ends the
 * text (still within outsz).  Returns 1 when cut, 0 when whole.
 */
int	text_copy(char *out, size_t outsz, const char *s, int ellipsis);

/*
 * snprintf() that never leaves half a character: when the text does not
 * fit, it is cut at a character boundary and ends in "…".  Returns 1 when
 * cut, 0 when whole, -1 on a format error (out is then "").
 */
int	text_printf(char *out, size_t outsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	text_vprintf(char *out, size_t outsz, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

/* How text_utf8_fix() shows a byte that is not UTF-8. */
enum text_bad {
	TEXT_BAD_FFFD,		/* U+FFFD REPLACEMENT CHARACTER */
	TEXT_BAD_HEX,		/* "\xNN": the byte stays readable */
};

/*
 * A valid UTF-8, NUL-terminated copy of p[0..len): every byte that is not
 * part of a valid sequence, and every NUL, shown as how says.  *outlen
 * (may be NULL) gets the length.  Caller frees; NULL only when out of
 * memory.
 */
char	*text_utf8_fix(const void *p, size_t len, enum text_bad how,
	    size_t *outlen);

/* 1 for a code point a terminal would act on or that reorders text:
   C0, DEL, C1, U+2028/9, bidi embeddings, overrides and isolates. */
int	text_cp_is_control(uint32_t cp);

/*
 * The sanitiser for terminals and logs.  Writes p[0..len) into out
 * (outsz bytes, NUL included) as valid UTF-8 with nothing a terminal
 * acts on: C0 controls (TAB too: it breaks columns), ESC, CR, LF, DEL and C1 controls
 * as "\xNN", U+2028/9 and bidi controls as "\u{XXXX}", invalid bytes as
 * "\xNN".  Cut at a character (or escape) boundary with "…" when it
 * does not fit.  Returns 1 when cut, else 0.
 */
int	text_sanitize(char *out, size_t outsz, const void *p, size_t len);

/* The same into a new string (caller frees; NULL only when out of
   memory).  s NULL gives "". */
char	*text_sanitize_dup(const char *s);



/*
 * s through text_sanitize() into one of TEXT_TERM_SLOTS rotating
 * thread-local buffers of TEXT_TERM_MAX bytes (cut with "…"): for
 * printf-style output of outside text, e.g.
 * printf("host %s\n", text_term(host)).  The result stays valid until
 * TEXT_TERM_SLOTS further calls in the same thread.  NULL gives "".
 */
#define TEXT_TERM_SLOTS	16
#define TEXT_TERM_MAX	2048
const char *text_term(const char *s);
/*
 * A JSON string of outside text that cannot fail on bad bytes: invalid
 * UTF-8 and NUL shown as "\xNN" (text_utf8_fix()).  NULL s gives JSON
 * null.  NULL only when out of memory.  Use it for every json_string()
 * or json_pack() "s" of text from a server, a file or a packet.
 */
json_t	*text_json(const char *s);
json_t	*text_jsonn(const void *p, size_t len);

#endif
