/* WAL positions in PostgreSQL's text form, for the consistency token. */
#include "lsn.h"

#include <stdio.h>

/* Reads 1..8 hex digits from *p up to stop; -1 otherwise. */
static int hex_part(const char **p, char stop, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;
	for (; **p && **p != stop; (*p)++, n++) {
		char ch = **p;
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0 || n == 8)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	if (n == 0 || **p != stop)
		return -1;
	*out = v;
	return 0;
}

int lsn_parse(const char *s, uint64_t *out)
{
	uint32_t hi, lo;
	if (!s || hex_part(&s, '/', &hi) != 0)
		return -1;
	s++;
	if (hex_part(&s, '\0', &lo) != 0)
		return -1;
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

void lsn_format(uint64_t lsn, char out[LSN_TEXT_MAX])
{
	snprintf(out, LSN_TEXT_MAX, "%X/%X", (unsigned)(lsn >> 32), (unsigned)(lsn & 0xffffffffu));
}
