"""Personal data in text: emails, phone numbers, IP addresses, card numbers, national IDs.

Each kind is found by a cheap candidate pattern and then verified, so that the numbers of
ordinary news text (dates, prices, scores, years, vote counts, decrees) are left alone:

- **phone**: a run of 9–15 digits with the usual separators, parsed and validated by
  `phonenumbers` (Google's libphonenumber metadata, offline) as a Vietnamese number, or as
  an international one when it starts with `+` or `00`. `1.500.000 đồng` or
  `23-2-2024` are not valid numbers anywhere, so they stay.
- **card**: 13–19 digits in groups, accepted only when the Luhn checksum holds and the
  first digits are those of a card network.
- **ip**: IPv4 dotted quads with every part at most 255 (not a version `1.2.3` or a date
  `12.03.2024`), and IPv6 addresses that Python's `ipaddress` accepts.
- **national_id**: 9 or 12 digits (CMND, CCCD) only after a word that names the document
  (`CCCD`, `CMND`, `căn cước`, `chứng minh nhân dân`, `số định danh`) within a few words.
- **email**: `local@domain.tld`.

Found spans are replaced by `<EMAIL>`, `<PHONE>`, `<IP>`, `<CARD>`, `<NATIONAL_ID>`
(`mode="replace"`) or only counted (`mode="tag"`); the counts per kind go to
`metadata.pii`, never the values.

>>> redact("Liên hệ 0912 345 678 hoặc ban@bao.vn, giá 1.500.000 đồng, ngày 23-2-2024.")[0]
'Liên hệ <PHONE> hoặc <EMAIL>, giá 1.500.000 đồng, ngày 23-2-2024.'
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

import regex

KINDS = ("email", "phone", "ip", "card", "national_id")
PLACEHOLDERS = {kind: f"<{kind.upper()}>" for kind in KINDS}

_EMAIL = regex.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\p{L}\d-]{1,63}(?:\.[\p{L}\d-]{1,63})*\.\p{L}{2,24}(?![\w@])")
# A phone-like run: optional +/00 prefix, digits with spaces, dots, dashes or brackets
# between groups; 9 to 15 digits in all (checked after).
_PHONE = regex.compile(r"(?<![\w.,+-])(?:\+|00)?\(?\d{1,4}\)?(?:[ .\-]?\(?\d{1,5}\)?){2,6}(?![\w]|[.,-]\d)")
_CARD = regex.compile(r"(?<![\w.,-])\d{4}(?:[ -]?\d{3,4}){2,4}(?:[ -]?\d{1,3})?(?![\w]|[.,-]\d)")
_IPV4 = regex.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = regex.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_NATIONAL_ID = regex.compile(
    r"(?i)(?:CCCD|CMND|CMTND|căn cước(?: công dân)?|chứng minh (?:nhân dân|thư)|số định danh(?: cá nhân)?)"
    r"[^\d\n]{0,20}(?<!\d)(\d{12}|\d{9})(?!\d)"
)
_DIGITS = regex.compile(r"\d")
# Nine digits apart by at most three of the separators the patterns allow: every phone
# number (9-15 digits), card number (13-19) and national ID (9 or 12) holds such a chain,
# and most news holds none, so one search spares three.
_LONG_NUMBER = regex.compile(r"\d(?:[ .\-()]{0,3}\d){8}")
_CARD_PREFIX = regex.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|6(?:011|5|4[4-9]|22)|35)")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of card numbers.

    >>> luhn_ok("4539578763621486"), luhn_ok("4539578763621487")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _is_phone(candidate: str) -> bool:
    import phonenumbers

    digits = "".join(_DIGITS.findall(candidate))
    if not 9 <= len(digits) <= 15:
        return False
    international = candidate.startswith(("+", "00"))
    if not international and not digits.startswith("0"):
        return False  # a Vietnamese number is written with its trunk 0 or with +84
    text = "+" + candidate.lstrip("+")[2:] if candidate.startswith("00") else candidate
    try:
        number = phonenumbers.parse(text, None if international else "VN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _is_card(candidate: str) -> bool:
    digits = "".join(_DIGITS.findall(candidate))
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn_ok(digits) and len(set(digits)) > 2


def _is_ipv4(candidate: str) -> bool:
    parts = candidate.split(".")
    return all(int(p) <= 255 and (p == "0" or not p.startswith("0")) for p in parts)


def _is_ipv6(candidate: str) -> bool:
    if candidate.count(":") < 2 or not any(c.isalnum() for c in candidate):
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def find(text: str, kinds: Iterable[str] = KINDS) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every personal datum, earliest first, not overlapping."""
    kinds = set(kinds)
    spans: list[tuple[int, int, str]] = []
    if "email" in kinds and "@" in text:
        spans += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    has_digits = _DIGITS.search(text) is not None
    long_number = has_digits and _LONG_NUMBER.search(text) is not None
    if long_number and "national_id" in kinds:
        spans += [(m.start(1), m.end(1), "national_id") for m in _NATIONAL_ID.finditer(text)]
    if long_number and "card" in kinds:
        spans += [(m.start(), m.end(), "card") for m in _CARD.finditer(text) if _is_card(m.group())]
    if has_digits and "ip" in kinds:
        spans += [(m.start(), m.end(), "ip") for m in _IPV4.finditer(text) if _is_ipv4(m.group())]
        if ":" in text:
            spans += [(m.start(), m.end(), "ip") for m in _IPV6.finditer(text) if _is_ipv6(m.group())]
    if long_number and "phone" in kinds:
        spans += [(m.start(), m.end(), "phone") for m in _PHONE.finditer(text) if _is_phone(m.group())]
    spans.sort()
    kept: list[tuple[int, int, str]] = []
    for span in spans:  # the earlier (and, at the same start, the first found) wins
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def redact(text: str, kinds: Iterable[str] = KINDS, mode: str = "replace") -> tuple[str, dict[str, int]]:
    """The text with personal data replaced by placeholders (or unchanged with
    mode="tag"), and the count per kind."""
    spans = find(text, kinds)
    counts: dict[str, int] = {}
    for _, _, kind in spans:
        counts[kind] = counts.get(kind, 0) + 1
    if mode != "replace" or not spans:
        return text, counts
    pieces, last = [], 0
    for start, end, kind in spans:
        pieces.append(text[last:start])
        pieces.append(PLACEHOLDERS[kind])
        last = end
    pieces.append(text[last:])
    return "".join(pieces), counts
