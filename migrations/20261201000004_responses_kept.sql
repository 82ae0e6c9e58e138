-- How many responses each round holds, kept by the writes that add and
-- erase them (as `answer_counts`, in shards for the submission writers):
-- a worker's summary checks this number to know its kept counts are
-- current, and counting a national round's responses took 29 ms a page.
CREATE TABLE response_counts (
    round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    shard    BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (round_id, shard)
);

INSERT INTO response_counts (round_id, shard, n)
SELECT x.round_id, 0, COUNT(*) FROM responses x
WHERE x.round_id IN (SELECT id FROM rounds)
GROUP BY x.round_id;
