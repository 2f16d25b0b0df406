"""Hostile input, second round: special files, standard input, process groups, bombs, and
records that must not abort a run.

Where signals, FIFOs, process groups or exit codes matter the command runs as a real
subprocess; special files are copies made in a temporary folder (a FIFO, a symbolic link
to the process's own stdout, and, when root, a character device made with mknod): no test
writes into the real /dev or needs root to pass.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd, input=None, stdin=None, timeout=120, preexec_fn=None, env=None):
    return subprocess.run([sys.executable, "-m", "corpuskit", *map(str, args)], input=input, stdin=stdin,
                          capture_output=True, cwd=cwd, timeout=timeout, preexec_fn=preexec_fn, env=env)


class _Result:
    def __init__(self, returncode: int, stderr: str) -> None:
        self.returncode, self.stderr = returncode, stderr


def here(*args, cwd):
    """The command in this process (no signals, no special files involved): faster."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(previous)
    return _Result(result.exit_code, result.stderr)


def one_line_error(result, code: int, *fragments: str) -> str:
    stderr = result.stderr.decode("utf-8", "replace") if isinstance(result.stderr, bytes) else result.stderr
    returncode = result.returncode if hasattr(result, "returncode") else result.exit_code
    assert returncode == code, stderr
    assert "Traceback" not in stderr and "this is a bug" not in stderr, stderr
    assert any(all(f in line for f in fragments) for line in stderr.splitlines()), stderr
    return stderr


def jsonl(path: Path, *texts: str, metadata=None) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{n}", "text": t, "metadata": metadata or {}}, ensure_ascii=False) + "\n"
                            for n, t in enumerate(texts)), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


ARTICLE = ("Hà Nội là thủ đô của Việt Nam, nơi có nhiều di tích lịch sử nổi tiếng và những con phố cổ. "
           "Mỗi năm thành phố đón hàng triệu du khách trong nước và quốc tế đến tham quan. ") * 3


@pytest.fixture
def data(tmp_path):
    jsonl(tmp_path / "a.jsonl", ARTICLE + "\nTheo TNO", "Câu khác của một bài khác, đủ dài để được giữ lại.")
    return tmp_path


# --- special files as outputs -----------------------------------------------------------


def test_output_through_a_link_to_the_own_stdout_is_written_directly(data):
    (data / "out").symlink_to("/proc/self/fd/1")
    result = run("normalize", "a.jsonl", "-o", "out", "--stats", "stats.json", cwd=data)
    assert result.returncode == 0, result.stderr
    assert (data / "out").is_symlink() and os.readlink(data / "out") == "/proc/self/fd/1"
    assert len(result.stdout.splitlines()) == 2
    assert json.loads((data / "stats.json").read_text())["write"]["documents"] == 2


def test_output_to_a_fifo_is_written_directly(data):
    fifo = data / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("normalize", "a.jsonl", "-o", fifo, cwd=data)
    reader.join(30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert len(received[0].splitlines()) == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_output_to_a_character_device_stays_a_device(data):
    device = data / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a copy of /dev/null in the temp folder
    for args in (("normalize", "a.jsonl", "-o", device), ("normalize", "a.jsonl", "--stats", device),
                 ("strip", "a.jsonl", "-o", device, "--removed", data / "removed.jsonl")):
        result = run(*args, cwd=data)
        assert result.returncode == 0, result.stderr
        assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert (data / "removed.jsonl").exists()


def test_output_through_a_symbolic_link_replaces_the_file_it_points_to(data):
    (data / "real.jsonl").write_text("old\n")
    (data / "link.jsonl").symlink_to("real.jsonl")
    assert run("normalize", "a.jsonl", "-o", "link.jsonl", cwd=data).returncode == 0
    assert (data / "link.jsonl").is_symlink()
    assert len((data / "real.jsonl").read_text().splitlines()) == 2


# --- standard input is an input ---------------------------------------------------------


@pytest.mark.parametrize("command", [["normalize"], ["clean"], ["detect"]])
def test_the_file_behind_stdin_is_never_an_output(data, command):
    before = snapshot(data)
    with open(data / "a.jsonl", "rb") as stdin:
        result = run(*command, "-", "-o", "a.jsonl", cwd=data, stdin=stdin)
    one_line_error(result, 2, "a.jsonl", "standard input")
    assert snapshot(data) == before


def test_stdin_file_as_a_side_output_and_in_export(data):
    before = snapshot(data)
    with open(data / "a.jsonl", "rb") as stdin:
        one_line_error(run("strip", "--removed", "a.jsonl", cwd=data, stdin=stdin), 2, "standard input")
    with open(data / "a.jsonl", "rb") as stdin:
        one_line_error(run("export", "ds", "--stats", "a.jsonl", cwd=data, stdin=stdin), 2, "standard input")
    assert snapshot(data) == before


# --- process groups and dying workers ---------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    with open(folder / "big.jsonl", "w", encoding="utf-8") as handle:
        for n in range(12000):
            handle.write(json.dumps({"id": f"p{n}", "text": f"Tiêu đề số {n}\n{ARTICLE}\nTheo TNO"}, ensure_ascii=False) + "\n")
    return folder


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def workers_of(process) -> list[str]:
    """The worker processes of a running command, as soon as they work (polled: a fixed
    wait is too long on a quiet machine, where the run may be over, and too short on a busy one)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if len(children) >= 2:
            time.sleep(0.3)  # into the work, past the pool's start
            return children
        time.sleep(0.05)
    return []


def test_a_stop_sent_to_the_whole_process_group_cleans_up(big):
    """What GNU timeout, systemd and supervisors do: SIGTERM to every process of the group."""
    process = subprocess.Popen([sys.executable, "-m", "corpuskit", "clean", "-j2", "big.jsonl", "-o", "o.jsonl",
                                "--stats", "st.json"], cwd=big, stderr=subprocess.PIPE, start_new_session=True)
    assert workers_of(process)
    os.killpg(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "stopped by SIGTERM" in stderr.decode()
    assert not (big / "o.jsonl").exists() and not (big / "st.json").exists()
    assert leftovers(big) == []


def test_a_worker_killed_by_the_oom_killer_is_one_line_and_cleans_up(big):
    process = subprocess.Popen([sys.executable, "-m", "corpuskit", "clean", "-j2", "big.jsonl", "-o", "o2.jsonl",
                                "--stats", "st2.json"], cwd=big, stderr=subprocess.PIPE)
    children = workers_of(process)
    assert children
    os.kill(int(children[-1]), signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    text = stderr.decode()
    assert process.returncode == 1, text
    assert "worker process was killed by SIGKILL" in text and "Traceback" not in text
    assert not (big / "o2.jsonl").exists() and not (big / "st2.json").exists()
    assert leftovers(big) == []


def test_head_closing_the_pipe_ends_quietly(big):
    command = f"{sys.executable} -m corpuskit normalize -j1 big.jsonl | head -c 100 > /dev/null"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=big, capture_output=True, timeout=120)
    assert result.stderr == b""


def test_closed_stdout_is_one_line(data):
    result = subprocess.run([sys.executable, "-m", "corpuskit", "normalize", "a.jsonl"], cwd=data, capture_output=False,
                            stdout=None, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, pass_fds=(),
                            preexec_fn=lambda: os.close(1))
    one_line_error(result, 2, "standard output is closed")


# --- several outputs: all or nothing ------------------------------------------------------


def _file_size_limit(size: int):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_failed_last_flush_leaves_no_side_file_in_place(big):
    """The main output fails at its last flush (a full disk, here a file-size limit): the
    audit and the counts, small and complete, must not be committed either."""
    result = run("strip", "big.jsonl", "-o", "out.jsonl", "--removed", "rm.jsonl", "--stats", "st3.json", cwd=big,
                 preexec_fn=_file_size_limit(3_000_000))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr.decode()
    assert not any((big / name).exists() for name in ("out.jsonl", "rm.jsonl", "st3.json"))
    assert leftovers(big) == []


def test_export_overwrite_keeps_the_old_dataset_when_a_side_file_fails(data, tmp_path):
    assert here("export", "ds", "a.jsonl", "-q", cwd=data).returncode == 0
    before = snapshot(data / "ds")
    (data / "side").mkdir()
    (data / "side" / "dups.jsonl").write_text("")
    os.chmod(data / "side", 0o500)
    try:
        result = run("export", "ds", "a.jsonl", "--overwrite", "--duplicates", "side/dups.jsonl", "-q", cwd=data)
    finally:
        os.chmod(data / "side", 0o700)
    if os.geteuid() == 0:  # root writes anyway: then the two commit together
        assert result.returncode == 0
    else:
        one_line_error(result, 2, "side/dups.jsonl", "cannot write")
        assert snapshot(data / "ds") == before


# --- export's folder ------------------------------------------------------------------------


def test_export_never_moves_over_a_folder_created_during_the_run(data):
    from corpuskit.export import ExportConfig, export
    from corpuskit.io import read_documents
    from corpuskit.errors import DataError

    def docs():
        for doc in read_documents([str(data / "a.jsonl")]):
            yield doc
        (data / "ds").mkdir(exist_ok=True)
        (data / "ds" / "mine.txt").write_text("a user's file")

    with pytest.raises(DataError, match="appeared|created by someone else"):
        export(docs(), data / "ds", ExportConfig())
    assert (data / "ds" / "mine.txt").read_text() == "a user's file"
    assert leftovers(data) == []


def test_two_exports_into_one_new_folder_cannot_both_succeed(data):
    from corpuskit.export import ExportConfig, export
    from corpuskit.io import read_documents
    from corpuskit.errors import DataError

    def docs():
        yield from read_documents([str(data / "a.jsonl")])
        export(read_documents([str(data / "a.jsonl")]), data / "ds", ExportConfig())  # the other run finishes first

    with pytest.raises(DataError):
        export(docs(), data / "ds", ExportConfig())
    assert (data / "ds" / "README.md").exists()


def test_overwrite_keeps_what_is_not_the_dataset(data):
    assert here("export", "ds", "a.jsonl", "-q", cwd=data).returncode == 0
    (data / "ds" / ".git").mkdir()
    (data / "ds" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (data / "ds" / ".gitattributes").write_text("*.parquet filter=lfs\n")
    (data / "ds" / "NOTES.md").write_text("mine")
    jsonl(data / "b.jsonl", "Một bài báo hoàn toàn mới, khác với những bài trước đây trong kho.")
    assert here("export", "ds", "b.jsonl", "--overwrite", "-q", cwd=data).returncode == 0
    assert (data / "ds" / ".git" / "HEAD").exists() and (data / "ds" / ".gitattributes").exists()
    assert (data / "ds" / "NOTES.md").read_text() == "mine"
    import pyarrow.parquet as pq
    rows = [r for p in sorted((data / "ds" / "data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    assert [r["id"] for r in rows] == ["d0"]


@pytest.mark.parametrize("change", ["foreign-data", "no-manifest", "edited-card", "readme-only"])
def test_overwrite_refuses_what_its_manifest_does_not_vouch_for(data, change):
    assert here("export", "ds", "a.jsonl", "-q", cwd=data).returncode == 0
    ds = data / "ds"
    if change == "foreign-data":
        (ds / "data" / "extra-00000-of-00001.parquet").write_bytes(b"PAR1")
    elif change == "no-manifest":
        (ds / ".corpuskit-manifest.json").unlink()
    elif change == "edited-card":
        (ds / "README.md").write_text((ds / "README.md").read_text() + "\nmy notes\n")
    else:  # a folder whose README merely mentions corpuskit
        for item in list(ds.rglob("*"))[::-1]:
            item.unlink() if item.is_file() else item.rmdir()
        (ds / "README.md").write_text("---\ntags:\n- corpuskit\n---\n# not ours\n")
    before = snapshot(ds)
    one_line_error(here("export", "ds", "a.jsonl", "--overwrite", cwd=data), 2, "ds")
    assert snapshot(ds) == before


# --- input folders ------------------------------------------------------------------------


def test_a_linked_sub_folder_is_followed_and_a_loop_reported(tmp_path):
    (tmp_path / "in" / "real").mkdir(parents=True)
    jsonl(tmp_path / "in" / "real" / "a.jsonl", ARTICLE)
    (tmp_path / "elsewhere").mkdir()
    jsonl(tmp_path / "elsewhere" / "b.jsonl", "Một bài khác ở thư mục khác, đủ dài.")
    (tmp_path / "in" / "linked").symlink_to(tmp_path / "elsewhere")
    result = run("normalize", "in", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["d0", "d0"]
    (tmp_path / "in" / "real" / "loop").symlink_to(tmp_path / "in")
    result = run("normalize", "in", cwd=tmp_path)
    one_line_error(result, 1, "in/real/loop", "already read")


def test_a_fifo_inside_an_input_folder_is_reported_not_opened(tmp_path):
    (tmp_path / "in").mkdir()
    jsonl(tmp_path / "in" / "a.jsonl", ARTICLE)
    os.mkfifo(tmp_path / "in" / "b.jsonl")
    result = run("normalize", "in", "--skip-bad", cwd=tmp_path, timeout=30)
    assert result.returncode == 0
    assert "in/b.jsonl: a FIFO, not a regular file; skipped" in result.stderr.decode()
    assert len(result.stdout.splitlines()) == 1


def _remove_deep(top: Path) -> None:
    """Remove a deep chain of folders without recursion (pytest's own clean-up would
    recurse too deep): down once with openat, keeping each folder's descriptor, then up,
    removing each child through its parent."""
    stack = [(os.open(top, os.O_RDONLY), None)]
    while True:
        fd = stack[-1][0]
        entries = os.listdir(fd)
        child = None
        for entry in entries:
            if stat.S_ISDIR(os.stat(entry, dir_fd=fd, follow_symlinks=False).st_mode):
                child = entry
            else:
                os.unlink(entry, dir_fd=fd)
        if child is None:
            break
        stack.append((os.open(child, os.O_RDONLY, dir_fd=fd), child))
    while len(stack) > 1:
        fd, name = stack.pop()
        os.close(fd)
        os.rmdir(name, dir_fd=stack[-1][0])
    os.close(stack[0][0])
    os.rmdir(top)


@pytest.fixture
def deep_trees():
    made: list[Path] = []
    yield made
    for top in made:
        _remove_deep(top)


def _deep(top: Path, levels: int, name: str) -> None:
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    try:  # built with openat: the full path may be longer than the system allows
        for _ in range(levels):
            os.mkdir(name, dir_fd=fd)
            new = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
    finally:
        os.close(fd)


def test_a_folder_a_thousand_levels_deep(tmp_path, deep_trees):
    deep_trees.append(tmp_path / "in")
    _deep(tmp_path / "in", 1100, "d")
    jsonl(tmp_path / "in" / "a.jsonl", ARTICLE)
    jsonl(Path(str(tmp_path / "in") + "/d" * 1100) / "z.jsonl", "Bài ở tầng sâu nhất, vẫn được đọc.")
    result = run("normalize", "in", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_a_folder_path_longer_than_the_system_allows_is_one_line(tmp_path, deep_trees):
    deep_trees.append(tmp_path / "in")
    _deep(tmp_path / "in", 30, "d" * 200)
    jsonl(tmp_path / "in" / "a.jsonl", ARTICLE)
    result = run("normalize", "in", "--skip-bad", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    one_line_error(run("normalize", "in", cwd=tmp_path), 1, "cannot read", "File name too long")


# --- bounded cost ---------------------------------------------------------------------------


def test_a_zstd_bomb_is_bad_input_and_the_run_goes_on(tmp_path):
    import zstandard

    compressor = zstandard.ZstdCompressor(level=3).compressobj()
    parts = [compressor.compress(b'{"id": "x", "text": "')]
    parts += [compressor.compress(b"a" * (1 << 22)) for _ in range(100)]
    parts += [compressor.compress(b'"}\n'), compressor.flush()]
    (tmp_path / "bomb.jsonl.zst").write_bytes(b"".join(parts))
    jsonl(tmp_path / "good.jsonl", ARTICLE)
    result = run("normalize", "bomb.jsonl.zst", "good.jsonl", "--skip-bad", cwd=tmp_path)
    assert result.returncode == 0
    stderr = result.stderr.decode()
    assert "bomb.jsonl.zst" in stderr and ("longer than 64 MB" in stderr or "decompression bomb" in stderr), stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["d0"]


def test_a_gzip_bomb_of_text_is_bad_input(tmp_path):
    with gzip.open(tmp_path / "bomb.txt.gz", "wb", compresslevel=1) as handle:
        for _ in range(3):
            handle.write(b"a " * (1 << 19))
    one_line_error(run("normalize", "bomb.txt.gz", "--max-doc-size", "2MiB", cwd=tmp_path), 1, "bomb.txt.gz",
                   "larger than 2 MB", "--max-doc-size")
    result = run("normalize", "bomb.txt.gz", "--max-doc-size", "4MiB", "-o", "o.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_default_bound_on_one_document(tmp_path):
    from corpuskit.io import DEFAULT_LIMITS, read_documents
    from corpuskit.errors import DataError

    assert DEFAULT_LIMITS.max_doc_bytes == 64 * 2**20 and DEFAULT_LIMITS.max_expansion == 100
    with gzip.open(tmp_path / "big.txt.gz", "wb", compresslevel=1) as handle:
        for _ in range(65):
            handle.write(b"a" * (1 << 20))
    with pytest.raises(DataError, match="larger than 64 MB"):
        list(read_documents([str(tmp_path / "big.txt.gz")]))


def test_a_long_line_on_stdin_is_skipped_and_the_next_read(tmp_path):
    line = b'{"id": "big", "text": "' + b"a" * (3 << 20) + b'"}\n'
    stdin = line + json.dumps({"id": "small", "text": ARTICLE}).encode() + b"\n"
    result = run("normalize", "--max-doc-size", "1MB", "--skip-bad", cwd=tmp_path, input=stdin)
    assert result.returncode == 0
    assert "<stdin>:1: record longer than 1 MB" in result.stderr.decode()
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["small"]


# --- one bad record never aborts a run ------------------------------------------------------

BAD_RECORDS = {
    "huge integer": '{"id": "b", "text": "x y z", "metadata": {"n": ' + "7" * 5000 + "}}",
    "NaN": '{"id": "b", "text": "x y z", "metadata": {"score": NaN}}',
    "Infinity": '{"id": "b", "text": "x y z", "metadata": {"score": -Infinity}}',
    "scraper flag normalized": '{"id": "b", "text": "x y z", "normalized": true}',
    "scraper flag stripped": '{"id": "b", "text": "x y z", "stripped": true}',
    "boundaries 5": '{"id": "b", "text": "x y z", "metadata": {"boundaries": 5}}',
    "teaser string": '{"id": "b", "text": "x y z", "metadata": {"teaser": "yes"}}',
}


@pytest.mark.parametrize("name", BAD_RECORDS)
def test_a_bad_record_is_reported_by_line_and_skipped(tmp_path, name):
    good = json.dumps({"id": "g", "text": ARTICLE}, ensure_ascii=False)
    (tmp_path / "in.jsonl").write_text(good + "\n" + BAD_RECORDS[name] + "\n" + good.replace('"g"', '"h"') + "\n")
    runner = CliRunner()
    for command in (["clean"], ["filter"], ["split"], ["strip"], ["normalize"]):
        result = runner.invoke(cli, [*command, str(tmp_path / "in.jsonl"), "--skip-bad", "-q"])
        assert result.exit_code == 0, (command, result.output)
        assert "this is a bug" not in result.stderr
        result = runner.invoke(cli, [*command, str(tmp_path / "in.jsonl")])
        assert result.exit_code == 1 and f"in.jsonl:2:" in result.stderr, (command, result.stderr)


def test_a_big_integer_in_metadata_is_kept_exactly(tmp_path):
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "x", "metadata": {"n": 123456789012345678901234567890}}\n')
    result = CliRunner().invoke(cli, ["normalize", str(tmp_path / "in.jsonl"), "--no-whitespace"])
    assert '"n":123456789012345678901234567890' in result.stdout.replace(" ", "")


def test_a_lone_surrogate_given_to_filter(tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "s", "text": ARTICLE + " \ud800 " + ARTICLE}) + "\n")
    result = CliRunner().invoke(cli, ["filter", str(tmp_path / "in.jsonl"), "--mode", "tag"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["metadata"]["lang"] == "vi"


def test_an_empty_jsonl_from_a_filter_that_dropped_everything_is_an_empty_corpus(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    for command in (["normalize"], ["clean"], ["filter"]):
        result = CliRunner().invoke(cli, [*command, str(tmp_path / "empty.jsonl"), "-o", str(tmp_path / "out.jsonl")])
        assert result.exit_code == 0, result.stderr
        assert (tmp_path / "out.jsonl").read_text() == ""


# --- the report reads corpuskit's own outputs ----------------------------------------------


def test_report_reads_surrogates_in_its_side_files_and_pages(tmp_path):
    text = "Dòng một \ud800 của bài.\nTheo TNO"
    (tmp_path / "pages.jsonl").write_text(json.dumps({"id": "p", "text": text}) + "\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["strip", str(tmp_path / "pages.jsonl"), "--removed", str(tmp_path / "removed.jsonl"),
                                 "-o", str(tmp_path / "stripped.jsonl")])
    assert result.exit_code == 0, result.stderr
    (tmp_path / "removed.jsonl").write_text(json.dumps({"id": "p", "line": 1, "rule": "x", "text": "\udc80"}) + "\n")
    result = runner.invoke(cli, ["report", "-o", str(tmp_path / "r.html"), "--removed", str(tmp_path / "removed.jsonl"),
                                 "--pages", str(tmp_path / "pages.jsonl"), "--doc", "p"])
    assert result.exit_code == 0, result.stderr
    assert "\\ud800" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_report_reads_a_save_to_disk_dataset(tmp_path):
    jsonl(tmp_path / "a.jsonl", ARTICLE, "Một bài nữa, ngắn hơn.")
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(tmp_path / "ds"), str(tmp_path / "a.jsonl"), "--save-to-disk", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["report", "-o", str(tmp_path / "r.html"), "--dataset", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("option,content", [
    ("--split-report", '{"id": "p", "articles": "many"}\n'),
    ("--split-report", '{"id": "p", "parts": 5}\n'),
    ("--split-report", '{"id": "p", "kept_inside": [1]}\n'),
    ("--stats", '{"read": {"files": ' + "9" * 5000 + "}}\n"),
    ("--removed", "[1, 2]\n"),
])
def test_report_on_malformed_side_files_is_one_line(tmp_path, option, content):
    (tmp_path / "side.jsonl").write_text(content)
    result = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "r.html"), option, str(tmp_path / "side.jsonl")])
    assert result.exit_code in (1, 2) and "side.jsonl" in result.stderr and "this is a bug" not in result.stderr, result.stderr


def test_overlapping_spans_are_marked_side_by_side():
    from corpuskit.report import _marked_spans

    html = _marked_spans("abc Ảnh: X def", [("a", "Ảnh: X"), ("b", "X def"), ("c", "55")])
    assert html.count("<mark") == 1 and "<mark" not in html.split("</mark>", 1)[1]
    assert 'title="b"' not in html and ">b</span>" in html


# --- names that would break a line, a card or a page ----------------------------------------


def test_a_newline_in_a_file_name_stays_on_one_line(tmp_path):
    name = "bad\nname.txt"
    (tmp_path / name).write_bytes(b"")
    result = run("normalize", name, cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "bad\\nname.txt: empty file" in stderr
    assert all(line.startswith("corpuskit: ") for line in stderr.splitlines()), stderr


def test_the_card_escapes_names(tmp_path):
    jsonl(tmp_path / "a.jsonl", ARTICLE)
    name = "x <script>alert(1)</script> | y\n# z"
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "ds"), str(tmp_path / "a.jsonl"), "--name", name, "-q"])
    assert result.exit_code == 0, result.stderr
    header, body = (tmp_path / "ds" / "README.md").read_text().split("---\n", 2)[1:]
    import re
    prose = re.sub(r"```.*?```", "", body, flags=re.S)  # in a code block, mark-up is shown as written
    assert "<script>" not in prose and "\\<script\\>" in prose
    assert "\n# z" not in body
    import yaml
    assert yaml.safe_load(header)["pretty_name"] == "x <script>alert(1)</script> | y # z"  # data, one line


# --- smaller ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content,fragment", [
    ("name: p\nthresholds:\n  1:\n    word_count: {min: 5}\n", "p.yaml:3"),
    ("name: p\nthresholds:\n  ~:\n    word_count: {min: 5}\n", "p.yaml:3"),
    ("name: p\nthresholds:\n  en:\n    word_count: {min: .nan}\n", "p.yaml:4"),
])
def test_careless_packs_are_one_line(tmp_path, content, fragment):
    (tmp_path / "p.yaml").write_text(content)
    jsonl(tmp_path / "a.jsonl", ARTICLE)
    result = CliRunner().invoke(cli, ["filter", "-p", str(tmp_path / "p.yaml"), str(tmp_path / "a.jsonl")])
    assert result.exit_code == 2 and fragment in result.stderr and "this is a bug" not in result.stderr, result.stderr


def test_an_integer_scope_key_is_one_line(tmp_path):
    (tmp_path / "r.yaml").write_text("name: r\nscope:\n  - metadata: {5: x}\nrules:\n  - {id: x, drop_line: a}\n")
    jsonl(tmp_path / "a.jsonl", ARTICLE)
    result = CliRunner().invoke(cli, ["strip", "-r", str(tmp_path / "r.yaml"), str(tmp_path / "a.jsonl")])
    assert result.exit_code == 2 and "r.yaml:3" in result.stderr, result.stderr


def test_an_unwritable_output_folder_is_exit_2_naming_the_path(data):
    if os.geteuid() == 0:
        pytest.skip("root writes into any folder")
    (data / "ro").mkdir(mode=0o500)
    result = run("normalize", "a.jsonl", "-o", "ro/out.jsonl", cwd=data)
    stderr = one_line_error(result, 2, "ro/out.jsonl")
    assert ".tmp" not in stderr


def test_pipeline_export_errors_name_the_line(tmp_path):
    jsonl(tmp_path / "a.jsonl", ARTICLE)
    (tmp_path / "p.yaml").write_text("inputs: [a.jsonl]\nexport:\n  output: ds\n  split: train=0.5\n")
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2 and "p.yaml:4: export.split" in result.stderr, result.stderr


def test_rules_check_probes_after_the_literal_prefix(tmp_path):
    (tmp_path / "r.yaml").write_text("name: r\nrules:\n  - id: x\n    drop_line_regex: 'Theo (a|aa)+b'\n")
    result = CliRunner().invoke(cli, ["rules", "check", str(tmp_path / "r.yaml")])
    assert result.exit_code == 2 and "r.yaml:3: rule 'x'" in result.stderr and "backtracks badly" in result.stderr


def test_rules_test_has_a_time_limit(tmp_path):
    line = "Theo " + "a" * 40
    (tmp_path / "r.yaml").write_text(
        "name: r\nrules:\n  - id: x\n    drop_line_regex: 'Theo (a|aa)+b'\n"
        f"    examples:\n      - input: '{line}'\n        output: '{line}'\n")
    result = run("rules", "test", "r.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert "takes over" in result.stdout.decode()
