/*
 * The pool's log. spawn-fcgi points stdout/stderr at /dev/null, so every process of
 * the pool appends to one file (or to stderr when told so, for a supervisor that
 * collects it); each line is a single write(2) on an O_APPEND fd.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static int log_fd = 2;
static char log_path[4096] = "-";
static int log_pid; /* getpid() once per process, not once per line */
static enum log_level max_level = LOG_INFO;
static const char *current_request_id = "";
static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_open(const char *path)
{
	int fd = 2;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0)
			return -1;
	}
	if (log_fd > 2)
		close(log_fd);
	log_fd = fd;
	log_pid = (int)getpid();
	if (path != log_path)
		snprintf(log_path, sizeof log_path, "%s", path);
	return 0;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

int log_level_parse(const char *name)
{
	for (int i = LOG_ERROR; i <= LOG_DEBUG; i++)
		if (name && strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void log_set_request_id(const char *request_id)
{
	current_request_id = request_id ? request_id : "";
}

int log_fileno(void)
{
	return log_fd;
}

/* Opens log_path again onto the same fd number: dup2 swaps the file under any writer at
   once (dup3 keeps it close-on-exec), and these calls are async-signal-safe, so the signal handler does it. */
static int reopen_onto_fd(void)
{
	if (log_fd <= 2)
		return 0;
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	int rc = dup3(fd, log_fd, O_CLOEXEC) < 0 ? -1 : 0;
	close(fd);
	return rc;
}

int log_reopen(void)
{
	return reopen_onto_fd();
}

static void on_reopen_signal(int sig)
{
	(void)sig;
	int saved = errno;
	reopen_onto_fd();
	errno = saved;
}

void log_reopen_on(int sig)
{
	/* SA_RESTART: the signal must not break a read or an accept in progress */
	struct sigaction sa = {.sa_handler = on_reopen_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* The line being written: reused, so logging allocates nothing per request. */
static struct buf line;

static void line_start(struct buf *b, enum log_level level)
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
	buf_cat(b, "{\"time\":\"", cached, millis, "Z\",\"level\":\"", level_names[level], "\",\"pid\":", NULL);
	buf_put_int(b, log_pid ? log_pid : (int)getpid());
}

static void line_write(struct buf *b)
{
	buf_puts(b, "}\n");
	ssize_t w = write(log_fd, b->data, b->len);
	(void)w;
	buf_reset(b);
}

void log_request(const char *request_id, const char *method, const char *path, const char *route,
                 int status, double duration_ms, long long user_id, size_t bytes, const char *db)
{
	enum log_level level = status >= 500 ? LOG_ERROR : LOG_INFO;
	if (level > max_level)
		return;
	struct buf *b = &line;
	line_start(b, level);
	buf_puts(b, ",\"request_id\":");
	buf_json_cstr(b, request_id ? request_id : "");
	buf_puts(b, ",\"method\":");
	buf_json_cstr(b, method);
	buf_puts(b, ",\"path\":");
	buf_json_text(b, path, strnlen(path, 512));
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
	buf_puts(b, ",\"route\":");
	buf_json_cstr(b, route);
	if (db)
		buf_cat(b, ",\"db\":\"", db, "\"", NULL);
	line_write(b);
}

static void log_message(enum log_level level, const char *request_id, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	struct buf *b = &line;
	line_start(b, level);
	if (request_id && *request_id) {
		buf_puts(b, ",\"request_id\":");
		buf_json_cstr(b, request_id);
	}
	buf_puts(b, ",\"msg\":");
	buf_json_text(b, msg, strlen(msg));
	line_write(b);
}

void log_error(const char *request_id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_message(LOG_ERROR, request_id ? request_id : current_request_id, fmt, ap);
	va_end(ap);
}

#define LOG_AT(name, level)                                          \
	void name(const char *fmt, ...)                                  \
	{                                                                \
		va_list ap;                                                  \
		va_start(ap, fmt);                                           \
		log_message(level, current_request_id, fmt, ap);             \
		va_end(ap);                                                  \
	}

LOG_AT(log_warn, LOG_WARN)
LOG_AT(log_info, LOG_INFO)
LOG_AT(log_debug, LOG_DEBUG)
