#include <stdio.h>

#include "common/version.h"
#include "shaobing_version.h"

const char shaobing_version[] = SHAOBING_VERSION;

const char *
version_user_agent(char *buf, size_t len, const char *program,
    const char *fmt)
{
	size_t	n = 0;
	int	w;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (const char *f = fmt != NULL ? fmt : "%V"; *f != '\0' &&
	    n + 1 < len; f++) {
		if (f[0] == '%' && f[1] == 'V') {
			w = snprintf(buf + n, len - n, "%s/%s", program,
			    shaobing_version);
			if (w < 0 || (size_t)w >= len - n) {
				buf[n] = '\0';	/* no half a version */
				break;
			}
			n += (size_t)w;
			f++;
		} else {
			buf[n++] = *f;
			buf[n] = '\0';
		}
	}
	return buf;
}
