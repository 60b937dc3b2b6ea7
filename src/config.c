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

static int load_secret(struct config *c, char *err, size_t n)
{
	const char *file = getenv("JWT_SECRET_FILE");
	const char *value = getenv("JWT_SECRET");
	if (file && *file) {
		FILE *f = fopen(file, "rb");
		if (!f) {
			snprintf(err, n, "JWT_SECRET_FILE %s: %s", file, strerror(errno));
			return -1;
		}
		unsigned char buf[4096];
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
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
	if (!c->development &&
	    (c->jwt_secret_len < 32 || strcmp((char *)c->jwt_secret, dev_secret) == 0)) {
		snprintf(err, n, "JWT_SECRET (or JWT_SECRET_FILE) must hold a secret of at least 32 bytes "
		                 "outside the development profile (APP_ENV=development)");
		return -1;
	}
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

	long ttl, cost, workers, timeout, retry, refresh, max_lag, check;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (env_int("ACCESS_TOKEN_EXPIRE_MINUTES", 30, 1, 525600, &ttl, err, errlen) ||
	    env_int("BCRYPT_COST", 12, 4, 31, &cost, err, errlen) ||
	    env_int("TASKAPI_WORKERS", 2 * (cores > 0 ? cores : 1), 1, 512, &workers, err, errlen) ||
	    env_int("DB_CONNECT_TIMEOUT", 3, 1, 60, &timeout, err, errlen) ||
	    env_int("DB_RETRY_AFTER", 1, 1, 3600, &retry, err, errlen) ||
	    env_int("TASKAPI_METRICS_REFRESH", 5, 1, 3600, &refresh, err, errlen) ||
	    env_int("READ_MAX_LAG_MS", 2000, 0, 3600000, &max_lag, err, errlen) ||
	    env_int("READ_CHECK_MS", 20, 0, 60000, &check, err, errlen))
		return -1;
	c->token_ttl = ttl * 60;
	c->bcrypt_cost = (int)cost;
	c->workers = (int)workers;
	c->db_connect_timeout = (int)timeout;
	c->db_retry_after = (int)retry;
	c->metrics_refresh_ms = refresh * 1000;
	c->read_max_lag_ms = (int)max_lag;
	c->read_check_ms = (int)check;
	return load_secret(c, err, errlen);
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
