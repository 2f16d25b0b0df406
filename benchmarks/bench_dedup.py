"""Dedup at corpus scale: speed, memory, and pairs found against exact Jaccard.

Generates (once, into benchmarks/data/) a corpus of Vietnamese-like news articles, 300
syllables each in five paragraphs, drawn with a Zipf law from the syllables of seeds/,
with planted copies of about half of them: words edited (1-20%), paragraphs reordered,
furniture lines added, the credit line changed, exact copies. Then, as whole processes:

- `corpuskit dedup` with --jobs 1 and --jobs 2, alternated (A B A B), wall and CPU time,
  peak memory (the process's own maximum resident size), MB/s;
- the signature step alone (the compiled core's MinHash, one thread), MB/s per core;
- against exact Jaccard of 5-syllable shingles: of the planted pairs at or above the
  threshold, the share that ended in one cluster (recall); of the near copies dropped,
  the share whose exact similarity to the copy kept reaches the threshold (precision).

    python benchmarks/bench_dedup.py --docs 200000
    python benchmarks/bench_dedup.py --docs 2000000 --runs 1 --no-quality
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
FURNITURE = ["Video đang HOT", "Các tin khác", "Xem thêm: Tin nóng trong ngày", "Ảnh: Internet", "Bình luận (0)"]
CREDITS = ["Theo TTXVN", "Theo Dân trí", "Theo VnExpress", "Nguồn: Thanh Niên", "Theo Tuổi Trẻ"]


def vocabulary() -> np.ndarray:
    words: dict[str, int] = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for word in path.read_text(encoding="utf-8").lower().split():
            word = word.strip(".,:;!?\"'()[]“”…-–")
            if word.isalpha():
                words[word] = words.get(word, 0) + 1
    return np.array(sorted(words, key=lambda w: -words[w]))


def make_corpus(path: Path, documents: int, seed: int = 1) -> None:
    """Base articles and planted copies; each copy's metadata names its original and kind."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary()
    ranks = np.arange(1, len(vocab) + 1)
    weights = 1.0 / ranks ** 1.05
    weights /= weights.sum()
    tmp = path.with_suffix(".tmp")
    written = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        n = 0
        while written < documents:
            words = vocab[rng.choice(len(vocab), size=300, p=weights)]
            paragraphs = [" ".join(words[i:i + 60]).capitalize() + "." for i in range(0, 300, 60)]
            site = f"site{n % 40}.example"
            base_id = f"https://{site}/{n}"
            text = "\n".join(paragraphs)
            handle.write(json.dumps({"id": base_id, "text": text, "metadata": {"url": base_id}}, ensure_ascii=False) + "\n")
            written += 1
            roll = rng.random()
            copy = None
            if roll < 0.30:
                share = rng.uniform(0.01, 0.20)
                edited = words.copy()
                spots = rng.choice(300, size=max(1, int(300 * share)), replace=False)
                edited[spots] = vocab[rng.choice(len(vocab), size=len(spots), p=weights)]
                copy = ("edit", "\n".join(" ".join(edited[i:i + 60]).capitalize() + "." for i in range(0, 300, 60)))
            elif roll < 0.40:
                order = rng.permutation(5)
                copy = ("reorder", "\n".join(paragraphs[i] for i in order))
            elif roll < 0.50:
                copy = ("furniture", FURNITURE[n % 5] + "\n" + text + "\n" + FURNITURE[(n + 2) % 5])
            elif roll < 0.60:
                copy = ("credit", text + "\n" + CREDITS[n % 5])
            elif roll < 0.70:
                copy = ("exact", text)
            if copy is not None and written < documents:
                kind, copy_text = copy
                copy_id = f"https://copy{n % 13}.example/{n}"
                handle.write(json.dumps({"id": copy_id, "text": copy_text,
                                         "metadata": {"url": copy_id, "planted_from": base_id, "planted": kind}},
                                        ensure_ascii=False) + "\n")
                written += 1
            n += 1
    os.replace(tmp, path)


def timed(args: list[str]) -> dict:
    """Run a command as a child process: wall, CPU (user + sys) and peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if status != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{stderr}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def signatures_speed(path: Path, documents: int = 20000) -> float | None:
    from corpuskit.dedup.keys import canonical_text
    from corpuskit.dedup.minhash import lsh_params
    from corpuskit.native import core, pack

    if core is None:
        return None
    texts = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            texts.append(canonical_text(json.loads(line)["text"]))
            if len(texts) >= documents:
                break
    blob, offsets = pack(texts)
    bands, rows = lsh_params(0.8, 128)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        core.minhash(blob, offsets, 128, 5, bands, rows, 1)
        best = min(best, time.perf_counter() - started)
    return len(blob) / best / 1e6


def quality(path: Path, duplicates: Path, threshold: float) -> dict:
    from corpuskit.dedup.keys import canonical_text

    def shingles(text: str) -> set:
        words = canonical_text(text).split(" ")
        return {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}

    texts, planted = {}, []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts[record["id"]] = record["text"]
            origin = record["metadata"].get("planted_from")
            if origin:
                planted.append((origin, record["id"], record["metadata"]["planted"]))
    kept_for = {}
    near = []
    with open(duplicates, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            kept_for[record["id"]] = record["duplicate_of"]
            if record["level"] == "near":
                near.append((record["id"], record["duplicate_of"]))

    def representative(doc_id: str) -> str:
        return kept_for.get(doc_id, doc_id)

    positives = found = 0
    by_kind: dict[str, list[int]] = {}
    for origin, copy, kind in planted:
        a, b = shingles(texts[origin]), shingles(texts[copy])
        similarity = len(a & b) / len(a | b)
        if similarity >= threshold:
            positives += 1
            together = representative(origin) == representative(copy)
            found += together
            by_kind.setdefault(kind, [0, 0])
            by_kind[kind][0] += 1
            by_kind[kind][1] += together
    correct = 0
    for dropped, kept in near:
        a, b = shingles(texts[dropped]), shingles(texts[kept])
        correct += len(a & b) / len(a | b) >= threshold
    return {"planted pairs": len(planted), "pairs at or above the threshold": positives,
            "recall": found / positives if positives else None,
            "precision": correct / len(near) if near else None, "near copies dropped": len(near),
            "recall by kind": {k: round(v[1] / v[0], 4) for k, v in sorted(by_kind.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2, help="runs of each --jobs setting, alternated")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--no-quality", action="store_true", help="skip recall/precision (it holds every text in memory)")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    corpus = DATA / f"dedup-{args.docs}.jsonl"
    if not corpus.exists():
        started = time.perf_counter()
        make_corpus(corpus, args.docs)
        print(f"generated {corpus.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")
    size_mb = corpus.stat().st_size / 1e6
    print(f"corpus: {args.docs:,} documents, {size_mb:,.0f} MB; {time.strftime('%Y-%m-%d')}; "
          f"{os.cpu_count()} cores; compiled core: {__import__('corpuskit.native', fromlist=['status']).status()}")
    speed = signatures_speed(corpus)
    if speed is not None:
        print(f"signatures alone (compiled MinHash, 128 permutations, 5-syllable shingles, one thread): {speed:.1f} MB/s")
    results: dict[int, list[dict]] = {1: [], 2: []}
    dups = DATA / f"dedup-{args.docs}.dups.jsonl"
    for _ in range(args.runs):
        for jobs in (1, 2):
            command = [sys.executable, "-m", "corpuskit", "dedup", str(corpus), "-o", "/dev/null", "--duplicates", str(dups),
                       "--threshold", str(args.threshold), "-j", str(jobs), "-q", "--work-dir", str(DATA / "work")]
            results[jobs].append(timed(command))
    print("| run | wall s (min) | CPU s | MB/s (wall) | peak memory MB |")
    print("|---|---:|---:|---:|---:|")
    for jobs, runs in results.items():
        best = min(runs, key=lambda r: r["wall"])
        print(f"| dedup --jobs {jobs} | {best['wall']:.1f} | {best['cpu']:.1f} | {size_mb / best['wall']:.1f} | "
              f"{max(r['rss_mb'] for r in runs):.0f} |")
    ratio = min(r["wall"] for r in results[1]) / min(r["wall"] for r in results[2])
    print(f"--jobs 2 speed-up: {ratio:.2f}x")
    if not args.no_quality:
        print(json.dumps(quality(corpus, dups, args.threshold), indent=1))


if __name__ == "__main__":
    main()
