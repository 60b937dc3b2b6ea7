/* UTF-8: the one validator of the server (bodies, query strings, JSON output). */
#ifndef TASKAPI_UTF8_H
#define TASKAPI_UTF8_H

#include <stddef.h>

/* 1 when s is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
int utf8_valid(const char *s, size_t n);

/* Number of UTF-8 code points in s (s must be valid UTF-8). */
size_t utf8_length(const char *s, size_t n);

/* Inline: buf_json_text calls it once per character of every string it writes. */
/* Length of the well-formed UTF-8 sequence at p (left bytes remain), 0 when ill-formed. */
static inline size_t utf8_sequence(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
	if (c < 0x80)
		return 1;
	if (more == 0 || c > 0xF4 || left <= more)
		return 0;
	unsigned lo = 0x80, hi = 0xBF;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i <= more; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return more + 1;
}

#endif
