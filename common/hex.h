/*
 * Hexadecimal digits: the one encoder and digit decoder (tokens, digests,
 * certificate fingerprints, password hashes, the OUI table, MACs).
 */
#ifndef SHAOBING_HEX_H
#define SHAOBING_HEX_H

#include <stddef.h>

/* n bytes at b as 2n lowercase hex digits and a NUL at out (2n + 1 bytes). */
void	hex_encode(const void *b, size_t n, char *out);
/* The value of one hex digit (either case); -1 for any other byte. */
int	hex_digit(int c);

#endif
