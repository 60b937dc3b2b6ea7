-- Reliability (issue 12): usernames unique case-insensitively, and the readiness check.

-- Usernames that differ only in case ("Bob" and "bob") can no longer coexist: the unique
-- index is on lower(username), as the email's is. Existing clashes are resolved first,
-- deterministically: in each group of names equal up to case, the account with the lowest
-- id keeps its name; every other one is renamed to "<name>-<id>" (cut to fit 50
-- characters; "-2", "-3"... added if even that is taken). Each rename is recorded in
-- username_renames and reported as a WARNING by `taskapi migrate`, so the operator can
-- tell those users their new login name. Their passwords and tasks are unchanged.
CREATE TABLE username_renames (
    user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    old_username text NOT NULL,
    new_username text NOT NULL,
    renamed_at   timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE
    u record;
    candidate text;
    n integer;
BEGIN
    FOR u IN
        SELECT id, username FROM users x
        WHERE EXISTS (SELECT 1 FROM users y WHERE lower(y.username) = lower(x.username) AND y.id < x.id)
        ORDER BY id
    LOOP
        n := 1;
        LOOP
            candidate := left(u.username, 50 - length('-' || u.id || CASE WHEN n > 1 THEN '-' || n ELSE '' END))
                         || '-' || u.id || CASE WHEN n > 1 THEN '-' || n ELSE '' END;
            EXIT WHEN NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(candidate));
            n := n + 1;
        END LOOP;
        UPDATE users SET username = candidate, updated_at = now() WHERE id = u.id;
        INSERT INTO username_renames (user_id, old_username, new_username) VALUES (u.id, u.username, candidate);
        RAISE WARNING 'username clash: user % renamed from "%" to "%"', u.id, u.username, candidate;
    END LOOP;
END
$$;

-- Same name as before (the application maps it to "Username already taken"); created
-- after users_email_key, so a row taken on both is still reported as an email clash.
DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Logins are case-insensitive, so the failed-login throttle counts per lower-case name
-- (else "Bob", "bOb", ... would each get their own allowance). Mixed-case counters of
-- the old scheme are dropped: they only ever slowed a guesser down for a while.
DELETE FROM login_failures WHERE username <> lower(username);

-- Readiness (/health/ready): the primary answers and neither table is held by a lock for
-- longer than a short wait. A table locked (ACCESS EXCLUSIVE) past that is "not ready".
CREATE FUNCTION taskapi_ready() RETURNS boolean
LANGUAGE plpgsql STABLE SET lock_timeout = '300ms' AS $$
BEGIN
    PERFORM 1 FROM users LIMIT 1;
    PERFORM 1 FROM tasks LIMIT 1;
    RETURN true;
END
$$;
