-- Why each safeguarding concern was raised: the rule's kind and pattern
-- ("harm at home: hit ... me"), so the worker sees why, not just the words.
-- A rule can say much of what the answer said ("harm to self: hang
-- myself"), so it is emptied with the words when free text is erased.
ALTER TABLE safeguarding_concerns ADD COLUMN reason TEXT NOT NULL DEFAULT '';
