"""A fast, exact test of "would ftfy's mojibake detector fire on any line of this text?".

ftfy.fix_text leaves a line's encoding alone unless `ftfy.badness.is_bad(line)` is true,
and is_bad is one search with ftfy's BADNESS_RE: ~37 alternatives of 2 to 5 character
classes. Python's regex engine tries every alternative at every position, so the search
runs at about 3 MB/s on Vietnamese text, which would cap `normalize` there.

This module rewrites that regex, at import time and from ftfy's own pattern, into an
equivalent *existence* test that the engine runs fast. Each alternative is anchored on
its rarest element (the character class that matches fewest common letters), the
elements before it become a look-behind and those after it stay as they are:

    [ rare chars of all alternatives ] (?: (?<= before_1 key_1) after_1 | ... )

A pattern that starts with a character class lets the engine skip ahead with a C loop to
the next rare character, so clean text is scanned at memory speed. The rewritten
pattern finds a match exactly when the original finds one on some line (positions may
differ; only existence is used). `\\s` is restricted so that a match cannot cross a line
break and `^` matches at every line start, as ftfy works line by line.

If ftfy's pattern ever holds a construct this rewrite does not know, `build_line_badness`
falls back to the plain (slow but exact) line-bounded pattern; tests compare both with
ftfy on generated text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ftfy import badness

from corpuskit.scan import Hint

# Characters that are frequent in the text corpuskit is built for (English and Vietnamese
# news). An element that matches few of them is a good anchor.
_COMMON = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()-/%\n"
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
    "“”‘’–—…«»·\xa0"
)
_COMMON_WEIGHTS = {c: (20 if c.isascii() else 1) for c in _COMMON}


class _Unsupported(Exception):
    pass


@dataclass
class _Element:
    source: str  # regex source for one character, or a zero-width anchor
    optional: bool = False
    anchor: bool = False

    def frequency(self) -> int:
        if self.anchor:
            return 10**9
        compiled = re.compile(self.source)
        return sum(w for c, w in _COMMON_WEIGHTS.items() if compiled.fullmatch(c))


def _split_alternatives(pattern: str) -> list[str]:
    """Split a verbose pattern at its top-level `|`, dropping comments and layout."""
    alternatives, current = [], []
    i, in_class, depth = 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]" or (current and current[-1] == "[")
        elif char == "#":
            i = pattern.find("\n", i)
            i = len(pattern) if i < 0 else i
            continue
        elif char.isspace():
            i += 1
            continue
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            alternatives.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    alternatives.append("".join(current))
    return [a for a in alternatives if a]


def _tokenize(alternative: str) -> list[_Element]:
    """Turn one alternative into single-character elements."""
    elements: list[_Element] = []
    i = 0
    while i < len(alternative):
        char = alternative[i]
        if char == "[":
            end = i + 1
            if alternative[end] == "^":
                end += 1
            if alternative[end] == "]":
                end += 1
            while alternative[end] != "]":
                end += 2 if alternative[end] == "\\" else 1
            source = alternative[i : end + 1]
            i = end + 1
        elif char == "\\":
            source = alternative[i : i + 2]
            if source == r"\s":
                source = r"[^\S\n]"
            elif source not in (r"\w",) and source[1].isalpha():
                raise _Unsupported(source)
            i += 2
        elif char == "^":
            elements.append(_Element("^", anchor=True))
            i += 1
            continue
        elif char in "(){}*+|$":
            raise _Unsupported(char)
        elif char == "?":
            raise _Unsupported("dangling ?")
        else:
            source = re.escape(char) if char != "." else "."
            i += 1
        optional = i < len(alternative) and alternative[i] == "?"
        if optional:
            i += 1
        elements.append(_Element(source, optional=optional))
    return elements


def _expand_optionals(elements: list[_Element]) -> list[list[_Element]]:
    """`a b? c` -> [`a c`, `a b c`], so every look-behind has a fixed width."""
    variants: list[list[_Element]] = [[]]
    for element in elements:
        if element.optional:
            plain = _Element(element.source)
            variants = [v for v in variants] + [v + [plain] for v in variants]
        else:
            variants = [v + [element] for v in variants]
    return variants


def _anchored(elements: list[_Element]) -> tuple[str, str]:
    """(key class, `(?<=before key)after` source) for one alternative without optionals."""
    candidates = [(e.frequency(), n) for n, e in enumerate(elements) if not e.anchor]
    _, key = min(candidates)
    before = "".join(e.source for e in elements[: key + 1])
    after = "".join(e.source for e in elements[key + 1 :])
    return elements[key].source, f"(?<={before}){after}"


def _class_body(source: str) -> str:
    """The inside of a character class usable in a union; a negated class is kept whole."""
    if source.startswith("[") and not source.startswith(("[^", "[-", "[]")) and not source.endswith("\\]"):
        return source[1:-1]
    raise _Unsupported(source)


def build_line_badness(pattern: str = badness.BADNESS_RE.pattern) -> tuple[re.Pattern, Hint]:
    """Compile the fast existence test for ftfy's badness pattern (see module docstring).

    Also returns it as a `Hint` for the one-pass gate of normalize.
    """
    plain = re.compile(pattern.replace(r"\s", r"[^\S\n]"), re.VERBOSE | re.MULTILINE)
    try:
        keys, branches = [], []
        for alternative in _split_alternatives(pattern):
            for elements in _expand_optionals(_tokenize(alternative)):
                key, branch = _anchored(elements)
                if key == ".":
                    raise _Unsupported(key)
                keys.append(key if key.startswith("[") else f"[{key}]")
                branches.append(branch)
        union = "".join(_class_body(k) for k in keys)
        # Branches that share a key sit behind one check of that key, so that at a key
        # character only the few branches that can match it are tried.
        groups: dict[str, list[str]] = {}
        for key, branch in zip(keys, branches):
            groups.setdefault(key, []).append(branch)
        condition = "(?:%s)" % "|".join(f"(?<={key})(?:{'|'.join(group)})" for key, group in groups.items())
        fast = re.compile(f"[{union}]{condition}", re.MULTILINE)
    except (_Unsupported, re.error, IndexError):
        # Every match holds a non-ASCII character: a weak but safe hint.
        return plain, Hint("ftfy_badness", "\x80-\U0010ffff")
    return fast, Hint("ftfy_badness", union, condition, forward=_forward_forms(pattern))


def _forward_forms(pattern: str) -> tuple[str, ...]:
    """ftfy's alternatives made into RE2 patterns that match at least wherever they do.

    RE2 has no look-arounds and ASCII-only `\\s`/`\\w`, so each is widened: `\\s` and
    `\\w` become "any character but a line break", `^` is dropped. Wider is safe: the gate
    only decides whether the exact check runs.
    """
    forms = []
    for alternative in _split_alternatives(pattern):
        widened = alternative.replace(r"\s", r"[^\n]").replace(r"\w", r"[^\n]")
        if widened.startswith("^"):
            widened = widened[1:]
        forms.append(widened)
    return tuple(forms)


LINE_BADNESS_RE, BADNESS_HINT = build_line_badness()


def any_line_is_bad(text: str) -> bool:
    """True when `ftfy.badness.is_bad` is true for at least one line of `text`.

    >>> any_line_is_bad("Tiếng Việt “chuẩn”\\nplain text"), any_line_is_bad("ok\\nViá»‡t Nam")
    (False, True)
    """
    return LINE_BADNESS_RE.search(text) is not None
