/*
 * `taskapi work`: the job daemons. A master (the pool's supervision code, src/master.c)
 * keeps TASKAPI_JOB_WORKERS daemons running; each has one connection, LISTENs on
 * JOBS_CHANNEL, and loops: put back expired leases, queue the periodic jobs (once per
 * period across every daemon on every host, by unique key), claim a batch, work it,
 * complete it in one statement, then wait for a NOTIFY or the poll interval.
 * SIGTERM: the job under way finishes, the rest of the batch is released, then exit.
 */
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "jobs.h"
#include "log.h"
#include "mail.h"
#include "server.h"
#include "webhook.h"

#define BACKOFF_MIN_MS     100
#define BACKOFF_MAX_MS     5000
#define RESCUE_EVERY_MS    1000
#define PROBE_SLEEP_MAX_MS 600000

/* JOB_GIVEN_BACK: stopped part way on SIGTERM; the job goes back to the queue unharmed. */
enum job_outcome { JOB_DONE, JOB_FAILED, JOB_LOST, JOB_GIVEN_BACK };

struct job {
	const char *id;
	const char *kind;
	struct json_object *payload; /* owned by the caller of the handler */
	int attempt;
	int max_attempts;
};

struct daemon {
	PGconn *conn;
	char owner[160]; /* host/pid/random: names this process's leases */
	struct jobs_config jc;
	long long backoff_ms;
	long long last_rescue_ms;
	long long due_bucket; /* the last period this daemon queued a due scan for */
	long long prune_bucket;
};

static volatile sig_atomic_t stopping, reopen_log;

static void on_term(int sig)
{
	if (sig == SIGUSR1)
		reopen_log = 1; /* the master relays a log rotation */
	else
		stopping = 1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Sleeps ms, cut short by SIGTERM. */
static void nap(long long ms)
{
	long long until = now_ms() + ms;
	while (!stopping && now_ms() < until) {
		long long left = until - now_ms();
		struct timespec ts = {0, (left > 50 ? 50 : left) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static int lost(const struct daemon *d)
{
	return PQstatus(d->conn) != CONNECTION_OK;
}

/* ==== Job kinds ==== */

static void extend_lease(struct daemon *d, const char *job_id);

static const char *payload_str(const struct job *j, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(j->payload, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static long long payload_int(const struct job *j, const char *key, long long def)
{
	struct json_object *v;
	if (!json_object_object_get_ex(j->payload, key, &v) || !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

/* Runs a statement whose result is not needed; JOB_LOST when the connection went. */
static enum job_outcome run_effect(struct daemon *d, enum job_stmt id, const char *const *params,
                                   char *err, size_t n)
{
	PGresult *r = jobs_run(d->conn, id, params);
	if (r) {
		PQclear(r);
		return JOB_DONE;
	}
	if (lost(d))
		return JOB_LOST;
	snprintf(err, n, "%s: %s", job_statements[id].name, PQerrorMessage(d->conn));
	return JOB_FAILED;
}

static enum job_outcome kind_noop(struct daemon *d, const struct job *j, char *err, size_t n)
{
	(void)d, (void)j, (void)err, (void)n;
	return JOB_DONE;
}

/* The end-to-end check: {"key": K, "sleep_ms": N, "fail": "why"}. Every run is recorded;
   the effect (a job_probes row per key) only when it does not fail. */
static enum job_outcome kind_probe(struct daemon *d, const struct job *j, char *err, size_t n)
{
	long long sleep_ms = payload_int(j, "sleep_ms", 0);
	if (sleep_ms > 0) {
		struct timespec ts = {0, 0};
		sleep_ms = sleep_ms > PROBE_SLEEP_MAX_MS ? PROBE_SLEEP_MAX_MS : sleep_ms;
		ts.tv_sec = sleep_ms / 1000;
		ts.tv_nsec = (sleep_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			; /* SIGTERM lets the job finish */
	}
	const char *key = payload_str(j, "key");
	const char *fail = payload_str(j, "fail");
	char attempt[16];
	snprintf(attempt, sizeof attempt, "%d", j->attempt);
	const char *params[] = {key ? key : j->id, j->id, attempt, d->owner};
	if (fail) {
		/* Record the run only (a key nobody uses), then fail as asked. */
		char none[40];
		snprintf(none, sizeof none, "failed:%s:%d", j->id, j->attempt);
		params[0] = none;
		enum job_outcome o = run_effect(d, JOB_PROBE, params, err, n);
		if (o != JOB_DONE)
			return o;
		snprintf(err, n, "%s", fail);
		return JOB_FAILED;
	}
	return run_effect(d, JOB_PROBE, params, err, n);
}

/* {"event": "task_created" | "task_completed" | "task_due_date_set", "task_id": N} */
static enum job_outcome kind_notify(struct daemon *d, const struct job *j, char *err, size_t n)
{
	const char *event = payload_str(j, "event");
	long long task = payload_int(j, "task_id", 0);
	if (!event || task <= 0) {
		snprintf(err, n, "payload needs event and task_id");
		return JOB_FAILED;
	}
	char stask[24];
	snprintf(stask, sizeof stask, "%lld", task);
	const char *params[] = {j->id, event, stask, d->jc.smtp_url ? "t" : "f"};
	return run_effect(d, JOB_NOTIFY, params, err, n);
}

static enum job_outcome kind_due_scan(struct daemon *d, const struct job *j, char *err, size_t n)
{
	(void)j;
	const char *params[] = {d->jc.smtp_url ? "t" : "f"};
	PGresult *r = jobs_run(d->conn, JOB_DUE_SCAN, params);
	if (!r) {
		if (lost(d))
			return JOB_LOST;
		snprintf(err, n, "due scan: %s", PQerrorMessage(d->conn));
		return JOB_FAILED;
	}
	log_info("work: due-soon scan recorded %s reminders", PQgetvalue(r, 0, 0));
	PQclear(r);
	return JOB_DONE;
}

static enum job_outcome kind_prune(struct daemon *d, const struct job *j, char *err, size_t n)
{
	(void)j;
	char secs[16];
	snprintf(secs, sizeof secs, "%d", d->jc.retention_seconds);
	const char *params[] = {secs};
	PGresult *r = jobs_run(d->conn, JOB_PRUNE, params);
	if (!r) {
		if (lost(d))
			return JOB_LOST;
		snprintf(err, n, "prune: %s", PQerrorMessage(d->conn));
		return JOB_FAILED;
	}
	log_info("work: pruned %s finished jobs", PQgetvalue(r, 0, 0));
	PQclear(r);
	return JOB_DONE;
}

/* {"report_id": N}: a CSV in chunks of REPORT_CHUNK_ROWS tasks (keyset on the task id), or
   the summary. All of it is made by PostgreSQL: the daemon holds one small row at a time.
   Run again, it starts over (the earlier chunks are deleted). SIGTERM between chunks gives
   the job back (JOB_GIVEN_BACK). */
#define REPORT_CHUNK_ROWS 1000
static enum job_outcome report_fail(struct daemon *d, const struct job *j, const char *rid, char *err,
                                    size_t n)
{
	if (j->attempt >= j->max_attempts) {
		const char *params[] = {rid, err};
		PQclear(jobs_run(d->conn, JOB_REPORT_FAIL, params));
	}
	(void)n;
	return lost(d) ? JOB_LOST : JOB_FAILED;
}

static enum job_outcome kind_report(struct daemon *d, const struct job *j, char *err, size_t n)
{
	long long id = payload_int(j, "report_id", 0);
	char rid[24];
	snprintf(rid, sizeof rid, "%lld", id);
	const char *params[4] = {rid};
	PGresult *r = jobs_run(d->conn, JOB_REPORT_START, params);
	if (!r) {
		snprintf(err, n, "report start: %s", PQerrorMessage(d->conn));
		return report_fail(d, j, rid, err, n);
	}
	int csv = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "tasks_csv") == 0;
	int found = PQntuples(r) == 1;
	PQclear(r);
	if (!found)
		return JOB_DONE; /* deleted (expired, or its owner gone) or already finished */
	if (!csv) {
		enum job_outcome o = run_effect(d, JOB_REPORT_SUMMARY, params, err, n);
		return o == JOB_FAILED ? report_fail(d, j, rid, err, n) : o;
	}
	char seq[16], after[24] = "0", rows[16];
	snprintf(rows, sizeof rows, "%d", REPORT_CHUNK_ROWS);
	for (int i = 1;; i++) {
		snprintf(seq, sizeof seq, "%d", i);
		const char *chunk[] = {rid, seq, after, rows};
		if (!(r = jobs_run(d->conn, JOB_REPORT_CHUNK, chunk))) {
			snprintf(err, n, "report chunk %d: %s", i, PQerrorMessage(d->conn));
			return report_fail(d, j, rid, err, n);
		}
		long long got = atoll(PQgetvalue(r, 0, 0));
		snprintf(after, sizeof after, "%s", PQgetvalue(r, 0, 1));
		PQclear(r);
		if (got < REPORT_CHUNK_ROWS)
			break;
		if (stopping)
			return JOB_GIVEN_BACK;
		extend_lease(d, j->id);
	}
	enum job_outcome o = run_effect(d, JOB_REPORT_FINISH, params, err, n);
	return o == JOB_FAILED ? report_fail(d, j, rid, err, n) : o;
}

/* {"notification_id": N}: the notification by email to its user, every attempt recorded
   in deliveries. Without SMTP_URL (set on another daemon's host only) it fails, to be
   retried where email is configured. */
static enum job_outcome kind_email(struct daemon *d, const struct job *j, char *err, size_t n)
{
	char nid[24];
	snprintf(nid, sizeof nid, "%lld", payload_int(j, "notification_id", 0));
	if (!d->jc.smtp_url) {
		snprintf(err, n, "no SMTP_URL on this daemon");
		return JOB_FAILED;
	}
	const char *params[] = {nid};
	PGresult *r = jobs_run(d->conn, JOB_EMAIL_LOAD, params);
	if (!r)
		return lost(d) ? JOB_LOST : JOB_FAILED;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return JOB_DONE; /* the notification (or its user) is gone: nothing to send */
	}
	char msgid[96], subject[320];
	snprintf(msgid, sizeof msgid, "notification-%s@taskapi", nid);
	snprintf(subject, sizeof subject, "[taskapi] %s", PQgetvalue(r, 0, 4));
	struct mail m = {.from = d->jc.smtp_from,
	                 .to = PQgetvalue(r, 0, 0),
	                 .subject = subject,
	                 .date = PQgetvalue(r, 0, 5),
	                 .message_id = msgid};
	struct buf body = {0};
	buf_cat(&body, "Hello ", PQgetvalue(r, 0, 1), ",\n\n", PQgetvalue(r, 0, 4), "\n\n(",
	        PQgetvalue(r, 0, 2), ", notification ", nid, ")\n", NULL);
	m.body = body.data;
	int sent = mail_send(d->jc.smtp_url, &m, d->jc.smtp_timeout_ms, err, n) == 0;
	buf_free(&body);
	PQclear(r);
	char attempt[16];
	snprintf(attempt, sizeof attempt, "%d", j->attempt);
	const char *rec[] = {nid, j->id, attempt, sent ? "t" : "f", sent ? "sent" : err};
	char ignored[8];
	if (run_effect(d, JOB_DELIVERY, rec, ignored, sizeof ignored) == JOB_LOST)
		return JOB_LOST;
	return sent ? JOB_DONE : JOB_FAILED;
}

/* {"webhook_id": W, "notification_id": N}: one signed POST to the webhook. The attempt's
   row is written before the POST and given its outcome after it: a daemon killed during
   the POST leaves the row without one, and the job runs again once its lease expires. */
static enum job_outcome kind_webhook(struct daemon *d, const struct job *j, char *err, size_t n)
{
	char wid[24], nid[24], attempt[16];
	snprintf(wid, sizeof wid, "%lld", payload_int(j, "webhook_id", 0));
	snprintf(nid, sizeof nid, "%lld", payload_int(j, "notification_id", 0));
	snprintf(attempt, sizeof attempt, "%d", j->attempt);
	const char *params[] = {wid, nid, j->id, attempt};
	PGresult *load = jobs_run(d->conn, JOB_WEBHOOK_LOAD, params);
	if (!load)
		return lost(d) ? JOB_LOST : JOB_FAILED;
	if (PQntuples(load) != 1) {
		PQclear(load);
		return JOB_DONE; /* the webhook (or the notification) is gone: nothing to send */
	}
	PGresult *row = jobs_run(d->conn, JOB_WEBHOOK_START, params);
	if (!row) {
		PQclear(load);
		return lost(d) ? JOB_LOST : JOB_FAILED;
	}
	char delivery_id[64];
	snprintf(delivery_id, sizeof delivery_id, "%s:%s", wid, nid);
	struct webhook_post post = {.url = PQgetvalue(load, 0, 0),
	                            .secret = PQgetvalue(load, 0, 1),
	                            .body = PQgetvalue(load, 0, 2),
	                            .delivery_id = delivery_id,
	                            .attempt = j->attempt,
	                            .connect_timeout_ms = d->jc.webhook_connect_timeout_ms,
	                            .timeout_ms = d->jc.webhook_timeout_ms};
	struct webhook_result res;
	int sent = webhook_post(&post, &res) == 0;
	PQclear(load);
	char status[16], ms[24];
	snprintf(status, sizeof status, "%d", res.status);
	snprintf(ms, sizeof ms, "%lld", res.duration_ms);
	const char *rec[] = {PQgetvalue(row, 0, 0), sent ? "t" : "f", res.status ? status : NULL,
	                     sent ? NULL : res.error, ms};
	enum job_outcome o = run_effect(d, JOB_WEBHOOK_FINISH, rec, err, n);
	PQclear(row);
	if (o != JOB_DONE)
		return o;
	if (!sent)
		snprintf(err, n, "webhook %s: %s", wid, res.error);
	return sent ? JOB_DONE : JOB_FAILED;
}

static const struct {
	const char *kind;
	enum job_outcome (*run)(struct daemon *d, const struct job *j, char *err, size_t n);
} kinds[] = {
	{"noop", kind_noop},   {"probe", kind_probe},   {"notify", kind_notify}, {"due_scan", kind_due_scan},
	{"prune", kind_prune}, {"report", kind_report}, {"email", kind_email},   {"webhook", kind_webhook},
};

static enum job_outcome job_run(struct daemon *d, const struct job *j, char *err, size_t n)
{
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(kinds[i].kind, j->kind) == 0)
			return kinds[i].run(d, j, err, n);
	snprintf(err, n, "no handler for job kind %s", j->kind);
	return JOB_FAILED;
}

/* ==== The queue ==== */

static void disconnect(struct daemon *d)
{
	PQfinish(d->conn);
	d->conn = NULL;
	d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (d->backoff_ms > BACKOFF_MAX_MS)
		d->backoff_ms = BACKOFF_MAX_MS;
}

/* Connects, prepares, LISTENs, and puts back whatever an earlier connection of this
   daemon held (a job cannot be under way: this process works one at a time). */
static int connect_db(struct daemon *d)
{
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", cfg.db_connect_timeout ? cfg.db_connect_timeout : 3);
	const char *keys[] = {"gssencmode", "dbname", "connect_timeout", "application_name", NULL};
	const char *values[] = {"disable", cfg.database_url, timeout, "taskapi-work", NULL};
	d->conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		log_error(NULL, "work: connect: %s", PQerrorMessage(d->conn));
		return -1;
	}
	if (jobs_prepare(d->conn) != 0)
		return -1;
	PGresult *r = PQexec(d->conn, "LISTEN " JOBS_CHANNEL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	const char *params[] = {d->owner};
	if (ok && (r = jobs_run(d->conn, JOB_RELEASE_OWNER, params)) != NULL) {
		if (atoi(PQcmdTuples(r)) > 0)
			log_warn("work: released %s jobs held before the connection was lost", PQcmdTuples(r));
		PQclear(r);
	} else {
		ok = 0;
	}
	if (ok && d->backoff_ms)
		log_info("work: connected again");
	return ok ? 0 : -1;
}

/* Queues kind once per period across all daemons: the unique key names the period. */
static int schedule(struct daemon *d, const char *kind, int period_s, long long *last)
{
	long long bucket = (long long)time(NULL) / period_s;
	if (bucket == *last)
		return 0;
	char key[64];
	snprintf(key, sizeof key, "%s:%lld", kind, bucket);
	const char *params[] = {kind, "{}", key};
	PGresult *r = jobs_run(d->conn, JOB_ENQUEUE_UNIQUE, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		log_debug("work: queued %s (%s)", kind, key);
	PQclear(r);
	*last = bucket;
	return 0;
}

static int housekeeping(struct daemon *d)
{
	if (now_ms() - d->last_rescue_ms < RESCUE_EVERY_MS)
		return 0;
	d->last_rescue_ms = now_ms();
	PGresult *r = jobs_run(d->conn, JOB_RESCUE, NULL);
	if (!r)
		return -1;
	if (PQntuples(r) > 0)
		log_warn("work: %d jobs whose lease expired are queued again", PQntuples(r));
	PQclear(r);
	if (schedule(d, "due_scan", d->jc.due_scan_seconds, &d->due_bucket) != 0 ||
	    schedule(d, "prune", d->jc.prune_seconds, &d->prune_bucket) != 0)
		return -1;
	return 0;
}

/* A long job keeps its lease: one more lease period from now. */
static void extend_lease(struct daemon *d, const char *job_id)
{
	char ids[32], lease[16];
	snprintf(ids, sizeof ids, "{%s}", job_id);
	snprintf(lease, sizeof lease, "%d", d->jc.lease_seconds);
	const char *params[] = {ids, d->owner, lease};
	PQclear(jobs_run(d->conn, JOB_EXTEND, params));
}

/* ids of rows [from, to) of the claim as a PostgreSQL array literal. */
static void id_array(struct buf *b, PGresult *claim, int from, int to)
{
	buf_reset(b);
	buf_putc(b, '{');
	for (int i = from; i < to; i++) {
		if (i > from)
			buf_putc(b, ',');
		buf_puts(b, PQgetvalue(claim, i, 0));
	}
	buf_putc(b, '}');
}

static int ids_stmt(struct daemon *d, enum job_stmt id, struct buf *ids, const char *extra)
{
	const char *params[] = {ids->data, d->owner, extra};
	PGresult *r = jobs_run(d->conn, id, params);
	PQclear(r);
	return r ? 0 : -1;
}

static int record_failure(struct daemon *d, const struct job *j, const char *err)
{
	char base[16];
	snprintf(base, sizeof base, "%d", d->jc.backoff_ms);
	const char *params[] = {j->id, d->owner, err, base};
	PGresult *r = jobs_run(d->conn, JOB_FAIL, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "dead") == 0)
		log_error(NULL, "work: job %s (%s) is dead after %d attempts: %s", j->id, j->kind, j->attempt,
		          err);
	else if (PQntuples(r) == 1)
		log_warn("work: job %s (%s) attempt %d failed, next at %s: %s", j->id, j->kind, j->attempt,
		         PQgetvalue(r, 0, 1), err);
	PQclear(r);
	return 0;
}

/* Works the claimed rows; completes the done ones together. -1 when the connection is gone. */
static int work_batch(struct daemon *d, PGresult *claim, struct buf *ids, struct buf *done)
{
	int n = PQntuples(claim), ndone = 0;
	long long extended_ms = now_ms();
	buf_reset(done);
	buf_putc(done, '{');
	for (int i = 0; i < n; i++) {
		if (stopping) { /* the rest goes back untouched, for another daemon */
			id_array(ids, claim, i, n);
			if (ids_stmt(d, JOB_RELEASE, ids, NULL) != 0)
				return -1;
			break;
		}
		if (now_ms() - extended_ms > d->jc.lease_seconds * 500LL) {
			char lease[16];
			snprintf(lease, sizeof lease, "%d", d->jc.lease_seconds);
			id_array(ids, claim, i, n);
			if (ids_stmt(d, JOB_EXTEND, ids, lease) != 0)
				return -1;
			extended_ms = now_ms();
		}
		struct job j = {PQgetvalue(claim, i, 0), PQgetvalue(claim, i, 1),
		                json_tokener_parse(PQgetvalue(claim, i, 2)), atoi(PQgetvalue(claim, i, 3)),
		                atoi(PQgetvalue(claim, i, 4))};
		char err[512] = "";
		enum job_outcome o = j.payload ? job_run(d, &j, err, sizeof err) : JOB_FAILED;
		if (!j.payload)
			snprintf(err, sizeof err, "payload is not JSON");
		json_object_put(j.payload);
		if (o == JOB_LOST || (o == JOB_FAILED && record_failure(d, &j, err) != 0))
			return -1;
		if (o == JOB_GIVEN_BACK) { /* this one and the rest go back */
			id_array(ids, claim, i, n);
			if (ids_stmt(d, JOB_RELEASE, ids, NULL) != 0)
				return -1;
			break;
		}
		if (o == JOB_DONE) {
			if (ndone++)
				buf_putc(done, ',');
			buf_puts(done, j.id);
		}
	}
	buf_putc(done, '}');
	return ndone ? ids_stmt(d, JOB_COMPLETE, done, NULL) : 0;
}

/* Claims one batch and works it: the number claimed, or -1 when the connection is gone. */
static int claim_and_work(struct daemon *d, struct buf *ids, struct buf *done)
{
	char batch[16], lease[16];
	snprintf(batch, sizeof batch, "%d", d->jc.batch);
	snprintf(lease, sizeof lease, "%d", d->jc.lease_seconds);
	const char *params[] = {d->owner, batch, lease};
	PGresult *claim = jobs_run(d->conn, JOB_CLAIM, params);
	if (!claim)
		return -1;
	int n = PQntuples(claim);
	int rc = n ? work_batch(d, claim, ids, done) : 0;
	PQclear(claim);
	return rc < 0 ? -1 : n;
}

/* Waits for a NOTIFY on the channel (or anything already received), at most ms: 1 when
   one came, 0 when the wait ended without one, -1 when the connection is gone. */
static int wait_for_jobs(struct daemon *d, int ms)
{
	int woken = 0;
	PGnotify *note;
	while ((note = PQnotifies(d->conn)) != NULL) {
		PQfreemem(note);
		woken = 1;
	}
	if (woken)
		return 1;
	struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
	if (poll(&p, 1, ms) > 0) {
		if (!PQconsumeInput(d->conn))
			return -1;
		while ((note = PQnotifies(d->conn)) != NULL) {
			PQfreemem(note);
			woken = 1;
		}
	}
	return lost(d) ? -1 : woken;
}

int work_daemon_run(void)
{
	struct daemon d = {0};
	char err[256];
	if (jobs_config_load(&d.jc, err, sizeof err) != 0) {
		log_error(NULL, "work: refusing to start: %s", err);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread or handle: once, at start */
	struct sigaction sa = {.sa_handler = on_term};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	char host[64] = "host";
	gethostname(host, sizeof host - 1);
	srandom((unsigned)(time(NULL) ^ getpid()));
	snprintf(d.owner, sizeof d.owner, "%s/%d/%08lx", host, (int)getpid(), (unsigned long)random());
	log_info("work: daemon %s started (batch %d, lease %d s)", d.owner, d.jc.batch, d.jc.lease_seconds);

	struct buf ids = {0}, done = {0};
	while (!stopping) {
		if (reopen_log) {
			reopen_log = 0;
			if (log_reopen() != 0)
				log_error(NULL, "work: cannot reopen the log");
		}
		if (!d.conn && connect_db(&d) != 0) {
			disconnect(&d);
			nap(d.backoff_ms);
			continue;
		}
		int n = housekeeping(&d) == 0 ? claim_and_work(&d, &ids, &done) : -1;
		if (n >= 0 && n < d.jc.batch && !stopping) {
			int woken = wait_for_jobs(&d, d.jc.poll_ms);
			if (woken < 0)
				n = -1;
			else if (woken)
				nap(d.jc.gather_ms); /* a trickle of jobs gathers into one claim */
		}
		if (n < 0 && lost(&d)) {
			log_error(NULL, "work: database connection lost; reconnecting");
			disconnect(&d);
			nap(d.backoff_ms);
		} else if (n < 0) {
			nap(d.jc.poll_ms); /* a statement failed on a good connection: do not spin */
		} else {
			d.backoff_ms = 0;
		}
	}
	log_info("work: daemon %s stopped", d.owner);
	PQfinish(d.conn);
	buf_free(&ids);
	buf_free(&done);
	return 0;
}

int work_master_run(const char *self)
{
	struct jobs_config jc;
	char err[256];
	if (jobs_config_load(&jc, err, sizeof err) != 0) {
		fprintf(stderr, "taskapi: refusing to start: %s\n", err);
		return 1;
	}
	return master_run_children(self, "work-daemon", jc.daemons);
}
