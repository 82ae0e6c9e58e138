#!/usr/bin/env python3
"""Prints what Heard's /metrics say about a load run: submissions stored,
the writer's batches, and the submission route's latency quantiles read
from its histogram buckets (as Prometheus' histogram_quantile would, so a
dashboard and BENCHMARKS.md agree).

Usage: bench/read_metrics.py METRICS_TEXT_FILE"""
import re, sys

samples = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    name, value = line.rsplit(" ", 1)
    samples[name] = float(value)

def total(prefix):
    return sum(v for k, v in samples.items() if k.startswith(prefix))

stored = samples.get('heard_submissions_total{outcome="stored"}', 0)
repeats = samples.get('heard_submissions_total{outcome="already_stored"}', 0)
print(f"metrics: submissions stored {stored:.0f}, already stored {repeats:.0f}")
batches = samples.get("heard_submission_batch_size_count", 0)
if batches:
    print(f"metrics: {batches:.0f} commits, {samples['heard_submission_batch_size_sum'] / batches:.1f} surveys a commit on average, "
          f"{1000 * samples['heard_submission_batch_seconds_sum'] / batches:.1f} ms a commit")

route = 'route="/api/v1/responses",status="2xx"'
buckets = sorted(
    (float(m.group(1)), v)
    for k, v in samples.items()
    if "heard_http_request_duration_seconds_bucket" in k and route in k
    and (m := re.search(r'le="([^"]+)"', k)) and m.group(1) != "+Inf"
)
count = next((v for k, v in samples.items() if k.startswith("heard_http_request_duration_seconds_count") and route in k), 0)
def quantile(q):
    rank, below, lower = q * count, 0.0, 0.0
    for upper, cumulative in buckets:
        if cumulative >= rank:
            inside = cumulative - below
            return lower + (upper - lower) * ((rank - below) / inside if inside else 1)
        below, lower = cumulative, upper
    return float("inf")
if count:
    print(f"metrics: POST /api/v1/responses 2xx: {count:.0f} answered, "
          f"p50 {1000 * quantile(0.5):.1f} ms, p99 {1000 * quantile(0.99):.1f} ms (from the histogram's buckets)")
