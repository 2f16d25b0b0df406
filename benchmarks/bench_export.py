"""Benchmark `corpuskit export` on a large JSONL input: throughput and peak memory.

The input is the seed-like corpus of the other benchmarks (generated once, 1 GB by
default); export reads it, deduplicates exactly, assigns splits and writes Parquet shards
and the card. Peak RSS must stay flat (it does not grow with the input): compare --mb 100
with --mb 1000. A read-only floor (read + parse every line) runs on the same input.

    python benchmarks/bench_export.py            # 1000 MB
    python benchmarks/bench_export.py --mb 100
"""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_normalize import corpus_from_args, run_corpuskit  # noqa: E402


def main() -> None:
    args, corpus = corpus_from_args(__doc__, 1000)
    size_mb = corpus.stat().st_size / 1e6

    start = time.perf_counter()
    with corpus.open("rb") as handle:
        documents = sum(1 for line in handle if orjson.loads(line))
    floor = time.perf_counter() - start

    out = HERE / "data" / "dataset"
    shutil.rmtree(out, ignore_errors=True)
    seconds, peak = run_corpuskit("export", out, corpus, "-q", "--overwrite")
    shards = len(list((out / "data").glob("*.parquet")))
    written = sum(p.stat().st_size for p in (out / "data").glob("*.parquet")) / 1e6

    print(f"# export benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"input: {corpus.name}, {size_mb:.0f} MB, {documents} documents (seed variants)")
    print("| run | MB/s (1 core) | time vs floor |")
    print("|---|---:|---:|")
    print(f"| floor: read + parse JSON lines | {size_mb / floor:.1f} | 1.0x |")
    print(f"| `corpuskit export` (whole CLI, exact dedup) | {size_mb / seconds:.1f} | {seconds / floor:.1f}x |")
    print(f"peak RSS {peak:.0f} MB; {shards} Parquet shard(s), {written:.0f} MB")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
