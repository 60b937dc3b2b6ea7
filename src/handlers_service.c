/* Service routes: the welcome document, liveness, readiness and the pool's metrics. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "handlers.h"
#include "jobs.h"
#include "log.h"
#include "metrics.h"

void service_root(struct ctx *c)
{
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "message", "Welcome to Task Management API");
	jsonw_cstr(&w, "version", API_VERSION);
	jsonw_cstr(&w, "docs", "/docs");
	jsonw_cstr(&w, "redoc", "/redoc");
	jsonw_obj_close(&w);
	reply_json(c, 200);
}

void service_health(struct ctx *c)
{
	/* "build" (an addition to API.md's body) tells a rolling deploy which binary answered. */
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "status", "healthy");
	jsonw_cstr(&w, "version", API_VERSION);
	jsonw_cstr(&w, "build", TASKAPI_BUILD_ID);
	jsonw_obj_close(&w);
	http_header(c->res, "X-Build-ID", TASKAPI_BUILD_ID);
	reply_json(c, 200);
}

/* ==== Readiness ==== */

static void replica_status(struct jsonw *w)
{
	int in_recovery = 0;
	double lag = -1;
	int up = db_replica_lag(&in_recovery, &lag) == DB_OK;
	jsonw_obj_open(w, "replica");
	jsonw_cstr(w, "status", !up ? "unavailable" : !in_recovery ? "not_in_recovery" : "ok");
	if (up && in_recovery && lag >= 0)
		jsonw_fixed(w, "replay_lag_seconds", lag, 3);
	else
		jsonw_null(w, "replay_lag_seconds");
	jsonw_obj_close(w);
}

/* 200 when the primary answers; the replica's state is reported but does not decide. */
void service_ready(struct ctx *c)
{
	PGresult *r = NULL;
	if (db_run_n(STMT_READY, NULL, 0, &r, NULL) != DB_OK) {
		char retry[16];
		snprintf(retry, sizeof retry, "%d", cfg.db_retry_after);
		log_warn("ready: the primary does not answer");
		http_error(c->res, 503, "Service temporarily unavailable");
		http_header(c->res, "Retry-After", retry);
		return;
	}
	PQclear(r);
	struct jsonw w = body_writer(c);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "status", "ready");
	jsonw_cstr(&w, "version", API_VERSION);
	jsonw_cstr(&w, "database", "ok");
	if (*cfg.read_database_url)
		replica_status(&w);
	jsonw_obj_close(&w);
	reply_json(c, 200);
}

/* ==== Metrics ==== */

/* Re-reads the business gauges; on failure the old values stay (the cause is logged). */
static void refresh_business(void)
{
	PGresult *r = NULL;
	enum db_status st = db_run_n(STMT_METRICS_COUNTS, NULL, 0, &r, NULL);
	metrics_db_up(st == DB_OK);
	if (st != DB_OK)
		return;
	long long tasks[METRICS_TASK_STATUSES];
	for (int i = 0; i < METRICS_TASK_STATUSES; i++)
		tasks[i] = atoll(PQgetvalue(r, 0, COUNTS_BY_STATUS + i));
	metrics_business_set(atoll(PQgetvalue(r, 0, COUNTS_USERS)), tasks);
	log_debug("metrics: business gauges refreshed");
	PQclear(r);
}

/* Loopback and METRICS_ALLOW only, whatever the front end's own rules: anyone else gets
   the 404 of a route that does not exist. */
void service_metrics(struct ctx *c)
{
	if (!config_metrics_allowed(&cfg, c->req->remote_addr)) {
		http_error(c->res, 404, "Not Found");
		return;
	}
	if (metrics_business_due(cfg.metrics_refresh_ms))
		refresh_business();
	metrics_render(&c->res->body);
	jobs_metrics_render(&c->res->body);
	c->res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	c->res->status = 200;
}
