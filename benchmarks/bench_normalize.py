"""Benchmark `corpuskit normalize` against plain ftfy and a read+write floor, in one run.

Shared machines are noisy, so the figures that matter are the ratios between runs made
side by side on the same input. Also checks that corpuskit's output equals running
`ftfy.fix_text` (with corpuskit's config) followed by the other steps, on every document.

    python benchmarks/bench_normalize.py            # 100 MB clean corpus (generated once)
    python benchmarks/bench_normalize.py --mb 10 --damaged 0.2
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import ftfy

from corpuskit.legacy import convert_legacy_text
from corpuskit.normalize import FTFY_CONFIG, NormalizeConfig, normalize_text

HERE = Path(__file__).resolve().parent


def corpus_from_args(description: str, default_mb: float) -> tuple[argparse.Namespace, Path]:
    """The `--mb N` option every benchmark takes, and the seed-like corpus of that size."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=default_mb)
    args = parser.parse_args()
    return args, ensure_corpus(args.mb, 0.0)


def ensure_corpus(mb: float, damaged: float) -> Path:
    path = HERE / "data" / f"corpus-{mb:g}mb-{damaged:g}.jsonl"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(HERE / "make_corpus.py"), "--mb", str(mb), "--damaged", str(damaged), "-o", str(path)],
            check=True,
        )
    return path


def floor(path: Path, out: Path) -> float:
    """Read, parse, NFC and write each document: the least any normalizer must do."""
    start = time.perf_counter()
    with path.open("rb") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            record["text"] = unicodedata.normalize("NFC", record["text"])
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    return time.perf_counter() - start


def plain_ftfy(path: Path) -> tuple[float, list[str]]:
    """ftfy.fix_text on every document, then corpuskit's other steps: the reference output."""
    rest = NormalizeConfig(legacy="off", ftfy=False)
    texts, ftfy_seconds = [], 0.0
    with path.open("rb") as src:
        for line in src:
            text = convert_legacy_text(json.loads(line)["text"])[0]
            start = time.perf_counter()
            text = ftfy.fix_text(text, FTFY_CONFIG)
            ftfy_seconds += time.perf_counter() - start
            texts.append(normalize_text(text, rest))
    return ftfy_seconds, texts


# corpuskit runs in a grandchild of a small interpreter, which reports its rusage: a child
# of a benchmark process counts that process's memory as its own peak, across exec.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "corpuskit", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed_corpuskit(*args: object, env: dict | None = None) -> tuple[float, float, float]:
    """Run `corpuskit ARGS` (exit 0 required): wall seconds, CPU seconds (workers included)
    and the peak RSS in MB of its largest process. Shared by every benchmark script."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "rusage"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), *map(str, args)], env=env)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"corpuskit {args[0]} failed")
        cpu, peak_kb = report.read_text().split()
    return wall, float(cpu), int(peak_kb) / 1024


def run_corpuskit(*args: object) -> tuple[float, float]:
    """`timed_corpuskit`: wall seconds and peak RSS in MB."""
    wall, _, peak = timed_corpuskit(*args)
    return wall, peak


def corpuskit_normalize(path: Path, out: Path) -> tuple[float, float]:
    return run_corpuskit("normalize", path, "-o", out, "-q", "-j", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--damaged", type=float, default=0.0)
    args = parser.parse_args()

    corpus = ensure_corpus(args.mb, args.damaged)
    size_mb = corpus.stat().st_size / 1e6
    out_dir = HERE / "data"
    seconds_floor = floor(corpus, out_dir / "floor.jsonl")
    seconds_ck, peak_mb = corpuskit_normalize(corpus, out_dir / "normalized.jsonl")
    seconds_ftfy, reference = plain_ftfy(corpus)

    with (out_dir / "normalized.jsonl").open("rb") as produced:
        got = [json.loads(line)["text"] for line in produced]
    mismatches = sum(a != b for a, b in zip(got, reference)) + abs(len(got) - len(reference))

    rate = lambda s: size_mb / s  # noqa: E731
    print(f"# normalize benchmark, {datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, ftfy {ftfy.__version__}")
    print(f"input: {corpus.name}, {size_mb:.1f} MB, {len(got)} documents, damaged share {args.damaged:g}")
    print("| run | MB/s (1 core) | time vs floor |")
    print("|---|---:|---:|")
    print(f"| floor: read + json + NFC + write | {rate(seconds_floor):.1f} | 1.0x |")
    print(f"| corpuskit normalize --jobs 1 (whole CLI) | {rate(seconds_ck):.1f} | {seconds_ck / seconds_floor:.1f}x |")
    print(f"| ftfy.fix_text alone (no I/O) | {rate(seconds_ftfy):.1f} | {seconds_ftfy / seconds_floor:.1f}x |")
    print(f"corpuskit is {seconds_ftfy / seconds_ck:.1f}x faster than plain ftfy; peak RSS {peak_mb:.0f} MB")
    print(f"equality with ftfy.fix_text + other steps: {'OK' if mismatches == 0 else f'{mismatches} MISMATCHES'}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
