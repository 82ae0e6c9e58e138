-- A survey may count every young person (a census, like the key-stage
-- table of the 2024 report, which counts every pupil in AP) rather than
-- ask a sample. Its figures are exact, so they are shown without 95%
-- intervals and its changes are not tested for chance. Off by default.
ALTER TABLE surveys ADD COLUMN whole_population BIGINT NOT NULL DEFAULT 0;
