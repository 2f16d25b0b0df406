"""Benchmark `corpuskit clean` and the share of its time that splitting takes.

Three runs side by side on the same input (the normalize benchmark's corpus):
the whole `corpuskit clean` CLI; the same stages in one process without split
(read → normalize → strip → write); and with split. Issue #4 asks that splitting add
no more than 20% to the time of `clean`.

    python benchmarks/bench_clean.py          # 100 MB
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_normalize import corpus_from_args, run_corpuskit  # noqa: E402

from corpuskit.cli import _load_rule_files  # noqa: E402
from corpuskit.io import Reader, Writer  # noqa: E402
from corpuskit.normalize import NormalizeConfig  # noqa: E402
from corpuskit.split import SplitConfig  # noqa: E402
from corpuskit.stats import Stats  # noqa: E402
from corpuskit.steps import chain_steps  # noqa: E402


def in_process(corpus: Path, out: Path, with_split: bool) -> tuple[float, Stats]:
    """The steps chained as `clean` chains them, with or without split."""
    stats = Stats()
    steps = [("normalize", NormalizeConfig()), ("strip", _load_rule_files(()))] + ([("split", SplitConfig())] if with_split else [])
    start = time.perf_counter()
    writer = Writer(str(out), "jsonl")
    for doc in chain_steps(steps)(Reader([str(corpus)], stats=stats), stats):
        writer.write(doc)
    writer.commit()
    return time.perf_counter() - start, stats


def main() -> None:
    args, corpus = corpus_from_args(__doc__, 100)
    size_mb = corpus.stat().st_size / 1e6
    data = HERE / "data"

    # Alternated and repeated, best of each kept: other tenants of a shared machine come and go.
    times: dict[bool, list[float]] = {False: [], True: []}
    for split_on in (False, True, True, False):
        seconds, stats_run = in_process(corpus, data / f"clean-{'split' if split_on else 'nosplit'}.jsonl", with_split=split_on)
        times[split_on].append(seconds)
        if split_on:
            stats = stats_run
    without, with_split = min(times[False]), min(times[True])
    cli, peak = run_corpuskit("clean", corpus, "-o", data / "clean.jsonl", "-q", "-j", "1")

    counts = stats.as_dict()["split"]
    print(f"# clean benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"input: {corpus.name}, {size_mb:.1f} MB, {counts['documents']} documents → {counts['articles']} articles, {counts.get('teasers', 0)} teasers")
    print("| run | MB/s (1 core) | time |")
    print("|---|---:|---:|")
    print(f"| normalize → strip (in process, no split) | {size_mb / without:.1f} | 1.00x |")
    print(f"| normalize → strip → split (in process) | {size_mb / with_split:.1f} | {with_split / without:.2f}x |")
    print(f"| `corpuskit clean --jobs 1` (whole CLI) | {size_mb / cli:.1f} | {cli / without:.2f}x |")
    print(f"splitting adds {100 * (with_split - without) / without:.0f}% to the time of clean without it (goal: ≤ 20%); peak RSS of the CLI run {peak:.0f} MB")


if __name__ == "__main__":
    main()
