"""Whitespace and invisible characters.

Scraped pages carry layout as characters: NBSP and thin spaces from HTML, zero-width
spaces and soft hyphens from CMS editors, CR from Windows, indentation and runs of blank
lines from templates. None of it is content, and all of it makes identical lines differ,
which defeats exact-line boilerplate rules and deduplication.
"""

from __future__ import annotations

import re

from corpuskit.scan import Hint

# Space separators (Unicode category Zs) other than the ASCII space.
SPACE_CHARS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# Characters with no width and no meaning in running text: zero-width space, word joiner,
# BOM, soft hyphen, Mongolian vowel separator. ZWJ/ZWNJ are handled apart (see below).
INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad\u180e"

_SPECIAL = f"{SPACE_CHARS}{INVISIBLE_CHARS}\r\u200c\u200d"
_SPECIAL_RE = re.compile(f"[{_SPECIAL}]")
# Everything `normalize_whitespace` reacts to except runs of spaces and the text's ends,
# as one hint: special characters, or a line break next to a space or tab or a third one.
SPECIAL_HINT = Hint(
    "whitespace",
    _SPECIAL + "\n",
    r"(?:(?<=[^\n])|(?<=[ \t]\n)|(?=[ \t])|(?<=\n\n)(?=\n))",
    forward=(f"[{_SPECIAL}]|[ \t]\n|\n[ \t]|\n\n\n",),
)
_REPLACEMENT = {c: " " for c in SPACE_CHARS} | {"\r": "\n"}  # the rest are removed
_JOINER_CHARS = {"\u200c", "\u200d"}
# ZWJ/ZWNJ matter between letters of Indic and Arabic scripts and inside emoji, so they
# are removed only next to Latin text, spaces or line ends, where they are editor debris.
_LATIN = "\x00-\u024f\u1e00-\u1eff"
_JOINERS = "[\u200c\u200d]+"
_JOINER_RE = re.compile(f"(?<=[{_LATIN}\\s]){_JOINERS}|{_JOINERS}(?=[{_LATIN}\\s]|$)|^{_JOINERS}")


def _needs_work(text: str, hint_fired: bool | None) -> bool:
    """Whether `normalize_whitespace` would change anything (substring tests are C-fast)."""
    if hint_fired or text[:1].isspace() or text[-1:].isspace() or "  " in text:
        return True
    if hint_fired is False:
        return False
    return (
        _SPECIAL_RE.search(text) is not None
        or " \n" in text
        or "\n " in text
        or "\t\n" in text
        or "\n\t" in text
        or "\n\n\n" in text
    )


def normalize_whitespace(text: str, hint_fired: bool | None = None) -> str:
    r"""Make whitespace canonical.

    CR and CRLF become LF; other space characters become a space; invisible characters
    go; each line loses its leading and trailing spaces and tabs; runs of spaces become one;
    runs of blank lines become one blank line; blank lines at either end go. Tabs inside a
    line are kept (they can separate table cells).

    `hint_fired` may pass on whether a caller's scan found `SPECIAL_HINT`, to spare the
    scans here.

    >>> normalize_whitespace("  Hà\u00a0Nội  \r\n\r\n\r\n  mưa\u200b  to\u00ad \n")
    'Hà Nội\n\nmưa to'
    """
    if not _needs_work(text, hint_fired):
        return text
    specials = set(_SPECIAL_RE.findall(text))
    if specials:
        # str.replace per character found beats a regex substitution several times over
        text = text.replace("\r\n", "\n")
        for char in specials - _JOINER_CHARS:
            text = text.replace(char, _REPLACEMENT.get(char, ""))
        if specials & _JOINER_CHARS:
            text = _JOINER_RE.sub("", text)
    if "\n " in text or " \n" in text or "\n\t" in text or "\t\n" in text:
        text = "\n".join(line.strip(" \t") for line in text.split("\n"))
    while "  " in text:  # str.replace is C-fast; a regex would stop at every space
        text = text.replace("  ", " ")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip(" \t\n")
