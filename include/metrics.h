/*
 * Prometheus metrics for the whole pool. The master creates one shared memory segment
 * (a memfd, inherited by the exec'd workers through TASKAPI_METRICS_FD); every worker
 * maps it and updates its counters with C11 atomics, so any worker can render /metrics
 * for all of them and a respawned worker adds to the same counters.
 */
#ifndef TASKAPI_METRICS_H
#define TASKAPI_METRICS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "db.h"
#include "http.h"
#include "words.h"

enum metrics_db_error {
	METRICS_DB_CONNECT, /* a connection attempt (or preparing its statements) failed */
	METRICS_DB_LOST,    /* an open connection broke under a statement */
	METRICS_DB_QUERY,   /* a statement failed (not counting unique violations) */
	METRICS_DB_ERROR_KINDS
};

/* tasks_total is broken down by status (task_statuses, include/words.h). */
enum { METRICS_TASK_STATUSES = TASK_STATUS_COUNT };

/* ==== Setting up ==== */

/* Master: creates the segment and exports its fd in TASKAPI_METRICS_FD; 0 on success. */
int metrics_create(void);
/*
 * Worker: maps the master's segment (a private one when there is none, or when it was
 * made by a binary with another layout) and claims a worker slot; 0 on success.
 */
int metrics_attach(void);
/* Unmaps the segment (tests). */
void metrics_detach(void);

/* ==== Master ==== */

/* A worker was reaped: frees its slot (and its in-flight count); counts a restart if
   it died without being asked to. */
void metrics_worker_exited(pid_t pid, int unexpected);
void metrics_workers_alive(int n);
/*
 * The request id worker pid last began into out: 1 when it is in flight now, 0 when the
 * worker is between requests, -1 when the worker has no slot ("unknown").
 */
int metrics_worker_request(pid_t pid, char *out, size_t n);

/* ==== Worker ==== */

void metrics_request_begin(void);
/* The request id of the request in hand (NULL when none), kept in this worker's slot. */
void metrics_request_id(const char *id);
/* route: index in routes[], -1 when no route matched. */
void metrics_request_end(enum http_method method, int route, int status, double seconds);
void metrics_db_query(enum stmt_id id, double seconds);
void metrics_db_error(enum metrics_db_error kind);
void metrics_db_reconnect(void);

/*
 * 1 when the business gauges are older than interval_ms and this caller won the right
 * to refresh them (one compare-and-swap on the shared timestamp); it then calls
 * metrics_business_set. Everyone else renders the cached values.
 */
int metrics_business_due(long long interval_ms);
void metrics_business_set(long long users, const long long tasks[METRICS_TASK_STATUSES]);
/* The outcome of that refresh's query: db_up, the pool's periodic probe of the primary. */
void metrics_db_up(int up);

/* Appends the text exposition format (0.0.4) of every metric to out. */
void metrics_render(struct buf *out);

/* ==== Exposed for tests ==== */

/* Index of the bucket seconds falls in (n, the +Inf bucket, past the last bound). */
int metrics_bucket(const double *bounds, int n, double seconds);
/* Index of status in the status table, or of its class's catch-all ("5xx"). */
int metrics_status_slot(int status);

#endif
