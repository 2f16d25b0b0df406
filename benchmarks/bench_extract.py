"""Extraction quality and speed on real article pages with a person's answer.

Scores `corpuskit extract` on the article-extraction benchmark's pages (shared/realdata/
html-news: gzipped HTML and ground-truth bodies) with the benchmark's own measure:
4-gram shingles of `\\w+` tokens per page, true/false positives and false negatives
counted and normalized to sum 1 on each page, then precision and recall of the means over
pages and their F1. The title line is part of corpuskit's text (split reads it), so it is
scored both ways: as written, and with the title line left out (the benchmark's answer holds
the body only).

Rows: the default extractor, the same followed by `corpuskit clean` (normalize, strip and
split; an article split in parts is joined again by parent id), `--fast`, and `--fast`
without the sandbox process (what the protection against hung parsers costs). Speed is pages
per CPU second of one worker process (`--jobs 1`), best of `--runs`, as whole commands; the
start-up (a one-page run's CPU time) is taken out for the per-page rate and shown with it.

    python benchmarks/bench_extract.py [--pages DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUSKIT = [sys.executable, "-m", "corpuskit"]
TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    """The text's n-grams of word tokens (a text shorter than n is one shingle)."""
    tokens = TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page_counts(truth: str, found: str) -> tuple[float, float, float]:
    expected, got = shingles(truth), shingles(found)
    tp = sum((expected & got).values())
    fp = sum((got - expected).values())
    fn = sum((expected - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 1.0)


def score(truth: dict[str, str], found: dict[str, str]) -> tuple[float, float, float]:
    rows = [page_counts(truth[key], found.get(key, "")) for key in truth]
    tp, fp, fn = (sum(row[i] for row in rows) for i in range(3))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def key_of(doc: dict) -> str:
    path = doc.get("metadata", {}).get("path") or doc.get("metadata", {}).get("parent_id") or doc["id"]
    return os.path.basename(str(path)).split(".html")[0]


def read_texts(path: Path, drop_title: bool) -> dict[str, str]:
    """Each page's text; parts of one page (split) joined in order."""
    parts: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            text = doc["text"]
            title = doc["metadata"].get("title")
            if drop_title and title and text.startswith(title):
                text = text[len(title):]
            parts.setdefault(key_of(doc), []).append(text)
    return {key: "\n\n".join(texts) for key, texts in parts.items()}


def run(args: list[str]) -> float:
    """CPU seconds of one command (its child processes included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(CORPUSKIT + args, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, default=ROOT.parent / "shared" / "realdata" / "html-news")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    truth_file = options.pages / "ground-truth.json"
    if not truth_file.exists():  # a machine without the shared pages: say so, and let `make bench` go on
        print(f"bench_extract: skipped: {truth_file} not found (the benchmark pages are in shared/realdata/html-news)")
        return
    truth = {key: value["articleBody"] for key, value in json.loads(truth_file.read_text(encoding="utf-8")).items()}
    html = options.pages / "html"
    pages = len(list(html.glob("*.html*")))
    print(f"bench_extract: {pages} pages from {options.pages} ({time.strftime('%Y-%m-%d')})")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for label, extra in (("trafilatura (default)", []), ("resiliparse (--fast)", ["--fast"]),
                             ("resiliparse, no sandbox", ["--fast", "--no-sandbox"])):
            out = tmp / f"{label.split()[0]}.jsonl"
            cpu = wall = float("inf")
            for _ in range(options.runs):
                start = time.perf_counter()
                cpu = min(cpu, run(["extract", str(html), "-q", "--jobs", "1", "-o", str(out), *extra]))
                wall = min(wall, time.perf_counter() - start)
            for drop_title in (False, True):
                p, r, f = score(truth, read_texts(out, drop_title))
                which = "text without title line" if drop_title else "text as written"
                print(f"  {label:24s} {which:26s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
            one = min(run(["extract", str(next(html.glob("*.html*"))), "-q", "--jobs", "1", "-o", str(tmp / "one.jsonl"), *extra])
                      for _ in range(options.runs))
            print(f"  {label:24s} {(pages - 1) / max(cpu - one, 1e-9):6.1f} pages per CPU second, start-up left out "
                  f"({pages / cpu:.1f} with it; {pages / wall:.1f} per wall second)")
            if not extra:
                cleaned = tmp / "cleaned.jsonl"
                run(["clean", str(out), "-q", "-o", str(cleaned)])
                for drop_title in (False, True):
                    p, r, f = score(truth, read_texts(cleaned, drop_title))
                    which = "text without title line" if drop_title else "text as written"
                    print(f"  {'+ corpuskit clean':24s} {which:26s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")


if __name__ == "__main__":
    main()
