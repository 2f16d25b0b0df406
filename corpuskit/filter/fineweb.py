"""FineWeb's quality signals (Penedo et al. 2024, "The FineWeb Datasets", section 3.3: the
filters that took FineWeb past C4 on their ablations).

Lines here are the non-empty lines split at `\\n`.

>>> from corpuskit.filter.signals import TextView
>>> view = TextView("Short\\nAnother short one\\nA much longer line that ends the way a sentence does.")
>>> round(line_punct_ratio(view), 3), round(short_line_ratio(view), 3)
(0.333, 0.667)
"""

from __future__ import annotations

from corpuskit.filter.signals import TextView, ratio, signal
from corpuskit.filter.text import SENTENCE_MARKS

PAPER = "FineWeb (Penedo et al. 2024), 3.3"
# Terminal punctuation: the sentence marks of every script (datatrove uses Unicode's
# Sentence_Terminal characters).
TERMINAL = tuple(SENTENCE_MARKS | set("‼⁇⁈⁉︒︕︖﹒﹗"))


@signal("fineweb", PAPER)
def line_punct_ratio(view: TextView) -> float:
    """Share of lines that end in terminal punctuation. Paper: at least 0.12."""
    lines = view.nonempty_lines
    return ratio(sum(1 for line in lines if line.endswith(TERMINAL)), len(lines))


@signal("fineweb", PAPER)
def short_line_ratio(view: TextView) -> float:
    """Share of lines of at most 30 characters. Paper: at most 0.67."""
    lines = view.nonempty_lines
    return ratio(sum(1 for line in lines if len(line) <= 30), len(lines))


@signal("fineweb", PAPER)
def dup_line_char_share(view: TextView) -> float:
    """Characters in lines that repeat an earlier line over the characters of the text
    without line breaks. Paper: at most 0.01."""
    return ratio(view.duplicates_of("nonempty_lines")[1], len(view.text) - view.text.count("\n"))


@signal("fineweb", PAPER)
def newline_word_ratio(view: TextView) -> float:
    """Line breaks per token (many short lines: a list or a menu). Paper: at most 0.3."""
    return ratio(view.text.count("\n"), len(view.tokens))
