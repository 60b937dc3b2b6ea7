/*
 * A refusal to start, where an operator finds it: stderr (spawn-fcgi -n, systemd's
 * journal, a terminal) and syslog, since a daemonized spawn-fcgi points stderr at
 * /dev/null. Apart from log.c, whose level names clash with <syslog.h>'s.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "server.h"

int server_refuse(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "taskapi: refusing to start: %s\n", msg);
	openlog("taskapi", LOG_PID, LOG_DAEMON);
	syslog(LOG_ERR, "refusing to start: %s", msg);
	closelog();
	return EXIT_CONFIG;
}
