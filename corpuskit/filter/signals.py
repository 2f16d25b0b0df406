"""The registry of quality signals: a name, a documented function of the text, a family.

Every signal is a small function `TextView -> float` registered under the name used in
filter packs, `metadata.quality`, `--stats`, `--rejected` and `--explain`. `TextView`
computes the pieces several signals share (lines, tokens, words) once per document, on
first use, so a pack that uses few signals pays for few.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Callable

from corpuskit.filter.text import paragraph_units, word_tokens, words

_PARAGRAPHS = re.compile(r"\n{2,}")
_LINE_BREAKS = re.compile(r"\n+")


@dataclass(frozen=True)
class Signal:
    name: str
    family: str
    function: Callable[["TextView"], float]
    doc: str
    reference: str = ""


SIGNALS: dict[str, Signal] = {}


def signal(family: str, reference: str = "") -> Callable:
    """Register the decorated function as a signal named after it."""

    def register(function: Callable[["TextView"], float]) -> Callable:
        name = function.__name__
        doc = " ".join((function.__doc__ or "").split())
        SIGNALS[name] = Signal(name, family, function, doc, reference)
        return function

    return register


class TextView:
    """One document's text with its shared pieces computed on demand.

    `lang` is the document's language (ISO 639-1), which selects the stop words.
    """

    def __init__(self, text: str, lang: str | None = None, stop_words: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.lang = lang
        self.stop_words = stop_words

    @cached_property
    def line_tokens(self) -> list[list[str]]:
        """The tokens of each line of `lines` (a chunk between spaces never spans lines,
        so these joined are the document's tokens; C4 counts sentences per line)."""
        lang = self.lang
        return [words(line, lang) for line in self.lines]

    @cached_property
    def tokens(self) -> list[str]:
        """Words, numbers and symbols (corpuskit.filter.text.words)."""
        return list(chain.from_iterable(self.line_tokens))

    @cached_property
    def token_lengths(self):
        import numpy as np

        tokens = self.tokens
        return np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))

    def ngram_ids(self, n: int):
        """Each n-gram of tokens as a dense integer id (equal ids, equal n-grams: exact,
        no hashing), with the count of each id; None when there are fewer than n tokens.

        Built from the (n-1)-gram ids and the token ids, `dense(previous * D + next)`,
        with numpy, so the repetition signals cost a few array passes per document instead
        of a Python loop per token and n.
        """
        import numpy as np

        cache = self.__dict__.setdefault("_ngram_ids", {})
        if n in cache:
            return cache[n]
        tokens = self.tokens
        if len(tokens) < n:
            cache[n] = None
            return None
        if n == 1:
            first: dict[str, int] = {}
            positions = np.fromiter(map(first.setdefault, tokens, range(len(tokens))), dtype=np.int64, count=len(tokens))
            ids, counts = np.unique(positions, return_inverse=True, return_counts=True)[1:]
        else:
            previous, _ = self.ngram_ids(n - 1)
            unigrams, unigram_counts = self.ngram_ids(1)
            combined = previous[:-1] * len(unigram_counts) + unigrams[n - 1:]
            ids, counts = np.unique(combined, return_inverse=True, return_counts=True)[1:]
        cache[n] = (ids, counts)
        return cache[n]

    @cached_property
    def word_tokens(self) -> list[str]:
        """Tokens that are not only punctuation or symbols."""
        return word_tokens(self.tokens)

    @cached_property
    def lines(self) -> list[str]:
        """`str.splitlines()`, empty lines included (Gopher's and C4's lines)."""
        return self.text.splitlines()

    @cached_property
    def nonempty_lines(self) -> list[str]:
        """Lines split at `\\n` that hold more than whitespace (FineWeb's lines)."""
        return [line for line in self.text.split("\n") if line.strip()]

    @cached_property
    def paragraphs(self) -> list[str]:
        """Gopher's paragraphs: the text split at blank lines."""
        return _PARAGRAPHS.split(self.text.strip())

    @cached_property
    def ws_words(self) -> list[str]:
        """Words as the Gopher paper counts them: runs of non-space characters."""
        return self.text.split()

    @cached_property
    def units(self) -> list[str]:
        """The lines of edited news as line-level measures should see them: paragraphs of
        hard-wrapped text rejoined, a one-line article cut into sentences
        (corpuskit.filter.text.paragraph_units)."""
        return paragraph_units(self.text)

    @cached_property
    def gopher_lines(self) -> list[str]:
        """Gopher's lines: split at runs of line breaks."""
        return _LINE_BREAKS.split(self.text)

    def duplicates_of(self, name: str) -> tuple[int, int]:
        """`duplicates()` of one of the line lists above, by attribute name, counted once
        (the count and the character signals of a family share it)."""
        cache = self.__dict__.setdefault("_duplicates", {})
        if name not in cache:
            cache[name] = duplicates(getattr(self, name))
        return cache[name]


# What each signal measures, in words, and whether it is a share (shown in percent):
# `--explain`, `--rejected` and the report say "alphabetic words 77% < 80%".
LABELS: dict[str, tuple[str, bool]] = {
    "word_count": ("words", False), "ws_word_count": ("words", False), "mean_word_length": ("mean word length", False),
    "hash_ratio": ("# per word", True), "ellipsis_ratio": ("ellipses per word", True),
    "bullet_lines_ratio": ("lines starting with a bullet", True), "ellipsis_lines_ratio": ("lines ending in an ellipsis", True),
    "alpha_words_ratio": ("tokens with a letter", True), "alpha_ws_words_ratio": ("alphabetic words", True),
    "stop_words": ("distinct stop words", False), "dup_para_ratio": ("repeated paragraphs", True),
    "dup_para_char_ratio": ("characters in repeated paragraphs", True), "dup_line_ratio": ("repeated lines", True),
    "dup_line_char_ratio": ("characters in repeated lines", True), "c4_sentences": ("sentences in kept lines", False),
    "c4_lorem_ipsum": ("lorem ipsum", False), "c4_curly_bracket": ("curly brackets", False),
    "c4_no_terminal_punct_lines": ("lines without end punctuation", True), "c4_javascript_lines": ("javascript lines", False),
    "line_punct_ratio": ("lines ending in punctuation", True), "short_line_ratio": ("short lines", True),
    "dup_line_char_share": ("characters in repeated lines", True), "newline_word_ratio": ("line breaks per word", True),
    "sentence_count": ("sentences", False), "prose_unit_ratio": ("paragraphs that read as prose", True),
    "short_unit_ratio": ("short paragraphs", True), "dup_unit_char_share": ("characters in repeated paragraphs", True),
    "letter_share": ("letters among characters", True), "mash_word_ratio": ("words no language writes", True),
    "code_unit_ratio": ("paragraphs of code", True), "marked_syllable_share": ("syllables with marks", True),
    "typing_residue_ratio": ("words with Telex/VNI strokes", True),
}


def describe(signal_name: str, value, bounds: dict) -> str:
    """A failed threshold in words: `alphabetic words 77% < 80%`, `sentences 1 < 2`."""
    label, share = LABELS.get(signal_name, (signal_name.replace("_", " "), False))
    if signal_name.startswith(("top_", "dup_")) and signal_name.endswith("gram_char_ratio"):
        n = signal_name.split("_")[1].removesuffix("gram")
        label, share = (f"characters in the most frequent {n}-gram" if signal_name.startswith("top_")
                        else f"characters in repeated {n}-grams"), True

    def shown(number) -> str:
        if share:
            return f"{number * 100:.3g}%"
        return f"{number:g}" if isinstance(number, (int, float)) else str(number)

    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and value < low:
        return f"{label} {shown(value)} < {shown(low)}"
    if high is not None and value > high:
        return f"{label} {shown(value)} > {shown(high)}"
    return f"{label} {shown(value)}"


def compute(view: TextView, name: str) -> float:
    return SIGNALS[name].function(view)


def duplicates(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and their characters (Gopher's definition:
    the first occurrence is not a duplicate)."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


def ratio(part: float, whole: float) -> float:
    """part / whole, 0 for an empty whole (an empty document fails on its counts instead)."""
    return part / whole if whole else 0.0
