/* The JSON writer (include/jsonw.h): commas and nesting kept here, escaping by buf.c. */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Before a member: its comma when the container has one already, then "key": when given
   (one reservation, then plain stores: this runs for every value of every answer). */
void jsonw_member_(struct jsonw *w, const char *key)
{
	unsigned bit = 1u << w->depth;
	int comma = (w->filled & bit) != 0;
	w->filled |= bit;
	if (!key && !comma)
		return;
	size_t len = key ? strlen(key) : 0;
	buf_reserve(w->b, len + 4);
	char *p = w->b->data + w->b->len;
	if (comma)
		*p++ = ',';
	if (key) {
		*p++ = '"';
		memcpy(p, key, len);
		p += len;
		*p++ = '"';
		*p++ = ':';
	}
	*p = '\0';
	w->b->len = (size_t)(p - w->b->data);
}

void jsonw_overflow_(void)
{
	abort(); /* nesting deeper than JSONW_DEPTH_MAX, or a close without an open: a bug */
}

void jsonw_fixed(struct jsonw *w, const char *key, double v, int decimals)
{
	char n[64];
	int len = snprintf(n, sizeof n, "%.*f", decimals, v);
	jsonw_raw(w, key, n, (size_t)len);
}
