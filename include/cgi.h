/*
 * The request path the CGI way (RFC 3875): what the router sees and under which prefix
 * the application is mounted, from the variables each front end passes. Pure functions,
 * so every server's variable set is unit-tested (tests/unit/test_cgi_path.c).
 */
#ifndef TASKAPI_CGI_H
#define TASKAPI_CGI_H

#include <stddef.h>

#include "arena.h"

/* The variables that carry the path; NULL (or "") when the front end does not send one. */
struct cgi_path_vars {
	const char *document_uri; /* NGINX: the whole decoded path ($document_uri) */
	const char *script_name;  /* the mount point, or (NGINX, mod_proxy_fcgi) the whole path */
	const char *path_info;    /* the path below the mount point */
	const char *request_uri;  /* the raw request target, query string included */
};

#define CGI_MOUNT_MAX 256

/*
 * Derives the route path and the mount prefix ("" at the root, else "/prefix" without a
 * trailing slash). mount is the configured prefix (TASKAPI_MOUNT, "" when none): a path
 * under it loses it. Without one, the prefix is what the client's path has before
 * PATH_INFO (which also hides a front controller's script name, as in an .htaccess
 * rewrite to taskapi.fcgi/$1). A detected prefix with characters unsafe in a header
 * (cookie Path, Link) is dropped. Strings are allocated in a.
 */
void cgi_path(const struct cgi_path_vars *v, const char *mount, struct arena *a, const char **path,
              const char **base);

/*
 * Normalises a configured mount prefix into out: "" for none or "/", else "/a/b" without
 * a trailing slash. -1 when it does not start with '/', has "//", "." or ".." segments,
 * or characters other than [A-Za-z0-9._~-/], or is too long.
 */
int cgi_mount_parse(const char *s, char out[CGI_MOUNT_MAX]);

#endif
