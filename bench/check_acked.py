#!/usr/bin/env python3
"""After a fault run: every acknowledged survey is stored exactly once,
with its two answers once. Exits 1 (naming what is wrong) otherwise.

Usage: bench/check_acked.py DATABASE_URL ACKED_FILE"""
import sqlite3, subprocess, sys

url, acked_file = sys.argv[1], sys.argv[2]
acked = [line.strip() for line in open(acked_file) if line.strip()]
if url.startswith("sqlite:"):
    db = sqlite3.connect(url.split("://", 1)[1].split("?")[0])
    rows = db.execute("SELECT x.client_id, COUNT(DISTINCT x.id), COUNT(a.value) FROM responses x "
                      "LEFT JOIN answers a ON a.response_id = x.id GROUP BY x.client_id").fetchall()
else:
    out = subprocess.run(["psql", url, "-tAF", "\t", "-c",
                          "SELECT x.client_id, COUNT(DISTINCT x.id), COUNT(a.value) FROM responses x "
                          "LEFT JOIN answers a ON a.response_id = x.id GROUP BY x.client_id"],
                         check=True, capture_output=True, text=True).stdout
    rows = [(c, int(n), int(a)) for c, n, a in (line.split("\t") for line in out.splitlines() if line)]
stored = {client_id: (n, answers) for client_id, n, answers in rows}
missing = [c for c in acked if c not in stored]
twice = [c for c, (n, answers) in stored.items() if n != 1 or answers != 2]
print(f"check: {len(acked)} acknowledged, {len(stored)} stored "
      f"({len(stored) - len(set(acked) & set(stored))} stored but never acknowledged: in flight at a fault or at the end), "
      f"{len(missing)} acknowledged but missing, {len(twice)} stored twice or with answers missing or doubled")
sys.exit(1 if missing or twice or len(set(acked)) != len(acked) else 0)
