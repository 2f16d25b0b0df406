"""Legacy Vietnamese encodings: TCVN3 (ABC), VNI, VIQR and windows-1258.

Before Unicode, Vietnamese text was typed in 8-bit font encodings. Such text reaches a
corpus in two ways: as bytes that are not UTF-8 (an old file), or as Unicode that spells
the font's glyph codes ("Hµ Néi" for "Hà Nội") because someone converted the bytes as if
they were Latin-1. Both are handled here. Detection converts a document with each
candidate encoding and keeps a conversion only when the changed words turn into
Vietnamese syllables and were not Vietnamese before, so ordinary Unicode Vietnamese and
other languages are never converted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable

import regex

from corpuskit.marks import nfc
from corpuskit.scan import Hint
from corpuskit.vietnamese import TONE_MARKS, is_vietnamese_word

ENCODINGS = ("tcvn3", "vni", "viqr", "cp1258")

# ---------------------------------------------------------------------------------------
# TCVN3: one byte per letter; upper-case toned letters share the lower-case codes (the
# capitals came from a separate font), so capitals are restored from the word's case.

_TCVN3_CODES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
_TCVN3_GLYPHS = regex.escape("".join(chr(code) for code in _TCVN3_CODES))
# A word holding at least one glyph code; converted word by word to restore its capitals.
# Anchored at the start of a word: tried from inside words as well, the leading run would
# be re-scanned from every position of a long glyph-less word (quadratic time).
_TCVN3_WORD_RE = regex.compile(rf"(?<![\p{{L}}{_TCVN3_GLYPHS}])[\p{{L}}{_TCVN3_GLYPHS}]*[{_TCVN3_GLYPHS}][\p{{L}}{_TCVN3_GLYPHS}]*")


def _restore_capitals(word: str) -> str:
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and sum(c.isupper() for c in letters) > len(letters) / 2:
        return word.upper()
    return word


def decode_tcvn3(text: str) -> str:
    """Map TCVN3 glyph codes (read as Latin-1 characters) to Unicode letters.

    >>> decode_tcvn3("Hµ Néi, ViÖt Nam, HµNéI")
    'Hà Nội, Việt Nam, HÀNỘI'
    """
    return _TCVN3_WORD_RE.sub(lambda m: _restore_capitals(m.group(0).translate(_TCVN3_CODES)), text)


# ---------------------------------------------------------------------------------------
# VNI: a base letter followed by one modifier byte, plus a few one-byte letters.

# Modifier byte -> index into TONE_MARKS (huyền, sắc, hỏi, ngã, nặng).
_VNI_TONES = {"ø": 0, "ù": 1, "û": 2, "õ": 3, "ï": 4}  # after a e o u y ơ ư
_VNI_HAT_TONES = {"à": 0, "á": 1, "å": 2, "ã": 3, "ä": 4}  # after a e o: â ê ô
_VNI_BREVE_TONES = {"è": 0, "é": 1, "ú": 2, "ü": 3, "ë": 4}  # after a: ă


def _nfc(text: str) -> str:
    return nfc(text)  # linear even on runs of tone marks (corpuskit.marks)


def _build_vni_sequences() -> dict[str, str]:
    seq: dict[str, str] = {}
    for base in "aeouy":
        for mod, tone in _VNI_TONES.items():
            seq[base + mod] = _nfc(base + TONE_MARKS[tone])
    for base, hat in (("a", "â"), ("e", "ê"), ("o", "ô")):
        seq[base + "â"] = hat
        for mod, tone in _VNI_HAT_TONES.items():
            seq[base + mod] = _nfc(hat + TONE_MARKS[tone])
    seq["aê"] = "ă"
    for mod, tone in _VNI_BREVE_TONES.items():
        seq["a" + mod] = _nfc("ă" + TONE_MARKS[tone])
    for horn_glyph, horn in (("ô", "ơ"), ("ö", "ư")):
        for mod, tone in _VNI_TONES.items():
            seq[horn_glyph + mod] = _nfc(horn + TONE_MARKS[tone])
        seq[horn_glyph] = horn
    seq.update({"í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ", "ñ": "đ"})
    return seq


_VNI_SEQUENCES = _build_vni_sequences()
_VNI_RE = regex.compile(
    "|".join(regex.escape(k) for k in sorted(_VNI_SEQUENCES, key=len, reverse=True)),
    regex.IGNORECASE,
)


def _vni_replace(match: regex.Match) -> str:
    found = match.group(0)
    converted = _VNI_SEQUENCES[found.lower()]
    return converted.upper() if found[0].isupper() else converted


def decode_vni(text: str) -> str:
    """Map VNI (Windows) letter sequences to Unicode letters.

    >>> decode_vni("Vieät Nam, Haø Noäi, Tröôøng, Ñaø Naüng, AÁn Ñoä")
    'Việt Nam, Hà Nội, Trường, Đà Nẵng, Ấn Độ'
    """
    return _VNI_RE.sub(_vni_replace, text)


# ---------------------------------------------------------------------------------------
# VIQR: ASCII with marks typed after the vowel: a( a^ e^ o^ o+ u+ dd and ' ` ? ~ . tones.

_VIQR_HATS = {"(": "\u0306", "^": "\u0302", "+": "\u031b"}
_VIQR_TONES = {"`": "\u0300", "'": "\u0301", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_RE = regex.compile(
    r"(?<![A-Za-z\\])([dD])[dD](?=[A-Za-z])"  # dd -> đ, only at the start of a word
    r"|([aA](?:\((?=[A-Za-z`'?~.])|\^)|[eEoO]\^|[oOuU]\+|[aeiouyAEIOUY])"
    r"(?:([`'~])|([?.])(?=([A-Za-z])?))?"
)
_VALID_HAT = {"a(", "a^", "e^", "o^", "o+", "u+"}


def _viqr_replace(match: regex.Match) -> str:
    if match.group(1):
        return "Đ" if match.group(1).isupper() else "đ"
    vowel = match.group(2)
    tone = match.group(3) or match.group(4)
    if match.group(4) and not match.group(5) and len(vowel) == 1:
        return match.group(0)  # word-final ? or . after a plain vowel: punctuation
    if len(vowel) == 1 and not tone:
        return vowel
    composed = vowel[0]
    if len(vowel) == 2:
        composed += _VIQR_HATS[vowel[1]]
    if tone:
        composed += _VIQR_TONES[tone]
    return _nfc(composed)


def decode_viqr(text: str) -> str:
    """Turn VIQR (Vietnamese typed in ASCII) into Unicode.

    At a word's end, `?` and `.` after a plain vowel are read as punctuation (far more
    common than an unescaped tone there); after a marked vowel (`e^?`) they are tones.

    >>> decode_viqr("Vie^.t Nam, Ha` No^.i, DDa`i truye^`n hi`nh, ddu+o+`ng? Co' the^? ddi.")
    'Việt Nam, Hà Nội, Đài truyền hình, đường? Có thể đi.'
    """
    return _VIQR_RE.sub(_viqr_replace, text)


# ---------------------------------------------------------------------------------------
# windows-1258: tone marks are separate combining characters. As Unicode text that was
# read as windows-1252 the marks show up as Ì ì Ò Þ ò after vowels.


def decode_cp1258_misread(text: str) -> str:
    """Undo windows-1258 text that was decoded as windows-1252/Latin-1.

    >>> decode_cp1258_misread("Viêòt Nam, HaÌ Nôòi")
    'Việt Nam, Hà Nội'
    """
    try:
        raw = text.encode("cp1252")
    except UnicodeEncodeError:
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            return text
    return _nfc(raw.decode("cp1258", errors="replace"))


# ---------------------------------------------------------------------------------------
# Detection


@dataclass(frozen=True)
class Codec:
    name: str
    decode_text: Callable[[str], str]
    # What any text in this encoding contains and ordinary text almost never does.
    hint: Hint
    decode_bytes: Callable[[bytes], str]

    @cached_property
    def hint_re(self) -> re.Pattern:
        return re.compile(f"[{self.hint.keys}]{self.hint.condition}")


_TCVN3_STRONG = re.escape("µ¶·¸¹»¼½¾ÆÇËÎÏÐÑÖ×ØÜÞßåæçëîïñö÷øûüþ§®¨©ª«¬\xad¡¢£¤¥¦")
_VNI_MODIFIERS = "ùøûõïäåüëÙØÛÕÏÄÅÜË"
CODECS = {
    "tcvn3": Codec(
        "tcvn3",
        decode_tcvn3,
        Hint("tcvn3", _TCVN3_STRONG),
        lambda data: decode_tcvn3(data.decode("latin-1")),
    ),
    "vni": Codec(
        "vni",
        decode_vni,
        Hint(
            "vni",
            f"{_VNI_MODIFIERS}ñÑ",
            f"(?:(?<=[aeouyAEOUYôöÔÖ][{_VNI_MODIFIERS}])|(?<=[ñÑ])(?<![^\\W\\d_][ñÑ]))",
            forward=(f"[aeouyAEOUYôöÔÖ][{_VNI_MODIFIERS}]|[ñÑ]",),
        ),
        lambda data: decode_vni(data.decode("cp1252", errors="replace")),
    ),
    "viqr": Codec(
        "viqr",
        decode_viqr,
        # Keyed on the vowel-quality marks only: any Vietnamese paragraph has â ê ô ơ ư,
        # while `.` and `'` are too common in ordinary text to be worth stopping at.
        Hint(
            "viqr",
            r"\^(+",
            r"(?:(?<=[aeoAEO]\^)|(?<=[aA]\()(?=[a-zA-Z`'?~.])|(?<=[oOuU]\+))",
            forward=(r"[aeoAEO]\^|[aA]\(|[oOuU]\+",),
        ),
        lambda data: decode_viqr(data.decode("ascii", errors="replace")),
    ),
    "cp1258": Codec(
        "cp1258",
        decode_cp1258_misread,
        Hint(
            "cp1258",
            "ÌìÒÞò",
            "(?<=[aeiouyâêôõýAEIOUYÂÊÔÕÝ][ÌìÒÞò])",
            forward=("[aeiouyâêôõýAEIOUYÂÊÔÕÝ][ÌìÒÞò]",),
        ),
        lambda data: _nfc(data.decode("cp1258", errors="replace")),
    ),
}
HINTS = [codec.hint for codec in CODECS.values()]

# A decision needs at least this many converted words, this share of them Vietnamese
# after conversion, and at most this share Vietnamese before.
MIN_CHANGED_WORDS = 2
MIN_VALID_AFTER = 0.85
MAX_VALID_BEFORE = 0.5


def _conversion_is_sound(original: str, converted: str) -> bool:
    before_tokens = original.split()
    after_tokens = converted.split()
    if len(before_tokens) != len(after_tokens):
        return False
    changed = valid_after = valid_before = 0
    for before, after in zip(before_tokens, after_tokens):
        if before == after:
            continue
        changed += 1
        valid_after += is_vietnamese_word(after)
        valid_before += is_vietnamese_word(before)
    return (
        changed >= MIN_CHANGED_WORDS
        and valid_after >= MIN_VALID_AFTER * changed
        and valid_before <= MAX_VALID_BEFORE * changed
    )


def detect_legacy_text(text: str, candidates: Iterable[str] | None = None) -> str | None:
    """Name the legacy encoding that Unicode `text` spells, or None when it is ordinary text.

    >>> detect_legacy_text("Hµ Néi lµ thñ ®« cña ViÖt Nam"), detect_legacy_text("Hà Nội là thủ đô")
    ('tcvn3', None)
    """
    for codec in CODECS.values():
        if candidates is not None and codec.name not in candidates:
            continue
        if codec.hint_re.search(text) and _conversion_is_sound(text, codec.decode_text(text)):
            return codec.name
    return None


def convert_legacy_text(
    text: str, encoding: str = "auto", candidates: Iterable[str] | None = None
) -> tuple[str, str | None]:
    """Convert `text` from a legacy encoding: detected (`auto`), named, or not at all (`off`).

    Returns the text and the encoding that was converted from (None when nothing was).
    `candidates` limits detection to these encodings (those whose hint fired).
    """
    if encoding == "off":
        return text, None
    if encoding == "auto":
        found = detect_legacy_text(text, candidates)
        if found is None:
            return text, None
        encoding = found
    if encoding not in CODECS:
        raise ValueError(f"unknown legacy encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")
    converted = CODECS[encoding].decode_text(text)
    return converted, encoding if converted != text else None


def _share_vietnamese(text: str) -> tuple[int, int]:
    tokens = [t for t in text.split() if not t.isascii()]
    return sum(map(is_vietnamese_word, tokens)), len(tokens)


def decode_legacy_bytes(data: bytes) -> tuple[str, str] | None:
    """Decode bytes that are not UTF-8 with the legacy Vietnamese encoding that fits best.

    Each candidate decoding is scored by the share of its non-ASCII words that are
    Vietnamese syllables; the best one wins if that share is high. Returns (text, name) or
    None when no candidate reads as Vietnamese.
    """
    best = None
    best_score = 0.0
    for name in ("cp1258", "tcvn3", "vni"):
        text = CODECS[name].decode_bytes(data)
        valid, total = _share_vietnamese(text)
        if total < MIN_CHANGED_WORDS:
            continue
        score = valid / total
        if score > best_score:
            best, best_score = (text, name), score
    return best if best_score >= MIN_VALID_AFTER else None
