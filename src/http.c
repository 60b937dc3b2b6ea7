/* Response helpers shared by every handler; nothing here knows about FastCGI. */
#include "http.h"

#include <string.h>
#include <strings.h>

static const char *const method_names[HTTP_METHOD_COUNT] = {
	[HTTP_GET] = "GET",         [HTTP_POST] = "POST",     [HTTP_PUT] = "PUT",
	[HTTP_PATCH] = "PATCH",     [HTTP_DELETE] = "DELETE", [HTTP_OPTIONS] = "OPTIONS",
	[HTTP_HEAD] = "HEAD",       [HTTP_OTHER] = "OTHER",
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
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void http_header(struct http_response *r, const char *name, const char *value)
{
	buf_puts(&r->headers, name);
	buf_append(&r->headers, ": ", 2);
	buf_puts(&r->headers, value);
	buf_append(&r->headers, "\r\n", 2);
}

void http_status(struct http_response *r, int status)
{
	r->status = status;
}

void http_error(struct http_response *r, int status, const char *message)
{
	buf_reset(&r->body);
	buf_puts(&r->body, "{\"detail\":");
	buf_json_cstr(&r->body, message);
	buf_putc(&r->body, '}');
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

void http_response_reset(struct http_response *r)
{
	r->status = 200;
	r->no_body = 0;
	r->content_type = NULL;
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
