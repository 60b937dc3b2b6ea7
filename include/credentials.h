/* The caller's credential (src/credentials.c): each check answers itself when it fails
   and returns non-zero; 0 means go on. */
#ifndef TASKAPI_CREDENTIALS_H
#define TASKAPI_CREDENTIALS_H

#include <libpq-fe.h>

#include "ctx.h"

/*
 * Reads the credential: an access token or an API key ("Bearer tak_..." or X-API-Key).
 * Answers 401 when it is missing or cannot be valid; else fills c->caller for the
 * statement, which decides the rest (revoked, expired key, deleted user).
 */
int auth_token_or_reply(struct ctx *c);
/* As auth_token_or_reply, but an API key is refused (403): for session-only routes. */
int session_token_or_reply(struct ctx *c);
/* Checks the caller columns (CALLER_ROW, include/rows.h) of row 0; 401/403 otherwise. */
int caller_or_reply(struct ctx *c, PGresult *r);
/* As caller_or_reply, and 403 unless the caller is an admin. */
int admin_or_reply(struct ctx *c, PGresult *r);

#endif
