"""The front door stays true: the README's examples run, every documented command line
parses against the real command definitions, and the docs site builds without warnings.

- README: every `sh` block of the tour runs for real in a scratch folder holding the seeds,
  the rule packs and the pipeline file (with a small crawl made here for the extract
  examples); `make` lines and `. .venv/bin/activate` are the set-up, not examples.
- docs/*.md: every `corpuskit ...` command in an `sh` block is parsed by click with the
  package's own command definitions (options, choices, types), without running: a renamed
  or removed flag fails here.
- `mkdocs build --strict` (broken links and anchors are errors).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from corpuskit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def sh_blocks(path: Path) -> list[str]:
    return SH_BLOCK.findall(path.read_text(encoding="utf-8"))


def command_lines(block: str) -> list[str]:
    """The block's command lines, continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    lines, heredoc = [], None
    for line in joined.splitlines():
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        marker = re.search(r"<<'?(\w+)'?", line)
        if marker:
            heredoc = marker.group(1)
        lines.append(line)
    return lines


def test_the_readme_is_a_front_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert not re.search(r"issue #\d", text, re.IGNORECASE)
    for needed in ("make dataset", "make test", "rules test", "--engine ray", "docs/"):
        assert needed in text


def test_the_readme_examples_run(tmp_path):
    """The tour as a new user runs it, after `make dataset` (whose stripped pages it reads)."""
    for name in ("seeds", "rules", "filters"):
        (tmp_path / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "pipelines", tmp_path / "pipelines")  # its output path is relative to it
    _make_a_crawl(tmp_path)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    (tmp_path / "build").mkdir()
    subprocess.run(["corpuskit", "strip", "seeds/", "-q", "-o", "build/stripped.jsonl"], cwd=tmp_path, env=env,
                   check=True)
    ran = 0
    for block in sh_blocks(README):
        script = block
        if re.match(r"\s*make (dataset|test)\b", script):
            continue  # the set-up commands themselves
        script = "\n".join(line for line in script.splitlines()
                           if not line.startswith((". .venv", "make ")))  # set-up, and make's own targets
        if "--engine ray" in script:
            pytest.importorskip("ray")
        result = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, f"README example failed:\n{script}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr
        ran += 1
    assert ran >= 4
    assert (tmp_path / "articles.jsonl").stat().st_size > 0  # the crawl went through extract | clean | filter


def _make_a_crawl(folder: Path) -> None:
    """crawl.warc.gz and saved-pages/ for the extract examples: news pages made here."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    seed = (ROOT / "seeds" / "002_66b468a2c10b3f44.txt").read_text(encoding="utf-8")
    paragraphs = [line for line in seed.splitlines() if len(line) > 80]
    pages = []
    for i in range(3):
        body = "".join(f"<p>{p}</p>" for p in paragraphs[i:] + paragraphs[:i])
        pages.append(f'<html lang="vi"><head><meta charset="utf-8"><title>Tin số {i}</title></head><body>'
                     f'<nav><a href="/">Trang chủ</a></nav><article><h1>Tin số {i}</h1>{body}</article></body></html>')
    (folder / "saved-pages").mkdir()
    with open(folder / "crawl.warc.gz", "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i, html in enumerate(pages):
            (folder / "saved-pages" / f"tin-{i}.html").write_text(html, encoding="utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://tin.example/{i}", "response",
                                                          payload=io.BytesIO(html.encode()), http_headers=headers))


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "docs").glob("*.md")) + [README]:
        for block in sh_blocks(path):
            for line in command_lines(block):
                for part in re.split(r"\s(?:\||&&)\s", line.split("  #")[0]):
                    part = part.strip()
                    if part.startswith("corpuskit "):
                        found.append((path.name, part))
    return found


DOCUMENTED = documented_commands()


def test_the_docs_have_examples_to_check():
    assert len(DOCUMENTED) > 40


@pytest.mark.parametrize("where,line", DOCUMENTED, ids=[f"{w}:{l[:60]}" for w, l in DOCUMENTED])
def test_every_documented_command_line_parses(where, line):
    words = shlex.split(re.sub(r"\s*[<>]\s*\S+", "", line))[1:]  # redirections are the shell's
    command: click.Command = cli
    name = "corpuskit"
    while isinstance(command, click.Group):
        assert words, f"{where}: {line}: no command"
        name, words = words[0], words[1:]
        assert name in command.commands, f"{where}: {line}: no command {name!r}"
        command = command.commands[name]
    try:
        command.make_context(name, list(words))
    except click.UsageError as error:
        pytest.fail(f"{where}: {line}: {error.format_message()}")


def test_the_docs_site_builds_without_warnings(tmp_path):
    pytest.importorskip("mkdocs")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "cli.html").read_text(encoding="utf-8").count("--max-page-size") >= 1
