-- The write path: less work per task insert and update (docs/performance.md, "The write
-- path", has the evidence and the measurements before and after).

-- tasks_created_at_idx (001): no statement's plan reads it. The created_at sort and the
-- created_after/created_before filters of a user's list go through
-- tasks_owner_created_idx; an admin's list over every owner orders by expressions an
-- index cannot serve; the daemons' scans read other indexes. pg_stat_user_indexes showed
-- 0 scans under scripts/bench, scripts/bench-depth and every sort and filter of the list,
-- while every insert and every update paid for an entry in it.
DROP INDEX IF EXISTS tasks_created_at_idx;

-- The search vector (002) was a stored generated column, recomputed by every UPDATE
-- that names title or description in its SET list, which the task update statement
-- always does (SET title = CASE WHEN ... ELSE t.title END): a status or priority change
-- ran to_tsvector over the whole description. It becomes a plain column kept by a
-- trigger that runs on insert, and on update only when the title or the description
-- really changed. Dropping the expression keeps the stored values (no table rewrite).
ALTER TABLE tasks ALTER COLUMN search DROP EXPRESSION;

CREATE FUNCTION tasks_search_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := to_tsvector('english'::regconfig, NEW.title || ' ' || coalesce(NEW.description, ''));
    RETURN NEW;
END $$;

CREATE TRIGGER tasks_search_insert BEFORE INSERT ON tasks FOR EACH ROW
    EXECUTE FUNCTION tasks_search_set();
CREATE TRIGGER tasks_search_update BEFORE UPDATE OF title, description ON tasks FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION tasks_search_set();

-- The count triggers (002) already run only when status, priority or owner change
-- (UPDATE OF ... WHEN ...), and inserts and deletes are counted once per statement.

-- No fillfactor: an update of a task cannot be a HOT update whatever the free space in
-- its page, since every update sets updated_at (a key of tasks_owner_updated_idx, the
-- updated_at sort) and status_rank and priority_rank are carried by every sort index
-- (INCLUDE, for index-only filtered pages). Free space reserved on the pages would only
-- make the table and its scans larger.
