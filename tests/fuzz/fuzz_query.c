/*
 * libFuzzer target: query-string parsing. The input is "<name>\n<query string>";
 * query_get looks the name up (percent-decoding both sides), then a few fixed names
 * are looked up too, as the handlers do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	const char *name = "status", *query = copy;
	char *nl = memchr(copy, '\n', size);
	if (nl) {
		*nl = '\0';
		name = copy;
		query = nl + 1;
	}
	struct arena a = {0};
	const char *v = query_get(&a, query, name);
	if (v)
		(void)strlen(v);
	static const char *const names[] = {"skip", "limit", "status", "", NULL};
	for (int i = 0; names[i]; i++)
		(void)query_get(&a, query, names[i]);
	char *out = malloc(size + 1);
	(void)query_decode(copy, size, out, 1);
	free(out);
	arena_free(&a);
	free(copy);
	return 0;
}
