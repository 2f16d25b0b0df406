"""The document stream and the `normalize` command, through the public CLI."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def run(*args, input=None):
    """The real executable in a subprocess: real pipes, real exit codes, real stderr."""
    return subprocess.run(
        [sys.executable, "-m", "corpuskit", *args],
        input=input,
        capture_output=True,
        cwd=ROOT,
    )


def records(stdout: bytes | str) -> list[dict]:
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8")
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def runner():
    return CliRunner()


def test_normalize_seeds_gives_one_record_per_file_in_sorted_order(runner):
    result = runner.invoke(cli, ["normalize", "seeds"])
    assert result.exit_code == 0, result.output
    docs = records(result.stdout)
    names = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert [d["id"] for d in docs] == [f"seeds/{n}" for n in names]
    assert all(d["metadata"]["path"] == d["id"] for d in docs)
    assert all(list(d) == ["id", "text", "metadata"] for d in docs)


def test_pipe_into_normalize_again_changes_nothing():
    first = run("normalize", "seeds")
    assert first.returncode == 0
    second = run("normalize", input=first.stdout)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_plain_text_on_stdin_gives_plain_text(runner):
    result = runner.invoke(cli, ["normalize"], input="  Hoà\u00a0bình  \r\n\r\n\r\nthuỷ\n")
    assert result.exit_code == 0
    assert result.stdout == "Hòa bình\n\nthủy\n"


def test_to_jsonl_overrides_plain_text_output(runner):
    result = runner.invoke(cli, ["normalize", "--to", "jsonl"], input="hoà")
    assert records(result.stdout) == [{"id": "stdin", "text": "hòa", "metadata": {"normalized": ["tone"]}}]


def test_jsonl_on_stdin_keeps_unknown_keys_and_metadata(runner):
    line = json.dumps({"id": "x1", "text": "thuỷ", "url": "http://a", "metadata": {"site": "tno", "n": 3}})
    result = runner.invoke(cli, ["normalize"], input="\n" + line + "\n")
    assert result.exit_code == 0, result.output
    assert records(result.stdout) == [
        {"id": "x1", "text": "thủy", "metadata": {"url": "http://a", "site": "tno", "n": 3, "normalized": ["tone"]}}
    ]


def test_jsonl_on_stdin_longer_than_the_sniffed_prefix_loses_no_line():
    # The first read of stdin (64 KB) ends inside a line; that line must be read whole.
    lines = [json.dumps({"id": f"d{i}", "text": "word " * (37 + i % 50)}) for i in range(2000)]
    result = subprocess.run([sys.executable, "-m", "corpuskit", "normalize", "-", "-q"], input="\n".join(lines).encode(),
                            capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [f"d{i}" for i in range(2000)]


def test_record_without_id_gets_its_origin_as_id(runner, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n', encoding="utf-8")
    result = runner.invoke(cli, ["normalize", str(source)])
    assert records(result.stdout)[0]["id"] == f"{source}:1"


def test_glob_directory_and_compressed_inputs(runner, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("hai", encoding="utf-8")
    (tmp_path / "1.txt").write_text("một", encoding="utf-8")
    with gzip.open(tmp_path / "3.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "z", "text": "ba", "metadata": {}}) + "\n")
    (tmp_path / ".hidden.txt").write_text("no", encoding="utf-8")
    result = runner.invoke(cli, ["normalize", str(tmp_path)])
    assert [d["text"] for d in records(result.stdout)] == ["một", "ba", "hai"]
    result = runner.invoke(cli, ["normalize", str(tmp_path / "*.txt")])
    assert [d["text"] for d in records(result.stdout)] == ["một"]


@pytest.mark.parametrize("suffix,opener", [(".jsonl", open), (".jsonl.gz", gzip.open)])
def test_output_file_is_written_atomically_and_compressed_by_name(runner, tmp_path, suffix, opener):
    out = tmp_path / f"out{suffix}"
    result = runner.invoke(cli, ["normalize", "seeds", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with opener(out, "rt", encoding="utf-8") as handle:
        assert len(records(handle.read())) == 5
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_writing_over_an_input_is_refused(runner, tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_text('{"id": "1", "text": "x", "metadata": {}}\n', encoding="utf-8")
    result = runner.invoke(cli, ["normalize", str(tmp_path), "-o", str(source)])
    assert result.exit_code == 2
    assert "refusing to overwrite an input" in result.stderr
    assert source.read_text(encoding="utf-8").startswith('{"id": "1"')


def test_stats_file_counts_documents_and_fixes(runner, tmp_path):
    stats = tmp_path / "stats.json"
    result = runner.invoke(cli, ["normalize", "seeds", "--stats", str(stats), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0
    counts = json.loads(stats.read_text())
    assert counts["read"] == {"documents": 5, "files": 5}
    assert counts["write"] == {"documents": 5}
    assert counts["normalize"]["documents"] == 5


def test_switches_turn_steps_off(runner):
    result = runner.invoke(cli, ["normalize", "--tone", "keep", "--no-whitespace", "--to", "text"], input="hoà  x")
    assert result.stdout == "hoà  x\n"


def test_legacy_file_is_decoded_and_marked(runner, tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Hµ Néi lµ thñ ®« cña n\xadíc ViÖt Nam".encode("latin-1"))
    result = runner.invoke(cli, ["normalize", str(path)])
    assert result.exit_code == 0, result.output
    doc = records(result.stdout)[0]
    assert doc["text"] == "Hà Nội là thủ đô của nước Việt Nam"
    assert doc["metadata"]["encoding"] == "tcvn3"


def test_utf16_with_bom_and_utf8_bom_are_read(runner, tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeffViệt".encode("utf-16"))
    (tmp_path / "b.txt").write_bytes("\ufeffNam".encode("utf-8"))
    result = runner.invoke(cli, ["normalize", str(tmp_path)])
    assert [d["text"] for d in records(result.stdout)] == ["Việt", "Nam"]


# --- bad input: one clear line, a non-zero exit code, no traceback -----------------------


def assert_clean_failure(result, code: int, message: str):
    assert result.returncode == code, result.stderr
    stderr = result.stderr.decode("utf-8")
    assert message in stderr
    assert "Traceback" not in stderr


def test_not_utf8_names_the_file_and_byte(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("Prix: 5 €, déjà vu".encode("cp1252"))
    good = tmp_path / "good.txt"
    good.write_text("ok", encoding="utf-8")
    result = run("normalize", str(tmp_path))
    assert_clean_failure(result, 1, f"{bad}: not UTF-8 at byte 8")
    assert records(result.stdout) == [{"id": str(good), "text": "ok", "metadata": {"path": str(good)}}]


def test_skip_bad_goes_on_and_exits_zero(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\x01binary\x00")
    (tmp_path / "good.txt").write_text("ok", encoding="utf-8")
    result = run("normalize", str(tmp_path), "--skip-bad")
    assert result.returncode == 0
    assert "binary file" in result.stderr.decode() or "not valid UTF-16" in result.stderr.decode()
    assert len(records(result.stdout)) == 1


def test_binary_file_is_reported(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"GIF89a\x00\x01\x02")
    assert_clean_failure(run("normalize", str(path)), 1, f"{path}: binary file (NUL byte at 6)")


def test_empty_file_and_empty_stdin(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert_clean_failure(run("normalize", str(path)), 1, f"{path}: empty file")
    assert_clean_failure(run("normalize", input=b""), 1, "<stdin>: empty input")


def test_malformed_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": "1", "text": "a", "metadata": {}}\n{"id": "2", "text": \n[1]\n{"id": 3}\n', encoding="utf-8")
    result = run("normalize", str(path))
    assert_clean_failure(result, 1, f"{path}:2: malformed JSON")
    stderr = result.stderr.decode()
    assert f"{path}:3: expected a JSON object" in stderr
    assert f"{path}:4: record has no \"text\" string" in stderr


def test_failed_run_leaves_no_output_file(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_bytes(b"\x00")
    out = tmp_path / "out.jsonl"
    result = run("normalize", str(tmp_path / "in"), "-o", str(out))
    assert_clean_failure(result, 1, "was not written")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "in"]


def test_missing_input_is_reported_and_the_others_processed():
    assert_clean_failure(run("normalize", "no/such/dir"), 1, "no/such/dir: no such file or directory")
    assert_clean_failure(run("normalize", "no/*.txt"), 1, "no/*.txt: no file matches this pattern")
    result = run("normalize", "no/such.txt", "seeds/000_6f1702e981b77c1e.txt", "--skip-bad")
    assert result.returncode == 0 and len(records(result.stdout)) == 1
    assert b"no/such.txt: no such file or directory" in result.stderr


def test_closed_pipe_exits_quietly(tmp_path):
    big = tmp_path / "big.jsonl"
    line = json.dumps({"id": "x", "text": "Việt Nam " * 50, "metadata": {}}, ensure_ascii=False)
    big.write_text((line + "\n") * 20000, encoding="utf-8")
    pipeline = subprocess.run(
        f"{sys.executable} -m corpuskit normalize {big} | head -n 1",
        shell=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert pipeline.returncode == 0
    assert pipeline.stderr == b""
    assert len(pipeline.stdout.splitlines()) == 1


def test_help_lists_every_option_of_normalize(runner):
    result = runner.invoke(cli, ["normalize", "--help"])
    for option in ("--legacy", "--tone", "--no-ftfy", "--no-nfc", "--no-dstroke", "--no-whitespace", "--skip-bad", "--stats", "--to", "-o"):
        assert option in result.output


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "corpuskit" in result.output


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX shell")
def test_plain_text_round_trip_through_shell_redirection(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("Thoả  thuận\r\n", encoding="utf-8")
    result = subprocess.run(f"{sys.executable} -m corpuskit normalize < {source}", shell=True, capture_output=True, cwd=ROOT)
    assert result.stdout.decode() == "Thỏa thuận\n"


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [name for name in cli.commands if name != "rules"] + [f"rules {sub}" for sub in cli.commands["rules"].commands]
    for name in names:
        assert f"corpuskit {name}" in readme, name


@pytest.mark.parametrize("suffix", [".bz2", ".xz", ".zst"])
def test_other_compressions_round_trip(runner, tmp_path, suffix):
    source = tmp_path / "in.txt"
    source.write_text("hoà", encoding="utf-8")
    packed = tmp_path / f"docs.jsonl{suffix}"
    assert runner.invoke(cli, ["normalize", str(source), "-o", str(packed)]).exit_code == 0
    result = runner.invoke(cli, ["normalize", str(packed)])
    assert result.exit_code == 0, result.output
    assert records(result.stdout)[0]["text"] == "hòa"
