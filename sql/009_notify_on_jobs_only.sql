-- The daemons' wake-up only when jobs were queued (docs/performance.md, "Commits
-- serialized by NOTIFY").
--
-- A transaction that has called pg_notify takes one lock for the whole database at
-- commit and keeps it until the commit is flushed, so such transactions commit one at a
-- time. The trigger of 006 signalled after every statement that inserts into jobs, and a
-- statement-level trigger runs even when the statement inserted no row: every task
-- update (whose notifications and delivery jobs are conditional) was serialized that
-- way. It now looks at the rows the statement inserted and signals only when there are
-- some.
CREATE OR REPLACE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_jobs) THEN
        PERFORM pg_notify('taskapi_jobs', '');
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER jobs_notify ON jobs;
CREATE TRIGGER jobs_notify AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();
