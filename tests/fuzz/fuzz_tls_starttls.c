/* STARTTLS replies for SMTP, IMAP (greeting and tagged) and POP3. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*p;
	int	 code;
	bool	 has;

	if (size < 1)
		return 0;
	if ((p = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(p, data + 1, size - 1);	/* first byte picks the protocol */
	switch (data[0] % 4) {
	case 0: starttls_reply(SCHEME_SMTP, p, size - 1, NULL, &code, &has); break;
	case 1: starttls_reply(SCHEME_IMAP, p, size - 1, NULL, &code, NULL); break;
	case 2: starttls_reply(SCHEME_IMAP, p, size - 1, "a1", &code, NULL); break;
	default: starttls_reply(SCHEME_POP3, p, size - 1, NULL, &code, NULL); break;
	}
	free(p);
	return 0;
}
