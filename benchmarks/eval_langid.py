"""Language identification accuracy and speed: corpuskit's model (fastText lid.176.ftz) and
py3langid, on the same labelled texts.

The labelled set is `benchmarks/langid_sentences.json` (12 languages, 12 sentences
each, written for corpuskit). Scored on:

- single sentences;
- documents of 4 consecutive sentences of one language;
- Vietnamese without diacritics (the same Vietnamese sentences and documents with their
  marks removed, `đ` → `d`), which corpuskit recognises by its syllables;
- optionally, real Vietnamese articles (`--vi-folder ../shared/realdata/dantri-unc`), one
  document per file.

Speed is measured on the documents repeated to `--repeat` copies, one call per document.

    python benchmarks/eval_langid.py [--vi-folder ../shared/realdata/dantri-unc]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpuskit.filter.langid import _strip_marks, identify  # noqa: E402


def labelled() -> dict[str, list[str]]:
    data = json.loads((HERE / "langid_sentences.json").read_text(encoding="utf-8"))
    return {lang: sentences for lang, sentences in data.items() if not lang.startswith("_")}


def documents(sentences: list[str], size: int = 4) -> list[str]:
    joiner = "" if any(ord(c) > 0x2E80 for c in sentences[0]) else " "
    return [joiner.join(sentences[i:i + size]) for i in range(0, len(sentences) - size + 1, 2)]


def ours(text: str) -> str | None:
    return identify(text).lang


def py3langid_classifier():
    try:
        import py3langid
    except ImportError:
        return None
    return lambda text: py3langid.classify(text)[0]


def score(classify, items: list[tuple[str, str]]) -> tuple[float, dict[str, float]]:
    per: dict[str, list[int]] = {}
    for lang, text in items:
        per.setdefault(lang, []).append(classify(text) == lang)
    overall = sum(sum(v) for v in per.values()) / sum(len(v) for v in per.values())
    return overall, {lang: sum(v) / len(v) for lang, v in per.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vi-folder", help="a folder of real Vietnamese pages, one document per file")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    data = labelled()
    sets = {
        "sentences": [(lang, s) for lang, sents in data.items() for s in sents],
        "documents (4 sentences)": [(lang, d) for lang, sents in data.items() for d in documents(sents)],
        "vi without diacritics, sentences": [("vi", _strip_marks(s)) for s in data["vi"]],
        "vi without diacritics, documents": [("vi", _strip_marks(d)) for d in documents(data["vi"])],
    }
    if args.vi_folder:
        files = sorted(p for p in Path(args.vi_folder).iterdir() if p.is_file() and not p.name.startswith((".", "README")))
        sets[f"real vi articles ({Path(args.vi_folder).name})"] = [("vi", p.read_text(encoding="utf-8")) for p in files]
    classifiers = {"corpuskit (lid.176.ftz)": ours}
    other = py3langid_classifier()
    if other is not None:
        classifiers["py3langid"] = other
    print(f"{len(data)} languages: {', '.join(data)}")
    print("| set | items | " + " | ".join(classifiers) + " |")
    print("|---|---:|" + "---:|" * len(classifiers))
    weakest: dict[str, dict[str, float]] = {}
    for name, items in sets.items():
        row = []
        for label, classify in classifiers.items():
            overall, per = score(classify, items)
            row.append(f"{overall:.1%}")
            if name == "sentences":
                weakest[label] = dict(sorted(per.items(), key=lambda kv: kv[1])[:3])
        print(f"| {name} | {len(items)} | " + " | ".join(row) + " |")
    for label, per in weakest.items():
        print(f"  {label}, weakest on sentences: " + ", ".join(f"{k} {v:.0%}" for k, v in per.items()))
    docs = [d for _, d in sets["documents (4 sentences)"]] * args.repeat
    chars = sum(map(len, docs))
    print("| speed, documents of 4 sentences | docs/s | M chars/s |")
    print("|---|---:|---:|")
    for label, classify in classifiers.items():
        classify(docs[0])  # load the model
        start = time.perf_counter()
        for doc in docs:
            classify(doc)
        elapsed = time.perf_counter() - start
        print(f"| {label} | {len(docs) / elapsed:,.0f} | {chars / elapsed / 1e6:.2f} |")


if __name__ == "__main__":
    main()
