"""corpuskit's `gopher`, `c4` and `fineweb` packs against datatrove's filters, same thresholds.

The corpus is varied English built from text on this machine, so that nothing has to be
downloaded or committed: package READMEs and descriptions (Markdown with code, lists,
tables), Debian's changelogs, copyright files and licences, and the docstrings of Python's
standard library, cut into documents of 3 to 400 lines. A third of the documents are then
degraded the ways web pages are (lines repeated, menus of short lines, bullet lists, lines
ending in "...", hash tags, "lorem ipsum", a curly brace), so that every filter has documents
on both sides of its threshold.

For each pack, the keep/drop decision of corpuskit (`corpuskit.filter.step.judge` with the
bundled pack) is compared with datatrove's filter (`GopherQualityFilter` +
`GopherRepetitionFilter`, `C4QualityFilter`, `FineWebQualityFilter`, default thresholds, the
English spaCy tokenizer, which is built from spaCy's rules with no model download). Both
run on the same documents in this process; the times are printed side by side.

    pip install -e '.[bench]'        # datatrove, spacy
    python benchmarks/compare_datatrove.py [--docs 3000] [--show 3]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import inspect
import io
import pkgutil
import random
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpuskit.doc import Doc  # noqa: E402
from corpuskit.filter.batch import batch_signals  # noqa: E402
from corpuskit.filter.packs import default_packs_dir, load_pack  # noqa: E402
from corpuskit.filter.step import FilterConfig, judge  # noqa: E402


def machine_texts(limit_files: int = 4000) -> list[str]:
    """Plain English text found on this machine."""
    texts: list[str] = []
    roots = [Path("/usr/share/doc"), Path("/usr/share/common-licenses")]
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"))[:limit_files * 4]:
            if not path.is_file() or path.stat().st_size > 400_000:
                continue
            name = path.name.lower()
            if not (name.startswith(("readme", "changelog", "copyright", "news", "authors", "todo", "faq"))
                    or name.endswith((".txt", ".md")) or root.name == "common-licenses"):
                continue
            try:
                raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
                texts.append(raw.decode("utf-8"))
            except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
                continue
    import importlib.metadata as metadata

    for dist in metadata.distributions():
        body = dist.metadata.get_payload() if hasattr(dist.metadata, "get_payload") else None
        if isinstance(body, str) and len(body) > 200:
            texts.append(body)
    skip = {"this", "antigravity", "idlelib", "tkinter", "turtle", "turtledemo"}  # print, or open windows
    for module in sorted(m.name for m in pkgutil.iter_modules() if not m.name.startswith("_") and m.name not in skip)[:400]:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                mod = __import__(module)
        except Exception:  # noqa: BLE001 - any module that will not import is skipped
            continue
        docs = [inspect.getdoc(obj) or "" for _, obj in inspect.getmembers(mod) if callable(obj)][:50]
        text = "\n\n".join([inspect.getdoc(mod) or ""] + docs)
        if len(text) > 200:
            texts.append(text)
    return texts


def degrade(lines: list[str], rng: random.Random) -> list[str]:
    """One of the ways scraped pages go wrong."""
    kind = rng.randrange(9)
    if kind == 0 and lines:  # repeated lines
        return lines + [rng.choice(lines) for _ in range(rng.randint(1, len(lines)))]
    if kind == 1:  # a menu of short lines
        return [w for w in " ".join(lines).split()[: rng.randint(20, 200)]]
    if kind == 2:  # a bullet list
        return [f"{rng.choice(['-', '•'])} {line}" for line in lines]
    if kind == 3:  # teaser lines ending in an ellipsis
        return [line[: rng.randint(10, 60)] + "..." if rng.random() < 0.6 else line for line in lines]
    if kind == 4:  # hashtags
        return [line + " " + " ".join(f"#{w}" for w in line.split()[:8]) for line in lines]
    if kind == 5:  # placeholder text in a paragraph
        return lines[:3] + ["Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod."] + lines[3:]
    if kind == 6:  # code in the page
        return lines + ["The configuration is {\"debug\": true} for all users."]
    if kind == 7:  # the same paragraph pasted several times
        block = lines[: max(1, len(lines) // 4)]
        return lines + block * rng.randint(1, 4)
    return [line for line in lines if line.strip()][: rng.randint(2, 12)]  # a stub


def make_corpus(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    sources = [t for t in machine_texts() if t.strip()]
    docs: list[str] = []
    while len(docs) < count:
        lines = rng.choice(sources).splitlines()
        start = rng.randrange(max(1, len(lines)))
        chunk = lines[start: start + rng.randint(3, 400)]
        if rng.random() < 0.35:
            chunk = degrade(chunk, rng)
        text = "\n".join(chunk).strip()
        if len(text) >= 20:
            docs.append(text)
    return docs


def datatrove_filters():
    from datatrove.data import Document
    from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                            GopherRepetitionFilter)

    gopher_q, gopher_r = GopherQualityFilter(), GopherRepetitionFilter()
    c4, fineweb = C4QualityFilter(), FineWebQualityFilter()

    def verdict(flt, text: str) -> bool:
        result = flt.filter(Document(text=text, id="x"))
        return bool(result[0] if isinstance(result, tuple) else result)

    return {
        "gopher": lambda text: verdict(gopher_q, text) and verdict(gopher_r, text),
        "c4": lambda text: verdict(c4, text),
        "fineweb": lambda text: verdict(fineweb, text),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, help="print this many disagreements per pack")
    args = parser.parse_args()

    corpus = make_corpus(args.docs, args.seed)
    megabytes = sum(len(t.encode()) for t in corpus) / 1e6
    print(f"corpus: {len(corpus)} English documents, {megabytes:.1f} MB (seed {args.seed})")
    theirs = datatrove_filters()
    config = FilterConfig()
    print("| pack | same decision | corpuskit drops | datatrove drops | corpuskit s | datatrove s | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("gopher", "c4", "fineweb"):
        pack = load_pack(str(default_packs_dir() / "parity" / f"{name}.yaml"))
        start = time.perf_counter()
        signals = batch_signals([pack])  # the compiled core's batch, as the filter step runs it (None: pure path)
        values = [None] * len(corpus)
        if signals is not None:
            chunks = [corpus[at:at + 256] for at in range(0, len(corpus), 256)]
            values = [v for chunk in chunks for v in signals.compute(chunk, ["en"] * len(chunk))]
        ours = [not judge(Doc("x", text), [pack], config, "en", 1.0, stop_at_first=True, precomputed=found).failed
                for text, found in zip(corpus, values)]
        ours_time = time.perf_counter() - start
        start = time.perf_counter()
        reference = [theirs[name](text) for text in corpus]
        their_time = time.perf_counter() - start
        same = sum(a == b for a, b in zip(ours, reference))
        print(f"| {name} | {same / len(corpus):.2%} ({same}/{len(corpus)}) | {ours.count(False)} | {reference.count(False)} | "
              f"{ours_time:.2f} | {their_time:.2f} | {their_time / ours_time:.1f}x |")
        shown = 0
        for text, a, b in zip(corpus, ours, reference):
            if a != b and shown < args.show:
                shown += 1
                verdict = judge(Doc("x", text), [pack], config, "en", 1.0, stop_at_first=False)
                print(f"  corpuskit {'keeps' if a else 'drops'}, datatrove {'keeps' if b else 'drops'}: "
                      f"{[f['filter'] + '=' + str(f['value']) for f in verdict.failed]} {text[:120]!r}")


if __name__ == "__main__":
    main()
