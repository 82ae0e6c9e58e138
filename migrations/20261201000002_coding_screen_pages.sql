-- The coding screen shows a page of a question's answers at a time, in the
-- order the young people answered: read off this index in order, a page
-- costs a page of rows, not a sort of the whole round.
CREATE INDEX responses_in_order ON responses (round_id, submitted_on, respondent, id);
