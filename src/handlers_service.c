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
	buf_puts(&c->res->body, "{\"message\":\"Welcome to Task Management API\",\"version\":\"" API_VERSION
	                        "\",\"docs\":\"/docs\",\"redoc\":\"/redoc\"}");
	reply_json(c, 200);
}

void service_health(struct ctx *c)
{
	/* "build" (an addition to API.md's body) tells a rolling deploy which binary answered. */
	buf_puts(&c->res->body, "{\"status\":\"healthy\",\"version\":\"" API_VERSION "\",\"build\":");
	buf_json_cstr(&c->res->body, TASKAPI_BUILD_ID);
	buf_putc(&c->res->body, '}');
	http_header(c->res, "X-Build-ID", TASKAPI_BUILD_ID);
	reply_json(c, 200);
}

/* ==== Readiness ==== */

static void replica_status(struct buf *b)
{
	int in_recovery = 0;
	double lag = -1;
	buf_puts(b, ",\"replica\":");
	if (db_replica_lag(&in_recovery, &lag) != DB_OK)
		buf_puts(b, "{\"status\":\"unavailable\",\"replay_lag_seconds\":null}");
	else if (!in_recovery)
		buf_puts(b, "{\"status\":\"not_in_recovery\",\"replay_lag_seconds\":null}");
	else if (lag < 0)
		buf_puts(b, "{\"status\":\"ok\",\"replay_lag_seconds\":null}");
	else
		buf_printf(b, "{\"status\":\"ok\",\"replay_lag_seconds\":%.3f}", lag);
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
	struct buf *b = &c->res->body;
	buf_puts(b, "{\"status\":\"ready\",\"version\":\"" API_VERSION "\",\"database\":\"ok\"");
	if (*cfg.read_database_url)
		replica_status(b);
	buf_putc(b, '}');
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
