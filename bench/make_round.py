#!/usr/bin/env python3
"""Fills round ROUND of the 2024 fixture's survey (voice-2024, imported by
`heard survey import`) in the SQLite database at PATH with N made-up
responses, written as Heard writes them (answers and codings carry their
round; an option's answer its `choice`; the counts it keeps): a key stage (one in twelve
skipped), four free-text answers (one in ten skipped), the first three
coded (one theme each, or one or two where the question takes several) (one in twenty left uncoded), the
comments not coded. 333,334 responses hold 1,000,000 coded answers.

Written straight into the file rather than through `heard import`,
which would take minutes at this size; what is timed is the reading.
Seeded: the same N gives the same round.

Usage: bench/make_round.py PATH ROUND N"""
import random, sqlite3, sys, uuid

path, round_name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(path)
(round_id,) = db.execute("SELECT id FROM rounds WHERE name = ?", (round_name,)).fetchone()
questions = dict(db.execute("SELECT key, id FROM questions WHERE survey_id = (SELECT survey_id FROM rounds WHERE id = ?)", (round_id,)))
multi = {qid for (qid,) in db.execute("SELECT id FROM questions WHERE coding = 'multi'")}
themes = {}
for question_id, theme_id in db.execute("SELECT question_id, id FROM themes"):
    themes.setdefault(question_id, []).append(theme_id)
stages = [label for (label,) in db.execute("SELECT label FROM question_options WHERE question_id = ? ORDER BY position", (questions["key_stage"],))]
rng = random.Random(2024)
words = "school teacher listen help support friends time class lessons exclusion respect trust".split()
coded_answers = 0
for start in range(0, count, 20_000):
    responses, answers, codings = [], [], []
    for i in range(start, min(start + 20_000, count)):
        response_id = str(uuid.UUID(int=rng.getrandbits(128)))
        responses.append((response_id, round_id, response_id, "", 0))
        if rng.random() >= 1 / 12:
            stage = rng.choice(stages)
            answers.append((response_id, round_id, questions["key_stage"], 0, stage, stage))
        for key in ("help_before", "prevent", "change", "comments"):
            if rng.random() < 0.1:
                continue
            text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 25)))
            answers.append((response_id, round_id, questions[key], 0, text, None))
            if key != "comments" and rng.random() >= 0.05:
                coded_answers += 1
                for theme in rng.sample(themes[questions[key]], rng.randint(1, 2) if questions[key] in multi else 1):
                    codings.append((response_id, round_id, questions[key], "main", theme))
    db.executemany("INSERT INTO responses (id, round_id, client_id, fingerprint, submitted_on) VALUES (?, ?, ?, ?, ?)", responses)
    db.executemany("INSERT INTO answers (response_id, round_id, question_id, position, value, choice) VALUES (?, ?, ?, ?, ?, ?)", answers)
    db.executemany("INSERT INTO codings (response_id, round_id, question_id, pass, theme_id) VALUES (?, ?, ?, ?, ?)", codings)
# The counts Heard keeps as it writes (as its migration counts them).
db.execute("DELETE FROM answer_counts WHERE round_id = ?", (round_id,))
db.execute("INSERT INTO answer_counts (round_id, question_id, counted, shard, n) SELECT round_id, question_id, 'answered', 0, COUNT(*) FROM answers WHERE round_id = ? AND position = 0 GROUP BY round_id, question_id", (round_id,))
db.execute("INSERT INTO answer_counts (round_id, question_id, counted, shard, n) SELECT round_id, question_id, pass, 0, COUNT(DISTINCT response_id) FROM codings WHERE round_id = ? GROUP BY round_id, question_id, pass", (round_id,))
db.execute("DELETE FROM response_counts WHERE round_id = ?", (round_id,))
db.execute("INSERT INTO response_counts (round_id, shard, n) SELECT round_id, 0, COUNT(*) FROM responses WHERE round_id = ? GROUP BY round_id", (round_id,))
db.commit()
print(f"{count} responses, {coded_answers} coded answers in round {round_name}")
