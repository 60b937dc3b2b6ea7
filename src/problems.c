/* Validation problems and their 422 rendering. */
#include "problems.h"

#include <stdarg.h>
#include <stdio.h>

#include "jsonw.h"

static void add(struct problems *p, const char *where, const char *field, const char *subfield,
                const char *type, const char *fmt, va_list ap)
{
	if (p->count >= PROBLEMS_MAX)
		return;
	struct problem *pr = &p->list[p->count++];
	pr->where = where;
	pr->field = field;
	pr->subfield = field ? subfield : NULL;
	pr->type = type;
	vsnprintf(pr->msg, sizeof pr->msg, fmt, ap);
}

void problems_add(struct problems *p, const char *where, const char *field, const char *type,
                  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(p, where, field, NULL, type, fmt, ap);
	va_end(ap);
}

void problems_add_nested(struct problems *p, const char *where, const char *field, const char *subfield,
                         const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(p, where, field, subfield, type, fmt, ap);
	va_end(ap);
}

void problems_write_json(const struct problems *p, struct buf *out)
{
	struct jsonw w;
	jsonw_start(&w, out);
	jsonw_obj_open(&w, NULL);
	jsonw_arr_open(&w, "detail");
	for (int i = 0; i < p->count; i++) {
		const struct problem *pr = &p->list[i];
		jsonw_obj_open(&w, NULL);
		jsonw_arr_open(&w, "loc");
		jsonw_cstr(&w, NULL, pr->where);
		if (pr->field)
			jsonw_cstr(&w, NULL, pr->field);
		if (pr->subfield)
			jsonw_cstr(&w, NULL, pr->subfield);
		jsonw_arr_close(&w);
		jsonw_cstr(&w, "msg", pr->msg);
		jsonw_cstr(&w, "type", pr->type);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	jsonw_cstr(&w, "message", "Validation error occurred");
	jsonw_obj_close(&w);
}
