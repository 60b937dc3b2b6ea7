-- Reports made by the job daemons: a CSV export of tasks (stored in chunks, streamed out
-- by the download route without being held whole anywhere) or a summary of counts.

-- target_id: whose tasks (the caller, or for an admin the owner_id filter). filters: the
-- task list's filters as validated by the API (status, priority, due/created bounds).
CREATE TABLE reports (
    id          bigserial PRIMARY KEY,
    owner_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id   bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('tasks_csv', 'tasks_summary')),
    filters     jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_done   bigint NOT NULL DEFAULT 0,
    rows_total  bigint,
    bytes       bigint NOT NULL DEFAULT 0,
    chunks      integer NOT NULL DEFAULT 0,
    summary     jsonb,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    -- Reports expire a week after they are asked for; the prune job deletes them.
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '7 days'
);
CREATE INDEX reports_owner_idx ON reports (owner_id, id);
CREATE INDEX reports_expires_idx ON reports (expires_at);

-- The CSV in order: seq 0 is the header line, then one chunk per page of tasks.
CREATE TABLE report_chunks (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (report_id, seq)
);
