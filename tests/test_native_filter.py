"""The compiled filter signals against the pure-Python ones, which are their specification.

Every value the core returns must be the value the Python signal function returns for the
same text (after `judge`'s rounding), on text written here, on 3,000 random documents made
of the hard parts (marks without letters, lone surrogates, unspaced scripts, title-case
and ligature letters, Telex and VNI strokes, every kind of line break, repeated lines and
phrases), and through the command line, where the two paths must write the same bytes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import textwrap
import sys
from pathlib import Path

import pytest

from corpuskit import native
from corpuskit.filter import families  # noqa: F401  (registers the signals)
from corpuskit.filter.batch import C4_SIGNALS, COUNTS, LINE_SIGNALS, TEXT_SIGNALS, TOKEN_SIGNALS, BatchSignals
from corpuskit.filter.packs import default_packs_dir, load_packs
from corpuskit.filter.signals import SIGNALS, TextView
from corpuskit.filter.text import is_hard_wrapped

ROOT = Path(__file__).resolve().parent.parent
needs_core = pytest.mark.skipif(native.core is None, reason=f"compiled core: {native.why_not}")


def test_character_tables_match_this_python():
    """native/src/tables.rs holds the classes of the running Python and regex module (a new
    release that moves a character fails here: run python native/gen_tables.py)."""
    sys.path.insert(0, str(ROOT / "native"))
    try:
        import gen_tables
    finally:
        sys.path.pop(0)
    assert gen_tables.OUT.read_text(encoding="utf-8") == gen_tables.render(), \
        "native/src/tables.rs is stale for this Python: run python native/gen_tables.py and rebuild"


PIECES = [
    "Hà Nội", "người", "được", "Nguyễn Văn A", "THÀNH PHỐ", "đồng", "Việt Nam", "khong co gi", "vieejt", "nuwowcs",
    "vie65t", "laf", "toois", "ddi", "Mr.", "U.S.", "the", "and", "of", "that", "với", "của", "là", "và",
    "1.500.000", "3,5%", "23-2-2024", "0912 345 678", "£1.2bn", "www.example.com/a-b", "ban@bao.vn",
    "...", "…", ".....", "!!", "?", "。", "！", "#", "##", "_", "__", "-", "•", "“", "”", "’", "(Ảnh minh họa)",
    "北京市", "東京", "ひらがな", "カタカナ", "ภาษาไทย", "ພາສາລາວ", "ភាសាខ្មែរ", "မြန်မာ", "한국어",
    "\u0301", "e\u0301", "\ud800", "\udfff", "\u200b", "\u00a0", "\x1c", "\x1d", "\u2028", "\u2029", "\x85",
    "\x0b", "\x0c", "\r\n", "\r", "\t", "ǅungla", "İstanbul", "straße", "ﬁnance", "Ωmega", "ΣΊΣΥΦΟΣ", "Москва",
    "NASA", "qxzjk", "sdfghj", "rhythm", "crwth", "ŉ", "ǰ", "Ⅻ", "²", "٣", "𝟘𝟙", "ꓽ", "꓿", "𐐀𐐨", "🙂",
    "function(x) {", "};", "var a = 1;", "<div>", "lorem ipsum", "[1]", "{", "}", "ａｂｃ", "ˆ", "ʰ", "ꜰ",
    # English chunks that take spaCy's rules apart: contractions, abbreviations, URLs, infixes
    "don't", "it's", "they’re", "we'll", "I'M", "(AP).", "A.", "B.", "e.g.", "i.e.", ":)", ";-)", "http://x.com/a",
    "https://bbc.co.uk/news.", "www.a.b/", "a.b@c.d.e", "x@y", "a+b", "3+4", "1-2", "3-", "well--known", "x—y",
    "a–b", "a~b", "a/b", "a:b", "a=b", "a<b", "A.B", "c.D", "foo,bar", "(word", "word)", "'quoted'", "$5", "+84",
    "+x", "§3", "and/or", "Ph.D.", "Jan.", "5.", "AB.", "aB.", "ÉÉ.", "...hi", "hi...", "“Hi.”", "Co.", "co.",
    "2^3", "4*5", "__init__", "«Non»", "‘a’", "a…b", "9+", "x++", "--", "..", ".", ",", "'", "’", "n't", "’s",
    # C4's line pass: citations, lorem ipsum, javascript and policies (with letters that lower to ASCII)
    "[1]", "[]", "[edit]", "[citation needed]", "[٣]", "[x]", "Lorem Ipsum", "LOREM İPSUM", "JavaScript", "javaKript",
    "cooKie policy", "Privacy Policy", "uses cookies.", "terms of use", '"', "'", "?", "!",
]


def random_text(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(0, 120)):
        roll = rng.random()
        if roll < 0.6:
            parts.append(rng.choice(PIECES))
        elif roll < 0.75:
            parts.append(chr(rng.choice([rng.randint(0x20, 0x2FF), rng.randint(0x300, 0x36F), rng.randint(0x1E00, 0x1EFF),
                                         rng.randint(0x2000, 0x2BFF), rng.randint(0x0E00, 0x0EFF), rng.randint(0x10000, 0x1FFFF),
                                         rng.randint(0xA640, 0xABFF), rng.randint(0x1D400, 0x1DFFF)])))
        elif roll < 0.85 and parts:
            parts.append(" ".join(parts[-rng.randint(1, min(12, len(parts))):]))  # a repeated phrase
        else:
            parts.append(rng.choice(["\n", "\n\n", " ", "  ", ". ", ", "]))
        parts.append(rng.choice([" ", " ", " ", "\n", "", "."]))
    return "".join(parts)


def wrapped_text(rng: random.Random) -> str:
    """Hard-wrapped copy (wire, e-mail): paragraphs of lower-case run-on words cut near a width."""
    width = rng.randint(30, 100)
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        words = [rng.choice(["the", "cat", "người", "được", "said.", "it’s", "(AP).", "end.”", "và", "ok!"])
                 for _ in range(rng.randint(10, 80))]
        paragraphs.append(textwrap.fill(" ".join(words), width))
    return rng.choice(["\n\n", "\n"]).join(paragraphs)


def python_values(text: str, lang: str, stop_lists) -> dict:
    view = TextView(text, lang)
    out = {}
    names = TOKEN_SIGNALS + TEXT_SIGNALS + LINE_SIGNALS + C4_SIGNALS
    for name in names:
        value = SIGNALS[name].function(view)
        out[name] = round(value, 6) if isinstance(value, float) else value
    for words in stop_lists:
        view.stop_words = words
        out[("stop_words", words)] = SIGNALS["stop_words"].function(view)
    return out


@pytest.fixture(scope="module")
def kit():
    if native.core is None:
        pytest.skip(f"compiled core: {native.why_not}")
    return BatchSignals(load_packs([str(default_packs_dir())]), every=True)


def assert_same(kit, texts, langs):
    compiled = kit.compute(texts, langs)
    for text, lang, found in zip(texts, langs, compiled):
        expected = python_values(text, lang, kit.stop_lists)
        assert found.keys() == expected.keys()
        for key, value in expected.items():
            assert type(found[key]) is type(value) and found[key] == value, (key, value, found[key], text[:300])


@needs_core
def test_written_text_gives_the_same_values(kit):
    texts = [
        "Hà Nội là thủ đô của Việt Nam. Thành phố có nhiều di tích!\n\nGiá 1.500.000 đồng, tăng 3,5%...",
        "the cat sat on the mat\nthe cat sat on the mat\nthe cat sat on the mat",
        "Vieejt Nam laf moojt nuwowcs. vie65t ddaay",
        "", " \n\t ", "...", "#", "北京市是中国的首都。東京はひらがなとカタカナ。",
        "NASA and the U.S. said: “Hi.” Then... left! qxzjk sdfghj rhythm crwth",
        "a b c d e f g h i j k " * 40,
    ]
    for lang in ("vi", "en", None, "und", "zh"):
        assert_same(kit, texts, [lang] * len(texts))


@needs_core
def test_three_thousand_random_documents_give_the_same_values(kit):
    rng = random.Random(19)
    texts = [random_text(rng) if i % 10 else wrapped_text(rng) for i in range(3000)]
    assert sum(is_hard_wrapped([x for x in t.split("\n") if x]) for t in texts) > 100  # the rejoining is tried
    langs = [rng.choice(["vi", "vi", "en", None, "und", "ja"]) for _ in texts]
    for start in range(0, len(texts), 500):
        assert_same(kit, texts[start:start + 500], langs[start:start + 500])
    # the random documents reach every signal (a test of zeros against zeros proves little)
    nonzero = {key if isinstance(key, str) else key[0] for found in kit.compute(texts, langs)
               for key, value in found.items() if value}
    assert nonzero == set(TOKEN_SIGNALS + TEXT_SIGNALS + LINE_SIGNALS + C4_SIGNALS) | {"stop_words"}


@needs_core
def test_a_batch_crosses_once_with_threads(kit):
    rng = random.Random(7)
    texts = [random_text(rng) for _ in range(200)]
    langs = ["vi"] * len(texts)
    one = kit.compute(texts, langs)
    kit.threads = 2
    try:
        assert kit.compute(texts, langs) == one
    finally:
        kit.threads = 1


@needs_core
def test_the_command_line_writes_the_same_bytes_on_both_paths(tmp_path):
    rng = random.Random(3)
    docs = [{"id": str(i), "text": random_text(rng), "metadata": {}} for i in range(150)]
    docs += [{"id": "vi", "text": "Hà Nội là thủ đô của Việt Nam, nơi có nhiều di tích lịch sử nổi tiếng. " * 8},
             {"id": "en", "text": "The minister said on Monday that the plan would go ahead. " * 8}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")  # surrogates as escapes
    outputs = {}
    for pure in ("0", "1"):
        out = tmp_path / f"out{pure}.jsonl"
        rejected = tmp_path / f"rejected{pure}.jsonl"
        env = {**os.environ, "CORPUSKIT_PURE": pure}
        for mode in ("tag", "drop"):
            subprocess.run([sys.executable, "-m", "corpuskit", "filter", str(source), "-o", str(out), "--mode", mode,
                            "--rejected", str(rejected), "-p", str(default_packs_dir()), "-p", str(default_packs_dir() / "parity"),
                            "-q"], check=True, env=env)
            outputs[pure, mode] = out.read_bytes() + rejected.read_bytes()
    assert outputs["0", "tag"] == outputs["1", "tag"]
    assert outputs["0", "drop"] == outputs["1", "drop"]
    assert b'"quality"' in outputs["0", "tag"]


def test_counts_are_integers_in_both_paths():
    assert COUNTS <= set(TOKEN_SIGNALS + TEXT_SIGNALS + LINE_SIGNALS + C4_SIGNALS) | {"stop_words"}


@needs_core
def test_the_core_rounds_as_python_does():
    """Values leave the core rounded to 6 places: the same doubles as Python's round(x, 6),
    ties (1/128 = 0.0078125) to even, on every fraction p/q up to q = 600 and random values."""
    from array import array

    rng = random.Random(11)
    values = [p / q for q in range(1, 601) for p in range(q + 1)]
    values += [rng.random() for _ in range(50000)] + [rng.uniform(0, 1e12) for _ in range(5000)]
    values += [k / 2 ** m for m in range(1, 40) for k in range(1, 99, 2)] + [5e-7, 2.5e-6, 5e-324, 1e300]
    out = array("d")
    out.frombytes(native.core.round6(array("d", values).tobytes()))
    assert [v for v, r in zip(values, out) if r != round(v, 6)] == []
