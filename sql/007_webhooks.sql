-- Webhooks: URLs a user registers to be sent their notifications as signed HTTP POSTs
-- by the job daemons (job kind "webhook", one job per notification and webhook).

-- events: the notification kinds sent (a subset of notifications.kind). secret: the
-- HMAC-SHA256 key of the signature header; kept as is, since the daemons sign with it
-- (the API shows it once, when the webhook is created).
CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url         text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2000),
    events      text[] NOT NULL
                CHECK (cardinality(events) >= 1 AND events <@ ARRAY['task_created', 'task_completed',
                       'task_due_date_set', 'task_due_soon']),
    description text,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_user_idx ON webhooks (user_id, id);

-- Every attempt to deliver a notification to a webhook, written when the attempt starts
-- and completed with its outcome: an attempt cut short (its daemon killed) stays without
-- one, and the job's next attempt follows it (at-least-once, shown attempt by attempt).
-- status_code: the receiver's HTTP status when it answered; error: why the attempt
-- failed (NULL when it delivered).
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    job_id          bigint NOT NULL,
    attempt         integer NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    delivered       boolean,
    status_code     integer,
    error           text,
    duration_ms     integer
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_notification_idx ON webhook_deliveries (notification_id);
