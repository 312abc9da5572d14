/* The server's answer to our raw ClientHello (probes/tls/tls_hello.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_server_hello	 sh;
	uint8_t			*p = malloc(size ? size : 1);

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	tls_server_hello_parse(p, size, &sh);
	free(p);
	return 0;
}
