/*
 * The per-request time limits of a worker, as PHP-FPM's request_slowlog_timeout and
 * request_terminate_timeout: a request still running after TASKAPI_SLOWLOG_MS gets a
 * "slow request" log line with its request id; one still running after
 * TASKAPI_REQUEST_TIMEOUT is answered by the worker itself (503 with Retry-After for a
 * read, which committed nothing; 504 without it for a write, whose outcome is unknown)
 * and the worker exits so that a fresh one replaces it. Everything the signal handler
 * writes is prepared when the request is armed: it only calls write(2) and _exit(2).
 */
#ifndef TASKAPI_WATCHDOG_H
#define TASKAPI_WATCHDOG_H

/* Sets up the timer; 0 when both limits are 0 (nothing to do) or on success. */
int watchdog_init(int slowlog_ms, int timeout_ms);
/*
 * Starts watching a request. fd is where the answer goes: the FastCGI connection with
 * fcgi_id its request id, or (fcgi_id 0) a plain CGI stdout. read_only: a GET, HEAD or
 * OPTIONS, which commits nothing.
 */
void watchdog_arm(int fd, int fcgi_id, const char *request_id, const char *method, const char *path,
                  int read_only);
/* Stops watching: called before the response is written. */
void watchdog_disarm(void);
/* The answer given on a timeout, for tests: status 503 or 504. */
int watchdog_timeout_status(int read_only);

#endif
