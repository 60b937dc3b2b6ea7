/*
 * The worker's database connections: the primary, and a streaming replica when
 * READ_DATABASE_URL is set. Connect, prepare once, run, reconnect with backoff, and
 * route reads (a GET's read-only statements) to the replica while it keeps up.
 */
#include "db.h"

#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "lsn.h"
#include "metrics.h"

#define BACKOFF_MIN_MS              100
/* The longest wait between connection attempts: also the most a worker adds, after a
   failover, to the time until it writes to the new primary. */
#define BACKOFF_MAX_MS              2000
/* A connection attempt that failed faster than this (refused, the server starting up) is
   cheap: the next request may try again after DB_RECONNECT_FLOOR_MS, not the backoff. */
#define QUICK_FAILURE_MS            500
#define SKIP_MIN_MS                 500 /* a lagging replica is asked again after this, doubling */
#define SKIP_MAX_MS                 5000
/* A replica is given less time than the primary: the primary can answer instead.
   (libpq's connect_timeout has a floor of 2 s; tcp_user_timeout covers a lost peer.) */
#define REPLICA_CONNECT_TIMEOUT     "2"
#define REPLICA_TCP_USER_TIMEOUT_MS "2000"

/* A connection with its own backoff, so a server that is away costs one failed attempt
   per backoff period, not a timeout each time. The primary's troubles are counted in
   the metrics; the replica's are logged as warnings (the primary answers instead). */
struct link {
	const char *label;
	int replica;
	PGconn *conn;
	long long next_attempt_ms; /* no connection attempt before this (monotonic) */
	long long backoff_ms;      /* after slow failures (timeouts): doubles up to BACKOFF_MAX_MS */
	int troubled;              /* a connection was lost or an attempt failed since the last success */
};

static struct link primary = {.label = "primary"};
static struct link replica = {.label = "replica", .replica = 1};
static char constraint_name[64];
static long long deadline_ms; /* the current request's: see db_set_deadline */

/* What the replica last said of itself, and whether reads skip it for a while. */
static struct {
	uint64_t replay_lsn;
	double lag_ms;
	long long checked_ms; /* 0: not since the connection opened */
	long long skip_until_ms;
	long long skip_ms;
	int skipping; /* for logging the changes only */
} rs;

void db_set_deadline(long long ms)
{
	deadline_ms = ms;
}

static int past_deadline(const char *name)
{
	if (!deadline_ms || clock_ms() < deadline_ms)
		return 0;
	log_warn("db: %s not started: the request's deadline (%d ms) has passed", name,
	         cfg.request_deadline_ms);
	return 1;
}

static PGconn *open_connection(const char *conninfo, int to_replica)
{
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", cfg.db_connect_timeout ? cfg.db_connect_timeout : 3);
	/* Keywords before dbname are defaults the URL may override; those after it win.
	   GSS encryption is off unless asked for: probing Kerberos at every connect costs
	   time and memory for nothing on the usual loopback or TLS connection. */
	const char *keys[] = {"gssencmode",       "dbname",           "connect_timeout",
	                      "application_name", "tcp_user_timeout", NULL};
	const char *values[] = {"disable",
	                        conninfo,
	                        to_replica ? REPLICA_CONNECT_TIMEOUT : timeout,
	                        to_replica ? "taskapi-read" : "taskapi",
	                        to_replica ? REPLICA_TCP_USER_TIMEOUT_MS : NULL,
	                        NULL};
	return PQconnectdbParams(keys, values, 1);
}

static const char *link_url(const struct link *l)
{
	return l->replica ? cfg.read_database_url : cfg.database_url;
}

/*
 * Drops the connection. The next request tries again after DB_RECONNECT_FLOOR_MS when the
 * failure was quick (a lost connection, a refused attempt): service comes back within
 * that of the server accepting connections. A slow failure (an attempt that waited for
 * its timeout) backs off, so a server that is unreachable costs one timeout per period.
 */
static void link_lost(struct link *l, int quick)
{
	PQfinish(l->conn);
	l->conn = NULL;
	l->troubled = 1;
	if (quick) {
		l->backoff_ms = 0;
		l->next_attempt_ms = clock_ms() + cfg.db_reconnect_floor_ms;
	} else {
		l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (l->backoff_ms > BACKOFF_MAX_MS)
			l->backoff_ms = BACKOFF_MAX_MS;
		l->next_attempt_ms = clock_ms() + l->backoff_ms;
	}
	if (l->replica)
		rs.checked_ms = 0;
}

/* The replica prepares only what may run there: the read-only statements. */
static int prepare_all(struct link *l)
{
	/* One plan per statement, made once per connection: the statements are written so that
	   one plan serves every parameter value (gated branches, keyset bounds), and replanning
	   the task list on each call would cost more than running it. No JIT: the cost of
	   branches that never run would otherwise make PostgreSQL compile every call. */
	/* Every wait is bounded: a statement, a lock wait, a transaction left open. */
	char set[512];
	snprintf(set, sizeof set,
	         "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; "
	         "SET plan_cache_mode = force_generic_plan; SET jit = off; "
	         "SET client_min_messages = warning; SET statement_timeout = %d; SET lock_timeout = %d; "
	         "SET idle_in_transaction_session_timeout = %d",
	         cfg.db_statement_timeout_ms, cfg.db_lock_timeout_ms, cfg.db_idle_tx_timeout_ms);
	PGresult *r = PQexec(l->conn, set);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	for (int i = 0; ok && i < STMT_COUNT; i++) {
		if (l->replica && !statements[i].read_only)
			continue;
		r = PQprepare(l->conn, statements[i].name, statements[i].sql, statements[i].nparams, NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok && l->replica) {
			log_warn("db: replica: preparing %s: %s", statements[i].name, PQerrorMessage(l->conn));
		} else if (!ok) {
			log_error(NULL, "db: preparing %s: %s", statements[i].name, PQerrorMessage(l->conn));
			metrics_db_error(METRICS_DB_QUERY);
		}
		PQclear(r);
	}
	return ok ? 0 : -1;
}

static enum db_status link_connect(struct link *l)
{
	if (l->conn && PQstatus(l->conn) == CONNECTION_OK)
		return DB_OK;
	if (clock_ms() < l->next_attempt_ms)
		return DB_UNAVAILABLE;
	PQfinish(l->conn);
	long long attempt_ms = clock_ms();
	l->conn = open_connection(link_url(l), l->replica);
	if (PQstatus(l->conn) != CONNECTION_OK) {
		if (l->replica) {
			log_warn("db: replica: connect: %s", PQerrorMessage(l->conn));
		} else {
			log_error(NULL, "db: connect: %s", PQerrorMessage(l->conn));
			metrics_db_error(METRICS_DB_CONNECT);
		}
		link_lost(l, clock_ms() - attempt_ms < QUICK_FAILURE_MS);
		return DB_UNAVAILABLE;
	}
	if (prepare_all(l) != 0) {
		link_lost(l, 0);
		return DB_ERROR;
	}
	if (l->troubled && !l->replica)
		metrics_db_reconnect();
	if (l->troubled)
		log_info("db: %s: connected again", l->label);
	else
		log_debug("db: %s: connected", l->label);
	l->troubled = 0;
	l->backoff_ms = 0;
	return DB_OK;
}

/*
 * Whether an idle connection is still open. Nothing should arrive on it between
 * statements; a server shutting down sends an error message and then closes, so input is
 * read (and parsed) until none is pending: the close shows after the message.
 */
static int link_alive(PGconn *c)
{
	for (int i = 0; i < 4 && PQstatus(c) == CONNECTION_OK; i++) {
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
		if (poll(&p, 1, 0) == 0)
			return 1;
		if (!PQconsumeInput(c))
			return 0;
		PGnotify *n;
		while ((n = PQnotifies(c)) != NULL) /* also parses what arrived */
			PQfreemem(n);
	}
	return 0;
}

/*
 * The connection, checked before a statement is sent: a server that restarted has closed
 * an idle connection, and finding that out now (a non-blocking read) means the statement
 * is sent on a fresh connection instead of being lost with an unknown outcome.
 */
static enum db_status link_ready(struct link *l, const char *name)
{
	enum db_status st = link_connect(l);
	if (st != DB_OK)
		return st;
	if (link_alive(l->conn))
		return past_deadline(name) ? DB_TIMEOUT : DB_OK;
	log_info("db: %s: the connection was closed while idle; connecting again", l->label);
	link_lost(l, 1);
	l->next_attempt_ms = 0;
	st = link_connect(l);
	if (st != DB_OK)
		return st;
	return past_deadline(name) ? DB_TIMEOUT : DB_OK;
}

enum db_status db_connect(void)
{
	if (db_replica_configured())
		(void)link_connect(&replica);
	return link_connect(&primary);
}

int db_replica_configured(void)
{
	return cfg.read_database_url && *cfg.read_database_url;
}

const char *db_used_name(int used)
{
	switch (used) {
	case DB_USED_PRIMARY: return "primary";
	case DB_USED_REPLICA: return "replica";
	case DB_USED_PRIMARY | DB_USED_REPLICA: return "primary+replica";
	default: return NULL;
	}
}

static enum db_status classify(struct link *l, PGresult *r, const char *name)
{
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return DB_OK;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	/* Cancelled by statement_timeout or lock_timeout: the statement's implicit transaction
	   rolled back (PostgreSQL stops the timer before it commits). */
	if (state && PQstatus(l->conn) == CONNECTION_OK &&
	    (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)) {
		log_warn("db: %s%s: %s (nothing committed)", l->replica ? "replica: " : "", name,
		         strcmp(state, "57014") == 0 ? "statement timeout" : "lock timeout");
		metrics_db_error(METRICS_DB_QUERY);
		return DB_TIMEOUT;
	}
	if (PQstatus(l->conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
	    strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0) {
		if (l->replica) {
			log_warn("db: replica: %s: connection lost: %s", name, PQerrorMessage(l->conn));
		} else {
			log_error(NULL, "db: %s: connection lost: %s", name, PQerrorMessage(l->conn));
			metrics_db_error(METRICS_DB_LOST);
		}
		return DB_UNAVAILABLE;
	}
	/* A write on a server that is (now) a standby: after a failover, a connection made
	   before the promotion may still reach the old primary's address. Drop it; the next
	   connection (target_session_attrs=read-write in a multi-host DATABASE_URL) finds
	   the new primary. */
	if (!l->replica && strcmp(state, "25006") == 0) {
		log_error(NULL, "db: %s: the server is read-only (a standby): %s", name,
		          PQresultErrorMessage(r));
		metrics_db_error(METRICS_DB_LOST);
		return DB_UNAVAILABLE;
	}
	if (strcmp(state, "23505") == 0) {
		const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
		snprintf(constraint_name, sizeof constraint_name, "%s", c ? c : "");
		return DB_UNIQUE;
	}
	if (l->replica) {
		log_warn("db: replica: %s: %s %s", name, state, PQresultErrorMessage(r));
	} else {
		log_error(NULL, "db: %s: %s %s", name, state, PQresultErrorMessage(r));
		metrics_db_error(METRICS_DB_QUERY);
	}
	return DB_ERROR;
}

/* ==== The statements' shapes: parameters in, columns out ==== */

int db_sql_params_ok(const char *sql, int nparams)
{
	unsigned long long seen = 0;
	int highest = 0;
	for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$')) {
		int n = 0;
		for (const char *d = p + 1; *d >= '0' && *d <= '9' && n < 1000; d++)
			n = n * 10 + (*d - '0');
		if (n > highest)
			highest = n;
		if (n >= 1 && n <= 64)
			seen |= 1ULL << (n - 1);
	}
	unsigned long long all = nparams >= 64 ? ~0ULL : (1ULL << nparams) - 1;
	return highest == nparams && nparams <= 64 && seen == all ? 0 : -1;
}

int db_statements_check(void)
{
	int bad = 0;
	for (int i = 0; i < STMT_COUNT; i++) {
		if (db_sql_params_ok(statements[i].sql, statements[i].nparams) != 0) {
			log_error(NULL, "db: statement %s does not use exactly $1..$%d (its nparams)",
			          statements[i].name, statements[i].nparams);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* A programming error, not the client's: refused (500), and fatal in a debug build. */
static enum db_status misuse(void)
{
#ifdef TASKAPI_DEBUG
	abort();
#endif
	return DB_ERROR;
}

/* A call must pass the statement's nparams parameters (libpq reads that many). */
static int params_ok(const struct statement *s, int nparams)
{
	if (nparams == s->nparams)
		return 1;
	log_error(NULL, "db: %s called with %d parameters, the statement has %d", s->name, nparams,
	          s->nparams);
	return 0;
}

/* A result must have the columns its layout declares (include/rows.h): the handler reads
   them by position. */
static int columns_ok(enum stmt_id id, PGresult *r)
{
	int want = statement_columns[id];
	if (want == 0 || PQnfields(r) == want)
		return 1;
	log_error(NULL, "db: %s returned %d columns, its layout has %d", statements[id].name, PQnfields(r),
	          want);
	return 0;
}

static enum db_status run_on(struct link *l, enum stmt_id id, const char *const *params, PGresult **res,
                             const char **constraint)
{
	const struct statement *s = &statements[id];
	for (int attempt = 0;; attempt++) {
		enum db_status st = link_ready(l, s->name);
		if (st != DB_OK)
			return st;
		struct timespec start = clock_now();
		PGresult *r = PQexecPrepared(l->conn, s->name, s->nparams, params, NULL, NULL, 0);
		metrics_db_query(id, clock_seconds_since(&start));
		st = classify(l, r, s->name);
		if (st == DB_OK && !columns_ok(id, r)) {
			PQclear(r);
			return misuse();
		}
		if (st == DB_OK) {
			*res = r;
			return DB_OK;
		}
		PQclear(r);
		if (st == DB_UNIQUE && constraint)
			*constraint = constraint_name;
		if (st != DB_UNAVAILABLE)
			return st;
		link_lost(l, 1);
		/* A write was sent and may have committed before the connection broke. */
		if (!s->read_only)
			return DB_UNKNOWN;
		/* A server restart closes idle connections: a read may go again at once. */
		if (attempt > 0)
			return DB_UNAVAILABLE;
		l->next_attempt_ms = 0;
	}
}

static enum db_status primary_run(enum stmt_id id, const char *const *params, int nparams,
                                  PGresult **res, const char **constraint)
{
	if (!params_ok(&statements[id], nparams))
		return misuse();
	return run_on(&primary, id, params, res, constraint);
}

db_direct_runner_fn *db_direct_runner = primary_run;

enum db_status db_run_n(enum stmt_id id, const char *const *params, int nparams, PGresult **res,
                        const char **constraint)
{
	return db_direct_runner(id, params, nparams, res, constraint);
}

void db_close(void)
{
	PQfinish(primary.conn);
	primary.conn = NULL;
	db_replica_close();
}

/* ==== Writes: the statement, then the WAL position after its commit ==== */

/* The first result of the next query in a pipeline, then its sync; -1 when it broke. */
static int pipeline_result(PGconn *c, PGresult **out)
{
	PGresult *r;
	*out = NULL;
	while ((r = PQgetResult(c)) != NULL) {
		if (!*out)
			*out = r;
		else
			PQclear(r);
	}
	r = PQgetResult(c);
	int synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
	PQclear(r);
	return synced && *out ? 0 : -1;
}

/*
 * One round trip: the write and STMT_WAL_LSN are pipelined with a sync after each,
 * so the write commits (its own implicit transaction) before the position is read.
 */
static enum db_status run_write(enum stmt_id id, const char *const *params, PGresult **res,
                                const char **constraint, uint64_t *commit_lsn)
{
	const struct statement *s = &statements[id];
	enum db_status st = link_ready(&primary, s->name);
	if (st != DB_OK)
		return st;
	PGconn *c = primary.conn;
	PGresult *work = NULL, *pos = NULL;
	struct timespec start = clock_now();
	int sent = PQenterPipelineMode(c) &&
	           PQsendQueryPrepared(c, s->name, s->nparams, params, NULL, NULL, 0) && PQpipelineSync(c) &&
	           PQsendQueryPrepared(c, statements[STMT_WAL_LSN].name, 0, NULL, NULL, NULL, 0) &&
	           PQpipelineSync(c);
	int got_work = sent && pipeline_result(c, &work) == 0;
	int ok = got_work && pipeline_result(c, &pos) == 0 && PQexitPipelineMode(c);
	metrics_db_query(id, clock_seconds_since(&start));
	if (!ok) {
		log_error(NULL, "db: %s: connection lost: %s", s->name, PQerrorMessage(c));
		metrics_db_error(METRICS_DB_LOST);
		ExecStatusType ws = work ? PQresultStatus(work) : PGRES_FATAL_ERROR;
		int committed = got_work && (ws == PGRES_TUPLES_OK || ws == PGRES_COMMAND_OK);
		PQclear(pos);
		link_lost(&primary, 1);
		if (committed) { /* its sync came back: only the WAL position is missing */
			*res = work;
			return DB_OK;
		}
		PQclear(work);
		return DB_UNKNOWN;
	}
	st = classify(&primary, work, s->name);
	if (st == DB_UNAVAILABLE) { /* the write was sent: its outcome is not known */
		link_lost(&primary, 1);
		st = DB_UNKNOWN;
	}
	if (st == DB_OK && !columns_ok(id, work))
		st = misuse(); /* committed, but not readable: 500 */
	if (st == DB_OK) {
		*res = work;
		if (PQresultStatus(pos) != PGRES_TUPLES_OK || PQntuples(pos) != 1 ||
		    lsn_parse(PQgetvalue(pos, 0, 0), commit_lsn) != 0)
			log_error(NULL, "db: %s: no WAL position after the commit: %s", s->name,
			          PQresultErrorMessage(pos));
	} else {
		PQclear(work);
		if (st == DB_UNIQUE && constraint)
			*constraint = constraint_name;
		if (st == DB_UNAVAILABLE)
			link_lost(&primary, 1);
	}
	PQclear(pos);
	return st;
}

/* ==== Reads: the replica while it keeps up ==== */

static void replica_skip(const char *why)
{
	rs.skip_ms = rs.skip_ms ? rs.skip_ms * 2 : SKIP_MIN_MS;
	if (rs.skip_ms > SKIP_MAX_MS)
		rs.skip_ms = SKIP_MAX_MS;
	rs.skip_until_ms = clock_ms() + rs.skip_ms;
	if (!rs.skipping)
		log_warn("db: replica %s (lag %.0f ms, limit %d ms): reads go to the primary", why, rs.lag_ms,
		         cfg.read_max_lag_ms);
	rs.skipping = 1;
}

/* Asks the replica how far it has replayed and how far behind it is; -1 when it cannot say. */
static int replica_check(void)
{
	PGresult *r = NULL;
	if (run_on(&replica, STMT_REPLICA_STATUS, NULL, &r, NULL) != DB_OK)
		return -1;
	int in_recovery = PQgetvalue(r, 0, 0)[0] == 't';
	int ok = in_recovery && lsn_parse(PQgetvalue(r, 0, 1), &rs.replay_lsn) == 0;
	rs.lag_ms = ok ? strtod(PQgetvalue(r, 0, 2), NULL) : 1e9;
	rs.checked_ms = clock_ms();
	PQclear(r);
	if (!ok) {
		replica_skip("is not in recovery (not a streaming replica)");
		/* After a failover the standby it reached may be the new primary: connect again
		   (after the backoff), so that a READ_DATABASE_URL listing every host with
		   target_session_attrs=prefer-standby finds a standby that remains. And a
		   promotion means there is a primary again: try it now, not after its backoff. */
		link_lost(&replica, 0);
		if (!primary.conn)
			primary.next_attempt_ms = 0;
		return -1;
	}
	return 0;
}

/* Whether a read for a client that has seen min_lsn may go to the replica now. */
static int replica_fits(uint64_t min_lsn)
{
	long long now = clock_ms();
	if (!db_replica_configured() || now < rs.skip_until_ms)
		return 0;
	int stale = rs.checked_ms == 0 || now - rs.checked_ms >= cfg.read_check_ms;
	/* Behind the client's token: ask again (at most once a millisecond), it may have moved. */
	if (!stale && min_lsn > rs.replay_lsn && now > rs.checked_ms)
		stale = 1;
	if (stale && replica_check() != 0)
		return 0;
	if (rs.lag_ms > cfg.read_max_lag_ms) {
		replica_skip("lagging");
		return 0;
	}
	if (rs.skipping)
		log_info("db: replica back (lag %.0f ms): reads go to it again", rs.lag_ms);
	rs.skipping = 0;
	rs.skip_ms = 0;
	return min_lsn <= rs.replay_lsn;
}

/*
 * While the primary cannot be reached (a failover: the old one died, no standby is
 * promoted yet), a read goes to the replica even past READ_MAX_LAG_MS: a standby's
 * answer beats a 503, and while there is no primary there are no newer writes to miss.
 * The client's own writes still count: the replica must have replayed its token.
 */
static int primary_away;
static int replica_stands_in(uint64_t min_lsn)
{
	if (!db_replica_configured() || clock_ms() < replica.next_attempt_ms)
		return 0;
	int stale = rs.checked_ms == 0 || min_lsn > rs.replay_lsn ||
	            clock_ms() - rs.checked_ms >= cfg.read_check_ms;
	if (stale && replica_check() != 0)
		return 0;
	if (min_lsn > rs.replay_lsn)
		return 0;
	if (!primary_away)
		log_warn("db: the primary cannot be reached: reads go to the replica (lag %.0f ms)", rs.lag_ms);
	primary_away = 1;
	return 1;
}

enum db_status db_request_run(struct db_request *q, enum stmt_id id, const char *const *params,
                              int nparams, PGresult **res, const char **constraint)
{
	const struct statement *s = &statements[id];
	if (!params_ok(s, nparams))
		return misuse();
	if (q->reads_may_use_replica && s->read_only && replica_fits(q->min_lsn)) {
		if (run_on(&replica, id, params, res, constraint) == DB_OK) {
			q->used |= DB_USED_REPLICA;
			return DB_OK;
		}
		log_warn("db: %s failed on the replica; reading from the primary", s->name);
	}
	q->used |= DB_USED_PRIMARY;
	if (!s->read_only && db_replica_configured())
		return run_write(id, params, res, constraint, &q->commit_lsn);
	enum db_status st = run_on(&primary, id, params, res, constraint);
	if (st == DB_UNAVAILABLE && q->reads_may_use_replica && s->read_only) {
		if (replica_stands_in(q->min_lsn) && run_on(&replica, id, params, res, constraint) == DB_OK) {
			q->used = (q->used & ~DB_USED_PRIMARY) | DB_USED_REPLICA;
			return DB_OK;
		}
		/* The replica may just have found itself promoted (replica_check): then the
		   primary is there again, worth one more try at once. */
		if (primary.next_attempt_ms == 0)
			st = run_on(&primary, id, params, res, constraint);
	}
	if (st == DB_OK && primary_away) {
		log_info("db: the primary answers again: reads follow READ_MAX_LAG_MS again");
		primary_away = 0;
	}
	return st;
}

db_runner_fn *db_runner = db_request_run;

/* ==== Replica state for readiness ==== */

enum db_status db_replica_lag(int *in_recovery, double *lag_seconds)
{
	PGresult *r = NULL;
	if (run_on(&replica, STMT_REPLICA_LAG, NULL, &r, NULL) != DB_OK)
		return DB_UNAVAILABLE;
	*in_recovery = PQgetvalue(r, 0, 0)[0] == 't';
	*lag_seconds = PQgetisnull(r, 0, 1) ? -1 : strtod(PQgetvalue(r, 0, 1), NULL);
	PQclear(r);
	return DB_OK;
}

void db_replica_close(void)
{
	PQfinish(replica.conn);
	replica.conn = NULL;
}

int db_explain_n(enum stmt_id id, const char *const *params, int nparams, int warmup)
{
	const struct statement *s = &statements[id];
	PGresult *r = NULL;
	for (int i = 0; i < warmup; i++) {
		if (db_run_n(id, params, nparams, &r, NULL) != DB_OK) {
			fprintf(stderr, "explain: %s failed (see the log)\n", s->name);
			return -1;
		}
		PQclear(r);
	}
	/* EXECUTE takes its arguments as literals: quote each (this runs from the command line). */
	struct buf sql = {0};
	buf_printf(&sql, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE %s(", s->name);
	for (int i = 0; i < s->nparams; i++) {
		char *lit = params[i] ? PQescapeLiteral(primary.conn, params[i], strlen(params[i])) : NULL;
		buf_printf(&sql, "%s%s", i ? ", " : "", lit ? lit : "NULL");
		PQfreemem(lit);
	}
	buf_putc(&sql, ')');
	r = PQexec(primary.conn, sql.data);
	buf_free(&sql);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "explain: %s", PQerrorMessage(primary.conn));
	for (int i = 0; ok && i < PQntuples(r); i++)
		printf("%s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	return ok ? 0 : -1;
}

/* ==== Migrations ==== */

static int sql_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && e->d_name[0] >= '0' && e->d_name[0] <= '9' && strcmp(e->d_name + n - 4, ".sql") == 0;
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
	PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL, params,
	                           NULL, NULL, 0);
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
		r = PQexecParams(c, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, NULL, params, NULL,
		                 NULL, 0);
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
	PGconn *c = open_connection(conninfo, 0);
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
	if (rc == 0 &&
	    !(exec_ok(c, "SET client_min_messages = warning") &&
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

int db_check(const char *conninfo, const char *dir)
{
	PGconn *c = open_connection(conninfo, 0);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "check-config: database: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	struct dirent **files = NULL;
	int n = scandir(dir, &files, sql_file, alphasort), pending = 0;
	int rc = n < 0 ? -1 : 0;
	if (n < 0)
		fprintf(stderr, "check-config: cannot list the migrations in %s\n", dir);
	for (int i = 0; i < n; i++) {
		const char *params[] = {files[i]->d_name};
		PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
		                           params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			fprintf(stderr, "check-config: migration %s is not applied (run taskapi migrate)\n",
			        files[i]->d_name);
			pending++;
		}
		PQclear(r);
		free(files[i]);
	}
	free(files);
	if (rc == 0)
		printf("database: ok (server %d, %d migrations, %d pending)\n", PQserverVersion(c), n, pending);
	PQfinish(c);
	return rc == 0 && pending == 0 ? 0 : -1;
}
