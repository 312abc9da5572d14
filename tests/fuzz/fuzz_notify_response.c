/*
 * Fuzz the judge of robot answers (notify_check_response(), the only
 * place the notifier reads outside bytes): any answer is accepted or
 * refused with a reason, never a crash or an over-read.
 */
#include <stddef.h>
#include <stdint.h>

#include "collector/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];

	for (int t = NOTIFY_EMAIL; t <= NOTIFY_FEISHU; t++)
		(void)notify_check_response((enum notify_type)t, 200,
		    (const char *)data, size, why, sizeof(why));
	return 0;
}
