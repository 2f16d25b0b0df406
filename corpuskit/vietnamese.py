"""Vietnamese orthography: letters, syllables, tone-mark placement and the Ð/Đ mix-up.

Scraped Vietnamese mixes two tone-placement conventions and several look-alike letters, so
two copies of the same sentence often differ byte for byte. Everything here works on
whole words and checks that a word is a plausible Vietnamese syllable before touching it,
so that names and words of other languages pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import regex

from corpuskit.scan import Hint

# Combining marks of the five tones, in the traditional order (huyền, sắc, hỏi, ngã, nặng).
TONE_MARKS = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")

# Vowels as they stand before a tone is added (vowel quality marks included).
BASE_VOWELS = "aăâeêioôơuưy"


def _compose(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + TONE_MARKS[tone - 1]) if tone else base


def _build_letter_table() -> dict[str, tuple[str, int]]:
    """Map every toned or plain Vietnamese vowel, both cases, to (base vowel, tone 0-5)."""
    table = {}
    for base in BASE_VOWELS + BASE_VOWELS.upper():
        for tone in range(6):
            table[_compose(base, tone)] = (base, tone)
    return table


LETTERS = _build_letter_table()
VOWEL_CHARS = "".join(LETTERS)

ONSETS = (
    "ngh ng gh gi kh nh ph th tr ch qu b c d đ g h k l m n p r s t v x".split()
)

# Rhymes (vowel nucleus plus coda), written without tone. Covers the standard inventory.
RHYMES = """
a ai ao au ay ac ach am an ang anh ap at
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên êng ênh êp êt êu
i ia ich im in inh ip it iu
iêc iêm iên iêng iêp iêt iêu
o oc oi om on ong op ot oong ooc
oa oac oach oai oam oan oang oanh oao oap oat oay
oăc oăm oăn oăng oăt
oe oem oen oeo oet
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua uc ui um un ung up ut
uân uâng uât uây
uê uêch uênh
uôc uôi uôm uôn uông uôt
uơ
uy uya uych uyên uyêt uyn uynh uyp uyt uyu
ư ưa ưc ưi ưm ưn ưng ưt ưu
ươc ươi ươm ươn ương ươp ươt ươu
y yêm yên yêng yêt yêu
""".split()

_SYLLABLE_RE = regex.compile(
    "(?:%s)?(?:%s)"
    % ("|".join(sorted(ONSETS, key=len, reverse=True)), "|".join(sorted(RHYMES, key=len, reverse=True)))
)


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """True when `word` spells one Vietnamese syllable: a known onset and rhyme, at most one tone.

    Used as the guard for every word-level rewrite, so that "Zoé" or "Müller" are never
    treated as Vietnamese.

    >>> is_vietnamese_syllable("Nguyễn"), is_vietnamese_syllable("hoà"), is_vietnamese_syllable("Zoé")
    (True, True, False)
    """
    bases = []
    tones = 0
    for char in word.lower():
        base_tone = LETTERS.get(char)
        if base_tone is None:
            bases.append(char)
            continue
        base, tone = base_tone
        bases.append(base)
        tones += tone > 0
    return tones <= 1 and _SYLLABLE_RE.fullmatch("".join(bases)) is not None


def is_vietnamese_word(token: str) -> bool:
    """A whitespace token (punctuation around it ignored) made of Vietnamese syllables.

    Hyphenated compounds ("Nga-Triều") count when every part is a syllable.
    """
    core = token.strip(_TOKEN_PUNCTUATION)
    return bool(core) and all(is_vietnamese_syllable(part) for part in core.split("-"))


_TOKEN_PUNCTUATION = ".,;:!?\"'()[]{}<>«»“”‘’…–—/"

# ---------------------------------------------------------------------------------------
# Tone placement in the open rhymes oa, oe, uy


def _vowel_class(base: str) -> str:
    return "".join(_compose(b, t) for b in (base, base.upper()) for t in range(6))


def _toned(base: str) -> str:
    return "".join(_compose(b, t) for b in (base, base.upper()) for t in range(1, 6))


_TONE_ONSET = "|".join(sorted((o for o in ONSETS if o != "qu"), key=len, reverse=True))
_O, _A, _E, _U, _Y = (_vowel_class(v) for v in "oaeuy")
_TONE_RE = re.compile(
    rf"(?<![^\W\d_])((?i:{_TONE_ONSET})?)"
    rf"(?:([{_O}])([{_A}{_E}])|([{_U}])([{_Y}]))"
    rf"(?![^\W\d_])"
)
# A pair in the other style than wanted, as hints for the one-pass gate.
TONE_HINTS = {
    # Keyed on plain o (2% of Vietnamese letters) rather than toned a/e (4%), and on the
    # rare toned y for uy.
    "old": Hint(
        "tone",
        "oO" + _toned("y"),
        rf"(?:(?<=[oO])[{_toned('a')}{_toned('e')}]|(?<=[uU][{_toned('y')}]))(?![^\W\d_])",
        frequent=True,
        forward=(f"(?:[oO][{_toned('a')}{_toned('e')}]|[uU][{_toned('y')}])(?:[^\\pL]|$)",),
    ),
    "new": Hint(
        "tone",
        _toned("o") + _toned("u"),
        rf"(?:(?<=[{_toned('o')}])[aAeE]|(?<=[{_toned('u')}])[yY])(?![^\W\d_])",
        frequent=True,
        forward=(f"(?:[{_toned('o')}][aAeE]|[{_toned('u')}][yY])(?:[^\\pL]|$)",),
    ),
}
_TONE_HINT_RES = {style: re.compile(f"[{h.keys}]{h.condition}") for style, h in TONE_HINTS.items()}
ETH_HINT = Hint("dstroke", "Ðð")


def _retone(char: str, tone: int) -> str:
    base, _ = LETTERS[char]
    return _compose(base, tone)


def _place_tone(match: re.Match, style: str) -> str:
    onset = match.group(1)
    first = match.group(2) or match.group(4)
    second = match.group(3) or match.group(5)
    tone_first, tone_second = LETTERS[first][1], LETTERS[second][1]
    if (tone_first == 0) == (tone_second == 0):
        return match.group(0)  # no tone, or two tones (not a real syllable): leave alone
    tone = tone_first or tone_second
    if style == "old":
        return onset + _retone(first, tone) + _retone(second, 0)
    return onset + _retone(first, 0) + _retone(second, tone)


def place_tones(text: str, style: str = "old") -> str:
    """Put the tone mark of open oa/oe/uy syllables where `style` says.

    `old` (traditional, most of the press) marks the first vowel, `new` (1980s reform)
    the second. Syllables with a final consonant, qu-/gi- syllables and words with a
    non-Vietnamese onset are left as they are, since both conventions agree there.

    >>> place_tones("hoà bình, thuỷ lợi, KHOẺ, quý, hoàng", "old")
    'hòa bình, thủy lợi, KHỎE, quý, hoàng'
    >>> place_tones("hòa, thủy, Khỏe", "new")
    'hoà, thuỷ, Khoẻ'
    """
    if style == "keep":
        return text
    if style not in ("old", "new"):
        raise ValueError(f"unknown tone style {style!r}: use old, new or keep")
    if not _TONE_HINT_RES[style].search(text):
        return text
    return _TONE_RE.sub(lambda m: _place_tone(m, style), text)


# ---------------------------------------------------------------------------------------
# Ð (Icelandic eth) typed or converted in place of Đ

_ETH_RE = regex.compile(r"(?<!\p{L})[Ðð]\p{L}*")


def _fix_eth_word(match: regex.Match) -> str:
    word = match.group(0)
    fixed = word.replace("Ð", "Đ").replace("ð", "đ")
    return fixed if is_vietnamese_syllable(fixed) else word


def fix_eth(text: str) -> str:
    """Replace Ð/ð by Đ/đ at the start of words that then read as Vietnamese syllables.

    Old fonts and some converters put U+00D0 (Icelandic eth) where U+0110 belongs; the two
    look alike but never match in search or dedup. Icelandic or Faroese words keep theirs.

    >>> fix_eth("Ðà Nẵng, ÐỒNG, ðược; Ðórður")
    'Đà Nẵng, ĐỒNG, được; Ðórður'
    """
    if "Ð" not in text and "ð" not in text:
        return text
    return _ETH_RE.sub(_fix_eth_word, text)
