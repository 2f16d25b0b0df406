"""normalize: golden cases, ftfy equivalence and idempotence."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import ftfy
import pytest
from ftfy import badness
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.doc import Doc
from corpuskit.ftfy_check import any_line_is_bad
from corpuskit.legacy import decode_legacy_bytes, detect_legacy_text
from corpuskit.normalize import FTFY_CONFIG, NormalizeConfig, ftfy_lines_that_need_it, ftfy_would_change, normalize, normalize_and_explain, normalize_text
from corpuskit.stats import Stats
from corpuskit.vietnamese import is_vietnamese_syllable, place_tones

CASES = Path(__file__).parent / "cases" / "normalize"
SEEDS = Path(__file__).parent.parent / "seeds"


def load_cases():
    return [
        pytest.param(case, id=f"{path.stem}: {case['name']}")
        for path in sorted(CASES.glob("*.json"))
        for case in json.loads(path.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", load_cases())
def test_golden_case(case):
    config = NormalizeConfig(**case.get("config", {}))
    text, steps = normalize_and_explain(case["input"], config)
    assert text == case["expected"]
    if "steps" in case:
        assert steps == case["steps"]


@pytest.mark.parametrize("codec", ["latin-1", "sloppy-windows-1252"])
def test_mojibake_of_vietnamese(codec):
    # sloppy-windows-1252 is cp1252 with its holes (0x81, 0x8d...) filled, as browsers decode
    original = "Thỏa thuận hợp tác giữa hai nước được ký kết tại Hà Nội"
    broken = original.encode("utf-8").decode(codec)
    assert broken != original
    assert normalize_text(broken) == original


def test_nfd_from_macos_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Thủy ở Đà Nẵng")
    assert normalize_text(nfd) == "Nguyễn Thị Thủy ở Đà Nẵng"


@pytest.mark.parametrize("old,new", [("hòa", "hoà"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("Hóa", "Hoá"), ("LÒA", "LOÀ"), ("tủy", "tuỷ"), ("họa", "hoạ"), ("xòe", "xoè")])
def test_tone_table_both_ways(old, new):
    assert place_tones(new, "old") == old
    assert place_tones(old, "new") == new


def test_syllable_check_knows_vietnamese_from_foreign_words():
    for word in ("Nguyễn", "nghiêng", "quốc", "giữa", "khuya", "thuở", "xoong", "Trường"):
        assert is_vietnamese_syllable(word), word
    for word in ("Zoé", "Müller", "street", "Bernoé", "hoàà"):
        assert not is_vietnamese_syllable(word), word


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_no_false_legacy_conversion_on_seeds(path):
    text = path.read_text(encoding="utf-8")
    assert detect_legacy_text(text) is None
    _, steps = normalize_and_explain(text)
    assert not any(step.startswith("legacy") for step in steps)


def test_legacy_bytes_are_detected(legacy_encoders):
    unicode_text = "Hà Nội là thủ đô của nước Việt Nam, thành phố có nhiều hồ đẹp"
    assert decode_legacy_bytes(legacy_encoders["cp1258"](unicode_text)) == (unicode_text, "cp1258")
    tcvn3 = "Hµ Néi lµ thñ ®« cña n\xadíc ViÖt Nam".encode("latin-1")
    assert decode_legacy_bytes(tcvn3) == ("Hà Nội là thủ đô của nước Việt Nam", "tcvn3")
    vni = "Haø Noäi laø thuû ñoâ cuûa nöôùc Vieät Nam".encode("cp1252")
    assert decode_legacy_bytes(vni) == ("Hà Nội là thủ đô của nước Việt Nam", "vni")
    assert decode_legacy_bytes("Größe und Maße".encode("latin-1")) is None


def test_metadata_lists_the_steps_and_keeps_other_keys():
    docs = [Doc("a", "hoà  bình", {"site": "x"}), Doc("b", "sạch", {})]
    stats = Stats()
    out = list(normalize(docs, stats=stats))
    assert out[0].metadata == {"site": "x", "normalized": ["tone", "whitespace"]}
    assert out[1] is docs[1]  # unchanged documents pass through as they are
    assert stats.get("normalize", "documents") == 2
    assert stats.get("normalize", "changed_by_tone") == 1


# --- properties ---------------------------------------------------------------------------

VIETNAMESE = "aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
NOISE = " \t\n\r\u00a0\u200b\u200d\u00ad\ufeff\u0300\u0301\u0323\u0309ÐðÃÂ¢€“”‘’–…&<;#µ¶®§©«»"
text_strategy = st.text(alphabet=st.sampled_from(list("bcdghklmnpqrstvx" + VIETNAMESE + NOISE + "Qq.,!?")), max_size=60)


@settings(max_examples=400, deadline=None)
@given(text_strategy)
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_normalize_is_idempotent_on_any_unicode(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


BADNESS_ALPHABET = sorted(set("aAzZ .,?!\n\tÃÂ×²ÎÐÝØÙàâ√≈‚Äвβ€ĂăΒΓВГРСЂўāŒœ°µ»«“”‘’–—…¢£¥¦¤¨¬¯¸ƒˆ◊│┌═░") | set(VIETNAMESE))


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(BADNESS_ALPHABET), max_size=12))
def test_fast_badness_check_agrees_with_ftfy_line_by_line(text):
    expected = any(badness.is_bad(line) for line in text.splitlines(keepends=True))
    assert any_line_is_bad(text) == expected


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(BADNESS_ALPHABET + list("&#x;<>\x1b\x85\u2028ﬁ")), max_size=30))
def test_ftfy_is_only_skipped_when_it_changes_nothing(text):
    if not ftfy_would_change(text):
        assert ftfy.fix_text(text, FTFY_CONFIG) == text


@settings(max_examples=600, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(BADNESS_ALPHABET + list("\r\r\r\x1b<&;x ")), max_size=12), max_size=6))
def test_ftfy_on_the_lines_that_need_it_equals_ftfy_on_the_text(lines):
    text = "\n".join(lines)
    assert ftfy_lines_that_need_it(text) == ftfy.fix_text(text, FTFY_CONFIG)


def test_mojibake_line_among_clean_lines_is_fixed_alone():
    clean = "Hà Nội là thủ đô."
    broken = "Thỏa thuận hợp tác".encode("utf-8").decode("sloppy-windows-1252")
    text = "\n".join([clean, broken, clean])
    assert ftfy_lines_that_need_it(text) == ftfy.fix_text(text, FTFY_CONFIG) == "\n".join([clean, "Thỏa thuận hợp tác", clean])


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_seed_output_equals_ftfy_then_other_steps(path):
    text = path.read_text(encoding="utf-8")
    reference = normalize_text(ftfy.fix_text(text, FTFY_CONFIG), NormalizeConfig(legacy="off", ftfy=False))
    assert normalize_text(text) == reference


def test_results_do_not_depend_on_the_gate_engine(monkeypatch):
    """The RE2 gate and the pure-`re` fallback must lead to the same output."""
    import corpuskit.normalize as normalize_module
    from corpuskit import scan

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [case.values[0]["input"] for case in load_cases()]
    with_re2 = [normalize_and_explain(t) for t in texts]
    assert normalize_module._plan(NormalizeConfig())[1].engine == "re2"
    monkeypatch.setattr(scan, "_re2_set", lambda hints: None)
    normalize_module._plan.cache_clear()
    try:
        assert normalize_module._plan(NormalizeConfig())[1].engine == "re"
        assert [normalize_and_explain(t) for t in texts] == with_re2
    finally:
        normalize_module._plan.cache_clear()
