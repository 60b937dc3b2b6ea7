/*
 * The pool's log: one JSON line per request (time, level, pid, request id, method,
 * path, status, duration, user id, bytes, route), plus message lines; error lines carry
 * the id of the request they happened in.
 */
#ifndef TASKAPI_LOG_H
#define TASKAPI_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Appends to path; "-" means stderr. */
int log_open(const char *path);
/* The fd lines are written to (for a signal handler's write(2)). */
int log_fileno(void);
/* Opens the same path again (after logrotate moved the file); 0 on success. */
int log_reopen(void);
/* On signal sig (SIGUSR1) the log file is opened again at once (logrotate moved it). */
void log_reopen_on(int sig);
/* Lines above level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);
/* "error", "warn", "info" or "debug"; -1 for anything else. */
int log_level_parse(const char *name);
/* A request line: level info, or error for a 5xx answer. db: where the request's
   statements ran ("primary", "replica"...), NULL when nowhere. */
void log_request(const char *request_id, const char *method, const char *path, const char *route,
                 int status, double duration_ms, long long user_id, size_t bytes, const char *db);
/* request_id NULL: the id of the request being served, if any. */
void log_error(const char *request_id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The request id the next message lines carry (set by the worker per request). */
void log_set_request_id(const char *request_id);

#endif
