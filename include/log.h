/* The pool's log: one JSON line per request, plus error lines with their cause. */
#ifndef TASKAPI_LOG_H
#define TASKAPI_LOG_H

#include <stddef.h>

int log_open(const char *path);
void log_request(const char *request_id, const char *method, const char *path, int status,
                 double duration_ms, long long user_id, size_t bytes);
void log_error(const char *request_id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The request id the next log_error lines carry (set by the worker per request). */
void log_set_request_id(const char *request_id);

#endif
