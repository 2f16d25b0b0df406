"""Gopher's quality and repetition signals (Rae et al. 2021, "Scaling Language Models:
Methods, Analysis & Insights from Training Gopher", appendix A.1.1 and table A1).

Words are tokens that are not only punctuation ("non-symbol words"); ratios whose
denominator the paper calls "words" divide by all tokens, as datatrove's reference
implementation does.

>>> from corpuskit.filter.signals import TextView
>>> view = TextView("the cat sat on the mat\\nthe cat sat on the mat")
>>> word_count(view), dup_line_ratio(view), round(top_2gram_char_ratio(view), 3)
(12, 0.5, 0.311)
"""

from __future__ import annotations


from corpuskit.filter.signals import TextView, ratio, signal
from corpuskit.filter.text import count_with_letter

PAPER = "Gopher (Rae et al. 2021), A.1.1"


# --- quality ------------------------------------------------------------------------------

@signal("gopher", PAPER)
def word_count(view: TextView) -> float:
    """Number of words (tokens that are not only punctuation). Paper: 50 to 100,000."""
    return len(view.word_tokens)


@signal("gopher", PAPER)
def mean_word_length(view: TextView) -> float:
    """Mean length of the words in characters. Paper: 3 to 10 (English); a Vietnamese
    syllable averages about 3.5."""
    words = view.word_tokens
    return sum(map(len, words)) / len(words) if words else 0.0


@signal("gopher", PAPER)
def hash_ratio(view: TextView) -> float:
    """Hash symbols per token. Paper: at most 0.1."""
    return ratio(view.text.count("#"), len(view.tokens))


@signal("gopher", PAPER)
def ellipsis_ratio(view: TextView) -> float:
    """Ellipses (`...` or `…`) per token. Paper: at most 0.1."""
    return ratio(view.text.count("...") + view.text.count("…"), len(view.tokens))


@signal("gopher", PAPER)
def bullet_lines_ratio(view: TextView) -> float:
    """Share of lines that start with a bullet (`•` or `-`). Paper: at most 0.9."""
    lines = view.lines
    return ratio(sum(1 for line in lines if line.lstrip().startswith(("•", "-"))), len(lines))


@signal("gopher", PAPER)
def ellipsis_lines_ratio(view: TextView) -> float:
    """Share of lines that end with an ellipsis. Paper: at most 0.3."""
    lines = view.lines
    return ratio(sum(1 for line in lines if line.rstrip().endswith(("...", "…"))), len(lines))


@signal("gopher", PAPER)
def alpha_words_ratio(view: TextView) -> float:
    """Share of tokens with at least one letter. Paper: at least 0.8."""
    tokens = view.tokens
    return ratio(count_with_letter(tokens), len(tokens))


@signal("gopher", PAPER)
def stop_words(view: TextView) -> float:
    """Number of distinct stop words of the document's language that occur in it (as
    written: Gopher's list is lower case). Paper: at least 2 of the, be, to, of, and,
    that, have, with."""
    if not view.stop_words:
        return 0
    return len(view.stop_words.intersection(view.tokens))


# --- repetition -----------------------------------------------------------------------------

@signal("gopher", PAPER + ", table A1")
def dup_para_ratio(view: TextView) -> float:
    """Share of paragraphs (split at blank lines) that repeat an earlier one. Paper: 0.3."""
    return ratio(view.duplicates_of("paragraphs")[0], len(view.paragraphs))


@signal("gopher", PAPER + ", table A1")
def dup_para_char_ratio(view: TextView) -> float:
    """Characters in repeated paragraphs over all characters. Paper: 0.2."""
    return ratio(view.duplicates_of("paragraphs")[1], len(view.text))


@signal("gopher", PAPER + ", table A1")
def dup_line_ratio(view: TextView) -> float:
    """Share of lines that repeat an earlier one. Paper: 0.3."""
    return ratio(view.duplicates_of("gopher_lines")[0], len(view.gopher_lines))


@signal("gopher", PAPER + ", table A1")
def dup_line_char_ratio(view: TextView) -> float:
    """Characters in repeated lines over all characters. Paper: 0.2."""
    return ratio(view.duplicates_of("gopher_lines")[1], len(view.text))


def top_ngram_char_ratio(view: TextView, n: int) -> float:
    """Characters covered by the most frequent n-gram of tokens (its length, spaces
    included, times its count) over all characters; of n-grams equally frequent, the one
    seen first (as `Counter.most_common` picks it in the reference)."""
    import numpy as np

    found = view.ngram_ids(n)
    if found is None:
        return 0.0
    ids, counts = found
    best = counts.max()
    first_seen = np.full(len(counts), len(ids), dtype=np.int64)
    np.minimum.at(first_seen, ids, np.arange(len(ids)))
    start = int(first_seen[counts == best].min())
    chars = int(view.token_lengths[start:start + n].sum()) + n - 1
    return ratio(chars * int(best), len(view.text))


def dup_ngram_char_ratio(view: TextView, n: int) -> float:
    """Characters in n-grams that repeat an earlier n-gram, counted without overlap (a
    repeat skips its n tokens), over all characters.

    The scan is Gopher's (and datatrove's): left to right, an n-gram seen before at a
    visited position counts and skips the next n-1 positions, which are then not
    remembered either. Only positions of n-grams that occur more than once can change the
    result, so the Python-level scan visits just those.
    """
    import numpy as np

    if n > 1 and view.__dict__.get("_no_repeat_from", n + 1) <= n:
        return 0.0  # no (n-1)-gram repeats, so no n-gram does
    found = view.ngram_ids(n)
    if found is None:
        return 0.0
    ids, counts = found
    if len(counts) == len(ids):  # no repeat at all: the common case
        view.__dict__["_no_repeat_from"] = min(view.__dict__.get("_no_repeat_from", n), n)
        return 0.0
    lengths = view.token_lengths
    seen: set[int] = set()
    chars, skip_until = 0, -1
    for i in np.flatnonzero(counts[ids] > 1).tolist():
        if i < skip_until:
            continue
        gram = int(ids[i])
        if gram in seen:
            chars += int(lengths[i:i + n].sum())
            skip_until = i + n
        else:
            seen.add(gram)
    return ratio(chars, len(view.text))


def _register_ngrams() -> None:
    for n in (2, 3, 4):
        def top(view: TextView, n=n) -> float:
            return top_ngram_char_ratio(view, n)
        top.__name__ = f"top_{n}gram_char_ratio"
        top.__doc__ = (f"Characters covered by the most frequent {n}-gram of tokens over all characters. "
                       f"Paper: {dict([(2, 0.20), (3, 0.18), (4, 0.16)])[n]}.")
        signal("gopher", PAPER + ", table A1")(top)
        globals()[top.__name__] = top
    for n in range(5, 11):
        def dup(view: TextView, n=n) -> float:
            return dup_ngram_char_ratio(view, n)
        dup.__name__ = f"dup_{n}gram_char_ratio"
        dup.__doc__ = (f"Characters in repeated {n}-grams of tokens (no overlap) over all characters. "
                       f"Paper: {0.15 - (n - 5) * 0.01:.2f}.")
        signal("gopher", PAPER + ", table A1")(dup)
        globals()[dup.__name__] = dup


_register_ngrams()
