/* JSON objects written from result rows (src/render.c). */
#ifndef TASKAPI_RENDER_H
#define TASKAPI_RENDER_H

#include <libpq-fe.h>

#include "jsonw.h"
#include "rows.h"

/* JSON objects written from a result row whose layout (include/rows.h) starts at column
   col, as member key of w's open object (NULL in an array or at the top). */
void json_user(struct jsonw *w, const char *key, PGresult *r, int row, int col);
void json_task(struct jsonw *w, const char *key, PGresult *r, int row, int col);
void json_notification(struct jsonw *w, const char *key, PGresult *r, int row, int col);
/* One column's value as member key of w's open container, written as its type says. */
void json_col(struct jsonw *w, const char *key, PGresult *r, int row, int col, enum col_json type);
/* An API key's public fields; with key (only right after creation) also the secret. */
void json_api_key(struct jsonw *w, PGresult *r, int row, int col, const char *secret);

/* A webhook's fields; with secret (only right after creation) also that. */
void json_webhook(struct jsonw *w, PGresult *r, int row, int col, const char *secret);
/* One delivery attempt of a webhook. */
void json_delivery(struct jsonw *w, PGresult *r, int row, int col);

#endif
