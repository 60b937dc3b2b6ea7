/* Response helpers shared by every handler; nothing here knows about FastCGI. */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jsonw.h"

static const char *const method_names[HTTP_METHOD_COUNT] = {
	[HTTP_GET] = "GET",       [HTTP_POST] = "POST",       [HTTP_PUT] = "PUT",   [HTTP_PATCH] = "PATCH",
	[HTTP_DELETE] = "DELETE", [HTTP_OPTIONS] = "OPTIONS", [HTTP_HEAD] = "HEAD", [HTTP_OTHER] = "OTHER",
};

enum http_method http_method_parse(const char *name)
{
	for (int m = 0; m < HTTP_OTHER; m++)
		if (name && strcmp(name, method_names[m]) == 0)
			return (enum http_method)m;
	return HTTP_OTHER;
}

const char *http_method_name(enum http_method m)
{
	return m < HTTP_METHOD_COUNT ? method_names[m] : "OTHER";
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

int http_json_content_type(const char *ct)
{
	if (!ct)
		return 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	if (n >= 12 && strncasecmp(ct, "application/", 12) == 0) {
		const char *sub = ct + 12;
		size_t m = n - 12;
		return (m == 4 && strncasecmp(sub, "json", 4) == 0) ||
		       (m > 5 && strncasecmp(sub + m - 5, "+json", 5) == 0);
	}
	return 0;
}

void http_header(struct http_response *r, const char *name, const char *value)
{
	buf_puts(&r->headers, name);
	buf_append(&r->headers, ": ", 2);
	buf_puts(&r->headers, value);
	buf_append(&r->headers, "\r\n", 2);
}

void http_error(struct http_response *r, int status, const char *message)
{
	buf_reset(&r->body);
	struct jsonw w;
	jsonw_start(&w, &r->body);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "detail", message);
	jsonw_obj_close(&w);
	r->status = status;
}

void http_unauthorized(struct http_response *r, const char *message)
{
	http_error(r, 401, message);
	http_header(r, "WWW-Authenticate", "Bearer");
}

void http_no_content(struct http_response *r)
{
	buf_reset(&r->body);
	r->status = 204;
	r->no_body = 1;
}

void http_not_modified(struct http_response *r, const char *etag)
{
	buf_reset(&r->body);
	r->status = 304;
	r->no_body = 1;
	http_header(r, "ETag", etag);
}

void http_response_reset(struct http_response *r)
{
	r->status = 200;
	r->no_body = 0;
	r->content_type = NULL;
	r->stream = NULL;
	r->stream_arg = NULL;
	buf_reset(&r->headers);
	buf_reset(&r->body);
}

int http_request_id_valid(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++) {
		char ch = s[n];
		if (n >= HTTP_REQUEST_ID_MAX ||
		    !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == ':' || ch == '-'))
			return 0;
	}
	return n > 0;
}

int http_cookie_get(const char *cookie, const char *name, char *out, size_t n)
{
	size_t name_len = strlen(name);
	for (const char *p = cookie; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		size_t pair = strcspn(p, ";");
		const char *eq = memchr(p, '=', pair);
		if (eq && (size_t)(eq - p) == name_len && memcmp(p, name, name_len) == 0) {
			const char *v = eq + 1;
			size_t len = pair - (size_t)(v - p);
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
				v++;
				len -= 2;
			}
			if (len >= n)
				return -1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 0;
		}
		p += pair;
	}
	return -1;
}

/* ==== Entity tags ==== */

void etag_format(char out[ETAG_MAX], const char *id, const char *version)
{
	snprintf(out, ETAG_MAX, "\"%s-%s\"", id, version);
}

/* Next entity-tag of a comma-separated list: sets *tag and *len to the quoted tag (quotes
   included) and *weak; returns the rest, or NULL at the end. "*" is returned as is. */
static const char *next_tag(const char *p, const char **tag, size_t *len, int *weak)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (!*p)
		return NULL;
	*weak = 0;
	if (p[0] == 'W' && p[1] == '/') {
		*weak = 1;
		p += 2;
	}
	const char *start = p;
	if (*p == '"') {
		const char *close = strchr(p + 1, '"');
		p = close ? close + 1 : p + strlen(p);
	} else {
		p += strcspn(p, ", \t");
	}
	*tag = start;
	*len = (size_t)(p - start);
	return p;
}

int etag_none_match(const char *header, const char *etag)
{
	const char *tag;
	size_t len, want = strlen(etag);
	int weak;
	for (const char *p = header; p && (p = next_tag(p, &tag, &len, &weak));) {
		if ((len == 1 && tag[0] == '*') || (len == want && memcmp(tag, etag, len) == 0))
			return 1;
	}
	return 0;
}

/* Reads "<digits>-<digits>" (n bytes) into id and version; -1 when it is not that. */
static int parse_tag(const char *s, size_t n, long long *id, long long *version)
{
	long long v[2] = {0, 0};
	int part = 0, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' && part == 0 && digits > 0) {
			part = 1;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 18) {
			v[part] = v[part] * 10 + (s[i] - '0');
			digits++;
		} else {
			return -1;
		}
	}
	if (part != 1 || digits == 0 || v[1] < 1)
		return -1;
	*id = v[0];
	*version = v[1];
	return 0;
}

int etag_match_versions(const char *header, long long id, char *out, size_t n)
{
	const char *tag;
	size_t len, used = 0;
	int weak;
	out[0] = '\0';
	if (n < 3)
		return 0;
	out[used++] = '{';
	for (const char *p = header; p && (p = next_tag(p, &tag, &len, &weak));) {
		if (len == 1 && tag[0] == '*' && !weak)
			return 1;
		/* Ours look like "<id>-<version>"; a weak tag never matches strongly. */
		long long tag_id, version;
		if (weak || len < 2 || tag[0] != '"' || tag[len - 1] != '"' ||
		    parse_tag(tag + 1, len - 2, &tag_id, &version) != 0 || tag_id != id)
			continue;
		char num[24];
		int w = snprintf(num, sizeof num, "%s%lld", used > 1 ? "," : "", version);
		if (w < 0 || used + (size_t)w + 2 > n)
			break;
		memcpy(out + used, num, (size_t)w);
		used += (size_t)w;
	}
	out[used++] = '}';
	out[used] = '\0';
	return 0;
}
