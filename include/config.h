/* Configuration: read once from the environment at start, validated, refused loudly. */
#ifndef TASKAPI_CONFIG_H
#define TASKAPI_CONFIG_H

#include <stddef.h>

#include "auth.h"
#include "cgi.h"
#include "listen.h"

#define METRICS_ALLOW_MAX 32
#define WEBHOOK_ALLOW_MAX 32

/* A network that may read /metrics: address family, address bytes, prefix length. */
struct net_allow {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
};

/* NGINX's fastcgi_read_timeout in the shipped templates (nginx/edge-server.conf). */
#define FRONT_END_TIMEOUT_MS 30000

struct config {
	int development;               /* APP_ENV=development */
	const char *database_url;      /* DATABASE_URL; "" means libpq's defaults */
	const char *read_database_url; /* READ_DATABASE_URL; "" when no replica is configured */
	int read_max_lag_ms;           /* a replica further behind than this is skipped */
	int read_check_ms;             /* how long a worker trusts what the replica said of itself */
	unsigned char *jwt_secret;     /* JWT_SECRET or the contents of JWT_SECRET_FILE */
	size_t jwt_secret_len;
	/* jwt_keys[0] signs (jwt_secret); the others, from JWT_PREVIOUS_SECRETS(_FILE), only verify */
	struct jwt_key jwt_keys[JWT_KEYS_MAX];
	int jwt_key_count;
	long long token_ttl;      /* seconds, from ACCESS_TOKEN_EXPIRE_MINUTES */
	long long refresh_ttl;    /* seconds, from REFRESH_TOKEN_EXPIRE_DAYS */
	int login_max_failures;   /* failed logins of one account before it is throttled; 0: never */
	int login_failure_window; /* seconds in which those failures count */
	int login_lockout;        /* seconds the account's logins then get 429 */
	int bcrypt_cost;
	int allow_admin_registration;
	const char *cors_origins; /* comma-separated */
	int workers;
	const char *log_file;      /* "-" means stderr */
	char mount[CGI_MOUNT_MAX]; /* TASKAPI_MOUNT: the prefix the front end mounts us at, "" for none */
	const char *app_env;       /* APP_ENV: one of config_profiles */
	int listen_set;            /* TASKAPI_LISTEN given: listen on listen_addr */
	struct listen_addr listen_addr;
	unsigned socket_mode; /* TASKAPI_SOCKET_MODE (octal) of a unix listen socket */
	uid_t socket_owner;   /* TASKAPI_SOCKET_OWNER, (uid_t)-1 for unchanged */
	gid_t socket_group;   /* TASKAPI_SOCKET_GROUP, (gid_t)-1 for unchanged */
	struct net_allow metrics_allow[METRICS_ALLOW_MAX]; /* METRICS_ALLOW, besides loopback */
	int metrics_allow_count;
	/* TASKAPI_WEBHOOK_ALLOW: networks webhooks may reach although private or local */
	struct net_allow webhook_allow[WEBHOOK_ALLOW_MAX];
	int webhook_allow_count;
	long max_requests;      /* TASKAPI_MAX_REQUESTS: a worker is replaced after this many; 0 never */
	int request_timeout_ms; /* TASKAPI_REQUEST_TIMEOUT: a request past it is answered and its
	                           worker replaced; 0: no limit */
	int slowlog_ms;         /* TASKAPI_SLOWLOG_MS: a request still running after this is logged */
	int log_level;          /* enum log_level, from TASKAPI_LOG_LEVEL */
	const char *sql_dir;
	int db_connect_timeout;       /* seconds */
	int db_retry_after;           /* seconds, in the 503's Retry-After */
	int db_statement_timeout_ms;  /* the pool's sessions: statement_timeout */
	int db_lock_timeout_ms;       /* lock_timeout */
	int db_idle_tx_timeout_ms;    /* idle_in_transaction_session_timeout */
	int request_deadline_ms;      /* no statement is started after this much of a request */
	int db_reconnect_floor_ms;    /* after a quick failure, the next request tries again this soon */
	long long metrics_refresh_ms; /* business gauges are re-read at most this often */
	int notify_email;             /* SMTP_URL set: each new notification gets an email job */
};

extern struct config cfg;
/* The known APP_ENV profiles, NULL-terminated. */
extern const char *const config_profiles[];

/* Fills cfg from the environment; on a refusal writes why to err and returns -1. */
int config_load(struct config *c, char *err, size_t errlen);
int config_origin_allowed(const struct config *c, const char *origin);
/* Frees what config_load allocated (the secrets) in a configuration other than cfg. */
void config_free(struct config *c);
/* 1 when addr (REMOTE_ADDR) is loopback or in METRICS_ALLOW; 0 otherwise or when NULL. */
int config_metrics_allowed(const struct config *c, const char *addr);
/* 1 when addr (4 or 16 bytes, as family) lies in net. */
int config_net_contains(const struct net_allow *net, int family, const unsigned char *addr);
/* 1 when addr (4 bytes for AF_INET, 16 for AF_INET6) is in TASKAPI_WEBHOOK_ALLOW. */
int config_webhook_allowed(const struct config *c, int family, const unsigned char *addr);

#endif
