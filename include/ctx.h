/* A request as the handlers see it: what came in, the answer being made, the caller. */
#ifndef TASKAPI_CTX_H
#define TASKAPI_CTX_H

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "problems.h"
#include "router.h"

struct json_object;

struct ctx {
	const struct http_request *req;
	struct http_response *res;
	struct arena *arena;
	const struct route_match *match;
	int authenticated;          /* a valid token or well-formed API key was presented */
	int via_api_key;            /* ... and it was an API key (api_key_prefix names it) */
	int caller_ok;              /* the statement confirmed the caller (caller_or_reply passed) */
	struct token_claims claims; /* of an access token */
	char api_key_prefix[API_KEY_PREFIX_LEN + 1];
	char caller[320];  /* the credential as a text array: statement parameter $1 */
	long long user_id; /* for the log; 0 when unknown */
	struct problems problems;
	struct json_object *body; /* the parsed body, released when the request ends */
	struct db_request db;     /* read routing in, consistency token out */
	struct idempotency {
		int active;    /* a key is reserved for this request: store its answer */
		char user[24]; /* the key's scope: the caller, "0" when anonymous */
		const char *key;
		char attempt[33]; /* this request's claim on the key */
	} idem;
};

#endif
