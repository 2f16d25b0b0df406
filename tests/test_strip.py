"""strip and rules: every action, scoping, include, validation errors and the audit outputs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.doc import Doc
from corpuskit.rules import RuleError, load_rules
from corpuskit.stats import Stats
from corpuskit.strip import strip

ROOT = Path(__file__).resolve().parent.parent


def write_rules(tmp_path: Path, body: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def run_strip(tmp_path, body, text, metadata=None):
    files = load_rules([str(write_rules(tmp_path, body))])
    removals = []
    docs = list(strip([Doc("d", text, metadata or {})], files, Stats(), removals.append))
    return (docs[0] if docs else None), removals


def test_drop_line_compares_with_spaces_collapsed(tmp_path):
    doc, removals = run_strip(tmp_path, """
        name: t
        rules:
          - {id: hot, drop_line: "Video đang HOT"}
    """, "Một.\n  Video   đang HOT \nHai.")
    assert doc.text == "Một.\nHai."
    assert [(r.line, r.rule) for r in removals] == [(2, "hot")]
    assert doc.metadata["stripped"] == {"hot": 1}


def test_drop_line_regex_is_a_full_line_match_and_ignore_case(tmp_path):
    doc, _ = run_strip(tmp_path, """
        name: t
        rules:
          - {id: share, drop_line_regex: 'share (this|on \\w+)', ignore_case: true}
    """, "Text.\nShare on Facebook\nShare this article with friends, they said.")
    assert doc.text == "Text.\nShare this article with friends, they said."


def test_remove_regex_keeps_the_rest_of_the_line(tmp_path):
    doc, removals = run_strip(tmp_path, """
        name: t
        rules:
          - {id: credit, remove_regex: '\\s*\\(Photo: [^)]*\\)'}
    """, "The mayor spoke (Photo: AP) to reporters.\n(Photo: Reuters)")
    assert doc.text == "The mayor spoke to reporters."
    assert [(r.kind, r.text) for r in removals] == [("span", " (Photo: AP)"), ("line", "(Photo: Reuters)")]


def test_cut_from_marker_to_the_end_and_between_markers(tmp_path):
    doc, removals = run_strip(tmp_path, """
        name: t
        rules:
          - {id: related, cut_from: "Related stories"}
          - {id: ad, cut_from_regex: '-+ ?ADVERTISEMENT ?-+', cut_to: "END AD"}
    """, "A.\n--- ADVERTISEMENT ---\nBuy now\nEND AD\nB.\nRelated stories\nOne\nTwo")
    assert doc.text == "A.\nB."
    assert [r.rule for r in removals] == ["ad"] * 3 + ["related"] * 3


def test_capture_moves_attribution_to_metadata(tmp_path):
    body = """
        name: t
        rules:
          - {id: src, capture_regex: 'Theo (?P<source>[A-Z]\\w+)'}
    """
    doc, _ = run_strip(tmp_path, body, "Một.\nTheo TNO\nHai.\nTheo TNO")
    assert doc.text == "Một.\nHai."
    assert doc.metadata["source"] == "TNO"
    doc, _ = run_strip(tmp_path, body, "Một.\nTheo TNO\nHai.\nTheo Dantri")
    assert doc.metadata["source"] == ["TNO", "Dantri"]


def test_drop_document(tmp_path):
    doc, removals = run_strip(tmp_path, """
        name: t
        rules:
          - {id: nav-page, drop_document_regex: '404 - (?:Page|Trang) (?:not found|không tồn tại)'}
    """, "Menu\n404 - Page not found\nHome")
    assert doc is None
    assert [(r.kind, r.rule, r.line) for r in removals] == [("document", "nav-page", None)]


def test_position_limits_count_non_blank_lines(tmp_path):
    body = """
        name: t
        rules:
          - {id: crumb, drop_line: "News", first: 1}
          - {id: top, drop_line: "Top", last: 1}
    """
    doc, _ = run_strip(tmp_path, body, "\nNews\nTitle\nNews\nTop in the league\nTop\n")
    assert doc.text == "Title\nNews\nTop in the league"  # the leading blank goes as blank-lines


def test_blank_lines_left_by_removals_are_accounted(tmp_path):
    doc, removals = run_strip(tmp_path, """
        name: t
        rules:
          - {id: hot, drop_line: "HOT"}
    """, "A\n\nHOT\n\nB\n\nHOT")
    assert doc.text == "A\n\nB"
    assert sorted(r.rule for r in removals) == ["blank-lines", "blank-lines", "hot", "hot"]
    assert len(doc.text.split("\n")) + len(removals) == 7


def test_scope_by_metadata_path_and_text(tmp_path):
    files = load_rules([str(write_rules(tmp_path, """
        name: site
        scope:
          - metadata: {site: ["tno*"]}
          - path: "*/dantri/*"
          - text_regex: '(?m)^SIGNATURE$'
        rules:
          - {id: x, drop_line: "X"}
    """))])
    docs = [
        Doc("1", "a\nX", {"site": "tno.vn"}),
        Doc("2", "a\nX", {"path": "dump/dantri/1.txt"}),
        Doc("3", "a\nX\nSIGNATURE", {}),
        Doc("4", "a\nX", {"site": "other"}),
    ]
    assert [d.text for d in strip(docs, files)] == ["a", "a", "a\nSIGNATURE", "a\nX"]


def test_include_loads_once_and_in_order(tmp_path):
    write_rules(tmp_path, "name: base\nrules:\n  - {id: a, drop_line: A}\n", "base.yaml")
    write_rules(tmp_path, "name: one\ninclude: [base.yaml]\nrules:\n  - {id: b, drop_line: B}\n", "one.yaml")
    write_rules(tmp_path, "name: two\ninclude: base.yaml\nrules:\n  - {id: c, drop_line: C}\n", "two.yaml")
    files = load_rules([str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")])
    assert [f.name for f in files] == ["base", "one", "two"]


@pytest.mark.parametrize("body,message", [
    ("name: t\nrules:\n  - id: a\n    drop: x\n", "r.yaml:4: rules[0]: unknown key 'drop' in rule"),
    ("name: t\nrules:\n  - id: a\n    ignore_case: true\n", "r.yaml:3: rule 'a' has no action"),
    ("name: t\nrules:\n  - id: a\n    drop_line: x\n    cut_from: y\n", "r.yaml:5: rule 'a' has more than one action"),
    ("name: t\nrules:\n  - id: a\n    drop_line_regex: '(unclosed'\n", "r.yaml:4: invalid regex in drop_line_regex"),
    ("name: t\nrules:\n  - {id: a, drop_line: x}\n  - {id: a, drop_line: y}\n", "r.yaml:4: duplicate rule id 'a'"),
    ("name: t\ninclude: [missing.yaml]\nrules: []\n", "r.yaml:2: included file 'missing.yaml' not found"),
    ("name: t\nrules:\n  - {id: a, drop_line: x\n", "r.yaml:4: invalid YAML"),
    ("name: t\nrulez: []\n", "r.yaml:2: unknown key 'rulez'"),
    ("name: t\nrules:\n  - {id: a, capture_regex: 'Theo (.+)'}\n", "r.yaml:3: capture_regex needs at least one named group"),
    ("name: t\nrules:\n  - {id: a, drop_line: x, first: 0}\n", "r.yaml:3: rules[0].first: expected a whole number of lines, at least 1, got 0"),
    ("name: t\nrules:\n  - id: a\n    drop_line: x\n    boundary: after\n", "r.yaml:5: rules[0].boundary: 'after' is not one of: end, start"),
    ("name: t\nrules:\n  - {id: a, cut_from: x, boundary: end}\n", "r.yaml:3: boundary goes with"),
])
def test_rule_errors_name_file_and_line(tmp_path, body, message):
    path = write_rules(tmp_path, body)
    with pytest.raises(RuleError) as error:
        load_rules([str(path)])
    assert str(error.value).startswith(str(tmp_path / message.split(":")[0]) + ":")
    assert message.split(":", 1)[1] in str(error.value)
    result = CliRunner().invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 2
    assert message.split(":", 1)[1] in result.stderr
    assert "Traceback" not in result.output


def test_include_cycle_is_reported(tmp_path):
    write_rules(tmp_path, "name: a\ninclude: [b.yaml]\nrules: []\n", "a.yaml")
    write_rules(tmp_path, "name: b\ninclude: [a.yaml]\nrules: []\n", "b.yaml")
    with pytest.raises(RuleError, match="include cycle"):
        load_rules([str(tmp_path / "a.yaml")])


def test_rules_test_reports_failures_like_a_test_runner(tmp_path):
    path = write_rules(tmp_path, """
        name: t
        rules:
          - id: hot
            drop_line: HOT
            examples:
              - {input: "a\\nHOT", output: "a"}
              - {input: "a\\nHOT", output: "a\\nHOT"}
    """)
    result = CliRunner().invoke(cli, ["rules", "test", str(path)])
    assert result.exit_code == 1
    assert f"FAIL {path}:8: rule hot" in result.stdout
    assert "1 passed, 1 failed" in result.stdout


def test_bundled_packs_pass_their_examples():
    result = CliRunner().invoke(cli, ["rules", "test", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    assert " passed, 0 failed" in result.stdout


# --- end to end on seeds/ -------------------------------------------------------------------

FURNITURE = [
    "Video đang HOT", "Theo TNO", "Theo Dantri", "TTXVN/Tin Tức", "Vietnamplus/VNP", "Ảnh: Reuters",
    "Ảnh:AFP/TTXVN", "Ảnh: AFP/TTXVN", "Ảnh: Yonhap/TTXVN", "Các tin khác", "Chia sẻ:", "Xem các tin đã đưa ngày:",
    "Tin trong: Chuyên mục này Mọi chuyên mục", "doanh nghiệp - Sản phẩm - Dịch vụ", "Các đơn vị thông tin của TTXVN", "./.",
]


@pytest.fixture(scope="module")
def stripped_seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("strip")
    normalized = subprocess.run([sys.executable, "-m", "corpuskit", "normalize", "seeds"], capture_output=True, cwd=ROOT, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "corpuskit", "strip", "--removed", str(out / "removed.jsonl")],
        input=normalized.stdout, capture_output=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    removed = [json.loads(line) for line in (out / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    before = {json.loads(line)["id"]: json.loads(line)["text"] for line in normalized.stdout.decode().splitlines()}
    return before, docs, removed


def test_seeds_lose_all_listed_furniture(stripped_seeds):
    _, docs, _ = stripped_seeds
    for doc in docs:
        lines = doc["text"].split("\n")
        for furniture in FURNITURE:
            assert not any(furniture in line for line in lines), (doc["id"], furniture)
        assert "Top" not in lines and "Tin tức" not in lines


def test_seeds_keep_article_sentences_and_sources(stripped_seeds):
    _, docs, _ = stripped_seeds
    by_id = {d["id"].split("/")[-1][:3]: d for d in docs}
    assert "Theo Viện Nghiên cứu Chiến tranh (ISW) có trụ sở tại Mỹ ngày 27/4" in by_id["003"]["text"]
    assert "Theo ISW, mặc dù chi tiết" in by_id["003"]["text"]
    assert "Theo báo chí của cả hai bên, Tokyo và Seoul" in by_id["002"]["text"]
    assert by_id["001"]["text"].endswith("trong tài khóa 2023.\n\nViệt Nam tích cực tham gia Hội nghị Tư lệnh Lục quân ASEAN lần thứ 26\n\nViệt Nam tích cực tham gia Hội nghị Tư lệnh Lục quân ASEAN lần thứ 26\n\n" + by_id["001"]["text"].split("\n\n")[-1])
    assert [by_id[k]["metadata"].get("source") for k in ("000", "001", "002", "003", "004")] == ["TNO", "Vietnamplus/VNP", "Dantri", None, "TTXVN/Tin Tức"]


def test_seeds_kept_plus_removed_lines_add_up(stripped_seeds):
    before, docs, removed = stripped_seeds
    for doc in docs:
        whole_lines = [r for r in removed if r["id"] == doc["id"] and r["kind"] == "line"]
        assert len(doc["text"].split("\n")) + len(whole_lines) == len(before[doc["id"]].split("\n"))
        assert sum(doc["metadata"]["stripped"].values()) == len([r for r in removed if r["id"] == doc["id"]])


def test_explain_marks_removed_lines_with_their_rule():
    result = CliRunner().invoke(cli, ["strip", "--explain", str(ROOT / "seeds" / "000_6f1702e981b77c1e.txt")])
    assert result.exit_code == 0, result.output
    assert "- [video-hot] Video đang HOT" in result.stdout
    assert "- [source-theo] Theo TNO" in result.stdout
    assert "  Iran, Triều Tiên bắt tay phát triển hạt nhân và tên lửa" in result.stdout


def test_english_text_is_left_alone_by_the_bundled_packs():
    text = (
        "Officials met in Tokyo on Monday.\nThe talks, according to AFP, went well.\n"
        "Theo van Gogh painted this.\nShare prices rose 3%."
    )
    result = CliRunner().invoke(cli, ["strip", "--to", "text"], input=text)
    assert result.stdout == text + "\n"


# --- property: whatever the text, kept + removed lines = input lines ----------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LINES = st.sampled_from([
    "", "Video đang HOT", "Theo TNO", "Chia sẻ:", "Các tin khác", "Top", "Tin tức", "Câu văn bình thường.",
    "Ảnh: AFP", "Chú thích ảnh – Ảnh: Reuters", "TTXVN/Tin Tức", "kết thúc./.", "  ", "Theo ISW, mọi việc ổn.",
])


BUNDLED = load_rules([str(ROOT / "rules")])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=25))
def test_kept_plus_removed_lines_equal_input(lines):
    text = "\n".join(lines)
    stats = Stats()
    removals = []
    docs = list(strip([Doc("p", text, {})], BUNDLED, stats, removals.append))
    counts = stats.as_dict()["strip"]
    whole_lines = sum(1 for r in removals if r.kind == "line")
    assert counts["lines_in"] == len(text.split("\n"))
    assert counts["lines_kept"] + whole_lines == counts["lines_in"]
    if docs and removals:
        assert len(docs[0].text.split("\n")) == counts["lines_kept"] or counts["lines_kept"] == 0


def test_scope_decisions_do_not_depend_on_the_engine():
    """Signatures searched in one RE2 scan decide exactly as Python's re would."""
    from corpuskit.strip import Stripper

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += ["Theo TNO", "x\nTheo Dân trí  \ny", "Theo TNOx", "video đang hot", "Vietnamplus/VNP", "nothing", "a\ud800b"]
    fast = Stripper(BUNDLED)
    assert fast._signatures is not None
    plain = Stripper(BUNDLED)
    plain._signatures = None
    for text in texts:
        doc = Doc("t", text, {})
        assert fast.applicable(doc) == plain.applicable(doc), text


def test_boundary_rules_are_recorded_for_split_and_moved_by_later_passes(tmp_path):
    body = """
        name: t
        rules:
          - {id: src, boundary: end, capture_regex: 'Theo (?P<source>\\w+)'}
          - {id: mark, boundary: end, remove_regex: '(?<=\\.)/\\.$'}
          - {id: hot, drop_line: 'HOT'}
    """
    doc, _ = run_strip(tmp_path, body, "T1\nHOT\nA one.\nTheo TNO\nT2\nB two./.\nT3\nC.")
    assert doc.text == "T1\nA one.\nT2\nB two.\nT3\nC."
    assert doc.metadata["boundaries"] == [
        {"line": 2, "kind": "end", "rule": "src", "values": {"source": "TNO"}},
        {"line": 4, "kind": "end", "rule": "mark"},
    ]
    again, _ = run_strip(tmp_path, "name: u\nrules:\n  - {id: t1, drop_line: T1}\n", doc.text, doc.metadata)
    assert [b["line"] for b in again.metadata["boundaries"]] == [1, 3]


def test_a_capture_without_boundary_records_where_its_values_were_found(tmp_path):
    body = """
        name: t
        rules:
          - {id: byline, capture_regex: 'By (?P<author>[A-Z]\\w+ [A-Z]\\w+)', first: 3}
    """
    doc, _ = run_strip(tmp_path, body, "Title\nBy Jane Doe\nBody one.\nBody two.")
    assert doc.text == "Title\nBody one.\nBody two."
    assert doc.metadata["author"] == "Jane Doe"  # document-level, as before
    assert doc.metadata["boundaries"] == [{"line": 1, "kind": "capture", "rule": "byline", "values": {"author": "Jane Doe"}}]


def test_inline_furniture_goes_and_a_trailing_source_is_kept(tmp_path):
    page = "\n".join([
        "Dân trí Sáng 12/4, cơ quan chức năng đã kiểm tra một kho hàng lớn ở ngoại thành và phát hiện nhiều sai phạm.",
        "Số hàng hóa (Ảnh: Hoàng Nam) được niêm phong để phục vụ điều tra, theo lời một cán bộ có mặt tại hiện trường.",
        "Nhiều tiểu thương (ảnh minh họa) cho biết họ không biết nguồn gốc của số hàng này khi nhập về bán.",
        "Hotline: 0987 654 321",
        "Vụ việc đang được các cơ quan chức năng tiếp tục làm rõ trong những ngày tới (Theo Tiền Phong)",
    ])
    result = CliRunner().invoke(cli, ["clean", "-", "-q", "--to", "jsonl"], input=page)
    doc = json.loads(result.output)
    assert doc["text"].splitlines() == [
        "Sáng 12/4, cơ quan chức năng đã kiểm tra một kho hàng lớn ở ngoại thành và phát hiện nhiều sai phạm.",
        "Số hàng hóa được niêm phong để phục vụ điều tra, theo lời một cán bộ có mặt tại hiện trường.",
        "Nhiều tiểu thương cho biết họ không biết nguồn gốc của số hàng này khi nhập về bán.",
        "Vụ việc đang được các cơ quan chức năng tiếp tục làm rõ trong những ngày tới",
    ]
    assert doc["metadata"]["source"] == "Tiền Phong"


def test_english_wire_and_tabloid_furniture(tmp_path):
    page = "\n".join([
        "By . Staff Reporter . PUBLISHED: 09:14 EST, 2 May 2013 | UPDATED: 10:02 EST, 2 May 2013",
        "Scroll down for video",
        "(CNN) -- The museum said on Thursday that the stolen painting had been found in a garage and was in good condition.",
        "Police said that two men had been arrested and that the investigation was continuing with help from the public.",
        "Reuter",
    ])
    result = CliRunner().invoke(cli, ["strip", "-", "-q", "--to", "jsonl"], input=page)
    doc = json.loads(result.output)
    assert doc["text"].splitlines() == [
        "The museum said on Thursday that the stolen painting had been found in a garage and was in good condition.",
        "Police said that two men had been arrested and that the investigation was continuing with help from the public.",
    ]
    assert doc["metadata"]["stripped"] == {"en-published-line": 1, "en-scroll-prompt": 1, "en-cnn-dateline": 1, "en-wire-end": 1}


def test_a_remove_rule_with_a_named_group_captures_its_value(tmp_path):
    body = """
        name: t
        rules:
          - {id: credit, remove_regex: '\\s*\\[photo: (?P<photographer>[A-Z]\\w+)\\]'}
    """
    doc, _ = run_strip(tmp_path, body, "Title\nA body line [photo: Lee] goes on.")
    assert doc.text == "Title\nA body line goes on." and doc.metadata["photographer"] == "Lee"
