-- Why each safeguarding concern was raised: the rule's kind and pattern
-- ("harm at home: hit ... me"), so the worker sees why, not just the words.
-- Rules never hold answer text, so this is kept when free text is erased.
ALTER TABLE safeguarding_concerns ADD COLUMN reason TEXT NOT NULL DEFAULT '';
