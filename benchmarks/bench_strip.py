"""Benchmark `corpuskit strip` with the bundled packs against a read+write floor.

The input is the normalize benchmark's corpus (seeds with variations), normalized once
and cached. Ratios in one run are the figures that matter on a shared machine.

    python benchmarks/bench_strip.py          # 100 MB
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_normalize import corpus_from_args, run_corpuskit  # noqa: E402


def main() -> None:
    args, corpus = corpus_from_args(__doc__, 100)
    normalized = HERE / "data" / f"normalized-{args.mb:g}mb.jsonl"
    if not normalized.exists():
        subprocess.run([sys.executable, "-m", "corpuskit", "normalize", str(corpus), "-o", str(normalized), "-q"], check=True)
    size_mb = normalized.stat().st_size / 1e6

    start = time.perf_counter()
    with normalized.open("rb") as src, (HERE / "data" / "floor.jsonl").open("w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            record["text"] = "\n".join(record["text"].split("\n"))
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    floor = time.perf_counter() - start

    out = HERE / "data" / "stripped.jsonl"
    seconds, peak = run_corpuskit("strip", normalized, "-o", out, "-q", "-j", "1", "--stats", HERE / "data" / "strip.stats.json")
    stats = json.loads((HERE / "data" / "strip.stats.json").read_text())

    print(f"# strip benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"input: {normalized.name}, {size_mb:.1f} MB, {stats['strip']['documents']} documents, bundled packs in rules/")
    print("| run | MB/s (1 core) | time vs floor |")
    print("|---|---:|---:|")
    print(f"| floor: read + json + split lines + write | {size_mb / floor:.1f} | 1.0x |")
    print(f"| corpuskit strip --jobs 1 (whole CLI) | {size_mb / seconds:.1f} | {seconds / floor:.1f}x |")
    print(f"lines in {stats['strip']['lines_in']}, removed {stats['strip'].get('lines_removed', 0)}, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
