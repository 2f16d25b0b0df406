"""report: the page's numbers match the run's files, it is self-contained and bounded, and a
real browser renders it (headless Chromium, at desktop and phone widths)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict[str, Path]:
    """The main job on the seeds, every side file kept, and its report."""
    d = tmp_path_factory.mktemp("run")
    p = {name: d / name for name in ("n.jsonl", "s.jsonl", "a.jsonl", "f.jsonl", "removed.jsonl", "split.jsonl",
                                     "rejected.jsonl", "n.json", "s.json", "a.json", "f.json", "e.json", "dataset", "report.html")}
    invoke("normalize", str(ROOT / "seeds"), "-q", "-o", str(p["n.jsonl"]), "--stats", str(p["n.json"]))
    invoke("strip", str(p["n.jsonl"]), "-q", "-o", str(p["s.jsonl"]), "--removed", str(p["removed.jsonl"]), "--stats", str(p["s.json"]))
    invoke("split", str(p["s.jsonl"]), "-q", "-o", str(p["a.jsonl"]), "--report", str(p["split.jsonl"]), "--stats", str(p["a.json"]))
    invoke("filter", str(p["a.jsonl"]), "-q", "-o", str(p["f.jsonl"]), "--rejected", str(p["rejected.jsonl"]), "--stats", str(p["f.json"]))
    invoke("export", str(p["dataset"]), str(p["f.jsonl"]), "-q", "--split", "train=1.0", "--stats", str(p["e.json"]))
    invoke("report", "-o", str(p["report.html"]), *[a for k in ("n.json", "s.json", "a.json", "f.json", "e.json") for a in ("--stats", str(p[k]))],
           "--removed", str(p["removed.jsonl"]), "--split-report", str(p["split.jsonl"]), "--rejected", str(p["rejected.jsonl"]),
           "--dataset", str(p["dataset"]), "--pages", str(p["n.jsonl"]), "--doc", str(ROOT / "seeds" / "001_ce5ffe69e56071f8.txt"))
    return p


def test_the_page_holds_the_runs_numbers(run):
    page = run["report.html"].read_text(encoding="utf-8")
    stats = json.loads(run["s.json"].read_text())
    for stage, count in (("pages read", 5), ("articles found", 7), ("teasers dropped", 4), ("exported", 7)):
        assert re.search(rf"<td>{stage}</td><td class=n>{count}</td>", page), stage
    for rule, count in stats["strip_rules"].items():  # every rule with its count, its definition and samples
        row = re.search(rf"<code>{re.escape(rule)}</code></td><td>(.*?)</td><td class=n>{count}</td>", page)
        assert row, rule
        if rule != "blank-lines":
            assert re.search(r"\.yaml:\d+</code>", row.group(1)), rule
    assert "Theo TNO" in page and "rule:source-theo" in page and "fused-teaser" in page
    assert "7 documents (1 file(s); every document counted), by their number of words" in page


def test_pages_are_marked_up_by_rule_with_boundaries(run):
    page = run["report.html"].read_text(encoding="utf-8")
    asked = page.index(f'data-doc="{ROOT / "seeds" / "001_ce5ffe69e56071f8.txt"}"')
    assert asked < page.index(f'data-doc="{ROOT / "seeds" / "000_6f1702e981b77c1e.txt"}"')  # the page asked for comes first
    block = page[asked: page.index("</div></div>", asked)]
    assert 'class="ln rm" data-rule="source-agency"' in page and 'data-reason="rule:end-marker"' in block
    assert '<mark class=sp' in page  # the span `./.` removed inside a line


def test_the_page_is_self_contained_and_bounded(run):
    page = run["report.html"].read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r'(src|href)="https?://', page) and "@import" not in page
    assert run["report.html"].stat().st_size < 200_000


def test_samples_keep_the_page_small_on_a_large_run(tmp_path):
    removed = tmp_path / "removed.jsonl"
    with removed.open("w", encoding="utf-8") as handle:
        for i in range(60_000):
            handle.write(json.dumps({"id": f"site{i % 7}/page{i}.txt", "line": 3, "rule": f"rule-{i % 30}", "kind": "line",
                                     "text": f"furniture line number {i} " * 5}) + "\n")
    out = tmp_path / "r.html"
    invoke("report", "-o", str(out), "--removed", str(removed))
    page = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 300_000 and "5 of 2,000 sampled" in page and "site3" in page


def test_bad_inputs_are_one_line_errors(tmp_path):
    broken = tmp_path / "removed.jsonl"
    broken.write_text('{"id": "a", "rule": "x"}\n{"id": \n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "r.html"), "--removed", str(broken)])
    assert result.exit_code == 1 and f"{broken}:2: malformed JSON line" in result.stderr and not (tmp_path / "r.html").exists()
    result = CliRunner().invoke(cli, ["report", "-o", str(broken), "--removed", str(broken)])
    assert result.exit_code == 2 and broken.read_text(encoding="utf-8").startswith('{"id": "a"')  # never over an input
    result = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "r.html"), "--dataset", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no such file or folder" in result.stderr


# Every pair of text labels inside one chart that overlap on screen, and the smallest label height.
LABEL_CLASHES = """() => {
  const overlaps = []; let smallest = 1e9;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
    for (const [, b] of boxes) if (b.height > 0) smallest = Math.min(smallest, b.height);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [ta, a] = boxes[i], [tb, b] = boxes[j];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps.push([ta, tb]);
    }
  }
  return {overlaps, smallest};
}"""


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get install chromium); .ci/run installs it")
def test_a_real_browser_renders_the_report(run, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    shots = Path(os.environ.get("CORPUSKIT_SCREENSHOTS", tmp_path))
    stats = json.loads(run["s.json"].read_text())
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            for width, name in ((1280, "desktop"), (390, "phone")):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(run["report.html"].resolve().as_uri())
                funnel = page.locator("#funnel table").first.locator("tbody tr")
                assert funnel.count() == 7
                rows = {funnel.nth(i).locator("td").nth(0).inner_text(): funnel.nth(i).locator("td").nth(1).inner_text()
                        for i in range(funnel.count())}
                assert rows["pages read"] == "5" and rows["articles found"] == "7" and rows["exported"] == "7"
                assert page.locator("#funnel svg rect").count() >= 5  # the chart is drawn
                rule_rows = page.locator("#rules table tbody tr")
                assert rule_rows.count() == len(stats["strip_rules"])
                removed = page.locator('#pages .ln.rm[data-rule="source-theo"]')
                assert removed.count() >= 1 and removed.first.is_visible()
                assert "line-through" in removed.first.locator(".tx").evaluate("e => getComputedStyle(e).textDecorationLine")
                assert page.locator("#pages .cut").count() >= 3
                # nothing wider than the window: readable without sideways scrolling
                assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
                # no two labels of a chart overlap, and every label is at least 7 px high on screen
                clashes = page.evaluate(LABEL_CLASHES)
                assert clashes["overlaps"] == [], clashes
                assert clashes["smallest"] >= 7, clashes
                page.screenshot(path=str(shots / f"report-{name}.png"))
                # the terms are explained where they appear; the reviewer's queue is there
                page.locator("#split details.terms summary").click()
                assert page.locator("#split details.terms dt", has_text="depth").is_visible()
                assert page.locator("#review").count() == 1
                # links to rule files are relative to the report's folder: the page can be moved with its run
                hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
                assert hrefs and not [h for h in hrefs if h.startswith(("file:", "/"))]
                page.locator("#pages").scroll_into_view_if_needed()
                page.screenshot(path=str(shots / f"report-{name}-pages.png"))
                page.close()
        finally:
            browser.close()
    assert (shots / "report-desktop.png").stat().st_size > 10_000 and (shots / "report-phone.png").stat().st_size > 10_000


def test_split_terms_are_explained_and_the_least_certain_decisions_come_first(run):
    page = run["report.html"].read_text(encoding="utf-8")
    assert "<dt>continuity</dt>" in page and "<dt>depth</dt>" in page and "<dt>teaser</dt>" in page
    assert "teaser (truncated), dropped" in page or "teaser (card), dropped" in page
    queue = page[page.index("id=review"):]
    margins = [float(m) for m in re.findall(r"<tr><td class=n>([0-9.]+)</td>", queue[: queue.index("</table>")])]
    assert margins == sorted(margins) and margins


def test_report_links_are_relative_to_its_folder(run, tmp_path):
    moved = tmp_path / "deep" / "er"
    moved.mkdir(parents=True)
    invoke("report", "-o", str(moved / "r.html"), "--rejected", str(run["rejected.jsonl"]), "--removed", str(run["removed.jsonl"]))
    page = (moved / "r.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"#][^"]*)"', page)
    assert hrefs and all(not h.startswith(("file:", "/")) for h in hrefs)
    for href in hrefs:  # each resolves from the page's folder to the file
        from urllib.parse import unquote

        assert (moved / unquote(href)).resolve().exists(), href


def test_sites_come_from_the_pages_url(tmp_path):
    pages = tmp_path / "pages.jsonl"
    rows = [{"id": f"p{i}", "text": "Bài viết một.\nVideo đang HOT\nBài viết hai.", "metadata": {"url": f"https://tin{i % 2}.example.vn/a{i}"}}
            for i in range(4)]
    pages.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    removed = tmp_path / "removed.jsonl"
    invoke("strip", str(pages), "-q", "-o", str(tmp_path / "s.jsonl"), "--removed", str(removed))
    assert all(json.loads(line)["site"].startswith("tin") for line in removed.read_text().splitlines())
    invoke("report", "-o", str(tmp_path / "r.html"), "--removed", str(removed))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "tin0.example.vn" in page and "tin1.example.vn" in page and "(no folder)" not in page
