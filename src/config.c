/* Configuration from the environment, read once at start. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct config cfg;

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
		snprintf(err, n, "JWT_SECRET (or JWT_SECRET_FILE) must hold a secret of at least 32 bytes "
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
static int add_previous(struct config *c, const char *var, const unsigned char *s, size_t len,
                        char *err, size_t n)
{
	if (len == 0)
		return 0;
	if (secret_weak(c, s, len)) {
		snprintf(err, n, "%s: every previous secret must be at least 32 bytes outside the "
		                 "development profile", var);
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
		if (read_secret_file("JWT_PREVIOUS_SECRETS_FILE", file, (unsigned char *)buf, sizeof buf,
		                     &len, err, n) != 0 ||
		    add_previous_list(c, "JWT_PREVIOUS_SECRETS_FILE", buf, len, "\r\n", err, n) != 0)
			return -1;
	}
	if (value && *value &&
	    add_previous_list(c, "JWT_PREVIOUS_SECRETS", value, strlen(value), ",", err, n) != 0)
		return -1;
	return 0;
}

int config_load(struct config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	const char *env = env_or("APP_ENV", "production");
	c->development = strcmp(env, "development") == 0;
	c->database_url = env_or("DATABASE_URL", "");
	c->read_database_url = env_or("READ_DATABASE_URL", "");
	c->cors_origins = env_or("CORS_ORIGINS", "http://localhost:3000,http://localhost:5173");
	c->log_file = env_or("TASKAPI_LOG_FILE", "var/log/taskapi.log");
	const char *level = env_or("TASKAPI_LOG_LEVEL", "info");
	c->log_level = log_level_parse(level);
	if (c->log_level < 0) {
		snprintf(err, errlen, "TASKAPI_LOG_LEVEL must be error, warn, info or debug (got \"%s\")", level);
		return -1;
	}
	c->sql_dir = env_or("TASKAPI_SQL_DIR", "sql");
	c->allow_admin_registration = env_bool("ALLOW_ADMIN_REGISTRATION", c->development);

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
		snprintf(err, errlen, "TASKAPI_REQUEST_DEADLINE_MS + DB_STATEMENT_TIMEOUT_MS must stay under "
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
	return load_secret(c, err, errlen) == 0 && load_previous_secrets(c, err, errlen) == 0 ? 0 : -1;
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
