/*
 * The job queue on PostgreSQL (table jobs, sql/006_jobs.sql): what the `taskapi work`
 * daemons (src/work.c) and `taskapi jobs` (src/jobs_cli.c) run against it. Claims take
 * due queued jobs in batches with FOR UPDATE SKIP LOCKED and lease them to one daemon;
 * a lease that expires puts the job back; failures back off exponentially with jitter
 * until max_attempts, then the job is dead with its error. The queue's statements are
 * prepared on the daemon's own connection (the pool never runs them), so they live here.
 */
#ifndef TASKAPI_JOBS_H
#define TASKAPI_JOBS_H

#include <libpq-fe.h>

/* The LISTEN channel the jobs_notify trigger signals on a statement that inserts jobs. */
#define JOBS_CHANNEL "taskapi_jobs"

/*
 * SQL shared by the statements that record notifications: the task writes of the pool
 * (src/statements.c) and the daemons' due-soon scan and legacy notify jobs.
 *
 * NOTIFICATION_WANTED: whether the owner's preferences (p, a LEFT JOIN of
 * user_preferences) take a notification of that kind. NOTIFICATION_MESSAGE: its text.
 */
#define NOTIFICATION_WANTED(kind)                                                                       \
	"CASE " kind " WHEN 'task_created' THEN coalesce(p.notify_task_created, true) "                     \
	"WHEN 'task_completed' THEN coalesce(p.notify_task_completed, true) "                               \
	"WHEN 'task_due_date_set' THEN coalesce(p.notify_due_soon, true) ELSE false END"
#define NOTIFICATION_MESSAGE(kind, title, due)                                                          \
	"CASE " kind " WHEN 'task_created' THEN 'Task created: ' || " title " "                             \
	"WHEN 'task_completed' THEN 'Task completed: ' || " title " "                                       \
	"ELSE 'Due date set for ' || " title " || ': ' || to_char(" due " AT TIME ZONE "                    \
	"coalesce(p.timezone, 'UTC'), 'YYYY-MM-DD HH24:MI') END"

/*
 * The delivery jobs of the notifications of CTE n (id, user_id, kind), in the statement
 * that records them (both commit or neither): with email on (flag, SMTP_URL set), an
 * `email` job each; and a `webhook` job per webhook of the owner that takes the kind.
 * Unique keys name the notification (and webhook), so a rerun queues nothing twice. 12
 * attempts: with the default 1 s backoff a relay may be away for about an hour. One INSERT
 * for both: a statement pays for opening the jobs table's indexes once.
 */
#define DELIVERY_JOBS(flag)                                                                             \
	"dj AS (INSERT INTO jobs (kind, payload, unique_key, max_attempts) "                                \
	"SELECT 'email', jsonb_build_object('notification_id', n.id), 'email:' || n.id, 12 FROM n "         \
	"WHERE " flag "::bool UNION ALL "                                                                   \
	"SELECT 'webhook', jsonb_build_object('notification_id', n.id, 'webhook_id', h.id), "               \
	"'webhook:' || n.id || ':' || h.id, 12 FROM n JOIN webhooks h ON h.user_id = n.user_id "            \
	"AND n.kind = ANY (h.events) ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING) "

enum job_stmt {
	JOB_CLAIM,          /* $1 owner, $2 batch size, $3 lease seconds */
	JOB_COMPLETE,       /* $1 ids (bigint[]), $2 owner */
	JOB_FAIL,           /* $1 id, $2 owner, $3 error, $4 backoff base ms */
	JOB_EXTEND,         /* $1 ids, $2 owner, $3 lease seconds */
	JOB_RELEASE,        /* $1 ids, $2 owner: claimed but not started, back to queued */
	JOB_RELEASE_OWNER,  /* $1 owner: whatever this daemon held when its connection broke */
	JOB_RESCUE,         /* expired leases back to queued (or dead when out of attempts) */
	JOB_ENQUEUE_UNIQUE, /* $1 kind, $2 payload, $3 unique key: nothing if the key is taken */
	JOB_PRUNE,          /* $1 retention seconds: done and cancelled jobs older than that */
	JOB_NOTIFY,         /* $1 job id, $2 event, $3 task id, $4 email on: a notify job's notification */
	JOB_DUE_SCAN,       /* $1 email on: reminders for tasks due within 24 hours, once per due date */
	JOB_EMAIL_LOAD,     /* $1 notification id: recipient and text */
	JOB_DELIVERY,       /* $1 notification, $2 job, $3 attempt, $4 ok, $5 detail: one attempt */
	JOB_WEBHOOK_LOAD,   /* $1 webhook id, $2 notification id: url, secret, body */
	JOB_WEBHOOK_START,  /* $1 webhook, $2 notification, $3 job, $4 attempt: the attempt's row */
	JOB_WEBHOOK_FINISH, /* $1 delivery row, $2 delivered, $3 status, $4 error, $5 duration ms */
	JOB_PROBE,          /* $1 key, $2 job id, $3 attempt, $4 owner: the probe's effect */
	JOB_REPORT_START,   /* $1 report id: running, counted, earlier chunks gone, header row */
	JOB_REPORT_CHUNK,   /* $1 report id, $2 seq, $3 after task id, $4 rows: one CSV chunk */
	JOB_REPORT_SUMMARY, /* $1 report id: the counts, and done */
	JOB_REPORT_FINISH,  /* $1 report id: done */
	JOB_REPORT_FAIL,    /* $1 report id, $2 error: failed for good */
	JOB_STMT_COUNT
};

struct job_statement {
	const char *name;
	const char *sql;
	int nparams;
};

extern const struct job_statement job_statements[JOB_STMT_COUNT];

/* The daemons' settings, from the environment (defaults in the README). */
struct jobs_config {
	int daemons;                    /* TASKAPI_JOB_WORKERS: daemons under one `taskapi work` master */
	int batch;                      /* JOBS_BATCH: jobs claimed per round trip */
	int lease_seconds;              /* JOBS_LEASE_SECONDS */
	int poll_ms;                    /* JOBS_POLL_MS: the wake-up when no NOTIFY comes */
	int gather_ms;                  /* JOBS_GATHER_MS: the wait after a NOTIFY before claiming */
	int backoff_ms;                 /* JOBS_BACKOFF_MS: the first retry's delay; doubles per attempt */
	int retention_seconds;          /* JOBS_RETENTION_SECONDS: done/cancelled jobs kept this long */
	int due_scan_seconds;           /* JOBS_DUE_SCAN_SECONDS: how often the due-soon scan is queued */
	int prune_seconds;              /* JOBS_PRUNE_SECONDS: how often pruning is queued */
	const char *smtp_url;           /* SMTP_URL: the relay (smtp:// or smtps://); NULL: no email */
	const char *smtp_from;          /* SMTP_FROM: the sender address */
	int smtp_timeout_ms;            /* SMTP_TIMEOUT_MS: one delivery attempt, at most */
	int webhook_connect_timeout_ms; /* WEBHOOK_CONNECT_TIMEOUT_MS */
	int webhook_timeout_ms;         /* WEBHOOK_TIMEOUT_MS: one POST, at most */
};

/* Reads the JOBS_* settings; on a refusal writes why to err and returns -1. */
int jobs_config_load(struct jobs_config *jc, char *err, size_t errlen);

/* Prepares every queue statement on conn (session in UTC). 0, or -1 with the error logged. */
int jobs_prepare(PGconn *conn);
/* Runs a queue statement; returns the result (the caller clears it) or NULL after logging. */
PGresult *jobs_run(PGconn *conn, enum job_stmt id, const char *const *params);

/* The queue's gauges in the Prometheus text format (read from PostgreSQL at each scrape). */
struct buf;
void jobs_metrics_render(struct buf *out);

/* Runs the master of the job daemons (the master code of the pool) until SIGTERM. */
int work_master_run(const char *self);
/* One daemon: claims and works jobs until SIGTERM (the master execs these). */
int work_daemon_run(void);
/* `taskapi jobs list|show|retry|cancel ...` */
int jobs_cli(int argc, char **argv);

#endif
