/*
 * Notification routes: the caller's notifications, newest first, in cursor pages
 * (optionally only the unread ones), one marked read, all marked read. The job daemons
 * record them (src/work.c); these routes only read and mark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cursor.h"
#include "handlers.h"
#include "query.h"

#define NOTIF_PAGE_DEFAULT 20
#define NOTIF_PAGE_MAX     100

/* What a cursor is bound to: the holder of the credential and the unread filter. */
static const char *cursor_bind(struct ctx *c, int unread)
{
	char *out = arena_alloc(c->arena, 96);
	if (c->via_api_key)
		snprintf(out, 96, "notifications|key:%s|%d", c->api_key_prefix, unread);
	else
		snprintf(out, 96, "notifications|user:%lld|%d", c->claims.user_id, unread);
	return out;
}

/* unread=true|false|1|0 (default false); -1 with a problem added otherwise. */
static int unread_param(struct ctx *c)
{
	const char *v = query_get(c->arena, c->req->query, "unread");
	if (!v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return 1;
	problems_add(&c->problems, "query", "unread", "bool_parsing",
	             "Input should be a valid boolean, unable to interpret input");
	return -1;
}

static void write_page(struct ctx *c, PGresult *r, long long limit, const char *bind, int unread,
                       long long page)
{
	const int col = NLIST_NOTIF;
	int rows = PQntuples(r), written = 0, last = -1;
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_arr_open(&w, "notifications");
	for (int i = 0; i < rows && written < limit; i++) {
		if (PQgetisnull(r, i, col + NOTIF_ID))
			continue;
		written++;
		json_notification(&w, NULL, r, i, col);
		last = i;
	}
	jsonw_arr_close(&w);
	jsonw_raw_cstr(&w, "unread_count", PQgetvalue(r, 0, NLIST_UNREAD));
	jsonw_int(&w, "page", page);
	jsonw_int(&w, "page_size", limit);
	char *token = NULL;
	if (last >= 0 && last + 1 < rows) { /* the extra row: there is a next page */
		struct cursor next = {.sort = "-id",
		                      .page = page + 1,
		                      .id = atoll(PQgetvalue(r, last, col + NOTIF_ID))};
		token = cursor_encode(c->arena, &next, bind, cfg.jwt_secret, cfg.jwt_secret_len);
	}
	jsonw_cstr(&w, "next_cursor", token);
	jsonw_obj_close(&w);
	if (token) {
		struct buf link = {0};
		buf_printf(&link, "<%s%s?%slimit=%lld&cursor=%s>; rel=\"next\"", url_base(c), c->req->path,
		           unread ? "unread=true&" : "", limit, token);
		http_header(c->res, "Link", link.data);
		buf_free(&link);
	}
	reply_json(c, 200);
}

void notification_list(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	int unread = unread_param(c);
	long long limit = query_int(c, "limit", NOTIF_PAGE_DEFAULT, 1, NOTIF_PAGE_MAX);
	const char *bind = cursor_bind(c, unread);
	const char *token = query_get(c->arena, c->req->query, "cursor");
	struct cursor cur = {.page = 1};
	int keys_ok = 0;
	for (int i = 0; token && !keys_ok && i < cfg.jwt_key_count; i++)
		keys_ok = cursor_decode(token, bind, cfg.jwt_keys[i].secret, cfg.jwt_keys[i].len, &cur) == 0 &&
		          strcmp(cur.sort, "-id") == 0;
	if (token && !keys_ok)
		problems_add(&c->problems, "query", "cursor", "value_error",
		             "Invalid cursor: it does not belong to this list");
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	char slimit[24], sbefore[24];
	snprintf(slimit, sizeof slimit, "%lld", limit + 1);
	snprintf(sbefore, sizeof sbefore, "%lld", cur.id);
	const char *params[] = {c->caller, unread ? "t" : "f", token ? sbefore : NULL, slimit};
	PGresult *r = db_or_reply(c, STMT_NOTIF_LIST, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0)
		write_page(c, r, limit, bind, unread, token ? cur.page : 1);
	PQclear(r);
}

void notification_read(struct ctx *c)
{
	long long id;
	if (auth_token_or_reply(c) != 0)
		return;
	if (path_id(c, 0, &id) != 0) {
		reply_problems(c);
		return;
	}
	char target[24];
	snprintf(target, sizeof target, "%lld", id);
	const char *params[] = {c->caller, target};
	PGresult *r = db_or_reply(c, STMT_NOTIF_READ, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetisnull(r, 0, CALLER_NCOLS)) { /* someone else's is as absent as a missing one */
			http_error(c->res, 404, "Notification not found");
		} else {
			struct jsonw w = body_writer(c);
			json_notification(&w, NULL, r, 0, CALLER_NCOLS);
			reply_json(c, 200);
		}
	}
	PQclear(r);
}

void notification_read_all(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	PGresult *r = db_or_reply(c, STMT_NOTIF_READ_ALL, (const char *const[]){c->caller});
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		jsonw_obj_open(&w, NULL);
		jsonw_raw_cstr(&w, "marked_read", PQgetvalue(r, 0, CHANGED_COUNT));
		jsonw_obj_close(&w);
		reply_json(c, 200);
	}
	PQclear(r);
}
