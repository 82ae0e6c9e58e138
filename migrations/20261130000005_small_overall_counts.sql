-- A survey may hide small counts in its overall figures too (not only in
-- breakdowns), for a small group where even the whole round's "2 said X"
-- says too much. Off by default: the 2024 report showed its overall
-- distribution in full, and Heard must reproduce it.
ALTER TABLE surveys ADD COLUMN hide_small_overall BIGINT NOT NULL DEFAULT 0;
