"""--jobs: the same bytes, side files and counts as one process; errors and closed pipes."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """~700 pages made from the seeds (paragraphs shuffled, some damage): several batches."""
    rng = random.Random(7)
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    path = tmp_path_factory.mktemp("jobs") / "pages.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(700):
            lines = [line for line in rng.choice(seeds).split("\n") if line.strip()]
            head, body = lines[:1], lines[1:]
            rng.shuffle(body)
            text = "\n".join(head + body)
            if n % 5 == 0:
                text = text.replace("hòa", "hoà").replace("\n", "\r\n")
            handle.write(json.dumps({"id": f"p{n}", "text": text, "metadata": {"site": "seed"}}, ensure_ascii=False) + "\n")
    return path


def run(*args) -> tuple[int, bytes, bytes]:
    done = subprocess.run([sys.executable, "-m", "corpuskit", *map(str, args)], capture_output=True)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("command", [
    ["normalize"],
    ["normalize", "--to", "text"],
    ["clean"],
    ["clean", "--keep-teasers", "--tone", "new"],
])
def test_two_jobs_write_the_same_bytes_as_one(corpus, command):
    code1, out1, _ = run(*command, corpus, "-j", "1")
    code2, out2, _ = run(*command, corpus, "-j", "2")
    assert code1 == code2 == 0
    assert out1 == out2 and out1.count(b"\n") > 500


def test_side_files_and_counts_are_the_same(corpus, tmp_path):
    results = {}
    for jobs in (1, 2):
        folder = tmp_path / f"j{jobs}"
        folder.mkdir()
        args = ["clean", corpus, "-j", jobs, "-o", folder / "out.jsonl", "--removed", folder / "removed.jsonl",
                "--report", folder / "report.jsonl", "--stats", folder / "stats.json"]
        assert CliRunner().invoke(cli, list(map(str, args))).exit_code == 0
        results[jobs] = {name: (folder / name).read_bytes() for name in ("out.jsonl", "removed.jsonl", "report.jsonl", "stats.json")}
    assert results[1] == results[2]
    stats = json.loads(results[2]["stats.json"])
    assert stats["read"]["documents"] == 700 and stats["split"]["documents"] == 700


def test_strip_and_split_steps_alone(corpus, tmp_path):
    normalized = tmp_path / "n.jsonl"
    assert run("normalize", corpus, "-o", normalized)[0] == 0
    one = run("strip", normalized, "-j", "1")[1]
    two = run("strip", normalized, "-j", "2")[1]
    assert one == two
    stripped = tmp_path / "s.jsonl"
    stripped.write_bytes(one)
    assert run("split", stripped, "-j", "1")[1] == run("split", stripped, "-j", "2")[1]


def test_a_bad_line_is_reported_with_jobs(tmp_path, corpus):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n{"id": \n', encoding="utf-8")
    code, out, err = run("clean", corpus, bad, "-j", "2", "-o", tmp_path / "out.jsonl")
    assert code == 1 and f"{bad}:2: malformed JSON".encode() in err and b"Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()


def _running(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_closed_pipe_ends_every_worker(corpus, tmp_path):
    big = tmp_path / "big-input-for-pipe-test.jsonl"
    big.write_bytes(corpus.read_bytes() * 6)
    shell = f"{sys.executable} -m corpuskit clean {big} -j 2 | head -c 100 > /dev/null"
    done = subprocess.run(["sh", "-c", shell], capture_output=True)
    assert b"Traceback" not in done.stderr
    deadline = time.time() + 5
    while _running(big.name) and time.time() < deadline:
        time.sleep(0.1)
    assert _running(big.name) == []


def test_detect_with_jobs_drafts_the_same_rules(corpus):
    one = run("detect", corpus, "-j", "1", "--min-share", "0.2")
    two = run("detect", corpus, "-j", "2", "--min-share", "0.2")
    assert one[0] == two[0] == 0
    assert one[1] == two[1] and b"drop_line" in one[1]


def test_skip_bad_counts_the_same_with_workers_parsing(tmp_path, corpus):
    bad = tmp_path / "mixed.jsonl"
    lines = corpus.read_text(encoding="utf-8").splitlines()[:300]
    lines[10] = '{"id": "broken", "text": '
    lines[200] = '["not", "an", "object"]'
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = {}
    for jobs in ("1", "2"):
        stats = tmp_path / f"stats{jobs}.json"
        code, out, err = run("clean", bad, "-j", jobs, "--skip-bad", "--stats", stats)
        assert code == 0 and f"{bad}:11:".encode() in err and f"{bad}:201:".encode() in err
        outputs[jobs] = (out, json.loads(stats.read_text())["read"])
    assert outputs["1"] == outputs["2"]
    assert outputs["2"][1]["documents"] == 298 and outputs["2"][1]["skipped_records"] == 2
