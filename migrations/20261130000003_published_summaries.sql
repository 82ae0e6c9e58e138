-- What viewers and share links see of a round: a summary published at a
-- moment (closing the round, or a worker's Publish), never the live counts,
-- so that reading before and after one young person sends cannot show what
-- they answered. One row per breakdown ('' for none), replaced together.
CREATE TABLE published_summaries (
    round_id      TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    by_key        TEXT NOT NULL,
    summary       TEXT NOT NULL,
    responses     BIGINT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (round_id, by_key)
);
