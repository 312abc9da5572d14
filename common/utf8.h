/*
 * UTF-8 helpers for text we cut to fit (page text, finding messages):
 * a cut must not leave half a character, or JSON encoders refuse it.
 */
#ifndef SHAOBING_UTF8_H
#define SHAOBING_UTF8_H

#include <stddef.h>

/*
 * The longest prefix of s[0..len) that does not end inside a UTF-8
 * sequence (a sequence cut short at len is dropped whole).
 */
size_t	utf8_cut(const char *s, size_t len);

#endif
