#!/usr/bin/env python3
"""The raw ceiling beside Heard's submission figures: how many single-row
durable commits a second the same database takes with no HTTP and no
Heard, one after another (SQLite: a table in a new file beside Heard's,
WAL and synchronous=FULL as Heard's connections have them; PostgreSQL: a
table in Heard's database, through pgbench with one client).

Usage: bench/raw_commits.py DATABASE_URL WORK_FOLDER SECONDS"""
import os, sqlite3, subprocess, sys, tempfile, time

url, work, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
if url.startswith("sqlite:"):
    db = sqlite3.connect(os.path.join(work, "raw.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, value TEXT)")
    commits, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        db.execute("BEGIN")
        db.execute("INSERT INTO raw (client_id, value) VALUES (?, ?)", (f"c{commits}", "Listen to us and trust us"))
        db.execute("COMMIT")
        commits += 1
    print(f"{commits / (time.perf_counter() - started):.0f} commits/s (SQLite, one row each)")
else:
    subprocess.run(["psql", url, "-qc", "CREATE TABLE IF NOT EXISTS raw_commits (id bigserial PRIMARY KEY, client_id text NOT NULL UNIQUE, value text)"], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("INSERT INTO raw_commits (client_id, value) VALUES (md5(random()::text || clock_timestamp()::text), 'Listen to us and trust us');\n")
    out = subprocess.run(["pgbench", "-n", "-c", "1", "-T", str(int(seconds)), "-f", script.name, url], check=True, capture_output=True, text=True).stdout
    tps = next(line for line in out.splitlines() if line.startswith("tps"))
    print(f"{tps} (PostgreSQL, pgbench, one client, one row each)")
    subprocess.run(["psql", url, "-qc", "DROP TABLE raw_commits"], check=True)
