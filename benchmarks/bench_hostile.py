"""How long every command takes on hostile 2 MB inputs (issue #11: seconds, not minutes).

Each input is one kind of trouble seen in scraped dumps or crafted on purpose: a run of a
million combining marks, one 2 MB line, a million one-letter lines, blank-line floods,
spaces and tabs, title-shaped lines by the thousand, furniture repeated without end,
bytes decoded as windows-1258 tone marks, JSON nested deep, a JSON-lines file of
documents that each hold a line that makes a bad rule backtrack (run with that rule). The
table gives each command's wall time and exit code; any command over 60 s is a failure of
this benchmark (it is stopped there).

    python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import datetime
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 60
MARKS = "\u0300\u0301\u0303\u0309\u0323"


def hostile_inputs(folder: Path) -> dict[str, list[str]]:
    """Writes the inputs; returns name -> extra arguments for strip-like commands."""
    rng = random.Random(1)
    texts = {
        "marks.txt": "Việt" + MARKS * 200_000,
        "one-line.txt": "a" * 2_000_000,
        "short-lines.txt": "a\n" * 1_000_000,
        "blank-lines.txt": "a" + "\n \n" * 600_000 + "b",
        "spaces.txt": "x" + " \t" * 1_000_000 + "y",
        "titles.txt": "".join(f"Tin Tức Mới Nhất Hôm Nay Số {i}\nNgày {i}-2, ông A cho biết việc này rất quan trọng.\n" for i in range(15_000)),
        "furniture.txt": "Theo TNO\nVideo đang HOT\n(Ảnh: AFP)\n" * 50_000,
        "ellipsis.txt": "Tin mới …\n" * 150_000,
        "tcvn3-bait.txt": ("a" * 20_000 + " µ ") * 100,  # a legacy glyph among long words
        "mixed.txt": "".join(rng.choice("aă ,.:;!?()[]“”'\"-—…\nĐđ0123456789ẢẠẶ") for _ in range(2_000_000)),
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "tone-bytes.txt").write_bytes(b"a" + b"\xec" * 2_000_000)  # windows-1258 tone marks
    (folder / "deep.jsonl").write_text('{"id": "a", "text": "x", "metadata": {"a": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}}\n")
    line = {"id": "", "text": "Một câu bình thường.\n" + "a" * 40 + "\nKết thúc.", "metadata": {}}
    (folder / "backtrack-bait.jsonl").write_text("".join(json.dumps({**line, "id": f"d{n}"}) + "\n" for n in range(30_000)))
    (folder / "slow.yaml").write_text("name: slow\nrules:\n  - id: slow\n    drop_line_regex: '(a|aa)+b'\n")
    extra = {name: [] for name in [*texts, "tone-bytes.txt", "deep.jsonl"]}
    extra["backtrack-bait.jsonl"] = ["-r", str(folder / "slow.yaml")]
    return extra


COMMANDS = ["normalize", "strip", "split", "clean", "detect", "export"]


def run(command: str, name: str, extra: list[str], folder: Path) -> tuple[float, str]:
    args = [sys.executable, "-m", "corpuskit", command]
    if command == "export":
        args += [str(folder / f"ds-{name}"), str(folder / name), "-q"]
    else:
        args += [str(folder / name), "-q", "-j", "1"] + (extra if command in ("strip", "clean") else [])
    start = time.perf_counter()
    try:
        result = subprocess.run(args, capture_output=True, timeout=LIMIT)
        code = str(result.returncode)
    except subprocess.TimeoutExpired:
        code = "HANG"
    return time.perf_counter() - start, code


def main() -> None:
    print(f"# bench_hostile {datetime.date.today()} {platform.machine()} Python {platform.python_version()}")
    print(f"| input (≈2 MB) | {' | '.join(COMMANDS)} |")
    print("|---|" + "---:|" * len(COMMANDS))
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, extra in hostile_inputs(folder).items():
            cells = []
            for command in COMMANDS:
                seconds, code = run(command, name, extra, folder)
                worst = max(worst, seconds)
                cells.append(f"{seconds:.1f} s" + ("" if code == "0" else f" (exit {code})"))
            print(f"| {name} | {' | '.join(cells)} |", flush=True)
    print(f"\nslowest: {worst:.1f} s (limit {LIMIT} s)")
    if worst >= LIMIT:
        sys.exit(1)


if __name__ == "__main__":
    main()
