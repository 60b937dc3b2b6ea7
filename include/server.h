/* The process model: a master that preforks and supervises workers (src/master.c),
 * and the worker's FastCGI request loop (src/fcgi.c). */
#ifndef TASKAPI_SERVER_H
#define TASKAPI_SERVER_H

/* Runs the master on the listen socket at fd 0 until SIGTERM; self is the binary's path. */
int master_run(const char *self);
/* The same supervision for n children running `self cmd` (the job daemons: src/work.c). */
int master_run_children(const char *self, const char *cmd, int n);
/* Runs one worker on the listen socket at fd 0 until SIGTERM. */
int worker_run(void);

#endif
