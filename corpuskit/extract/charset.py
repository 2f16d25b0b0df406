"""A web page's bytes to text: the character set as the web declares it, then detection.

Browsers decide in this order (the HTML standard's encoding sniffing): a byte-order mark,
the HTTP `Content-Type` charset, a `<meta charset>` or `<meta http-equiv>` in the first
kilobytes, then a guess. Declarations lie often enough (a page labelled UTF-8 that is
windows-1252, a server default of ISO-8859-1 on a UTF-8 page) that a declared charset is
used only when the bytes decode under it; otherwise the guess decides.

Vietnamese pages add two cases. windows-1258 writes tone marks as combining characters, so
its text is composed (NFC) afterwards. Pages typed in the old font encodings (TCVN3/ABC,
VNI) declare a Latin charset and spell Vietnamese with the font's glyph codes ("Hµ Néi");
corpuskit.legacy recognises and converts those after extraction, as normalize does.
"""

from __future__ import annotations

import codecs
import re

# The HTML standard's prescan looks at the first 1,024 bytes; real pages put their meta tag
# later than that (after long <script> or <link> blocks), so a larger window is read.
PRESCAN_BYTES = 16384

_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)

# Labels the web uses for an encoding Python names differently, and labels that mean a
# superset (the HTML standard decodes ISO-8859-1 and ASCII as windows-1252).
_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "windows-1252": "cp1252", "x-user-defined": "cp1252",
    "windows-1258": "cp1258", "x-viet-tcvn": "cp1252", "x-viet-vni": "cp1252",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "tis-620": "cp874", "iso-8859-11": "cp874",
    "shift-jis": "cp932", "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}


def codec_name(label: str | None) -> str | None:
    """Python's codec for a charset label, or None for a label no codec answers to.

    >>> codec_name("ISO-8859-1"), codec_name("Windows-1258"), codec_name("utf8"), codec_name("bogus")
    ('cp1252', 'cp1258', 'utf-8', None)
    """
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset of an HTTP Content-Type value.

    >>> header_charset("text/html; charset=UTF-8")
    'UTF-8'
    """
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag near its start.

    >>> meta_charset(b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    'windows-1258'
    """
    match = _META_CHARSET.search(data[:PRESCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def _bom(data: bytes) -> tuple[str, int] | None:
    for mark, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(mark):
            return name, len(mark)
    return None


def _try(data: bytes, name: str) -> str | None:
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_page(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """The page's text and the charset it was read with.

    A declared charset wins when the bytes decode under it (a UTF-8 declaration is checked
    strictly: most lying declarations are UTF-8 ones); otherwise UTF-8, then detection
    (charset-normalizer), then windows-1252 with replacement characters, which always
    decodes and is the commonest truth behind a wrong label.

    >>> decode_page("Hà Nội".encode("utf-8"), "iso-8859-1")
    ('Hà Nội', 'utf-8')
    >>> decode_page("Cà phê".encode("cp1258"), "windows-1258")
    ('Cà phê', 'cp1258')
    """
    bom = _bom(data)
    if bom is not None:
        name, skip = bom
        return data[skip:].decode(name, errors="replace"), name
    declared = [codec_name(http_charset), codec_name(meta_charset(data))]
    utf8 = _try(data, "utf-8")
    for name in declared:
        if name is None:
            continue
        if name == "utf-8" or utf8 is not None:
            # UTF-8 bytes read as a Latin charset would be mojibake: a page whose bytes are
            # valid UTF-8 and hold non-ASCII is UTF-8 whatever its label says.
            if utf8 is not None:
                return utf8, "utf-8"
            continue
        text = _try(data, name)
        if text is not None:
            return text, name
    if utf8 is not None:
        return utf8, "utf-8"
    from corpuskit.legacy import decode_legacy_bytes

    vietnamese = decode_legacy_bytes(data)  # windows-1258, TCVN3 or VNI bytes, undeclared
    if vietnamese is not None:
        return vietnamese[0], vietnamese[1]
    guessed = _detect(data)
    if guessed is not None:
        return guessed
    return data.decode("cp1252", errors="replace"), "cp1252"


def _detect(data: bytes) -> tuple[str, str] | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency
        return None
    best = from_bytes(data[: 1 << 20]).best()
    if best is None or best.encoding is None or best.coherence <= 0:
        return None  # no language recognised: a guess from a few bytes is noise (cp1252 is likelier)
    name = codec_name(best.encoding)
    if name is None:
        return None
    text = _try(data, name)
    return (text, name) if text is not None else None
