/* Per-request time limits: the slow-request log line and the answer after the time limit. */
#include "watchdog.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "jsonw.h"
#include "log.h"

static timer_t timer;
static int slow_ms, limit_ms, ready;
static volatile sig_atomic_t phase; /* 0 idle, 1 before the slow line, 2 before the limit */
static struct timespec started;

/* Prepared at arm time: the answer (FastCGI records or CGI bytes) and the log lines' tails. */
static int answer_fd;
static struct buf answer, slow_tail, limit_tail;

int watchdog_timeout_status(int read_only)
{
	return read_only ? 503 : 504;
}

static void put_be16(struct buf *b, unsigned v)
{
	buf_putc(b, (char)(v >> 8 & 0xff));
	buf_putc(b, (char)(v & 0xff));
}

/* A FastCGI record header: version 1, type, request id, content length, no padding. */
static void record(struct buf *b, int type, int id, size_t len)
{
	buf_putc(b, 1);
	buf_putc(b, (char)type);
	put_be16(b, (unsigned)id);
	put_be16(b, (unsigned)len);
	buf_putc(b, 0);
	buf_putc(b, 0);
}

static void prepare_answer(int fcgi_id, const char *request_id, int read_only)
{
	struct buf http = {0}, json = {0};
	int status = watchdog_timeout_status(read_only);
	struct jsonw w;
	jsonw_start(&w, &json);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "detail",
	           read_only ? "Service temporarily unavailable"
	                     : "Request timed out; its outcome is unknown");
	jsonw_obj_close(&w);
	const char *body = json.data;
	buf_printf(&http,
	           "Status: %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
	           "Content-Length: %zu\r\nX-Content-Type-Options: nosniff\r\nX-Request-ID: %s\r\n%s\r\n%s",
	           status, read_only ? "Service Unavailable" : "Gateway Timeout", strlen(body), request_id,
	           read_only ? "Retry-After: 1\r\n" : "", body);
	buf_reset(&answer);
	if (fcgi_id > 0) {
		record(&answer, 6, fcgi_id, http.len); /* FCGI_STDOUT */
		buf_append(&answer, http.data, http.len);
		record(&answer, 6, fcgi_id, 0); /* end of stdout */
		record(&answer, 3, fcgi_id, 8); /* FCGI_END_REQUEST: app status 0, complete */
		buf_append(&answer, "\0\0\0\0\0\0\0\0", 8);
	} else {
		buf_append(&answer, http.data, http.len);
	}
	buf_free(&http);
	buf_free(&json);
}

/* The part of a log line after the time: level, pid, request id, method, path, message.
   Written by hand, not by the JSON writer: it continues an object whose first member (the
   time) the signal handler writes, with arithmetic only. */
static void prepare_tail(struct buf *b, const char *level, const char *request_id, const char *method,
                         const char *path, const char *msg)
{
	buf_reset(b);
	buf_printf(b, "\",\"level\":\"%s\",\"pid\":%d,\"request_id\":", level, (int)getpid());
	buf_json_cstr(b, request_id);
	buf_puts(b, ",\"method\":");
	buf_json_cstr(b, method);
	buf_puts(b, ",\"path\":");
	buf_json_text(b, path, strnlen(path, 512));
	buf_printf(b, ",\"msg\":\"%s\"}\n", msg);
}

/* {"time":"YYYY-MM-DDTHH:MM:SSZ with only arithmetic (gmtime is not async-signal-safe). */
static size_t time_head(char out[40])
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long long t = now.tv_sec, days = t / 86400, secs = t % 86400;
	/* civil from days (H. Hinnant's algorithm) */
	long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9,
			  y = yoe + era * 400 + (m <= 2);
	long long f[6] = {y, m, d, secs / 3600, secs / 60 % 60, secs % 60};
	const char *head = "{\"time\":\"";
	size_t n = strlen(head);
	memcpy(out, head, n);
	const int width[6] = {4, 2, 2, 2, 2, 2};
	const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
	for (int i = 0; i < 6; i++) {
		for (int k = width[i] - 1; k >= 0; k--) {
			out[n + (size_t)k] = (char)('0' + f[i] % 10);
			f[i] /= 10;
		}
		n += (size_t)width[i];
		out[n++] = sep[i];
	}
	return n;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void write_line(const struct buf *tail)
{
	char head[40];
	size_t n = time_head(head);
	int fd = log_fileno();
	write_all(fd, head, n);
	write_all(fd, tail->data, tail->len);
}

static void set_timer(int ms)
{
	struct itimerspec it = {{0, 0}, {ms / 1000, (long)(ms % 1000) * 1000000L}};
	timer_settime(timer, 0, &it, NULL);
}

static void on_alarm(int sig)
{
	(void)sig;
	if (phase == 1) {
		write_line(&slow_tail);
		if (limit_ms > slow_ms) {
			phase = 2;
			set_timer(limit_ms - slow_ms);
		} else {
			phase = 0;
		}
		return;
	}
	if (phase == 2) {
		write_all(answer_fd, answer.data, answer.len);
		write_line(&limit_tail);
		_exit(0); /* the master starts a fresh worker; the database ends the session's work */
	}
}

int watchdog_init(int slowlog, int timeout)
{
	slow_ms = slowlog;
	limit_ms = timeout;
	if (!slow_ms && !limit_ms)
		return 0;
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0)
		return -1;
	ready = 1;
	return 0;
}

void watchdog_arm(int fd, int fcgi_id, const char *request_id, const char *method, const char *path,
                  int read_only)
{
	if (!ready)
		return;
	clock_gettime(CLOCK_MONOTONIC, &started);
	answer_fd = fd;
	if (slow_ms) {
		char msg[96];
		snprintf(msg, sizeof msg, "slow request: still running after %d ms", slow_ms);
		prepare_tail(&slow_tail, "warn", request_id, method, path, msg);
	}
	if (limit_ms) {
		char msg[160];
		snprintf(msg, sizeof msg, "request time limit: answered %d after %d ms; the worker exits",
		         watchdog_timeout_status(read_only), limit_ms);
		prepare_tail(&limit_tail, "error", request_id, method, path, msg);
		prepare_answer(fcgi_id, request_id, read_only);
	}
	phase = slow_ms && (!limit_ms || slow_ms < limit_ms) ? 1 : 2;
	set_timer(phase == 1 ? slow_ms : limit_ms);
}

void watchdog_disarm(void)
{
	if (!ready)
		return;
	phase = 0;
	set_timer(0);
}
