/* Validation problems and their 422 rendering. */
#include "problems.h"

#include <stdarg.h>
#include <stdio.h>

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

void problems_add_nested(struct problems *p, const char *where, const char *field,
                         const char *subfield, const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(p, where, field, subfield, type, fmt, ap);
	va_end(ap);
}

void problems_write_json(const struct problems *p, struct buf *out)
{
	buf_puts(out, "{\"detail\":[");
	for (int i = 0; i < p->count; i++) {
		const struct problem *pr = &p->list[i];
		if (i)
			buf_putc(out, ',');
		buf_puts(out, "{\"loc\":[");
		buf_json_cstr(out, pr->where);
		if (pr->field) {
			buf_putc(out, ',');
			buf_json_cstr(out, pr->field);
		}
		if (pr->subfield) {
			buf_putc(out, ',');
			buf_json_cstr(out, pr->subfield);
		}
		buf_puts(out, "],\"msg\":");
		buf_json_cstr(out, pr->msg);
		buf_puts(out, ",\"type\":");
		buf_json_cstr(out, pr->type);
		buf_putc(out, '}');
	}
	buf_puts(out, "],\"message\":\"Validation error occurred\"}");
}
