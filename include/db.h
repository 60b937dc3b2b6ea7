/*
 * The worker's database connection: one libpq connection, every statement prepared
 * once per connection, reconnection with backoff. SQL lives in src/statements.c only.
 */
#ifndef TASKAPI_DB_H
#define TASKAPI_DB_H

#include <libpq-fe.h>

enum stmt_id {
	STMT_CALLER,
	STMT_REGISTER,
	STMT_LOGIN,
	STMT_ME,
	STMT_ME_UPDATE,
	STMT_USERS_LIST,
	STMT_USER_GET,
	STMT_USER_DELETE,
	STMT_TASK_CREATE,
	STMT_TASK_LIST,
	STMT_TASK_LIST_STATUS,
	STMT_TASK_GET,
	STMT_TASK_UPDATE,
	STMT_TASK_DELETE,
	STMT_READY,
	STMT_METRICS_COUNTS,
	STMT_REPLICA_LAG,
	STMT_COUNT
};

struct statement {
	const char *name;
	const char *sql;
	int nparams;
	int read_only; /* safe to run again on a fresh connection if the old one died */
};

extern const struct statement statements[STMT_COUNT];

enum db_status {
	DB_OK,
	DB_UNIQUE,      /* SQLSTATE 23505; the constraint name is given */
	DB_UNAVAILABLE, /* no connection: the client gets 503 */
	DB_ERROR        /* anything else: logged, the client gets 500 */
};

/* Connects (or reconnects, with backoff) and prepares every statement. */
enum db_status db_connect(void);
/*
 * Runs a prepared statement. On DB_OK *res holds the result (caller clears it);
 * on DB_UNIQUE *constraint names the violated constraint (static until the next call).
 */
enum db_status db_run(enum stmt_id id, const char *const *params, PGresult **res,
                      const char **constraint);
void db_close(void);

/*
 * On the READ_DATABASE_URL connection (opened on first use, reopened with backoff):
 * whether the server is in recovery, and its replay lag in seconds (-1 when unknown).
 * DB_UNAVAILABLE when the replica cannot be reached.
 */
enum db_status db_replica_lag(int *in_recovery, double *lag_seconds);
void db_replica_close(void);

/* `taskapi migrate`: applies dir/NNN_*.sql in order, each once, recorded in schema_migrations. */
int db_migrate(const char *conninfo, const char *dir);

#endif
