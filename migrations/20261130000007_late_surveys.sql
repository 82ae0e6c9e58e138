-- A survey finished on a tablet while its round was open may reach Heard
-- after the round closed (the tablet was offline). Heard accepts it for a
-- while after closing: `late_hours`, which a worker sees and sets. Rounds
-- closed before this migration have no `closed_at` and take nothing late.
ALTER TABLE rounds ADD COLUMN closed_at BIGINT;
ALTER TABLE rounds ADD COLUMN late_hours BIGINT NOT NULL DEFAULT 168;
