"""Kill a worker of `corpuskit clean --jobs 2` at a random moment, many times: every run must
end within seconds, with one line and exit 1 (or exit 0 when the kill came after the work).

A worker killed while it sends a result used to hang the run (2 in 30 trials on
2026-12-02): CPython's pool thread waits for the rest of a message that never comes.
corpuskit.parallel now watches the workers while it waits (tests/test_hostile.py kills
one at a fixed moment; this script tries the moments a test cannot aim at).

    python benchmarks/kill_workers.py [--trials 40]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARTICLE = "\n".join(f"Đoạn {i} của bài viết nói về giá vàng và thị trường trong nước hôm nay." for i in range(12))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (folder / "big.jsonl").open("w", encoding="utf-8") as handle:
            for n in range(12000):
                handle.write(json.dumps({"id": f"p{n}", "text": f"Tiêu đề số {n}\n{ARTICLE}\nTheo TNO"}, ensure_ascii=False) + "\n")
        outcomes: dict[tuple[int, str], int] = {}
        hangs = 0
        for _ in range(args.trials):
            process = subprocess.Popen([sys.executable, "-m", "corpuskit", "clean", "-j2", "big.jsonl", "-o", "o.jsonl"],
                                       cwd=folder, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.6, 2.0))
            workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
            if workers:
                os.kill(int(rng.choice(workers)), signal.SIGKILL)
            try:
                _, stderr = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                hangs += 1
                process.kill()
                process.communicate()
                continue
            key = (process.returncode, stderr.decode(errors="replace").strip()[:90])
            outcomes[key] = outcomes.get(key, 0) + 1
    print(f"{args.trials} runs, a worker killed at a random moment in each: {hangs} hung past 30 s")
    for (code, message), count in sorted(outcomes.items()):
        print(f"  exit {code} × {count}: {message or '(finished)'}")
    sys.exit(1 if hangs else 0)


if __name__ == "__main__":
    main()
