/* Strict-Transport-Security values (probes/tls/tls_http.c). */
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
	char	*s = malloc(size ? size : 1);
	int64_t	 age;
	bool	 sub;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	hsts_parse(s, size, &age, &sub);
	free(s);
	return 0;
}
