/*
 * The listen socket: fd 0 as spawn-fcgi, mod_fcgid and lighttpd's bin-path hand it over,
 * fd 3 from systemd socket activation (LISTEN_FDS), or one the master opens itself from
 * TASKAPI_LISTEN (a TCP host:port, [IPv6]:port or a unix socket path with its owner,
 * group and mode).
 */
#ifndef TASKAPI_LISTEN_H
#define TASKAPI_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

#define LISTEN_BACKLOG 1024

struct listen_addr {
	int is_unix;
	char host[256];     /* TCP: the host or address ("" for every interface) */
	char port[8];       /* TCP: 1..65535 */
	char path[108];     /* unix: the socket's path */
	int all_interfaces; /* TCP on every interface (0.0.0.0, [::], *, or no host) */
};

/* Parses TASKAPI_LISTEN; -1 with the reason in err when it is not a usable address. */
int listen_parse(const char *s, struct listen_addr *out, char *err, size_t n);
/*
 * Binds and listens on a; a unix socket gets mode, then owner/group (-1: unchanged).
 * Returns the fd, or -1 with the reason in err.
 */
int listen_open(const struct listen_addr *a, unsigned mode, uid_t owner, gid_t group, char *err,
                size_t n);
/*
 * systemd socket activation: when LISTEN_PID is this process and LISTEN_FDS >= 1, moves
 * fd 3 to fd 0 and clears the variables (the workers must not take them as theirs).
 * 1 when it did, 0 when not activated by systemd.
 */
int listen_from_systemd(void);
/* The connections waiting in fd's accept queue and the queue's limit (TCP or unix);
   -1 when fd is not a listening socket or the kernel does not say. */
int listen_queue(int fd, long *len, long *max);
/* 1 when fd is a listening socket (SO_ACCEPTCONN). */
int listen_is_listening(int fd);

#endif
