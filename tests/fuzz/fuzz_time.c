/*
 * libFuzzer target: time parsing. The input is parsed as an ISO 8601 / RFC 3339 time
 * (by length, not NUL-terminated), and as PostgreSQL's timestamptz output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[TIME_TEXT_MAX], again[TIME_TEXT_MAX];
	if (time_parse((const char *)data, size, out) == 0) {
		/* What it writes is canonical: it parses again to itself. */
		if (time_parse(out, strlen(out), again) != 0 || strcmp(out, again) != 0)
			abort();
	}
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	(void)time_from_pg(copy, out);
	free(copy);
	return 0;
}
