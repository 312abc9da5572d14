/* DNS replies (probes/ports/dns.c) and banners (probes/ports/ports.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/ports/ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_result	 r;
	char			 banner[PORT_BANNER_MAX];
	uint8_t			*p = malloc(size ? size : 1);

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	memset(&r, 0, sizeof(r));
	dns_reply_parse(p, size, size >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 0, &r);
	port_banner_clean(p, size, banner, sizeof(banner));
	free(p);
	return 0;
}
