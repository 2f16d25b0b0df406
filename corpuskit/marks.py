"""Runs of combining marks, bounded so that Unicode normalization stays linear.

NFC puts the combining marks after a base character in canonical order with an insertion
sort, so its cost grows with the square of a run's length: one line of a million marks
(the "zalgo" text of spam pages, or bytes decoded as windows-1258 tone marks) takes
minutes. No writing system stacks more than a handful of marks on one letter, and
Unicode's Stream-Safe Text Format (UAX #15) already caps a run of non-starters at 30.
corpuskit applies the same cap before it normalizes: the first 30 marks of a run are
kept, the rest removed and counted (`normalize.marks_capped` in --stats).
"""

from __future__ import annotations

import unicodedata

import regex

MAX_MARKS = 30  # UAX #15's stream-safe limit on consecutive non-starters

# A non-starter is a character whose canonical combining class is not 0.
_LONG_RUN = regex.compile(r"(\P{ccc=0}{%d})\P{ccc=0}+" % MAX_MARKS)


def cap_mark_runs(text: str) -> tuple[str, int]:
    """The text with every run of combining marks cut to MAX_MARKS; and how many went.

    >>> cap_mark_runs("e" + "\\u0301" * 32)[1]
    2
    """
    removed = 0

    def keep_head(match: regex.Match) -> str:
        nonlocal removed
        removed += match.end() - match.end(1)
        return match.group(1)

    return _LONG_RUN.sub(keep_head, text), removed


def nfc(text: str) -> str:
    """NFC in linear time: already-normalized text is returned as it is (a fast C check),
    other text has its mark runs capped first."""
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", cap_mark_runs(text)[0])
