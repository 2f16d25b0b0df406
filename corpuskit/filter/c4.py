"""C4's page heuristics (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a
Unified Text-to-Text Transformer", section 2.2), as document signals.

C4 keeps only the lines of a page that end in terminal punctuation and have at least three
words, drops lines that mention javascript or cookie and privacy policies, and then drops
the page when fewer than five sentences remain, when a kept line says "lorem ipsum" or
holds a curly brace. corpuskit never rewrites a document in the filter step (every line it
removes belongs to strip, where it is attributed to a rule), so these are measured, not
applied: `c4_sentences` counts the sentences of the lines C4 would keep, and the lorem
ipsum and curly-brace checks look at those same lines, as C4's code does.

>>> from corpuskit.filter.signals import TextView
>>> view = TextView("Menu\\nOne sentence here. Two more here.\\nA line without an end\\nThe code was {a: 1} in the end.")
>>> c4_sentences(view), c4_curly_bracket(view), round(c4_no_terminal_punct_lines(view), 2)
(2, 1, 0.5)
"""

from __future__ import annotations

import re

from corpuskit.filter.signals import TextView, ratio, signal
from corpuskit.filter.text import count_sentences, words

PAPER = "C4 (Raffel et al. 2020), 2.2"
END_PUNCTUATION = (".", "?", "!", '"', "'")
CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")


def _c4_pass(view: TextView) -> tuple[list[tuple[int, str, bool]], int, int, int, int]:
    """One pass over the lines, as C4 reads them: (the lines kept: index, text, whether
    citations were taken out; lorem ipsum; curly brace; lines without
    terminal punctuation; javascript or policy lines). Sentences are counted only when
    asked (c4_sentences): the other checks need no tokens."""
    cached = view.__dict__.get("_c4")
    if cached is not None:
        return cached
    kept: list[tuple[int, str, bool]] = []
    lorem = curly = no_end = scripted = 0
    for index, raw in enumerate(view.lines):
        line = raw.strip()
        parts = line.split()
        if len(line) > 1000 and max(map(len, parts)) > 1000:
            continue
        cited = "[" in line and CITATION.search(line) is not None
        if cited:
            line = CITATION.sub("", line)
        if not line.endswith(END_PUNCTUATION) or line.endswith("..."):
            if line:
                no_end += 1
            continue
        if len(parts) < 3:
            continue
        lower = line.lower()
        if "lorem ipsum" in lower:
            lorem = 1
            break
        if "javascript" in lower:
            scripted += 1
            continue
        if "{" in line:
            curly = 1
            break
        if any(p in lower for p in POLICY):
            scripted += 1
            continue
        kept.append((index, line, cited))
    view.__dict__["_c4"] = result = (kept, lorem, curly, no_end, scripted)
    return result


@signal("c4", PAPER)
def c4_sentences(view: TextView) -> float:
    """Sentences in the lines C4 keeps (ending in `. ? ! " '`, not in `...`, at least 3
    words, no javascript or cookie/privacy-policy mention). Paper: at least 5."""
    kept = _c4_pass(view)[0]
    tokenized = view.__dict__.get("line_tokens")  # when another signal has tokenized the lines
    return sum(count_sentences(tokenized[index] if tokenized is not None and not cited else words(line, view.lang))
               for index, line, cited in kept)


@signal("c4", PAPER)
def c4_lorem_ipsum(view: TextView) -> float:
    """1 when a line C4 keeps contains "lorem ipsum" (placeholder text). Paper: 0."""
    text = view.text
    if "[" in text:
        text = CITATION.sub("", text)  # citations never span lines: as the pass takes them out of each line
    if "lorem ipsum" not in text.lower():  # nowhere in the text, so in no line C4 keeps: no pass needed
        return 0
    return _c4_pass(view)[1]


@signal("c4", PAPER)
def c4_curly_bracket(view: TextView) -> float:
    """1 when a line C4 keeps contains `{` (code). Paper: 0."""
    return _c4_pass(view)[2]


@signal("c4", PAPER)
def c4_no_terminal_punct_lines(view: TextView) -> float:
    """Share of non-empty lines that do not end in terminal punctuation (the lines C4
    would remove; measured, not removed)."""
    return ratio(_c4_pass(view)[3], len(view.nonempty_lines))


@signal("c4", PAPER)
def c4_javascript_lines(view: TextView) -> float:
    """Lines C4 would remove for mentioning javascript or cookie and privacy policies."""
    return _c4_pass(view)[4]
