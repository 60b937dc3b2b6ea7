/* The process model: a master that preforks and supervises workers (src/master.c),
 * and the worker's FastCGI request loop (src/fcgi.c). */
#ifndef TASKAPI_SERVER_H
#define TASKAPI_SERVER_H

/* Exit status of a process that refused its configuration (sysexits' EX_CONFIG): the
   master does not respawn a worker that exits with it. */
#define EXIT_CONFIG 78

/* Reports a refusal to start on stderr and to syslog; returns EXIT_CONFIG. */
int server_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs the master on the listen socket at fd 0 until SIGTERM; self is the binary's path. */
int master_run(const char *self);
/* Runs one worker on the listen socket at fd 0 until SIGTERM. */
int worker_run(void);
/* Answers the one request of a plain CGI invocation (environment, stdin, stdout). */
int cgi_run(void);

#endif
