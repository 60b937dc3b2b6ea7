/* Query-string parsing: name lookup with percent-decoding. */
#ifndef TASKAPI_QUERY_H
#define TASKAPI_QUERY_H

#include <stddef.h>

#include "arena.h"
#include "problems.h"

/*
 * Finds the first value of name in the raw query string (a=1&b=x%20y), decodes it
 * ('+' is a space) and returns it in arena memory; NULL when the name is absent.
 */
const char *query_get(struct arena *a, const char *query, const char *name);

/* Parses a whole decimal integer (no sign but '-', no spaces); -1 when s is not one. */
int query_parse_int(const char *s, long long *out);

/*
 * The integer query parameter name within [min, max], def when absent. A bad value adds
 * a problem (loc ["query", name]) and gives def.
 */
long long query_get_int(struct arena *a, const char *query, const char *name, long long def,
                        long long min, long long max, struct problems *p);

/* Percent-decodes n bytes of s into out (at least n + 1 bytes); returns the length. */
size_t query_decode(const char *s, size_t n, char *out, int plus_is_space);

#endif
