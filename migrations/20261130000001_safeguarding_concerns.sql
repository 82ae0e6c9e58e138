-- Each safeguarding concern as a row of its own: the free-text question it
-- was found in and the words as the young person wrote them (emptied when
-- the round's free text is erased). Replaces the tab-joined lines of
-- safeguarding_flags.concerns, which Heard moves here when it starts
-- (see `Db::move_concerns_to_rows`) and from then on leaves empty.
CREATE TABLE safeguarding_concerns (
    response_id  TEXT NOT NULL REFERENCES safeguarding_flags(response_id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    question_key TEXT NOT NULL,
    words        TEXT NOT NULL,
    PRIMARY KEY (response_id, position)
);
