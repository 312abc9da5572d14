/* Check URLs and port lists (probes/check/url.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct check_url	u;
	static uint16_t		ports[CHECK_PORTS_MAX];
	size_t			n = 0;
	char			why[256];
	/* Exactly size bytes, no NUL: the parsers must honour len. */
	char			*s = malloc(size ? size : 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	check_url_parse(s, size, &u, why, sizeof(why));
	check_ports_parse(s, size, ports, &n, why, sizeof(why));
	free(s);
	return 0;
}
