/*
 * The findings list (see finding.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "probes/check/finding.h"

int
findings_add(struct findings *f, const char *code, enum severity sev,
    const char *what, json_t *detail, const char *fmt, ...)
{
	struct finding	*x;
	va_list		 ap;

	if (f->n == f->cap) {
		size_t		 ncap = f->cap ? f->cap * 2 : 8;
		struct finding	*nv = reallocarray(f->v, ncap, sizeof(*nv));

		if (nv == NULL) {
			json_decref(detail);
			return -1;
		}
		f->v = nv;
		f->cap = ncap;
	}
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->code, sizeof(x->code), "%s", code);
	x->sev = sev;
	/* A key longer than the wire allows is cut; it still folds. */
	text_printf(x->key, sizeof(x->key), "%s:%s", code, what);
	va_start(ap, fmt);
	text_vprintf(x->msg, sizeof(x->msg), fmt, ap);
	va_end(ap);
	x->detail = detail;
	return 0;
}

int
findings_has(const struct findings *f, const char *code)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].code, code) == 0)
			return 1;
	return 0;
}

void
findings_free(struct findings *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		json_decref(f->v[i].detail);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

json_t *
findings_to_json(const struct findings *f)
{
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];
		/* Key and message carry outside text: never a reason to
		   lose this finding, let alone the others. */
		json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "code", x->code,
		    "severity", severity_name(x->sev), "key", text_json(x->key),
		    "message", text_json(x->msg));

		if (o == NULL)
			continue;	/* out of memory: the rest still go */
		if (x->detail != NULL)
			json_object_set(o, "detail", x->detail);
		json_array_append_new(a, o);
	}
	return a;
}
