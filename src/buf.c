/* Growable byte buffer. Allocation failure aborts: a worker without memory is replaced. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* A buffer that grew past this is given back after the request. */
#define BUF_KEEP_MAX (64 * 1024)

static void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		abort();
	b->data = p;
	b->cap = cap;
}

void buf_reserve(struct buf *b, size_t n)
{
	buf_grow(b, n);
}

void buf_append(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	/* One pass when the formatted text fits in the room left, a second one otherwise. */
	buf_grow(b, 64);
	size_t room = b->cap - b->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void buf_put_int(struct buf *b, long long v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

void buf_cat(struct buf *b, ...)
{
	va_list ap;
	va_start(ap, b);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		buf_puts(b, s);
	va_end(ap);
}

/* A quote, backslash or control character as its JSON escape. */
static void json_escape_byte(struct buf *b, unsigned char ch)
{
	static const char hex[] = "0123456789abcdef";
	switch (ch) {
	case '"': buf_append(b, "\\\"", 2); break;
	case '\\': buf_append(b, "\\\\", 2); break;
	case '\n': buf_append(b, "\\n", 2); break;
	case '\r': buf_append(b, "\\r", 2); break;
	case '\t': buf_append(b, "\\t", 2); break;
	default: {
		char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
		buf_append(b, esc, 6);
	}
	}
}

void buf_json_str(struct buf *b, const char *s, size_t n)
{
	if (!s) {
		buf_append(b, "null", 4);
		return;
	}
	/* Room for the common case (nothing to escape), filled without further checks. */
	buf_grow(b, n + 2);
	b->data[b->len++] = '"';
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		buf_append(b, s + start, i - start);
		start = i + 1;
		json_escape_byte(b, ch);
	}
	if (start > 0) /* escapes used some of the room */
		buf_grow(b, n - start + 1);
	memcpy(b->data + b->len, s + start, n - start);
	b->len += n - start;
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
}

void buf_json_text(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;
	buf_putc(b, '"');
	while (i < n) {
		size_t len = utf8_sequence(p + i, n - i);
		if (len == 0 || p[i] < 0x20 || p[i] == '"' || p[i] == '\\') {
			/* Flush the clean run, then this byte escaped (or U+FFFD when not UTF-8). */
			buf_append(b, s + start, i - start);
			if (len == 0)
				buf_append(b, "\\ufffd", 6);
			else
				json_escape_byte(b, p[i]);
			i += 1;
			start = i;
			continue;
		}
		i += len;
	}
	buf_append(b, s + start, n - start);
	buf_putc(b, '"');
}

void buf_json_cstr(struct buf *b, const char *s)
{
	buf_json_str(b, s, s ? strlen(s) : 0);
}

void buf_reset(struct buf *b)
{
	if (b->cap > BUF_KEEP_MAX) {
		buf_free(b);
		return;
	}
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
