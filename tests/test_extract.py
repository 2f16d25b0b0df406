"""`corpuskit extract`: HTML pages and WARC/ARC archives into documents.

Pages and archives are made here (warcio writes the archives), in our own words: a news
page with site furniture around the article, Vietnamese pages in each legacy encoding,
archives cut off, damaged or compressed as one stream. Every page is accounted for: pages
in = documents out + pages without a document (by reason); records = pages + records skipped
(by reason).
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.extract import ExtractConfig, Page, extract, extract_page, read_pages
from corpuskit.extract.charset import decode_page
from corpuskit.errors import UsageError
from corpuskit.stats import Stats

PARAGRAPHS = [
    "The city council voted on Tuesday to rebuild the old river bridge, closing a debate that has run for more than ten years.",
    "Engineers said the new bridge would carry twice the traffic and stand up to floods that the old one could not survive.",
    "Residents on both banks welcomed the decision, though several shop owners worried about two years of building work.",
    "The mayor promised that a temporary ferry would run every fifteen minutes while the bridge is closed to cars.",
    "Work is expected to begin in the spring, once the last contracts are signed and the river is at its lowest level.",
]
VI_PARAGRAPHS = [
    "Hà Nội là thủ đô của nước Việt Nam, nơi có nhiều di tích lịch sử và văn hóa lâu đời của dân tộc.",
    "Mùa thu năm nay, thành phố tổ chức nhiều hoạt động văn hóa để chào mừng ngày lễ lớn của đất nước.",
    "Người dân và du khách đến tham quan các phố cổ, thưởng thức món ăn truyền thống và mua sắm quà tặng.",
    "Các cơ quan chức năng cho biết sẽ tăng cường lực lượng để bảo đảm an ninh trật tự trong những ngày này.",
]


def news_page(title: str, paragraphs: list[str], lang: str = "en", charset: str | None = "utf-8", extra_head: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{title} - Daily Example</title>{extra_head}</head><body>'
            '<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav></header>'
            f'<main><article><h1>{title}</h1><p class="byline">By Jane Roe</p>{body}</article></main>'
            '<aside><h3>Most read</h3><ul><li><a href="/a">Another story people liked</a></li>'
            '<li><a href="/b">A second story people liked</a></li></ul></aside>'
            '<footer><p>Copyright 2024 Daily Example. All rights reserved.</p></footer></body></html>')


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def docs_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_warc(path, records, gzipped=True):
    """Write `records` (kind, url, body bytes, content type, status) with warcio."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzipped)
        for kind, url, body, content_type, status in records:
            if kind == "response":
                headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
                record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            elif kind == "request":
                headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")], is_http_request=True)
                record = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=headers)
            else:
                record = writer.create_warc_record(url, kind, payload=io.BytesIO(body),
                                                   warc_content_type=content_type)
            writer.write_record(record)


# --- one page ----------------------------------------------------------------------------


@pytest.mark.parametrize("fast", [False, True], ids=["trafilatura", "resiliparse"])
def test_a_page_gives_its_article_title_first_paragraphs_apart_furniture_gone(tmp_path, fast):
    page = tmp_path / "bridge.html"
    page.write_text(news_page("Council votes to rebuild the river bridge", PARAGRAPHS), encoding="utf-8")
    result = invoke("extract", page, "--jobs", "1", *(["--fast"] if fast else []))
    assert result.exit_code == 0, result.output
    [doc] = docs_of(result.stdout)
    lines = doc["text"].split("\n")
    assert lines[0].startswith("Council votes to rebuild the river bridge")
    for paragraph in PARAGRAPHS:
        assert f"\n\n{paragraph}" in doc["text"]  # each paragraph its own block
    for furniture in ("Most read", "All rights reserved", "Another story people liked"):
        assert furniture not in doc["text"]
    meta = doc["metadata"]
    assert meta["charset"] == "utf-8" and meta["lang_hint"] == "en" and meta["path"] == str(page)
    assert meta["extractor"] == ("resiliparse" if fast else "trafilatura")
    assert "Council votes" in meta["title"]


def test_no_title_flag_leaves_the_title_in_metadata_only(tmp_path):
    page = tmp_path / "bridge.html"
    page.write_text(news_page("Council votes to rebuild the river bridge", PARAGRAPHS), encoding="utf-8")
    [doc] = docs_of(invoke("extract", page, "--no-title", "-j", "1").stdout)
    assert doc["text"].startswith(PARAGRAPHS[0][:30]) and "Council votes" in doc["metadata"]["title"]


@pytest.mark.parametrize("encoding,declared", [
    ("cp1258", "windows-1258"),
    ("cp1258", None),          # undeclared: recognised from the bytes
    ("tcvn3", "iso-8859-1"),   # a font encoding behind a Latin label
    ("vni", "windows-1252"),
])
def test_vietnamese_pages_in_legacy_encodings_come_out_as_unicode(tmp_path, encoding, declared, legacy_encoders):
    lower = [p.lower() for p in VI_PARAGRAPHS]  # the font encodings' capitals came from another font
    html = news_page("tin tức thủ đô hôm nay", lower, lang="vi", charset=declared)
    encode = legacy_encoders[encoding]
    page = tmp_path / "tin.html"
    page.write_bytes(encode(html))
    result = invoke("extract", page, "-j", "1")
    assert result.exit_code == 0, result.output
    [doc] = docs_of(result.stdout)
    for paragraph in lower:
        assert paragraph in doc["text"]
    assert doc["metadata"]["title"].startswith("tin tức thủ đô hôm nay")


def test_a_declared_charset_that_lies_is_overruled_by_the_bytes():
    text, charset = decode_page("Giá vàng hôm nay".encode("utf-8"), http_charset="iso-8859-1")
    assert (text, charset) == ("Giá vàng hôm nay", "utf-8")
    text, charset = decode_page("café crème".encode("cp1252"), http_charset="utf-8")
    assert text == "café crème"


def test_config_values_are_type_checked():
    for bad in ({"engine": "lynx"}, {"timeout": 0}, {"timeout": "5"}, {"title": "yes"}, {"min_chars": 0}):
        with pytest.raises(UsageError):
            ExtractConfig(**bad)


# --- limits ------------------------------------------------------------------------------


def test_a_page_past_its_time_limit_is_stopped_reported_and_the_run_goes_on(tmp_path):
    slow = tmp_path / "a-slow.html"
    slow.write_text(news_page("A very long page", PARAGRAPHS * 3000), encoding="utf-8")
    quick = tmp_path / "b-quick.html"
    quick.write_text(news_page("Council votes to rebuild the river bridge", PARAGRAPHS), encoding="utf-8")
    failed = tmp_path / "failed.jsonl"
    stats = tmp_path / "stats.json"
    result = invoke("extract", tmp_path / "a-slow.html", quick, "--page-timeout", "0.05", "-j", "1",
                    "--failed", failed, "--stats", stats)
    assert result.exit_code == 0, result.output
    assert [doc["id"] for doc in docs_of(result.stdout)] == [str(quick)]
    assert f"{slow}:  timeout; no document" in result.stderr
    [record] = docs_of(failed.read_text())
    assert record["reason"] == "timeout" and record["id"] == str(slow)
    counts = json.loads(stats.read_text())["extract"]
    assert counts["pages"] == counts["documents"] + counts["timeout"] == 2


def test_a_page_over_the_size_limit_is_reported_not_parsed(tmp_path):
    page = tmp_path / "big.html"
    page.write_text(news_page("Big", PARAGRAPHS * 200), encoding="utf-8")
    stats = tmp_path / "stats.json"
    result = invoke("extract", page, "--max-page-size", "10KB", "-j", "1", "--stats", stats)
    assert result.exit_code == 0 and result.stdout == ""
    assert "larger than" in result.stderr and str(page) in result.stderr
    assert json.loads(stats.read_text())["extract_skipped"] == {"too_large": 1}


def test_the_library_counts_every_page(tmp_path):
    pages = [Page("a", news_page("Bridge", PARAGRAPHS).encode()), Page("b", b"<html><body></body></html>")]
    stats, failed = Stats(), []
    docs = list(extract(pages, ExtractConfig(), stats, failed.append))
    assert [d.id for d in docs] == ["a"] and failed == [{"id": "b", "reason": "no_text"}]
    assert stats.get("extract", "pages") == 2 == stats.get("extract", "documents") + stats.get("extract", "no_text")
    doc, reason = extract_page(Page("c", b"\xff\xfe\x00garbage"), ExtractConfig())
    assert doc is None and reason == "no_text"


# --- archives ----------------------------------------------------------------------------


def test_a_warc_gives_one_document_per_html_response_and_counts_the_rest(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    html = news_page("Council votes to rebuild the river bridge", PARAGRAPHS).encode()
    write_warc(warc, [
        ("request", "https://news.example/bridge", b"", None, None),
        ("response", "https://news.example/bridge", html, "text/html; charset=utf-8", "200 OK"),
        ("response", "https://news.example/logo.png", b"\x89PNG....", "image/png", "200 OK"),
        ("response", "https://news.example/gone", b"<html>gone</html>", "text/html", "404 Not Found"),
        ("metadata", "https://news.example/bridge", b"outlinks: 3", "application/warc-fields", None),
    ])
    stats = tmp_path / "stats.json"
    result = invoke("extract", warc, "-j", "1", "--stats", stats)
    assert result.exit_code == 0, result.output
    [doc] = docs_of(result.stdout)
    assert doc["metadata"]["url"] == "https://news.example/bridge"
    assert doc["metadata"]["source"].startswith(f"{warc}@") and doc["id"].startswith("urn:uuid:")
    counts = json.loads(stats.read_text())
    skipped = counts["extract_skipped"]
    assert skipped == {"request_records": 1, "not_html": 1, "http_404": 1, "metadata_records": 1}
    assert counts["extract"]["records"] == counts["extract"]["pages"] + sum(skipped.values())


def test_a_truncated_warc_gz_keeps_the_records_before_the_cut_and_reports_it(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    pages = [(f"https://news.example/{i}", news_page(f"Story number {i} about the bridge", PARAGRAPHS).encode()) for i in range(3)]
    write_warc(whole, [("response", url, body, "text/html", "200 OK") for url, body in pages])
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 300])
    result = invoke("extract", cut, "-j", "1")
    assert result.exit_code == 1
    error = [line for line in result.stderr.splitlines() if "cut off" in line]
    assert len(error) == 1 and str(cut) in error[0] and "offset" in error[0] and "Traceback" not in result.output
    kept = invoke("extract", cut, "-j", "1", "--skip-bad")
    assert kept.exit_code == 0
    assert [d["metadata"]["url"] for d in docs_of(kept.stdout)] == [pages[0][0], pages[1][0]]


def test_a_damaged_archive_is_one_line_naming_file_and_offset(tmp_path):
    good = tmp_path / "good.warc"
    write_warc(good, [("response", "https://news.example/a", news_page("Bridge story", PARAGRAPHS).encode(), "text/html", "200 OK")],
               gzipped=False)
    damaged = tmp_path / "damaged.warc"
    damaged.write_bytes(good.read_bytes() + b"this is not a record\r\n\r\nnor this\r\n")
    result = invoke("extract", damaged, "-j", "1", "--skip-bad")
    assert result.exit_code == 0
    assert len(docs_of(result.stdout)) == 1
    lines = [line for line in result.stderr.splitlines() if str(damaged) in line]
    assert lines and all("offset" in line for line in lines) and "Traceback" not in result.output


def test_an_archive_gzipped_as_one_stream_is_read_whole(tmp_path):
    plain = tmp_path / "plain.warc"
    write_warc(plain, [("response", f"https://news.example/{i}", news_page(f"Story {i} on the bridge", PARAGRAPHS).encode(),
                        "text/html", "200 OK") for i in range(2)], gzipped=False)
    single = tmp_path / "single.warc.gz"
    single.write_bytes(gzip.compress(plain.read_bytes()))
    result = invoke("extract", single, "-j", "1")
    assert result.exit_code == 0, result.output
    assert len(docs_of(result.stdout)) == 2 and "one gzip stream" in result.stderr


def test_archives_on_standard_input_and_jobs_give_the_same_documents(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, [("response", f"https://news.example/{i}", news_page(f"Story {i} on the bridge", PARAGRAPHS).encode(),
                       "text/html", "200 OK") for i in range(6)])
    one = invoke("extract", warc, "-j", "1").stdout
    two = invoke("extract", warc, "-j", "2").stdout
    assert one == two and len(docs_of(one)) == 6
    piped = subprocess.run([sys.executable, "-m", "corpuskit", "extract", "-j", "1"], input=warc.read_bytes(),
                           capture_output=True, check=True)
    assert [d["metadata"]["url"] for d in docs_of(piped.stdout.decode())] == [d["metadata"]["url"] for d in docs_of(one)]


# --- JSON lines and folders --------------------------------------------------------------


def test_json_lines_holding_html_keep_their_url_and_other_keys(tmp_path):
    source = tmp_path / "pages.jsonl"
    rows = [{"id": "p1", "html": news_page("Bridge story", PARAGRAPHS), "url": "https://news.example/p1", "crawl": 7},
            {"id": "p2", "url": "https://news.example/p2"}]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = invoke("extract", source, "-j", "1", "--skip-bad")
    [doc] = docs_of(result.stdout)
    assert doc["id"] == "p1" and doc["metadata"]["url"] == "https://news.example/p1" and doc["metadata"]["crawl"] == 7
    assert "html" not in doc["metadata"]
    assert "pages.jsonl:2: no HTML in field 'text'" in result.stderr and result.exit_code == 0


def test_a_folder_is_read_page_by_page_and_other_files_are_counted(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.html").write_text(news_page("Bridge story one", PARAGRAPHS), encoding="utf-8")
    with gzip.open(tmp_path / "site" / "b.htm.gz", "wt", encoding="utf-8") as handle:
        handle.write(news_page("Bridge story two", PARAGRAPHS))
    (tmp_path / "site" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    stats = tmp_path / "stats.json"
    result = invoke("extract", tmp_path / "site", "-j", "1", "--stats", stats)
    assert result.exit_code == 0, result.output
    assert len(docs_of(result.stdout)) == 2
    assert "logo.png: neither HTML" in result.stderr
    assert json.loads(stats.read_text())["extract_skipped"] == {"not_a_page_file": 1}


def test_read_pages_is_the_library_entry(tmp_path):
    page = tmp_path / "a.html"
    page.write_text(news_page("Bridge", PARAGRAPHS), encoding="utf-8")
    [found] = read_pages([str(page)])
    assert found.id == str(page) and found.data.startswith(b"<!DOCTYPE")


def test_the_report_and_card_show_what_extraction_did(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, [("request", "https://news.example/a", b"", None, None),
                      ("response", "https://news.example/a", news_page("Bridge story", PARAGRAPHS).encode(), "text/html", "200 OK")])
    stats = tmp_path / "extract.json"
    assert invoke("extract", warc, "-j", "1", "-o", tmp_path / "docs.jsonl", "--stats", stats).exit_code == 0
    report = tmp_path / "report.html"
    assert invoke("report", "-o", report, "--stats", stats).exit_code == 0
    page = report.read_text(encoding="utf-8")
    assert "2 records, 1 pages → 1 documents; records skipped: requests 1" in page
    assert "web pages (HTML records)" in page


def test_an_archive_that_would_expand_past_its_bound_is_stopped(tmp_path):
    from corpuskit.io import ReadLimits

    warc = tmp_path / "bomb.warc.gz"
    write_warc(warc, [("response", "https://news.example/a", news_page("Bridge story", PARAGRAPHS).encode(), "text/html", "200 OK"),
                      ("response", "https://news.example/zeros", b"<html>" + bytes(4_000_000), "text/html", "200 OK")])
    assert warc.stat().st_size < 40_000  # four megabytes of zeros compress to a few kilobytes
    errors, stats = [], Stats()
    limits = ReadLimits(max_expansion=10, expansion_floor=1_000_000)
    pages = list(read_pages([str(warc)], on_error=errors.append, stats=stats, limits=limits))
    assert [p.url for p in pages] == ["https://news.example/a"]
    assert len(errors) == 1 and "decompression bomb" in str(errors[0]) and "offset" in str(errors[0])
    assert stats.get("extract_skipped", "decompression_bomb") == 1
    # within the default bounds the same archive is read whole
    assert len(list(read_pages([str(warc)]))) == 2


def test_a_page_that_holds_the_extractor_past_any_signal_is_killed_and_the_run_goes_on():
    """An extractor stuck in compiled code does not see the time limit's signal; the sandbox
    process it runs in is killed instead, and the next page gets a fresh one."""
    import signal as signals
    import time

    from corpuskit.extract.engines import ENGINES, engine, extract_trafilatura

    @engine("test-stuck")
    def stuck(html, url=None):
        if "STUCK" in html:
            signals.pthread_sigmask(signals.SIG_BLOCK, {signals.SIGALRM})  # as a parser in C would be
            time.sleep(30)
        return extract_trafilatura(html, url)

    try:
        pages = [Page("stuck", news_page("STUCK page", PARAGRAPHS).encode(), "https://news.example/stuck"),
                 Page("fine", news_page("Bridge story", PARAGRAPHS).encode(), "https://news.example/fine")]
        stats, failed = Stats(), []
        docs = list(extract(pages, ExtractConfig(engine="test-stuck", timeout=0.2), stats, failed.append))
        assert [d.id for d in docs] == ["fine"]
        assert failed == [{"id": "stuck", "reason": "timeout", "url": "https://news.example/stuck"}]
        assert stats.get("extract", "timeout") == 1
    finally:
        ENGINES.pop("test-stuck", None)
