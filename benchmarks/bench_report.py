"""Benchmark `corpuskit report` on the side files of a whole run over the benchmark corpus.

The run: `clean` (with --removed, --report and --stats), `filter` (--rejected, --stats)
and `export`, on the seed-like corpus; then `report` over all of it, with the pages
marked up from the corpus itself. Printed: the sizes of what the report read, its time,
its peak memory and the size of the page. Issue #12 asks for seconds and a few MB on
100 MB of benchmark output.

    python benchmarks/bench_report.py [--mb 100]
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_normalize import corpus_from_args, run_corpuskit  # noqa: E402


def main() -> None:
    args, corpus = corpus_from_args(__doc__, 100)
    d = HERE / "data" / "report-run"
    d.mkdir(parents=True, exist_ok=True)
    run_corpuskit("clean", corpus, "-o", d / "articles.jsonl", "-q", "--removed", d / "removed.jsonl",
                  "--report", d / "split.jsonl", "--stats", d / "clean.stats.json")
    run_corpuskit("filter", d / "articles.jsonl", "-o", d / "filtered.jsonl", "-q", "--rejected", d / "rejected.jsonl",
                  "--stats", d / "filter.stats.json")
    run_corpuskit("export", d / "dataset", d / "filtered.jsonl", "-q", "--overwrite", "--stats", d / "export.stats.json")
    read = [corpus, d / "removed.jsonl", d / "split.jsonl", d / "rejected.jsonl"]
    seconds, peak = run_corpuskit("report", "-o", d / "report.html", "--stats", d / "clean.stats.json",
                                  "--stats", d / "filter.stats.json", "--stats", d / "export.stats.json",
                                  "--removed", d / "removed.jsonl", "--split-report", d / "split.jsonl",
                                  "--rejected", d / "rejected.jsonl", "--dataset", d / "dataset", "--pages", corpus)
    print(f"# report benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| read by report | MB |")
    print("|---|---:|")
    for path in read:
        print(f"| {path.name} | {path.stat().st_size / 1e6:.1f} |")
    print(f"| dataset (Parquet) | {sum(p.stat().st_size for p in (d / 'dataset').rglob('*.parquet')) / 1e6:.1f} |")
    print(f"report: {seconds:.1f} s, peak RSS {peak:.0f} MB, page {(d / 'report.html').stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
