"""corpuskit run: pipeline files, the local engine, and Ray giving the same dataset."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.pipeline import load_pipeline

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def copies_file(folder: Path) -> Path:
    """Pages that copy seed articles (one exact, one with a line added, one crediting the
    original outlet): the dedup step has clusters to resolve."""
    path = folder / "copies.jsonl"
    seed = (ROOT / "seeds" / "002_66b468a2c10b3f44.txt").read_text(encoding="utf-8")
    body = "\n".join(line for line in seed.splitlines() if len(line) > 60)
    pages = [{"id": "copy-1", "text": body}, {"id": "copy-2", "text": body + "\nMột dòng thêm vào cuối bài."},
             {"id": "copy-3", "text": body + "\nTheo Dân trí", "metadata": {"url": "https://x.example/3"}}]
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages), encoding="utf-8")
    return path


def pipeline_file(folder: Path, output: str, extra: str = "", dedup: bool = False) -> Path:
    path = folder / f"{output}.yaml"
    inputs = f"[{ROOT / 'seeds'}, {copies_file(folder)}]" if dedup else f"[{ROOT / 'seeds'}]"
    dedup_step = "\n          - dedup: {threshold: 0.8}" if dedup else ""
    path.write_text(textwrap.dedent(f"""
        name: seeds-test
        inputs: {inputs}
        steps:
          - normalize: {{tone: old}}
          - strip: {{rules: [{ROOT / 'rules'}]}}
          - split: {{keep_teasers: false}}{dedup_step}
        export:
          output: {output}
          split: train=0.7,validation=0.3
        {extra}
    """), encoding="utf-8")
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_local_engine_writes_the_dataset_of_clean_and_export(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(pipeline_file(tmp_path, "local")), "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    import datasets

    loaded = datasets.load_dataset(str(tmp_path / "local"))
    rows = [r for split in loaded.values() for r in split]
    assert len(rows) == 7 and {r["source"] for r in rows} >= {"TNO", "Dantri", "TTXVN/Tin Tức"}
    card = (tmp_path / "local" / "README.md").read_text(encoding="utf-8")
    assert "split: 5 pages → 7 articles; 4 teasers found, 4 dropped" in card and "- read: 5 input files" in card
    # the same rows as the commands piped: clean | export
    cleaned = CliRunner().invoke(cli, ["clean", str(ROOT / "seeds"), "-q"]).output
    assert [json.loads(line)["text"] for line in cleaned.splitlines()] == [
        r["text"] for r in sorted(rows, key=lambda r: (r["parent_id"], r["part"]))
    ]


def test_local_engine_with_jobs_gives_the_same_bytes(tmp_path):
    for name, jobs in (("one", "1"), ("two", "2")):
        assert CliRunner().invoke(cli, ["run", str(pipeline_file(tmp_path, name)), "-j", jobs, "-q"]).exit_code == 0
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")


def web_pipeline(folder: Path, output: str) -> Path:
    """A crawl (a WARC of news pages) through extract, the per-page steps and export."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc = folder / "crawl.warc.gz"
    if not warc.exists():
        seed = (ROOT / "seeds" / "002_66b468a2c10b3f44.txt").read_text(encoding="utf-8")
        paragraphs = [line for line in seed.splitlines() if len(line) > 80]
        with open(warc, "wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for i in range(4):
                body = "".join(f"<p>{p}</p>" for p in paragraphs[i:] + paragraphs[:i])
                html = (f'<html lang="vi"><head><meta charset="utf-8"><title>Tin số {i}</title></head><body>'
                        f'<nav><a href="/">Trang chủ</a></nav><article><h1>Tin số {i}</h1>{body}</article></body></html>')
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://news.example/{i}", "response",
                                                              payload=io.BytesIO(html.encode()), http_headers=headers))
    path = folder / f"{output}.yaml"
    path.write_text(textwrap.dedent(f"""
        name: web
        inputs: [{warc}]
        steps:
          - extract: {{max_page_bytes: 4MiB}}
          - normalize: {{}}
          - strip: {{rules: [{ROOT / 'rules'}]}}
        export: {{output: {output}}}
    """), encoding="utf-8")
    return path


def test_a_pipeline_can_start_from_web_pages(tmp_path):
    for name, jobs in (("one", "1"), ("two", "2")):
        result = CliRunner().invoke(cli, ["run", str(web_pipeline(tmp_path, name)), "-j", jobs, "--stats", str(tmp_path / f"{name}.json")])
        assert result.exit_code == 0, result.output
        assert "4 pages → 4 documents" in result.stderr
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    assert json.loads((tmp_path / "one.json").read_text())["extract"]["documents"] == 4
    card = (tmp_path / "one" / "README.md").read_text(encoding="utf-8")
    assert "extract" in card


def test_ray_engine_gives_the_same_dataset_as_local(tmp_path):
    pytest.importorskip("ray")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "text": "Một câu."}\n{"id": \n', encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"inputs: [{bad}]\nexport: {{output: {tmp_path / 'never'}}}\n", encoding="utf-8")
    try:
        assert CliRunner().invoke(cli, ["run", str(pipeline_file(tmp_path, "local", dedup=True)), "-j", "1", "-q"]).exit_code == 0
        assert CliRunner().invoke(cli, ["run", str(pipeline_file(tmp_path, "twojobs", dedup=True)), "-j", "2", "-q"]).exit_code == 0
        result = CliRunner().invoke(cli, ["run", str(pipeline_file(tmp_path, "onray", dedup=True)), "--engine", "ray", "-q"])
        assert result.exit_code == 0, result.output
        failed = CliRunner().invoke(cli, ["run", str(broken), "--engine", "ray"])
        web = [CliRunner().invoke(cli, ["run", str(web_pipeline(tmp_path, name)), *engine, "-q"])
               for name, engine in (("weblocal", ["-j", "1"]), ("webray", ["--engine", "ray"]))]
    finally:
        ray.shutdown()
    # Parquet and card, byte for byte: the same kept documents with dedup features computed
    # in this process, in two worker processes, and in Ray tasks
    assert files_of(tmp_path / "local") == files_of(tmp_path / "onray") == files_of(tmp_path / "twojobs")
    assert [r.exit_code for r in web] == [0, 0] and files_of(tmp_path / "weblocal") == files_of(tmp_path / "webray")
    card = (tmp_path / "local" / "README.md").read_text(encoding="utf-8")
    assert "copies removed in" in card and "0 exact and 0 near" not in card
    assert failed.exit_code == 1 and f"{bad}:2: malformed JSON" in failed.stderr and "Traceback" not in failed.output
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("body,message", [
    ("inputs: [x]\nsteps:\n  - clean: {}\nexport: {output: o}\n", ":3: steps[0]: unknown key 'clean' (allowed: dedup, extract, filter, normalize, split, strip)"),
    ("inputs: [x]\nsteps:\n  - normalize: {tones: new}\nexport: {output: o}\n", ":3: steps[0].normalize: unknown key 'tones'"),
    ("inputs: [x]\nsteps: []\nexport: {}\n", ":3: export: 'output' is missing: expected a mapping with an output folder"),
    ("inputs: [x]\nexport: {output: o, shards: 3}\n", ":2: export: unknown key 'shards'"),
    ("inputs: [x]\noutput: o\n", ":2: unknown key 'output'"),
    ("inputs: [x\n", ":2: invalid YAML"),
    ("inputs: [x]\nsteps:\n  - split: {}\n  - normalize: {}\nexport: {output: o}\n", "steps run in the order extract, normalize, strip, split"),
    ("inputs: [x]\nsteps:\n  - extract: {engine: lynx}\nexport: {output: o}\n", ":3: steps[0].extract.engine"),
    ("inputs: [x]\nsteps:\n  - extract: {timeout: -1}\nexport: {output: o}\n", ":3: steps[0].extract.timeout"),
])
def test_pipeline_file_errors_name_file_and_line(tmp_path, body, message):
    path = tmp_path / "p.yaml"
    path.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    assert str(path) in result.stderr


def test_paths_are_relative_to_the_pipeline_file(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "p.yaml"
    path.write_text("inputs: [../in]\nsteps:\n  - strip: {rules: [../r.yaml]}\nexport: {output: ../out}\n", encoding="utf-8")
    (tmp_path / "r.yaml").write_text("name: r\nrules:\n  - {id: x, drop_line: X}\n", encoding="utf-8")
    pipeline = load_pipeline(path)
    assert pipeline.inputs == [str(tmp_path / "in")] and pipeline.output == str(tmp_path / "out")
    assert pipeline.steps[0][1][0].name == "r"
