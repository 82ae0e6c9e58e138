-- The language a young person answered in (a tag such as cy or ur), so
-- answers can be read, coded and broken down by it. NULL for responses
-- stored before surveys had languages, and for imported ones.
ALTER TABLE responses ADD COLUMN language TEXT;
