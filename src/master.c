/*
 * The master: preforks the workers on the inherited listen socket (fd 0), replaces
 * a worker that dies (with backoff, so a crash loop cannot spin), drains on SIGTERM
 * and on SIGHUP replaces the workers one at a time. spawn-fcgi supervises nothing;
 * this does. Workers are exec'd afresh, so SIGHUP also picks up a new binary. A worker
 * that refuses its configuration (EXIT_CONFIG) is not restarted until the next SIGHUP;
 * SIGUSR1 reopens the log here and in every worker.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

/* A draining worker gets at least this long, and always the longest a request can take. */
#define DRAIN_MIN_MS   10000
#define QUICK_DEATH_MS 2000 /* a worker dying sooner than this counts as a crash loop */
#define BACKOFF_MAX_MS 10000

struct slot {
	pid_t pid;  /* 0 when empty */
	int health; /* serves the health socket (TASKAPI_HEALTH_LISTEN) */
	long long started_ms;
	long long respawn_at_ms; /* when an empty slot is filled again */
	long long backoff_ms;
	int refused; /* its worker refused the configuration: left empty until SIGHUP */
};

static volatile sig_atomic_t got_term, got_hup, got_usr1;
static struct slot *slots;
static int nslots;
static const char *self_path;
static int health_fd = -1;    /* TASKAPI_HEALTH_LISTEN's socket, handed to the health worker */
static const char *child_cmd; /* "worker" for the pool, "work-daemon" for the job daemons */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/*
 * How long a worker asked to stop may take: its request's deadline, the statement that
 * may have started just before it, and a margin. The front end waits longer still.
 */
static long long drain_timeout_ms(void)
{
	long long t = (long long)cfg.request_deadline_ms + cfg.db_statement_timeout_ms + 2000;
	return t > DRAIN_MIN_MS ? t : DRAIN_MIN_MS;
}

/* SIGKILL for a worker that did not stop in time, naming the request it was on. */
static void kill_stuck(pid_t pid)
{
	char id[HTTP_REQUEST_ID_MAX + 1];
	int busy = metrics_worker_request(pid, id, sizeof id);
	if (busy > 0)
		log_error(NULL,
		          "master: worker %d still on request %s after %lld ms; killing it "
		          "(the client gets 502, the outcome is the database's)",
		          (int)pid, id, drain_timeout_ms());
	else
		log_error(NULL,
		          "master: worker %d did not stop within %lld ms (no request in flight); "
		          "killing it",
		          (int)pid, drain_timeout_ms());
	kill(pid, SIGKILL);
}

static pid_t spawn_worker(int health)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (health && dup2(health_fd, 0) < 0)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		execl(self_path, self_path, child_cmd, (char *)NULL);
		log_error(NULL, "master: exec %s: %s", self_path, strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		log_error(NULL, "master: fork: %s", strerror(errno));
	return pid;
}

static void fill_slot(struct slot *s)
{
	s->refused = 0;
	s->pid = spawn_worker(s->health);
	s->started_ms = clock_ms();
	if (s->pid < 0) {
		s->pid = 0;
		s->respawn_at_ms = clock_ms() + 1000;
	}
}

static struct slot *slot_of(pid_t pid)
{
	for (int i = 0; i < nslots; i++)
		if (slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

static void describe_exit(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		log_error(NULL, "master: worker %d killed by signal %d", (int)pid, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_error(NULL, "master: worker %d exited with status %d", (int)pid, WEXITSTATUS(status));
}

/* Reaps dead workers; an unexpected death schedules a respawn with backoff. */
static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct slot *s = slot_of(pid);
		/* exit 0: a worker that served TASKAPI_MAX_REQUESTS (or its time limit's request) */
		int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		metrics_worker_exited(pid, s != NULL && !clean);
		if (!s)
			continue; /* a replaced worker finishing its drain */
		describe_exit(pid, status);
		s->pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CONFIG) {
			log_error(NULL,
			          "master: worker %d refused its configuration; not restarting it until "
			          "SIGHUP (fix the settings first)",
			          (int)pid);
			s->refused = 1;
			continue;
		}
		long long lived = clock_ms() - s->started_ms;
		s->backoff_ms = lived < QUICK_DEATH_MS && !clean ? (s->backoff_ms ? s->backoff_ms * 2 : 100) : 0;
		if (s->backoff_ms > BACKOFF_MAX_MS)
			s->backoff_ms = BACKOFF_MAX_MS;
		s->respawn_at_ms = clock_ms() + s->backoff_ms;
	}
}

/* SIGUSR1: the log file was rotated; reopen it here and in every worker. */
static void reopen_logs(void)
{
	if (log_reopen() != 0)
		log_error(NULL, "master: cannot reopen the log: %s", strerror(errno));
	else
		log_info("master: log reopened");
	for (int i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGUSR1);
}

/* Waits for pid to exit (it was sent SIGTERM), killing it after the drain timeout. */
static void wait_exit(pid_t pid)
{
	long long deadline = clock_ms() + drain_timeout_ms();
	int status;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (clock_ms() > deadline) {
			kill_stuck(pid);
			waitpid(pid, &status, 0);
			break;
		}
		sleep_ms(10);
	}
	metrics_worker_exited(pid, 0);
}

/*
 * Before a SIGHUP replaces anything: the new workers will read the environment and the
 * secret files again, so read them here first; if they would refuse, the old workers
 * stay. (A worker that refuses anyway is not restarted: see reap.)
 */
static int reload_refused(void)
{
	struct config next;
	char err[256];
	if (config_load(&next, err, sizeof err) != 0) {
		log_error(NULL,
		          "master: SIGHUP: the workers would refuse the configuration (%s); "
		          "keeping the running ones",
		          err);
		config_free(&next);
		return -1;
	}
	config_free(&next);
	return 0;
}

/* SIGHUP: one at a time, start the new worker, then drain the old one. */
static void replace_all(void)
{
	log_info("master: replacing %d workers", nslots);
	for (int i = 0; i < nslots && !got_term; i++) {
		pid_t old = slots[i].pid;
		fill_slot(&slots[i]);
		if (old > 0) {
			kill(old, SIGTERM);
			wait_exit(old);
		}
	}
}

static void drain_all(void)
{
	long long deadline = clock_ms() + drain_timeout_ms();
	for (int i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			return;
		if (pid > 0)
			metrics_worker_exited(pid, 0);
		if (clock_ms() > deadline) {
			for (int i = 0; i < nslots; i++)
				if (slots[i].pid > 0 && kill(slots[i].pid, 0) == 0)
					kill_stuck(slots[i].pid);
			while (waitpid(-1, NULL, 0) > 0)
				;
			return;
		}
		if (pid <= 0)
			sleep_ms(10);
	}
}

/*
 * TASKAPI_HEALTH_LISTEN (a socket path or host:port): one more worker, on a socket of
 * its own, to which the front end sends /health and /health/ready. It is never behind
 * the pool's queue, so liveness answers while every other worker waits on a database
 * that is stuck (their waits are bounded too, but the queue may be long).
 */
static int open_health_socket(void)
{
	const char *addr = getenv("TASKAPI_HEALTH_LISTEN");
	if (!addr || !*addr)
		return 0;
	health_fd = FCGX_OpenSocket(addr, 128);
	if (health_fd < 0) {
		log_error(NULL, "master: cannot listen on TASKAPI_HEALTH_LISTEN=%s", addr);
		return -1;
	}
	fcntl(health_fd, F_SETFD, FD_CLOEXEC);        /* the other workers do not inherit it */
	if (addr[0] == '/' && chmod(addr, 0666) != 0) /* as spawn-fcgi -M 0666: NGINX's user connects */
		log_warn("master: chmod %s: %s", addr, strerror(errno));
	return 0;
}

/* Supervises n children running `self cmd`; pool: the FastCGI pool (shared metrics). */
static int supervise(const char *self, const char *cmd, int n, int pool)
{
	self_path = self;
	child_cmd = cmd;
	/* libldap (pulled in by libpq) links GnuTLS, whose constructor initializes it in
	   every process: ~1 MB of resident memory per worker that no request uses. */
	setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (pool && open_health_socket() != 0)
		return 1;
	nslots = n + (health_fd >= 0);
	slots = calloc((size_t)nslots, sizeof *slots);
	if (!slots)
		return 1;
	if (health_fd >= 0)
		slots[nslots - 1].health = 1;
	if (pool)
		app_metrics_labels();
	if (pool && metrics_create() != 0)
		log_error(NULL, "master: no shared metrics segment; each worker counts alone");
	log_info("master: starting %d %ss%s (build %s)", n, cmd,
	         health_fd >= 0 ? " and a health worker" : "", TASKAPI_BUILD_ID);
	for (int i = 0; i < nslots; i++)
		fill_slot(&slots[i]);

	while (!got_term) {
		reap();
		if (got_usr1) {
			got_usr1 = 0;
			reopen_logs();
		}
		if (got_hup) {
			got_hup = 0;
			if (reload_refused() == 0)
				replace_all();
			continue;
		}
		long long now = clock_ms();
		int alive = 0, refused = 0;
		for (int i = 0; i < nslots; i++) {
			if (slots[i].pid == 0 && !slots[i].refused && now >= slots[i].respawn_at_ms)
				fill_slot(&slots[i]);
			alive += slots[i].pid > 0;
			refused += slots[i].refused;
		}
		if (pool)
			metrics_workers_alive(alive);
		if (refused == nslots) {
			log_error(NULL, "master: every worker refused its configuration; stopping");
			free(slots);
			return EXIT_CONFIG;
		}
		sleep_ms(50);
	}
	log_info("master: draining");
	drain_all();
	log_info("master: stopped");
	free(slots);
	return 0;
}

int master_run(const char *self)
{
	return supervise(self, "worker", cfg.workers, 1);
}

int master_run_children(const char *self, const char *cmd, int n)
{
	return supervise(self, cmd, n, 0);
}
