/*
 * The FastCGI adapter and the worker's request loop: the only file that calls FCGX_*.
 * It turns a FastCGI request (or, as a plain CGI program, the process's environment,
 * stdin and stdout) into a struct http_request, lets the application fill a struct
 * http_response, writes it back and logs one line.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "cgi.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "watchdog.h"

/* A stopping worker serves its kept connection at most this long (the master kills at 10 s). */
#define KEPT_DRAIN_MS 8000

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/* Where a request comes from and its answer goes: a FastCGI request, or (plain CGI,
   r NULL) the process's environment, stdin and stdout. */
struct conn {
	FCGX_Request *r;
	char **envp;
};

static const char *param(struct conn *c, const char *name)
{
	const char *v = FCGX_GetParam(name, c->envp);
	return v && *v ? v : NULL;
}

static int conn_read(struct conn *c, char *dst, int n)
{
	if (c->r)
		return FCGX_GetStr(dst, n, c->r->in);
	ssize_t got;
	do
		got = read(0, dst, (size_t)n);
	while (got < 0 && errno == EINTR);
	return (int)got;
}

static void conn_write(struct conn *c, const char *src, size_t n)
{
	if (c->r) {
		FCGX_PutStr(src, (int)n, c->r->out);
		return;
	}
	while (n > 0) {
		ssize_t w = write(1, src, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		src += w;
		n -= (size_t)w;
	}
}

/* Reads the body into body (at most HTTP_BODY_MAX + 1 bytes, so oversize is visible). */
static void read_body(struct conn *c, struct http_request *req, struct buf *body)
{
	size_t want = req->content_length >= 0 ? (size_t)req->content_length : HTTP_BODY_MAX + 1;
	char chunk[16384];
	while (body->len < want) {
		size_t n = want - body->len < sizeof chunk ? want - body->len : sizeof chunk;
		int got = conn_read(c, chunk, (int)n);
		if (got <= 0)
			break;
		buf_append(body, chunk, (size_t)got);
	}
	req->body = body->data ? body->data : "";
	req->body_len = body->len;
}

static void parse_request(struct conn *r, struct http_request *req, struct buf *body, struct arena *a)
{
	memset(req, 0, sizeof *req);
	req->method_name = param(r, "REQUEST_METHOD");
	req->method = http_method_parse(req->method_name);
	if (!req->method_name)
		req->method_name = "-";
	struct cgi_path_vars vars = {param(r, "DOCUMENT_URI"), param(r, "SCRIPT_NAME"),
	                             param(r, "PATH_INFO"), param(r, "REQUEST_URI")};
	cgi_path(&vars, cfg.mount, a, &req->path, &req->base);
	req->remote_addr = param(r, "REMOTE_ADDR");
	req->query = param(r, "QUERY_STRING");
	if (!req->query)
		req->query = "";
	req->authorization = param(r, "HTTP_AUTHORIZATION");
	req->api_key = param(r, "HTTP_X_API_KEY");
	req->origin = param(r, "HTTP_ORIGIN");
	req->preflight_method = param(r, "HTTP_ACCESS_CONTROL_REQUEST_METHOD");
	req->preflight_headers = param(r, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	/* NGINX and Apache (SetEnvIf) pass REQUEST_ID; lighttpd and mod_fcgid only the client's
	   header. Either is checked (request_id below) before it is used. */
	req->request_id = param(r, "REQUEST_ID");
	if (!req->request_id)
		req->request_id = param(r, "HTTP_X_REQUEST_ID");
	req->consistency_token = param(r, "HTTP_X_CONSISTENCY_TOKEN");
	req->cookie = param(r, "HTTP_COOKIE");
	req->if_match = param(r, "HTTP_IF_MATCH");
	req->if_none_match = param(r, "HTTP_IF_NONE_MATCH");
	req->idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", r->envp); /* "" is a bad key */
	req->content_type = param(r, "CONTENT_TYPE");
	const char *cl = param(r, "CONTENT_LENGTH");
	req->content_length = cl ? strtoll(cl, NULL, 10) : -1;
	if (req->content_length <= HTTP_BODY_MAX)
		read_body(r, req, body);
}

static void put_out(void *out, const char *data, size_t len)
{
	conn_write(out, data, len);
}

/* The head is built here, not by FCGX_FPrintF: libfcgi's own printf lacks %zu. */
static void write_response(struct conn *r, const struct http_request *req,
                           const struct http_response *res, struct buf *head)
{
	buf_reset(head);
	buf_puts(head, "Status: ");
	buf_put_int(head, res->status);
	buf_cat(head, " ", http_status_text(res->status), "\r\nX-Content-Type-Options: nosniff\r\n", NULL);
	if (!res->no_body) {
		buf_cat(head, "Content-Type: ",
		        res->content_type ? res->content_type : "application/json; charset=utf-8",
		        "\r\nContent-Length: ", NULL);
		buf_put_int(head, res->stream ? res->stream_len : (long long)res->body.len);
		buf_puts(head, "\r\n");
	}
	if (req->request_id)
		buf_cat(head, "X-Request-ID: ", req->request_id, "\r\n", NULL);
	buf_append(head, res->headers.data ? res->headers.data : "", res->headers.len);
	buf_append(head, "\r\n", 2);
	conn_write(r, head->data, head->len);
	if (res->no_body || req->method == HTTP_HEAD)
		return;
	if (res->stream)
		res->stream(res->stream_arg, put_out, r);
	else
		conn_write(r, res->body.data, res->body.len);
}

/*
 * NGINX passes its $request_id, or the client's X-Request-ID when that is a sane token.
 * Reached without NGINX (or given something unsafe for a header), the worker makes one
 * of the same shape: 32 hex digits.
 */
static const char *request_id(const char *given, char made[33])
{
	if (given && http_request_id_valid(given))
		return given;
	static unsigned long long seq;
	unsigned long long rnd[2] = {0, 0};
	if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) /* not seeded yet */
		rnd[0] = (unsigned long long)getpid() << 32 | (unsigned long long)time(NULL);
	snprintf(made, 33, "%016llx%016llx", rnd[0], rnd[1] + ++seq);
	return made;
}

/* Reads what is left of the request's input up to its end; 0 when it got there. */
static int drain_input(FCGX_Request *r)
{
	char chunk[4096];
	int got;
	while ((got = FCGX_GetStr(chunk, sizeof chunk, r->in)) > 0)
		;
	return FCGX_HasSeenEOF(r->in) == EOF ? 0 : -1;
}

/* Serves one request; returns 0 when its input was read to the end. */
static int serve_one(struct conn *r, struct arena *a, struct http_response *res, struct buf *body,
                     struct buf *head, struct app_outcome *out)
{
	struct timespec start;
	struct http_request req;
	memset(out, 0, sizeof *out);
	out->route = -1;
	char made_id[33];
	start = clock_now();
	metrics_request_begin();
	db_set_deadline(clock_ms() + cfg.request_deadline_ms);
	parse_request(r, &req, body, a);
	req.request_id = request_id(req.request_id, made_id);
	log_set_request_id(req.request_id);
	metrics_request_id(req.request_id);
	watchdog_arm(r->r ? r->r->ipcFd : 1, r->r ? r->r->requestId : 0, req.request_id, req.method_name,
	             req.path,
	             req.method == HTTP_GET || req.method == HTTP_HEAD || req.method == HTTP_OPTIONS);
	if (req.content_length > HTTP_BODY_MAX || req.body_len > HTTP_BODY_MAX)
		http_error(res, 413, "Request body too large");
	else
		app_handle(&req, res, a, out);
	watchdog_disarm(); /* from here the answer is being written: too late for another */
	write_response(r, &req, res, head);
	db_set_deadline(0);
	double ms = clock_ms_since(&start);
	metrics_request_end(req.method, out->route, res->status, ms / 1e3);
	log_request(req.request_id, req.method_name, req.path, app_route_label(out->route), res->status, ms,
	            out->user_id, res->body.len, out->db);
	log_set_request_id(NULL);
	if (!r->r)
		return 0;
	return req.content_length > HTTP_BODY_MAX ? -1 : drain_input(r->r);
}

/*
 * With fastcgi_keep_conn NGINX may send the next request on a kept connection at any
 * moment; closing it then loses that request (NGINX retries a GET elsewhere, never a
 * POST). So the worker never closes a kept connection itself: it waits here until the
 * next request or NGINX's close is readable, and only then lets libfcgi read (libfcgi
 * would close the connection if a signal interrupted its read). A stopping worker
 * goes on serving its kept connection until NGINX closes it (the cluster template's
 * upstream keepalive_timeout and keepalive_time bound that), at most KEPT_DRAIN_MS.
 * libfcgi has no accessor for the connection: ipcFd is read, never changed.
 * Returns 0 to go on to FCGX_Accept_r, -1 when the drain time is over.
 */
static int kept_connection_ready(FCGX_Request *r, struct timespec *drain_start)
{
	struct pollfd p = {.fd = r->ipcFd, .events = POLLIN};
	while (r->ipcFd >= 0) {
		int timeout = -1;
		if (stopping) {
			if (drain_start->tv_sec == 0)
				*drain_start = clock_now();
			timeout = KEPT_DRAIN_MS - (int)clock_ms_since(drain_start);
			if (timeout <= 0)
				return -1;
		}
		int n = poll(&p, 1, timeout);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

int worker_run(void)
{
	struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART: accept() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Without its master nobody supervises this worker and a restarted pool listens on a
	   new socket: stop (finishing the request in hand) when the master dies, even by
	   SIGKILL. The second getppid() covers a master that died before the prctl. */
	pid_t master = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		raise(SIGTERM);
	log_reopen_on(SIGUSR1); /* before FCGX_Init, which takes SIGUSR1 when it is left alone */
	if (watchdog_init(cfg.slowlog_ms, cfg.request_timeout_ms) != 0)
		log_error(NULL, "worker: no request timer: %s", strerror(errno));

	app_metrics_labels();
	if (metrics_attach() != 0)
		log_error(NULL, "worker: metrics unavailable");
	if (FCGX_Init() != 0) {
		log_error(NULL, "worker: FCGX_Init failed");
		return 1;
	}
	FCGX_Request r;
	FCGX_InitRequest(&r, 0, FCGI_FAIL_ACCEPT_ON_INTR);
	(void)db_connect(); /* early, so the first request does not pay for it; errors retry later */

	struct arena arena = {0};
	struct http_response res = {0};
	struct buf body = {0}, head = {0};
	struct timespec drain_start = {0};
	long served = 0;
	while (!stopping || r.ipcFd >= 0) {
		if (kept_connection_ready(&r, &drain_start) != 0) {
			log_error(NULL, "worker: NGINX kept the connection past the drain time; closing it");
			break;
		}
		if (FCGX_Accept_r(&r) < 0) {
			if (stopping || errno == EINTR)
				continue;
			log_error(NULL, "worker: accept failed: %s", strerror(errno));
			break;
		}
		http_response_reset(&res);
		/* libfcgi closes a connection gracefully (shutdown, then wait up to 2 s for the
		   web server to close first), which keeps the worker from its next request.
		   When the request was read to its end nothing is left to reset: detaching
		   makes FCGX_Finish_r close at once. */
		struct app_outcome outcome;
		struct conn c = {&r, r.envp};
		if (serve_one(&c, &arena, &res, &body, &head, &outcome) == 0)
			FCGX_Detach(&r);
		FCGX_Finish_r(&r);
		app_after_response(&outcome);
		arena_reset(&arena);
		buf_reset(&body);
		if (cfg.max_requests && ++served >= cfg.max_requests && !stopping) {
			log_info("worker: served %ld requests (TASKAPI_MAX_REQUESTS); exiting to be replaced",
			         served);
			stopping = 1; /* as a drain: a kept connection is still served until NGINX closes it */
		}
	}
	FCGX_Free(&r, 1);
	db_close();
	metrics_detach();
	arena_free(&arena);
	buf_free(&res.headers);
	buf_free(&res.body);
	buf_free(&body);
	buf_free(&head);
	return 0;
}

int cgi_run(void)
{
	extern char **environ;
	signal(SIGPIPE, SIG_IGN);
	if (watchdog_init(cfg.slowlog_ms, cfg.request_timeout_ms) != 0)
		log_error(NULL, "cgi: no request timer: %s", strerror(errno));
	app_metrics_labels();
	if (metrics_attach() != 0)
		log_debug("cgi: metrics unavailable");
	struct arena arena = {0};
	struct http_response res = {0};
	struct buf body = {0}, head = {0};
	struct app_outcome outcome;
	struct conn c = {NULL, environ};
	serve_one(&c, &arena, &res, &body, &head, &outcome);
	app_after_response(&outcome);
	db_close();
	metrics_detach();
	arena_free(&arena);
	buf_free(&res.headers);
	buf_free(&res.body);
	buf_free(&body);
	buf_free(&head);
	return 0;
}
