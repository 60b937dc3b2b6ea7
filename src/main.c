/*
 * taskapi: the Task Management API as a FastCGI application. `taskapi --help` lists the
 * commands (serve, worker, migrate, check-config, user create, sql, hash-rate, explain, routes,
 * version, help, work, work-daemon, jobs, import); with no command it is a FastCGI worker on a listening
 * fd 0 or a CGI program answering one request. Help and version are answered before any setting is read.
 */
#include <fcgiapp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "jobs.h"
#include "listen.h"
#include "log.h"
#include "query.h"
#include "server.h"
#include "task_query.h"

/* ==== Help ==== */

struct command {
	const char *name;
	const char *synopsis; /* after "taskapi " */
	const char *help;     /* what it does, lines indented by two spaces */
};

static const struct command commands[] = {
	{"serve", "serve",
     "  The master: preforks TASKAPI_WORKERS workers on the listen socket and supervises them.\n"
     "  The socket is fd 3 under systemd socket activation (LISTEN_FDS), else TASKAPI_LISTEN\n"
     "  when set, else fd 0 as spawn-fcgi passes it. SIGTERM drains, SIGHUP replaces the\n"
     "  workers one at a time, SIGUSR1 reopens the log in the master and every worker.\n"},
	{"worker", "worker",
     "  One FastCGI worker on the listen socket at fd 0 (or fd 3 from systemd), without a\n"
     "  master: for a process manager that runs the workers itself.\n"},
	{"migrate", "migrate",
     "  Applies the SQL migrations in TASKAPI_SQL_DIR to DATABASE_URL, in order, once each.\n"},
	{"check-config", "check-config",
     "  Validates the environment as `serve` would read it, then connects to the database\n"
     "  and reports its schema version. Exit status 0 when both are fine.\n"},
	{"user", "user create [--admin] --username NAME --email EMAIL [--full-name NAME] < password",
     "  Creates an account (an admin with --admin); the password is read from stdin.\n"},
	{"import", "import --from DATABASE_URL",
     "  Brings over the users and tasks of a FastAPI-era database (ids, fields, passwords);\n"
     "  lists what it skips (exit 3). Safe to rerun.\n"},
	{"sql", "sql NAME | --list",
     "  Prints a prepared statement's SQL (for EXPLAIN and pgbench); --list: every name.\n"},
	{"hash-rate", "hash-rate [COST] [SECONDS]", "  bcrypt verifications per second on one core.\n"},
	{"explain", "explain list|stats USER_ID [QUERY]",
     "  EXPLAIN ANALYZE of the statement GET /api/v1/tasks/?QUERY (or /tasks/stats?QUERY)\n"
     "  runs for that user, as a worker plans it.\n"},
	{"routes", "routes",
     "  The route table, one line per path: \"METHODS<TAB>PATH\" (HEAD answers wherever GET\n"
     "  does and is left out); the API document's contract test compares it with docs/openapi.yaml.\n"},
	{"work", "work",
     "  The job daemons' master: keeps TASKAPI_JOB_WORKERS daemons claiming and working jobs\n"
     "  from the queue in PostgreSQL (SIGTERM: each finishes its job; SIGHUP: replaced one at\n"
     "  a time). Settings: JOBS_*, SMTP_* (README).\n"},
	{"work-daemon", "work-daemon", "  One job daemon (the work master execs these).\n"},
	{"jobs", "jobs list [--state S] [--kind K] [--limit N] | show ID | retry ID | cancel ID | stats",
     "  The job queue for operators: list, one job with its attempts, retry a dead job,\n"
     "  cancel a queued or dead one, depth by state and kind.\n"},
	{"version", "version", "  Prints the build id (also --version).\n"},
	{"help", "help [COMMAND]", "  This text, or a command's (also --help, -h, COMMAND --help).\n"},
};
enum { COMMAND_COUNT = sizeof commands / sizeof *commands };

static const struct command *command_named(const char *name)
{
	for (int i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int help(FILE *out)
{
	fprintf(out, "taskapi %s: the Task Management API, a FastCGI application.\n\nusage:\n",
	        TASKAPI_BUILD_ID);
	for (int i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  taskapi %s\n", commands[i].synopsis);
	fprintf(out, "  taskapi            (no command) a FastCGI worker when fd 0 is a listen socket\n"
	             "                     (mod_fcgid, lighttpd bin-path), a CGI program when the CGI\n"
	             "                     variables are set (mod_cgi, CGI-only hosts)\n\n"
	             "Settings come from the environment (APP_ENV, DATABASE_URL, JWT_SECRET, TASKAPI_*);\n"
	             "see taskapi(8) and the README. `taskapi COMMAND --help` describes one command.\n");
	return 0;
}

static int command_help(const struct command *c)
{
	printf("usage: taskapi %s\n%s", c->synopsis, c->help);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "taskapi: unknown command or arguments; `taskapi --help` lists the commands\n");
	return 2;
}

/* The methods are the route table's (HEAD answers wherever GET does and is left out). */
static int print_routes(void)
{
	for (int i = 0; i < routes_count; i++) {
		char allow[64];
		router_allow(&routes[i], allow, sizeof allow);
		printf("%s\t%s\n", allow, routes[i].pattern);
	}
	return 0;
}

/* A command that takes no argument refuses any; --help/-h was handled before. */
static int refuse_arguments(const struct command *c, int argc, char **argv)
{
	if (argc <= 2)
		return 0;
	fprintf(stderr, "taskapi %s: unexpected argument \"%s\"\nusage: taskapi %s\n", c->name, argv[2],
	        c->synopsis);
	return 2;
}

/* Answered before any configuration is read: --help, -h, help [CMD], --version, CMD --help. */
static int early_answer(int argc, char **argv, int *rc)
{
	const char *a = argv[1];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || (strcmp(a, "help") == 0 && argc == 2)) {
		*rc = help(stdout);
		return 1;
	}
	if (strcmp(a, "help") == 0) {
		const struct command *c = command_named(argv[2]);
		*rc = c && argc == 3 ? command_help(c) : usage();
		return 1;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) {
		*rc = argc == 2 ? (printf("taskapi %s\n", TASKAPI_BUILD_ID), 0) : usage();
		return 1;
	}
	const struct command *c = command_named(a);
	if (!c) {
		*rc = usage();
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			*rc = command_help(c);
			return 1;
		}
	}
	return 0;
}

static int print_sql(const char *name)
{
	if (strcmp(name, "--list") == 0) { /* every statement's name, for tests/golden/ */
		for (int i = 0; i < STMT_COUNT; i++)
			printf("%s\n", statements[i].name);
		return 0;
	}
	for (int i = 0; i < STMT_COUNT; i++) {
		if (strcmp(statements[i].name, name) == 0) {
			printf("%s\n", statements[i].sql);
			return 0;
		}
	}
	for (int i = 0; i < JOB_STMT_COUNT; i++) {
		if (strcmp(job_statements[i].name, name) == 0) {
			printf("%s\n", job_statements[i].sql);
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

/* ==== Starting ==== */

/* Puts the listen socket at fd 0: systemd's fd 3, else TASKAPI_LISTEN, else what fd 0 is. */
static int listen_socket(void)
{
	if (listen_from_systemd())
		return 0;
	if (!cfg.listen_set)
		return 0;
	char err[256];
	if (cfg.listen_addr.all_interfaces)
		fprintf(stderr, "taskapi: warning: TASKAPI_LISTEN binds every interface; the FastCGI "
		                "protocol has no authentication, so firewall it or name an address\n");
	int fd = listen_open(&cfg.listen_addr, cfg.socket_mode, cfg.socket_owner, cfg.socket_group, err,
	                     sizeof err);
	if (fd < 0)
		return server_refuse("TASKAPI_LISTEN: %s", err);
	if (fd != 0 && (dup2(fd, 0) < 0 || close(fd) != 0))
		return server_refuse("cannot move the listen socket to fd 0");
	return 0;
}

static int need_listen_socket(const char *cmd)
{
	if (listen_is_listening(0))
		return 0;
	return server_refuse("%s: fd 0 is not a listening socket. Start it under spawn-fcgi, systemd socket "
	                     "activation or a FastCGI process manager%s; to answer one request as a CGI "
	                     "program, run taskapi without a command",
	                     cmd, strcmp(cmd, "serve") == 0 ? ", or set TASKAPI_LISTEN" : "");
}

static int open_log(void)
{
	log_set_level((enum log_level)cfg.log_level);
	if (log_open(cfg.log_file) != 0)
		fprintf(stderr, "taskapi: cannot open log file %s; logging to stderr\n", cfg.log_file);
	return 0;
}

/* check-config: the settings as serve reads them, then the database. */
static int check_config(void)
{
	printf("profile: %s\n", cfg.app_env);
	if (cfg.listen_set && cfg.listen_addr.is_unix)
		printf("listen: unix socket %s, mode %04o\n", cfg.listen_addr.path, cfg.socket_mode);
	else if (cfg.listen_set)
		printf("listen: tcp %s:%s%s\n", cfg.listen_addr.host[0] ? cfg.listen_addr.host : "*",
		       cfg.listen_addr.port,
		       cfg.listen_addr.all_interfaces ? " (warning: every interface)" : "");
	else
		printf("listen: the socket passed in (fd 0, or fd 3 from systemd)\n");
	printf("workers: %d\nlog: %s\nmount: %s\n", cfg.workers,
	       strcmp(cfg.log_file, "-") == 0 ? "stderr" : cfg.log_file, cfg.mount[0] ? cfg.mount : "/");
	if (cfg.log_file[0] != '/' && strcmp(cfg.log_file, "-") != 0)
		printf("warning: TASKAPI_LOG_FILE is relative: it follows the working directory\n");
	if (db_check(cfg.database_url, cfg.sql_dir) != 0)
		return 1;
	printf("configuration ok\n");
	return 0;
}

/* The answer of a CGI program that cannot start, so the server shows JSON, not its own page. */
static int cgi_refusal(void)
{
	printf("Status: 500 Internal Server Error\r\nContent-Type: application/json; charset=utf-8\r\n"
	       "X-Content-Type-Options: nosniff\r\n\r\n{\"detail\":\"Internal server error\"}");
	return EXIT_CONFIG;
}

/*
 * No command: what the front end that started us expects. A listening fd 0 (or systemd's
 * fd 3) means a FastCGI process manager (mod_fcgid, lighttpd bin-path) runs us as one
 * worker; the CGI variables mean one request as a CGI program (libfcgi's FCGX_IsCGI
 * tells the two apart the same way, by whether fd 0 is a socket).
 */
static int bare(void)
{
	listen_from_systemd();
	int fastcgi = listen_is_listening(0);
	int cgi = !fastcgi && (getenv("GATEWAY_INTERFACE") || getenv("REQUEST_METHOD"));
	if (!fastcgi && !cgi) {
		help(stderr);
		return 2;
	}
	char err[256];
	if (config_load(&cfg, err, sizeof err) != 0) {
		server_refuse("%s", err);
		return cgi ? cgi_refusal() : EXIT_CONFIG;
	}
	open_log();
	return fastcgi ? worker_run() : cgi_run();
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
	int rc;
	/* Each statement's SQL against its declared parameter count, in every build. */
	if (db_statements_check() != 0)
		return server_refuse("a statement's nparams does not match its SQL (see above)");
	if (argc < 2)
		return bare();
	if (early_answer(argc, argv, &rc))
		return rc;
	const char *cmd = argv[1];
	const struct command *c = command_named(cmd);
	if (strcmp(cmd, "sql") == 0)
		return argc == 3 ? print_sql(argv[2]) : usage();
	if (strcmp(cmd, "hash-rate") == 0) {
		if (argc > 4)
			return usage();
		return hash_rate(argc > 2 ? atoi(argv[2]) : 12, argc > 3 ? atof(argv[3]) : 3.0);
	}
	if ((strcmp(cmd, "serve") == 0 || strcmp(cmd, "worker") == 0 || strcmp(cmd, "migrate") == 0 ||
	     strcmp(cmd, "work") == 0 || strcmp(cmd, "work-daemon") == 0 ||
	     strcmp(cmd, "check-config") == 0 || strcmp(cmd, "routes") == 0) &&
	    (rc = refuse_arguments(c, argc, argv)) != 0)
		return rc;
	if (strcmp(cmd, "routes") == 0)
		return print_routes();
	if (strcmp(cmd, "user") == 0 && (argc < 3 || strcmp(argv[2], "create") != 0))
		return usage();
	if (strcmp(cmd, "explain") == 0 && (argc < 4 || argc > 5))
		return usage();
	char err[256];
	if (config_load(&cfg, err, sizeof err) != 0) {
		if (strcmp(cmd, "check-config") == 0) {
			fprintf(stderr, "check-config: %s\n", err);
			return 1;
		}
		server_refuse("%s", err);
		/* 78 tells a process manager not to retry; the one-shot commands keep status 1 */
		return strcmp(cmd, "serve") == 0 || strcmp(cmd, "worker") == 0 ? EXIT_CONFIG : 1;
	}
	if (strcmp(cmd, "check-config") == 0)
		return check_config();
	if (strcmp(cmd, "migrate") == 0)
		return db_migrate(cfg.database_url, cfg.sql_dir) == 0 ? 0 : 1;
	if (strcmp(cmd, "user") == 0)
		return cli_user_create(argc - 3, argv + 3);
	if (strcmp(cmd, "import") == 0)
		return cli_import(argc - 2, argv + 2);
	if (strcmp(cmd, "explain") == 0)
		return explain(argc, argv);
	if (strcmp(cmd, "jobs") == 0)
		return jobs_cli(argc - 2, argv + 2);
	if (strcmp(cmd, "work-daemon") == 0) {
		open_log();
		return work_daemon_run();
	}
	if (strcmp(cmd, "worker") == 0) {
		listen_from_systemd();
		if ((rc = need_listen_socket(cmd)) != 0)
			return rc;
		open_log();
		return worker_run();
	}
	/* serve, work */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return server_refuse("cannot find own path");
	self[n] = '\0';
	if (strcmp(cmd, "work") == 0) {
		open_log();
		return work_master_run(self);
	}
	if ((rc = listen_socket()) != 0 || (rc = need_listen_socket(cmd)) != 0)
		return rc;
	open_log();
	return master_run(self);
}
