"""Shared helpers of the test files (collected as fixtures: the test files do not import
each other)."""

from __future__ import annotations

import unicodedata

import pytest

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as windows-1258 does: letters with their hats precomposed, tones apart."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += base.encode("cp1258") + "".join(c for c in parts if c in TONE_MARKS).encode("cp1258")
    return out


def to_tcvn3(text: str) -> bytes:
    """Lower-case Vietnamese in TCVN3 (ABC) bytes (its capitals came from another font)."""
    from corpuskit.legacy import _TCVN3_CODES

    table = {char: bytes([code]) for code, char in _TCVN3_CODES.items()}
    return b"".join(table.get(char) or char.encode("ascii") for char in text)


def to_vni(text: str) -> bytes:
    """Vietnamese in VNI: a base letter and its mark keys, as windows-1252 bytes."""
    from corpuskit.legacy import _VNI_SEQUENCES

    table: dict[str, str] = {}
    for sequence, char in _VNI_SEQUENCES.items():
        table.setdefault(char, sequence)
    return "".join(table.get(char, char) for char in text).encode("cp1252")


@pytest.fixture
def legacy_encoders() -> dict:
    """Encoders to the legacy Vietnamese encodings, by corpuskit's names for them."""
    return {"cp1258": to_cp1258, "tcvn3": to_tcvn3, "vni": to_vni}
