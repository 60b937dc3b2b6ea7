/*
 * The worker's database connections: one to the primary and, when READ_DATABASE_URL
 * is set, one to a streaming replica; every statement prepared once per connection,
 * reconnection with backoff. SQL lives in src/statements.c only.
 */
#ifndef TASKAPI_DB_H
#define TASKAPI_DB_H

#include <libpq-fe.h>
#include <stdint.h>

enum stmt_id {
	STMT_CALLER,
	STMT_REGISTER,
	STMT_LOGIN,
	STMT_ME,
	STMT_ME_UPDATE,
	STMT_USERS_LIST,
	STMT_USER_GET,
	STMT_USER_DELETE,
	STMT_ME_DELETE,
	STMT_TASK_CREATE,
	STMT_TASK_LIST, /* sort id; the other sort keys and searches follow, in this order */
	STMT_TASK_LIST_CREATED,
	STMT_TASK_LIST_UPDATED,
	STMT_TASK_LIST_DUE,
	STMT_TASK_LIST_PRIORITY,
	STMT_TASK_LIST_STATUS,
	STMT_TASK_LIST_TITLE,
	STMT_TASK_LIST_SEARCH,
	STMT_TASK_STATS,
	STMT_TASK_GET,
	STMT_TASK_UPDATE,
	STMT_TASK_DELETE,
	STMT_PREFS_GET,
	STMT_PREFS_UPDATE,
	STMT_IDEM_BEGIN,
	STMT_IDEM_FINISH,
	STMT_IDEM_RELEASE,
	STMT_READY,
	STMT_METRICS_COUNTS,
	STMT_REPLICA_LAG,
	STMT_WAL_LSN,        /* the primary's WAL position: the consistency token after a write */
	STMT_REPLICA_STATUS, /* how far the replica has replayed and how far behind it is */
	STMT_LOGIN_FAILED,
	STMT_SESSION_CREATE,
	STMT_REFRESH,
	STMT_LOGOUT,
	STMT_LOGOUT_ALL,
	STMT_PASSWORD_GET,
	STMT_PASSWORD_SET,
	STMT_API_KEY_CREATE,
	STMT_API_KEY_LIST,
	STMT_API_KEY_DELETE,
	STMT_API_KEY_TOUCH,
	STMT_NOTIF_LIST,
	STMT_NOTIF_READ,
	STMT_NOTIF_READ_ALL,
	STMT_REPORT_CREATE,
	STMT_REPORT_GET,
	STMT_REPORT_CHUNK,
	STMT_JOB_METRICS,
	STMT_WEBHOOK_CREATE,
	STMT_WEBHOOK_LIST,
	STMT_WEBHOOK_GET,
	STMT_WEBHOOK_DELETE,
	STMT_WEBHOOK_DELIVERIES,
	STMT_COUNT
};

struct statement {
	const char *name;
	const char *sql;
	int nparams;
	int read_only; /* changes nothing: may run on the replica, and again on a fresh connection */
};

extern const struct statement statements[STMT_COUNT];
/* The columns of each statement's result, from its layout (include/rows.h): a result with
   another count is refused (logged, DB_ERROR) before a handler reads it. 0: not checked. */
extern const int statement_columns[STMT_COUNT];

/*
 * 0 when every statement's SQL uses exactly $1..$nparams (each at least once), else -1
 * with each wrong one logged. Run at start by every process that serves requests.
 */
int db_statements_check(void);
/* 0 when sql uses exactly the parameters $1..$nparams, each at least once. */
int db_sql_params_ok(const char *sql, int nparams);

/*
 * The number of elements of the array params, for the calls below: each checks it against
 * the statement's nparams (a mismatch is refused: logged, DB_ERROR). A pointer instead of
 * an array does not compile (a negative array size); a statement without parameters is
 * run with db_run_n(id, NULL, 0, ...).
 */
#define DB_NPARAMS(params)                                                                              \
	((int)(sizeof(params) / sizeof((params)[0])) +                                                      \
	 0 * (int)sizeof(                                                                                   \
			 char[1 - 2 * __builtin_types_compatible_p(__typeof__(params), __typeof__(&(params)[0]))]))

enum db_status {
	DB_OK,
	DB_UNIQUE,      /* SQLSTATE 23505; the constraint name is given */
	DB_UNAVAILABLE, /* no connection, nothing sent: the client gets 503 with Retry-After */
	DB_TIMEOUT,     /* cancelled by statement_timeout or lock_timeout (SQLSTATE 57014, 55P03),
	                   or not started because the request's deadline had passed: this
	                   statement committed nothing */
	DB_UNKNOWN,     /* the connection broke after a write was sent: it may have committed */
	DB_ERROR        /* anything else: logged, the client gets 500 */
};

/* Connects (or reconnects, with backoff) and prepares every statement. */
enum db_status db_connect(void);
/*
 * Runs a prepared statement. On DB_OK *res holds the result (caller clears it);
 * on DB_UNIQUE *constraint names the violated constraint (static until the next call).
 */
enum db_status db_run_n(enum stmt_id id, const char *const *params, int nparams, PGresult **res,
                        const char **constraint);
#define db_run(id, params, res, constraint) db_run_n(id, params, DB_NPARAMS(params), res, constraint)
/*
 * The runner behind db_run_n: the primary's connection. A handler test points it at its
 * fake, as it does db_runner below, so that the statements a handler runs outside
 * db_or_reply (failed-login counting, idempotency bookkeeping, ...) are answered too.
 * Nothing else sets it.
 */
typedef enum db_status db_direct_runner_fn(enum stmt_id id, const char *const *params, int nparams,
                                           PGresult **res, const char **constraint);
extern db_direct_runner_fn *db_direct_runner;
void db_close(void);
/*
 * The current request's deadline: no statement is started after deadline_ms (monotonic
 * milliseconds, clock_ms); 0 for none (between requests).
 */
void db_set_deadline(long long deadline_ms);

/*
 * What one request asks of the database and learns from it. Read routing: a read-only
 * statement of a GET goes to the replica when one is configured, is not down or
 * lagging beyond READ_MAX_LAG_MS, and has replayed the client's consistency token.
 */
struct db_request {
	int reads_may_use_replica; /* the request is a GET */
	uint64_t min_lsn;          /* the client's consistency token; 0 for none */
	uint64_t commit_lsn;       /* set by a write when a replica is configured: the token to return */
	int used;                  /* DB_USED_* bits, for the log */
	int writes;                /* writes of this request that committed (counted by src/reply.c) */
};
#define DB_USED_PRIMARY 1
#define DB_USED_REPLICA 2

/*
 * As db_run, for request q: a read may go to the replica, and a write on the primary
 * also fetches the WAL position after its commit (same round trip) into q->commit_lsn
 * when a replica is configured.
 */
enum db_status db_request_run(struct db_request *q, enum stmt_id id, const char *const *params,
                              int nparams, PGresult **res, const char **constraint);
/*
 * The runner of the handlers' statements (db_or_reply, src/reply.c): db_request_run.
 * A handler test (tests/unit/handler_test.h) points it at a function that answers with
 * results it built, so that the handlers run without a server. Nothing else sets it.
 */
typedef enum db_status db_runner_fn(struct db_request *q, enum stmt_id id, const char *const *params,
                                    int nparams, PGresult **res, const char **constraint);
extern db_runner_fn *db_runner;
/* Whether READ_DATABASE_URL is set: writes then return a consistency token. */
int db_replica_configured(void);
/* "primary", "replica", "primary+replica" or NULL, for the log. */
const char *db_used_name(int used);

/*
 * On the READ_DATABASE_URL connection (the one reads are routed to; reopened with backoff):
 * whether the server is in recovery, and its replay lag in seconds (-1 when unknown).
 * DB_UNAVAILABLE when the replica cannot be reached.
 */
enum db_status db_replica_lag(int *in_recovery, double *lag_seconds);
void db_replica_close(void);

/*
 * `taskapi explain`: runs statement id with params `warmup` times on this connection (so
 * that the plan is the one the workers use), then prints EXPLAIN (ANALYZE, BUFFERS) of
 * one more run to stdout. Returns 0, or -1 with the error on stderr.
 */
int db_explain_n(enum stmt_id id, const char *const *params, int nparams, int warmup);
#define db_explain(id, params, warmup) db_explain_n(id, params, DB_NPARAMS(params), warmup)

/* `taskapi migrate`: applies dir/NNN_*.sql in order, each once, recorded in schema_migrations. */
int db_migrate(const char *conninfo, const char *dir);
/* check-config: connects and checks that every migration in dir is applied; 0 when so. */
int db_check(const char *conninfo, const char *dir);

#endif
