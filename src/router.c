/* Route matching over the table in src/routes.c. */
#include "router.h"

#include <string.h>

/* Next segment of a path: sets *seg and *len, returns the rest, or NULL at the end. */
static const char *next_segment(const char *p, const char **seg, size_t *len)
{
	while (*p == '/')
		p++;
	if (!*p)
		return NULL;
	const char *slash = strchr(p, '/');
	*seg = p;
	*len = slash ? (size_t)(slash - p) : strlen(p);
	return p + *len;
}

/* 1 when path matches pattern segment by segment, capturing {params}. */
static int match_pattern(const char *pattern, const char *path, struct route_match *m)
{
	const char *pp = pattern, *xp = path;
	m->nparams = 0;
	for (;;) {
		const char *ps, *xs;
		size_t pl, xl;
		pp = next_segment(pp, &ps, &pl);
		xp = next_segment(xp, &xs, &xl);
		if (!pp || !xp)
			return !pp && !xp;
		if (ps[0] == '{') {
			if (m->nparams == ROUTE_PARAMS_MAX)
				return 0;
			int i = m->nparams++;
			size_t cap = sizeof m->params[i] - 1;
			m->param_too_long[i] = xl > cap;
			size_t n = xl > cap ? cap : xl;
			memcpy(m->params[i], xs, n);
			m->params[i][n] = '\0';
			m->param_names[i] = ps; /* "{id}": handlers use the index */
		} else if (pl != xl || memcmp(ps, xs, pl) != 0) {
			return 0;
		}
	}
}

enum route_result router_match(const struct route *table, const char *path, enum http_method m,
                               struct route_match *out)
{
	/* A path with an empty segment ("//") other than the trailing slash matches nothing. */
	const char *dbl = strstr(path, "//");
	if (dbl || path[0] != '/')
		return ROUTE_NOT_FOUND;
	for (const struct route *r = table; r->pattern; r++) {
		if (!match_pattern(r->pattern, path, out))
			continue;
		out->route = r;
		out->handler = m == HTTP_HEAD ? r->handlers[HTTP_GET] : r->handlers[m];
		return out->handler ? ROUTE_FOUND : ROUTE_METHOD_NOT_ALLOWED;
	}
	return ROUTE_NOT_FOUND;
}

void router_allow(const struct route *r, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int m = 0; m < HTTP_METHOD_COUNT; m++) {
		if (!r->handlers[m])
			continue;
		const char *name = http_method_name((enum http_method)m);
		size_t need = strlen(name) + (used ? 2 : 0);
		if (used + need + 1 > n)
			break;
		if (used) {
			memcpy(out + used, ", ", 2);
			used += 2;
		}
		memcpy(out + used, name, strlen(name) + 1);
		used += strlen(name);
	}
}
