/*
 * Prometheus metrics in one shared memory segment for the whole pool.
 *
 * The master creates the segment with memfd_create before it forks any worker and
 * leaves the fd open across exec (its number in TASKAPI_METRICS_FD); each worker maps
 * it. Every shared value is a lock-free C11 atomic updated with relaxed ordering:
 * counters only need to add up, not to be ordered against each other. Arrays are
 * fixed, indexed by route (src/routes.c), method, status and statement, so the
 * segment's size and the metrics' cardinality are known at compile time.
 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "listen.h"
#include "log.h"
#include "version.h"
#include "words.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
               "shared counters need lock-free atomics");

#define METRICS_MAGIC  0x7461736b6d657472ULL /* "taskmetr" */
#define METRICS_FD_ENV "TASKAPI_METRICS_FD"
/* Workers plus the ones draining during a SIGHUP replacement (TASKAPI_WORKERS <= 512). */
#define WORKER_SLOTS   1040
#define ROUTE_SLOTS    (ROUTES_MAX + 1) /* the last one: requests no route matched */

/* Every status http_status_text knows; anything else is counted under its class. */
static const int status_codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                   409, 412, 413, 422, 429, 500, 502, 503, 504};
#define STATUS_CODES (int)(sizeof status_codes / sizeof *status_codes)
#define STATUS_SLOTS (STATUS_CODES + 5) /* + "1xx".."5xx" */

static const double http_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                     0.25,  0.5,    1,     2.5,  5,     10};
#define HTTP_BUCKETS (int)(sizeof http_bounds / sizeof *http_bounds)
static const double db_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  5};
#define DB_BUCKETS (int)(sizeof db_bounds / sizeof *db_bounds)

static const char *const db_error_kinds[METRICS_DB_ERROR_KINDS] = {"connect", "lost", "query"};

/* Bucket counts are per bucket (not cumulative); the last one is +Inf. */
struct http_histogram {
	_Atomic uint64_t buckets[HTTP_BUCKETS + 1];
	_Atomic uint64_t sum_ns;
};
struct db_histogram {
	_Atomic uint64_t buckets[DB_BUCKETS + 1];
	_Atomic uint64_t sum_ns;
};

struct worker_slot {
	_Atomic int pid; /* 0: free */
	_Atomic int in_flight;
	/* The request in hand, so that the master can name it when it must kill the worker.
	   Written by the worker alone; the master reads it only once the worker is stuck. */
	char request_id[HTTP_REQUEST_ID_MAX + 1];
};

struct metrics_shm {
	uint64_t magic;
	uint64_t layout; /* fingerprint of this binary's tables: see layout_hash */
	_Atomic int master_pid;
	_Atomic int workers_alive;
	_Atomic uint64_t worker_restarts;
	struct worker_slot workers[WORKER_SLOTS];

	_Atomic uint64_t requests[ROUTE_SLOTS][HTTP_METHOD_COUNT][STATUS_SLOTS];
	struct http_histogram http_duration[ROUTE_SLOTS];

	struct db_histogram db_duration[METRICS_STATEMENTS_MAX];
	_Atomic uint64_t db_errors[METRICS_DB_ERROR_KINDS];
	_Atomic uint64_t db_reconnects;

	_Atomic long long business_at_ms; /* monotonic time of the last refresh claim */
	_Atomic int business_valid;       /* set once a refresh has succeeded */
	_Atomic int db_up;                /* 0 before the first probe, then 1 up / 2 down */
	_Atomic long long users;
	_Atomic long long tasks[METRICS_TASK_STATUSES];
};

static struct metrics_shm *shm;
static struct worker_slot *my_slot;
static struct metrics_labels labels;

void metrics_set_labels(const struct metrics_labels *l)
{
	labels = *l;
	if (labels.nroutes > ROUTES_MAX)
		labels.nroutes = ROUTES_MAX;
	if (labels.nstatements > METRICS_STATEMENTS_MAX)
		labels.nstatements = METRICS_STATEMENTS_MAX;
}

/* A route slot's label: the route's pattern, or "unmatched" for the last slot. */
static const char *route_label(int route)
{
	return route >= 0 && route < labels.nroutes ? labels.routes[route] : "unmatched";
}

/* ==== Setting up ==== */

/* What master and worker must agree on: a worker exec'd from a newer binary on SIGHUP
   may have other routes or statements, and then must not write into this segment. */
static uint64_t layout_hash(void)
{
	uint64_t h = CRYPTO_FNV1A_INIT;
	size_t size = sizeof(struct metrics_shm);
	h = crypto_fnv1a(h, &size, sizeof size);
	for (int i = 0; i < labels.nroutes; i++)
		h = crypto_fnv1a(h, labels.routes[i], strlen(labels.routes[i]) + 1);
	for (int i = 0; i < labels.nstatements; i++)
		h = crypto_fnv1a(h, labels.statements[i], strlen(labels.statements[i]) + 1);
	h = crypto_fnv1a(h, status_codes, sizeof status_codes);
	h = crypto_fnv1a(h, http_bounds, sizeof http_bounds);
	return crypto_fnv1a(h, db_bounds, sizeof db_bounds);
}

static struct metrics_shm *map_fd(int fd)
{
	void *p = mmap(NULL, sizeof(struct metrics_shm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static struct metrics_shm *map_private(void)
{
	void *p = mmap(NULL, sizeof(struct metrics_shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	               -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct metrics_shm *m = p;
	m->magic = METRICS_MAGIC;
	m->layout = layout_hash();
	return m;
}

int metrics_create(void)
{
	int fd = memfd_create("taskapi-metrics", 0); /* no MFD_CLOEXEC: workers inherit it */
	if (fd < 0 || ftruncate(fd, sizeof(struct metrics_shm)) != 0) {
		log_error(NULL, "metrics: shared segment: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	shm = map_fd(fd);
	if (!shm) {
		log_error(NULL, "metrics: mmap: %s", strerror(errno));
		close(fd);
		return -1;
	}
	shm->magic = METRICS_MAGIC;
	shm->layout = layout_hash();
	atomic_store(&shm->master_pid, (int)getpid());
	char num[16];
	snprintf(num, sizeof num, "%d", fd);
	setenv(METRICS_FD_ENV, num, 1);
	return 0;
}

/* The master's segment, or NULL (with the reason logged) when it cannot be used. */
static struct metrics_shm *inherited(void)
{
	const char *v = getenv(METRICS_FD_ENV);
	if (!v || !*v)
		return NULL;
	int fd = atoi(v);
	struct stat st;
	struct metrics_shm *m = NULL;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size != sizeof(struct metrics_shm))
		log_error(NULL,
		          "metrics: fd %d from the master is not a segment of this binary's size; "
		          "metrics of this worker stay private until the pool restarts",
		          fd);
	else if (!(m = map_fd(fd)))
		log_error(NULL, "metrics: mmap: %s", strerror(errno));
	else if (m->magic != METRICS_MAGIC || m->layout != layout_hash()) {
		log_error(NULL, "metrics: the master's segment has another layout (new binary?); "
		                "metrics of this worker stay private until the pool restarts");
		munmap(m, sizeof *m);
		m = NULL;
	}
	close(fd); /* the mapping stays; nothing else needs the fd */
	unsetenv(METRICS_FD_ENV);
	return m;
}

int metrics_attach(void)
{
	shm = inherited();
	if (!shm)
		shm = map_private();
	if (!shm)
		return -1;
	int pid = (int)getpid();
	for (int i = 0; i < WORKER_SLOTS && !my_slot; i++) {
		int free_pid = 0;
		if (atomic_compare_exchange_strong(&shm->workers[i].pid, &free_pid, pid))
			my_slot = &shm->workers[i];
	}
	if (!my_slot)
		log_error(NULL, "metrics: no free worker slot; in-flight requests of pid %d not counted", pid);
	return 0;
}

void metrics_detach(void)
{
	if (shm)
		munmap(shm, sizeof *shm);
	shm = NULL;
	my_slot = NULL;
}

/* ==== Master ==== */

void metrics_worker_exited(pid_t pid, int unexpected)
{
	if (!shm)
		return;
	for (int i = 0; i < WORKER_SLOTS; i++) {
		if (atomic_load(&shm->workers[i].pid) != (int)pid)
			continue;
		/* A killed worker cannot finish its request: its in-flight count goes with it. */
		atomic_store(&shm->workers[i].in_flight, 0);
		atomic_store(&shm->workers[i].pid, 0);
	}
	if (unexpected)
		atomic_fetch_add_explicit(&shm->worker_restarts, 1, memory_order_relaxed);
}

void metrics_workers_alive(int n)
{
	if (shm)
		atomic_store_explicit(&shm->workers_alive, n, memory_order_relaxed);
}

/* ==== Worker ==== */

int metrics_bucket(const double *bounds, int n, double seconds)
{
	for (int i = 0; i < n; i++)
		if (seconds <= bounds[i])
			return i;
	return n;
}

int metrics_status_slot(int status)
{
	for (int i = 0; i < STATUS_CODES; i++)
		if (status_codes[i] == status)
			return i;
	int cls = status / 100;
	return STATUS_CODES + (cls >= 1 && cls <= 5 ? cls - 1 : 4);
}

static void add(_Atomic uint64_t *v, uint64_t n)
{
	atomic_fetch_add_explicit(v, n, memory_order_relaxed);
}

static uint64_t load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static uint64_t to_ns(double seconds)
{
	return seconds > 0 ? (uint64_t)(seconds * 1e9) : 0;
}

void metrics_request_begin(void)
{
	if (my_slot)
		atomic_fetch_add_explicit(&my_slot->in_flight, 1, memory_order_relaxed);
}

void metrics_request_id(const char *id)
{
	if (!my_slot)
		return;
	snprintf(my_slot->request_id, sizeof my_slot->request_id, "%s", id ? id : "");
	atomic_thread_fence(memory_order_release);
}

int metrics_worker_request(pid_t pid, char *out, size_t n)
{
	for (int i = 0; shm && i < WORKER_SLOTS; i++) {
		struct worker_slot *w = &shm->workers[i];
		if (atomic_load(&w->pid) != (int)pid)
			continue;
		atomic_thread_fence(memory_order_acquire);
		snprintf(out, n, "%.*s", (int)sizeof w->request_id - 1, w->request_id);
		return atomic_load(&w->in_flight) > 0;
	}
	snprintf(out, n, "unknown");
	return -1;
}

void metrics_request_end(enum http_method method, int route, int status, double seconds)
{
	if (!shm)
		return;
	if (my_slot)
		atomic_fetch_sub_explicit(&my_slot->in_flight, 1, memory_order_relaxed);
	int r = route >= 0 && route < ROUTES_MAX ? route : ROUTES_MAX;
	int m = method < HTTP_METHOD_COUNT ? (int)method : HTTP_OTHER;
	add(&shm->requests[r][m][metrics_status_slot(status)], 1);
	struct http_histogram *h = &shm->http_duration[r];
	add(&h->buckets[metrics_bucket(http_bounds, HTTP_BUCKETS, seconds)], 1);
	add(&h->sum_ns, to_ns(seconds));
}

void metrics_db_query(int id, double seconds)
{
	if (!shm || id < 0 || id >= labels.nstatements)
		return;
	struct db_histogram *h = &shm->db_duration[id];
	add(&h->buckets[metrics_bucket(db_bounds, DB_BUCKETS, seconds)], 1);
	add(&h->sum_ns, to_ns(seconds));
}

void metrics_db_error(enum metrics_db_error kind)
{
	if (shm && kind < METRICS_DB_ERROR_KINDS)
		add(&shm->db_errors[kind], 1);
}

void metrics_db_reconnect(void)
{
	if (shm)
		add(&shm->db_reconnects, 1);
}

int metrics_business_due(long long interval_ms)
{
	if (!shm)
		return 0;
	long long now = clock_ms(); /* one clock for every process of the host */
	long long at = atomic_load(&shm->business_at_ms);
	if (at != 0 && now - at < interval_ms)
		return 0;
	return atomic_compare_exchange_strong(&shm->business_at_ms, &at, now);
}

void metrics_business_set(long long users, const long long tasks[METRICS_TASK_STATUSES])
{
	if (!shm)
		return;
	atomic_store(&shm->users, users);
	for (int i = 0; i < METRICS_TASK_STATUSES; i++)
		atomic_store(&shm->tasks[i], tasks[i]);
	atomic_store(&shm->business_valid, 1);
}

void metrics_db_up(int up)
{
	if (shm)
		atomic_store(&shm->db_up, up ? 1 : 2);
}

/* ==== Rendering ==== */

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void status_label(int slot, char out[8])
{
	if (slot < STATUS_CODES)
		snprintf(out, 8, "%d", status_codes[slot]);
	else
		snprintf(out, 8, "%dxx", slot - STATUS_CODES + 1);
}

static void render_requests(struct buf *out)
{
	family(out, "http_requests_total", "counter",
	       "HTTP requests answered by the pool, by method, route pattern and status.");
	for (int r = 0; r < ROUTE_SLOTS; r++) {
		if (r >= labels.nroutes && r != ROUTES_MAX)
			continue;
		for (int m = 0; m < HTTP_METHOD_COUNT; m++)
			for (int s = 0; s < STATUS_SLOTS; s++) {
				uint64_t n = load(&shm->requests[r][m][s]);
				if (!n)
					continue;
				char st[8];
				status_label(s, st);
				buf_printf(out, "http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
				           http_method_name((enum http_method)m), route_label(r), st,
				           (unsigned long long)n);
			}
	}
}

/* One histogram series; counts are read once so _count always equals the +Inf bucket. */
static void render_histogram(struct buf *out, const char *name, const char *label, const char *value,
                             const double *bounds, int n, _Atomic uint64_t *buckets,
                             _Atomic uint64_t *sum_ns)
{
	uint64_t counts[HTTP_BUCKETS > DB_BUCKETS ? HTTP_BUCKETS + 1 : DB_BUCKETS + 1], total = 0;
	for (int i = 0; i <= n; i++)
		total += counts[i] = load(&buckets[i]);
	if (!total)
		return;
	uint64_t cumulative = 0;
	for (int i = 0; i <= n; i++) {
		cumulative += counts[i];
		if (i < n)
			buf_printf(out, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", name, label, value, bounds[i],
			           (unsigned long long)cumulative);
		else
			buf_printf(out, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, label, value,
			           (unsigned long long)cumulative);
	}
	buf_printf(out, "%s_sum{%s=\"%s\"} %.9f\n", name, label, value, (double)load(sum_ns) / 1e9);
	buf_printf(out, "%s_count{%s=\"%s\"} %llu\n", name, label, value, (unsigned long long)total);
}

/* Resident set of one process in bytes, from /proc/<pid>/statm; 0 when it is gone. */
static long long rss_bytes(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/statm", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long long size = 0, resident = 0;
	int n = fscanf(f, "%lld %lld", &size, &resident);
	fclose(f);
	return n == 2 ? resident * sysconf(_SC_PAGESIZE) : 0;
}

static void render_process(struct buf *out)
{
	long long rss = 0, in_flight = 0;
	int master = atomic_load(&shm->master_pid), slots_alive = 0, busy = 0;
	if (master > 0)
		rss += rss_bytes(master);
	for (int i = 0; i < WORKER_SLOTS; i++) {
		int pid = atomic_load(&shm->workers[i].pid);
		if (pid <= 0)
			continue;
		rss += rss_bytes(pid);
		int n = atomic_load_explicit(&shm->workers[i].in_flight, memory_order_relaxed);
		in_flight += n;
		busy += n > 0;
		slots_alive++;
	}
	/* Without our master (mod_fcgid, lighttpd, systemd running the workers) nobody sets
	   workers_alive: the workers that share this segment count themselves. */
	int alive = master > 0 ? atomic_load(&shm->workers_alive) : slots_alive;
	family(out, "http_requests_in_flight", "gauge", "Requests the pool's workers are handling now.");
	buf_printf(out, "http_requests_in_flight %lld\n", in_flight);
	family(out, "workers_alive", "gauge",
	       "Workers running (set by the master; without one, the workers sharing these metrics).");
	buf_printf(out, "workers_alive %d\n", alive);
	family(out, "workers_busy", "gauge",
	       "Workers handling a request now (the scrape's own worker included).");
	buf_printf(out, "workers_busy %d\n", busy);
	family(out, "workers_idle", "gauge", "Workers waiting for a request.");
	buf_printf(out, "workers_idle %d\n", alive > busy ? alive - busy : 0);
	long qlen, qmax;
	if (listen_queue(0, &qlen, &qmax) == 0) {
		family(out, "listen_queue_length", "gauge",
		       "Connections waiting in the listen socket's accept queue (as PHP-FPM's listen queue).");
		buf_printf(out, "listen_queue_length %ld\n", qlen);
		family(out, "listen_queue_max", "gauge", "The accept queue's limit (the listen backlog).");
		buf_printf(out, "listen_queue_max %ld\n", qmax);
	}
	family(out, "worker_restarts_total", "counter",
	       "Workers the master replaced because they died without being asked to.");
	buf_printf(out, "worker_restarts_total %llu\n", (unsigned long long)load(&shm->worker_restarts));
	family(out, "process_resident_memory_bytes", "gauge",
	       "Resident memory of the pool: the master and all its workers, summed.");
	buf_printf(out, "process_resident_memory_bytes %lld\n", rss);
}

static void render_db(struct buf *out)
{
	family(out, "db_query_duration_seconds", "histogram",
	       "Time of one prepared statement's round trip to PostgreSQL, by statement.");
	for (int i = 0; i < labels.nstatements; i++)
		render_histogram(out, "db_query_duration_seconds", "statement", labels.statements[i], db_bounds,
		                 DB_BUCKETS, shm->db_duration[i].buckets, &shm->db_duration[i].sum_ns);
	family(out, "db_errors_total", "counter",
	       "Database failures: failed connection attempts, connections lost, failed statements.");
	for (int k = 0; k < METRICS_DB_ERROR_KINDS; k++)
		buf_printf(out, "db_errors_total{kind=\"%s\"} %llu\n", db_error_kinds[k],
		           (unsigned long long)load(&shm->db_errors[k]));
	family(out, "db_reconnects_total", "counter",
	       "Database connections opened again after a loss or a failed attempt.");
	buf_printf(out, "db_reconnects_total %llu\n", (unsigned long long)load(&shm->db_reconnects));
	int up = atomic_load(&shm->db_up);
	if (up) {
		family(out, "db_up", "gauge",
		       "1 when the last periodic query of the primary (the business gauges') succeeded.");
		buf_printf(out, "db_up %d\n", up == 1);
	}
}

/* users_total and tasks_total are gauges; they are typed untyped because promtool's lint
   reserves the _total suffix for counters, and these names are the ones asked for. */
static void render_business(struct buf *out)
{
	if (!atomic_load(&shm->business_valid))
		return;
	family(out, "users_total", "untyped", "Registered users (a gauge, refreshed every few seconds).");
	buf_printf(out, "users_total %lld\n", atomic_load(&shm->users));
	family(out, "tasks_total", "untyped", "Tasks by status (a gauge, refreshed every few seconds).");
	for (int i = 0; i < METRICS_TASK_STATUSES; i++)
		buf_printf(out, "tasks_total{status=\"%s\"} %lld\n", task_statuses[i],
		           atomic_load(&shm->tasks[i]));
}

void metrics_render(struct buf *out)
{
	if (!shm)
		return;
	render_requests(out);
	family(out, "http_request_duration_seconds", "histogram",
	       "Time from the request's arrival in a worker to its answer, by route pattern.");
	for (int r = 0; r < ROUTE_SLOTS; r++)
		if (r < labels.nroutes || r == ROUTES_MAX)
			render_histogram(out, "http_request_duration_seconds", "route", route_label(r), http_bounds,
			                 HTTP_BUCKETS, shm->http_duration[r].buckets, &shm->http_duration[r].sum_ns);
	render_process(out);
	render_db(out);
	render_business(out);
	family(out, "taskapi_build_info", "gauge", "Always 1; the labels name the running build.");
	buf_printf(out, "taskapi_build_info{version=\"%s\",build=\"%s\"} 1\n", API_VERSION,
	           TASKAPI_BUILD_ID);
}
