/*
 * Cursors of the task list: an opaque, tamper-evident position in one sort order.
 * A cursor is base64url(payload) "." base64url(HMAC-SHA256(secret, bind, payload)), where
 * the payload holds the sort, the page number, and the last task's id and sort key, and
 * bind is what the cursor is valid for (the caller and the request's filters): a cursor
 * altered, or used with other filters or by another user, fails verification.
 */
#ifndef TASKAPI_CURSOR_H
#define TASKAPI_CURSOR_H

#include <stddef.h>

#include "arena.h"

#define CURSOR_SORT_MAX  16
#define CURSOR_KEY_MAX   1024 /* a title: 200 characters of up to 4 bytes */
#define CURSOR_TOKEN_MAX 2048

struct cursor {
	char sort[CURSOR_SORT_MAX]; /* "created_at", "-title"... */
	long long page;             /* the page this cursor leads to, from 2 */
	long long id;               /* the last task of the previous page */
	char key[CURSOR_KEY_MAX];   /* its sort key as PostgreSQL writes it ("" for id sorts) */
};

/* The token for c, bound to bind, in arena memory; NULL when c does not fit. */
char *cursor_encode(struct arena *a, const struct cursor *c, const char *bind,
                    const unsigned char *secret, size_t secret_len);
/* Verifies and reads a token; 0 on success, -1 when it is malformed, altered or not bound
   to bind. */
int cursor_decode(const char *token, const char *bind, const unsigned char *secret, size_t secret_len,
                  struct cursor *out);

#endif
