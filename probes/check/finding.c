/*
 * The findings list (see finding.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "probes/check/finding.h"

int
findings_add(struct findings *f, const char *code, enum severity sev,
    const char *what, json_t *detail, const char *fmt, ...)
{
	struct finding	*x;
	va_list		 ap;
	int		 n;

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
	if (snprintf(x->key, sizeof(x->key), "%s:%s", code, what) >= (int)sizeof(x->key))
		x->key[utf8_cut(x->key, sizeof(x->key) - 1)] = '\0';
	va_start(ap, fmt);
	n = vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
	va_end(ap);
	/* A cut message must stay UTF-8 (Chinese labels, page text). */
	if (n >= (int)sizeof(x->msg))
		x->msg[utf8_cut(x->msg, sizeof(x->msg) - 1)] = '\0';
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
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "code", x->code,
		    "severity", severity_name(x->sev), "key", x->key,
		    "message", x->msg);

		if (o == NULL) {
			json_decref(a);
			return NULL;
		}
		if (x->detail != NULL)
			json_object_set(o, "detail", x->detail);
		json_array_append_new(a, o);
	}
	return a;
}
