"""What deduplication compares: canonical texts, normalized lines, sites and outlets.

- The **canonical text** (NFC, casefolded, one space between words) is what exact keys
  and MinHash shingles are made of, so spacing, case and Unicode form never hide a copy.
- A **normalized line** (casefolded, digits as 0, spaces collapsed) is what repeated-line
  counting compares: "Cập nhật 10:30" and "cập nhật 11:45" are one line of furniture.
- A document's **site** is the host of `metadata.url`, else `metadata.site`, else a
  URL-shaped id; its **outlet** is the site's name without its suffixes
  (`dantri.com.vn` → `dantri`), and a **credit** is `metadata.source` written the same way
  (`Dân trí` → `dantri`), so that the original outlet's copy can be told from the copies
  that credit it. Abbreviations a name cannot show (`TNO` for Thanh Niên) come from
  `outlets.yaml` beside this file: data, not code.

>>> canonical_text("  Hòa\\u00a0BÌNH\\n\\nhòa bình ")
'hòa bình hòa bình'
>>> outlet_of_host("https://www.dantri.com.vn/xa-hoi.htm"), outlet_of_name("Dân trí")
('dantri', 'dantri')
>>> outlet_of_name("TNO"), outlet_of_host("thanhnien.vn")
('thanhnien', 'thanhnien')
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import regex

from corpuskit.doc import Doc
from corpuskit.marks import nfc

_LONG_TEXT = 1 << 20  # characters: above this, no list of words is built
# Every character for which str.isspace() is true (what str.split() splits on).
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_TO_SPACE = str.maketrans(dict.fromkeys(WHITESPACE, " "))
# Every decimal digit (any script, as str.isdecimal) to 0: numbers vary in furniture
# ("10:30", "2/11"). Runs of digits become one 0, so "9:05" and "10:30" are one form.
_DIGITS = re.compile(r"\d+")


def canonical_text(text: str) -> str:
    """The text with Unicode form, case and spacing normalized: the dedup key's input.

    The same string as `" ".join(text.split())`; a long text (a 50 MB line) is collapsed
    with whole-string passes instead, so that memory holds a few copies of it rather than
    a list of millions of word objects.
    """
    folded = nfc(text).casefold()
    if len(folded) < _LONG_TEXT:
        return " ".join(folded.split())
    spaced = folded.translate(_TO_SPACE)
    while "  " in spaced:
        spaced = spaced.replace("    ", " ").replace("  ", " ")
    return spaced.strip(" ")


def folded_text(text: str) -> str:
    """NFC and casefolded, spacing as it is: what the compiled core (or its twin) makes
    the canonical text of (`" ".join(folded.split())`)."""
    return nfc(text).casefold()


def count_words(canonical: str) -> int:
    return canonical.count(" ") + 1 if canonical else 0


def line_form(text: str) -> str:
    """The whole text casefolded with each run of digits as 0; its lines, with spaces collapsed, are
    what repeated-line counting compares (corpuskit.native's `line_hashes`)."""
    return _DIGITS.sub("0", nfc(text).casefold())


# --- sites and outlets -------------------------------------------------------------------

_SECOND_LEVEL = frozenset("com net org gov edu co ac info biz int mil".split())
_SUBDOMAINS = frozenset("www m mobile amp en vn news".split())
_NAME_NOISE = regex.compile(r"^(?:báo|bao|tạp chí|tap chi|trang|theo|nguồn|nguon|đài|dai)\s+", regex.I)


_PLAIN_URL = regex.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([A-Za-z0-9.-]+)(?::\d*)?(?:[/?#]|$)")


@lru_cache(maxsize=65536)
def _parsed_host(text: str) -> str:
    try:
        return (urlsplit(text).hostname or "").lower()
    except ValueError:
        return ""


def host_of(value: str) -> str:
    """The host of a URL (or of a bare host name), lower case, without `www.`. The common
    shape (scheme, host of letters, digits, dots and dashes) is read by one regex; the
    rest (user info, IPv6, odd characters) by urllib."""
    text = value.strip()
    if "//" not in text:
        text = "//" + text
    match = _PLAIN_URL.match(text)
    host = match.group(1).lower() if match else _parsed_host(text)
    return host.removeprefix("www.")


def site_of(doc: Doc) -> str:
    """The site a document came from: `metadata.url`'s host, else `metadata.site`, else
    the host of a URL-shaped id; "" when none is known."""
    metadata = doc.metadata
    url = metadata.get("url")
    if isinstance(url, str) and url:
        host = host_of(url)
        if host:
            return host
    site = metadata.get("site")
    if isinstance(site, str) and site:
        return host_of(site) if "." in site else site.lower()
    if "://" in doc.id[:12]:
        return host_of(doc.id)
    return ""


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Name or host → outlet, from outlets.yaml (every name of an outlet maps to its key)."""
    import yaml

    data = yaml.safe_load((Path(__file__).with_name("outlets.yaml")).read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for outlet, names in (data.get("outlets") or {}).items():
        key = _squash(str(outlet))
        table[key] = key
        for name in names or []:
            table[_squash(str(name))] = key
    return table


def _squash(name: str) -> str:
    """Letters and digits only, without diacritics, lower case (`Dân trí` → `dantri`)."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=65536)
def outlet_of_host(value: str) -> str:
    """The outlet a host belongs to: its name without subdomains and suffixes."""
    host = host_of(value)
    if not host:
        return ""
    table = aliases()
    squashed = _squash(host)
    if squashed in table:
        return table[squashed]
    labels = [label for label in host.split(".") if label]
    if len(labels) > 1:
        labels = labels[:-1]  # the top-level domain
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels = labels[:-1]
        while len(labels) > 1 and labels[0] in _SUBDOMAINS:
            labels = labels[1:]
    name = _squash(labels[-1])
    return table.get(name, name)


@lru_cache(maxsize=65536)
def outlet_of_name(value: str) -> str:
    """The outlet a credit names (`Theo Dân trí` captured as `Dân trí`, `VnExpress.net`,
    `TNO`)."""
    text = value.strip()
    if not text:
        return ""
    if regex.fullmatch(r"[\w-]+(?:\.[\w-]+)+", text):
        return outlet_of_host(text)
    text = _NAME_NOISE.sub("", text)
    name = _squash(text)
    return aliases().get(name, name)


def outlet_of(doc: Doc, site: str | None = None) -> str:
    """The outlet of a document's site (`site`: its site_of, when already known)."""
    site = site_of(doc) if site is None else site
    return outlet_of_host(site) if "." in site else _squash(site)


def credits_of(doc: Doc) -> list[str]:
    """The outlets a document credits (`metadata.source`, one value or a list)."""
    source = doc.metadata.get("source")
    values = source if isinstance(source, list) else [source]
    return [name for name in (outlet_of_name(v) for v in values if isinstance(v, str)) if name]
