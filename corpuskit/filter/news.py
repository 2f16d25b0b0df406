"""Signals for edited news: the published web filters' ideas, measured the way news is
written, each with a reason that holds for an article and not only for a web page.

- Words are **whitespace words**, as the Gopher paper defines them for its alphabetic
  share ("80% of words contain at least one alphabetic character"): `£1.2bn` and `3-1`
  are words; a comma is not (datatrove's tokens count it, so business and sport news full
  of figures falls under 0.8 there).
- Line-level measures run on **units** (corpuskit.filter.text.paragraph_units): the
  paragraphs of hard-wrapped wire copy rejoined, a one-line article cut into sentences.
  A line ending in `.”` or `.)` ends a sentence.
- **Sentences** are counted over the whole text, not only in the lines C4 would keep, so
  a two-sentence wire brief counts two.
- **Repetition with a margin**: one repeated line in a long article (a storm bulletin that
  repeats its forecast line) is not a reason: the repeats of the longest repeated unit are
  set aside before the share is taken.
- **Junk that language ID cannot see**: symbol soup (few letters among the characters),
  keyboard mash (words without a vowel, long consonant runs), code (lines that end in
  `{`, `}` or `;` or hold `=>`, `</`, `function(`).

>>> from corpuskit.filter.signals import TextView
>>> view = TextView("Shares rose 3.2% to £1.2bn, the firm said.\\nProfit: 420m.")
>>> alpha_ws_words_ratio(view), sentence_count(view)
(0.9, 2)
"""

from __future__ import annotations

import re
import unicodedata

import regex

from corpuskit.filter.signals import TextView, ratio, signal
from corpuskit.filter.text import count_sentences, ends_sentence

NEWS = "corpuskit news signals (Gopher, C4 and FineWeb, measured on edited text)"

_WORD_WITH_LETTER = regex.compile(r"(?<![^ ])[^ ]*?\p{L}")
_LETTER_RUNS = regex.compile(r"[\p{L}\p{M}]+")
_LATIN_WORD = regex.compile(r"\p{Latin}+")
_SPACES = regex.compile(r"\s+")


# What `_bare` deletes: exactly the characters unicodedata.combining() marks. They all lie in
# the first two planes (tested), the only ones scanned: all of Unicode costs 60 ms a start.
_NO_MARKS = dict.fromkeys(c for c in range(0x20000) if unicodedata.combining(chr(c)))
# A bare word (one per line) without a vowel, or with five consonants in a row.
_MASHED_LINE = re.compile(r"^(?:[^aeiouy\n]+|[^\n]*?[bcdfghjklmnpqrstvwxz]{5}[^\n]*)$", re.MULTILINE)
# Code: a line that opens or closes a block, or ends a statement with `;` after an
# assignment or a call (a list item in Vietnamese or French legal text ends in `;` too, so
# a semicolon alone is not code), or holds an arrow, a tag or a definition.
_CODE_PATTERN = (r"[{}]\s*$|(?:=|\)|\+\+|--)\s*;\s*$|=>|</?[a-z][a-z0-9]*(?:\s[^>]*)?>|\bfunction\s*\(|"
                 r"\b(?:var|let|const)\s+\w+\s*=|\bdef\s+\w+\(|#include\b|\breturn\b[^.;]*;")
_CODE_LINE = re.compile(_CODE_PATTERN)
# The same over the units joined by line breaks, a unit's end being a line break or the
# end: it matches wherever a unit matches (and sometimes across units), so when it finds
# nothing no unit is code, and one search replaces a search per unit.
_CODE_ANYWHERE = re.compile(_CODE_PATTERN.replace("$", r"(?:\n|\Z)"))


@signal("news", NEWS)
def ws_word_count(view: TextView) -> float:
    """Words separated by spaces (syllables in Vietnamese). A wire brief of two sentences
    has 25 or more."""
    return len(view.ws_words)


@signal("news", NEWS)
def alpha_ws_words_ratio(view: TextView) -> float:
    """Share of whitespace words with at least one letter (the Gopher paper's definition:
    figures like `£1.2bn` count as words, punctuation is not a word). Paper: at least 0.8."""
    words = view.ws_words
    # Counted in one pass over the words joined by spaces: a word start with a letter in its word.
    return ratio(len(_WORD_WITH_LETTER.findall(" ".join(words))), len(words))


@signal("news", NEWS)
def sentence_count(view: TextView) -> float:
    """Sentences in the whole text (a new one starts after a sentence mark), whatever the
    lines: hard-wrapped copy and one-line articles count as they read."""
    return count_sentences(view.tokens)


@signal("news", NEWS)
def prose_unit_ratio(view: TextView) -> float:
    """Share of units (paragraphs, rejoined when hard-wrapped; sentences of a one-line
    article) that read as prose: they end a sentence (closing quotes and brackets aside),
    or run to 12 words and 80 characters (photo-gallery paragraphs often end without a
    full stop). Menus and lists of links are neither. FineWeb's version: 0.12 of the lines
    end in terminal punctuation."""
    units = view.units
    return ratio(sum(1 for unit in units if ends_sentence(unit) or (len(unit) >= 80 and unit.count(" ") >= 11)), len(units))


@signal("news", NEWS)
def short_unit_ratio(view: TextView) -> float:
    """Share of units of at most 30 characters (menus, lists of links). FineWeb: 0.67 of lines."""
    units = view.units
    return ratio(sum(1 for unit in units if len(unit) <= 30), len(units))


@signal("news", NEWS)
def dup_unit_char_share(view: TextView) -> float:
    """Characters in units that repeat an earlier one, over all characters, less one
    repeat of the longest repeated unit (one line repeated once in a long article, as a
    storm bulletin repeats its forecast, is not spam). FineWeb: 0.01, no margin."""
    seen: dict[str, int] = {}
    for unit in view.units:
        seen[unit] = seen.get(unit, 0) + 1
    repeated = [unit for unit, count in seen.items() if count > 1]
    if not repeated:
        return 0.0
    chars = sum((seen[unit] - 1) * len(unit) for unit in repeated) - max(map(len, repeated))
    return ratio(chars, len(view.text) - view.text.count("\n"))


@signal("news", NEWS)
def letter_share(view: TextView) -> float:
    """Letters (and their marks) among the characters that are not spaces. Prose in any
    script is above 0.6 even with figures; symbol soup and tables of numbers are not.
    (Counted by runs, not character by character: a few matches per line.)"""
    text = view.text
    return ratio(sum(map(len, _LETTER_RUNS.findall(text))), len(text) - sum(map(len, _SPACES.findall(text))))


def _bare(word: str) -> str:
    """A word lower-cased without its marks (`Việt` → `viet`): the letters a keyboard typed."""
    return unicodedata.normalize("NFD", word.lower()).translate(_NO_MARKS)


@signal("news", NEWS)
def mash_word_ratio(view: TextView) -> float:
    """Share of Latin-script words of 3 or more letters that no language writes: no vowel
    (acronyms in capitals aside), or five consonants in a row (keyboard mash: `qxzjk`,
    `sdfghj`). The words are stripped of their marks and tested together, one per line
    (a per-word loop in Python cost a third of the filter)."""
    words = [w for w in _LATIN_WORD.findall(view.text) if len(w) >= 3 and not w.isupper()]
    if not words:
        return 0.0
    return len(_MASHED_LINE.findall(_bare("\n".join(words)))) / len(words)


def _may_hold_code(text: str) -> bool:
    """Whether the text holds what one of the code patterns needs (`{`, `}`, `;`, `<`,
    `=>`, `function`, `def`, `#include`, an `=` with `var`, `let` or `const`): substring
    tests at C speed, where the regular expression is tried at every character."""
    return (any(c in text for c in "{};<") or "=>" in text or "function" in text or "def" in text
            or "#include" in text or ("=" in text and ("var" in text or "let" in text or "const" in text)))


@signal("news", NEWS)
def code_unit_ratio(view: TextView) -> float:
    """Share of units that look like program code (end in `{`, `}` or `;`, hold `=>`, a
    tag, `function(`, `var x =`, `def f(`)."""
    # Units are the text's lines, sentences or lines joined by a space: what none of them
    # needs is not in the text, so most texts are done before their units are made.
    if not _may_hold_code(view.text):
        return 0.0
    units = view.units
    if not units:
        return 0.0
    text = "\n".join(units)
    if not _CODE_ANYWHERE.search(text):  # one search: when it finds nothing, no unit is code
        return 0.0
    return ratio(sum(1 for unit in units if _CODE_LINE.search(unit)), len(units))
