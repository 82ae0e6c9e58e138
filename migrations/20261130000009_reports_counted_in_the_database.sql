-- Reports count a round in the database (GROUP BY over an index) instead
-- of reading every answer into Heard: answers and codings carry their
-- round, so a round's rows are one range of an index, never a join through
-- `responses` (a lookup per row: seconds at a million answers).

-- (COALESCE: a row whose response is gone, possible only in a database
-- once opened without foreign keys, belongs to no round.)
ALTER TABLE answers ADD COLUMN round_id TEXT NOT NULL DEFAULT '';
UPDATE answers SET round_id = COALESCE((SELECT round_id FROM responses WHERE responses.id = answers.response_id), '');

-- The option chosen: the value again for questions with options, NULL for
-- free text. Counting choices needs the value in the index, and free text
-- must stay out of it (PostgreSQL refuses an index entry over ~2.7 kB, and
-- it would only make the index bigger). A question's kind cannot change
-- once it is answered, so this never goes stale.
ALTER TABLE answers ADD COLUMN choice TEXT;
UPDATE answers SET choice = value
    WHERE question_id IN (SELECT id FROM questions WHERE kind <> 'text');

ALTER TABLE codings ADD COLUMN round_id TEXT NOT NULL DEFAULT '';
UPDATE codings SET round_id = COALESCE((SELECT round_id FROM responses WHERE responses.id = codings.response_id), '');

-- A theme on an answer that was never given (importing codes allowed it
-- until now; it refuses them now) was counted nowhere, and would now be
-- counted. Its history stays in coding_changes.
DELETE FROM codings WHERE NOT EXISTS (SELECT 1 FROM answers a
    WHERE a.response_id = codings.response_id AND a.question_id = codings.question_id);

-- Who answered each question (position 0 is every answer's first value),
-- and how many chose each option: both read from this index alone.
CREATE INDEX answers_counted ON answers (round_id, question_id, position, choice);
-- How many answers each theme codes, and how many answers are coded.
CREATE INDEX codings_by_theme ON codings (round_id, pass, question_id, theme_id);
CREATE INDEX codings_by_answer ON codings (round_id, pass, question_id, response_id);

-- Bumped in the same transaction as every change to what a round counts
-- other than a new response (codings changed, themes merged, a response
-- erased), so each Heard instance can keep a round's counts and know when
-- they are stale (a new response shows in the round's count of responses).
ALTER TABLE rounds ADD COLUMN counted_generation BIGINT NOT NULL DEFAULT 0;
