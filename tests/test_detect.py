"""detect: proposes recurring furniture and templates, never the article sentences."""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.detect import DetectConfig, Detector, detect, draft_rules
from corpuskit.doc import Doc
from corpuskit.rules import load_rules
from corpuskit.strip import strip

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FURNITURE = re.compile(r"Video đang HOT|^Theo [A-Z]\w*$|Ảnh:|^Các tin khác$|^Chia sẻ:$|^Top$|^Tin tức$|/")


def sentence_pool() -> list[str]:
    """Article sentences of the seeds (furniture-looking lines left out)."""
    pool = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            line = line.strip()
            if len(line) > 60 and not FURNITURE.search(line):
                pool.append(line)
    return sorted(set(pool))  # a title printed twice in a seed counts once


def varied_corpus(n: int = 80, seed: int = 7) -> list[Doc]:
    """Seed sentences recombined into new articles, wrapped in furniture of two sites."""
    rng = random.Random(seed)
    pool = sentence_pool()
    docs = []
    for i in range(n):
        body = rng.sample(pool, 6)
        lines = ["Tin tức"] if rng.random() < 0.5 else []
        lines += body[:3]
        if rng.random() < 0.6:
            lines.append(f"{body[0][:50]} – Ảnh: {rng.choice(['Reuters', 'AFP', 'TTXVN', 'AP', 'Yonhap'])}")
        if rng.random() < 0.5:
            lines.append("Video đang HOT")
        lines += body[3:]
        lines.append(f"Theo {rng.choice(['TNO', 'Dantri', 'VnExpress', 'Zing', 'VTC', 'Kyodo'])}")
        if rng.random() < 0.5:
            lines += ["Chia sẻ:", "Các tin khác", rng.choice(pool)[:70]]
        lines.append(f"Cập nhật lúc {rng.randrange(24)}:{rng.randrange(60):02d} ngày {rng.randrange(1, 29)}/{rng.randrange(1, 13)}/2024")
        docs.append(Doc(f"d{i}", "\n".join(lines), {"site": "news.example"}))
    return docs


def test_detect_proposes_furniture_and_templates_only():
    detector = detect(varied_corpus(), DetectConfig(min_docs=5, min_share=0.2))
    forms = {c.form for c in detector.candidates()}
    for expected in ("Video đang HOT", "Theo <X>", "… Ảnh: <X>", "Chia sẻ:", "Các tin khác", "Tin tức", "Cập nhật lúc <N> ngày <N>"):
        assert expected in forms, (expected, forms)
    pool = set(sentence_pool())
    assert not forms & pool  # no article sentence is proposed


def test_draft_is_a_valid_rule_file_that_strips_the_furniture(tmp_path):
    docs = varied_corpus()
    draft = draft_rules(detect(docs, DetectConfig(min_docs=5, min_share=0.2)), "news-example")
    path = tmp_path / "draft.yaml"
    path.write_text(draft, encoding="utf-8")
    assert yaml.safe_load(draft)["name"] == "news-example"
    files = load_rules([str(path)])
    stripped = list(strip(docs, files))
    for doc in stripped:
        assert "Video đang HOT" not in doc.text
        assert not re.search(r"(?m)^Theo [A-Z]\w*$", doc.text)
        assert "Ảnh:" not in doc.text
    kept = sum(len(d.text.split("\n")) for d in stripped)
    assert kept >= 6 * len(docs) * 0.9  # the body sentences stay


def test_memory_is_bounded_by_pruning():
    detector = Detector(DetectConfig(max_keys=500))
    for i in range(300):
        detector.add(Doc(str(i), f"unique line number {i} with words {i * 7}\nunique again {i}", {}))
    assert len(detector.counts) <= 500 + 10
    assert detector.pruned > 0


def test_groups_are_counted_apart():
    docs = [Doc(str(i), "Body sentence that is unique %d.\nSite A footer" % i, {"site": "a"}) for i in range(5)]
    docs += [Doc(f"b{i}", "Another unique body %d.\nSite B footer" % i, {"site": "b"}) for i in range(5)]
    candidates = detect(docs, DetectConfig(min_docs=3, min_share=0.5)).candidates()
    assert {(c.group, c.form) for c in candidates} >= {("a", "Site A footer"), ("b", "Site B footer")}


def test_detect_cli_writes_the_draft(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(d.to_json() + "\n" for d in varied_corpus(40)), encoding="utf-8")
    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(cli, ["detect", str(corpus), "--min-share", "0.2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    check = CliRunner().invoke(cli, ["rules", "check", str(out)])
    assert check.exit_code == 0, check.output
    assert '"Video đang HOT"' in out.read_text(encoding="utf-8")
