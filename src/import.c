/*
 * `taskapi import --from URL`: adopts the database of the FastAPI version of this product.
 *
 * The source's users and tasks are copied (COPY ... TO STDOUT, COPY ... FROM STDIN) into
 * temporary tables of this database, and one transaction merges them: ids kept, enum
 * values lower-cased, times (timestamp without time zone, in UTC) made timestamptz,
 * bcrypt hashes kept as they are (crypt(3) verifies $2b$ hashes of any implementation).
 * Rows that cannot come over are listed with the reason and nothing else stops:
 *   - a username or email equal, case-insensitively, to another account's (an earlier one
 *     of the source, or one of this database with another id);
 *   - an id already used here by another account (or, for a task, another owner's task);
 *   - values this schema refuses (lengths, enum values, a hash that is not bcrypt);
 *   - tasks of a user that was not imported.
 * Rerunning is safe: a row imported before is the same id with the same email (users) or
 * the same owner (tasks); it is updated only when the source's updated_at is newer, so a
 * rerun after a partial cutover brings over what changed and duplicates nothing. The id
 * sequences then continue after the highest id. Exit status: 0 when every row came over,
 * 3 when some were reported and skipped, 1 on an error (nothing is changed then).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

/* Held for the merge: two imports into one database run one after the other. */
#define IMPORT_LOCK_KEY "7310002"

/* ==== What is read from the source ==== */

struct import_table {
	const char *name;   /* the temporary table here */
	const char *create; /* its columns */
	const char *select; /* the source's rows, in those columns */
};

static const struct import_table import_tables[] = {
	{"import_users",
     "id bigint, email text, username text, hashed_password text, full_name text, role text, "
     "is_active boolean, created_at timestamp, updated_at timestamp",
     "SELECT id, email, username, hashed_password, full_name, role::text, is_active, "
     "created_at, updated_at FROM users ORDER BY id"},
	{"import_tasks",
     "id bigint, title text, description text, status text, priority text, due_date timestamp, "
     "is_completed boolean, owner_id bigint, created_at timestamp, updated_at timestamp",
     "SELECT id, title, description, status::text, priority::text, due_date, is_completed, "
     "owner_id, created_at, updated_at FROM tasks ORDER BY id"},
};

/* ==== The merge, in this database ==== */

/* Each rejected row once, with the first reason found (the steps run in this order). */
static const char *const import_checks[] = {
	"CREATE TEMP TABLE import_report (kind text, id bigint, reason text, "
	"PRIMARY KEY (kind, id)) ON COMMIT DROP",
	/* Users: what this schema would refuse. */
	"INSERT INTO import_report SELECT 'user', id, 'values this schema refuses (username of 3 to "
	"50 characters, email up to 254, full name up to 200, role USER or ADMIN, a bcrypt hash)' "
	"FROM import_users WHERE id IS NULL OR username IS NULL OR email IS NULL OR "
	"char_length(username) NOT BETWEEN 3 AND 50 OR char_length(email) > 254 OR "
	"coalesce(char_length(full_name), 0) > 200 OR coalesce(lower(role), 'user') NOT IN "
	"('user', 'admin') OR hashed_password IS NULL OR hashed_password !~ '^\\$2[aby]\\$' "
	"ON CONFLICT DO NOTHING",
	/* Users: clashes inside the source (the account with the lower id is kept). */
	"INSERT INTO import_report SELECT 'user', u.id, format('username %s clashes with user %s "
	"(%s) of the source, case-insensitively', u.username, o.id, o.username) FROM import_users u "
	"JOIN import_users o ON o.id < u.id AND lower(o.username) = lower(u.username) "
	"ON CONFLICT DO NOTHING",
	"INSERT INTO import_report SELECT 'user', u.id, format('email %s clashes with user %s (%s) "
	"of the source, case-insensitively', u.email, o.id, o.email) FROM import_users u "
	"JOIN import_users o ON o.id < u.id AND lower(o.email) = lower(u.email) "
	"ON CONFLICT DO NOTHING",
	/* Users: clashes with this database. The same id with the same email is the account an
       earlier run imported; the same id with another email is someone else. */
	"INSERT INTO import_report SELECT 'user', u.id, format('id %s is another account here (%s)', "
	"u.id, t.username) FROM import_users u JOIN users t ON t.id = u.id "
	"WHERE lower(t.email) <> lower(u.email) ON CONFLICT DO NOTHING",
	"INSERT INTO import_report SELECT DISTINCT ON (u.id) 'user', u.id, format('username %s or "
	"email %s is taken here by user %s (%s), case-insensitively', u.username, u.email, t.id, "
	"t.username) FROM import_users u JOIN users t ON t.id <> u.id AND "
	"(lower(t.username) = lower(u.username) OR lower(t.email) = lower(u.email)) "
	"ORDER BY u.id, t.id ON CONFLICT DO NOTHING",
	/* Tasks. */
	"INSERT INTO import_report SELECT 'task', id, 'values this schema refuses (title of 1 to 200 "
	"characters, description up to 10000, known status and priority)' FROM import_tasks "
	"WHERE id IS NULL OR owner_id IS NULL OR title IS NULL OR char_length(title) NOT BETWEEN 1 "
	"AND 200 OR coalesce(char_length(description), 0) > 10000 OR coalesce(lower(status), 'todo') "
	"NOT IN ('todo', 'in_progress', 'completed') OR coalesce(lower(priority), 'medium') NOT IN "
	"('low', 'medium', 'high') ON CONFLICT DO NOTHING",
	"INSERT INTO import_report SELECT 'task', k.id, format('its owner %s is not imported', "
	"k.owner_id) FROM import_tasks k WHERE NOT EXISTS (SELECT 1 FROM import_users u WHERE "
	"u.id = k.owner_id) OR EXISTS (SELECT 1 FROM import_report r WHERE r.kind = 'user' AND "
	"r.id = k.owner_id) ON CONFLICT DO NOTHING",
	"INSERT INTO import_report SELECT 'task', k.id, format('id %s is a task of user %s here', "
	"k.id, t.owner_id) FROM import_tasks k JOIN tasks t ON t.id = k.id AND t.owner_id <> "
	"k.owner_id ON CONFLICT DO NOTHING",
};

/* Rows with the counts of inserted and updated rows ("inserted", "updated"). */
static const char *const import_users_merge =
	"WITH m AS (INSERT INTO users AS t (id, email, username, hashed_password, full_name, role, "
	"is_active, created_at, updated_at) "
	"SELECT id, email, username, hashed_password, full_name, lower(coalesce(role, 'USER')), "
	"coalesce(is_active, true), coalesce(created_at, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', "
	"coalesce(updated_at, created_at, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' "
	"FROM import_users u WHERE NOT EXISTS (SELECT 1 FROM import_report r WHERE r.kind = 'user' "
	"AND r.id = u.id) ORDER BY id "
	"ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, username = EXCLUDED.username, "
	"hashed_password = EXCLUDED.hashed_password, full_name = EXCLUDED.full_name, "
	"role = EXCLUDED.role, is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, "
	"updated_at = EXCLUDED.updated_at WHERE t.updated_at < EXCLUDED.updated_at "
	"RETURNING xmax = 0 AS inserted) "
	"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m";

/* A task is completed when either old field says so (the new API keeps them equal). */
static const char *const import_tasks_merge =
	"WITH s AS (SELECT k.*, CASE WHEN coalesce(is_completed, false) OR status = 'COMPLETED' "
	"THEN 'completed' ELSE lower(coalesce(status, 'TODO')) END AS new_status, "
	"coalesce(updated_at, created_at, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS changed "
	"FROM import_tasks k WHERE NOT EXISTS (SELECT 1 FROM import_report r WHERE r.kind = 'task' "
	"AND r.id = k.id)), "
	"m AS (INSERT INTO tasks AS t (id, title, description, status, priority, due_date, owner_id, "
	"created_at, updated_at, completed_at) "
	"SELECT id, title, description, new_status, lower(coalesce(priority, 'MEDIUM')), "
	"due_date AT TIME ZONE 'UTC', owner_id, "
	"coalesce(created_at, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', changed, "
	"CASE WHEN new_status = 'completed' THEN changed END FROM s ORDER BY id "
	"ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, "
	"status = EXCLUDED.status, priority = EXCLUDED.priority, due_date = EXCLUDED.due_date, "
	"created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "
	"completed_at = EXCLUDED.completed_at, version = t.version + 1 "
	"WHERE t.owner_id = EXCLUDED.owner_id AND t.updated_at < EXCLUDED.updated_at "
	"RETURNING xmax = 0 AS inserted) "
	"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m";

/* New ids continue after the highest one, and never move back. */
static const char *const import_sequences =
	"SELECT setval(s, greatest((SELECT max(id) FROM users), (SELECT last_value FROM pg_sequences "
	"WHERE format('%I.%I', schemaname, sequencename) = s), 1)) FROM "
	"pg_get_serial_sequence('users', 'id') s UNION ALL "
	"SELECT setval(s, greatest((SELECT max(id) FROM tasks), (SELECT last_value FROM pg_sequences "
	"WHERE format('%I.%I', schemaname, sequencename) = s), 1)) FROM "
	"pg_get_serial_sequence('tasks', 'id') s";

/* ==== Plumbing ==== */

static PGconn *import_connect(const char *url, const char *which)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *values[] = {url, "taskapi-import", NULL};
	PGconn *c = PQconnectdbParams(keys, values, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "taskapi import: cannot connect to the %s database: %s", which,
		        PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Runs sql; on success returns the result (caller clears it), else NULL with the error shown. */
static PGresult *import_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	fprintf(stderr, "taskapi import: %s", PQerrorMessage(c));
	PQclear(r);
	return NULL;
}

static int import_ok(PGconn *c, const char *sql)
{
	PGresult *r = import_exec(c, sql);
	PQclear(r);
	return r ? 0 : -1;
}

/* Streams one table's rows from the source into its temporary table here; returns the count. */
static long import_copy(PGconn *src, PGconn *dst, const struct import_table *t)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "CREATE TEMP TABLE %s (%s) ON COMMIT DROP", t->name, t->create);
	if (import_ok(dst, sql) != 0)
		return -1;
	snprintf(sql, sizeof sql, "COPY (%s) TO STDOUT", t->select);
	PGresult *r = PQexec(src, sql);
	int ok = PQresultStatus(r) == PGRES_COPY_OUT;
	PQclear(r);
	if (!ok) {
		fprintf(stderr, "taskapi import: reading %s from the source: %s", t->name + 7,
		        PQerrorMessage(src));
		return -1;
	}
	snprintf(sql, sizeof sql, "COPY %s FROM STDIN", t->name);
	r = PQexec(dst, sql);
	ok = PQresultStatus(r) == PGRES_COPY_IN;
	PQclear(r);
	long rows = 0;
	char *line;
	int n;
	/* Every line is read even after a failure here, so the source's COPY ends cleanly. */
	while ((n = PQgetCopyData(src, &line, 0)) > 0) {
		if (ok && PQputCopyData(dst, line, n) != 1)
			ok = 0;
		rows++;
		PQfreemem(line);
	}
	r = PQgetResult(src);
	if (n != -1 || PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "taskapi import: reading the source: %s", PQerrorMessage(src));
		ok = 0;
	}
	PQclear(r);
	if (PQputCopyEnd(dst, ok ? NULL : "source read failed") != 1)
		ok = 0;
	r = PQgetResult(dst);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "taskapi import: writing %s: %s", t->name, PQerrorMessage(dst));
		ok = 0;
	}
	PQclear(r);
	while ((r = PQgetResult(dst)) != NULL)
		PQclear(r);
	return ok ? rows : -1;
}

/* Runs a merge statement and prints its counts; returns -1 on failure. */
static int import_merge(PGconn *c, const char *sql, const char *what, long read)
{
	PGresult *r = import_exec(c, sql);
	if (!r)
		return -1;
	printf("%s: %ld in the source, %s new, %s updated\n", what, read, PQgetvalue(r, 0, 0),
	       PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

/* Prints every skipped row; returns how many there are, or -1. */
static long import_report(PGconn *c)
{
	PGresult *r = import_exec(c, "SELECT kind, id, reason FROM import_report ORDER BY kind DESC, id");
	if (!r)
		return -1;
	long n = PQntuples(r);
	for (long i = 0; i < n; i++)
		fprintf(stderr, "taskapi import: %s %s skipped: %s\n", PQgetvalue(r, (int)i, 0),
		        PQgetvalue(r, (int)i, 1), PQgetvalue(r, (int)i, 2));
	PQclear(r);
	return n;
}

/* Everything in one transaction of this database: on any error nothing is changed. */
static int import_run(PGconn *src, PGconn *dst)
{
	long read[2];
	/* One snapshot of the source, so the tasks match the users read. */
	if (import_ok(src, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != 0 ||
	    import_ok(dst, "BEGIN") != 0 ||
	    import_ok(dst, "SELECT pg_advisory_xact_lock(" IMPORT_LOCK_KEY ")") != 0)
		return -1;
	for (size_t i = 0; i < sizeof import_tables / sizeof import_tables[0]; i++)
		if ((read[i] = import_copy(src, dst, &import_tables[i])) < 0)
			return -1;
	for (size_t i = 0; i < sizeof import_checks / sizeof import_checks[0]; i++)
		if (import_ok(dst, import_checks[i]) != 0)
			return -1;
	long skipped = import_report(dst);
	if (skipped < 0 || import_merge(dst, import_users_merge, "users", read[0]) != 0 ||
	    import_merge(dst, import_tasks_merge, "tasks", read[1]) != 0 ||
	    import_ok(dst, import_sequences) != 0 || import_ok(dst, "COMMIT") != 0)
		return -1;
	printf("skipped: %ld (listed above)\n", skipped);
	return skipped ? 3 : 0;
}

int cli_import(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "--from") != 0) {
		fprintf(stderr, "usage: taskapi import --from DATABASE_URL\n");
		return 2;
	}
	PGconn *src = import_connect(argv[1], "source");
	PGconn *dst = src ? import_connect(cfg.database_url, "target") : NULL;
	int rc = dst ? import_run(src, dst) : -1;
	if (rc < 0)
		fprintf(stderr, "taskapi import: failed; nothing was changed\n");
	PQfinish(dst);
	PQfinish(src);
	return rc < 0 ? 1 : rc;
}
