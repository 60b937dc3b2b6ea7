/*
 * Every SQL statement the server runs, prepared once per connection. Each one that
 * serves an authenticated route folds the caller check into the work (one round
 * trip): its first three columns are the caller's id, role and is_active, and its
 * only row is missing when the token's user no longer exists.
 */
#include "db.h"
#include "handlers.h"

#define CALLER_CTE "WITH c AS (SELECT id, role, is_active FROM users WHERE id = $1::bigint) "
#define CALLER_COLS "c.id, c.role, c.is_active"

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
	[STMT_CALLER] = {"caller", "SELECT id, role, is_active FROM users WHERE id = $1::bigint", 1, 1},

	[STMT_REGISTER] = {"register",
		"INSERT INTO users (email, username, full_name, hashed_password, role) "
		"VALUES ($1::text, $2::text, $3::text, $4::text, $5::text) RETURNING " USER_COLS("users"),
		5, 0},

	[STMT_LOGIN] = {"login",
		"SELECT id, username, role, is_active, hashed_password FROM users WHERE username = $1::text",
		1, 1},

	[STMT_ME] = {"me", "SELECT id, role, is_active, " USER_COLS("users") " FROM users WHERE id = $1::bigint",
		1, 1},

	[STMT_ME_UPDATE] = {"me_update",
		CALLER_CTE ", u AS (UPDATE users SET "
		"email = CASE WHEN $2::bool THEN $3::text ELSE email END, "
		"username = CASE WHEN $4::bool THEN $5::text ELSE username END, "
		"full_name = CASE WHEN $6::bool THEN $7::text ELSE full_name END, "
		"hashed_password = CASE WHEN $8::bool THEN $9::text ELSE hashed_password END, "
		"updated_at = now() "
		"FROM c WHERE users.id = c.id AND c.is_active RETURNING " USER_COLS("users") ") "
		"SELECT " CALLER_COLS ", u.* FROM c LEFT JOIN u ON true",
		9, 0},

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
};
