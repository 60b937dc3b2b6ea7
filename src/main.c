/*
 * taskapi: the Task Management API as a FastCGI application.
 *   taskapi serve    master on the listen socket at fd 0 (as spawn-fcgi starts it), or
 *                    on TASKAPI_LISTEN (host:port or a socket path) when that is set
 *   taskapi worker   one worker (the master execs these)
 *   taskapi migrate  apply the SQL migrations in TASKAPI_SQL_DIR to DATABASE_URL
 *   taskapi version
 */
#include <fcgiapp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "server.h"

static int usage(void)
{
	fprintf(stderr, "usage: taskapi serve | worker | migrate | version\n");
	return 2;
}

/* With TASKAPI_LISTEN the master opens its own socket and puts it at fd 0. */
static int listen_socket(void)
{
	const char *addr = getenv("TASKAPI_LISTEN");
	if (!addr || !*addr)
		return 0;
	int fd = FCGX_OpenSocket(addr, 1024);
	if (fd < 0 || dup2(fd, 0) < 0) {
		fprintf(stderr, "taskapi: cannot listen on %s\n", addr);
		return -1;
	}
	if (fd != 0)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "version") == 0) {
		printf("taskapi %s\n", TASKAPI_BUILD_ID);
		return 0;
	}
	char err[256];
	if (config_load(&cfg, err, sizeof err) != 0) {
		fprintf(stderr, "taskapi: refusing to start: %s\n", err);
		return 1;
	}
	if (strcmp(cmd, "migrate") == 0)
		return db_migrate(cfg.database_url, cfg.sql_dir) == 0 ? 0 : 1;
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "worker") != 0)
		return usage();
	if (log_open(cfg.log_file) != 0)
		fprintf(stderr, "taskapi: cannot open log file %s; logging to stderr\n", cfg.log_file);
	if (strcmp(cmd, "worker") == 0)
		return worker_run();

	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		fprintf(stderr, "taskapi: cannot find own path\n");
		return 1;
	}
	self[n] = '\0';
	if (listen_socket() != 0)
		return 1;
	return master_run(self);
}
