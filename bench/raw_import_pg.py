#!/usr/bin/env python3
"""The raw ceiling beside `heard import responses` on PostgreSQL: the same
rows stored in the same schema by PostgreSQL alone, with no checking and no
Heard, through COPY (psql's \\copy, the fastest way in that PostgreSQL
offers). DATABASE must already hold Heard's schema and the 2024 fixture's
survey (scripts/bench-import makes one with `heard survey import`). It adds
a round, writes N responses (cycling the fixture, as scripts/bench-import
does) and their answers to CSV files, then times storing both in one
transaction, and prints the time.

Usage: bench/raw_import_pg.py --rows N DATABASE-URL"""
import argparse, csv, os, subprocess, tempfile, time, uuid

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixture = os.path.join(root, "tests/fixtures/voice-of-the-child-2024")
parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=500_000)
parser.add_argument("url")
args = parser.parse_args()


def psql(*commands, single_transaction=False):
    line = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", args.url]
    if single_transaction:
        line.append("-1")
    for command in commands:
        line += ["-c", command]
    return subprocess.run(line, check=True, capture_output=True, text=True).stdout


rows = list(csv.DictReader(open(os.path.join(fixture, "responses.csv"), encoding="utf-8")))
keys = [k for k in rows[0] if k != "respondent"]
question, kind = {}, {}
for line in psql("SELECT q.key, q.id, q.kind FROM questions q JOIN surveys s ON s.id = q.survey_id "
                 "WHERE s.slug = 'voice-2024'").splitlines():
    key, qid, qkind = line.split("|")
    question[key], kind[key] = qid, qkind
round_ = str(uuid.uuid4())
psql("INSERT INTO rounds (id, survey_id, name, join_code, is_open, created_at, seq) "
     f"SELECT '{round_}', id, 'Raw', 'RAWCODE1', 0, 0, 99 FROM surveys WHERE slug = 'voice-2024'")
start_id = uuid.uuid4().int & ~0xFFFFFFFF
client_start = uuid.uuid4().int & ~0xFFFFFFFF

with tempfile.TemporaryDirectory() as tmp:
    responses, answers = os.path.join(tmp, "responses.csv"), os.path.join(tmp, "answers.csv")
    with open(responses, "w", newline="", encoding="utf-8") as r, open(answers, "w", newline="", encoding="utf-8") as a:
        rw, aw = csv.writer(r), csv.writer(a)
        for i in range(args.rows):
            rid = str(uuid.UUID(int=start_id | i))
            rw.writerow((rid, round_, str(uuid.UUID(int=client_start | i)), "{}", 1764547200, f"p{i:07d}"))
            row = rows[i % len(rows)]
            for k in keys:
                if row[k]:
                    choice = row[k] if kind[k] != "text" else None
                    aw.writerow((rid, round_, question[k], 0, row[k], choice))
    started = time.monotonic()
    psql(f"\\copy responses (id, round_id, client_id, fingerprint, submitted_on, respondent) FROM '{responses}' (FORMAT csv)",
         f"\\copy answers (response_id, round_id, question_id, position, value, choice) FROM '{answers}' (FORMAT csv)",
         single_transaction=True)
    took = time.monotonic() - started
count = psql(f"SELECT COUNT(*) FROM answers WHERE round_id = '{round_}'").strip()
print(f"{args.rows} responses, {count} answers stored by PostgreSQL alone (COPY) in {took:.1f} s")
