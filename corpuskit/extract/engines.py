"""Extractors: a page's HTML to the article's text and what the page says about itself.

Two maintained libraries do the hard part, chosen by measurement on real article pages
(benchmarks/bench_extract.py): trafilatura for quality (its precision setting had the best
shingle F1), resiliparse for speed (`--fast`, an order of magnitude more pages per second).
Each is registered under its name; `ENGINES[name](html, url)` gives an `Extracted`.

The text is written in the plain conventions split and strip read: the title on the first
line, then the body's blocks (paragraphs, headings, quotes) separated by blank lines, list
items and table rows one per line. Figure captions do not go into the text (they are not the
article's prose, and strip would have to find them again); they are kept in
`metadata.captions`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Callable

ENGINES: dict[str, Callable[[str, str | None], "Extracted"]] = {}

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


LIBRARIES = {"trafilatura": ("trafilatura",), "resiliparse": ("resiliparse.extract.html2text", "resiliparse.parse.html")}


def load_engine(name: str) -> None:
    """Import an extractor's library ahead of the first page: an import interrupted by the
    page's time limit would leave the library half loaded for every page after it."""
    import importlib

    for module in LIBRARIES.get(name, ()):
        importlib.import_module(module)
    _quiet_libraries()


def engine(name: str) -> Callable:
    """Register an extractor under `name` (the name `--engine` and the stats use)."""

    def register(function: Callable) -> Callable:
        ENGINES[name] = function
        return function

    return register


@dataclass
class Extracted:
    """What an extractor found: the body's blocks and the page's own metadata."""

    blocks: list[str]
    title: str | None = None
    metadata: dict = field(default_factory=dict)

    def text(self, with_title: bool = True) -> str:
        """The document text: the title line (unless the body already opens with it), then
        the blocks, separated by blank lines."""
        blocks = [block for block in self.blocks if block]
        opens_with_title = bool(blocks and self.title and _same_title(blocks[0], self.title))
        if with_title and self.title and not opens_with_title:
            blocks.insert(0, self.title)
        elif not with_title and opens_with_title:
            blocks.pop(0)
        return "\n\n".join(blocks)


def _same_title(block: str, title: str) -> bool:
    """Whether the body's first block is the page's title: the same words, or the title
    with the site's name around it ("Headline - Daily Example").

    >>> _same_title("Council votes", "Council votes - Daily Example"), _same_title("The council met", "Budget")
    (True, False)
    """
    block, title = (" ".join(text.split()).casefold() for text in (block, title))
    return block == title or (len(block) >= 8 and "\n" not in block and block in title)


def tidy(text: str) -> str:
    """One line's text: runs of spaces (of every width) made one, ends trimmed.

    >>> tidy("  Hà\\u00a0 Nội \\t")
    'Hà Nội'
    """
    return _SPACES.sub(" ", text).strip()


def _quiet_libraries() -> None:
    """trafilatura and its date and URL helpers log a warning for every odd page; at corpus
    scale that is noise on stderr, and what matters is counted in the stats instead."""
    for name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


# --- trafilatura --------------------------------------------------------------------------


def _inline_text(element) -> str:
    """An element's text with <lb/> as a line break, each line tidied."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "lb":
                parts.append("\n")
            elif child.tag != "graphic":
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = (tidy(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _render(body, captions: list[str]) -> list[str]:
    """trafilatura's body tree (p, head, list/item, quote, table/row/cell, graphic, lb) as
    blocks of text."""
    blocks: list[str] = []

    def graphic(node) -> None:
        caption = tidy(node.get("title") or node.get("alt") or "")
        if caption and caption not in captions:
            captions.append(caption)

    def visit(node) -> None:
        tag = node.tag
        if tag == "graphic":
            graphic(node)
        elif tag == "list":
            items = []
            for item in node.iter("item"):
                text = _inline_text(item)
                if text:
                    items.append(f"- {text}")
            if items:
                blocks.append("\n".join(items))
        elif tag == "table":
            rows = []
            for row in node.iter("row"):
                cells = [_inline_text(cell).replace("\n", " ") for cell in row.iter("cell")]
                cells = [cell for cell in cells if cell]
                if cells:
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append("\n".join(rows))
        elif tag in ("div", "body", "main", "quote") and any(child.tag in _BLOCKS for child in node):
            if node.text and node.text.strip():
                blocks.append(tidy(node.text))
            for child in node:
                visit(child)
                if child.tail and child.tail.strip():
                    blocks.append(tidy(child.tail))
        else:
            for image in node.iter("graphic"):
                graphic(image)
            text = _inline_text(node)
            if text:
                blocks.append(text)

    visit(body)
    return blocks


_BLOCKS = frozenset({"p", "head", "list", "quote", "table", "div", "code", "graphic"})


@engine("trafilatura")
def extract_trafilatura(html: str, url: str | None = None) -> Extracted:
    """trafilatura in its precision setting, comments left out, tables and captions kept."""
    from trafilatura import bare_extraction

    _quiet_libraries()
    found = bare_extraction(html, url=url, favor_precision=True, include_comments=False, include_tables=True,
                            include_images=True, with_metadata=True, deduplicate=False)
    if found is None or found.body is None:
        return Extracted([])
    captions: list[str] = []
    blocks = _render(found.body, captions)
    metadata = {key: value for key, value in (
        ("date", found.date), ("author", found.author), ("site", found.sitename), ("description", found.description),
    ) if value}
    if captions:
        metadata["captions"] = captions
    return Extracted(blocks, tidy(found.title) if found.title else None, metadata)


# --- resiliparse --------------------------------------------------------------------------

@engine("resiliparse")
def extract_resiliparse(html: str, url: str | None = None) -> Extracted:
    """resiliparse's main-content heuristics: ten times trafilatura's speed, a little less
    precise, and no metadata beyond the title."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse(html)
    text = extract_plain_text(tree, main_content=True, alt_texts=False, links=False, form_fields=False,
                              noscript=False, comments=False, list_bullets=True)
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        lines = [tidy(line) for line in block.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            blocks.append(block)
    title = tidy(tree.title) if tree.title else None
    return Extracted(blocks, title or None)
