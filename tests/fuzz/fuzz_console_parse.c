/*
 * The web console's parsers of outside bytes: the login form body
 * (application/x-www-form-urlencoded), the Cookie header, the Origin /
 * Referer check, and a stored password hash read back (a tampered row).
 * The same bytes are each of the inputs in turn (a NUL-terminated copy
 * where a string is needed).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	out[CONSOLE_PW_MAX + 2], why[200], *s;

	(void)console_form_get((const char *)data, size, "name", out,
	    sizeof(out));
	(void)console_form_get((const char *)data, size, "password", out, 8);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)console_cookie_get(s, CONSOLE_COOKIE, out, CONSOLE_TOKEN_HEX);
	(void)console_origin_ok("127.0.0.1:8443", s, NULL, why, sizeof(why));
	(void)console_origin_ok(s, NULL, s, why, sizeof(why));
	/* A stored hash with small costs only: the parser is what is
	   fuzzed, not scrypt's speed. */
	if (strncmp(s, "scrypt$10$1$", 12) == 0 && strlen(s) < 256)
		(void)console_password_verify("pw", s, why, sizeof(why));
	free(s);
	return 0;
}
