/* API keys for scripts: created (the key is shown once), listed without secrets, revoked. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "handlers.h"
#include "log.h"

enum { K_NAME, K_EXPIRES_AT, K_COUNT };

static const struct field_spec key_fields[K_COUNT] = {
	[K_NAME] = {.name = "name", .type = FIELD_STRING, .required = 1, .min_len = 1, .max_len = 100},
	[K_EXPIRES_AT] = {.name = "expires_at", .type = FIELD_TIME, .nullable = 1},
};

/* expires_at, when given, must lie in the future (both are canonical UTC text: compare as such). */
static void expiry_check(struct ctx *c, const struct field_value *v)
{
	if (!v->present || v->is_null || !v->time[0])
		return;
	char now[TIME_TEXT_MAX];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
	if (strcmp(v->time, now) <= 0)
		problems_add(&c->problems, "body", "expires_at", "datetime_future",
		             "Input should be in the future");
}

void api_key_create(struct ctx *c)
{
	/* A key cannot mint keys: a leaked one must not outlive its own revocation. */
	if (session_token_or_reply(c) != 0)
		return;
	struct field_value v[K_COUNT];
	body_parse(c, key_fields, K_COUNT, v);
	expiry_check(c, &v[K_EXPIRES_AT]);
	if (c->problems.count) {
		reply_problems(c);
		return;
	}
	char key[API_KEY_LEN + 1], prefix[API_KEY_PREFIX_LEN + 1], hash[SHA256_HEX_LEN + 1];
	if (api_key_new(key) != 0) {
		log_error(NULL, "getrandom failed");
		http_error(c->res, 500, "Internal server error");
		return;
	}
	memcpy(prefix, key, API_KEY_PREFIX_LEN);
	prefix[API_KEY_PREFIX_LEN] = '\0';
	crypto_sha256_hex(key, API_KEY_LEN, hash);
	const struct field_value *exp = &v[K_EXPIRES_AT];
	const char *params[] = {c->caller, v[K_NAME].str, prefix, hash,
	                        exp->present && !exp->is_null ? exp->time : NULL};
	PGresult *r = db_or_reply(c, STMT_API_KEY_CREATE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		json_api_key(&w, r, 0, CALLER_NCOLS, key);
		http_header(c->res, "Cache-Control", "no-store");
		reply_created(c, "/api/v1/api-keys", PQgetvalue(r, 0, CALLER_NCOLS + API_KEY_ID));
	}
	PQclear(r);
	memset(key, 0, sizeof key);
}

void api_key_list(struct ctx *c)
{
	if (auth_token_or_reply(c) != 0)
		return;
	PGresult *r = db_or_reply(c, STMT_API_KEY_LIST, (const char *const[]){c->caller});
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		struct jsonw w = body_writer(c);
		jsonw_arr_open(&w, NULL);
		for (int i = 0, n = PQntuples(r); i < n; i++) {
			if (!PQgetisnull(r, i, CALLER_NCOLS + API_KEY_ID))
				json_api_key(&w, r, i, CALLER_NCOLS, NULL);
		}
		jsonw_arr_close(&w);
		http_header(c->res, "Cache-Control", "no-store");
		reply_json(c, 200);
	}
	PQclear(r);
}

void api_key_delete(struct ctx *c)
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
	PGresult *r = db_or_reply(c, STMT_API_KEY_DELETE, params);
	if (!r)
		return;
	if (caller_or_reply(c, r) == 0) {
		if (PQgetvalue(r, 0, CHANGED_COUNT)[0] == '0')
			http_error(c->res, 404, "API key not found");
		else
			http_no_content(c->res);
	}
	PQclear(r);
}
