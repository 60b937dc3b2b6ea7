/* JSON objects written from result rows (their layouts in include/rows.h). */
#include "render.h"

#include <string.h>

#include "timefmt.h"

/* ==== Objects ==== */

/* json_col, inlined into the row writers' loop. */
static inline void put_col(struct jsonw *w, const char *key, PGresult *r, int row, int col,
                           enum col_json type)
{
	char t[TIME_TEXT_MAX];
	/* Each type asks libpq only what it needs: this runs for every field of every row. */
	switch (type) {
	case COL_HIDDEN: return;
	case COL_BOOL: jsonw_bool(w, key, PQgetvalue(r, row, col)[0] == 't'); return;
	case COL_IS_DONE: jsonw_bool(w, key, strcmp(PQgetvalue(r, row, col), STATUS_COMPLETED) == 0); return;
	case COL_IS_SET: jsonw_bool(w, key, !PQgetisnull(r, row, col)); return;
	case COL_INT:
	case COL_JSON: jsonw_raw(w, key, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col)); return;
	default: break;
	}
	if (PQgetisnull(r, row, col)) {
		jsonw_null(w, key);
		return;
	}
	const char *v = PQgetvalue(r, row, col);
	size_t n = (size_t)PQgetlength(r, row, col);
	switch (type) {
	case COL_WORD:
		if (n + 2 <= sizeof t) { /* a word needs no escaping: quoted in one copy */
			t[0] = '"';
			memcpy(t + 1, v, n);
			t[n + 1] = '"';
			jsonw_raw(w, key, t, n + 2);
			break;
		}
		/* fall through */
	case COL_TEXT: jsonw_str(w, key, v, n); break;
	case COL_TIME: jsonw_cstr(w, key, time_from_pg(v, t) == 0 ? t : NULL); break;
	default: /* COL_INT_NULL, COL_JSON_NULL */ jsonw_raw(w, key, v, n); break;
	}
}

void json_col(struct jsonw *w, const char *key, PGresult *r, int row, int col, enum col_json type)
{
	put_col(w, key, r, row, col, type);
}

/* A layout's JSON fields in its order (include/rows.h). */
struct row_field {
	struct jsonw_key key;
	unsigned char type; /* enum col_json */
	unsigned char col;  /* the column's position in the layout */
};
#define ROW_FIELD_(a, name, sql, key, type) {JSONW_KEY(key), type, name},
#define ROW_VFIELD_(a, name, key, type)     {JSONW_KEY(key), type, name},
#define ROW_FIELDS(ROW)                     ROW(ROW_FIELD_, ROW_FIELD_, ROW_VFIELD_, )
#define ROW_FIELDS_COUNT(f)                 (sizeof(f) / sizeof((f)[0]))

static const struct row_field user_fields[] = {ROW_FIELDS(USER_ROW)};
static const struct row_field task_fields[] = {ROW_FIELDS(TASK_ROW)};
static const struct row_field api_key_fields[] = {ROW_FIELDS(API_KEY_ROW)};
static const struct row_field notif_fields[] = {ROW_FIELDS(NOTIF_ROW)};
static const struct row_field webhook_fields[] = {ROW_FIELDS(WEBHOOK_ROW)};
static const struct row_field delivery_fields[] = {ROW_FIELDS(DELIVERY_ROW)};

/* The layout's fields of row (its first column at col), as members of w's open object. */
static void put_fields(struct jsonw *w, PGresult *r, int row, int col, const struct row_field *f,
                       size_t n)
{
	for (size_t i = 0; i < n; i++, f++) {
		if (f->type == COL_HIDDEN)
			continue;
		jsonw_key(w, &f->key);
		put_col(w, NULL, r, row, col + f->col, f->type);
	}
}

/* The layout's fields of row as an object, member key of w's open container (or NULL). */
static void put_object(struct jsonw *w, const char *key, PGresult *r, int row, int col,
                       const struct row_field *f, size_t n)
{
	jsonw_obj_open(w, key);
	put_fields(w, r, row, col, f, n);
	jsonw_obj_close(w);
}

void json_user(struct jsonw *w, const char *key, PGresult *r, int row, int col)
{
	put_object(w, key, r, row, col, user_fields, ROW_FIELDS_COUNT(user_fields));
}

void json_task(struct jsonw *w, const char *key, PGresult *r, int row, int col)
{
	put_object(w, key, r, row, col, task_fields, ROW_FIELDS_COUNT(task_fields));
}

void json_notification(struct jsonw *w, const char *key, PGresult *r, int row, int col)
{
	put_object(w, key, r, row, col, notif_fields, ROW_FIELDS_COUNT(notif_fields));
}

void json_api_key(struct jsonw *w, PGresult *r, int row, int col, const char *secret)
{
	jsonw_obj_open(w, NULL);
	put_fields(w, r, row, col, api_key_fields, ROW_FIELDS_COUNT(api_key_fields));
	if (secret)
		jsonw_cstr(w, "key", secret);
	jsonw_obj_close(w);
}

void json_webhook(struct jsonw *w, PGresult *r, int row, int col, const char *secret)
{
	jsonw_obj_open(w, NULL);
	put_fields(w, r, row, col, webhook_fields, ROW_FIELDS_COUNT(webhook_fields));
	if (secret)
		jsonw_cstr(w, "secret", secret);
	jsonw_obj_close(w);
}

void json_delivery(struct jsonw *w, PGresult *r, int row, int col)
{
	put_object(w, NULL, r, row, col, delivery_fields, ROW_FIELDS_COUNT(delivery_fields));
}
