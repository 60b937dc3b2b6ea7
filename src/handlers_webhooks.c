/*
 * Webhook routes: the caller registers URLs to be sent their notifications (the signing
 * secret is shown once, at creation), lists, reads and deletes them, and reads every
 * delivery attempt. The job daemons deliver (src/work.c); these routes only record and
 * read. Someone else's webhook is as absent as a missing one (404).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "handlers.h"
#include "log.h"
#include "query.h"
#include "timefmt.h"
#include "webhook.h"

#define DELIVERY_PAGE_DEFAULT 50
#define DELIVERY_PAGE_MAX     200
#define SECRET_BYTES          32
#define SECRET_PREFIX         "whsec_"
/* Each notification becomes a POST per webhook: a bound on what one account can fan out. */
#define WEBHOOKS_PER_USER_MAX "20"

/* The notification kinds (sql/006_jobs.sql, notifications.kind): what a webhook may take. */
static const char *const events[] = {"task_created", "task_completed", "task_due_date_set",
                                     "task_due_soon", NULL};
#define EVENT_COUNT (int)(sizeof events / sizeof *events - 1)

enum { W_URL, W_EVENTS, W_DESCRIPTION, W_COUNT };
static const struct field_spec webhook_fields[W_COUNT] = {
	[W_URL] =
		{.name = "url", .type = FIELD_STRING, .required = 1, .min_len = 1, .max_len = WEBHOOK_URL_MAX},
	[W_EVENTS] = {.name = "events", .type = FIELD_ARRAY, .nullable = 1},
	[W_DESCRIPTION] = {.name = "description", .type = FIELD_STRING, .nullable = 1, .max_len = 500},
};

/* events: a non-empty list of known kinds, as a text[] literal (every kind when absent or
   null). Adds a problem otherwise. */
static const char *events_param(struct ctx *c, const struct field_value *v)
{
	int chosen[EVENT_COUNT] = {0}, n = 0;
	size_t len = v->object ? json_object_array_length(v->object) : 0;
	if (v->object && len == 0)
		problems_add(&c->problems, "body", "events", "too_short",
		             "List should have at least 1 item after validation, not 0");
	for (size_t i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v->object, i);
		const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "";
		int k = 0;
		while (k < EVENT_COUNT && strcmp(s, events[k]) != 0)
			k++;
		if (k == EVENT_COUNT) {
			problems_add(&c->problems, "body", "events", "enum",
			             "Input should be 'task_created', 'task_completed', 'task_due_date_set' "
			             "or 'task_due_soon'");
			return NULL;
		}
		chosen[k] = 1;
	}
	char *out = arena_alloc(c->arena, 128);
	strcpy(out, "{");
	for (int k = 0; k < EVENT_COUNT; k++)
		if (chosen[k] || len == 0) {
			strcat(out, n++ ? "," : "");
			strcat(out, events[k]);
		}
	strcat(out, "}");
	return out;
}

void webhook_create(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	struct field_value v[W_COUNT];
	body_parse(c, webhook_fields, W_COUNT, v);
	if (c->body) /* a field of another resource (a secret of one's own) is refused, not ignored */
		json_forbid_unknown(c->body, webhook_fields, W_COUNT, "body", NULL, &c->problems);
	const char *evs = v[W_EVENTS].object ? events_param(c, &v[W_EVENTS]) : NULL;
	char why[160];
	if (!c->problems.count && webhook_url_check(v[W_URL].str, why, sizeof why) != 0)
		problems_add(&c->problems, "body", "url", "value_error", "%s", why);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	if (!evs) {
		struct field_value all = {0};
		evs = events_param(c, &all);
	}
	unsigned char raw[SECRET_BYTES];
	char secret[sizeof SECRET_PREFIX + 4 * ((SECRET_BYTES + 2) / 3) + 1];
	if (crypto_random(raw, sizeof raw) != 0) {
		log_error(NULL, "getrandom failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	strcpy(secret, SECRET_PREFIX);
	crypto_b64url(raw, sizeof raw, secret + strlen(SECRET_PREFIX));
	const struct field_value *d = &v[W_DESCRIPTION];
	const char *params[] = {c->caller, v[W_URL].str,
	                        evs,       d->present && !d->is_null ? d->str : NULL,
	                        secret,    WEBHOOKS_PER_USER_MAX};
	PGresult *r = db_or_reply(c, STMT_WEBHOOK_CREATE, params);
	if (r && caller_or_reply(c, r) == 0) {
		if (PQgetisnull(r, 0, CALLER_NCOLS + WEBHOOK_ID)) {
			http_error(c->res, 409,
			           "At most " WEBHOOKS_PER_USER_MAX " webhooks per user: delete one first");
		} else {
			struct jsonw w = body_writer(c);
			json_webhook(&w, r, 0, CALLER_NCOLS, secret);
			http_header(c->res, "Cache-Control", "no-store");
			reply_created(c, "/api/v1/webhooks", PQgetvalue(r, 0, CALLER_NCOLS + WEBHOOK_ID));
		}
	}
	PQclear(r);
	memset(secret, 0, sizeof secret);
	memset(raw, 0, sizeof raw);
}

void webhook_list(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	PGresult *r = db_or_reply(c, STMT_WEBHOOK_LIST, (const char *const[]){c->caller});
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		jsonw_arr_open(&w, NULL);
		for (int i = 0, n = PQntuples(r); i < n; i++) {
			if (!PQgetisnull(r, i, CALLER_NCOLS + WEBHOOK_ID))
				json_webhook(&w, r, i, CALLER_NCOLS, NULL);
		}
		jsonw_arr_close(&w);
		reply_json(c, 200);
	}
	PQclear(r);
}

/* Runs statement id with the caller and the path's webhook id; NULL when it answered. */
static PGresult *by_id(struct ctx *c, enum stmt_id id, const char *extra1, const char *extra2)
{
	long long wid;
	if (auth_token_or_reply(c) != 0)
		return NULL;
	if (path_id(c, 0, &wid) != 0) {
		reply_problems(c);
		return NULL;
	}
	char target[24];
	snprintf(target, sizeof target, "%lld", wid);
	const char *params[] = {c->caller, target, extra1, extra2};
	/* the statements by id take the caller and the id, the deliveries' page two more */
	PGresult *r = db_or_reply_n(c, id, params, statements[id].nparams, NULL);
	if (r && caller_or_reply(c, r) != 0) {
		PQclear(r);
		return NULL;
	}
	return r;
}

void webhook_get(struct ctx *c)
{
	PGresult *r = by_id(c, STMT_WEBHOOK_GET, NULL, NULL);
	if (!r)
		return;
	if (PQgetisnull(r, 0, CALLER_NCOLS + WEBHOOK_ID)) {
		http_error(c->res, 404, "Webhook not found");
	} else {
		struct jsonw w = body_writer(c);
		json_webhook(&w, r, 0, CALLER_NCOLS, NULL);
		reply_json(c, 200);
	}
	PQclear(r);
}

void webhook_delete(struct ctx *c)
{
	PGresult *r = by_id(c, STMT_WEBHOOK_DELETE, NULL, NULL);
	if (!r)
		return;
	if (PQgetvalue(r, 0, CHANGED_COUNT)[0] == '0')
		http_error(c->res, 404, "Webhook not found");
	else
		http_no_content(c->res);
	PQclear(r);
}

/* Newest first, limit at a time; before=<id> continues after the previous page's last. */
void webhook_deliveries(struct ctx *c)
{
	long long limit = query_int(c, "limit", DELIVERY_PAGE_DEFAULT, 1, DELIVERY_PAGE_MAX);
	long long before = query_int(c, "before", 0, 1, 1LL << 62);
	if (c->problems.count) {
		if (auth_token_or_reply(c) == 0)
			reply_problems(c);
		return;
	}
	char slimit[24], sbefore[24];
	snprintf(slimit, sizeof slimit, "%lld", limit + 1);
	snprintf(sbefore, sizeof sbefore, "%lld", before);
	PGresult *r = by_id(c, STMT_WEBHOOK_DELIVERIES, before ? sbefore : NULL, slimit);
	if (!r)
		return;
	if (PQgetvalue(r, 0, DLIST_OWNED)[0] != 't') {
		http_error(c->res, 404, "Webhook not found");
		PQclear(r);
		return;
	}
	const int col = DLIST_DELIVERY;
	int rows = PQntuples(r), written = 0, last = -1;
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_arr_open(&w, "deliveries");
	for (int i = 0; i < rows && written < limit; i++) {
		if (PQgetisnull(r, i, col + DELIVERY_ID))
			continue;
		written++;
		json_delivery(&w, r, i, col);
		last = i;
	}
	jsonw_arr_close(&w);
	jsonw_raw_cstr(&w, "next_before",
	               last >= 0 && last + 1 < rows ? PQgetvalue(r, last, col + DELIVERY_ID) : "null");
	jsonw_obj_close(&w);
	reply_json(c, 200);
	PQclear(r);
}
