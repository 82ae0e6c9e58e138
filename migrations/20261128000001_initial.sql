-- Heard's first schema. Written in the subset of SQL that both SQLite and
-- PostgreSQL speak, so one set of migrations serves both: ids are text UUIDs
-- made by the application (no AUTOINCREMENT/SERIAL), times are Unix seconds in
-- BIGINT, and flags are BIGINT 0/1 (sqlx's Any driver cannot read SQLite's
-- BOOLEAN).

CREATE TABLE surveys (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE questions (
    id          TEXT PRIMARY KEY,
    survey_id   TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    key         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('single', 'multi', 'text', 'scale')),
    text        TEXT NOT NULL,
    about_you   BIGINT NOT NULL DEFAULT 0 CHECK (about_you IN (0, 1)),
    -- Free-text questions: one theme per answer, or any number.
    coding      TEXT NOT NULL DEFAULT 'single' CHECK (coding IN ('single', 'multi')),
    UNIQUE (survey_id, key)
);

-- Answers store an option's label, not a reference to this row, so options
-- can be rewritten whole when a survey file is imported again.
CREATE TABLE question_options (
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    label       TEXT NOT NULL,
    -- Scale questions: the picture shown with the label.
    emoji       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (question_id, position)
);

-- A free-text question's codebook.
CREATE TABLE themes (
    id          TEXT PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- One keyword or phrase per line.
    keywords    TEXT NOT NULL DEFAULT '',
    UNIQUE (question_id, name)
);

CREATE TABLE rounds (
    id          TEXT PRIMARY KEY,
    survey_id   TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    -- Kept when the round closes and never given to another round, so a
    -- closed round's code is told apart from a mistyped one.
    join_code   TEXT NOT NULL UNIQUE,
    is_open     BIGINT NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
    created_at  BIGINT NOT NULL,
    UNIQUE (survey_id, name)
);

-- One row per finished survey. No name, IP address, user agent or device id,
-- and the time is rounded down to the day.
CREATE TABLE responses (
    id           TEXT PRIMARY KEY,
    round_id     TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    -- Made by the young person's browser (or the server for a form without
    -- JavaScript). NOT NULL and UNIQUE: a repeat of the same submission can
    -- never be stored twice (NULL is never equal to NULL).
    client_id    TEXT NOT NULL UNIQUE,
    -- The submitted answers in canonical JSON, to tell an identical repeat
    -- from a different submission that reuses a client id.
    fingerprint  TEXT NOT NULL,
    submitted_on BIGINT NOT NULL
);

-- One row per answered question; a skipped question has no row.
-- `value` holds the option label or the free text; a multiple-choice answer
-- has one row per chosen option, numbered by `position`.
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL REFERENCES questions(id),
    position    BIGINT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, position)
);
CREATE INDEX answers_by_question ON answers (question_id);

-- Responses whose free text mentions a safeguarding word, for workers to
-- look at. Never shown to viewers.
CREATE TABLE safeguarding_flags (
    response_id TEXT PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
    -- One line per concern: question key, a tab, the words as written.
    concerns    TEXT NOT NULL,
    raised_on   BIGINT NOT NULL,
    handled_by  TEXT,
    handled_at  BIGINT,
    note        TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'worker', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Sessions live in the database, not in process memory, so any of several
-- Heard instances can serve any request. Only a SHA-256 of the token is kept:
-- a copy of the database does not let anyone log in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failure counters for throttling (wrong join codes, failed logins), in the
-- database so every Heard instance sees the same counts. `bucket` names
-- what is counted; addresses appear only as SHA-256 hashes, and rows go
-- once their window has passed.
CREATE TABLE throttle (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX throttle_by_window ON throttle (window_start);
