"""Signals for Vietnamese: marks, typing residue, syllables.

Vietnamese is written in syllables separated by spaces, most carrying a mark (a tone or a
modified vowel: `việc`, `được`, `cơ`). Text typed without marks ("khong co gi") reads, and
language ID still says Vietnamese (corpuskit labels it `lang_script: no-diacritics`), but
it is a degraded copy; text typed with an input method that failed leaves Telex or VNI
key strokes in the words (`vieejt`, `dduwowcj`, `vie65t`).

>>> from corpuskit.filter.signals import TextView
>>> marked_syllable_share(TextView("Hà Nội là thủ đô của Việt Nam")) > 0.8
True
>>> marked_syllable_share(TextView("Ha Noi la thu do cua Viet Nam"))
0.0
>>> typing_residue_ratio(TextView("Vieejt Nam laf moojt nuwowcs")) >= 0.75
True
"""

from __future__ import annotations

import re

import regex

from corpuskit.filter.signals import TextView, ratio, signal

VI = "corpuskit Vietnamese signals"

_SYLLABLE_WORD = regex.compile(r"\p{L}+")
_MARKED_RUN = regex.compile(r"(?<!\p{L})[A-Za-z]*+\p{L}")
# Telex: a doubled vowel or a w after a vowel (â ê ô ă ơ ư), dd for đ, with a tone key
# (s f r x j) after it; VNI: a digit 1-9 inside a word of letters.
_TELEX = re.compile(r"(?:aa|ee|oo|aw|ow|uw|uow|dd)[a-z]*[sfrxj][a-z]*$|(?:aa|ee|oo|aw|ow|uw)[sfrxj]", re.I)
_VNI = re.compile(r"^[a-z]+[1-9][a-z]*[1-9]?[a-z]*$", re.I)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
MAX_WORD = 24  # a syllable with its key strokes is shorter; the patterns above only see such words


@signal("vi", VI)
def marked_syllable_share(view: TextView) -> float:
    """Share of the syllables (runs of letters) that carry a Vietnamese mark or letter.
    Edited Vietnamese news: 0.5 to 0.8; text typed without marks: about 0."""
    text = view.text
    # A run of letters is marked when, past its ASCII letters, another letter follows.
    return ratio(len(_MARKED_RUN.findall(text)), len(_SYLLABLE_WORD.findall(text)))


@signal("vi", VI)
def typing_residue_ratio(view: TextView) -> float:
    """Share of the plain-ASCII words that are Telex or VNI key strokes left in the text
    (`vieejt`, `nuwowcs`, `vie65t`). Edited text: 0 (a brand name or two)."""
    words = [w for w in _ASCII_WORD.findall(view.text) if 3 <= len(w) <= MAX_WORD and not w.isdigit()]
    if not words:
        return 0.0
    return sum(1 for w in words if _is_residue(w)) / len(words)


def _is_residue(word: str) -> bool:
    """Telex or VNI strokes: doubled vowels or w with a tone key, digits inside a word, or
    a syllable with a tone key stuck at its end (`laf` for là, `toois` for tối)."""
    if _TELEX.search(word) or (_VNI.match(word) and not word[-1].isdigit()):
        return True
    lower = word.lower()
    if lower[-1] in "sfrxj" and len(lower) >= 3:
        from corpuskit.filter.langid import _TONELESS_SYLLABLE

        return _TONELESS_SYLLABLE.fullmatch(lower[:-1]) is not None and _TONELESS_SYLLABLE.fullmatch(lower) is None
    return False
