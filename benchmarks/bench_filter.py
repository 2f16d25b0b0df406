"""Benchmark `corpuskit filter` against `clean`, against its own pure-Python path and
against datatrove's filters, on the same input.

On the seed-like benchmark corpus (clean's output of it, so that filter sees articles, as
in the pipeline), alternating the runs it compares (A B A B, best of `--rounds`):

1. `corpuskit clean --jobs 1` (the reference cost per MB);
2. `corpuskit filter --jobs 1` with the default packs (language ID, the news packs, basic,
   PII), with the compiled core; MB/s per core, CPU seconds, peak memory on the corpus
   and on a fifth of it (flat: it streams);
3. the same filter on the pure-Python path (`CORPUSKIT_PURE=1`) on the fifth, and
   `--jobs 2` against `--jobs 1` on the whole;
4. the signal work alone, in process, on a sample: corpuskit's `gopher`, `c4` and
   `fineweb` parity packs forced to judge every document as English (the batch of
   compiled signals, then each verdict), against datatrove's GopherQualityFilter +
   GopherRepetitionFilter + C4QualityFilter + FineWebQualityFilter (default thresholds,
   English spaCy tokenizer: the parts of datatrove that run offline).

    python benchmarks/bench_filter.py [--mb 100] [--sample 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_normalize import ensure_corpus, timed_corpuskit  # noqa: E402

from corpuskit.doc import Doc  # noqa: E402
from corpuskit.filter.batch import batch_signals  # noqa: E402
from corpuskit.filter.packs import default_packs_dir, load_pack  # noqa: E402
from corpuskit.filter.step import FilterConfig, judge  # noqa: E402


def timed(*args: object, pure: bool = False) -> tuple[float, float, float]:
    """`corpuskit ARGS`: wall seconds, CPU seconds (the command and its workers) and peak RSS in MB."""
    return timed_corpuskit(*args, env={**os.environ, "CORPUSKIT_PURE": "1" if pure else "0"})


def best(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return min(runs)


def datatrove_time(texts: list[str]) -> float | None:
    try:
        from datatrove.data import Document
        from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                                GopherRepetitionFilter)
    except ImportError:
        return None
    filters = [GopherQualityFilter(), GopherRepetitionFilter(), C4QualityFilter(), FineWebQualityFilter()]
    filters[0].filter(Document(text="warm up the tokenizer", id="0"))
    start = time.perf_counter()
    for text in texts:
        for flt in filters:  # every filter on every document: the same work as corpuskit's tag mode
            flt.filter(Document(text=text, id="x"))
    return time.perf_counter() - start


def corpuskit_time(texts: list[str]) -> float:
    packs = [load_pack(str(default_packs_dir() / "parity" / f"{name}.yaml")) for name in ("gopher", "c4", "fineweb")]
    config = FilterConfig(mode="tag")
    start = time.perf_counter()
    signals = batch_signals(packs)
    for at in range(0, len(texts), 256):
        chunk = texts[at:at + 256]
        values = signals.compute(chunk, ["en"] * len(chunk)) if signals is not None else [None] * len(chunk)
        for text, found in zip(chunk, values):
            judge(Doc("x", text), packs, config, "en", 1.0, stop_at_first=False, precomputed=found)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    data = HERE / "data"
    corpus = ensure_corpus(args.mb, 0.0)
    cleaned, fifth = data / "filter-in.jsonl", data / "filter-in-fifth.jsonl"
    if not cleaned.exists():
        timed("clean", corpus, "-o", cleaned, "-q", "-j", "1")
    lines = cleaned.read_bytes().splitlines(keepends=True)
    fifth.write_bytes(b"".join(lines[: len(lines) // 5]))
    size_mb, fifth_mb = cleaned.stat().st_size / 1e6, fifth.stat().st_size / 1e6
    out, stats_path = data / "filtered.jsonl", data / "filtered.stats.json"

    clean, native, jobs2, small, small_pure = [], [], [], [], []
    for _ in range(args.rounds):  # alternated, so that a busy moment hits both sides
        clean.append(timed("clean", corpus, "-o", data / "cleaned-again.jsonl", "-q", "-j", "1"))
        native.append(timed("filter", cleaned, "-o", out, "-q", "-j", "1", "--stats", stats_path))
        jobs2.append(timed("filter", cleaned, "-o", out, "-q", "-j", "2"))
        small.append(timed("filter", fifth, "-o", data / "filtered-fifth.jsonl", "-q", "-j", "1"))
        small_pure.append(timed("filter", fifth, "-o", data / "filtered-fifth-pure.jsonl", "-q", "-j", "1", pure=True))
    same = (data / "filtered-fifth.jsonl").read_bytes() == (data / "filtered-fifth-pure.jsonl").read_bytes()
    clean_b, native_b, jobs2_b, small_b, pure_b = map(best, (clean, native, jobs2, small, small_pure))
    stats = json.loads(stats_path.read_text())

    with cleaned.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.sample), handle)]
    ours = corpuskit_time(texts)
    theirs = datatrove_time(texts)

    corpus_mb = corpus.stat().st_size / 1e6
    print(f"# filter benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, best of {args.rounds} alternated rounds")
    counts = stats["filter"]
    print(f"input: {corpus.name} ({corpus_mb:.1f} MB) cleaned into {counts['documents_in']} articles ({size_mb:.1f} MB); "
          f"filter kept {counts['documents_kept']}, dropped {counts.get('documents_dropped', 0)}")
    print("| run | wall s | CPU s | MB/s per core (CPU) | peak MB |")
    print("|---|---:|---:|---:|---:|")
    print(f"| `clean --jobs 1` on the corpus | {clean_b[0]:.1f} | {clean_b[1]:.1f} | {corpus_mb / clean_b[1]:.1f} | {clean_b[2]:.0f} |")
    print(f"| `filter --jobs 1`, compiled core | {native_b[0]:.1f} | {native_b[1]:.1f} | {size_mb / native_b[1]:.1f} | {native_b[2]:.0f} |")
    print(f"| `filter --jobs 2`, compiled core | {jobs2_b[0]:.1f} | {jobs2_b[1]:.1f} | | {jobs2_b[2]:.0f} |")
    print(f"| `filter --jobs 1`, a fifth, compiled core | {small_b[0]:.1f} | {small_b[1]:.1f} | {fifth_mb / small_b[1]:.1f} | {small_b[2]:.0f} |")
    print(f"| `filter --jobs 1`, a fifth, pure Python | {pure_b[0]:.1f} | {pure_b[1]:.1f} | {fifth_mb / pure_b[1]:.1f} | {pure_b[2]:.0f} |")
    print(f"compiled core {pure_b[1] / small_b[1]:.1f}x less CPU than pure Python on the fifth, same output: {same}")
    print(f"filter costs {(native_b[1] / size_mb) / (clean_b[1] / corpus_mb):.2f}x clean's CPU per MB; "
          f"--jobs 2 is {native_b[0] / jobs2_b[0]:.2f}x --jobs 1 (wall)")
    print(f"| same English signals, {len(texts)} documents, in process | seconds | docs/s |")
    print("|---|---:|---:|")
    print(f"| corpuskit gopher + c4 + fineweb packs | {ours:.2f} | {len(texts) / ours:,.0f} |")
    if theirs is None:
        print("| datatrove | not installed (pip install -e '.[bench]') | |")
    else:
        print(f"| datatrove Gopher quality + repetition, C4, FineWeb | {theirs:.2f} | {len(texts) / theirs:,.0f} |")
        print(f"corpuskit is {theirs / ours:.1f}x faster than datatrove on the same documents (goal ≥ 30x)")


if __name__ == "__main__":
    main()
