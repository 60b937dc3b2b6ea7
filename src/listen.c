/* The listen socket: from spawn-fcgi (fd 0), systemd (fd 3) or TASKAPI_LISTEN. */
#include "listen.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int parse_port(const char *s, char out[8])
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return -1;
	long p = strtol(s, NULL, 10);
	if (p < 1 || p > 65535)
		return -1;
	snprintf(out, 8, "%ld", p);
	return 0;
}

static int parse_tcp(const char *s, struct listen_addr *out, char *err, size_t n)
{
	const char *colon;
	size_t hostlen;
	const char *host = s;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':') {
			snprintf(err, n, "TASKAPI_LISTEN: \"%s\": write an IPv6 address as [::1]:8000", s);
			return -1;
		}
		host = s + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		hostlen = (size_t)(colon - s);
		if (memchr(s, ':', hostlen)) {
			snprintf(err, n, "TASKAPI_LISTEN: \"%s\": write an IPv6 address in brackets, as [::1]:8000",
			         s);
			return -1;
		}
	}
	if (hostlen >= sizeof out->host || parse_port(colon + 1, out->port) != 0) {
		snprintf(err, n, "TASKAPI_LISTEN: \"%s\": the port must be a number from 1 to 65535", s);
		return -1;
	}
	memcpy(out->host, host, hostlen);
	out->host[hostlen] = '\0';
	if (strcmp(out->host, "*") == 0)
		out->host[0] = '\0';
	out->all_interfaces = !out->host[0] || strcmp(out->host, "0.0.0.0") == 0 ||
	                      strcmp(out->host, "::") == 0;
	return 0;
}

int listen_parse(const char *s, struct listen_addr *out, char *err, size_t n)
{
	memset(out, 0, sizeof *out);
	if (!s || !*s) {
		snprintf(err, n, "TASKAPI_LISTEN is empty");
		return -1;
	}
	if (s[0] == '/' || s[0] == '.' || !strchr(s, ':')) {
		if (strspn(s, "0123456789") == strlen(s)) {
			snprintf(err, n,
			         "TASKAPI_LISTEN: \"%s\" looks like a port: write 127.0.0.1:%s (or :%s "
			         "for every interface)",
			         s, s, s);
			return -1;
		}
		if (strlen(s) >= sizeof out->path) {
			snprintf(err, n, "TASKAPI_LISTEN: a unix socket path must be shorter than %zu bytes",
			         sizeof out->path);
			return -1;
		}
		out->is_unix = 1;
		snprintf(out->path, sizeof out->path, "%s", s);
		return 0;
	}
	return parse_tcp(s, out, err, n);
}

static int open_unix(const struct listen_addr *a, unsigned mode, uid_t owner, gid_t group, char *err,
                     size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", a->path);
	struct stat st;
	if (lstat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(a->path); /* a stale socket of an earlier run */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, n, "cannot bind %s: %s", a->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* the mode from the setting, not the umask; then the owner, so www-data can connect */
	if (chmod(a->path, mode) != 0 ||
	    ((owner != (uid_t)-1 || group != (gid_t)-1) && chown(a->path, owner, group) != 0)) {
		snprintf(err, n, "cannot set the mode or owner of %s: %s", a->path, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, LISTEN_BACKLOG) != 0) {
		snprintf(err, n, "cannot listen on %s: %s", a->path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int open_tcp(const struct listen_addr *a, char *err, size_t n)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	int rc = getaddrinfo(a->host[0] ? a->host : NULL, a->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, n, "cannot resolve %s: %s", a->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1, e = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, n, "cannot listen on %s:%s: %s", a->host[0] ? a->host : "*", a->port,
		         strerror(e ? e : EADDRNOTAVAIL));
	return fd;
}

int listen_open(const struct listen_addr *a, unsigned mode, uid_t owner, gid_t group, char *err,
                size_t n)
{
	return a->is_unix ? open_unix(a, mode, owner, group, err, n) : open_tcp(a, err, n);
}

int listen_from_systemd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return 0;
	if (dup2(3, 0) < 0)
		return 0;
	close(3);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 1;
}

int listen_is_listening(int fd)
{
	int on = 0;
	socklen_t len = sizeof on;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

/* A unix listening socket's queue, from the kernel's sock_diag (what `ss -xl` shows). */
static int unix_queue(int fd, long *len, long *max)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -1;
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} q = {.h = {.nlmsg_len = sizeof q,
	             .nlmsg_type = SOCK_DIAG_BY_FAMILY,
	             .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	       .r = {.sdiag_family = AF_UNIX,
	             .udiag_states = 1u << 10 /* TCP_LISTEN */,
	             .udiag_show = UDIAG_SHOW_RQLEN}};
	int found = -1;
	if (send(nl, &q, sizeof q, 0) == (ssize_t)sizeof q) {
		long buf[8192 / sizeof(long)];
		ssize_t n;
		while (found < 0 && (n = recv(nl, buf, sizeof buf, 0)) > 0) {
			struct nlmsghdr *h = (struct nlmsghdr *)buf;
			for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
				if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
					goto done;
				struct unix_diag_msg *m = NLMSG_DATA(h);
				if (m->udiag_ino != st.st_ino)
					continue;
				struct rtattr *a = (struct rtattr *)(m + 1);
				size_t left = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
				for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
					if (a->rta_type == UNIX_DIAG_RQLEN) {
						struct unix_diag_rqlen *rq = RTA_DATA(a);
						*len = rq->udiag_rqueue;
						*max = rq->udiag_wqueue;
						found = 0;
					}
				}
			}
		}
	}
done:
	close(nl);
	return found;
}

int listen_queue(int fd, long *len, long *max)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof sa;
	if (!listen_is_listening(fd) || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	if (sa.ss_family == AF_UNIX)
		return unix_queue(fd, len, max);
	/* A listening TCP socket reports its accept queue as unacked and the backlog as sacked. */
	struct tcp_info ti;
	socklen_t tl = sizeof ti;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0)
		return -1;
	*len = ti.tcpi_unacked;
	*max = ti.tcpi_sacked;
	return 0;
}
