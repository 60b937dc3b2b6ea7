-- A database of the FastAPI version of this product, as its SQLAlchemy models made it:
-- enum types with upper-case values, timestamp without time zone (UTC), serial ids.
-- The hashes were made by Python's bcrypt module (python3-bcrypt 3.2.2, not libxcrypt):
--   alice   Alice-password-1   $2b$12$ (the FastAPI version's default cost)
--   bob     Bob-password-1     $2b$04$
--   carol   Carol-password-1   (rejected: her email clashes with alice's)
--   Bob     Dave-password-1    (rejected: "Bob" clashes with "bob")
--   erin    Erin-password-1    inactive
--   zed     Erin-password-1    (rejected when the target already has a "Zed")
-- Used by tests/system/test_import.sh.
CREATE TYPE userrole AS ENUM ('USER', 'ADMIN');
CREATE TYPE taskstatus AS ENUM ('TODO', 'IN_PROGRESS', 'COMPLETED');
CREATE TYPE taskpriority AS ENUM ('LOW', 'MEDIUM', 'HIGH');

CREATE TABLE users (
    id              serial PRIMARY KEY,
    email           varchar(255) NOT NULL UNIQUE,
    username        varchar(50) NOT NULL UNIQUE,
    hashed_password varchar(255) NOT NULL,
    full_name       varchar(100),
    role            userrole NOT NULL DEFAULT 'USER',
    is_active       boolean DEFAULT true,
    created_at      timestamp without time zone DEFAULT (now() AT TIME ZONE 'UTC'),
    updated_at      timestamp without time zone
);

CREATE TABLE tasks (
    id           serial PRIMARY KEY,
    title        varchar(200) NOT NULL,
    description  text,
    status       taskstatus NOT NULL DEFAULT 'TODO',
    priority     taskpriority NOT NULL DEFAULT 'MEDIUM',
    due_date     timestamp without time zone,
    is_completed boolean DEFAULT false,
    owner_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamp without time zone DEFAULT (now() AT TIME ZONE 'UTC'),
    updated_at   timestamp without time zone
);

INSERT INTO users (id, email, username, hashed_password, full_name, role, is_active, created_at, updated_at) VALUES
 (1, 'alice@example.com', 'alice', '$2b$12$WyLDlG/CpXY2V9zy9.BhfOA2.aZQN5J4FKvKaL3KjMdSfE/eMQC4S', 'Alice Admin', 'ADMIN', true, '2023-01-02 03:04:05.123456', '2023-06-01 10:00:00'),
 (2, 'bob@example.com', 'bob', '$2b$04$slEkHovbh1PHfv2V0Wqvk.BLrkby08HWUmVkguZP5XXnRHZKpCoJ2', NULL, 'USER', true, '2023-02-03 04:05:06', NULL),
 (3, 'ALICE@Example.com', 'carol', '$2b$04$OJpZq9Tgv0DbLu7m/AHElOPXsLcWFHhXhNNz28iq4jV5XMRubYpU.', 'Carol', 'USER', true, '2023-03-01 00:00:00', NULL),
 (4, 'dave@example.com', 'Bob', '$2b$04$Ebcd4x06qwJPDW0x7ZXyJe8ED1YV9n920nvcG.bRIwoK7V0x91P26', 'Dave', 'USER', true, '2023-03-02 00:00:00', NULL),
 (7, 'erin@example.com', 'erin', '$2b$04$SmokjhUbIXqZtDIWCiTVaO6KTl6QHWGJW.uXmQPNFPMtwH7ZgNl5C', 'Erin', 'USER', false, '2023-04-01 00:00:00', NULL),
 (8, 'zed@example.com', 'zed', '$2b$04$SmokjhUbIXqZtDIWCiTVaO6KTl6QHWGJW.uXmQPNFPMtwH7ZgNl5C', NULL, 'USER', true, '2023-04-02 00:00:00', NULL);

INSERT INTO tasks (id, title, description, status, priority, due_date, is_completed, owner_id, created_at, updated_at) VALUES
 (10, 'Alice first', 'with a description', 'TODO', 'HIGH', '2024-12-31 23:59:59', false, 1, '2023-05-01 08:00:00', '2023-05-02 09:30:00.5'),
 (11, 'Alice done', NULL, 'COMPLETED', 'LOW', NULL, true, 1, '2023-05-03 08:00:00', '2023-05-04 08:00:00'),
 (12, 'Alice in progress', 'ünïcödé ✓', 'IN_PROGRESS', 'MEDIUM', NULL, false, 1, '2023-05-05 08:00:00', NULL),
 (20, 'Bob flagged done', NULL, 'TODO', 'MEDIUM', NULL, true, 2, '2023-06-01 00:00:00', '2023-06-02 00:00:00'),
 (21, 'Bob open', 'x', 'TODO', 'LOW', '2025-01-15 12:00:00', false, 2, '2023-06-03 00:00:00', NULL),
 (30, 'Carol task (owner rejected)', NULL, 'TODO', 'LOW', NULL, false, 3, '2023-06-04 00:00:00', NULL),
 (40, 'Dave task (owner rejected)', NULL, 'TODO', 'LOW', NULL, false, 4, '2023-06-05 00:00:00', NULL),
 (41, '', NULL, 'TODO', 'LOW', NULL, false, 2, '2023-06-06 00:00:00', NULL),
 (57, 'Erin task', NULL, 'TODO', 'HIGH', NULL, false, 7, '2023-06-07 00:00:00', NULL);

SELECT setval('users_id_seq', 8), setval('tasks_id_seq', 57);
