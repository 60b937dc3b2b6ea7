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
#include "jsonw.h"

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
   once (dup3 keeps it close-on-exec), and these calls are async-signal-safe, so the signal handler does
   it. */
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

/* The line being written, and its writer: reused, so logging allocates nothing per request. */
static struct buf line;
static struct jsonw lw;

/* The keys of every line, made once (no strlen per line). */
static const struct jsonw_key k_time = JSONW_KEY("time"), k_level = JSONW_KEY("level"),
							  k_pid = JSONW_KEY("pid"), k_request_id = JSONW_KEY("request_id"),
							  k_method = JSONW_KEY("method"), k_path = JSONW_KEY("path"),
							  k_status = JSONW_KEY("status"), k_duration = JSONW_KEY("duration_ms"),
							  k_user_id = JSONW_KEY("user_id"), k_bytes = JSONW_KEY("bytes"),
							  k_route = JSONW_KEY("route"), k_db = JSONW_KEY("db"),
							  k_msg = JSONW_KEY("msg");

/* A value that needs no escaping (the time, a level name), quoted as it is. */
static void plain(const struct jsonw_key *k, const char *s)
{
	jsonw_key(&lw, k);
	buf_putc(&line, '"');
	buf_puts(&line, s);
	buf_putc(&line, '"');
}

static void line_start(enum log_level level)
{
	/* The date and time to the second change once a second: format them once. */
	static time_t cached_sec = -1;
	static char stamp[32]; /* YYYY-MM-DDTHH:MM:SS.mmmZ */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		cached_sec = ts.tv_sec;
	}
	stamp[20] = (char)('0' + ts.tv_nsec / 100000000);
	stamp[21] = (char)('0' + ts.tv_nsec / 10000000 % 10);
	stamp[22] = (char)('0' + ts.tv_nsec / 1000000 % 10);
	buf_reset(&line);
	jsonw_start(&lw, &line);
	jsonw_obj_open(&lw, NULL);
	plain(&k_time, stamp);
	plain(&k_level, level_names[level]);
	jsonw_key(&lw, &k_pid);
	jsonw_int(&lw, NULL, log_pid ? log_pid : (int)getpid());
}

static void line_write(void)
{
	jsonw_obj_close(&lw);
	buf_putc(&line, '\n');
	ssize_t w = write(log_fd, line.data, line.len);
	(void)w;
	buf_reset(&line);
}

void log_request(const char *request_id, const char *method, const char *path, const char *route,
                 int status, double duration_ms, long long user_id, size_t bytes, const char *db)
{
	enum log_level level = status >= 500 ? LOG_ERROR : LOG_INFO;
	if (level > max_level)
		return;
	line_start(level);
	jsonw_key(&lw, &k_request_id);
	jsonw_cstr(&lw, NULL, request_id ? request_id : "");
	jsonw_key(&lw, &k_method);
	jsonw_cstr(&lw, NULL, method);
	jsonw_key(&lw, &k_path);
	jsonw_text(&lw, NULL, path, strnlen(path, 512));
	jsonw_key(&lw, &k_status);
	jsonw_int(&lw, NULL, status);
	jsonw_key(&lw, &k_duration);
	jsonw_thousandths(&lw, NULL, (long long)(duration_ms * 1000.0 + 0.5));
	jsonw_key(&lw, &k_user_id);
	if (user_id > 0)
		jsonw_int(&lw, NULL, user_id);
	else
		jsonw_null(&lw, NULL);
	jsonw_key(&lw, &k_bytes);
	jsonw_int(&lw, NULL, (long long)bytes);
	jsonw_key(&lw, &k_route);
	jsonw_cstr(&lw, NULL, route);
	if (db)
		plain(&k_db, db);
	line_write();
}

static void log_message(enum log_level level, const char *request_id, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	line_start(level);
	if (request_id && *request_id) {
		jsonw_key(&lw, &k_request_id);
		jsonw_cstr(&lw, NULL, request_id);
	}
	jsonw_key(&lw, &k_msg);
	jsonw_text(&lw, NULL, msg, strlen(msg));
	line_write();
}

void log_error(const char *request_id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_message(LOG_ERROR, request_id ? request_id : current_request_id, fmt, ap);
	va_end(ap);
}

#define LOG_AT(name, level)                                                                             \
	void name(const char *fmt, ...)                                                                     \
	{                                                                                                   \
		va_list ap;                                                                                     \
		va_start(ap, fmt);                                                                              \
		log_message(level, current_request_id, fmt, ap);                                                \
		va_end(ap);                                                                                     \
	}

LOG_AT(log_warn, LOG_WARN)
LOG_AT(log_info, LOG_INFO)
LOG_AT(log_debug, LOG_DEBUG)
