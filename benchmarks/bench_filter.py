"""Benchmark `corpuskit filter` against `clean` and against datatrove's filters, same input.

Runs side by side on the seed-like corpus (clean's output of it, so that filter sees
articles, as in the pipeline):

1. `corpuskit clean --jobs 1` on the corpus (the reference time);
2. `corpuskit filter --jobs 1` with the default packs (all of filters/: language ID, the
   Vietnamese news pack, the English packs, which skip Vietnamese text, PII) on clean's
   output; issue #14 asks for at most 25% of clean's time;
3. the same signal work on the same documents, in process: corpuskit's `gopher`, `c4` and
   `fineweb` packs forced to judge every document, against datatrove's
   GopherQualityFilter + GopherRepetitionFilter + C4QualityFilter + FineWebQualityFilter
   (default thresholds, English spaCy tokenizer: the parts of datatrove that run offline),
   on a sample of the documents (datatrove is slow);
4. peak memory of `filter` on the corpus and on a fifth of it (flat: it streams).

    python benchmarks/bench_filter.py [--mb 100] [--sample 2000]
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

from bench_normalize import ensure_corpus, run_corpuskit  # noqa: E402

from corpuskit.doc import Doc  # noqa: E402
from corpuskit.filter.packs import default_packs_dir, load_pack  # noqa: E402
from corpuskit.filter.step import FilterConfig, judge  # noqa: E402


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
    packs = [load_pack(str(default_packs_dir() / f"{name}.yaml")) for name in ("gopher", "c4", "fineweb")]
    config = FilterConfig(mode="tag")
    start = time.perf_counter()
    for text in texts:
        judge(Doc("x", text), packs, config, "en", 1.0, stop_at_first=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()

    data = HERE / "data"
    corpus = ensure_corpus(args.mb, 0.0)
    small = ensure_corpus(args.mb / 5, 0.0)
    size_mb = corpus.stat().st_size / 1e6
    cleaned, cleaned_small = data / "filter-in.jsonl", data / "filter-in-small.jsonl"

    clean_s, _ = run_corpuskit("clean", corpus, "-o", cleaned, "-q", "-j", "1")
    run_corpuskit("clean", small, "-o", cleaned_small, "-q", "-j", "1")
    filter_s, peak = run_corpuskit("filter", cleaned, "-o", data / "filtered.jsonl", "-q", "-j", "1",
                                   "--stats", data / "filtered.stats.json")
    _, peak_small = run_corpuskit("filter", cleaned_small, "-o", data / "filtered-small.jsonl", "-q", "-j", "1")
    # clean again after filter: the best of two, since the machine is shared
    clean_s = min(clean_s, run_corpuskit("clean", corpus, "-o", cleaned, "-q", "-j", "1")[0])
    stats = json.loads((data / "filtered.stats.json").read_text())

    with cleaned.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.sample), handle)]
    ours = corpuskit_time(texts)
    theirs = datatrove_time(texts)

    print(f"# filter benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    counts = stats["filter"]
    print(f"input: {corpus.name} ({size_mb:.1f} MB) cleaned into {counts['documents_in']} articles; "
          f"filter kept {counts['documents_kept']}, dropped {counts.get('documents_dropped', 0)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(stats.get('filter_dropped', {}).items()))})")
    print("| run | seconds | vs clean |")
    print("|---|---:|---:|")
    print(f"| `corpuskit clean --jobs 1` | {clean_s:.1f} | 1.00x |")
    print(f"| `corpuskit filter --jobs 1`, default packs | {filter_s:.1f} | {filter_s / clean_s:.2f}x |")
    print(f"filter costs {100 * filter_s / clean_s:.0f}% of clean's time (goal ≤ 25%); peak RSS {peak:.0f} MB "
          f"on {size_mb:.0f} MB, {peak_small:.0f} MB on {size_mb / 5:.0f} MB")
    print(f"| same filters, {len(texts)} documents, in process | seconds | docs/s |")
    print("|---|---:|---:|")
    print(f"| corpuskit gopher + c4 + fineweb packs | {ours:.2f} | {len(texts) / ours:,.0f} |")
    if theirs is None:
        print("| datatrove | not installed (pip install -e '.[bench]') | |")
    else:
        print(f"| datatrove Gopher quality + repetition, C4, FineWeb | {theirs:.2f} | {len(texts) / theirs:,.0f} |")
        print(f"corpuskit is {theirs / ours:.1f}x faster than datatrove on the same documents (goal ≥ 5x)")


if __name__ == "__main__":
    main()
