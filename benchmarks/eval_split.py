"""Evaluate `clean` (normalize → strip → split) on real pages whose articles are known.

Two measures, on a folder of pages that each hold ONE article (e.g. ../shared/realdata/
dantri-unc/, which is never copied into this repository):

1. **One article each**: the share of pages that give exactly one article, no teaser, and
   every paragraph that strip kept (title + body = the stripped page: split lost nothing).
   Also reported: pages whose author ended in metadata (`author` or `source`).
2. **Glued pages**: pages of the folder glued 2 to 4 at a time, as a scraper that saves an
   endless-scroll page produces them, in four ways: in a seeded random order and in
   category order (the folder's sorted names: neighbours share a section, which makes
   topics close), each with titles as the pages have them and with every page's title
   ending in a full stop (as some sources write all their titles). The true boundaries are
   where each glued page starts; a boundary found by split is right when its article
   starts with the first paragraph (after strip) of one of the glued pages. Precision and
   recall of the boundaries are reported for each way.

    python benchmarks/eval_split.py ../shared/realdata/dantri-unc [--show 5]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpuskit.doc import Doc  # noqa: E402
from corpuskit.io import read_documents  # noqa: E402
from corpuskit.normalize import NormalizeConfig, normalize  # noqa: E402
from corpuskit.rules import default_rules_dir, load_rules  # noqa: E402
from corpuskit.split import SplitConfig, find_parts, split  # noqa: E402
from corpuskit.strip import strip  # noqa: E402


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def clean_pages(docs: list[Doc], rules) -> list[tuple[Doc, list[Doc], list]]:
    """(stripped page, its articles, its split parts) for each page, teasers kept."""
    stripped = list(strip(normalize(docs, NormalizeConfig()), rules))
    out = []
    for page in stripped:
        articles = list(split([page], SplitConfig(keep_teasers=True)))
        parts = find_parts(page.text, page.metadata.get("boundaries"), SplitConfig()).parts
        out.append((page, articles, parts))
    return out


def one_article_measure(docs: list[Doc], rules, show: int) -> None:
    good = authored = 0
    failures = []
    for page, articles, parts in clean_pages(docs, rules):
        kept = paragraphs(page.text)
        got = []
        for article in articles:
            if article.metadata.get("title"):
                got.append(article.metadata["title"])
            got.extend(paragraphs(article.text))
        credits = [a.metadata["credit"] for a in articles if a.metadata.get("credit")]
        got.extend(credits)  # a trailing credit line moves to metadata: not lost
        teasers = [a for a in articles if a.metadata.get("teaser")]
        ok = len(articles) == 1 and not teasers and got == kept
        good += ok
        authored += any(a.metadata.get("author") or a.metadata.get("source") for a in articles)
        if not ok:
            lost = [para[:60] for para in kept if para not in got]
            failures.append((page.id, [(p.reason, (p.title or "")[:50], p.teaser) for p in parts] + ([("lost", lost)] if lost else [])))
    n = len(docs)
    print(f"one article each: {good}/{n} pages = {100 * good / n:.1f}% exact (one article, no teaser, nothing lost); "
          f"author or source in metadata: {authored}/{n} = {100 * authored / n:.1f}%")
    for page_id, parts in failures[:show]:
        print(f"  {page_id}: {parts}")


def with_title_stop(doc: Doc) -> Doc:
    """The page with a full stop after its title (its first line, when that line is a title)."""
    lines = doc.text.strip().split("\n")
    if lines and lines[0].strip() and lines[0].strip()[-1] not in ".!?…:" and len(lines[0].split()) <= 30:
        lines[0] = lines[0].rstrip() + "."
    return Doc(doc.id, "\n".join(lines), doc.metadata)


def glued_measure(docs: list[Doc], rules, seed: int, show: int, order_by: str = "random", title_stop: bool = False) -> None:
    rng = random.Random(seed)
    order = list(docs)
    if order_by == "random":
        rng.shuffle(order)
    else:
        order.sort(key=lambda d: d.id)
    if title_stop:
        order = [with_title_stop(d) for d in order]
    pages, truths = [], []
    i = 0
    while i < len(order):
        k = rng.randint(2, 4)
        group = order[i : i + k]
        i += k
        pages.append(Doc(f"glued-{len(pages)}", "\n".join(d.text.strip() for d in group), {}))
        truths.append([d.id for d in group])
    # The first stripped paragraph of each page, page by page, as ground truth.
    firsts: dict[str, str] = {}
    for page, _, _ in clean_pages(order, rules):  # the pages as glued (with their titles' full stops)
        kept = paragraphs(page.text)
        if kept:
            firsts[page.id] = kept[0]
    true_total = found_right = predicted = 0
    misses = []
    for glued, truth in zip(pages, truths):
        _, articles, parts = clean_pages([glued], rules)[0]
        starts = []
        for article in articles[1:]:
            first = article.metadata.get("title") or (paragraphs(article.text) or [""])[0]
            starts.append(first)
        wanted = {firsts[d] for d in truth[1:] if d in firsts}
        true_total += len(wanted)
        predicted += len(starts)
        right = wanted & set(starts)
        found_right += len(right)
        if len(right) < len(wanted) or len(starts) > len(right):
            misses.append((glued.id, len(wanted), len(starts), len(right), [p.reason for p in parts[1:]]))
    precision = found_right / predicted if predicted else 1.0
    recall = found_right / true_total if true_total else 1.0
    print(f"glued pages ({order_by} order, titles {'ending in a full stop' if title_stop else 'as written'}): "
          f"{len(pages)} pages, {true_total} true boundaries, {predicted} found, {found_right} right: "
          f"precision {100 * precision:.1f}%, recall {100 * recall:.1f}%")
    for miss in misses[:show]:
        print(f"  {miss[0]}: {miss[1]} true, {miss[2]} found, {miss[3]} right; reasons {miss[4]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--show", type=int, default=5, help="How many failures to list.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    docs = list(read_documents([args.folder]))
    rules = load_rules([str(default_rules_dir())])
    one_article_measure(docs, rules, args.show)
    for order_by in ("random", "category"):
        for title_stop in (False, True):
            glued_measure(docs, rules, args.seed, args.show, order_by, title_stop)


if __name__ == "__main__":
    main()
