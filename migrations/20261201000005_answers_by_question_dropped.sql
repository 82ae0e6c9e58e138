-- `answers_by_question` was read only by the check that a survey edit
-- orphans no answers, which now counts from `answers_counted` through the
-- survey's rounds. Every answer stored (each tablet's, each imported row's)
-- kept it up to date: a sixth of the database's work in storing an answer.
-- Deleting a question no one answered (a survey edit) now has the
-- database look through the answers to be sure none refers to it.
DROP INDEX answers_by_question;
