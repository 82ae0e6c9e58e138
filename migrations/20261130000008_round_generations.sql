-- Each Heard instance keeps the surveys behind join codes in memory, so a
-- young person's answers are checked without reading the survey for every
-- submission. A cached copy is good while these numbers are unchanged:
-- every change to a round (opened, closed, late hours) or to a survey's
-- questions adds one, on whichever instance made it, and the cache reads
-- them back (one row by its unique key) before it trusts its copy.
ALTER TABLE rounds ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE surveys ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
