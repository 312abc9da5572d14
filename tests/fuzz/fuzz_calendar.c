/*
 * Fuzz the holiday calendar parser (collector/schedule.c) and the office
 * hours / days parsers: any bytes give a calendar or an error, never a
 * crash or a read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err	 err;
	struct calendar	*cal;
	struct schedule	 s;
	uint8_t		 days;
	char		 why[256], *str;

	cal = calendar_parse("fuzz", (const char *)data, size, &err);
	if (cal != NULL) {
		schedule_init_office(&s, cal);
		(void)schedule_scheduled_ms(&s, 1767196800000LL, 1798732800000LL);
		calendar_free(cal);
	}
	/* The same bytes as an option value. */
	if ((str = malloc(size + 1)) == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	schedule_init_office(&s, NULL);
	if (schedule_parse_hours(str, &s, why, sizeof(why)) == 0)
		(void)schedule_scheduled_ms(&s, 0, 7 * 86400000LL);
	(void)schedule_parse_days(str, &days, why, sizeof(why));
	free(str);
	return 0;
}
