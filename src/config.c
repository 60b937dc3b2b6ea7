/* Configuration from the environment, read once at start. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct config cfg;

const char *const config_profiles[] = {"development", "production", NULL};

/* Obvious development default; every other profile refuses it. */
static const char dev_secret[] = "development-secret-not-for-production-use";

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* Reads an integer setting within [min, max]; -1 with a message when it is not one. */
static int env_int(const char *name, long def, long min, long max, long *out, char *err, size_t n)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || x < min || x > max) {
		snprintf(err, n, "%s must be an integer from %ld to %ld (got \"%s\")", name, min, max, v);
		return -1;
	}
	*out = x;
	return 0;
}

static int env_bool(const char *name, int def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	return strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	       strcmp(v, "on") == 0;
}

/* Reads a secret file of at most cap bytes into buf; -1 with a message when it cannot. */
static int read_secret_file(const char *var, const char *path, unsigned char *buf, size_t cap,
                            size_t *len, char *err, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, n, "%s %s: %s", var, path, strerror(errno));
		return -1;
	}
	*len = fread(buf, 1, cap, f);
	fclose(f);
	return 0;
}

static void strip_newlines(const unsigned char *s, size_t *len)
{
	while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r'))
		(*len)--;
}

/* Outside development a signing or verifying secret must be long and not the known dev one. */
static int secret_weak(const struct config *c, const unsigned char *s, size_t len)
{
	return !c->development &&
	       (len < 32 || (len == sizeof dev_secret - 1 && memcmp(s, dev_secret, len) == 0));
}

static int load_secret(struct config *c, char *err, size_t n)
{
	const char *file = getenv("JWT_SECRET_FILE");
	const char *value = getenv("JWT_SECRET");
	if (file && *file) {
		unsigned char buf[4096];
		size_t len;
		if (read_secret_file("JWT_SECRET_FILE", file, buf, sizeof buf, &len, err, n) != 0)
			return -1;
		strip_newlines(buf, &len);
		c->jwt_secret = malloc(len + 1);
		memcpy(c->jwt_secret, buf, len);
		c->jwt_secret[len] = '\0';
		c->jwt_secret_len = len;
	} else {
		if (!value || !*value)
			value = c->development ? dev_secret : "";
		c->jwt_secret = (unsigned char *)strdup(value);
		c->jwt_secret_len = strlen(value);
	}
	if (secret_weak(c, c->jwt_secret, c->jwt_secret_len)) {
		snprintf(err, n,
		         "JWT_SECRET (or JWT_SECRET_FILE) must hold a secret of at least 32 bytes "
		         "outside the development profile (APP_ENV=development)");
		return -1;
	}
	c->jwt_keys[0].secret = c->jwt_secret;
	c->jwt_keys[0].len = c->jwt_secret_len;
	jwt_kid(c->jwt_secret, c->jwt_secret_len, c->jwt_keys[0].kid);
	c->jwt_key_count = 1;
	return 0;
}

/* Adds one previous (verify-only) secret; duplicates of a known key are skipped. */
static int add_previous(struct config *c, const char *var, const unsigned char *s, size_t len, char *err,
                        size_t n)
{
	if (len == 0)
		return 0;
	if (secret_weak(c, s, len)) {
		snprintf(err, n,
		         "%s: every previous secret must be at least 32 bytes outside the "
		         "development profile",
		         var);
		return -1;
	}
	struct jwt_key k = {.len = len};
	jwt_kid(s, len, k.kid);
	for (int i = 0; i < c->jwt_key_count; i++)
		if (strcmp(c->jwt_keys[i].kid, k.kid) == 0)
			return 0;
	if (c->jwt_key_count == JWT_KEYS_MAX) {
		snprintf(err, n, "%s: at most %d previous secrets", var, JWT_KEYS_MAX - 1);
		return -1;
	}
	unsigned char *copy = malloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	k.secret = copy;
	c->jwt_keys[c->jwt_key_count++] = k;
	return 0;
}

/* Splits list at any of seps into previous secrets. */
static int add_previous_list(struct config *c, const char *var, const char *list, size_t len,
                             const char *seps, char *err, size_t n)
{
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && !strchr(seps, list[i]))
			i++;
		size_t item = i - start;
		int comment = item > 0 && list[start] == '#';
		if (!comment && add_previous(c, var, (const unsigned char *)list + start, item, err, n) != 0)
			return -1;
		i++;
	}
	return 0;
}

/* JWT_PREVIOUS_SECRETS_FILE (one per line, # comments) and JWT_PREVIOUS_SECRETS (comma-separated). */
static int load_previous_secrets(struct config *c, char *err, size_t n)
{
	const char *file = getenv("JWT_PREVIOUS_SECRETS_FILE");
	const char *value = getenv("JWT_PREVIOUS_SECRETS");
	if (file && *file) {
		char buf[16384];
		size_t len;
		if (read_secret_file("JWT_PREVIOUS_SECRETS_FILE", file, (unsigned char *)buf, sizeof buf, &len,
		                     err, n) != 0 ||
		    add_previous_list(c, "JWT_PREVIOUS_SECRETS_FILE", buf, len, "\r\n", err, n) != 0)
			return -1;
	}
	if (value && *value &&
	    add_previous_list(c, "JWT_PREVIOUS_SECRETS", value, strlen(value), ",", err, n) != 0)
		return -1;
	return 0;
}

static int known_profile(const char *env)
{
	for (int i = 0; config_profiles[i]; i++)
		if (strcmp(env, config_profiles[i]) == 0)
			return 1;
	return 0;
}

/* A user or group by name or number; -1 with a message when there is none. */
static int owner_id(const char *var, int group, long *out, char *err, size_t n)
{
	const char *v = getenv(var);
	*out = -1;
	if (!v || !*v)
		return 0;
	char *end;
	long id = strtol(v, &end, 10);
	if (!*end && id >= 0) {
		*out = id;
		return 0;
	}
	struct passwd *pw = group ? NULL : getpwnam(v);
	struct group *gr = group ? getgrnam(v) : NULL;
	if (pw || gr) {
		*out = pw ? (long)pw->pw_uid : (long)gr->gr_gid;
		return 0;
	}
	snprintf(err, n, "%s: no %s named \"%s\"", var, group ? "group" : "user", v);
	return -1;
}

/* The listen socket's settings: TASKAPI_LISTEN, and a unix socket's mode, owner, group. */
static int load_listen(struct config *c, char *err, size_t n)
{
	const char *listen = env_or("TASKAPI_LISTEN", "");
	c->listen_set = *listen != '\0';
	if (c->listen_set && listen_parse(listen, &c->listen_addr, err, n) != 0)
		return -1;
	const char *mode = env_or("TASKAPI_SOCKET_MODE", "0660");
	char *end;
	long m = strtol(mode, &end, 8);
	if (*end || m < 0 || m > 0777) {
		snprintf(err, n, "TASKAPI_SOCKET_MODE must be an octal mode such as 0660 (got \"%s\")", mode);
		return -1;
	}
	c->socket_mode = (unsigned)m;
	long owner, group;
	if (owner_id("TASKAPI_SOCKET_OWNER", 0, &owner, err, n) ||
	    owner_id("TASKAPI_SOCKET_GROUP", 1, &group, err, n))
		return -1;
	c->socket_owner = (uid_t)owner;
	c->socket_group = (gid_t)group;
	return 0;
}

/* One address or CIDR network ("10.0.0.0/8", "::1", "fd00::/8"); -1 when it is not one. */
static int net_parse(const char *s, size_t len, struct net_allow *out)
{
	char text[64];
	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	out->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	int bits = out->family == AF_INET ? 32 : 128;
	if (inet_pton(out->family, text, out->addr) != 1)
		return -1;
	out->prefix = bits;
	if (slash) {
		char *end;
		long p = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || p < 0 || p > bits)
			return -1;
		out->prefix = (int)p;
	}
	return 0;
}

/* A list of networks separated by commas or spaces (METRICS_ALLOW, TASKAPI_WEBHOOK_ALLOW), as
   scripts/stack-up reads them. */
static int load_nets(const char *var, struct net_allow *nets, int max, int *count, char *err, size_t n)
{
	const char *p = env_or(var, "");
	while (*p) {
		p += strspn(p, ", ");
		size_t len = strcspn(p, ", ");
		if (len == 0)
			break;
		if (*count == max || net_parse(p, len, &nets[*count]) != 0) {
			snprintf(err, n, "%s: \"%.*s\" is not an address or CIDR network (at most %d)", var,
			         (int)len, p, max);
			return -1;
		}
		(*count)++;
		p += len;
	}
	return 0;
}

int config_net_contains(const struct net_allow *net, int family, const unsigned char *addr)
{
	if (net->family != family)
		return 0;
	int full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return 0;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return rest == 0 || (net->addr[full] & mask) == (addr[full] & mask);
}

int config_metrics_allowed(const struct config *c, const char *addr)
{
	unsigned char a[16];
	int family = addr && strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (!addr || inet_pton(family, addr, a) != 1)
		return 0;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family == AF_INET6 && memcmp(a, mapped, 12) == 0) { /* ::ffff:a.b.c.d */
		memmove(a, a + 12, 4);
		family = AF_INET;
	}
	/* loopback as the NGINX templates allow it: 127.0.0.1 and ::1 (tests reach the
	   server from 127.0.0.2 as from another host) */
	static const unsigned char v4_loopback[4] = {127, 0, 0, 1}, v6_loopback[16] = {[15] = 1};
	if ((family == AF_INET && memcmp(a, v4_loopback, 4) == 0) ||
	    (family == AF_INET6 && memcmp(a, v6_loopback, 16) == 0))
		return 1;
	for (int i = 0; i < c->metrics_allow_count; i++)
		if (config_net_contains(&c->metrics_allow[i], family, a))
			return 1;
	return 0;
}

int config_webhook_allowed(const struct config *c, int family, const unsigned char *addr)
{
	for (int i = 0; i < c->webhook_allow_count; i++)
		if (config_net_contains(&c->webhook_allow[i], family, addr))
			return 1;
	return 0;
}

int config_load(struct config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	const char *env = env_or("APP_ENV", "production");
	if (!known_profile(env)) {
		snprintf(err, errlen, "APP_ENV must be development or production (got \"%s\")", env);
		return -1;
	}
	c->app_env = env;
	c->development = strcmp(env, "development") == 0;
	c->database_url = env_or("DATABASE_URL", "");
	c->read_database_url = env_or("READ_DATABASE_URL", "");
	c->cors_origins = env_or("CORS_ORIGINS", "http://localhost:3000,http://localhost:5173");
	/* stderr unless told: a relative default would lose the log when the directory differs */
	c->log_file = env_or("TASKAPI_LOG_FILE", "-");
	const char *level = env_or("TASKAPI_LOG_LEVEL", "info");
	c->log_level = log_level_parse(level);
	if (c->log_level < 0) {
		snprintf(err, errlen, "TASKAPI_LOG_LEVEL must be error, warn, info or debug (got \"%s\")",
		         level);
		return -1;
	}
	c->sql_dir = env_or("TASKAPI_SQL_DIR", "sql");
	const char *mount = env_or("TASKAPI_MOUNT", "");
	if (cgi_mount_parse(mount, c->mount) != 0) {
		snprintf(err, errlen,
		         "TASKAPI_MOUNT must be a path such as /tasks-api (letters, digits, "
		         "'.', '_', '~', '-' between slashes; got \"%s\")",
		         mount);
		return -1;
	}
	c->allow_admin_registration = env_bool("ALLOW_ADMIN_REGISTRATION", c->development);

	if (load_listen(c, err, errlen) != 0 ||
	    load_nets("METRICS_ALLOW", c->metrics_allow, METRICS_ALLOW_MAX, &c->metrics_allow_count, err,
	              errlen) != 0 ||
	    load_nets("TASKAPI_WEBHOOK_ALLOW", c->webhook_allow, WEBHOOK_ALLOW_MAX, &c->webhook_allow_count,
	              err, errlen) != 0)
		return -1;
	long max_requests, request_timeout, slowlog;
	if (env_int("TASKAPI_MAX_REQUESTS", 0, 0, 1000000000L, &max_requests, err, errlen) ||
	    env_int("TASKAPI_REQUEST_TIMEOUT", 0, 0, 86400, &request_timeout, err, errlen) ||
	    env_int("TASKAPI_SLOWLOG_MS", 0, 0, 86400000L, &slowlog, err, errlen))
		return -1;
	c->max_requests = max_requests;
	c->request_timeout_ms = (int)request_timeout * 1000;
	c->slowlog_ms = (int)slowlog;
	long ttl, refresh_days, max_failures, window, lockout, cost, workers, timeout, retry, refresh,
		max_lag, check, stmt_timeout, lock_timeout, idle_tx, deadline, floor;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (env_int("ACCESS_TOKEN_EXPIRE_MINUTES", 30, 1, 525600, &ttl, err, errlen) ||
	    env_int("REFRESH_TOKEN_EXPIRE_DAYS", 14, 1, 3650, &refresh_days, err, errlen) ||
	    env_int("LOGIN_MAX_FAILURES", 5, 0, 1000, &max_failures, err, errlen) ||
	    env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, 1, 86400, &window, err, errlen) ||
	    env_int("LOGIN_LOCKOUT_SECONDS", 900, 1, 86400, &lockout, err, errlen) ||
	    env_int("BCRYPT_COST", 12, 4, 31, &cost, err, errlen) ||
	    env_int("TASKAPI_WORKERS", 2 * (cores > 0 ? cores : 1), 1, 512, &workers, err, errlen) ||
	    env_int("DB_CONNECT_TIMEOUT", 3, 1, 60, &timeout, err, errlen) ||
	    env_int("DB_RETRY_AFTER", 1, 1, 3600, &retry, err, errlen) ||
	    env_int("TASKAPI_METRICS_REFRESH", 5, 1, 3600, &refresh, err, errlen) ||
	    env_int("READ_MAX_LAG_MS", 2000, 0, 3600000, &max_lag, err, errlen) ||
	    env_int("READ_CHECK_MS", 20, 0, 60000, &check, err, errlen) ||
	    env_int("DB_STATEMENT_TIMEOUT_MS", 5000, 100, 600000, &stmt_timeout, err, errlen) ||
	    env_int("DB_LOCK_TIMEOUT_MS", 2000, 10, 600000, &lock_timeout, err, errlen) ||
	    env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10000, 100, 3600000, &idle_tx, err, errlen) ||
	    env_int("TASKAPI_REQUEST_DEADLINE_MS", 15000, 100, 600000, &deadline, err, errlen) ||
	    env_int("DB_RECONNECT_FLOOR_MS", 200, 10, 60000, &floor, err, errlen))
		return -1;
	/* The app must answer before the front end gives up (NGINX's fastcgi_read_timeout,
	   30 s in the shipped templates): the last statement may start just before the deadline. */
	if (deadline + stmt_timeout > FRONT_END_TIMEOUT_MS - 5000) {
		snprintf(err, errlen,
		         "TASKAPI_REQUEST_DEADLINE_MS + DB_STATEMENT_TIMEOUT_MS must stay under "
		         "%d ms, 5 s inside the front end's %d s read timeout (got %ld + %ld)",
		         FRONT_END_TIMEOUT_MS - 5000, FRONT_END_TIMEOUT_MS / 1000, deadline, stmt_timeout);
		return -1;
	}
	c->token_ttl = ttl * 60;
	c->refresh_ttl = refresh_days * 86400;
	c->login_max_failures = (int)max_failures;
	c->login_failure_window = (int)window;
	c->login_lockout = (int)lockout;
	c->bcrypt_cost = (int)cost;
	c->workers = (int)workers;
	c->db_connect_timeout = (int)timeout;
	c->db_retry_after = (int)retry;
	c->metrics_refresh_ms = refresh * 1000;
	c->read_max_lag_ms = (int)max_lag;
	c->read_check_ms = (int)check;
	c->db_statement_timeout_ms = (int)stmt_timeout;
	c->db_lock_timeout_ms = (int)lock_timeout;
	c->db_idle_tx_timeout_ms = (int)idle_tx;
	c->request_deadline_ms = (int)deadline;
	c->db_reconnect_floor_ms = (int)floor;
	/* The daemons send the email (and refuse a malformed SMTP_URL, src/jobs.c); the task
	   writes queue it when the relay is set on this host. */
	const char *smtp = getenv("SMTP_URL");
	c->notify_email = smtp && *smtp;
	return load_secret(c, err, errlen) == 0 && load_previous_secrets(c, err, errlen) == 0 ? 0 : -1;
}

void config_free(struct config *c)
{
	for (int i = 1; i < c->jwt_key_count; i++)
		free((void *)c->jwt_keys[i].secret);
	free(c->jwt_secret);
	memset(c, 0, sizeof *c);
}

int config_origin_allowed(const struct config *c, const char *origin)
{
	if (!origin || !*origin)
		return 0;
	size_t n = strlen(origin);
	const char *p = c->cors_origins;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ",");
		size_t trimmed = len;
		while (trimmed > 0 && p[trimmed - 1] == ' ')
			trimmed--;
		if ((trimmed == 1 && p[0] == '*') || (trimmed == n && memcmp(p, origin, n) == 0))
			return 1;
		p += len;
	}
	return 0;
}
