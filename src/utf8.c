/* UTF-8 validation and length (the sequence rule itself is utf8_sequence, include/utf8.h). */
#include "utf8.h"

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t len = utf8_sequence(p + i, n - i);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t utf8_length(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}
