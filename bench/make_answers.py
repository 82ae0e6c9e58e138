#!/usr/bin/env python3
"""Writes N made-up free-text answers, one per line, for timing keyword
suggestions at national scale (default 557,077: the Big Ask).

Not 30 answers cycled, which would flatter any cache: each answer mixes
whole phrases young people wrote (the 2024 fixture and the safeguarding
corpus in tests/corpus) with words drawn from a Zipf distribution over a
vocabulary of about 120,000 forms (the corpus's words, their inflections
and misspellings), so most words are common and a long tail is rare, as
in real text. Seeded: the same N gives the same file.

Usage: bench/make_answers.py [N] > answers.txt"""
import csv, glob, os, random, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = random.Random(2024)
texts = []
with open(os.path.join(root, "tests/fixtures/voice-of-the-child-2024/responses.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        texts += [v for k, v in row.items() if k not in ("respondent", "key_stage") and v and len(v) > 3]
for path in glob.glob(os.path.join(root, "tests/corpus/safeguarding/*.tsv")):
    with open(path, encoding="utf-8") as f:
        texts += [line.rstrip("\n").split("\t")[2] for line in f.readlines()[1:] if line.count("\t") >= 2]

counts = {}
for t in texts:
    for w in re.findall(r"[A-Za-z]+(?:'[a-z]+)?", t):
        counts[w.lower()] = counts.get(w.lower(), 0) + 1
# Most frequent first (ties alphabetical): the Zipf ranks follow real use.
words = sorted(counts, key=lambda w: (-counts[w], w))
forms = set(words)
suffixes = ["s", "ed", "ing", "er", "ly", "ness", "ful", "less", "ment", "ers", "ings", "able"]
for w in words:
    for s in suffixes:
        forms.add(w + s)
letters = "abcdefghijklmnopqrstuvwxyz"
while len(forms) < 120_000:
    w = list(rng.choice(words))
    i = rng.randrange(len(w))
    op = rng.randrange(3)
    if op == 0:
        w[i] = rng.choice(letters)
    elif op == 1:
        w.insert(i, rng.choice(letters))
    elif len(w) > 2:
        del w[i]
    forms.add("".join(w) + rng.choice(["", "", "s", "ing", "ed"]))
vocabulary = sorted(forms)
rng.shuffle(vocabulary)
# The corpus's own words first: they are the common ones.
vocabulary = words + [w for w in vocabulary if w not in set(words)]
weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
cumulative, total = [], 0.0
for w in weights:
    total += w
    cumulative.append(total)

n = int(sys.argv[1]) if len(sys.argv) > 1 else 557_077
out = sys.stdout
for _ in range(n):
    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        if rng.random() < 0.5:
            parts.append(rng.choice(texts).rstrip(".!?"))
        else:
            k = max(1, int(rng.lognormvariate(2.0, 0.7)))
            parts.append(" ".join(rng.choices(vocabulary, cum_weights=cumulative, k=k)))
    answer = ", ".join(parts)
    if rng.random() < 0.6:
        answer = answer[:1].upper() + answer[1:]
    out.write(answer.replace("\n", " ") + rng.choice([".", "", "!", "..."]) + "\n")
