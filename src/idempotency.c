/*
 * Idempotency-Key on POSTs that create something. The key is reserved first: a row
 * (user, key) committed 'in_flight' before the work, so of two requests with one key
 * only one does the work, whatever the timing (the primary key decides). The answer is
 * then stored with the row, and a retry with the same key and body within 24 hours gets
 * it back, marked Idempotent-Replayed: true, without anything created again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "crypto.h"
#include "handlers.h"
#include "log.h"

#define KEY_MAX 255

/* SHA-256 of what makes two requests "the same": method, path and body bytes, as a
   bytea literal ("\x...") for the statement. */
static void request_hash(const struct http_request *req, char out[2 + SHA256_HEX_LEN + 1])
{
	const struct crypto_part parts[] = {
		{req->method_name, strlen(req->method_name)},
		{"\n", 1},
		{req->path, strlen(req->path)},
		{"\n", 1},
		{req->body, req->body_len},
	};
	unsigned char md[SHA256_LEN];
	crypto_sha256_parts(parts, (int)(sizeof parts / sizeof *parts), md);
	out[0] = '\\';
	out[1] = 'x';
	crypto_hex(md, sizeof md, out + 2);
}

/* 422 unless the key is 1..255 visible ASCII characters. */
static int key_or_reply(struct ctx *c, const char *key)
{
	size_t n = strlen(key);
	int ok = n >= 1 && n <= KEY_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = key[i] > ' ' && key[i] < 0x7f;
	if (ok)
		return 0;
	problems_add(&c->problems, "header", "Idempotency-Key", "value_error",
	             "Value error, an idempotency key is 1 to %d visible ASCII characters", KEY_MAX);
	reply_problems(c);
	return -1;
}

/* A replayed 201 carries the Location of the resource it created: the id of its stored body. */
static void replay_location(struct ctx *c, const char *collection)
{
	struct json_object *o = json_tokener_parse(c->res->body.data ? c->res->body.data : ""), *id;
	if (o && json_object_object_get_ex(o, "id", &id) && json_object_is_type(id, json_type_int)) {
		char s[24];
		snprintf(s, sizeof s, "%lld", (long long)json_object_get_int64(id));
		location_header(c, collection, s);
	}
	json_object_put(o);
}

int idempotency_begin_or_reply(struct ctx *c, const char *caller, const char *collection)
{
	const char *key = c->req->idempotency_key;
	if (!key)
		return 0;
	if (key_or_reply(c, key) != 0)
		return -1;
	unsigned char raw[16];
	if (crypto_random(raw, sizeof raw) != 0) {
		log_error(NULL, "idempotency: no random bytes");
		http_error(c->res, 500, "Internal server error");
		return -1;
	}
	struct idempotency *k = &c->idem;
	k->key = key;
	crypto_hex(raw, sizeof raw, k->attempt);
	char hash[2 + SHA256_HEX_LEN + 1];
	request_hash(c->req, hash);

	const char *params[] = {caller, key, hash, k->attempt};
	PGresult *r = db_or_reply(c, STMT_IDEM_BEGIN, params);
	if (!r)
		return -1;
	int answered = -1;
	if (caller && caller_or_reply(c, r) != 0) {
		PQclear(r); /* 401/403 answered */
		return -1;
	}
	/* The key's scope: the user the credential belongs to, or 0 (anonymous). */
	snprintf(k->user, sizeof k->user, "%s", PQntuples(r) ? PQgetvalue(r, 0, CALLER_ID) : "0");
	if (PQgetvalue(r, 0, IDEM_RESERVED)[0] == '1') {
		k->active = 1; /* ours: do the work */
		answered = 0;
	} else if (PQgetisnull(r, 0, IDEM_SAME_REQUEST)) {
		/* Taken by a request this statement's snapshot cannot see yet: it just started. */
		http_error(c->res, 409, "A request with this Idempotency-Key is already in progress");
	} else if (PQgetvalue(r, 0, IDEM_SAME_REQUEST)[0] != 't') {
		problems_add(&c->problems, "header", "Idempotency-Key", "value_error",
		             "Value error, this idempotency key was used with another request body");
		reply_problems(c);
	} else if (strcmp(PQgetvalue(r, 0, IDEM_STATE), "completed") != 0) {
		http_error(c->res, 409, "A request with this Idempotency-Key is already in progress");
	} else {
		c->res->status = atoi(PQgetvalue(r, 0, IDEM_STATUS));
		buf_reset(&c->res->body);
		buf_append(&c->res->body, PQgetvalue(r, 0, IDEM_BODY), (size_t)PQgetlength(r, 0, IDEM_BODY));
		http_header(c->res, "Idempotent-Replayed", "true");
		if (c->res->status == 201)
			replay_location(c, collection);
	}
	PQclear(r);
	return answered;
}

void idempotency_end(struct ctx *c)
{
	struct idempotency *k = &c->idem;
	if (!k->active)
		return;
	k->active = 0;
	char status[8];
	snprintf(status, sizeof status, "%d", c->res->status);
	PGresult *r = NULL;
	if (c->res->status >= 500) {
		/* Our failure, not the client's: give the key up so that a retry runs again. */
		const char *params[] = {k->user, k->key, k->attempt};
		if (db_run(STMT_IDEM_RELEASE, params, &r, NULL) != DB_OK)
			log_error(NULL, "idempotency: could not release key %s of user %s", k->key, k->user);
	} else {
		const char *params[] = {k->user, k->key, k->attempt, status,
		                        c->res->body.data ? c->res->body.data : ""};
		if (db_run(STMT_IDEM_FINISH, params, &r, NULL) != DB_OK)
			log_error(NULL, "idempotency: could not store the answer for key %s of user %s", k->key,
			          k->user);
	}
	PQclear(r);
}
