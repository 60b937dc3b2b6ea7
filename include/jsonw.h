/*
 * A JSON writer over struct buf, after kcgi's kjson: objects and arrays are opened and
 * closed, each value is given with its key (NULL inside an array), and the writer puts
 * the commas and escapes the strings. Keys are the program's own literals: written as
 * they are. No printf: it is on every request's path.
 *
 *   struct jsonw w;
 *   jsonw_start(&w, &c->res->body);
 *   jsonw_obj_open(&w, NULL);
 *   jsonw_cstr(&w, "name", name);
 *   jsonw_int(&w, "count", n);
 *   jsonw_obj_close(&w);
 */
#ifndef TASKAPI_JSONW_H
#define TASKAPI_JSONW_H

#include <stddef.h>
#include <string.h>

#include "buf.h"

#define JSONW_DEPTH_MAX 32

struct jsonw {
	struct buf *b;
	int depth;       /* containers open */
	unsigned filled; /* bit d: the container at depth d has a member (the next needs a comma) */
	int keyed;       /* jsonw_key wrote the next value's key */
};

/* A key written the same way on every row, made once: JSONW_KEY("id"). */
struct jsonw_key {
	const char *text; /* ,"key": */
	unsigned char len;
};
#define JSONW_KEY(k)                                                                                    \
	{                                                                                                   \
		",\"" k "\":", sizeof(",\"" k "\":") - 1                                                        \
	}

/* The writer is inline but for the general key (src/jsonw.c): a row writer calls it for
   every field of every row, and it must cost no more than writing the bytes by hand. */

/* Writes to the end of b; the value written first has no comma before it. */
static inline void jsonw_start(struct jsonw *w, struct buf *b)
{
	w->b = b;
	w->depth = 0;
	w->filled = 0;
	w->keyed = 0;
}

/* Before a value: its comma and key (src/jsonw.c). */
void jsonw_member_(struct jsonw *w, const char *key);

/* The key of the next value (given with key NULL), in one copy: for tables of fields. */
static inline void jsonw_key(struct jsonw *w, const struct jsonw_key *k)
{
	unsigned bit = 1u << w->depth;
	int first = !(w->filled & bit);
	w->filled |= bit;
	buf_append(w->b, k->text + first, (size_t)k->len - (size_t)first);
	w->keyed = 1;
}

static inline void jsonw_member(struct jsonw *w, const char *key)
{
	if (w->keyed)
		w->keyed = 0;
	else
		jsonw_member_(w, key);
}

/* Containers; key names the member in an object, NULL in an array or at the top. Nesting
   deeper than JSONW_DEPTH_MAX, or a close without an open, is a programming error (abort). */
void jsonw_overflow_(void);
static inline void jsonw_open_(struct jsonw *w, const char *key, char brace)
{
	jsonw_member(w, key);
	if (w->depth + 1 >= JSONW_DEPTH_MAX)
		jsonw_overflow_();
	buf_putc(w->b, brace);
	w->depth++;
	w->filled &= ~(1u << w->depth);
}

static inline void jsonw_close_(struct jsonw *w, char brace)
{
	if (w->depth == 0)
		jsonw_overflow_();
	w->depth--;
	buf_putc(w->b, brace);
}

static inline void jsonw_obj_open(struct jsonw *w, const char *key)
{
	jsonw_open_(w, key, '{');
}

static inline void jsonw_obj_close(struct jsonw *w)
{
	jsonw_close_(w, '}');
}

static inline void jsonw_arr_open(struct jsonw *w, const char *key)
{
	jsonw_open_(w, key, '[');
}

static inline void jsonw_arr_close(struct jsonw *w)
{
	jsonw_close_(w, ']');
}

/* A string of n bytes, escaped; NULL is written as null. */
static inline void jsonw_str(struct jsonw *w, const char *key, const char *s, size_t n)
{
	jsonw_member(w, key);
	buf_json_str(w->b, s, n);
}

/* Text from outside (a request's path, a log message): as buf_json_text escapes it. */
static inline void jsonw_text(struct jsonw *w, const char *key, const char *s, size_t n)
{
	jsonw_member(w, key);
	buf_json_text(w->b, s, n);
}

static inline void jsonw_cstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_member(w, key);
	buf_json_cstr(w->b, s);
}

static inline void jsonw_int(struct jsonw *w, const char *key, long long v)
{
	jsonw_member(w, key);
	buf_put_int(w->b, v);
}

static inline void jsonw_bool(struct jsonw *w, const char *key, int v)
{
	jsonw_member(w, key);
	if (v)
		buf_append(w->b, "true", 4);
	else
		buf_append(w->b, "false", 5);
}

static inline void jsonw_null(struct jsonw *w, const char *key)
{
	jsonw_member(w, key);
	buf_append(w->b, "null", 4);
}

/* JSON text of n bytes written as it is: a number as PostgreSQL prints it, stored JSON. */
static inline void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t n)
{
	jsonw_member(w, key);
	buf_append(w->b, json, n);
}

/* v / 1000 with three decimals (microseconds as milliseconds), without printf. */
static inline void jsonw_thousandths(struct jsonw *w, const char *key, long long v)
{
	jsonw_int(w, key, v / 1000);
	char frac[4] = {'.', (char)('0' + v / 100 % 10), (char)('0' + v / 10 % 10), (char)('0' + v % 10)};
	buf_append(w->b, frac, sizeof frac);
}

/* A number with this many decimals (not on a hot path: it formats with snprintf). */
void jsonw_fixed(struct jsonw *w, const char *key, double v, int decimals);

static inline void jsonw_raw_cstr(struct jsonw *w, const char *key, const char *json)
{
	jsonw_raw(w, key, json, strlen(json));
}

#endif
