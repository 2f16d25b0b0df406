"""corpuskit dedup: exact, near and repeated-line deduplication, the copy kept, evaluation
sets, resuming, and the compiled core against its pure-Python specification."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.cli import cli
from corpuskit.dedup import DedupConfig, dedup
from corpuskit.dedup import clusters, minhash
from corpuskit.doc import Doc
from corpuskit.native import core, pack
from corpuskit.stats import Stats

native = pytest.mark.skipif(core is None, reason="the compiled core is not built (make native)")
ROOT = Path(__file__).resolve().parent.parent

SYLLABLES = ("một hai ba bốn năm sáu bảy tám chín mười người nhà nước việt nam hà nội thành phố công ty "
             "kinh tế xã hội chính phủ bộ trưởng tỉnh huyện dự án giá vàng thị trường học sinh giáo dục").split()


def article(rng: random.Random, words: int = 160) -> str:
    """A Vietnamese-looking article: sentences of random syllables in paragraphs."""
    out, paragraph = [], []
    for index in range(words):
        paragraph.append(rng.choice(SYLLABLES) + (f" {rng.randint(1, 9999)}" if rng.random() < 0.05 else ""))
        if index % 40 == 39:
            out.append(" ".join(paragraph).capitalize() + ".")
            paragraph = []
    if paragraph:
        out.append(" ".join(paragraph).capitalize() + ".")
    return "\n".join(out)


def edited(rng: random.Random, text: str, share: float) -> str:
    words = text.split(" ")
    for _ in range(max(1, int(len(words) * share))):
        words[rng.randrange(len(words))] = rng.choice(SYLLABLES)
    return " ".join(words)


def shingles(text: str, k: int = 5) -> set[str]:
    from corpuskit.dedup.keys import canonical_text

    words = canonical_text(text).split(" ")
    return {" ".join(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def run_dedup(docs: list[Doc], **options) -> tuple[list[Doc], list[dict], Stats]:
    stats, dropped = Stats(), []
    kept = list(dedup(iter(docs), DedupConfig(**options), stats, on_duplicate=dropped.append))
    return kept, dropped, stats


# --- the compiled core is its specification, byte for byte ---------------------------------

HOSTILE = ["", " ", "a", "\ud800 lẻ", "x\u3000y\x1cz\x85w\u2028v", "\n\n\n", "a " * 1000, "ß ǅ ﬁ", "🙂 " * 30,
           "Hòa\u0300 bình", "\x00\x01 control", "tab\tand\rcr"]


@native
@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=12), st.integers(1, 7), st.sampled_from([16, 32, 64]))
def test_compiled_hashes_equal_the_specification(texts, shingle, num_perm):
    texts = texts + HOSTILE
    blob, offsets = pack(texts)
    assert core.exact_keys(blob, offsets, 2) == minhash.exact_keys(blob, offsets)
    bands, rows = minhash.lsh_params(0.7, num_perm)
    assert core.minhash(blob, offsets, num_perm, shingle, bands, rows, 2) == minhash.minhash(blob, offsets, num_perm, shingle, bands, rows)
    assert core.line_hashes(blob, offsets, 1) == minhash.line_hashes(blob, offsets)
    assert core.ngram_hashes(blob, offsets, 3, 2) == minhash.ngram_hashes(blob, offsets, 3)


@native
def test_compiled_linking_equals_the_specification(tmp_path):
    rng = random.Random(3)
    base = [article(rng) for _ in range(60)]
    texts = base + [edited(rng, t, 0.02) for t in base[:30]] + base[:10] + [edited(rng, t, 0.15) for t in base[30:40]]
    docs = [Doc(f"d{i:03d}", t) for i, t in enumerate(texts)]
    outputs = []
    for link in (clusters.link, core.link):
        original = clusters.batch_link
        clusters.batch_link = link
        try:
            kept, dropped, stats = run_dedup(docs, work_dir=str(tmp_path))
        finally:
            clusters.batch_link = original
        outputs.append(([d.id for d in kept], dropped, stats.as_dict()["dedup"]))
    assert outputs[0] == outputs[1]
    assert outputs[0][2]["near_links"] > 0 and outputs[0][2]["exact_links"] > 0


# --- what is found ----------------------------------------------------------------------------


def test_near_pairs_against_exact_jaccard(tmp_path):
    """Planted copies (words edited, paragraphs reordered, furniture and credits added):
    every pair whose exact Jaccard similarity reaches the threshold should end in one
    cluster (recall ≥ 0.95), and no pair below it is linked directly (checks are exact)."""
    rng = random.Random(7)
    docs, originals = [], []
    for n in range(120):
        text = article(rng)
        originals.append(text)
        docs.append(Doc(f"o{n:03d}", text))
        kind = n % 4
        if kind == 0:
            copy = edited(rng, text, rng.choice([0.005, 0.01, 0.02, 0.05, 0.1]))
        elif kind == 1:
            paragraphs = text.split("\n")
            rng.shuffle(paragraphs)
            copy = "\n".join(paragraphs)
        elif kind == 2:
            copy = text + "\nVideo đang HOT\nCác tin khác"
        else:
            copy = text + "\nTheo TTXVN"
        docs.append(Doc(f"c{n:03d}", copy))
    kept, dropped, _ = run_dedup(docs, threshold=0.8, work_dir=str(tmp_path))
    merged = {r["id"]: r["duplicate_of"] for r in dropped}
    sets = {d.id: shingles(d.text) for d in docs}
    positives = found = 0
    for n in range(120):
        a, b = f"o{n:03d}", f"c{n:03d}"
        similarity = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        together = merged.get(a) == b or merged.get(b) == a
        if similarity >= 0.8:
            positives += 1
            found += together
        else:
            assert not together or similarity >= 0.8, (a, b, similarity)
    assert positives >= 60 and found / positives >= 0.95, (found, positives)
    for record in dropped:
        assert record["level"] == "exact" or record["similarity"] >= 0.8


def test_exact_copies_with_other_spacing_case_and_unicode_form(tmp_path):
    docs = [Doc("a", "Hòa bình là khát vọng chung của nhân loại."), Doc("b", "  HÒA  bình là khát vọng\nchung của nhân loại. "),
            Doc("c", "Ho\u0300a bình là khát vọng chung của nhân loại."), Doc("d", "Một câu khác hẳn về chuyện khác.")]
    kept, dropped, stats = run_dedup(docs, near=False, work_dir=str(tmp_path))
    assert [d.id for d in kept] == ["a", "d"]
    assert {(r["id"], r["duplicate_of"], r["level"]) for r in dropped} == {("b", "a", "exact"), ("c", "a", "exact")}
    assert stats.as_dict()["dedup_cluster_sizes"] == {"3": 1}


def test_the_original_outlets_copy_is_kept(tmp_path):
    """A syndicated article: the outlet the others credit keeps its copy, even when a
    copy is longer or comes first."""
    rng = random.Random(11)
    text = article(rng, 200)
    docs = [
        Doc("https://baomoi.example/a1", text + "\nTheo Dân trí", {"url": "https://baomoi.example/a1", "source": "Dân trí"}),
        Doc("https://tinmoi.example/b2", text + "\nNguồn: Dân trí. Xem thêm tin khác", {"url": "https://tinmoi.example/b2", "source": "Dân trí"}),
        Doc("https://dantri.com.vn/xa-hoi/c3.htm", text, {"url": "https://dantri.com.vn/xa-hoi/c3.htm"}),
        Doc("https://tno.example/d4", article(rng, 200), {"url": "https://tno.example/d4"}),
    ]
    kept, dropped, _ = run_dedup(docs, work_dir=str(tmp_path))
    assert [d.id for d in kept] == ["https://dantri.com.vn/xa-hoi/c3.htm", "https://tno.example/d4"]
    assert {r["duplicate_of"] for r in dropped} == {"https://dantri.com.vn/xa-hoi/c3.htm"}
    # an abbreviation known from outlets.yaml: "TNO" credits thanhnien.vn
    docs = [Doc("x", text + "\nTheo TNO", {"url": "https://x.example/1", "source": "TNO"}),
            Doc("y", text, {"url": "https://thanhnien.vn/y"})]
    assert [d.id for d in run_dedup(docs, work_dir=str(tmp_path))[0]] == ["y"]
    # no original: the longest, then the smallest id; keep=first: arrival order
    docs = [Doc("b", text), Doc("a", text), Doc("c", text + " thêm")]
    assert [d.id for d in run_dedup(docs, work_dir=str(tmp_path))[0]] == ["c"]
    assert [d.id for d in run_dedup(docs[:2], work_dir=str(tmp_path))[0]] == ["a"]
    assert [d.id for d in run_dedup(docs, keep="first", work_dir=str(tmp_path))[0]] == ["b"]


def test_kept_ids_do_not_depend_on_jobs_or_on_the_path(tmp_path):
    rng = random.Random(5)
    texts = [article(rng) for _ in range(80)]
    docs = [Doc(f"d{i}", t) for i, t in enumerate(texts + [edited(rng, t, 0.01) for t in texts[:40]] + texts[:20])]
    results = {}
    for jobs in (1, 2):
        kept, dropped, _ = run_dedup(docs, jobs=jobs, work_dir=str(tmp_path))
        results[f"jobs={jobs}"] = ([d.id for d in kept], [(r["id"], r["duplicate_of"]) for r in dropped])
    env = {**os.environ, "CORPUSKIT_PURE": "1"}
    script = ("import json,sys; from corpuskit.doc import Doc; from corpuskit.dedup import DedupConfig, dedup;"
              "docs=[Doc(d['id'], d['text']) for d in json.load(sys.stdin)]; dropped=[];"
              f"kept=[d.id for d in dedup(iter(docs), DedupConfig(jobs=2, work_dir={str(tmp_path)!r}), on_duplicate=dropped.append)];"
              "print(json.dumps([kept, [(r['id'], r['duplicate_of']) for r in dropped]]))")
    pure = subprocess.run([sys.executable, "-c", script], input=json.dumps([{"id": d.id, "text": d.text} for d in docs]),
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert pure.returncode == 0, pure.stderr
    kept, pairs = json.loads(pure.stdout)
    results["pure, 2 processes"] = (kept, [tuple(p) for p in pairs])
    assert len({json.dumps(v) for v in results.values()}) == 1, results


# --- repeated lines ---------------------------------------------------------------------------


def furniture_corpus(rng: random.Random) -> list[Doc]:
    docs = []
    for n in range(40):
        site = "a.example" if n % 2 else "b.example"
        lines = article(rng, 80).split("\n")
        if site == "a.example":
            lines = ["Video đang HOT"] + lines + [f"Cập nhật lúc {rng.randint(1, 23)}:{rng.randint(10, 59)}"]
        docs.append(Doc(f"https://{site}/{n}", "\n".join(lines), {"url": f"https://{site}/{n}"}))
    return docs


def test_repeated_lines_are_found_per_site_reported_tagged_or_removed(tmp_path):
    docs = furniture_corpus(random.Random(2))
    found = []
    kept = list(dedup(iter(docs), DedupConfig(lines="report", line_min_docs=10, work_dir=str(tmp_path)), Stats(),
                      on_repeated=found.append))
    assert [d.text for d in kept] == [d.text for d in docs]  # report changes nothing
    by_text = {r["text"]: r for r in found}
    assert set(by_text) >= {"Video đang HOT"} and any(t.startswith("Cập nhật lúc") for t in by_text)
    assert by_text["Video đang HOT"]["docs"] == 20 and by_text["Video đang HOT"]["top_site"] == "a.example"
    tagged = list(dedup(iter(docs), DedupConfig(lines="tag", line_min_docs=10, work_dir=str(tmp_path))))
    assert tagged[1].metadata["repeated_lines"][0] == 1 and "repeated_lines" not in tagged[0].metadata
    removed, stats = [], Stats()
    cleaned = list(dedup(iter(docs), DedupConfig(lines="remove", line_min_docs=10, work_dir=str(tmp_path)), stats,
                         on_removed_line=removed.append))
    assert all("Video đang HOT" not in d.text and "Cập nhật" not in d.text for d in cleaned)
    lines_in = sum(d.text.count("\n") + 1 for d in docs)
    lines_out = sum(d.text.count("\n") + 1 for d in cleaned)
    assert lines_in - lines_out == len(removed) == stats.as_dict()["dedup"]["lines_removed"] == 40  # nothing lost silently
    assert {r["rule"] for r in removed} == {"dedup.repeated-line"}


def test_the_draft_rules_from_repeated_lines_strip_them(tmp_path):
    docs = furniture_corpus(random.Random(4))
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"id": d.id, "text": d.text, "metadata": d.metadata},
                                                          ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["dedup", str(tmp_path / "in.jsonl"), "--lines", "report", "--line-min-docs", "10",
                                 "--repeated", str(tmp_path / "rep.jsonl"), "--draft-rules", str(tmp_path / "draft.yaml"),
                                 "-o", str(tmp_path / "out.jsonl"), "--work-dir", str(tmp_path / "work")])
    assert result.exit_code == 0, result.stderr
    assert runner.invoke(cli, ["rules", "check", str(tmp_path / "draft.yaml")]).exit_code == 0
    stripped = runner.invoke(cli, ["strip", "-r", str(tmp_path / "draft.yaml"), str(tmp_path / "in.jsonl")])
    assert stripped.exit_code == 0 and "Video đang HOT" not in stripped.stdout and "Cập nhật lúc" not in stripped.stdout
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


# --- evaluation sets ---------------------------------------------------------------------------


def test_documents_overlapping_an_evaluation_set_are_dropped_or_tagged(tmp_path):
    rng = random.Random(9)
    texts = [article(rng) for _ in range(6)]
    question = " ".join(texts[2].split(" ")[20:40])  # 20 words of document 2 in a benchmark question
    (tmp_path / "eval.jsonl").write_text(json.dumps({"id": "q1", "text": f"Câu hỏi: {question}?"}, ensure_ascii=False) + "\n")
    before = (tmp_path / "eval.jsonl").read_bytes()
    docs = [Doc(f"d{i}", t) for i, t in enumerate(texts)]
    kept, dropped, stats = run_dedup(docs, against=(str(tmp_path / "eval.jsonl"),), work_dir=str(tmp_path))
    assert [d.id for d in kept] == ["d0", "d1", "d3", "d4", "d5"]
    assert dropped[0]["id"] == "d2" and dropped[0]["level"] == "contaminated" and dropped[0]["ngrams"] >= 1
    kept, _, _ = run_dedup(docs, against=(str(tmp_path / "eval.jsonl"),), against_mode="tag", work_dir=str(tmp_path))
    assert kept[2].metadata["contamination"]["ngrams"] >= 1
    assert (tmp_path / "eval.jsonl").read_bytes() == before
    result = CliRunner().invoke(cli, ["dedup", "-", "--against", str(tmp_path / "eval.jsonl"), "-o", str(tmp_path / "eval.jsonl")],
                                input="")
    assert result.exit_code == 2 and "is also an input" in result.stderr


# --- the command: outputs, errors, resuming ----------------------------------------------------


def write_jsonl(path: Path, docs: list[Doc]) -> Path:
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text, "metadata": d.metadata}, ensure_ascii=False) + "\n"
                            for d in docs), encoding="utf-8")
    return path


def test_the_command_counts_add_up_and_writes_the_duplicates(tmp_path):
    rng = random.Random(1)
    texts = [article(rng) for _ in range(30)]
    source = write_jsonl(tmp_path / "in.jsonl", [Doc(f"d{i}", t) for i, t in enumerate(texts + texts[:10])])
    result = CliRunner().invoke(cli, ["dedup", str(source), "-o", str(tmp_path / "out.jsonl"), "--duplicates",
                                      str(tmp_path / "dups.jsonl"), "--stats", str(tmp_path / "st.json"),
                                      "--work-dir", str(tmp_path / "w")])
    assert result.exit_code == 0, result.stderr
    counts = json.loads((tmp_path / "st.json").read_text())["dedup"]
    out = (tmp_path / "out.jsonl").read_text().splitlines()
    dups = (tmp_path / "dups.jsonl").read_text().splitlines()
    assert counts["documents_in"] == 40 == len(out) + len(dups) and counts["exact_duplicates"] == 10
    assert not (tmp_path / "w").exists() or not any((tmp_path / "w").iterdir())


@pytest.mark.parametrize("args,message", [
    (["--repeated", "r.jsonl"], "add --lines"),
    (["--removed", "r.jsonl", "--lines", "report"], "add --lines remove"),
    (["--memory", "lots"], "--memory"),
    (["--memory", "1MB"], "memory must be"),
    (["--against", "missing.jsonl"], "missing.jsonl"),
])
def test_usage_errors_are_one_line(tmp_path, args, message):
    source = write_jsonl(tmp_path / "in.jsonl", [Doc("a", "một hai ba")])
    result = CliRunner().invoke(cli, ["dedup", str(source), *args], catch_exceptions=False)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_threshold_one_keeps_only_documents_with_other_shingles(tmp_path):
    docs = [Doc("a", "một hai ba bốn năm sáu bảy tám"), Doc("b", "Một  hai ba bốn năm sáu bảy tám"), Doc("c", "một hai ba bốn năm sáu bảy chín")]
    kept, _, _ = run_dedup(docs, exact=False, threshold=1.0, work_dir=str(tmp_path))
    assert [d.id for d in kept] == ["a", "c"]


def test_killed_mid_way_nothing_is_written_and_a_rerun_resumes(tmp_path):
    rng = random.Random(8)
    texts = [article(rng, 120) for _ in range(400)]
    source = write_jsonl(tmp_path / "in.jsonl", [Doc(f"d{i}", t) for i, t in enumerate(texts * 6)])
    args = [sys.executable, "-m", "corpuskit", "dedup", "in.jsonl", "-o", "out.jsonl", "--duplicates", "dups.jsonl",
            "--stats", "st.json", "--work-dir", "w", "-j", "1"]
    process = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    state = None
    while time.monotonic() < deadline and process.poll() is None:  # stop it once the first stage is done
        states = list((tmp_path / "w").glob("dedup-*/state.json"))
        if states and "features" in states[0].read_text():
            state = states[0]
            break
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(30)
    if state is None:
        pytest.skip("the run finished before it could be stopped (a fast machine): nothing to resume")
    assert not any((tmp_path / name).exists() for name in ("out.jsonl", "dups.jsonl", "st.json"))
    result = subprocess.run(args, cwd=tmp_path, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    stats = json.loads((tmp_path / "st.json").read_text())
    assert stats["dedup"]["stages_resumed"] == 1 and stats["read"]["documents"] == 2400
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 400
    assert not list((tmp_path / "w").glob("dedup-*"))


def test_the_card_and_report_show_the_clusters(tmp_path):
    rng = random.Random(6)
    texts = [article(rng) for _ in range(20)]
    docs = [Doc(f"https://a.example/{i}", t, {"url": f"https://a.example/{i}"}) for i, t in enumerate(texts)]
    docs += [Doc(f"https://b.example/{i}", t + "\nTheo A", {"url": f"https://b.example/{i}", "source": "a.example"})
             for i, t in enumerate(texts[:8])]
    source = write_jsonl(tmp_path / "in.jsonl", docs)
    runner = CliRunner()
    result = runner.invoke(cli, ["dedup", str(source), "-o", str(tmp_path / "kept.jsonl"), "--duplicates", str(tmp_path / "d.jsonl"),
                                 "--stats", str(tmp_path / "st.json"), "--work-dir", str(tmp_path / "w")])
    assert result.exit_code == 0, result.stderr
    assert runner.invoke(cli, ["export", str(tmp_path / "ds"), str(tmp_path / "kept.jsonl"), "--no-dedup", "--stats-from",
                               str(tmp_path / "st.json"), "-q"]).exit_code == 0
    card = (tmp_path / "ds" / "README.md").read_text()
    assert "8 near copies removed in 8 clusters" in card and "b.example 8" in card
    result = runner.invoke(cli, ["report", "-o", str(tmp_path / "r.html"), "--stats", str(tmp_path / "st.json"),
                                 "--duplicates", str(tmp_path / "d.jsonl")])
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "r.html").read_text()
    assert "id=dedup" in page and "Largest clusters" in page and "b.example" in page
