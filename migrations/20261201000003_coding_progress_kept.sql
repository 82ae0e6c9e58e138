-- The coding screen's progress ("285,200 of 300,215 coded") is kept as it
-- changes instead of counted for every page (90 ms over 300,000 answers):
-- how many answers each question has in a round (`counted` = 'answered'),
-- and how many of them have themes in each coding pass ('main', 'check').
-- Answers are counted in a few shards, each submission batch adding to
-- one, so that writers on PostgreSQL do not queue on one row; an erasure
-- takes from shard 0, so a shard may go below zero: only the sum of a
-- key's shards is a count.
CREATE TABLE answer_counts (
    round_id    TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    counted     TEXT NOT NULL CHECK (counted IN ('answered', 'main', 'check')),
    shard       BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (round_id, question_id, counted, shard)
);

INSERT INTO answer_counts (round_id, question_id, counted, shard, n)
SELECT a.round_id, a.question_id, 'answered', 0, COUNT(*) FROM answers a
WHERE a.position = 0 AND a.round_id IN (SELECT id FROM rounds)
GROUP BY a.round_id, a.question_id;

INSERT INTO answer_counts (round_id, question_id, counted, shard, n)
SELECT c.round_id, c.question_id, c.pass, 0, COUNT(DISTINCT c.response_id) FROM codings c
WHERE c.round_id IN (SELECT id FROM rounds)
GROUP BY c.round_id, c.question_id, c.pass;
