"""The signals of a whole batch of documents from the compiled core, in one crossing.

The filter judges documents one by one, but computing their signals one by one in Python
(tokens, n-gram repetition, letters, mash, marks) is most of its cost, and calling
compiled code once per document or per signal costs more than it saves. So a batch's
texts cross once (corpuskit.native.pack) and come back as one array of values per
document: the token signals (with spaCy's English rules for English, the simple
tokenizer for the others, as corpuskit.filter.text.words), the character and word signals,
the line, paragraph and unit signals, C4's line pass, and the distinct stop words of each
pack's list. `judge` starts from these and
computes in Python only what the core does not.

The Python functions in the signal modules are the specification: the values are the same
numbers (tests/test_native_filter.py compares them over real and random text), and with
`CORPUSKIT_PURE=1` or without the core nothing here runs.
"""

from __future__ import annotations

from array import array
from typing import Sequence

from corpuskit import native
from corpuskit.filter.packs import Pack
from corpuskit.filter import c4, text
from corpuskit.filter.fineweb import TERMINAL

# In the order the core returns them (native/src/signals.rs).
TOKEN_SIGNALS = ("word_count", "mean_word_length", "alpha_words_ratio", "sentence_count", "hash_ratio",
                 "ellipsis_ratio", "newline_word_ratio", "top_2gram_char_ratio", "top_3gram_char_ratio",
                 "top_4gram_char_ratio", *(f"dup_{n}gram_char_ratio" for n in range(5, 11)))
TEXT_SIGNALS = ("ws_word_count", "alpha_ws_words_ratio", "letter_share", "mash_word_ratio",
                "marked_syllable_share", "typing_residue_ratio")
LINE_SIGNALS = ("bullet_lines_ratio", "ellipsis_lines_ratio", "dup_line_ratio", "dup_line_char_ratio", "dup_para_ratio",
                "dup_para_char_ratio", "line_punct_ratio", "short_line_ratio", "dup_line_char_share", "prose_unit_ratio",
                "short_unit_ratio", "dup_unit_char_share")
C4_SIGNALS = ("c4_sentences", "c4_lorem_ipsum", "c4_curly_bracket", "c4_no_terminal_punct_lines", "c4_javascript_lines")
NATIVE_SIGNALS = frozenset(TOKEN_SIGNALS + TEXT_SIGNALS + LINE_SIGNALS + C4_SIGNALS + ("stop_words",))
# Signals whose Python functions return integers (JSON writes 12, not 12.0).
COUNTS = frozenset({"word_count", "sentence_count", "ws_word_count", "stop_words", "c4_sentences", "c4_lorem_ipsum",
                    "c4_curly_bracket", "c4_javascript_lines"})


def _kit_inputs() -> tuple[list[str], list[str]]:
    """Vietnamese onsets and rhymes without marks, as corpuskit.filter.langid spells them."""
    from corpuskit.filter.langid import _strip_marks
    from corpuskit.vietnamese import ONSETS, RHYMES

    return sorted({_strip_marks(o) for o in ONSETS}), sorted({_strip_marks(r) for r in RHYMES})


class BatchSignals:
    """The compiled signals for one set of packs (their stop-word lists are part of it)."""

    def __init__(self, packs: Sequence[Pack], threads: int = 1, every: bool = False) -> None:
        """For these packs; with `every`, each signal the core computes is returned, used or not."""
        lists: list[frozenset[str]] = []
        for pack in packs:
            for words in pack.stop_words.values():
                if words not in lists:
                    lists.append(words)
        self.stop_lists = lists
        onsets, rhymes = _kit_inputs()
        self.kit = native.core.SignalKit("".join(sorted(text.SENTENCE_MARKS)), onsets, rhymes, [sorted(w) for w in lists],
                                         sorted(text._EXCEPTIONS), "".join(sorted(text._SIMPLE_SUFFIXES)),
                                         "".join(sorted(text._SIMPLE_PREFIXES)), "".join(sorted(TERMINAL)),
                                         "".join(sorted(text._ENDS)), text._CLOSERS, "".join(c4.END_PUNCTUATION),
                                         list(c4.POLICY))
        self.width = self.kit.width()
        self.threads = threads
        self.names = TOKEN_SIGNALS + TEXT_SIGNALS + LINE_SIGNALS + C4_SIGNALS
        # Only what the packs judge crosses back into Python objects (and ws_word_count,
        # the step's word count); the core computes the rest anyway, at no extra cost.
        used = {t.signal for pack in packs for section in pack.thresholds.values() for t in section}
        self.picked = [(i, name, name in COUNTS) for i, name in enumerate(self.names)
                       if every or name in used or name == "ws_word_count"]

    def compute(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[dict]:
        """For each text, {signal: value} as `judge` stores them (floats rounded to 6
        places by the core exactly as Python's `round` does, counts as integers; stop words
        under ("stop_words", the list))."""
        if not texts:
            return []
        blob, offsets = native.pack(texts)
        english = bytes(lang == "en" for lang in langs)  # corpuskit.filter.text.words: spaCy's rules for English
        values = array("d")
        values.frombytes(self.kit.signals(blob, offsets, english, self.threads))
        width, stops, picked, first_stop = self.width, self.stop_lists, self.picked, len(self.names)
        out = []
        for at in range(0, len(texts) * width, width):
            found: dict = {name: int(values[at + i]) if count else values[at + i] for i, name, count in picked}
            for s, words in enumerate(stops):
                found[("stop_words", words)] = int(values[at + first_stop + s])
            out.append(found)
        return out


def batch_signals(packs: Sequence[Pack]) -> BatchSignals | None:
    """The compiled signals for these packs, or None on the pure path or when no pack
    uses a signal the core computes."""
    if native.core is None or not hasattr(native.core, "SignalKit"):
        return None
    used = {t.signal for pack in packs for section in pack.thresholds.values() for t in section}
    if not used & NATIVE_SIGNALS:
        return None
    return BatchSignals(packs)
