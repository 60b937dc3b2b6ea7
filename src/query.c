/* Query-string lookup with percent-decoding. */
#include "query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t query_decode(const char *s, size_t n, char *out, int plus_is_space)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			/* An encoded NUL would cut the C string: keep it visible as 0x01. */
			out[o++] = (hi << 4 | lo) ? (char)(hi << 4 | lo) : '\x01';
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

const char *query_get(struct arena *a, const char *query, const char *name)
{
	if (!query)
		return NULL;
	const char *p = query;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t key_len = eq ? (size_t)(eq - p) : len;
		char *key = arena_alloc(a, key_len + 1);
		query_decode(p, key_len, key, 1);
		if (strcmp(key, name) == 0) {
			const char *v = eq ? eq + 1 : p + len;
			size_t vlen = (size_t)(p + len - v);
			char *out = arena_alloc(a, vlen + 1);
			query_decode(v, vlen, out, 1);
			return out;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return NULL;
}

int query_parse_int(const char *s, long long *out)
{
	if (!*s || strlen(s) > 20)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || s[0] == ' ' || s[0] == '+')
		return -1;
	*out = v;
	return 0;
}

long long query_get_int(struct arena *a, const char *query, const char *name, long long def,
                        long long min, long long max, struct problems *p)
{
	const char *v = query_get(a, query, name);
	long long x;
	if (!v)
		return def;
	if (query_parse_int(v, &x) != 0) {
		problems_add(p, "query", name, "int_parsing",
		             "Input should be a valid integer, unable to parse string as an integer");
		return def;
	}
	if (x < min) {
		problems_add(p, "query", name, "greater_than_equal",
		             "Input should be greater than or equal to %lld", min);
		return def;
	}
	if (x > max) {
		problems_add(p, "query", name, "less_than_equal", "Input should be less than or equal to %lld",
		             max);
		return def;
	}
	return x;
}
