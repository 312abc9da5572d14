/* ICMP echo replies as read from a raw or a DGRAM socket (probes/check/icmp.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_reply	 r;
	/* Exactly size bytes: the parser must honour len. */
	uint8_t			*p = malloc(size ? size : 1);

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	icmp_reply_parse(p, size, 1, &r);
	icmp_reply_parse(p, size, 0, &r);
	free(p);
	return 0;
}
