/*
 * `taskapi jobs`: the operator's view of the queue.
 *   taskapi jobs list [--state S] [--kind K] [--limit N]   newest first
 *   taskapi jobs show ID                                   every column, errors included
 *   taskapi jobs retry ID      a dead or cancelled job queued again with fresh attempts
 *   taskapi jobs cancel ID     a queued job (or a dead one) set aside for good
 *   taskapi jobs stats         depth by state and kind, oldest queued job's age
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jobs.h"

static int usage(void)
{
	fprintf(stderr, "usage: taskapi jobs list [--state queued|running|done|dead|cancelled] "
	                "[--kind K] [--limit N] | show ID | retry ID | cancel ID | stats\n");
	return 2;
}

static const char SQL_LIST[] =
	"SELECT id, kind, state, attempts || '/' || max_attempts, "
	"to_char(run_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(left(last_error, 60), '') "
	"FROM jobs WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2) "
	"ORDER BY id DESC LIMIT $3::int";
static const char SQL_SHOW[] =
	"SELECT id, kind, state, priority, attempts, max_attempts, payload, run_at, lease_owner, "
	"lease_expires_at, last_error, errors, unique_key, created_at, started_at, finished_at "
	"FROM jobs WHERE id = $1::bigint";
static const char SQL_RETRY[] =
	"UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL, "
	"lease_owner = NULL, lease_expires_at = NULL WHERE id = $1::bigint "
	"AND state IN ('dead', 'cancelled') RETURNING id";
static const char SQL_CANCEL[] =
	"UPDATE jobs SET state = 'cancelled', finished_at = now() WHERE id = $1::bigint "
	"AND state IN ('queued', 'dead') RETURNING id";
static const char SQL_STATS[] =
	"SELECT state, kind, count(*), coalesce(extract(epoch FROM now() - min(run_at)) "
	"FILTER (WHERE state = 'queued' AND run_at <= now()), 0)::numeric(12,1) "
	"FROM jobs GROUP BY state, kind ORDER BY state, kind";

static void print_table(PGresult *r)
{
	int cols = PQnfields(r);
	for (int c = 0; c < cols; c++)
		printf("%s%s", c ? "\t" : "", PQfname(r, c));
	printf("\n");
	for (int i = 0; i < PQntuples(r); i++)
		for (int c = 0; c < cols; c++)
			printf("%s%s", PQgetvalue(r, i, c), c + 1 < cols ? "\t" : "\n");
}

static PGresult *exec(PGconn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "taskapi jobs: %s", PQerrorMessage(conn));
		PQclear(r);
		return NULL;
	}
	return r;
}

static int list(PGconn *conn, int argc, char **argv)
{
	const char *params[3] = {NULL, NULL, "50"};
	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--state") == 0)
			params[0] = argv[i + 1];
		else if (strcmp(argv[i], "--kind") == 0)
			params[1] = argv[i + 1];
		else if (strcmp(argv[i], "--limit") == 0 && atoi(argv[i + 1]) > 0)
			params[2] = argv[i + 1];
		else
			return usage();
	}
	PGresult *r = exec(conn, SQL_LIST, 3, params);
	if (!r)
		return 1;
	print_table(r);
	PQclear(r);
	return 0;
}

static int show(PGconn *conn, const char *id)
{
	const char *params[] = {id};
	PGresult *r = exec(conn, SQL_SHOW, 1, params);
	if (!r)
		return 1;
	int rc = PQntuples(r) == 1 ? 0 : 1;
	if (rc)
		fprintf(stderr, "taskapi jobs: no job %s\n", id);
	for (int c = 0; !rc && c < PQnfields(r); c++)
		printf("%-17s %s\n", PQfname(r, c), PQgetisnull(r, 0, c) ? "-" : PQgetvalue(r, 0, c));
	PQclear(r);
	return rc;
}

/* retry/cancel: one update, refused (exit 1) when the job is not in a state it applies to. */
static int change(PGconn *conn, const char *sql, const char *id, const char *what)
{
	const char *params[] = {id};
	PGresult *r = exec(conn, sql, 1, params);
	if (!r)
		return 1;
	int rc = PQntuples(r) == 1 ? 0 : 1;
	if (rc)
		fprintf(stderr, "taskapi jobs: job %s cannot be %s (no such job, or not in a state for it)\n",
		        id, what);
	else
		printf("job %s %s\n", id, what);
	PQclear(r);
	return rc;
}

int jobs_cli(int argc, char **argv)
{
	if (argc < 1)
		return usage();
	const char *cmd = argv[0];
	int needs_id = strcmp(cmd, "show") == 0 || strcmp(cmd, "retry") == 0 || strcmp(cmd, "cancel") == 0;
	if (needs_id && (argc != 2 || strspn(argv[1], "0123456789") != strlen(argv[1]) || !*argv[1]))
		return usage();
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *values[] = {cfg.database_url, "taskapi-jobs", NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "taskapi jobs: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	int rc;
	if (strcmp(cmd, "list") == 0)
		rc = list(conn, argc - 1, argv + 1);
	else if (strcmp(cmd, "show") == 0)
		rc = show(conn, argv[1]);
	else if (strcmp(cmd, "retry") == 0)
		rc = change(conn, SQL_RETRY, argv[1], "queued again");
	else if (strcmp(cmd, "cancel") == 0)
		rc = change(conn, SQL_CANCEL, argv[1], "cancelled");
	else if (strcmp(cmd, "stats") == 0 && argc == 1) {
		PGresult *r = exec(conn, SQL_STATS, 0, NULL);
		rc = r ? 0 : 1;
		if (r)
			print_table(r);
		PQclear(r);
	} else
		rc = usage();
	PQfinish(conn);
	return rc;
}
