#!/usr/bin/env python3
"""The raw ceiling beside `heard import responses`: the same rows stored in
the same schema by SQLite alone, with no checking and no Heard. It builds
Heard's schema from `migrations/` in a new file, then inserts N responses
(cycling the 2024 fixture, as scripts/bench-import does) and their answers
in one transaction with executemany, under the settings Heard's import
runs with (WAL, synchronous=FULL, foreign keys on, a 256 MB page cache,
consecutive UUID-shaped ids), and prints the time.

Usage: bench/raw_import.py [--rows N] [--keep FILE]"""
import argparse, csv, os, sqlite3, tempfile, time, uuid

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixture = os.path.join(root, "tests/fixtures/voice-of-the-child-2024")
parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=500_000)
args = parser.parse_args()

rows = list(csv.DictReader(open(os.path.join(fixture, "responses.csv"), encoding="utf-8")))
keys = [k for k in rows[0] if k != "respondent"]
choice_keys = {"key_stage"}  # the fixture's one choice question

with tempfile.TemporaryDirectory() as tmp:
    db = sqlite3.connect(os.path.join(tmp, "raw.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA cache_size=-262144")
    for name in sorted(os.listdir(os.path.join(root, "migrations"))):
        db.executescript(open(os.path.join(root, "migrations", name), encoding="utf-8").read())
    survey, round_ = str(uuid.uuid4()), str(uuid.uuid4())
    db.execute("INSERT INTO surveys (id, slug, title, created_at) VALUES (?, 'raw', 'Raw', 0)", (survey,))
    question = {k: str(uuid.uuid4()) for k in keys}
    for i, k in enumerate(keys):
        kind = "single" if k in choice_keys else "text"
        db.execute("INSERT INTO questions (id, survey_id, position, key, kind, text) VALUES (?, ?, ?, ?, ?, ?)",
                   (question[k], survey, i, k, kind, k))
    db.execute("INSERT INTO rounds (id, survey_id, name, join_code, is_open, created_at, seq) VALUES (?, ?, 'Big', 'RAWCODE1', 0, 0, 1)",
               (round_, survey))
    start_id = uuid.uuid4().int & ~0xFFFFFFFF
    client_start = uuid.uuid4().int & ~0xFFFFFFFF

    def responses():
        for i in range(args.rows):
            yield (str(uuid.UUID(int=start_id | i)), round_, str(uuid.UUID(int=client_start | i)),
                   "{}", 1764547200, f"p{i:07d}")

    def answers():
        for i in range(args.rows):
            row = rows[i % len(rows)]
            rid = str(uuid.UUID(int=start_id | i))
            for k in keys:
                if row[k]:
                    yield (rid, round_, question[k], 0, row[k], row[k] if k in choice_keys else None)

    started = time.monotonic()
    db.execute("BEGIN")
    db.executemany("INSERT INTO responses (id, round_id, client_id, fingerprint, submitted_on, respondent) VALUES (?, ?, ?, ?, ?, ?)", responses())
    db.executemany("INSERT INTO answers (response_id, round_id, question_id, position, value, choice) VALUES (?, ?, ?, ?, ?, ?)", answers())
    db.execute("COMMIT")
    took = time.monotonic() - started
    count = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    print(f"{args.rows} responses, {count} answers stored by SQLite alone in {took:.1f} s")
