/*
 * The request and response as handlers see them. Only src/fcgi.c speaks FastCGI;
 * everything else reads a struct http_request and fills a struct http_response.
 */
#ifndef TASKAPI_HTTP_H
#define TASKAPI_HTTP_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"

#define HTTP_BODY_MAX (1024 * 1024)

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_HEAD,
	HTTP_OTHER,
	HTTP_METHOD_COUNT
};

struct http_request {
	enum http_method method;
	const char *method_name;
	const char *path; /* decoded path below the mount prefix, without the query string */
	const char *base; /* the mount prefix ("" at the root, else "/prefix"): for links and cookies */
	const char *remote_addr; /* REMOTE_ADDR, NULL when not given */
	const char *query;       /* raw query string, "" when absent */
	const char *authorization;
	const char *api_key; /* X-API-Key */
	const char *origin;
	const char *preflight_method; /* Access-Control-Request-Method */
	const char *preflight_headers;
	const char *request_id;
	const char *consistency_token; /* X-Consistency-Token */
	const char *cookie;            /* the raw Cookie header */
	const char *if_match;          /* conditional requests (ETag) */
	const char *if_none_match;
	const char *idempotency_key; /* Idempotency-Key, on POSTs that create something */
	const char *content_type;    /* Content-Type; NULL when absent */
	const char *body;
	size_t body_len;
	long long content_length; /* -1 when not given */
};

struct http_response {
	int status;
	struct buf headers; /* extra header lines, each ending in \r\n */
	struct buf body;
	int no_body;              /* 204 and preflights */
	const char *content_type; /* NULL: application/json; charset=utf-8 */
	/* A body too large to hold (a report download): when stream is set, body is not sent;
	   after the head (Content-Length: stream_len) stream(stream_arg, put, out) writes the
	   body piece by piece through put(out, data, len). */
	void (*stream)(void *arg, void (*put)(void *out, const char *data, size_t len), void *out);
	void *stream_arg;
	long long stream_len;
};

enum http_method http_method_parse(const char *name);
const char *http_method_name(enum http_method m);
const char *http_status_text(int status);
/* Whether a body of this Content-Type is read as JSON: absent (as FastAPI does),
   application/json or application/<anything>+json, parameters allowed. */
int http_json_content_type(const char *content_type);

void http_header(struct http_response *r, const char *name, const char *value);
/* {"detail":"<message>"} */
void http_error(struct http_response *r, int status, const char *message);
/* 401 with WWW-Authenticate: Bearer */
void http_unauthorized(struct http_response *r, const char *message);
void http_no_content(struct http_response *r);
/* 304 with the ETag and no body. */
void http_not_modified(struct http_response *r, const char *etag);
void http_response_reset(struct http_response *r);
/*
 * Copies the value of cookie name from a Cookie header ("a=1; b=2") into out (quotes
 * removed); 0 when found and it fits, -1 otherwise.
 */
int http_cookie_get(const char *cookie, const char *name, char *out, size_t n);

#define HTTP_REQUEST_ID_MAX 128
/* 1 when s is a sane request id: 1..HTTP_REQUEST_ID_MAX of [A-Za-z0-9._:-] (as NGINX's map). */
int http_request_id_valid(const char *s);

/* ==== Entity tags ==== */

#define ETAG_MAX 48
/* The ETag of a task: "<id>-<version>" (quotes included). */
void etag_format(char out[ETAG_MAX], const char *id, const char *version);
/* If-None-Match (weak comparison, "*" matches anything): 1 when etag is listed. */
int etag_none_match(const char *header, const char *etag);
/*
 * If-Match (strong comparison) for the task with this id: writes the versions it names
 * into out as a PostgreSQL array literal ("{3,4}"; "{}" when none of its tags is one of
 * this task's) for the statements' version condition. Returns 1 for "*" (any version:
 * no condition), 0 otherwise.
 */
int etag_match_versions(const char *header, long long id, char *out, size_t n);

#endif
