/* The worker's database connection: connect, prepare once, run, reconnect with backoff. */
#include "db.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

static PGconn *conn;
static long long next_attempt_ms; /* no connection attempt before this (monotonic) */
static long long backoff_ms;
static char constraint_name[64];
static int troubled; /* a connection was lost or an attempt failed since the last success */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static PGconn *open_connection(const char *conninfo)
{
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", cfg.db_connect_timeout ? cfg.db_connect_timeout : 3);
	/* Keywords before dbname are defaults the URL may override; those after it win.
	   GSS encryption is off unless asked for: probing Kerberos at every connect costs
	   time and memory for nothing on the usual loopback or TLS connection. */
	const char *keys[] = {"gssencmode", "dbname", "connect_timeout", "application_name", NULL};
	const char *values[] = {"disable", conninfo, timeout, "taskapi", NULL};
	return PQconnectdbParams(keys, values, 1);
}

static void connection_lost(void)
{
	PQfinish(conn);
	conn = NULL;
	troubled = 1;
	backoff_ms = backoff_ms ? backoff_ms * 2 : BACKOFF_MIN_MS;
	if (backoff_ms > BACKOFF_MAX_MS)
		backoff_ms = BACKOFF_MAX_MS;
	next_attempt_ms = now_ms() + backoff_ms;
}

static int prepare_all(void)
{
	PGresult *r = PQexec(conn, "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	for (int i = 0; ok && i < STMT_COUNT; i++) {
		r = PQprepare(conn, statements[i].name, statements[i].sql, statements[i].nparams, NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok) {
			log_error(NULL, "db: preparing %s: %s", statements[i].name, PQerrorMessage(conn));
			metrics_db_error(METRICS_DB_QUERY);
		}
		PQclear(r);
	}
	return ok ? 0 : -1;
}

enum db_status db_connect(void)
{
	if (conn && PQstatus(conn) == CONNECTION_OK)
		return DB_OK;
	if (now_ms() < next_attempt_ms)
		return DB_UNAVAILABLE;
	PQfinish(conn);
	conn = open_connection(cfg.database_url);
	if (PQstatus(conn) != CONNECTION_OK) {
		log_error(NULL, "db: connect: %s", PQerrorMessage(conn));
		metrics_db_error(METRICS_DB_CONNECT);
		connection_lost();
		return DB_UNAVAILABLE;
	}
	if (prepare_all() != 0) {
		connection_lost();
		return DB_ERROR;
	}
	if (troubled) {
		metrics_db_reconnect();
		log_info("db: connected again");
	} else {
		log_debug("db: connected");
	}
	troubled = 0;
	backoff_ms = 0;
	return DB_OK;
}

static enum db_status classify(PGresult *r, const char *name)
{
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return DB_OK;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (PQstatus(conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
	    strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0) {
		log_error(NULL, "db: %s: connection lost: %s", name, PQerrorMessage(conn));
		metrics_db_error(METRICS_DB_LOST);
		return DB_UNAVAILABLE;
	}
	if (strcmp(state, "23505") == 0) {
		const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
		snprintf(constraint_name, sizeof constraint_name, "%s", c ? c : "");
		return DB_UNIQUE;
	}
	log_error(NULL, "db: %s: %s %s", name, state, PQresultErrorMessage(r));
	metrics_db_error(METRICS_DB_QUERY);
	return DB_ERROR;
}

enum db_status db_run(enum stmt_id id, const char *const *params, PGresult **res,
                      const char **constraint)
{
	const struct statement *s = &statements[id];
	for (int attempt = 0;; attempt++) {
		enum db_status st = db_connect();
		if (st != DB_OK)
			return st;
		struct timespec start;
		clock_gettime(CLOCK_MONOTONIC, &start);
		PGresult *r = PQexecPrepared(conn, s->name, s->nparams, params, NULL, NULL, 0);
		metrics_db_query(id, seconds_since(&start));
		st = classify(r, s->name);
		if (st == DB_OK) {
			*res = r;
			return DB_OK;
		}
		PQclear(r);
		if (st == DB_UNIQUE && constraint)
			*constraint = constraint_name;
		if (st != DB_UNAVAILABLE)
			return st;
		connection_lost();
		/* A server restart closes idle connections: a read may go again at once. */
		if (!s->read_only || attempt > 0)
			return DB_UNAVAILABLE;
		next_attempt_ms = 0;
	}
}

void db_close(void)
{
	PQfinish(conn);
	conn = NULL;
	db_replica_close();
}

/* ==== Replica (readiness only) ==== */

/* A connection to READ_DATABASE_URL with its own backoff, so a replica that is away
   costs /health/ready one failed attempt per backoff period, not a timeout each time. */
static PGconn *replica;
static long long replica_next_ms, replica_backoff_ms;

static void replica_lost(void)
{
	PQfinish(replica);
	replica = NULL;
	replica_backoff_ms = replica_backoff_ms ? replica_backoff_ms * 2 : BACKOFF_MIN_MS;
	if (replica_backoff_ms > BACKOFF_MAX_MS)
		replica_backoff_ms = BACKOFF_MAX_MS;
	replica_next_ms = now_ms() + replica_backoff_ms;
}

static int replica_connect(void)
{
	if (replica && PQstatus(replica) == CONNECTION_OK)
		return 0;
	if (now_ms() < replica_next_ms)
		return -1;
	PQfinish(replica);
	replica = open_connection(cfg.read_database_url);
	const struct statement *s = &statements[STMT_REPLICA_LAG];
	PGresult *r = PQstatus(replica) == CONNECTION_OK
	                  ? PQprepare(replica, s->name, s->sql, s->nparams, NULL)
	                  : NULL;
	int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		log_warn("db: replica: %s", PQerrorMessage(replica));
		replica_lost();
		return -1;
	}
	replica_backoff_ms = 0;
	return 0;
}

enum db_status db_replica_lag(int *in_recovery, double *lag_seconds)
{
	if (replica_connect() != 0)
		return DB_UNAVAILABLE;
	const struct statement *s = &statements[STMT_REPLICA_LAG];
	PGresult *r = PQexecPrepared(replica, s->name, 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		log_warn("db: replica: %s", PQerrorMessage(replica));
		PQclear(r);
		replica_lost();
		return DB_UNAVAILABLE;
	}
	*in_recovery = PQgetvalue(r, 0, 0)[0] == 't';
	*lag_seconds = PQgetisnull(r, 0, 1) ? -1 : strtod(PQgetvalue(r, 0, 1), NULL);
	PQclear(r);
	return DB_OK;
}

void db_replica_close(void)
{
	PQfinish(replica);
	replica = NULL;
}

/* ==== Migrations ==== */

static int sql_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
	       strcmp(e->d_name + n - 4, ".sql") == 0;
}

/* The whole file as a NUL-terminated string in b; -1 when it cannot be read. */
static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char chunk[8192];
	size_t got;
	buf_puts(b, "");
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(b, chunk, got);
	fclose(f);
	return 0;
}

static int exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "migrate: %s", PQerrorMessage(c));
	PQclear(r);
	return ok;
}

static int apply_one(PGconn *c, const char *dir, const char *file)
{
	const char *params[] = {file};
	PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
	                           params, NULL, NULL, 0);
	int done = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	PQclear(r);
	if (done)
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	struct buf sql = {0};
	if (read_file(path, &sql) != 0) {
		fprintf(stderr, "migrate: cannot read %s\n", path);
		return -1;
	}
	int ok = exec_ok(c, "BEGIN") && exec_ok(c, sql.data);
	buf_free(&sql);
	if (ok) {
		r = PQexecParams(c, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, NULL, params,
		                 NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	if (!ok || !exec_ok(c, "COMMIT")) {
		exec_ok(c, "ROLLBACK");
		fprintf(stderr, "migrate: %s failed\n", file);
		return -1;
	}
	printf("migrate: applied %s\n", file);
	return 0;
}

int db_migrate(const char *conninfo, const char *dir)
{
	PGconn *c = open_connection(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "migrate: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	struct dirent **files = NULL;
	int n = scandir(dir, &files, sql_file, alphasort);
	int rc = n < 0 ? -1 : 0;
	if (n < 0)
		fprintf(stderr, "migrate: cannot list %s\n", dir);
	/* The advisory lock makes concurrent migrate runs wait for each other. */
	if (rc == 0 && !(exec_ok(c, "SET client_min_messages = warning") &&
	                 exec_ok(c, "SELECT pg_advisory_lock(7310001)") &&
	                 exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                            "version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")))
		rc = -1;
	for (int i = 0; i < n; i++) {
		if (rc == 0 && apply_one(c, dir, files[i]->d_name) != 0)
			rc = -1;
		free(files[i]);
	}
	free(files);
	PQfinish(c);
	return rc;
}
