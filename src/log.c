/*
 * The pool's log. spawn-fcgi points stdout/stderr at /dev/null, so every process of
 * the pool appends to one file; each line is a single write(2) on an O_APPEND fd.
 */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static int log_fd = 2;
static int log_pid; /* getpid() once per process, not once per line */
static const char *current_request_id = "";

int log_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (log_fd > 2)
		close(log_fd);
	log_fd = fd;
	log_pid = (int)getpid();
	return 0;
}

void log_set_request_id(const char *request_id)
{
	current_request_id = request_id ? request_id : "";
}

/* The line being written: reused, so logging allocates nothing per request. */
static struct buf line;

static void line_start(struct buf *b, const char *level)
{
	/* The date and time to the second change once a second: format them once. */
	static time_t cached_sec = -1;
	static char cached[24];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts.tv_sec;
	}
	char millis[5] = {'.', (char)('0' + ts.tv_nsec / 100000000), (char)('0' + ts.tv_nsec / 10000000 % 10),
	                  (char)('0' + ts.tv_nsec / 1000000 % 10), '\0'};
	buf_reset(b);
	buf_cat(b, "{\"time\":\"", cached, millis, "Z\",\"level\":\"", level, "\",\"pid\":", NULL);
	buf_put_int(b, log_pid ? log_pid : (int)getpid());
}

static void line_write(struct buf *b)
{
	buf_puts(b, "}\n");
	ssize_t w = write(log_fd, b->data, b->len);
	(void)w;
	buf_reset(b);
}

void log_request(const char *request_id, const char *method, const char *path, int status,
                 double duration_ms, long long user_id, size_t bytes)
{
	struct buf *b = &line;
	line_start(b, "info");
	buf_puts(b, ",\"request_id\":");
	buf_json_cstr(b, request_id ? request_id : "");
	buf_puts(b, ",\"method\":");
	buf_json_cstr(b, method);
	buf_puts(b, ",\"path\":");
	buf_json_str(b, path, strnlen(path, 512));
	/* Microseconds as milliseconds with three decimals, without printf's float path. */
	long long us = (long long)(duration_ms * 1000.0 + 0.5);
	char frac[5] = {'.', (char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10), (char)('0' + us % 10), '\0'};
	buf_puts(b, ",\"status\":");
	buf_put_int(b, status);
	buf_puts(b, ",\"duration_ms\":");
	buf_put_int(b, us / 1000);
	buf_cat(b, frac, ",\"user_id\":", NULL);
	if (user_id > 0)
		buf_put_int(b, user_id);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"bytes\":");
	buf_put_int(b, (long long)bytes);
	line_write(b);
}

static void log_message(const char *level, const char *request_id, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	struct buf *b = &line;
	line_start(b, level);
	if (request_id && *request_id) {
		buf_puts(b, ",\"request_id\":");
		buf_json_cstr(b, request_id);
	}
	buf_puts(b, ",\"msg\":");
	buf_json_cstr(b, msg);
	line_write(b);
}

void log_error(const char *request_id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_message("error", request_id ? request_id : current_request_id, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_message("info", NULL, fmt, ap);
	va_end(ap);
}
