#include <stdio.h>

#include "common/version.h"
#include "shaobing_version.h"

const char shaobing_version[] = SHAOBING_VERSION;

const char *
version_user_agent(const char *program)
{
	static char	ua[128];

	snprintf(ua, sizeof(ua), "%s/%s", program, shaobing_version);
	return ua;
}
