/*
 * taskapi: the Task Management API as a FastCGI application.
 *   taskapi serve    master on the listen socket at fd 0 (as spawn-fcgi starts it), or
 *                    on TASKAPI_LISTEN (host:port or a socket path) when that is set
 *   taskapi worker   one worker (the master execs these)
 *   taskapi migrate  apply the SQL migrations in TASKAPI_SQL_DIR to DATABASE_URL
 *   taskapi sql NAME     print a prepared statement's SQL (for EXPLAIN and pgbench)
 *   taskapi hash-rate [COST] [SECONDS]   bcrypt hashes per second on one core
 *   taskapi user create [--admin] --username U --email E [--full-name F] < password
 *   taskapi import --from URL   bring over the users and tasks of a FastAPI-era database
 *   taskapi explain list|stats USER_ID [QUERY]
 *                    EXPLAIN ANALYZE of the statement GET /api/v1/tasks/?QUERY (or
 *                    /tasks/stats?QUERY) runs for that user, as a worker plans it
 *   taskapi version
 */
#include <fcgiapp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "server.h"
#include "task_query.h"

static int usage(void)
{
	fprintf(stderr, "usage: taskapi serve | worker | migrate | user create ... | import --from URL | sql NAME | "
	                "hash-rate [COST] [SECONDS] | explain list|stats USER_ID [QUERY] | version\n");
	return 2;
}

static int print_sql(const char *name)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		if (strcmp(statements[i].name, name) == 0) {
			printf("%s\n", statements[i].sql);
			return 0;
		}
	}
	fprintf(stderr, "taskapi: no statement named %s\n", name);
	return 1;
}

/* The login ceiling: how many bcrypt verifications one core does per second. */
static int hash_rate(int cost, double seconds)
{
	char hash[PASSWORD_HASH_MAX];
	if (password_hash("Bench-password-1", cost, hash) != 0)
		return 1;
	struct timespec start;
	long n = 0;
	double elapsed;
	start = clock_now();
	do {
		n += password_verify("Bench-password-1", hash);
		elapsed = clock_seconds_since(&start);
	} while (elapsed < seconds);
	printf("%.2f\n", (double)n / elapsed);
	return 0;
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

/* `taskapi explain`: the plan of the list or stats statement for a user and a query string. */
static int explain(int argc, char **argv)
{
	long long user;
	if (argc < 4 || argc > 5 || query_parse_int(argv[3], &user) != 0 || user < 1 ||
	    (strcmp(argv[2], "list") != 0 && strcmp(argv[2], "stats") != 0))
		return usage();
	const char *query = argc == 5 ? argv[4] : "";
	/* $1 as an access token of that user would make it (CALLER_CTE): id, a jti, issued now;
	   cursors are bound to "user:<id>", as the API binds them for a token. */
	char caller[96], holder[40];
	snprintf(caller, sizeof caller, "{\"%lld\",\"taskapi-explain\",\"%lld\",NULL,NULL,NULL}", user,
	         (long long)time(NULL));
	snprintf(holder, sizeof holder, "user:%lld", user);
	struct arena a = {0};
	struct problems p = {0};
	int rc = 1;
	if (db_connect() != DB_OK) {
		fprintf(stderr, "taskapi: cannot reach the database (see the log)\n");
	} else if (strcmp(argv[2], "stats") == 0) {
		long long owner = query_get_int(&a, query, "owner_id", 0, 1, 1LL << 62, &p);
		char sowner[24];
		snprintf(sowner, sizeof sowner, "%lld", owner);
		const char *params[] = {caller, owner ? sowner : NULL};
		rc = p.count ? 2 : db_explain(STMT_TASK_STATS, params, 10) == 0 ? 0 : 1;
	} else {
		struct task_query tq;
		struct task_query_text text;
		const char *params[TASK_LIST_NPARAMS];
		task_query_parse(&a, query, holder, cfg.jwt_keys, cfg.jwt_key_count, &tq, &p);
		task_query_params(&tq, caller, &text, params);
		/* Without a sort the handler may run a second statement (the preferred sort's): this
		   explains the first only; give sort= to see another. */
		rc = p.count ? 2 : db_explain(task_list_statement(&tq, tq.sort), params, 10) == 0 ? 0 : 1;
	}
	for (int i = 0; i < p.count; i++)
		fprintf(stderr, "taskapi: query parameter %s: %s\n", p.list[i].field, p.list[i].msg);
	db_close();
	arena_free(&a);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "sql") == 0)
		return argc == 3 ? print_sql(argv[2]) : usage();
	if (strcmp(cmd, "hash-rate") == 0)
		return hash_rate(argc > 2 ? atoi(argv[2]) : 12, argc > 3 ? atof(argv[3]) : 3.0);
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
	if (strcmp(cmd, "user") == 0 && argc >= 3 && strcmp(argv[2], "create") == 0)
		return cli_user_create(argc - 3, argv + 3);
	if (strcmp(cmd, "import") == 0)
		return cli_import(argc - 2, argv + 2);
	if (strcmp(cmd, "explain") == 0)
		return explain(argc, argv);
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "worker") != 0)
		return usage();
	log_set_level((enum log_level)cfg.log_level);
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
