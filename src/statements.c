/*
 * Every SQL statement the server runs, prepared once per connection. Each one that
 * serves an authenticated route folds the caller check into the work (one round
 * trip): its first three columns are the caller's id, role and is_active, and its
 * only row is missing when the credential no longer authenticates anyone.
 */
#include "db.h"
#include "handlers.h"

/*
 * The caller, from $1, a text array built by caller_param() (src/respond.c):
 *   access token: {user_id, jti, iat, sid, NULL, NULL}   API key: {NULL x4, prefix, sha256 hex}
 * A token with a session id counts while that session (its refresh family) is not
 * revoked; one without counts when issued after the user's sessions_valid_after
 * (logout-all, password change) and while its jti is not revoked. A key counts while it
 * exists and has not expired; its hash is compared with ct_equal (every byte).
 * Written as one index scan of users with lazily evaluated sub-selects (no UNION, no
 * correlated EXISTS): each request pays one extra index probe, not a round trip.
 */
#define CALLER_ARG(i) "($1::text[])[" #i "]"
#define CALLER_CTE                                                                                   \
	"WITH c AS (SELECT u.id, u.role, u.is_active FROM users u WHERE u.id = coalesce("              \
	CALLER_ARG(1) "::bigint, (SELECT ck.user_id FROM api_keys ck WHERE ck.prefix = " CALLER_ARG(5) \
	" AND ct_equal(ck.key_hash, decode(" CALLER_ARG(6) ", 'hex')) "                                \
	"AND (ck.expires_at IS NULL OR ck.expires_at > now()))) "                                      \
	"AND CASE WHEN " CALLER_ARG(5) " IS NOT NULL THEN true "                                       \
	"WHEN " CALLER_ARG(4) " IS NOT NULL THEN (SELECT cs.user_id FROM sessions cs "                 \
	"WHERE cs.id = " CALLER_ARG(4) "::bigint AND cs.revoked_at IS NULL) = u.id "                   \
	"ELSE to_timestamp(" CALLER_ARG(3) "::bigint) > u.sessions_valid_after AND NOT EXISTS "        \
	"(SELECT 1 FROM revoked_tokens rt WHERE rt.jti = " CALLER_ARG(2) ") END) "
#define CALLER_COLS "c.id, c.role, c.is_active"
#define SECONDS(p) p "::bigint * interval '1 second'"
/* Seconds an account's logins stay throttled (NULL when they are not). */
#define LOCKED_SECONDS(name)                                                                         \
	"(SELECT ceil(extract(epoch FROM f.locked_until - now()))::bigint FROM login_failures f "       \
	"WHERE f.username = " name " AND f.locked_until > now())"

/*
 * A page of tasks ($2 limit, $3 offset) with the total count, in one round trip.
 * - Users see their own tasks, admins all: two branches gated by the caller's role
 *   (one-time filters), each with its own index.
 * - The user branch says owner_id BETWEEN c.id AND c.id, not "=": with an equality
 *   the planner drops owner_id from the ordering and may walk the primary key in id
 *   order filtering by owner, which reads the whole table for a user whose tasks are
 *   recent. The range keeps (owner_id[, status], id) the only ordered path.
 * - The count is a MATERIALIZED CTE so it runs once, not once per returned row.
 */
#define USER_TASKS(filter) "c.is_active AND c.role <> 'admin' AND t.owner_id BETWEEN c.id AND c.id" filter
#define ALL_TASKS(filter) "c.is_active AND c.role = 'admin'" filter
#define TASK_LIST_SQL(filter, user_order)                                                   \
	CALLER_CTE ", n AS MATERIALIZED (SELECT "                                              \
	"(SELECT count(*) FROM tasks t WHERE " USER_TASKS(filter) ") + "                       \
	"(SELECT count(*) FROM tasks t WHERE " ALL_TASKS(filter) ") AS total FROM c) "         \
	"SELECT " CALLER_COLS ", n.total, " TASK_COLS("p") " FROM c CROSS JOIN n "             \
	"LEFT JOIN LATERAL ("                                                                  \
	"(SELECT t.* FROM tasks t WHERE " USER_TASKS(filter) " ORDER BY " user_order           \
	" LIMIT $2::bigint + $3::bigint) "                                                     \
	"UNION ALL "                                                                           \
	"(SELECT t.* FROM tasks t WHERE " ALL_TASKS(filter) " ORDER BY t.id"                   \
	" LIMIT $2::bigint + $3::bigint) "                                                     \
	"ORDER BY id LIMIT $2::bigint OFFSET $3::bigint) p ON true ORDER BY p.id"

const struct statement statements[STMT_COUNT] = {
	[STMT_CALLER] = {"caller", CALLER_CTE "SELECT " CALLER_COLS " FROM c", 1, 1},

	[STMT_REGISTER] = {"register",
		"INSERT INTO users (email, username, full_name, hashed_password, role) "
		"VALUES ($1::text, $2::text, $3::text, $4::text, $5::text) RETURNING " USER_COLS("users"),
		5, 0},

	/* Always one row: the user's columns are NULL when there is no such user. */
	[STMT_LOGIN] = {"login",
		"SELECT u.id, u.username, u.role, u.is_active, u.hashed_password, " LOCKED_SECONDS("$1::text")
		" FROM (VALUES (1)) AS one LEFT JOIN users u ON u.username = $1::text",
		1, 1},

	[STMT_ME] = {"me", CALLER_CTE "SELECT " CALLER_COLS ", " USER_COLS("u") " FROM c JOIN users u ON u.id = c.id",
		1, 1},

	[STMT_ME_UPDATE] = {"me_update",
		CALLER_CTE ", u AS (UPDATE users SET "
		"email = CASE WHEN $2::bool THEN $3::text ELSE email END, "
		"username = CASE WHEN $4::bool THEN $5::text ELSE username END, "
		"full_name = CASE WHEN $6::bool THEN $7::text ELSE full_name END, "
		"hashed_password = CASE WHEN $8::bool THEN $9::text ELSE hashed_password END, "
		"sessions_valid_after = CASE WHEN $8::bool THEN now() ELSE sessions_valid_after END, "
		"updated_at = now() "
		"FROM c WHERE users.id = c.id AND c.is_active RETURNING " USER_COLS("users") "), "
		/* A new password ends every other session ($10: the caller's own, if any). */
		"ps AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'password change' FROM c "
		"WHERE $8::bool AND c.is_active AND sessions.user_id = c.id AND sessions.revoked_at IS NULL "
		"AND sessions.id IS DISTINCT FROM $10::bigint) "
		"SELECT " CALLER_COLS ", u.* FROM c LEFT JOIN u ON true",
		10, 0},

	[STMT_USERS_LIST] = {"users_list",
		CALLER_CTE "SELECT " CALLER_COLS ", " USER_COLS("u") " FROM c LEFT JOIN LATERAL ("
		"SELECT * FROM users WHERE c.role = 'admin' AND c.is_active "
		"ORDER BY id LIMIT $2::bigint OFFSET $3::bigint) u ON true ORDER BY u.id",
		3, 1},

	[STMT_USER_GET] = {"user_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " USER_COLS("u") " FROM c "
		"LEFT JOIN users u ON u.id = $2::bigint AND c.role = 'admin' AND c.is_active",
		2, 1},

	[STMT_USER_DELETE] = {"user_delete",
		CALLER_CTE ", d AS (DELETE FROM users u USING c WHERE u.id = $2::bigint "
		"AND c.role = 'admin' AND c.is_active RETURNING u.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		2, 0},

	[STMT_TASK_CREATE] = {"task_create",
		CALLER_CTE ", t AS (INSERT INTO tasks (title, description, status, priority, due_date, owner_id) "
		"SELECT $2::text, $3::text, $4::text, $5::text, $6::timestamptz, c.id FROM c WHERE c.is_active "
		"RETURNING " TASK_COLS("tasks") ") "
		"SELECT " CALLER_COLS ", t.* FROM c LEFT JOIN t ON true",
		6, 0},

	[STMT_TASK_LIST] = {"task_list", TASK_LIST_SQL("", "t.owner_id, t.id"), 3, 1},
	[STMT_TASK_LIST_STATUS] = {"task_list_status",
		TASK_LIST_SQL(" AND t.status = $4::text", "t.owner_id, t.status, t.id"), 4, 1},

	[STMT_TASK_GET] = {"task_get",
		CALLER_CTE "SELECT " CALLER_COLS ", " TASK_COLS("t") " FROM c LEFT JOIN tasks t "
		"ON t.id = $2::bigint AND c.is_active AND (t.owner_id = c.id OR c.role = 'admin')",
		2, 1},

	[STMT_TASK_UPDATE] = {"task_update",
		CALLER_CTE ", u AS (UPDATE tasks t SET "
		"title = CASE WHEN $3::bool THEN $4::text ELSE t.title END, "
		"description = CASE WHEN $5::bool THEN $6::text ELSE t.description END, "
		"status = CASE WHEN $7::bool THEN $8::text "
		"  WHEN $9::bool AND $10::bool THEN 'completed' "
		"  WHEN $9::bool AND t.status = 'completed' THEN 'todo' ELSE t.status END, "
		"priority = CASE WHEN $11::bool THEN $12::text ELSE t.priority END, "
		"due_date = CASE WHEN $13::bool THEN $14::timestamptz ELSE t.due_date END, "
		"updated_at = now() "
		"FROM c WHERE t.id = $2::bigint AND c.is_active AND (t.owner_id = c.id OR c.role = 'admin') "
		"RETURNING " TASK_COLS("t") ") "
		"SELECT " CALLER_COLS ", u.* FROM c LEFT JOIN u ON true",
		14, 0},

	[STMT_TASK_DELETE] = {"task_delete",
		CALLER_CTE ", d AS (DELETE FROM tasks t USING c WHERE t.id = $2::bigint AND c.is_active "
		"AND (t.owner_id = c.id OR c.role = 'admin') RETURNING t.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		2, 0},

	/* ==== Operations ==== */

	/* /health/ready: the primary answers. */
	[STMT_READY] = {"ready", "SELECT 1", 0, 1},

	/* The business gauges of /metrics, read at most every TASKAPI_METRICS_REFRESH seconds per
	   host: users, then tasks by status in the order of metrics_task_statuses. */
	[STMT_METRICS_COUNTS] = {"metrics_counts",
		"SELECT (SELECT count(*) FROM users), "
		"count(*) FILTER (WHERE status = 'todo'), count(*) FILTER (WHERE status = 'in_progress'), "
		"count(*) FILTER (WHERE status = 'completed') FROM tasks",
		0, 1},

	/* On the replica (READ_DATABASE_URL) only: in recovery, and the replay lag in seconds,
	   0 when everything received is replayed (an idle primary is not lag). */
	[STMT_REPLICA_LAG] = {"replica_lag",
		"SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN NULL "
		"WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
		"ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
		0, 1},

	/* ==== Read routing ==== */

	/* Run after a write's commit (its own implicit transaction): the insert position is
	   past the commit record, so a replica that has replayed it sees the write. */
	[STMT_WAL_LSN] = {"wal_lsn", "SELECT pg_current_wal_insert_lsn()::text", 0, 0},

	/* On the replica: lag 0 while streaming with nothing left to replay; otherwise the age
	   of the last replayed commit, an upper bound of how stale the replica's data is. */
	[STMT_REPLICA_STATUS] = {"replica_status",
		"SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
		"CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() "
		"  AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0 "
		"ELSE COALESCE(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) "
		"  * 1000, 1e9) END::float8",
		0, 1},

	/* ==== Sessions, refresh tokens, logout (issue 5) ==== */

	/* $1 username, $2 failures allowed, $3 window and $4 lockout in seconds. Also forgets
	   a few stale rows of other names, so the table stays small. */
	[STMT_LOGIN_FAILED] = {"login_failed",
		"WITH gf AS (DELETE FROM login_failures WHERE username IN (SELECT username FROM login_failures "
		"  WHERE window_start < now() - interval '1 day' AND coalesce(locked_until < now(), true) "
		"  AND username <> $1::text LIMIT 10)) "
		"INSERT INTO login_failures AS f (username, failures, window_start, locked_until) "
		"VALUES ($1::text, 1, now(), CASE WHEN $2::int <= 1 THEN now() + " SECONDS("$4") " END) "
		"ON CONFLICT (username) DO UPDATE SET "
		"failures = CASE WHEN f.window_start > now() - " SECONDS("$3") " THEN f.failures + 1 ELSE 1 END, "
		"window_start = CASE WHEN f.window_start > now() - " SECONDS("$3") " THEN f.window_start ELSE now() END, "
		"locked_until = CASE WHEN (CASE WHEN f.window_start > now() - " SECONDS("$3")
		"  THEN f.failures + 1 ELSE 1 END) >= $2::int THEN now() + " SECONDS("$4") " ELSE f.locked_until END "
		"RETURNING failures",
		4, 0},

	/* A successful login: $1 user id, $2 username, $3 SHA-256 (hex) of the new refresh token,
	   $4 its lifetime, $5 the access-token lifetime (seconds). Clears the account's failures
	   and collects a little garbage of expired rows. Returns the new session id. */
	[STMT_SESSION_CREATE] = {"session_create",
		"WITH lf AS (DELETE FROM login_failures WHERE username = $2::text), "
		"gs AS (DELETE FROM sessions WHERE id IN ("
		"  (SELECT id FROM sessions WHERE expires_at < now() - " SECONDS("$5") " LIMIT 50) UNION "
		"  (SELECT id FROM sessions WHERE revoked_at < now() - interval '1 day' LIMIT 50))), "
		"gt AS (DELETE FROM refresh_tokens WHERE id IN ("
		"  SELECT id FROM refresh_tokens WHERE expires_at < now() LIMIT 100)), "
		"gj AS (DELETE FROM revoked_tokens WHERE jti IN ("
		"  SELECT jti FROM revoked_tokens WHERE expires_at < now() LIMIT 100)), "
		"s AS (INSERT INTO sessions (user_id, expires_at) "
		"  SELECT id, now() + " SECONDS("$4") " FROM users WHERE id = $1::bigint RETURNING id, expires_at), "
		"r AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at) "
		"  SELECT id, decode($3::text, 'hex'), expires_at FROM s RETURNING session_id) "
		"SELECT session_id FROM r",
		5, 0},

	/* Rotation: $1 SHA-256 (hex) of the presented token, $2 of its successor, $3 lifetime.
	   The presented token's row is locked, so concurrent refreshes of one token serialize
	   and the second sees it used. A used token presented again revokes its session (the
	   whole family). One row: user id, username, role, is_active (NULL: unknown token),
	   the session id when rotated (else NULL), 1 when reuse was detected now. */
	[STMT_REFRESH] = {"refresh",
		"WITH old AS (SELECT r.id, r.session_id, r.used_at, r.expires_at, s.revoked_at, s.user_id "
		"  FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id "
		"  WHERE r.token_hash = decode($1::text, 'hex') FOR UPDATE OF r, s), "
		"u AS (SELECT users.id, users.username, users.role, users.is_active FROM users "
		"  JOIN old ON users.id = old.user_id), "
		"ok AS (SELECT old.id, old.session_id FROM old JOIN u ON u.id = old.user_id "
		"  WHERE old.used_at IS NULL AND old.revoked_at IS NULL AND old.expires_at > now() AND u.is_active), "
		"rot AS (UPDATE refresh_tokens t SET used_at = now() FROM ok WHERE t.id = ok.id RETURNING t.session_id), "
		"ext AS (UPDATE sessions s SET expires_at = now() + " SECONDS("$3") " FROM ok WHERE s.id = ok.session_id), "
		"reuse AS (UPDATE sessions s SET revoked_at = now(), revoked_reason = 'refresh token reuse' "
		"  FROM old WHERE s.id = old.session_id AND old.used_at IS NOT NULL AND s.revoked_at IS NULL "
		"  RETURNING s.id), "
		"new AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at) "
		"  SELECT session_id, decode($2::text, 'hex'), now() + " SECONDS("$3") " FROM rot RETURNING session_id) "
		"SELECT u.id, u.username, u.role, u.is_active, (SELECT session_id FROM new), "
		"(SELECT count(*) FROM reuse) FROM (VALUES (1)) AS one LEFT JOIN u ON true",
		3, 0},

	/* $2 the token's session (NULL: none), $3 its jti (NULL: none), $4 its exp. */
	[STMT_LOGOUT] = {"logout",
		CALLER_CTE ", ls AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' FROM c "
		"WHERE sessions.id = $2::bigint AND sessions.user_id = c.id AND sessions.revoked_at IS NULL "
		"AND c.is_active), "
		"lj AS (INSERT INTO revoked_tokens (jti, expires_at) SELECT $3::text, to_timestamp($4::bigint) "
		"FROM c WHERE $3::text IS NOT NULL AND c.is_active ON CONFLICT (jti) DO NOTHING) "
		"SELECT " CALLER_COLS " FROM c",
		4, 0},

	[STMT_LOGOUT_ALL] = {"logout_all",
		CALLER_CTE ", ls AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout-all' "
		"FROM c WHERE sessions.user_id = c.id AND sessions.revoked_at IS NULL AND c.is_active), "
		"lu AS (UPDATE users SET sessions_valid_after = now() FROM c WHERE users.id = c.id AND c.is_active) "
		"SELECT " CALLER_COLS " FROM c",
		1, 0},

	/* The caller's username, password hash and login throttling, to check a current password. */
	[STMT_PASSWORD_GET] = {"password_get",
		CALLER_CTE "SELECT " CALLER_COLS ", u.username, u.hashed_password, " LOCKED_SECONDS("u.username")
		" FROM c JOIN users u ON u.id = c.id",
		1, 1},

	/* $2 the new hash, $3 the caller's session (kept; every other one ends). */
	[STMT_PASSWORD_SET] = {"password_set",
		CALLER_CTE ", pu AS (UPDATE users SET hashed_password = $2::text, sessions_valid_after = now(), "
		"updated_at = now() FROM c WHERE users.id = c.id AND c.is_active RETURNING users.username), "
		"ps AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'password change' FROM c "
		"WHERE c.is_active AND sessions.user_id = c.id AND sessions.revoked_at IS NULL "
		"AND sessions.id IS DISTINCT FROM $3::bigint), "
		"pf AS (DELETE FROM login_failures WHERE username IN (SELECT username FROM pu)) "
		"SELECT " CALLER_COLS " FROM c",
		3, 0},

	/* ==== API keys ==== */

	[STMT_API_KEY_CREATE] = {"api_key_create",
		CALLER_CTE ", k AS (INSERT INTO api_keys (user_id, name, prefix, key_hash, expires_at) "
		"SELECT c.id, $2::text, $3::text, decode($4::text, 'hex'), $5::timestamptz FROM c WHERE c.is_active "
		"RETURNING " API_KEY_COLS("api_keys") ") "
		"SELECT " CALLER_COLS ", k.* FROM c LEFT JOIN k ON true",
		5, 0},

	[STMT_API_KEY_LIST] = {"api_key_list",
		CALLER_CTE "SELECT " CALLER_COLS ", " API_KEY_COLS("k") " FROM c "
		"LEFT JOIN api_keys k ON k.user_id = c.id AND c.is_active ORDER BY k.id",
		1, 1},

	[STMT_API_KEY_DELETE] = {"api_key_delete",
		CALLER_CTE ", d AS (DELETE FROM api_keys k USING c WHERE k.id = $2::bigint AND k.user_id = c.id "
		"AND c.is_active RETURNING k.id) "
		"SELECT " CALLER_COLS ", (SELECT count(*) FROM d) FROM c",
		2, 0},

	/* After a response to a key-authenticated request: at most one write a minute per key. */
	[STMT_API_KEY_TOUCH] = {"api_key_touch",
		"UPDATE api_keys SET last_used_at = now() WHERE prefix = $1::text "
		"AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
		1, 0},
};
