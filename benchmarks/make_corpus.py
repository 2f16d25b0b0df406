"""Generate a seed-like benchmark corpus (JSON lines) of a given size from seeds/.

Documents are the seed articles with their paragraphs shuffled, numbers changed and, for
a small share, damage of the kinds normalize repairs (mojibake, NFD, new-style tone
marks, NBSP and CRLF), so that both the fast path and the repair paths are measured.

    python benchmarks/make_corpus.py --mb 50 -o benchmarks/data/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def damage(text: str, rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:  # UTF-8 read as windows-1252: the classic mojibake
        line = text.split("\n", 1)[0]
        broken = line.encode("utf-8").decode("cp1252", errors="replace")
        return text.replace(line, broken, 1)
    if kind == 1:
        return unicodedata.normalize("NFD", text)
    if kind == 2:
        return text.replace("hòa", "hoà").replace("thủy", "thuỷ").replace("Thỏa", "Thoả")
    if kind == 3:
        return text.replace(" ", "\u00a0", 20)
    return text.replace("\n", "\r\n")


def variants(seeds: list[str], rng: random.Random, damaged_share: float):
    serial = 0
    while True:
        seed = rng.choice(seeds)
        paragraphs = [p for p in seed.split("\n") if p.strip()]
        head, body = paragraphs[:1], paragraphs[1:]
        rng.shuffle(body)
        text = "\n".join(head + body)
        text = re.sub(r"\d+", lambda m: str(rng.randrange(1, 2030)), text)
        if rng.random() < damaged_share:
            text = damage(text, rng)
        serial += 1
        yield {"id": f"bench-{serial:08d}", "text": text, "metadata": {"site": "seed"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=50, help="size of the output in MB")
    parser.add_argument("--damaged", type=float, default=0.0, help="share of damaged documents (0-1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "data" / "corpus.jsonl"))
    args = parser.parse_args()
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(args.seed)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    limit = int(args.mb * 1e6)
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        for record in variants(seeds, rng, args.damaged):
            line = json.dumps(record, ensure_ascii=False) + "\n"
            handle.write(line)
            written += len(line.encode("utf-8"))
            if written >= limit:
                break
    print(f"wrote {written / 1e6:.1f} MB to {out}")


if __name__ == "__main__":
    main()
