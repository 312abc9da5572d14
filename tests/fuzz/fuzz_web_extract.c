/*
 * libFuzzer target: web_extract() (gumbo's HTML5 tree, <style> rules,
 * inline styles, script strings parsed as markup) on arbitrary bytes,
 * then web_compare() of the model with itself and with no baseline.
 * The model must always be a JSON object that encodes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "probes/web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*words_v[] = { "bet", "六合彩" };
	struct web_words	 words = { (char **)words_v, 2 };
	struct web_opts		 o = { { { "" }, 0 }, &words, WEB_TOLERANCE };
	struct findings		 f = { NULL, 0, 0 };
	json_t			*m, *j;
	char			*s;

	m = web_extract((const char *)data, size, "http://www.example.gov.cn/a/index.html");
	if (m == NULL)
		return 0;
	if (!json_is_object(m))
		abort();
	if ((s = json_dumps(m, 0)) == NULL)
		abort();
	free(s);
	web_compare(m, m, &o, &f);
	web_compare(NULL, m, &o, &f);
	if ((j = findings_to_json(&f)) == NULL && f.n > 0)
		abort();
	json_decref(j);
	findings_free(&f);
	json_decref(m);
	return 0;
}
