/*
 * The job queue in /metrics: its state is in PostgreSQL, shared by every daemon on every
 * host, so it is read from there at each scrape (one statement over small indexes) and
 * written in the Prometheus text format after the pool's own metrics.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "jobs.h"
#include "log.h"

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Rows of metric = m from the jobs_metrics result: name{labels} value. */
static void rows(struct buf *out, PGresult *r, const char *m, const char *name, int with_state)
{
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 0), m) != 0)
			continue;
		buf_printf(out, "%s{", name);
		if (with_state)
			buf_printf(out, "state=\"%s\",", PQgetvalue(r, i, 1));
		buf_printf(out, "kind=\"%s\"} %s\n", PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	}
}

void jobs_metrics_render(struct buf *out)
{
	PGresult *r = NULL;
	if (db_run_n(STMT_JOB_METRICS, NULL, 0, &r, NULL) != DB_OK)
		return; /* logged by db_run; db_up says the rest */
	family(out, "jobs_queue_depth", "gauge",
	       "Jobs in the queue table by state (queued, running, done, dead, cancelled) and kind.");
	rows(out, r, "depth", "jobs_queue_depth", 1);
	family(out, "jobs_oldest_queued_seconds", "gauge",
	       "Age of the oldest job that is due and still waits to be claimed, by kind.");
	rows(out, r, "oldest", "jobs_oldest_queued_seconds", 0);
	family(out, "jobs_retrying", "gauge",
	       "Queued jobs that failed at least once (waiting out their backoff).");
	rows(out, r, "retrying", "jobs_retrying", 0);
	family(out, "jobs_recent_attempts", "gauge",
	       "Attempts used by the jobs finished (done or dead) in the last 5 minutes, by kind.");
	rows(out, r, "attempts", "jobs_recent_attempts", 0);
	family(out, "jobs_recent_finished", "gauge",
	       "Jobs finished (done or dead) in the last 5 minutes, by kind.");
	rows(out, r, "finished", "jobs_recent_finished", 0);
	family(out, "jobs_duration_p50_seconds", "gauge",
	       "Median claim-to-completion time of the jobs done in the last 5 minutes, by kind.");
	rows(out, r, "p50", "jobs_duration_p50_seconds", 0);
	family(out, "jobs_duration_p99_seconds", "gauge",
	       "99th percentile claim-to-completion time of the jobs done in the last 5 minutes, by kind.");
	rows(out, r, "p99", "jobs_duration_p99_seconds", 0);
	PQclear(r);
}
