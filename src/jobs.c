/*
 * The job queue's statements and settings (see include/jobs.h). The effects of the
 * job kinds are written so that running a job twice changes nothing the second time
 * (each insert is keyed by a unique index): delivery is at least once, effects once.
 */
#include "jobs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A failed attempt's next run: base * 2^(attempts-1) ms, at most an hour, times a jitter
   in [0.75, 1.25) drawn once per update (the FROM x row) so run_at and errors agree. */
#define NEXT_RUN                                                                                        \
	"now() + least(x.base * power(2, j.attempts - 1), 3600000) * x.jitter "                             \
	"* interval '1 millisecond'"
#define OUT_OF_ATTEMPTS "j.attempts >= j.max_attempts"

/* The tasks a report covers, for report row r (filters validated by the API). */
#define REPORT_TASKS                                                                                          \
	"t.owner_id = r.target_id "                                                                               \
	"AND (r.filters->>'status' IS NULL OR t.status = r.filters->>'status') "                                  \
	"AND (r.filters->>'priority' IS NULL OR t.priority = r.filters->>'priority') "                            \
	"AND (r.filters->>'due_before' IS NULL OR t.due_date < (r.filters->>'due_before')::timestamptz) "         \
	"AND (r.filters->>'due_after' IS NULL OR t.due_date > (r.filters->>'due_after')::timestamptz) "           \
	"AND (r.filters->>'created_after' IS NULL OR t.created_at > (r.filters->>'created_after')::timestamptz) " \
	"AND (r.filters->>'created_before' IS NULL OR t.created_at < (r.filters->>'created_before')::timestamptz) "
/* RFC 4180: every text field quoted, quotes doubled; lines end in CRLF; times RFC 3339 UTC. */
#define CSV_TEXT(x) "'\"' || replace(coalesce(" x ", ''), '\"', '\"\"') || '\"'"
#define CSV_TIME(x) "coalesce(to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
#define CSV_HEADER  "id,title,description,status,priority,due_date,created_at,updated_at,completed_at\r\n"
#define CSV_LINE                                                                                                                                  \
	"t.id || ',' || " CSV_TEXT("t.title") " || ',' || " CSV_TEXT("t.description") " || ',' || t.status || ',' || t.priority || ',' || " CSV_TIME( \
		"t.due_date") " || ',' || " CSV_TIME("t.created_at") " || ',' || " CSV_TIME("t.updated_at") " || ',' || " CSV_TIME("t.completed_at") " || E'\\r\\n'"

#define RFC3339(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

const struct job_statement job_statements[JOB_STMT_COUNT] = {
	[JOB_CLAIM] =
		{"job_claim",
         "WITH picked AS (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= now() "
         "ORDER BY priority DESC, run_at, id LIMIT $2::int FOR UPDATE SKIP LOCKED) "
         "UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, lease_owner = $1::text, "
         "lease_expires_at = now() + $3::int * interval '1 second', started_at = now() "
         "FROM picked WHERE j.id = picked.id "
         "RETURNING j.id, j.kind, j.payload::text, j.attempts, j.max_attempts",
         3},
	[JOB_COMPLETE] = {"job_complete",
                      "UPDATE jobs SET state = 'done', finished_at = now(), lease_owner = NULL, "
                      "lease_expires_at = NULL WHERE id = ANY ($1::bigint[]) AND lease_owner = $2::text "
                      "AND state = 'running'",
                      2},
	[JOB_FAIL] = {"job_fail",
                  "UPDATE jobs j SET "
                  "state = CASE WHEN " OUT_OF_ATTEMPTS " THEN 'dead' ELSE 'queued' END, "
                  "run_at = CASE WHEN " OUT_OF_ATTEMPTS " THEN j.run_at ELSE " NEXT_RUN " END, "
                  "finished_at = CASE WHEN " OUT_OF_ATTEMPTS " THEN now() END, "
                  "last_error = left($3::text, 2000), lease_owner = NULL, lease_expires_at = NULL, "
                  "errors = j.errors || jsonb_build_object('attempt', j.attempts, 'at', now(), "
                  "  'error', left($3::text, 2000), 'run_at', CASE WHEN " OUT_OF_ATTEMPTS " THEN NULL "
                  "  ELSE " NEXT_RUN " END) "
                  "FROM (SELECT $4::float8 AS base, 0.75 + random() / 2 AS jitter) x "
                  "WHERE j.id = $1::bigint AND j.lease_owner = $2::text AND j.state = 'running' "
                  "RETURNING j.state, j.run_at",
                  4},
	[JOB_EXTEND] = {"job_extend",
                    "UPDATE jobs SET lease_expires_at = now() + $3::int * interval '1 second' "
                    "WHERE id = ANY ($1::bigint[]) AND lease_owner = $2::text AND state = 'running'",
                    3},
	[JOB_RELEASE] = {"job_release",
                     "UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, "
                     "lease_expires_at = NULL, started_at = NULL "
                     "WHERE id = ANY ($1::bigint[]) AND lease_owner = $2::text AND state = 'running'",
                     2},
	/* The attempt counts: the job may have been under way when the connection broke. */
	[JOB_RELEASE_OWNER] = {"job_release_owner",
                           "UPDATE jobs j SET state = CASE WHEN " OUT_OF_ATTEMPTS
                           " THEN 'dead' ELSE 'queued' END, "
                           "finished_at = CASE WHEN " OUT_OF_ATTEMPTS " THEN now() END, "
                           "last_error = 'released after a lost database connection', run_at = now(), "
                           "lease_owner = NULL, lease_expires_at = NULL "
                           "WHERE j.lease_owner = $1::text AND j.state = 'running'",
                           1},
	[JOB_RESCUE] =
		{"job_rescue",
         "UPDATE jobs j SET state = CASE WHEN " OUT_OF_ATTEMPTS " THEN 'dead' ELSE 'queued' END, "
         "finished_at = CASE WHEN " OUT_OF_ATTEMPTS " THEN now() END, run_at = now(), "
         "last_error = 'lease of ' || j.lease_owner || ' expired', "
         "errors = j.errors || jsonb_build_object('attempt', j.attempts, 'at', now(), "
         "  'error', 'lease of ' || j.lease_owner || ' expired', 'run_at', now()), "
         "lease_owner = NULL, lease_expires_at = NULL "
         "WHERE j.id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < now() "
         "  LIMIT 1000 FOR UPDATE SKIP LOCKED) "
         "RETURNING j.id",
         0},
	[JOB_ENQUEUE_UNIQUE] =
		{"job_enqueue_unique",
         "INSERT INTO jobs (kind, payload, unique_key) VALUES ($1::text, $2::jsonb, $3::text) "
         "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING RETURNING id",
         3},
	[JOB_PRUNE] =
		{"job_prune",
         "WITH d AS (DELETE FROM jobs WHERE id IN (SELECT id FROM jobs "
         "  WHERE state IN ('done', 'cancelled') "
         "  AND finished_at < now() - $1::int * interval '1 second' LIMIT 50000) RETURNING 1), "
         "r AS (DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE expires_at < now() "
         "  LIMIT 1000)) "
         "SELECT count(*) FROM d",
         1},
	/* Jobs of kind notify were queued by the task writes of earlier versions (they now
       record the notification themselves); a daemon still runs those left in the queue.
       The owner's preference decides, read when the job runs. */
	[JOB_NOTIFY] =
		{"job_notify",
         "WITH n AS (INSERT INTO notifications (user_id, kind, task_id, title, message, event_key) "
         "SELECT t.owner_id, $2::text, t.id, t.title, " NOTIFICATION_MESSAGE(
			 "$2::text", "t.title",
			 "t.due_date") ", "
                           "'job:' || $1::text "
                           "FROM tasks t LEFT JOIN user_preferences p ON p.user_id = t.owner_id "
                           "WHERE t.id = $3::bigint AND ($2::text <> 'task_due_date_set' OR t.due_date IS NOT NULL) "
                           "AND " NOTIFICATION_WANTED(
							   "$2::text") " "
                                           "ON CONFLICT (event_key) DO NOTHING RETURNING id, user_id, kind), " DELIVERY_JOBS(
											   "$4") "SELECT count(*) FROM n",
         4},
	[JOB_DUE_SCAN] =
		{"job_due_scan",
         "WITH n AS (INSERT INTO notifications (user_id, kind, task_id, title, message, event_key) "
         "SELECT t.owner_id, 'task_due_soon', t.id, t.title, "
         "'Task due within 24 hours: ' || t.title, "
         "'due:' || t.id || ':' || floor(extract(epoch FROM t.due_date))::bigint "
         "FROM tasks t LEFT JOIN user_preferences p ON p.user_id = t.owner_id "
         "WHERE t.status <> 'completed' AND t.due_date IS NOT NULL AND t.due_date > now() "
         "AND t.due_date <= now() + interval '24 hours' AND coalesce(p.notify_due_soon, true) "
         "ON CONFLICT (event_key) DO NOTHING RETURNING id, user_id, kind), " DELIVERY_JOBS(
			 "$1") "SELECT count(*) FROM n",
         1},
	[JOB_PROBE] = {"job_probe",
                   "WITH run AS (INSERT INTO job_probe_runs (job_id, attempt, owner) "
                   "  VALUES ($2::bigint, $3::int, $4::text)) "
                   "INSERT INTO job_probes (key, job_id) VALUES ($1::text, $2::bigint) "
                   "ON CONFLICT (key) DO NOTHING",
                   4},

	/* ==== Email ==== */
	[JOB_EMAIL_LOAD] = {"job_email_load",
                        "SELECT u.email, u.username, n.kind, n.title, n.message, "
                        "to_char(n.created_at AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS \"+0000\"') "
                        "FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.id = $1::bigint",
                        1},
	[JOB_DELIVERY] = {"job_delivery",
                      "INSERT INTO deliveries (notification_id, channel, job_id, attempt, ok, detail) "
                      "VALUES ($1::bigint, 'email', $2::bigint, $3::int, $4::bool, left($5::text, 500))",
                      5},

	/* ==== Webhooks ==== */
	/* Nothing when the webhook was deleted (or the notification is not its user's). */
	[JOB_WEBHOOK_LOAD] =
		{"job_webhook_load",
         "SELECT h.url, h.secret, json_build_object('webhook_id', h.id, 'event', n.kind, "
         "'notification', json_build_object('id', n.id, 'kind', n.kind, 'task_id', n.task_id, "
         "'title', n.title, 'message', n.message, 'created_at', " RFC3339(
			 "n.created_at") "))::text "
                             "FROM webhooks h JOIN notifications n ON n.user_id = h.user_id "
                             "WHERE h.id = $1::bigint AND n.id = $2::bigint",
         2},
	[JOB_WEBHOOK_START] = {"job_webhook_start",
                           "INSERT INTO webhook_deliveries (webhook_id, notification_id, job_id, attempt) "
                           "VALUES ($1::bigint, $2::bigint, $3::bigint, $4::int) RETURNING id",
                           4},
	[JOB_WEBHOOK_FINISH] = {"job_webhook_finish",
                            "UPDATE webhook_deliveries SET finished_at = now(), delivered = $2::bool, "
                            "status_code = $3::int, error = left($4::text, 500), duration_ms = $5::int "
                            "WHERE id = $1::bigint",
                            5},

	/* ==== Reports ==== */
	[JOB_REPORT_START] =
		{"job_report_start",
         "WITH d AS (DELETE FROM report_chunks WHERE report_id = $1::bigint), "
         "h AS (INSERT INTO report_chunks (report_id, seq, data) SELECT $1::bigint, 0, "
         "  convert_to('" CSV_HEADER
         "', 'UTF8') FROM reports WHERE id = $1::bigint AND kind = 'tasks_csv') "
         "UPDATE reports r SET status = 'running', rows_done = 0, bytes = 0, chunks = 0, error = NULL, "
         "rows_total = (SELECT count(*) FROM tasks t WHERE " REPORT_TASKS ") "
         "WHERE r.id = $1::bigint AND r.status IN ('queued', 'running') RETURNING r.kind, r.target_id",
         1},
	[JOB_REPORT_CHUNK] =
		{"job_report_chunk",
         "WITH r AS (SELECT * FROM reports WHERE id = $1::bigint), "
         "page AS (SELECT t.* FROM tasks t, r WHERE " REPORT_TASKS " AND t.id > $3::bigint "
         "  ORDER BY t.id LIMIT $4::int), "
         "ins AS (INSERT INTO report_chunks (report_id, seq, data) "
         "  SELECT $1::bigint, $2::int, convert_to(string_agg(" CSV_LINE ", '' ORDER BY t.id), 'UTF8') "
         "  FROM page t HAVING count(*) > 0 RETURNING octet_length(data) AS n), "
         "upd AS (UPDATE reports SET rows_done = rows_done + (SELECT count(*) FROM page), "
         "  bytes = bytes + coalesce((SELECT n FROM ins), 0) + CASE WHEN $2::int = 1 THEN "
         "  octet_length('" CSV_HEADER "') ELSE 0 END, "
         "  chunks = $2::int + CASE WHEN EXISTS (SELECT 1 FROM page) THEN 1 ELSE 0 END "
         "  WHERE id = $1::bigint) "
         "SELECT count(*), coalesce(max(id), 0) FROM page",
         4},
	[JOB_REPORT_SUMMARY] =
		{"job_report_summary",
         "UPDATE reports r SET status = 'done', finished_at = now(), rows_done = s.total, summary = s.j "
         "FROM (SELECT count(*) AS total, jsonb_build_object('total', count(*), "
         "  'by_status', jsonb_build_object('todo', count(*) FILTER (WHERE t.status = 'todo'), "
         "    'in_progress', count(*) FILTER (WHERE t.status = 'in_progress'), "
         "    'completed', count(*) FILTER (WHERE t.status = 'completed')), "
         "  'by_priority', jsonb_build_object('low', count(*) FILTER (WHERE t.priority = 'low'), "
         "    'medium', count(*) FILTER (WHERE t.priority = 'medium'), "
         "    'high', count(*) FILTER (WHERE t.priority = 'high')), "
         "  'overdue', count(*) FILTER (WHERE t.due_date < now() AND t.status <> 'completed'), "
         "  'with_due_date', count(t.due_date)) AS j "
         "  FROM reports r, tasks t WHERE r.id = $1::bigint AND " REPORT_TASKS ") s "
         "WHERE r.id = $1::bigint",
         1},
	[JOB_REPORT_FINISH] =
		{"job_report_finish",
         "UPDATE reports SET status = 'done', finished_at = now() WHERE id = $1::bigint", 1},
	[JOB_REPORT_FAIL] =
		{"job_report_fail",
         "UPDATE reports SET status = 'failed', finished_at = now(), error = left($2::text, 500) "
         "WHERE id = $1::bigint",
         2},
};

int jobs_prepare(PGconn *conn)
{
	/* Asynchronous commit: WAL still reaches disk in order, so a crash can only lose the
	   last few commits together: a lost "done" sends its job round again (the lease
	   expires), whose effect is keyed and happens once. It spares a disk flush per job. */
	PGresult *r = PQexec(conn, "SET TIME ZONE 'UTC'; SET jit = off; SET client_min_messages = warning; "
	                           "SET synchronous_commit = off");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	for (int i = 0; ok && i < JOB_STMT_COUNT; i++) {
		r = PQprepare(conn, job_statements[i].name, job_statements[i].sql, job_statements[i].nparams,
		              NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			log_error(NULL, "jobs: preparing %s: %s", job_statements[i].name, PQerrorMessage(conn));
		PQclear(r);
	}
	return ok ? 0 : -1;
}

PGresult *jobs_run(PGconn *conn, enum job_stmt id, const char *const *params)
{
	PGresult *r =
		PQexecPrepared(conn, job_statements[id].name, job_statements[id].nparams, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	log_error(NULL, "jobs: %s: %s", job_statements[id].name, PQerrorMessage(conn));
	PQclear(r);
	return NULL;
}

/* ==== Settings ==== */

static int env_int(const char *name, long def, long min, long max, int *out, char *err, size_t n)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = (int)def;
		return 0;
	}
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || x < min || x > max) {
		snprintf(err, n, "%s must be a whole number from %ld to %ld", name, min, max);
		return -1;
	}
	*out = (int)x;
	return 0;
}

int jobs_config_load(struct jobs_config *jc, char *err, size_t errlen)
{
	if (env_int("TASKAPI_JOB_WORKERS", 2, 1, 256, &jc->daemons, err, errlen) ||
	    env_int("JOBS_BATCH", 100, 1, 10000, &jc->batch, err, errlen) ||
	    env_int("JOBS_LEASE_SECONDS", 60, 1, 86400, &jc->lease_seconds, err, errlen) ||
	    env_int("JOBS_POLL_MS", 1000, 10, 600000, &jc->poll_ms, err, errlen) ||
	    env_int("JOBS_GATHER_MS", 20, 0, 10000, &jc->gather_ms, err, errlen) ||
	    env_int("JOBS_BACKOFF_MS", 1000, 1, 3600000, &jc->backoff_ms, err, errlen) ||
	    env_int("JOBS_RETENTION_SECONDS", 86400, 1, 365 * 86400, &jc->retention_seconds, err, errlen) ||
	    env_int("JOBS_DUE_SCAN_SECONDS", 300, 1, 86400, &jc->due_scan_seconds, err, errlen) ||
	    env_int("JOBS_PRUNE_SECONDS", 3600, 1, 86400, &jc->prune_seconds, err, errlen) ||
	    env_int("SMTP_TIMEOUT_MS", 10000, 100, 600000, &jc->smtp_timeout_ms, err, errlen) ||
	    env_int("WEBHOOK_CONNECT_TIMEOUT_MS", 3000, 100, 60000, &jc->webhook_connect_timeout_ms, err,
	            errlen) ||
	    env_int("WEBHOOK_TIMEOUT_MS", 10000, 100, 600000, &jc->webhook_timeout_ms, err, errlen))
		return -1;
	/* A POST outliving its lease would be sent again by another daemon while still under way:
	   the default stays within half the lease, a setting beyond the lease is refused. */
	const char *set = getenv("WEBHOOK_TIMEOUT_MS");
	if ((!set || !*set) && jc->webhook_timeout_ms > jc->lease_seconds * 500)
		jc->webhook_timeout_ms = jc->lease_seconds * 500;
	if (jc->webhook_timeout_ms >= jc->lease_seconds * 1000LL) {
		snprintf(err, errlen, "WEBHOOK_TIMEOUT_MS (%d) must be shorter than JOBS_LEASE_SECONDS (%d s)",
		         jc->webhook_timeout_ms, jc->lease_seconds);
		return -1;
	}
	const char *url = getenv("SMTP_URL"), *from = getenv("SMTP_FROM");
	jc->smtp_url = url && *url ? url : NULL;
	jc->smtp_from = from && *from ? from : "taskapi@localhost";
	if (jc->smtp_url && strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) {
		snprintf(err, errlen, "SMTP_URL must start with smtp:// or smtps://");
		return -1;
	}
	if (strpbrk(jc->smtp_from, "<>\r\n ")) {
		snprintf(err, errlen, "SMTP_FROM must be a bare address (no spaces, <, >, line breaks)");
		return -1;
	}
	return 0;
}
