"""Hostile and careless use: inputs are never written, failures leave nothing behind,
bad input gets one line and an exit code, and no input makes a command hang.

Each test is a case met by trying corpuskit the way a hostile user (or a cron job nobody
watches) would. Commands run as real subprocesses where signals and exit codes matter.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zstandard

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_6f1702e981b77c1e.txt"


def run(*args, cwd=None, input=None, timeout=120, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "corpuskit", *map(str, args)], input=input,
                          capture_output=True, cwd=cwd or ROOT, timeout=timeout)


def one_line_error(result, code: int, *fragments: str) -> str:
    """Exit `code`, stderr free of tracebacks, with a line holding every fragment."""
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == code, stderr
    assert "Traceback" not in stderr and "unexpected error" not in stderr, stderr
    assert any(all(f in line for f in fragments) for line in stderr.splitlines()), stderr
    return stderr


def jsonl(path: Path, *texts: str) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{n}", "text": t, "metadata": {}}, ensure_ascii=False) + "\n"
                            for n, t in enumerate(texts)), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def data(tmp_path):
    jsonl(tmp_path / "a.jsonl", "Một câu của bài.\nTheo TNO", "Câu khác của bài khác.")
    return tmp_path


# --- inputs are never written -------------------------------------------------------------

SIDE_FILE_CASES = [
    ("strip", "a.jsonl", "-o", "out.jsonl", "--removed", "a.jsonl"),
    ("split", "a.jsonl", "-o", "out.jsonl", "--report", "a.jsonl"),
    ("clean", "a.jsonl", "-o", "out.jsonl", "--report", "a.jsonl"),
    ("clean", "a.jsonl", "-o", "out.jsonl", "--removed", "a.jsonl"),
    ("normalize", "a.jsonl", "--stats", "a.jsonl"),
    ("normalize", "a.jsonl", "-o", "a.jsonl"),
    ("export", "ds", "a.jsonl", "--duplicates", "a.jsonl"),
    ("export", "ds", "a.jsonl", "--stats", "a.jsonl"),
    ("detect", "a.jsonl", "-o", "a.jsonl"),
    ("strip", "a.jsonl", "-r", "rules.yaml", "--stats", "rules.yaml"),  # a rule file is an input too
    ("export", "ds", "a.jsonl", "--stats-from", "s.json", "--stats", "s.json"),
    ("strip", ".", "-o", "old.jsonl"),  # an existing file in an input folder would be read
]


@pytest.mark.parametrize("args", SIDE_FILE_CASES, ids=lambda a: " ".join(a))
def test_no_output_may_be_an_input(data, args):
    (data / "rules.yaml").write_text("name: r\nrules:\n  - {id: x, drop_line: Theo TNO}\n", encoding="utf-8")
    (data / "s.json").write_text('{"read": {"files": 1}}\n', encoding="utf-8")
    (data / "old.jsonl").write_text('{"id": "o", "text": "cũ"}\n', encoding="utf-8")
    before = snapshot(data)
    result = run(*args, cwd=data)
    one_line_error(result, 2, "input")
    assert snapshot(data) == before


def test_a_hard_link_to_an_input_is_the_input(data):
    os.link(data / "a.jsonl", data / "link.jsonl")
    before = snapshot(data)
    one_line_error(run("normalize", "a.jsonl", "-o", "link.jsonl", cwd=data), 2, "link.jsonl", "is also an input")
    assert snapshot(data) == before


def test_two_outputs_may_not_be_the_same_file(data):
    one_line_error(run("strip", "a.jsonl", "--removed", "x.json", "--stats", "x.json", cwd=data), 2, "x.json", "--removed", "--stats")
    assert not (data / "x.json").exists()


@pytest.mark.parametrize("out_dir,inputs", [("data", ["data/in.jsonl"]), (".", ["a.jsonl"]), ("data", ["data"]),
                                            ("..", ["a.jsonl"])])
def test_export_never_replaces_a_folder_holding_inputs(data, out_dir, inputs):
    (data / "data").mkdir()
    jsonl(data / "data" / "in.jsonl", "Một bài báo.")
    before = snapshot(data)
    one_line_error(run("export", out_dir, *inputs, "--overwrite", cwd=data), 2, "refusing to replace")
    assert snapshot(data) == before


def test_export_overwrite_only_replaces_a_dataset_it_wrote(data):
    (data / "notes").mkdir()
    (data / "notes" / "todo.txt").write_text("keep me")
    one_line_error(run("export", "notes", "a.jsonl", "--overwrite", cwd=data), 2, "not a dataset written by corpuskit")
    assert (data / "notes" / "todo.txt").read_text() == "keep me"


def test_export_side_file_inside_the_dataset_folder_is_refused(data):
    assert run("export", "ds", "a.jsonl", "-q", cwd=data).returncode == 0
    one_line_error(run("export", "ds", "a.jsonl", "--overwrite", "--stats", "ds/stats.json", cwd=data), 2, "replaced as a whole")


def test_run_refuses_an_export_folder_that_holds_its_inputs(data):
    (data / "pages").mkdir()
    jsonl(data / "pages" / "p.jsonl", "Một bài báo.")
    (data / "p.yaml").write_text("inputs: [pages]\nexport: {output: pages, overwrite: true}\n", encoding="utf-8")
    before = snapshot(data)
    one_line_error(run("run", "p.yaml", "-j", "1", cwd=data), 2, "export.output", "refusing to replace")
    assert snapshot(data) == before


# --- failures leave nothing behind --------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_run_writes_no_output_and_no_side_file(data, jobs):
    (data / "bad.jsonl").write_text('{"id": "x", "text": \n', encoding="utf-8")
    outs = ["out.jsonl", "removed.jsonl", "report.jsonl", "stats.json"]
    result = run("clean", "a.jsonl", "bad.jsonl", "-j", jobs, "-o", outs[0], "--removed", outs[1], "--report", outs[2],
                 "--stats", outs[3], cwd=data)
    one_line_error(result, 1, "bad.jsonl:1")
    assert not any((data / name).exists() for name in outs)
    assert leftovers(data) == []


def test_side_files_appear_together_with_the_output(data):
    result = run("clean", "a.jsonl", "-o", "out.jsonl", "--removed", "removed.jsonl", "--stats", "stats.json", cwd=data)
    assert result.returncode == 0, result.stderr
    assert json.loads((data / "removed.jsonl").read_text().splitlines()[0])["rule"]
    assert json.loads((data / "stats.json").read_text())["read"]["documents"] == 2
    assert leftovers(data) == []


@pytest.mark.parametrize("command", [
    ["clean", "-", "-j", "1", "-o", "out.jsonl", "--removed", "removed.jsonl", "--report", "report.jsonl", "--stats", "stats.json"],
    ["clean", "-", "-j", "2", "-o", "out.jsonl", "--removed", "removed.jsonl", "--stats", "stats.json"],
    ["export", "ds", "-", "--duplicates", "dups.jsonl", "--stats", "stats.json"],
    ["detect", "-", "-o", "draft.yaml"],
])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_mid_run_leaves_no_file_and_no_process(tmp_path, command, signum):
    """The command is stopped while it waits for more input; every output is temporary then."""
    line = json.dumps({"id": "x", "text": "Một câu của bài.\nTheo TNO", "metadata": {}}, ensure_ascii=False) + "\n"
    # SIGINT back to its default in the child: a shell that runs the tests in the background
    # ignores it, and an ignored SIGINT is inherited (then ^C would mean nothing to corpuskit).
    process = subprocess.Popen([sys.executable, "-m", "corpuskit", *command], cwd=tmp_path, stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    process.stdin.write(line.encode() * 3000)
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # until its temporaries exist: it is mid-run
    time.sleep(0.3)
    os.killpg(process.pid, signum) if signum == signal.SIGINT else process.send_signal(signum)
    try:
        stderr = process.communicate(timeout=60)[1].decode()
    finally:
        process.kill()
    assert process.returncode != 0
    assert "Traceback" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [], stderr
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True)
    assert ps.stdout.strip() == ""  # no worker left behind


# --- damaged input is reported, never lost in silence -------------------------------------


def test_truncated_multi_frame_zstd_is_reported(tmp_path):
    compressor = zstandard.ZstdCompressor()
    frames = b"".join(compressor.compress(b'{"id": "%d", "text": "Bai %d."}\n' % (n, n) * 500) for n in range(4))
    (tmp_path / "cut.jsonl.zst").write_bytes(frames[: len(frames) * 2 // 3])
    (tmp_path / "whole.jsonl.zst").write_bytes(frames)
    assert len(run("normalize", "whole.jsonl.zst", cwd=tmp_path).stdout.splitlines()) == 2000
    one_line_error(run("normalize", "cut.jsonl.zst", cwd=tmp_path), 1, "cut.jsonl.zst", "truncated")


@pytest.mark.parametrize("name,content", [
    ("garbage.jsonl.zst", b"not zstd at all" * 10),
    ("garbage.txt.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 40),
    ("cut.jsonl.gz", gzip.compress(b"".join(b'{"id": "%d", "text": "x%d"}\n' % (n, n * n) for n in range(5000)))[:2000]),
    ("garbage.jsonl.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 50),
    ("garbage.txt.xz", b"\xfd7zXZ\x00" + b"\x01" * 50),
    ("garbage.txt.bz2", b"BZh9" + b"\x02" * 50),
])
def test_corrupt_compressed_input_is_one_line(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    for command in (["normalize", name], ["export", "ds", name], ["detect", name]):
        one_line_error(run(*command, cwd=tmp_path), 1, name)
    assert not (tmp_path / "ds").exists()


def test_utf8_cut_in_a_character_is_reported_not_decoded_as_legacy(tmp_path):
    text = "Hà Nội hôm nay trời đẹp, người dân đi chơi rất đông ở phố cổ.".encode("utf-8")
    (tmp_path / "cut.txt").write_bytes(text + "ệ".encode("utf-8")[:2])
    one_line_error(run("normalize", "cut.txt", cwd=tmp_path), 1, "cut.txt", "cut off")
    damaged = text.replace("ộ".encode(), b"\xe1\xbb")  # one character damaged inside
    (tmp_path / "damaged.txt").write_bytes(damaged)
    one_line_error(run("normalize", "damaged.txt", cwd=tmp_path), 1, "damaged.txt", "not UTF-8")


def _without_root_privileges() -> tuple[str, ...] | None:
    """A prefix that makes permissions apply: root reads everything unless it drops its
    DAC capabilities (setpriv, util-linux)."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv"):
        return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    return None


def test_unreadable_folder_and_file_are_reported(tmp_path):
    prefix = _without_root_privileges()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    (tmp_path / "in" / "ok").mkdir(parents=True)
    (tmp_path / "in" / "locked").mkdir()
    (tmp_path / "in" / "ok" / "a.txt").write_text("Một câu.", encoding="utf-8")
    (tmp_path / "in" / "locked" / "b.txt").write_text("Câu khác.", encoding="utf-8")
    (tmp_path / "in" / "secret.txt").write_text("Bí mật.", encoding="utf-8")
    (tmp_path / "in" / "locked").chmod(0)
    (tmp_path / "in" / "secret.txt").chmod(0)
    try:
        result = run("normalize", "in", "--skip-bad", cwd=tmp_path, prefix=prefix)
        assert result.returncode == 0
        assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["in/ok/a.txt"]
        stderr = result.stderr.decode()
        assert "in/locked: cannot read folder" in stderr and "in/secret.txt: cannot read" in stderr
        one_line_error(run("normalize", "in", cwd=tmp_path, prefix=prefix), 1, "in/locked", "cannot read folder")
    finally:
        (tmp_path / "in" / "locked").chmod(0o755)


# --- one line, the right exit code, never a traceback -------------------------------------

BAD_DATA = {
    "deep.jsonl": '{"id": "a", "text": "x", "metadata": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}\n",
    "deepmeta.jsonl": '{"id": "a", "text": "x", "metadata": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}\n",
    "deeptop.jsonl": "[" * 100_000 + "]" * 100_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(BAD_DATA))
@pytest.mark.parametrize("command", ["normalize", "clean", "detect", "export"])
def test_deeply_nested_json_is_one_line(tmp_path, name, command):
    (tmp_path / name).write_text(BAD_DATA[name], encoding="utf-8")
    args = ["export", "ds", name] if command == "export" else [command, name]
    one_line_error(run(*args, cwd=tmp_path), 1, f"{name}:1", "nested")


def test_lone_surrogates(tmp_path):
    (tmp_path / "s.jsonl").write_text('{"id": "a", "text": "a\\udc80b\\nTheo TNO"}\n', encoding="utf-8")
    assert run("detect", "s.jsonl", "--min-docs", "1", cwd=tmp_path).returncode == 0
    one_line_error(run("export", "ds", "s.jsonl", cwd=tmp_path), 1, "a: text holds a lone surrogate U+DC80")
    repaired = run("normalize", "s.jsonl", cwd=tmp_path)  # ftfy repairs them
    assert repaired.returncode == 0 and "\\udc80" not in repaired.stdout.decode()


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
def test_file_name_that_is_not_utf8(tmp_path):
    (tmp_path / os.fsdecode(b"\xff.txt")).write_text("Một câu.", encoding="utf-8")
    result = run("normalize", "-q", ".", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["id"] == "./\udcff.txt"
    assert run("detect", ".", cwd=tmp_path).returncode == 0
    one_line_error(run("export", "../ds", ".", cwd=tmp_path), 1, "id holds a lone surrogate", "rename the file")


def test_part_beyond_int32_stays_in_metadata(tmp_path):
    import pyarrow.parquet as pq

    (tmp_path / "p.jsonl").write_text('{"id": "a", "text": "Một câu.", "metadata": {"part": 99999999999}}\n', encoding="utf-8")
    assert run("export", "ds", "p.jsonl", "-q", cwd=tmp_path).returncode == 0
    row = pq.read_table(next((tmp_path / "ds" / "data").glob("train-*.parquet"))).to_pylist()[0]
    assert row["part"] is None and json.loads(row["metadata"])["part"] == 99999999999


def test_binary_stats_from_is_a_usage_error(tmp_path):
    jsonl(tmp_path / "a.jsonl", "Một câu.")
    (tmp_path / "s.json").write_bytes(b"\x7fELF\x02\x01\xd0\xff" * 20)
    one_line_error(run("export", "ds", "a.jsonl", "--stats-from", "s.json", cwd=tmp_path), 2, "s.json", "not a JSON stats file")


def test_jobs_is_bounded():
    one_line_error(run("normalize", "seeds", "-j", "100000"), 2, "--jobs", "100000")


def test_stats_are_the_same_with_jobs_on_a_file_of_malformed_lines(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"id": \n{"text": 5}\n[1]\n', encoding="utf-8")
    counts = []
    for jobs in ("1", "2"):
        result = run("clean", "bad.jsonl", "--skip-bad", "-q", "-j", jobs, "--stats", f"s{jobs}.json", cwd=tmp_path)
        assert result.returncode == 0
        counts.append(json.loads((tmp_path / f"s{jobs}.json").read_text()))
    assert counts[0] == counts[1]
    assert counts[0]["read"]["skipped_records"] == 3


RULE_FILES = [
    ("include: 5\nrules: []\n", 2, "include"),
    ("scope: 5\nrules: []\n", 2, "scope"),
    ("rules:\n  - id: a\n    drop_line: b\n    examples: 5\n", 5, "examples"),
    ("scope: [{metadata: abc}]\nrules: []\n", 2, "scope[0].metadata"),
    ("scope: [{path: 5}]\nrules: []\n", 2, "scope[0].path"),
    ("rules:\n  - id: a\n    drop_line: b\n    ignore_case: 'false'\n", 5, "ignore_case"),
    ("name: y\nrules: []\n", 2, "duplicate key 'name'"),
    ("rules:\n  - &a {id: a, drop_line: b}\n  - *a\n", 4, "aliases"),
    ("include: ../outside.yaml\nrules: []\n", 2, "outside the rule folder"),
    ("rules: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nested too deeply"),
    ("rules:\n  - id: a\n    drop_line_regex: '(a|aa)+b'\n", 3, "backtracks badly"),
    ("scope:\n  - text_regex: '(x+x+)+y'\nrules: []\n", 3, "backtracks badly"),
    ("rules:\n  - {id: a, remove_regex: '(\\w+\\s?)+$'}\n", 3, "backtracks badly"),
]


@pytest.mark.parametrize("body,line,fragment", RULE_FILES, ids=[f for _, _, f in RULE_FILES])
def test_careless_rule_files_are_one_line_with_file_and_line(tmp_path, body, line, fragment):
    (tmp_path / "rules").mkdir()
    (tmp_path / "outside.yaml").write_text("name: o\nrules: []\n", encoding="utf-8")
    (tmp_path / "rules" / "r.yaml").write_text("name: x\n" + body, encoding="utf-8")
    one_line_error(run("rules", "check", "rules/r.yaml", cwd=tmp_path), 2, f"rules/r.yaml:{line}:", fragment)


def test_long_include_chains_are_refused(tmp_path):
    for n in range(200):
        (tmp_path / f"c{n}.yaml").write_text(f"name: c{n}\ninclude: c{n + 1}.yaml\nrules: []\n", encoding="utf-8")
    (tmp_path / "c200.yaml").write_text("name: end\nrules: []\n", encoding="utf-8")
    one_line_error(run("rules", "check", "c0.yaml", cwd=tmp_path), 2, "includes nested more than")


PIPELINES = [
    ("inputs: [x]\nsteps: 5\nexport: {output: o}\n", 2, "steps"),
    ("inputs: [x]\nsteps:\n  - strip: {rules: 5}\nexport: {output: o}\n", 3, "steps[0].strip.rules"),
    ("inputs: [x]\nexport: {output: o, near_dup: abc}\n", 2, "export.near_dup"),
    ("inputs: [x]\nsteps:\n  - split: {keep_teasers: 'no'}\nexport: {output: o}\n", 3, "keep_teasers"),
    ("inputs: [x]\nexport: {output: o, overwrite: 'yes'}\n", 2, "export.overwrite"),
]


@pytest.mark.parametrize("body,line,fragment", PIPELINES, ids=[f for _, _, f in PIPELINES])
def test_careless_pipeline_files_are_one_line_with_file_and_line(tmp_path, body, line, fragment):
    (tmp_path / "p.yaml").write_text(body, encoding="utf-8")
    one_line_error(run("run", "p.yaml", cwd=tmp_path), 2, f"p.yaml:{line}:", fragment)


# --- bounded work: a hostile line costs seconds -------------------------------------------


def test_a_run_of_combining_marks_is_capped_and_normalized(tmp_path):
    from corpuskit.marks import MAX_MARKS

    (tmp_path / "zalgo.txt").write_text("Việt" + "\u0300\u0301\u0303\u0309\u0323" * 200_000, encoding="utf-8")
    result = run("normalize", "zalgo.txt", "--stats", "s.json", cwd=tmp_path)
    assert result.returncode == 0
    text = json.loads(result.stdout)["text"]
    assert text.startswith("Việ") and len(text) <= 4 + MAX_MARKS
    assert json.loads((tmp_path / "s.json").read_text())["normalize"]["marks_capped"] == 1
    assert run("clean", "zalgo.txt", "-q", cwd=tmp_path).returncode == 0
    assert run("export", "ds", "zalgo.txt", "-q", cwd=tmp_path).returncode == 0


def test_a_backtracking_rule_is_stopped_reported_and_the_document_kept(tmp_path):
    (tmp_path / "slow.yaml").write_text("name: slow\nrules:\n  - id: slow\n    drop_line_regex: '(a|aa)+b'\n"
                                        "  - id: theo\n    drop_line: Theo TNO\n", encoding="utf-8")
    jsonl(tmp_path / "in.jsonl", "Một câu.\n" + "a" * 40 + "\nTheo TNO", "Câu khác.")
    result = run("strip", "in.jsonl", "-r", "slow.yaml", "-j", "1", "--stats", "s.json", cwd=tmp_path)
    assert result.returncode == 0
    assert "slow.yaml:3 rule 'slow' hit the regex time limit in 1 document(s)" in result.stderr.decode()
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["text"] == "Một câu.\n" + "a" * 40  # kept without the slow rule; the other rule applied
    assert first["metadata"]["strip_timeouts"] == ["slow.yaml:3 rule 'slow': line 2"]
    assert "strip_timeouts" not in second["metadata"]
    assert json.loads((tmp_path / "s.json").read_text())["strip_timeouts"] == {"slow.yaml:3 rule 'slow'": 1}


def test_a_rule_that_keeps_timing_out_stops_the_run(tmp_path):
    (tmp_path / "slow.yaml").write_text("name: slow\nrules:\n  - id: slow\n    drop_line_regex: '(a|aa)+b'\n", encoding="utf-8")
    jsonl(tmp_path / "in.jsonl", *["x\n" + "a" * 40] * 8)
    result = run("strip", "in.jsonl", "-r", "slow.yaml", "-j", "1", "-o", "out.jsonl", cwd=tmp_path)
    one_line_error(result, 2, "slow.yaml:3 rule 'slow'", "5 documents")
    assert not (tmp_path / "out.jsonl").exists()
