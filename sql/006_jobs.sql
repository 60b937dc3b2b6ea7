-- Asynchronous work on PostgreSQL itself: the job queue the `taskapi work` daemons
-- drain, and the notifications its jobs record.

-- ==== The queue ====
--
-- state: queued (waiting for run_at), running (leased to lease_owner until
-- lease_expires_at), done, dead (failed max_attempts times; last_error says why),
-- cancelled. A daemon claims queued jobs in batches with FOR UPDATE SKIP LOCKED; a
-- running job whose lease expired (its daemon died) is queued again by any daemon.
-- errors: one object per failed attempt {attempt, at, error, run_at}, so the backoff
-- between attempts stays visible after the fact.
CREATE TABLE jobs (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
    payload          jsonb NOT NULL DEFAULT '{}',
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'dead', 'cancelled')),
    priority         smallint NOT NULL DEFAULT 0,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at           timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    errors           jsonb NOT NULL DEFAULT '[]',
    unique_key       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);
-- What a claim reads: the due queued jobs in priority order (a small partial index,
-- since finished jobs leave it).
CREATE INDEX jobs_queued_idx ON jobs (priority DESC, run_at, id) WHERE state = 'queued';
-- What the lease rescue reads.
CREATE INDEX jobs_running_idx ON jobs (lease_expires_at) WHERE state = 'running';
-- Pruning and the operator's views.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state IN ('done', 'cancelled');
CREATE INDEX jobs_state_kind_idx ON jobs (state, kind);
-- A unique key names a logical job: enqueueing it again while the first is kept (until
-- pruned) does nothing (INSERT ... ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL;

-- The wake-up: one NOTIFY per inserting statement (not per row), delivered at commit,
-- so a daemon waiting in LISTEN starts at once instead of at its next poll.
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('taskapi_jobs', '');
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_notify AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();

-- ==== Notifications ====
--
-- event_key makes each effect happen once whatever the retries: "job:<id>" for the job
-- that recorded it, "due:<task>:<due date epoch>" for a due-soon reminder.
CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL
               CHECK (kind IN ('task_created', 'task_completed', 'task_due_date_set', 'task_due_soon')),
    task_id    bigint,   -- no foreign key: a notification outlives its deleted task
    title      text NOT NULL,
    message    text NOT NULL,
    event_key  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE UNIQUE INDEX notifications_event_key ON notifications (event_key);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE read_at IS NULL;

-- The due-soon scan reads open tasks by due date across every owner.
CREATE INDEX tasks_open_due_idx ON tasks (due_date) WHERE status <> 'completed' AND due_date IS NOT NULL;

-- ==== Probes ====
--
-- The "probe" job kind checks the daemons end to end (tests, `taskapi jobs`): every run
-- is recorded in job_probe_runs, its effect once per key in job_probes, so a duplicate
-- run shows up as a second run and never as a second effect.
CREATE TABLE job_probes (
    key        text PRIMARY KEY,
    job_id     bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE job_probe_runs (
    job_id  bigint NOT NULL,
    attempt integer NOT NULL,
    owner   text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_probe_runs_job_idx ON job_probe_runs (job_id);

-- ==== Deliveries ====
--
-- Every attempt to deliver a notification outside the API (email through the SMTP relay
-- of SMTP_URL), successful or not: at-least-once delivery, shown attempt by attempt.
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel         text NOT NULL CHECK (channel IN ('email')),
    job_id          bigint NOT NULL,
    attempt         integer NOT NULL,
    ok              boolean NOT NULL,
    detail          text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_notification_idx ON deliveries (notification_id, id);
