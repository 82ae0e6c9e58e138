#!/usr/bin/env python3
"""Tablets that keep their surveys until Heard acknowledges them, for the
fault runs (scripts/bench-faults): THREADS tablets each send surveys one
after another for SECONDS, trying each again (after Retry-After, or 200 ms)
until Heard answers 201 or 200 with its own acknowledgement, as the
tablet's outbox does. Then each tablet finishes the survey it holds.

Writes every acknowledged client id to ACKED_FILE, one a line, and prints
how the answers went (status codes and connection failures).

Heard must run with --trust-forwarded-for: each survey comes from an
address of its own.

Usage: bench/fault_clients.py URL JOIN_CODE THREADS SECONDS ACKED_FILE"""
import collections, http.client, json, sys, threading, time, urllib.parse, uuid

url, code, threads, seconds, acked_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
host = urllib.parse.urlparse(url)
deadline = time.monotonic() + seconds
acked, answers, lock = [], collections.Counter(), threading.Lock()


def send(connection, body, address):
    connection.request("POST", "/api/v1/responses", body,
                       {"content-type": "application/json", "x-forwarded-for": address})
    response = connection.getresponse()
    text = response.read()
    return response.status, response.getheader("retry-after"), text


def tablet(n):
    connection, sent = None, 0
    while time.monotonic() < deadline:
        client_id = str(uuid.uuid4())
        # Each survey from an address of its own (Heard runs with
        # --trust-forwarded-for), as in bench/submit.lua: one address
        # would reach the round's hourly allowance within seconds.
        sent += 1
        address = f"10.{n % 250}.{sent // 250 % 250}.{sent % 250 + 1}"
        body = json.dumps({"join_code": code, "client_id": client_id,
                           "answers": {"key_stage": "KS4", "change": "Listen to us and trust us"}})
        while True:
            try:
                connection = connection or http.client.HTTPConnection(host.hostname, host.port, timeout=15)
                status, retry_after, text = send(connection, body, address)
            except (OSError, http.client.HTTPException):
                connection = None
                with lock:
                    answers["no connection"] += 1
                time.sleep(0.2)
                continue
            with lock:
                answers[status] += 1
            if status in (200, 201) and json.loads(text).get("status") in ("stored", "already stored"):
                with lock:
                    acked.append(client_id)
                break
            if 400 <= status < 500 and status not in (408, 429):
                raise SystemExit(f"tablet {n}: {status} {text!r}")
            time.sleep(min(float(retry_after or 0.2), 5))


workers = [threading.Thread(target=tablet, args=(n,)) for n in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
with open(acked_file, "w") as out:
    out.write("".join(f"{client_id}\n" for client_id in acked))
print(f"tablets: {len(acked)} surveys acknowledged; answers: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(answers.items(), key=str)))
