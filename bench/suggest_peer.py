#!/usr/bin/env python3
"""The Python peer of `heard suggest`: the same job, done the way a
competent Python programmer would, to measure Heard against.

Reads answers (one per line) on standard input and a survey file's
question codebook; finds each theme's keywords and phrases by Snowball
stem (PyStemmer, the C Snowball library, with a cache of stems already
seen), scores themes as Heard does (one point per word of each different
keyword found, a quarter for each repeat) and prints the same CSV:
text, theme, score, matched.

Words are runs of letters and digits with inner apostrophes, lower-cased,
curly apostrophes straightened and a trailing 's dropped, close to Heard's
Unicode word boundaries for English text.

Usage: bench/suggest_peer.py SURVEY.toml QUESTION < answers.txt > out.csv
Needs: pip install pystemmer"""
import csv, re, sys, tomllib
import Stemmer

WORD = re.compile(r"\w+(?:['\u2019\u2018\u02bc]\w+)*")
stemmer = Stemmer.Stemmer("english")
cache = {}


def stem(word):
    found = cache.get(word)
    if found is None:
        lower = word.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
        if lower.endswith("'s"):
            lower = lower[:-2]
        found = cache[word] = stemmer.stemWord(lower.strip("'"))
    return found


def tokens(text):
    return [(m.start(), m.end(), stem(m.group())) for m in WORD.finditer(text)]


def main():
    survey_path, key = sys.argv[1], sys.argv[2]
    with open(survey_path, "rb") as f:
        survey = tomllib.load(f)
    question = next(q for q in survey["questions"] if q["key"] == key)
    phrases = []  # (theme index, theme name, keyword, stems)
    for index, theme in enumerate(question.get("themes", [])):
        for keyword in theme.get("keywords", []):
            stems = [s for _, _, s in tokens(keyword)]
            if stems:
                phrases.append((index, theme["name"], keyword, stems))
    by_first = {}
    for p, (_, _, _, stems) in enumerate(phrases):
        by_first.setdefault(stems[0], []).append(p)

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["text", "theme", "score", "matched"])
    for line in sys.stdin:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        words = tokens(text)
        stems = [s for _, _, s in words]
        themes = {}
        seen = set()
        for i, s in enumerate(stems):
            for p in by_first.get(s, ()):
                theme, name, keyword, want = phrases[p]
                if stems[i : i + len(want)] == want:
                    entry = themes.setdefault(theme, [name, 0.0, []])
                    entry[1] += 0.25 if p in seen else len(want)
                    seen.add(p)
                    entry[2].append(text[words[i][0] : words[i + len(want) - 1][1]])
        if not themes:
            out.writerow([text, "", "", ""])
        for theme in sorted(themes, key=lambda t: (-themes[t][1], t)):
            name, score, matched = themes[theme]
            out.writerow([text, name, score, "; ".join(matched)])


main()
