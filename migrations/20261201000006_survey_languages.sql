-- The language a survey is written in and its translations (what a young
-- person sees, in other languages), as JSON: always read and written whole,
-- with the survey (`domain::languages::Languages`). '{}' is English with
-- no translations.
ALTER TABLE surveys ADD COLUMN languages TEXT NOT NULL DEFAULT '{}';
