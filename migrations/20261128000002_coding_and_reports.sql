-- Coding, quotes, imports and reports. Same portable SQL as the first
-- migration (text ids, BIGINT times and 0/1 flags).

-- An imported response's external id (the `respondent` column of a CSV), so
-- codes done elsewhere can be imported against it and importing the same file
-- again adds nothing. Survey answers from tablets have none. NULLs never
-- clash, in SQLite and in PostgreSQL alike.
ALTER TABLE responses ADD COLUMN respondent TEXT;
CREATE UNIQUE INDEX responses_by_respondent ON responses (round_id, respondent);

-- Rounds in the order they were made, for comparisons with earlier rounds
-- (creation times are whole seconds: two rounds made in one import script
-- can share one). Rounds from before this column keep 0 and their times.
ALTER TABLE rounds ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;

-- Children's data is kept no longer than needed: after this day (Unix
-- seconds) `heard erase --due` deletes the round's free text.
ALTER TABLE rounds ADD COLUMN retain_until BIGINT;

-- Disclosure control for viewers: cells below `min_cell` are suppressed, and
-- a question fewer than `min_answers` young people answered is withheld.
ALTER TABLE surveys ADD COLUMN min_cell BIGINT NOT NULL DEFAULT 5;
ALTER TABLE surveys ADD COLUMN min_answers BIGINT NOT NULL DEFAULT 10;

-- A theme's colour in the coding screen and charts (#rrggbb, or '' for the
-- palette's colour by position).
ALTER TABLE themes ADD COLUMN colour TEXT NOT NULL DEFAULT '';

-- The themes an answer is coded with. `pass` is 'main' for the coding that
-- reports count, 'check' for a second coder's blind coding of the same
-- answers (used only for agreement). A theme with codings cannot be deleted:
-- it must be merged into another.
CREATE TABLE codings (
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL REFERENCES questions(id),
    pass        TEXT NOT NULL CHECK (pass IN ('main', 'check')),
    theme_id    TEXT NOT NULL REFERENCES themes(id),
    PRIMARY KEY (response_id, question_id, pass, theme_id)
);
CREATE INDEX codings_by_question ON codings (question_id, pass);

-- Every change to an answer's coding: who, when, from which themes to which
-- (names, one per line, as they were at the time).
CREATE TABLE coding_changes (
    id          TEXT PRIMARY KEY,
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL REFERENCES questions(id),
    pass        TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  BIGINT NOT NULL,
    from_themes TEXT NOT NULL,
    to_themes   TEXT NOT NULL,
    -- 'hand', 'suggestion', 'bulk', 'import' or 'merge'.
    how         TEXT NOT NULL,
    -- The change's number in the answer's history (1, 2, ...): times are
    -- whole seconds, so they cannot order changes made in the same second.
    seq         BIGINT NOT NULL,
    UNIQUE (response_id, question_id, seq)
);

-- When two themes are merged, the old name is kept so round comparisons
-- can line up categories that older reports called by the old name.
CREATE TABLE theme_merges (
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    old_name    TEXT NOT NULL,
    new_name    TEXT NOT NULL,
    merged_at   BIGINT NOT NULL,
    PRIMARY KEY (question_id, old_name)
);

-- An answer starred as a quote. Viewers only ever see `redacted`, and only
-- once approved.
CREATE TABLE quotes (
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL REFERENCES questions(id),
    redacted    TEXT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT,
    PRIMARY KEY (response_id, question_id)
);

-- What was done to people's data, by whom: erasures, restores.
CREATE TABLE audit_log (
    id      TEXT PRIMARY KEY,
    at      BIGINT NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);

-- Read-only links to a round's summary for people without an account.
-- Only a SHA-256 of the token is stored, as for sessions.
CREATE TABLE share_links (
    token_hash  TEXT PRIMARY KEY,
    round_id    TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
