"""Property-based: whatever bytes arrive, every command ends with exit 0, 1 or 2, one-line
messages, its input untouched, and either all its outputs or none of them.

The generators are hostile on purpose: random bytes, compressed garbage and truncated
compressed streams, JSON nested deep, lone surrogates, runs of combining marks, long
lines, NULs, malformed and odd-typed records. The suite runs a few dozen examples per
command (fast); `make fuzz` runs the same properties for a long campaign
(HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import tempfile
from pathlib import Path

import zstandard
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuskit.cli import cli

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

MARKS = "\u0300\u0301\u0303\u0309\u0323\u0306\u0302\u031b"
VIETNAMESE = "aăâeêioôơuưyđAĂÂĐ bcdghklmnpqrstvx.,:;!?()\"'-—…\n"

hostile_chars = st.one_of(
    st.characters(),  # any code point but surrogates
    st.sampled_from(list(MARKS + VIETNAMESE + "\x00\r\t\u00a0\u200b\ufeff\u2028")),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
)


@st.composite
def hostile_text(draw) -> str:
    parts = draw(st.lists(st.one_of(
        st.text(hostile_chars, max_size=40),
        st.builds(lambda base, n: base + MARKS[: 1 + n % len(MARKS)] * n, st.sampled_from("aeoAĐ"), st.integers(0, 3000)),
        st.builds(lambda char, n: char * n, st.sampled_from(list("a .\n-Đ…")), st.integers(0, 20000)),
        st.sampled_from(["Theo TNO", "Video đang HOT", "Ảnh: AFP", "./.", "Tin liên quan", "(Theo Reuters)"]),
    ), max_size=8))
    return "".join(parts)


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)  # escapes keep lone surrogates expressible


@st.composite
def hostile_record(draw) -> str:
    kind = draw(st.sampled_from(["doc", "doc", "doc", "malformed", "deep", "odd", "notobject"]))
    text = _json_string(draw(hostile_text()))
    if kind == "doc":
        meta = draw(st.sampled_from(['{}', '{"part": 99999999999}', '{"title": null, "source": ["a", 1]}',
                                     '{"boundaries": [{"line": "x"}, 5]}', '{"stripped": {"a": "b"}}']))
        return f'{{"id": {_json_string(draw(st.text(hostile_chars, max_size=8)))}, "text": {text}, "metadata": {meta}}}'
    if kind == "malformed":
        return draw(st.sampled_from(['{"id": ', '{"text": 5}', '{"text": "a", "metadata": 3}', "{}", '{"id": [1], "text": "x"}']))
    if kind == "deep":
        depth = draw(st.integers(10, 20000))
        return '{"text": "x", "metadata": {"a": ' + "[" * depth + "]" * depth + "}}"
    if kind == "odd":
        return f'{{"text": {text}, "id": {draw(st.integers())}, "extra": {{"x": 1}}}}'
    return draw(st.sampled_from(["[1, 2]", '"text"', "null", "3"]))


@st.composite
def hostile_input(draw) -> tuple[str, bytes]:
    """(file name, bytes): JSON lines, plain text, raw bytes or compressed, maybe truncated."""
    form = draw(st.sampled_from(["jsonl", "text", "bytes", "gz", "zst", "bz2"]))
    if form == "bytes":
        return draw(st.sampled_from(["in.txt", "in.jsonl"])), draw(st.binary(max_size=3000))
    if form == "text":
        raw = draw(hostile_text()).encode("utf-8", "surrogatepass")
        return "in.txt", raw
    raw = "\n".join(draw(st.lists(hostile_record(), min_size=0, max_size=6))).encode("utf-8")
    if form == "jsonl":
        return "in.jsonl", raw
    packed = {"gz": gzip.compress, "bz2": bz2.compress, "zst": zstandard.ZstdCompressor().compress}[form](raw)
    cut = draw(st.integers(0, len(packed)))
    return f"in.jsonl.{form}", packed[:cut] if draw(st.booleans()) else packed


COMMANDS = {
    "normalize": ["normalize", "{in}", "-o", "out.jsonl", "--stats", "stats.json", "-j", "1"],
    "strip": ["strip", "{in}", "-o", "out.jsonl", "--removed", "removed.jsonl", "-j", "1"],
    "split": ["split", "{in}", "-o", "out.jsonl", "--report", "report.jsonl", "-j", "1"],
    "clean": ["clean", "{in}", "-o", "out.jsonl", "--removed", "removed.jsonl", "--report", "report.jsonl", "--stats", "stats.json", "-j", "1"],
    "clean-jobs": ["clean", "{in}", "-o", "out.jsonl", "--stats", "stats.json", "-j", "2"],
    "detect": ["detect", "{in}", "-o", "draft.yaml", "--min-docs", "1", "-j", "1"],
    "export": ["export", "ds", "{in}", "--duplicates", "dups.jsonl", "--stats", "stats.json", "-q"],
    "dedup": ["dedup", "{in}", "-o", "out.jsonl", "--duplicates", "dups.jsonl", "--lines", "remove", "--line-min-docs", "2",
              "--removed", "removed.jsonl", "--stats", "stats.json", "-q"],
}
OUTPUTS = {"out.jsonl", "stats.json", "removed.jsonl", "report.jsonl", "draft.yaml", "dups.jsonl", "ds"}


def check_command(name: str, file_name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / file_name).write_bytes(data)
        args = [a.replace("{in}", file_name) for a in COMMANDS[name]]
        cwd = os.getcwd()
        os.chdir(work)
        try:
            result = CliRunner().invoke(cli, args)
        finally:
            os.chdir(cwd)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output and "unexpected error" not in result.output, result.output
        assert (work / file_name).read_bytes() == data  # the input is untouched
        left = {p.name for p in work.iterdir()} - {file_name}
        assert not [n for n in left if n.startswith(".")], left  # no temporary left behind
        expected = {a for a in args if a in OUTPUTS}
        if result.exit_code == 0:
            assert left == expected, (left, result.output)
            if "out.jsonl" in left:
                for line in (work / "out.jsonl").read_bytes().splitlines():
                    record = json.loads(line)
                    assert set(record) == {"id", "text", "metadata"}
        else:
            assert left == set(), (left, result.output)  # a failure writes nothing at all


@given(hostile_input())
def test_normalize_survives_hostile_input(case):
    check_command("normalize", *case)


@given(hostile_input())
def test_strip_survives_hostile_input(case):
    check_command("strip", *case)


@given(hostile_input())
def test_split_survives_hostile_input(case):
    check_command("split", *case)


@given(hostile_input())
def test_clean_survives_hostile_input(case):
    check_command("clean", *case)


@settings(max_examples=8)
@given(hostile_input())
def test_clean_with_jobs_survives_hostile_input(case):
    check_command("clean-jobs", *case)


@given(hostile_input())
def test_detect_survives_hostile_input(case):
    check_command("detect", *case)


@given(hostile_input())
def test_export_survives_hostile_input(case):
    check_command("export", *case)


@given(hostile_input())
def test_dedup_survives_hostile_input(case):
    check_command("dedup", *case)
