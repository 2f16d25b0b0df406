"""export: the dataset loads with datasets (offline), dedup, splits, shards, the card, errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.doc import Doc
from corpuskit.export import ExportConfig, export, parse_size, split_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def article(n: int, **metadata) -> dict:
    words = " ".join(f"từ{n}x{i}" for i in range(40 + n % 7))
    return {"id": f"doc-{n}", "text": f"Bài số {n}. {words}.", "metadata": {"title": f"Tiêu đề {n}", **metadata}}


@pytest.fixture(scope="module")
def seed_articles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    result = invoke("clean", ROOT / "seeds", "-o", folder / "articles.jsonl", "--stats", folder / "clean.stats.json", "-q")
    assert result.exit_code == 0, result.output
    return folder


def test_seed_articles_round_trip_through_load_dataset(seed_articles, tmp_path):
    out = tmp_path / "ds"
    # One split: the ids hold the seeds' path, so which split an article falls in depends on
    # where the checkout is (the shares themselves are tested below).
    result = invoke("export", out, seed_articles / "articles.jsonl", "--stats-from", seed_articles / "clean.stats.json",
                    "--split", "train=1", "-q")
    assert result.exit_code == 0, result.output
    loaded = datasets.load_dataset(str(out))
    rows = loaded["train"].to_list()
    assert len(rows) == 7 and "validation" not in loaded
    assert loaded["train"].features["part"] == datasets.Value("int32")
    sources = {r["title"]: r["source"] for r in rows}
    assert sources["Nhật bắt tay với Nga, cương quyết với Trung Quốc?"] == "TNO"
    assert sources[None] == "Dantri"
    text = "\n".join(r["text"] for r in rows)
    assert "Theo TNO" not in text and "Video đang HOT" not in text
    assert all(json.loads(r["metadata"]).get("teaser") is None for r in rows)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "split: 5 pages → 7 articles; 4 teasers found, 4 dropped" in card
    assert re.search(r"`vn-news v\d+ sha256:[0-9a-f]{12}`", card)
    assert "| `related-news` | 28 |" in card


def test_save_to_disk_round_trip(seed_articles, tmp_path):
    out = tmp_path / "arrow"
    assert invoke("export", out, seed_articles / "articles.jsonl", "--save-to-disk", "--split", "train=1", "-q").exit_code == 0
    loaded = datasets.load_from_disk(str(out))
    assert loaded["train"].num_rows == 7
    assert not (out / "data").exists() and (out / "README.md").exists()


def test_exporting_twice_gives_identical_bytes(seed_articles, tmp_path):
    for name in ("a", "b"):
        assert invoke("export", tmp_path / name, seed_articles / "articles.jsonl", "--name", "news", "-q").exit_code == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_exact_duplicates_are_dropped_after_normalizing_case_space_and_unicode(tmp_path):
    docs = [
        {"id": "a", "text": "Hòa bình là khát vọng chung.\nĐoạn hai.", "metadata": {}},
        {"id": "b", "text": "  hòa   BÌNH là khát vọng chung.\nđoạn hai. ", "metadata": {}},
        {"id": "c", "text": "Ho\u0300a bình là khát vọng chung.\nĐoạn hai.", "metadata": {}},  # NFD
        {"id": "d", "text": "Một văn bản khác hẳn.", "metadata": {}},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", docs)
    report = tmp_path / "dups.jsonl"
    result = invoke("export", tmp_path / "ds", source, "--duplicates", report, "--split", "train=1")
    assert result.exit_code == 0, result.output
    # the same text once normalized: the same length, so the smallest id is kept
    assert [{k: r[k] for k in ("id", "duplicate_of", "level", "similarity")} for r in map(json.loads, report.read_text().splitlines())] == [
        {"id": "b", "duplicate_of": "a", "level": "exact", "similarity": 1.0},
        {"id": "c", "duplicate_of": "a", "level": "exact", "similarity": 1.0},
    ]
    assert datasets.load_dataset(str(tmp_path / "ds"))["train"]["id"] == ["a", "d"]
    assert "2 exact and 0 near copies removed" in (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert invoke("export", tmp_path / "all", source, "--no-dedup", "--split", "train=1", "-q").exit_code == 0
    assert datasets.load_dataset(str(tmp_path / "all"))["train"].num_rows == 4


def test_near_duplicates_with_minhash_lsh(tmp_path):
    base = ("The city council voted on Tuesday to expand the tram network to the northern districts, "
            "adding twelve stations and a new depot by the end of the decade, officials said after a long debate "
            "in which residents raised concerns about noise, cost and the loss of parking along the main avenue.")
    edited = base.replace("twelve", "eleven").replace("long debate", "lengthy debate")
    other = ("Farmers in the delta reported a record rice harvest this season thanks to mild weather and new seed "
             "varieties, while exporters warned that shipping costs could eat into their margins next year.")
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "base", "text": base}, {"id": "edited", "text": edited}, {"id": "other", "text": other},
    ])
    report = tmp_path / "dups.jsonl"
    result = invoke("export", tmp_path / "ds", source, "--near-dup", "0.5", "--duplicates", report, "--split", "train=1", "-q")
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in report.read_text().splitlines()]
    # "lengthy debate" makes the edited copy the longer one: it is kept
    assert (record["id"], record["duplicate_of"], record["level"]) == ("base", "edited", "near")
    assert 0.5 <= record["similarity"] < 1
    assert sorted(datasets.load_dataset(str(tmp_path / "ds"))["train"]["id"]) == ["edited", "other"]
    # exact only: the edited copy stays
    assert invoke("export", tmp_path / "exact", source, "--split", "train=1", "-q").exit_code == 0
    assert datasets.load_dataset(str(tmp_path / "exact"))["train"].num_rows == 3


def test_splits_are_stable_when_documents_are_added(tmp_path):
    first = [article(n) for n in range(150)]
    more = first + [article(n) for n in range(150, 400)]
    splits = "train=0.8,validation=0.2"
    for name, docs in (("small", first), ("large", more)):
        source = write_jsonl(tmp_path / f"{name}.jsonl", docs)
        assert invoke("export", tmp_path / name, source, "--split", splits, "-q").exit_code == 0
    small = datasets.load_dataset(str(tmp_path / "small"))
    large = datasets.load_dataset(str(tmp_path / "large"))
    for split in ("train", "validation"):
        assert set(small[split]["id"]) <= set(large[split]["id"])
    share = large["validation"].num_rows / 400
    assert 0.13 < share < 0.27
    assert split_of("doc-7", (("train", 0.8), ("validation", 0.2))) in ("train", "validation")


def test_shards_roll_over_at_the_size_limit_and_all_rows_load(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(n) for n in range(300)])
    result = invoke("export", tmp_path / "ds", source, "--split", "train=1", "--max-shard-size", "20KB", "-q")
    assert result.exit_code == 0, result.output
    shards = sorted((tmp_path / "ds" / "data").glob("*.parquet"))
    assert len(shards) > 3
    assert all(re.fullmatch(rf"train-\d{{5}}-of-{len(shards):05d}\.parquet", p.name) for p in shards)
    assert sum(pq.ParquetFile(p).metadata.num_rows for p in shards) == 300
    loaded = datasets.load_dataset(str(tmp_path / "ds"))["train"]
    assert loaded["id"] == [f"doc-{n}" for n in range(300)]  # input order kept across shards
    assert parse_size("1.5GB") == 1_500_000_000 and parse_size("64KiB") == 65536


def test_card_numbers_match_the_data(tmp_path):
    docs = [article(n, source="VnExpress", path=f"site/{n}.txt") for n in range(60)] + [article(3)]  # one exact duplicate
    source = write_jsonl(tmp_path / "in.jsonl", docs)
    assert invoke("export", tmp_path / "ds", source, "--split", "train=0.7,validation=0.3", "-q").exit_code == 0
    card = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    loaded = datasets.load_dataset(str(tmp_path / "ds"))
    for split in ("train", "validation"):
        texts = loaded[split]["text"]
        row = f"| {split} | {len(texts):,} | {sum(map(len, texts)):,} | {sum(len(t.split()) for t in texts):,} | 1 |"
        assert row in card
        assert f"num_examples: {len(texts)}" in card
    assert "61 documents in" in card and "1 exact and 0 near copies removed" in card
    header = card.split("---")[1]
    assert "data/train-*" in header and "data/validation-*" in header
    assert loaded["train"][0]["source"] == "VnExpress" and loaded["train"][0]["path"].startswith("site/")


def test_library_export_and_typed_columns(tmp_path):
    docs = [Doc("x", "Văn bản.", {"title": "T", "part": 2, "source": ["A", "B"], "url": "https://e.vn/1", "extra": {"k": 1}})]
    figures = export(docs, tmp_path / "ds", ExportConfig(splits=(("train", 1.0),)))
    assert figures["train"].documents == 1
    row = datasets.load_dataset(str(tmp_path / "ds"))["train"][0]
    assert row["part"] == 2 and row["source"] == "A; B" and row["url"] == "https://e.vn/1"
    assert json.loads(row["metadata"]) == {"extra": {"k": 1}}


def test_bad_input_names_file_and_line_and_writes_nothing(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "a", "text": "ok"}\n{"id": "b", "text": \n', encoding="utf-8")
    result = invoke("export", tmp_path / "ds", source)
    assert result.exit_code == 1
    assert f"{source}:2:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "ds").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds")]  # no temporary folder left


def test_usage_errors(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1)])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = invoke("export", tmp_path / "full", source)
    assert result.exit_code == 2 and "not empty (use --overwrite" in result.stderr
    # --overwrite replaces a dataset corpuskit wrote, never a folder of other things
    result = invoke("export", tmp_path / "full", source, "--overwrite", "-q")
    assert result.exit_code == 2 and "not a dataset written by corpuskit" in result.stderr
    assert (tmp_path / "full" / "x").read_text() == "x"
    assert invoke("export", tmp_path / "ds", source, "-q").exit_code == 0
    assert invoke("export", tmp_path / "ds", source, "--overwrite", "-q").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == [".corpuskit-manifest.json", "README.md", "data"]
    result = invoke("export", tmp_path / "d2", source, "--split", "train=0.5,validation=0.2")
    assert result.exit_code == 2 and "add up to 1" in result.stderr
    result = invoke("export", tmp_path / "d3", source, "--max-shard-size", "lots")
    assert result.exit_code == 2 and "--max-shard-size" in result.stderr
    result = invoke("export", tmp_path / "d4", tmp_path / "empty.jsonl")
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_bad_input_leaves_no_dedup_work_folder(tmp_path, monkeypatch):
    """Export stops on a text it cannot store; dedup's work folder beside the output goes too
    (a rerun reads again), as do the output's temporaries."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "ok text"}\n{"text": "\\ud800", "id": 0}\n', encoding="utf-8")
    result = invoke("export", "ds", "in.jsonl", "--duplicates", "dups.jsonl", "--stats", "stats.json", "-q")
    assert result.exit_code == 1 and "lone surrogate" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
