/* The request path the CGI way: route path and mount prefix from the front end's variables. */
#include "cgi.h"

#include <string.h>

static int given(const char *s)
{
	return s && *s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The path of a raw request target, percent-decoded; NULL when it decodes to a NUL. */
static char *request_uri_path(struct arena *a, const char *uri)
{
	size_t n = strcspn(uri, "?#");
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (uri[i] == '%' && i + 2 < n && (hi = hexval(uri[i + 1])) >= 0 &&
		    (lo = hexval(uri[i + 2])) >= 0) {
			if (hi == 0 && lo == 0)
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = uri[i];
		}
	}
	*o = '\0';
	return out;
}

/* Characters a prefix may have to go into a cookie's Path and a Link header as is. */
static int prefix_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("/._~-", c)))
			return 0;
	}
	return 1;
}

/* The client's whole path: NGINX's DOCUMENT_URI, else SCRIPT_NAME + PATH_INFO, else REQUEST_URI. */
static const char *full_path(const struct cgi_path_vars *v, struct arena *a)
{
	if (given(v->document_uri))
		return v->document_uri;
	if (given(v->script_name) || given(v->path_info)) {
		const char *s = given(v->script_name) ? v->script_name : "";
		const char *p = given(v->path_info) ? v->path_info : "";
		size_t ls = strlen(s), lp = strlen(p);
		char *out = arena_alloc(a, ls + lp + 1);
		memcpy(out, s, ls);
		memcpy(out + ls, p, lp + 1);
		return out;
	}
	if (given(v->request_uri))
		return request_uri_path(a, v->request_uri);
	return NULL;
}

/* The path as the client sent it, for finding the prefix in front of PATH_INFO. */
static const char *client_path(const struct cgi_path_vars *v, struct arena *a)
{
	if (given(v->document_uri))
		return v->document_uri;
	if (given(v->request_uri))
		return request_uri_path(a, v->request_uri);
	return NULL;
}

/* Without a configured mount: PATH_INFO is the route, the rest of the client's path the prefix. */
static void detected(const struct cgi_path_vars *v, struct arena *a, const char **path,
                     const char **base)
{
	if (!given(v->path_info)) {
		const char *p = full_path(v, a);
		*path = p && *p ? p : "/";
		return;
	}
	*path = v->path_info;
	const char *client = client_path(v, a);
	size_t lc = client ? strlen(client) : 0, lp = strlen(v->path_info);
	const char *prefix = given(v->script_name) ? v->script_name : "";
	size_t n = strlen(prefix);
	if (client && lc >= lp && strcmp(client + lc - lp, v->path_info) == 0) {
		prefix = client; /* a rewrite (front controller) hides the script name from clients */
		n = lc - lp;
	}
	while (n > 0 && prefix[n - 1] == '/')
		n--;
	if (n > 0 && prefix[0] == '/' && n < CGI_MOUNT_MAX && prefix_safe(prefix, n))
		*base = arena_strndup(a, prefix, n);
}

void cgi_path(const struct cgi_path_vars *v, const char *mount, struct arena *a, const char **path,
              const char **base)
{
	*path = "/";
	*base = "";
	if (!given(mount)) {
		detected(v, a, path, base);
		return;
	}
	const char *p = full_path(v, a);
	size_t n = strlen(mount);
	if (!p || !*p)
		return;
	*path = p;
	if (strncmp(p, mount, n) == 0 && (p[n] == '/' || p[n] == '\0')) {
		*path = p[n] ? p + n : "/";
		*base = mount;
	}
}

int cgi_mount_parse(const char *s, char out[CGI_MOUNT_MAX])
{
	out[0] = '\0';
	if (!s || !*s)
		return 0;
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	if (s[0] != '/' || n >= CGI_MOUNT_MAX || !prefix_safe(s, n))
		return -1;
	if (n == 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '/')
			continue;
		size_t seg = strcspn(s + i + 1, "/");
		if (i + 1 + seg > n)
			seg = n - i - 1;
		if (seg == 0 || (seg == 1 && s[i + 1] == '.') || (seg == 2 && strncmp(s + i + 1, "..", 2) == 0))
			return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}
