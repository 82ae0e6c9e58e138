-- A flag reaches a person: each survey's safeguarding lead is e-mailed
-- when one of its answers is flagged, and again while it stays unhandled.
ALTER TABLE surveys ADD COLUMN safeguarding_lead TEXT;
-- When the lead was last told, how many tries it took, when to try next
-- (0: as soon as possible), and why the last try failed.
ALTER TABLE safeguarding_flags ADD COLUMN notified_at BIGINT;
ALTER TABLE safeguarding_flags ADD COLUMN notify_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE safeguarding_flags ADD COLUMN next_notify_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE safeguarding_flags ADD COLUMN last_notify_error TEXT;

-- Which young people a published summary counts (a SHA-256 of their
-- responses' ids), so "the same young people" is checked, not assumed
-- from an unchanged count (one erased and one new would keep it).
ALTER TABLE published_summaries ADD COLUMN respondents TEXT NOT NULL DEFAULT '';
