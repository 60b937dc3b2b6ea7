-- Task API depth (issue 4): versions for ETags, sort ranks, completion time, full-text
-- search, one index per sort for a user's tasks, user preferences, idempotency keys.

-- ==== Tasks ====

-- version: bumped by every update; the ETag is "<id>-<version>" and If-Match compares it
-- inside the UPDATE/DELETE itself. completed_at: when the task last became completed.
ALTER TABLE tasks
    ADD COLUMN version bigint NOT NULL DEFAULT 1,
    ADD COLUMN completed_at timestamptz,
    -- Sort order of the enums (todo < in_progress < completed, low < medium < high); the
    -- list's sort and filters use these so one btree per sort serves the keyset.
    ADD COLUMN status_rank smallint NOT NULL GENERATED ALWAYS AS (
        CASE status WHEN 'todo' THEN 0 WHEN 'in_progress' THEN 1 ELSE 2 END) STORED,
    ADD COLUMN priority_rank smallint NOT NULL GENERATED ALWAYS AS (
        CASE priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END) STORED,
    -- q= searches title and description with PostgreSQL full-text search (README explains
    -- the choice over pg_trgm, with the measurements).
    ADD COLUMN search tsvector NOT NULL GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, title || ' ' || coalesce(description, ''))) STORED;

UPDATE tasks SET completed_at = updated_at WHERE status = 'completed';

-- A user's tasks in every sort order, keyset on (sort key, id). Each index also carries
-- the columns the list's filters read, so a page's ids come from an index-only scan and
-- the planner keeps to the index order whatever the owner's number of tasks. Tasks
-- without a due date sort last both ways, hence two due-date indexes. The (owner_id, id)
-- index also covers the filtered counts of the list.
DROP INDEX tasks_owner_id_idx;
DROP INDEX tasks_owner_status_idx;
CREATE INDEX tasks_owner_id_idx ON tasks (owner_id, id)
    INCLUDE (status_rank, priority_rank, due_date, created_at);
CREATE INDEX tasks_owner_created_idx ON tasks (owner_id, created_at, id)
    INCLUDE (status_rank, priority_rank, due_date);
CREATE INDEX tasks_owner_updated_idx ON tasks (owner_id, updated_at, id)
    INCLUDE (status_rank, priority_rank, due_date, created_at);
CREATE INDEX tasks_owner_due_idx ON tasks (owner_id, coalesce(due_date, 'infinity'::timestamptz), id)
    INCLUDE (status_rank, priority_rank, due_date, created_at);
CREATE INDEX tasks_owner_due_desc_idx ON tasks (owner_id, coalesce(due_date, '-infinity'::timestamptz), id)
    INCLUDE (status_rank, priority_rank, due_date, created_at);
CREATE INDEX tasks_owner_priority_idx ON tasks (owner_id, priority_rank, id)
    INCLUDE (status_rank, due_date, created_at);
CREATE INDEX tasks_owner_status_idx ON tasks (owner_id, status_rank, id)
    INCLUDE (priority_rank, due_date, created_at);
CREATE INDEX tasks_owner_title_idx ON tasks (owner_id, title, id)
    INCLUDE (status_rank, priority_rank, due_date, created_at);
-- q=: the words of one owner's tasks (btree_gin lets GIN combine the owner with the
-- words), or of everyone's (an admin; GIN serves a condition on either column alone).
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX tasks_owner_search_idx ON tasks USING gin (owner_id, search);
-- Ranges of open tasks by due date (overdue, due soon) and of recent completions: the
-- time-dependent figures of /tasks/stats.
CREATE INDEX tasks_owner_open_due_idx ON tasks (owner_id, due_date) WHERE status <> 'completed';
CREATE INDEX tasks_owner_completed_idx ON tasks (owner_id, completed_at) WHERE status = 'completed';

-- ==== Task counts ====

-- The number of tasks per owner, status and priority, kept by triggers in the
-- same transaction as the change (so a snapshot sees counts and tasks agree). `total` of
-- an unfiltered (or status/priority-filtered) list and the stats' counts read these few
-- rows instead of counting up to 100,000 index entries. Deltas are applied in key order,
-- so two transactions never wait for each other's rows in opposite orders.
CREATE TABLE task_counts (
    owner_id      bigint NOT NULL,
    status_rank   smallint NOT NULL,
    priority_rank smallint NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (owner_id, status_rank, priority_rank)
);

-- Inserts and deletes: once per statement, from its transition table (a bulk insert of a
-- million rows is a single grouped upsert).
CREATE FUNCTION task_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO task_counts AS k (owner_id, status_rank, priority_rank, n)
        SELECT owner_id, status_rank, priority_rank, count(*) FROM new_rows
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (owner_id, status_rank, priority_rank) DO UPDATE SET n = k.n + EXCLUDED.n;
    ELSE
        INSERT INTO task_counts AS k (owner_id, status_rank, priority_rank, n)
        SELECT owner_id, status_rank, priority_rank, -count(*) FROM old_rows
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (owner_id, status_rank, priority_rank) DO UPDATE SET n = k.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

-- Updates: per row, and only when the status or priority changes (most updates do not,
-- and then cost nothing here).
CREATE FUNCTION task_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_counts AS k (owner_id, status_rank, priority_rank, n)
    SELECT o, s, p, d FROM (VALUES (OLD.owner_id, OLD.status_rank, OLD.priority_rank, -1::bigint),
                                   (NEW.owner_id, NEW.status_rank, NEW.priority_rank, 1::bigint)) v (o, s, p, d)
    ORDER BY o, s, p
    ON CONFLICT (owner_id, status_rank, priority_rank) DO UPDATE SET n = k.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_counts_apply();
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_counts_apply();
CREATE TRIGGER tasks_count_update AFTER UPDATE OF status, priority, owner_id ON tasks FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION task_counts_move();

INSERT INTO task_counts (owner_id, status_rank, priority_rank, n)
SELECT owner_id, status_rank, priority_rank, count(*) FROM tasks GROUP BY 1, 2, 3;

-- ==== Preferences ====

-- One row per user who has set anything; NULL means "the default" (see the API docs).
CREATE TABLE user_preferences (
    user_id               bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    default_page_size     smallint CHECK (default_page_size BETWEEN 1 AND 100),
    default_sort          text CHECK (default_sort IN ('id', '-id', 'created_at', '-created_at',
                              'updated_at', '-updated_at', 'due_date', '-due_date', 'priority',
                              '-priority', 'status', '-status', 'title', '-title')),
    timezone              text CHECK (char_length(timezone) <= 100),
    notify_task_created   boolean,
    notify_task_completed boolean,
    notify_due_soon       boolean,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- ==== Idempotency keys ====

-- A keyed POST first commits its row 'in_flight' (the primary key makes a second one
-- wait or conflict), does the work, then stores the answer as 'completed'. user_id 0 is
-- the anonymous caller (register). Rows past expires_at are taken over or cleaned up.
CREATE TABLE idempotency_keys (
    user_id      bigint NOT NULL,
    key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    attempt      text NOT NULL,
    state        text NOT NULL CHECK (state IN ('in_flight', 'completed')),
    status       integer,
    body         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
