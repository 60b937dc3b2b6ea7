/* Growable byte buffer used for response bodies, headers and log lines. */
#ifndef TASKAPI_BUF_H
#define TASKAPI_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

void buf_append(struct buf *b, const char *s, size_t n);
/* Makes room for n more bytes (and the NUL) after data[len]: a writer may then store them
   directly, keeping len and the terminating NUL right. */
void buf_reserve(struct buf *b, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a decimal integer (without printf: it is on every request's path). */
void buf_put_int(struct buf *b, long long v);
/* Appends the concatenation of the NULL-terminated list of strings. */
void buf_cat(struct buf *b, ...) __attribute__((sentinel));
/* Appends s (n bytes) as a quoted JSON string; NULL is written as null. */
void buf_json_str(struct buf *b, const char *s, size_t n);
void buf_json_cstr(struct buf *b, const char *s);
/* As buf_json_str for text from outside (paths, messages in the log): bytes that are not
   well-formed UTF-8 become U+FFFD, so the output is always valid JSON. */
void buf_json_text(struct buf *b, const char *s, size_t n);
/* Empties the buffer; gives memory back when a large request grew it. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
