"""split and clean: each boundary kind, teasers, cases that must not split, and the seeds."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import cli
from corpuskit.doc import Doc
from corpuskit.rules import default_rules_dir, load_rules
from corpuskit.split import SplitConfig, article_docs, find_parts, is_title_shaped, split, split_fused
from corpuskit.stats import Stats
from corpuskit.strip import strip

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

LONG_EN = (
    "The committee met for three hours on Tuesday and agreed on a timetable for the new rules, "
    "officials said after the meeting."
)
LONG_VI = (
    "Cuộc họp kéo dài ba giờ và các bên đã thống nhất lộ trình thực hiện quy định mới, "
    "một quan chức cho biết sau cuộc họp."
)


def parts_of(text: str, boundaries=None, **config):
    return find_parts(textwrap.dedent(text).strip("\n"), boundaries, SplitConfig(**config)).parts


def articles(docs, keep_teasers=False):
    stats = Stats()
    out = list(split(docs, SplitConfig(keep_teasers=keep_teasers), stats))
    return out, stats


def clean_seeds(*extra):
    result = CliRunner().invoke(cli, ["clean", str(SEEDS), "-q", *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


# --- the seeds ---------------------------------------------------------------------------

EXPECTED = [  # (file, title, source, first words of the body, last words of the body)
    ("000", "Iran, Triều Tiên bắt tay phát triển hạt nhân và tên lửa", "TNO",
     "Iran và CHDCND Triều Tiên đã thống nhất", "cơ sở quân sự của Iran tại thủ đô Tehran."),
    ("000", "Nhật bắt tay với Nga, cương quyết với Trung Quốc?", "TNO",
     "Quan chức quốc phòng và ngoại giao Nhật Bản", "vùng biển gần quần đảo này."),
    ("001", "Nhật-Nga sẽ theo đuổi mục tiêu phi hạt nhân hóa bán đảo Triều Tiên", "Vietnamplus/VNP",
     "Kyodo đưa tin, Nhật Bản và Nga ngày 31/7", "Aegis Ashore trong tài khóa 2023."),
    ("002", None, "Dantri",
     "Hàn Quốc đang cân nhắc khả năng", "dựa vào các nước khác”."),
    ("003", "Động thái trao đổi quân sự đầu tiên giữa Nga-Triều Tiên kể từ cuộc gặp của hai nhà lãnh đạo", None,
     "Ngày 8/7, một phái đoàn huấn luyện", "trước các nhà lãnh đạo châu Âu."),
    ("003", "Nga, Belarus, Trung Quốc, Iran và Triều Tiên tăng cường đối thoại cấp cao", None,
     "Sự gia tăng công khai về số lượng", "trong cuộc cạnh tranh và đối đầu với phương Tây."),
    ("004", "Nhật Bản, Nga tăng cường xây dựng lòng tin giải quyết vấn đề hạt nhân Triều Tiên", "TTXVN/Tin Tức",
     "Ngày 20/3, Nhật Bản và Nga đã nhất trí", "trở nên “nguội lạnh”."),
]


def test_clean_on_seeds_gives_exactly_the_full_articles():
    docs = clean_seeds()
    assert len(docs) == len(EXPECTED)
    for doc, (file, title, source, first, last) in zip(docs, EXPECTED):
        assert Path(doc["metadata"]["path"]).name.startswith(file)
        assert doc["metadata"]["title"] == title
        assert doc["metadata"].get("source") == source
        assert doc["text"].startswith(first) and doc["text"].endswith(last)
        assert "teaser" not in doc["metadata"]
        if title:
            assert title not in doc["text"]  # the title is not repeated in the body


def test_clean_on_seeds_keeps_every_body_paragraph_and_no_furniture():
    docs = clean_seeds()
    text = "\n".join(d["text"] for d in docs)
    for furniture in ["Video đang HOT", "Theo TNO", "Theo Dantri", "Vietnamplus/VNP", "TTXVN/Tin Tức", "Ảnh:",
                      "Các tin khác", "Chia sẻ", "Xem các tin đã đưa", "Tin trong:", "Rao vặt", "Các đơn vị thông tin"]:
        assert furniture not in text
    assert text.count("\n") + 1 == 7 + 9 + 6 + 9 + 11 + 10 + 6  # paragraphs per article
    assert "Theo Viện Nghiên cứu Chiến tranh (ISW)" in text and "Theo ISW, mặc dù" in text


def test_keep_teasers_marks_them_and_separates_fused_titles():
    docs = clean_seeds("--keep-teasers")
    teasers = [d for d in docs if d["metadata"].get("teaser")]
    assert [(Path(d["metadata"]["path"]).name[:3], d["metadata"]["teaser_reason"], d["metadata"]["title"]) for d in teasers] == [
        ("000", "truncated", "Trung Quốc, Malaysia ký hiệp định đối tác toàn diện"),
        ("001", "card", "Việt Nam tích cực tham gia Hội nghị Tư lệnh Lục quân ASEAN lần thứ 26"),
        ("003", "truncated", "Nhật Bản, Mỹ và Hàn Quốc tăng cường hợp tác nhằm ứng phó các thách thức"),
        ("004", "card", "Nhật Bản - Nga tăng cường hợp tác đối phó thách thức an ninh khu vực"),
    ]
    assert teasers[2]["text"].startswith("Ngày 23-2, hãng thông tấn Kyodo")
    assert all("source" not in d["metadata"] for d in teasers)  # a teaser does not inherit another part's source


def test_three_commands_piped_give_the_same_output_as_clean(tmp_path):
    command = [sys.executable, "-m", "corpuskit"]
    normalized = subprocess.run([*command, "normalize", str(SEEDS)], capture_output=True, check=True).stdout
    stripped = subprocess.run([*command, "strip"], input=normalized, capture_output=True, check=True).stdout
    piped = subprocess.run([*command, "split"], input=stripped, capture_output=True, check=True).stdout
    cleaned = subprocess.run([*command, "clean", str(SEEDS)], capture_output=True, check=True).stdout
    assert piped == cleaned
    assert piped.count(b"\n") == len(EXPECTED)


def test_ids_are_stable_and_parent_metadata_is_carried():
    first, second = clean_seeds(), clean_seeds()
    assert [d["id"] for d in first] == [d["id"] for d in second]
    doc = first[1]
    assert doc["id"] == doc["metadata"]["parent_id"] + "#1"
    assert doc["metadata"]["part"] == 1
    assert "stripped" in doc["metadata"] and "boundaries" not in doc["metadata"]


def test_stats_report_and_explain(tmp_path):
    stats, report = tmp_path / "s.json", tmp_path / "r.jsonl"
    clean_seeds("--stats", str(stats), "--report", str(report))
    counts = json.loads(stats.read_text())["split"]
    assert counts == {"documents": 5, "articles": 7, "teasers": 4, "teasers_dropped": 4}
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(r["articles"], r["teasers"]) for r in rows] == [(2, 1), (1, 1), (1, 0), (2, 1), (1, 1)]
    normalized = CliRunner().invoke(cli, ["normalize", str(SEEDS / "003_8163cc289ccb2005.txt")]).output
    stripped = CliRunner().invoke(cli, ["strip"], input=normalized).output
    shown = CliRunner().invoke(cli, ["split", "--explain"], input=stripped).output
    assert "part 1: article; starts here because: title+lead (headline-long" in shown
    assert "part 2: teaser (truncated); starts here because: fused-teaser" in shown


# --- boundary kinds, small texts -----------------------------------------------------------


def test_rule_marked_boundaries_end_articles_and_give_each_its_source(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text(textwrap.dedent("""
        name: en
        rules:
          - id: byline
            boundary: end
            capture_regex: '\\((?:Reporting|Writing) by (?P<author>[^;)]+)(?:;.*)?\\)'
    """), encoding="utf-8")
    text = "\n".join([
        "Storm closes ports along the northern coast", LONG_EN, "Shipping resumed on Friday.",
        "(Reporting by Jane Doe; Editing by Tom Roe)",
        "Second story title about the markets", LONG_EN, "(Writing by Sam Poe)",
    ])
    stripped = list(strip([Doc("p", text, {})], load_rules([str(rules)]), Stats()))
    out, stats = articles(stripped)
    assert [(d.metadata["title"], d.metadata["author"], d.text.count("\n")) for d in out] == [
        ("Storm closes ports along the northern coast", "Jane Doe", 1),
        ("Second story title about the markets", "Sam Poe", 0),
    ]
    assert out[1].id == "p#1"


def test_a_title_case_line_at_the_foot_of_an_english_page_is_no_author(tmp_path):
    page = tmp_path / "en.txt"
    page.write_text(f"Markets rally as inflation cools\n{LONG_EN}\nGold Prices Rise", encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert docs[0]["text"].endswith("\nGold Prices Rise") and "author" not in docs[0]["metadata"]


def test_a_byline_belongs_to_its_own_article_only(tmp_path):
    page = tmp_path / "wire.txt"
    page.write_text("\n".join([
        "Central bank holds rates steady, signals cuts next year", "By Maria Lopez", LONG_EN, LONG_EN,
        "Reporting by Maria Lopez; Editing by Sharon Singleton",
        "Carmaker recalls 200,000 vehicles over faulty airbag sensors",
        "TOKYO, Dec 12 (Reuters) - A Japanese carmaker said on Thursday it would recall about 200,000 vehicles worldwide.",
        LONG_EN, "Reporting by Ken Sato; Editing by Jane Merriman",
    ]), encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert [(d["metadata"]["title"].split()[0], d["metadata"].get("author"), d["metadata"]["credit"].split(";")[0]) for d in docs] == [
        ("Central", "Maria Lopez", "Reporting by Maria Lopez"),
        ("Carmaker", None, "Reporting by Ken Sato"),
    ]
    assert all("boundaries" not in d["metadata"] for d in docs)


def test_start_boundary_rule(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text("name: s\nrules:\n  - {id: next, boundary: start, drop_line: 'Bài tiếp theo'}\n", encoding="utf-8")
    text = f"Tiêu đề bài thứ nhất về kinh tế\n{LONG_VI}\nBài tiếp theo\nTiêu đề bài thứ hai về xã hội\n{LONG_VI}\n{LONG_VI}"
    stripped = list(strip([Doc("p", text, {})], load_rules([str(rules)]), Stats()))
    out, _ = articles(stripped)
    assert [d.metadata["title"] for d in out] == ["Tiêu đề bài thứ nhất về kinh tế", "Tiêu đề bài thứ hai về xã hội"]


def test_doubled_title_starts_a_card():
    parts = parts_of(f"""
        Main headline about the harbour reopening today
        {LONG_EN}
        {LONG_EN}
        Related: ministers approve the new budget plan
        Related: ministers approve the new budget plan
        {LONG_EN}
    """)
    assert [(p.reason, p.teaser) for p in parts] == [("start", None), ("doubled-title", "card")]
    assert parts[1].title == "Related: ministers approve the new budget plan" and len(parts[1].body) == 1


def test_title_with_dated_lead_starts_a_new_article_in_english_and_vietnamese():
    parts = parts_of(f"""
        Central bank raises interest rates for the third time this year
        {LONG_EN}
        {LONG_EN}
        Floods force thousands from their homes in the river delta
        LONDON (Reuters) - Heavy rain flooded the delta on Monday, forcing thousands of families from their homes and closing roads.
        Rescue teams used boats to reach villages cut off by the water, and shelters opened in schools.
    """)
    assert len(parts) == 2 and parts[1].title.startswith("Floods force") and "dated lead" in parts[1].reason
    parts = parts_of(f"""
        Ngân hàng Nhà nước điều chỉnh lãi suất điều hành lần thứ ba trong năm
        {LONG_VI}
        Mưa lớn gây ngập sâu nhiều tuyến phố tại Hà Nội chiều qua
        Chiều 12/8, mưa lớn kéo dài khiến nhiều tuyến phố tại Hà Nội ngập sâu, giao thông ùn tắc nghiêm trọng.
        Lực lượng cứu hộ dùng xuồng đưa người dân ra khỏi khu vực ngập, nhiều trường học mở cửa làm nơi tránh trú.
    """)
    assert len(parts) == 2 and parts[1].title.startswith("Mưa lớn")


def test_title_followed_by_truncated_lead_is_a_teaser():
    parts = parts_of(f"""
        Election results delayed in three provinces after recount
        {LONG_EN}
        {LONG_EN}
        Opposition leader calls for calm after the vote count
        The opposition leader urged supporters on Sunday to stay calm while officials finished counting the...
    """)
    assert [(p.title, p.teaser) for p in parts][1] == ("Opposition leader calls for calm after the vote count", "truncated")


def test_fused_title_and_lead():
    assert split_fused("Giá vàng tăng mạnh phiên đầu tuần Sáng 5/6, giá vàng trong nước tăng thêm 500.000 đồng mỗi lượng...", SplitConfig()) == (
        "Giá vàng tăng mạnh phiên đầu tuần", "Sáng 5/6, giá vàng trong nước tăng thêm 500.000 đồng mỗi lượng...")
    # no clear signal: a capital after a lowercase word is only a proper noun here
    assert split_fused("Nhật Bản và Hàn Quốc nhất trí hợp tác chặt chẽ hơn trong nhiều lĩnh vực...", SplitConfig()) is None


def test_a_truncated_last_paragraph_without_a_clear_title_stays_with_its_article():
    parts = parts_of(f"""
        Tiêu đề bài báo về thị trường bất động sản năm nay
        {LONG_VI}
        {LONG_VI}
        {LONG_VI}
        Giới đầu tư vẫn thận trọng với phân khúc căn hộ cao cấp trong khi nguồn cung...
    """)
    assert len(parts) == 1 and parts[0].teaser is None and len(parts[0].body) == 4


# --- must not split ----------------------------------------------------------------------


def test_subheadings_do_not_split_an_article():
    parts = parts_of(f"""
        Government unveils a plan to modernise the rail network
        {LONG_EN}
        What changes for passengers
        {LONG_EN}
        {LONG_EN}
        Những điểm mới trong quy định
        {LONG_VI}
        Costs and timing
        {LONG_EN}
    """)
    assert len(parts) == 1 and len(parts[0].body) == 8


def test_quoted_line_list_and_short_lines_do_not_split():
    parts = parts_of(f"""
        Tiêu đề bài viết về cải cách giáo dục phổ thông năm nay
        {LONG_VI}
        “Chúng tôi sẽ không lùi bước trước những khó khăn phía trước”
        {LONG_VI}
        Các nội dung chính gồm:
        - Đổi mới chương trình học và sách giáo khoa mới
        - Tăng cường đào tạo giáo viên ở các vùng khó khăn
        1. Điều chỉnh cách đánh giá học sinh tiểu học hiện nay
        {LONG_VI}
        Minh Anh
    """)
    assert len(parts) == 1


def test_a_headline_long_subheading_with_no_other_signal_does_not_split():
    parts = parts_of(f"""
        Scientists map the deepest trench in the Indian Ocean
        {LONG_EN}
        A long journey to the bottom of the ocean floor
        The team spent six weeks at sea, lowering instruments on cables several kilometres long, and found nothing unusual.
    """)
    assert len(parts) == 1


def test_page_without_title_and_empty_input():
    parts = parts_of(f"{LONG_VI}\n{LONG_VI}")
    assert len(parts) == 1 and parts[0].title is None and len(parts[0].body) == 2
    out, stats = articles([Doc("e", "", {})])
    assert out == [] and stats.get("split", "documents") == 1


# --- pages from sites the rules were not written for -----------------------------------------

UNSEEN_VI = """Thế giới
Hàn Quốc nâng mức cảnh báo sau khi Triều Tiên phóng vệ tinh quân sự
Quân đội Hàn Quốc hôm nay nâng mức cảnh báo lên cao nhất sau khi Bình Nhưỡng phóng một vệ tinh do thám quân sự vào quỹ đạo, theo Yonhap.
Người dân Seoul theo dõi bản tin về vụ phóng tại nhà ga. (Ảnh: Reuters)
Bộ Quốc phòng Hàn Quốc cho biết vụ phóng diễn ra lúc 22h42 và vệ tinh đã được đưa vào quỹ đạo, dù chưa rõ nó có hoạt động hay không.
Phản ứng của Washington
Nhà Trắng lên án vụ phóng, gọi đây là hành động vi phạm nhiều nghị quyết của Hội đồng Bảo an Liên hợp quốc và đe dọa an ninh khu vực.
Giới chuyên gia nhận định vệ tinh có thể giúp Bình Nhưỡng theo dõi các căn cứ quân sự của Mỹ và Hàn Quốc trong khu vực.
Theo Reuters
Nhật Bản phát triển tên lửa tầm xa mới để tăng cường khả năng răn đe
HÀ NỘI - Bộ Quốc phòng Nhật Bản công bố kế hoạch phát triển một loại tên lửa tầm xa mới, nằm trong chiến lược tăng cường khả năng phòng thủ.
Theo kế hoạch, tên lửa sẽ được triển khai từ năm 2027 và có tầm bắn hơn 1.000 km, đủ để vươn tới các căn cứ ở xa bờ biển Nhật Bản.
Theo VnExpress
Tin liên quan
Mỹ và Hàn Quốc tập trận chung quy mô lớn
Trung Quốc kêu gọi các bên kiềm chế"""

UNSEEN_EN = """Scientists find a new species of deep-sea octopus off the coast of Chile
By Jane Doe
Researchers aboard a survey vessel have identified a previously unknown species of octopus living more than 3,000 metres below the surface, the institute said on Monday.
The animal, nicknamed the "ghost octopus" for its pale skin, was filmed by a remotely operated vehicle during a six-week expedition.
How the discovery was made
The team lowered cameras and sampling gear to the sea floor near a chain of underwater volcanoes that had never been explored.
"We were not expecting anything like this," said the expedition's chief scientist, adding that more species are likely to be found.
What happens next
Samples will be studied at laboratories in Santiago and abroad before the species is formally described in a scientific journal."""


def test_an_unseen_vietnamese_page_splits_at_attributions_and_keeps_subheadings(tmp_path):
    page = tmp_path / "unseen.txt"
    page.write_text(UNSEEN_VI, encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert [(d["metadata"]["title"], d["metadata"].get("source")) for d in docs] == [
        ("Hàn Quốc nâng mức cảnh báo sau khi Triều Tiên phóng vệ tinh quân sự", "Reuters"),
        ("Nhật Bản phát triển tên lửa tầm xa mới để tăng cường khả năng răn đe", "VnExpress"),
    ]
    first = docs[0]["text"].split("\n")
    assert "Phản ứng của Washington" in first and len(first) == 5  # sub-heading kept, caption and crumb gone
    assert not any("Ảnh" in line for line in first)
    assert "Tin liên quan" not in docs[1]["text"] and "tập trận" not in docs[1]["text"]


def test_an_english_article_with_byline_and_subheadings_stays_whole(tmp_path):
    page = tmp_path / "en.txt"
    page.write_text(UNSEEN_EN, encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert len(docs) == 1
    assert docs[0]["metadata"]["title"].startswith("Scientists find a new species")
    assert docs[0]["metadata"]["author"] == "Jane Doe"  # the byline goes to metadata (en-news pack)
    assert docs[0]["text"].startswith("Researchers aboard") and docs[0]["text"].count("\n") == 6
    assert "How the discovery was made" in docs[0]["text"]


WIRE_EN = """World
Oil prices rise as Middle East tensions offset demand worries
By Anna Smith
LONDON, Nov 22 (Reuters) - Oil prices rose on Friday, heading for a weekly gain, as escalating tensions in the Middle East outweighed concerns about weak demand in China.
A trader works on the floor of the New York Stock Exchange, U.S., November 21, 2024. REUTERS/Brendan McDermid Purchase Licensing Rights
Brent crude futures were up 45 cents, or 0.6%, at $74.68 a barrel by 1030 GMT, while U.S. West Texas Intermediate crude rose 41 cents to $70.51.
Advertisement · Scroll to continue
Analysts said supply risks remained elevated, but the market was still weighed down by expectations of a surplus next year.
Reporting by Anna Smith; Editing by Bernadette Baum
Our Standards: The Thomson Reuters Trust Principles.
Read more:
Gold heads for best week in a month on safe-haven demand
Stocks slip as investors weigh rate outlook"""

NEWS_VI_FOOTER = """Tin nóng
Hà Nội đề xuất mở rộng tuyến đường sắt đô thị tới Hoài Đức
Thành phố Hà Nội đề xuất kéo dài tuyến đường sắt đô thị Nhổn - ga Hà Nội thêm 12 km về phía tây, nối tới khu đô thị mới.
Đoàn tàu chạy thử nghiệm hồi tháng 5. Ảnh: Giang Huy
Đại diện Ban quản lý cho biết việc kéo dài tuyến sẽ giúp giảm ùn tắc trên quốc lộ 32, nơi mỗi ngày có hàng chục nghìn lượt xe.
Võ Hải
Từ khóa: đường sắt đô thị, Hà Nội, Hoài Đức
Bình luận (12)"""


@pytest.mark.parametrize("page, title, body_lines, metadata", [
    (WIRE_EN, "Oil prices rise as Middle East tensions offset demand worries", 3,
     {"author": "Anna Smith", "credit": "Reporting by Anna Smith; Editing by Bernadette Baum"}),
    (NEWS_VI_FOOTER, "Hà Nội đề xuất mở rộng tuyến đường sắt đô thị tới Hoài Đức", 2, {"author": "Võ Hải"}),
])
def test_unseen_pages_lose_their_furniture_and_keep_title_byline_and_credit(tmp_path, page, title, body_lines, metadata):
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(path), "-q", "-j", "1"]).output.splitlines()]
    assert len(docs) == 1
    body = docs[0]["text"].split("\n")
    assert docs[0]["metadata"]["title"] == title and len(body) == body_lines
    assert {key: docs[0]["metadata"].get(key) for key in metadata} == metadata
    furniture = ("Advertisement", "REUTERS/", "Our Standards", "Read more", "Gold heads", "Ảnh:", "Từ khóa", "Bình luận", "Tin nóng")
    assert not any(word in docs[0]["text"] for word in furniture)


def test_a_question_title_mid_page_starts_an_article():
    parts = parts_of(f"""
        Giá xăng dầu trong nước tiếp tục giảm mạnh trong kỳ điều hành hôm nay
        {LONG_VI}
        {LONG_VI}
        Vì sao giá vàng thế giới liên tục lập đỉnh mới trong tháng này?
        Sáng 12/8, giá vàng thế giới tiếp tục tăng mạnh, vượt mốc cao nhất từ trước tới nay, khiến giới đầu tư bất ngờ.
        Các chuyên gia cho rằng nhu cầu trú ẩn an toàn đẩy giá kim loại quý đi lên.
    """)
    assert [p.title for p in parts][1] == "Vì sao giá vàng thế giới liên tục lập đỉnh mới trong tháng này?"


def test_a_sub_heading_that_continues_the_topic_stays_inside():
    """Shaped like a title with a lead that echoes it, but the text on both sides is about
    the same thing: a sub-heading, kept inside the article (and said so by --explain)."""
    text = "\n".join([
        "Giá xăng dầu tăng lần thứ ba liên tiếp từ chiều nay",
        "Chiều nay, liên Bộ Công Thương - Tài chính điều chỉnh giá xăng dầu, giá xăng RON 95 tăng 500 đồng mỗi lít.",
        "Đây là lần tăng giá xăng dầu thứ ba liên tiếp, khiến giá xăng RON 95 lên mức cao nhất trong năm.",
        "Giá xăng dầu thế giới tăng do nguồn cung xăng dầu bị thắt chặt",
        "Theo liên Bộ, giá xăng dầu thế giới tăng mạnh trong kỳ điều hành vừa qua do nguồn cung xăng dầu thắt chặt.",
        "Giá xăng RON 95 và giá dầu diesel trong nước vì thế tăng theo giá xăng dầu thế giới, liên Bộ cho biết.",
    ])
    result = find_parts(text)
    assert len(result.parts) == 1
    assert [(j, why.split(" (")[0]) for j, why in result.kept_inside] == [(3, "sub-heading")]
    assert "continuity" in result.kept_inside[0][1]


def test_a_credit_line_after_the_last_article_goes_to_metadata():
    doc = Doc("p", "Câu đầu của bài báo này khá dài và đầy đủ.\nCâu cuối của bài.\nTheo Hà Trang\nVietnamnet", {})
    stripped = next(strip([doc], load_rules([str(default_rules_dir())])))
    articles = list(split([stripped]))
    assert len(articles) == 1
    assert articles[0].metadata["credit"] == "Vietnamnet" and articles[0].metadata["source"] == "Hà Trang"
    assert articles[0].text == "Câu đầu của bài báo này khá dài và đầy đủ.\nCâu cuối của bài."


def test_an_author_line_then_a_new_topic_ends_the_article():
    """Two articles glued without a title between them: the first ends with its author's
    name, the second is about something else. The name goes to the first one's metadata."""
    text = "\n".join([
        "Giá xăng RON 95 tăng 500 đồng mỗi lít từ chiều nay theo quyết định của liên Bộ Công Thương và Tài chính.",
        "Đây là lần điều chỉnh giá xăng thứ ba liên tiếp trong tháng, các cửa hàng xăng dầu đã niêm yết giá mới.",
        "Minh Châu",
        "Đội tuyển bóng đá nữ Việt Nam đã thắng đậm trong trận giao hữu tối qua trên sân vận động Thống Nhất.",
        "Huấn luyện viên trưởng hài lòng với lối chơi của các cầu thủ trẻ và tinh thần thi đấu của toàn đội bóng.",
    ])
    result = find_parts(text)
    assert [p.reason.split(" (")[0] for p in result.parts] == ["start", "signoff"]
    articles = article_docs(Doc("p", text, {}), result)
    assert articles[0].metadata["author"] == "Minh Châu" and "Minh Châu" not in articles[0].text
    assert articles[1].text.startswith("Đội tuyển bóng đá nữ")


def test_a_name_heading_that_the_next_paragraph_talks_about_is_not_a_signoff():
    text = "\n".join([
        "Nhiều ngôi sao điện ảnh từng nổi tiếng rồi vắng bóng khỏi màn ảnh lớn trong nhiều năm liền.",
        "Lê Minh Anh",
        "Lê Minh Anh từng đóng vai chính trong bộ phim truyền hình ăn khách nhất năm 2005 trên sóng quốc gia.",
        "Sau đó, cô chuyển sang kinh doanh thời trang và hiếm khi xuất hiện trước ống kính của báo giới.",
    ])
    assert len(find_parts(text).parts) == 1


def test_a_long_article_ending_in_an_ellipsis_is_not_a_teaser():
    long_paragraph = " ".join(["Người dân trong vùng đã quen với cảnh nước lên mỗi mùa mưa bão hằng năm."] * 8)
    parts = parts_of(f"""
        Mùa nước nổi ở miền Tây năm nay đến sớm hơn mọi năm
        {long_paragraph}
        Họ chờ nước rút để bắt đầu vụ mùa mới, nhưng năm nay thì...
    """)
    assert len(parts) == 1 and parts[0].teaser is None
    parts = parts_of("""
        Mùa nước nổi ở miền Tây năm nay đến sớm hơn mọi năm
        Họ chờ nước rút để bắt đầu vụ mùa mới, nhưng năm nay thì...
    """)
    assert parts[0].teaser == "truncated"


def test_a_name_heading_near_the_foot_is_no_signature_even_when_a_rule_takes_it(tmp_path):
    # The last portrait of a list: the author-signoff rule looks at the last lines and takes
    # the heading; split sees the next paragraph talk about that person and keeps one article.
    page = tmp_path / "portraits.txt"
    page.write_text("\n".join([
        "Bữa sáng của những người giàu nhất thế giới",
        "Nhiều tỷ phú có thói quen ăn sáng rất đơn giản, dù họ có thể mua bất cứ món ăn nào trên đời.",
        "Trần Văn Bình",
        "Ông Bình thường chỉ uống một cốc cà phê đen và ăn một chiếc bánh mì trước khi đến văn phòng.",
        "Lê Thị Hoa",
        "Bà Hoa thích ăn phở ở quán quen gần nhà, sau đó mới bắt đầu một ngày làm việc kéo dài.",
        "Hương Thảo",
    ]), encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert len(docs) == 1 and docs[0]["metadata"]["author"] == "Hương Thảo"
    assert docs[0]["text"].rstrip().endswith("bắt đầu một ngày làm việc kéo dài.")


def test_a_readers_mailbox_line_at_the_foot_is_furniture(tmp_path):
    page = tmp_path / "mail.txt"
    page.write_text("\n".join([
        "Trường học mở cửa đón học sinh trở lại",
        f"{LONG_VI}",
        "Minh Quân",
        "*Mọi ý kiến đóng góp về giáo dục, độc giả gửi tin, bài về hộp thư: giaoduc@baomoi.vn. Trân trọng cảm ơn!",
    ]), encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert len(docs) == 1 and "hộp thư" not in docs[0]["text"] and docs[0]["metadata"]["author"] == "Minh Quân"


def test_titles_may_open_with_quotes_or_brackets_and_datelines_carry_a_date():
    config = SplitConfig()
    for title in ("'Zootopia' thắng lớn tại lễ trao giải năm nay", "“Bão” bất ngờ đổ bộ vào miền Trung",
                  "<ACME CORP> 4TH QTR NET PROFIT RISES", "(Chính thức) Giá xăng giảm mạnh từ chiều nay"):
        assert is_title_shaped(title, config), title
    assert not is_title_shaped("“Tôi sẽ trở lại,” anh nói.", config)
    from corpuskit.split import is_dated_lead

    assert is_dated_lead("SAN JOSE, Feb 26 - The company said on Thursday that it would cut jobs.")
    assert is_dated_lead("LONDON, March 3 - Shares rose.")


def test_hard_wrapped_wire_copy_is_never_split_at_a_short_line():
    text = "\n".join([
        "SHIPPING GROUP POSTS HIGHER FIRST QUARTER PROFIT",
        "ROTTERDAM, March 3 - The shipping group said on Tuesday that its",
        "first quarter profit rose by a fifth, helped by higher freight",
        "rates on its Asian routes and by lower fuel costs than a year",
        "ago, when the group had been hit by a strike.",
        "Net Profit Rose To 41 Million Guilders In Total",
        "from 34 million a year earlier, the group said, adding that it",
        "expected the rest of the year to bring similar results if rates",
        "held at their present level through the summer months ahead.",
    ])
    from corpuskit.split import is_hard_wrapped

    assert is_hard_wrapped(text.split("\n")[1:]) and len(find_parts(text).parts) == 1
    assert not is_hard_wrapped([LONG_EN] * 6)  # long paragraphs are not wrapped lines


def test_credit_lines_after_an_ending_stay_with_the_article_they_close(tmp_path):
    page = tmp_path / "glued.txt"
    page.write_text("\n".join([
        LONG_VI,
        "Cuộc họp sẽ tiếp tục vào tuần sau để bàn về ngân sách của dự án.",
        "Minh Quân",
        "Tổng hợp",
        "Giá cà phê xuất khẩu tăng mạnh trong tháng qua nhờ nhu cầu từ châu Âu phục hồi sau mùa dịch kéo dài.",
        "Các doanh nghiệp cho biết đơn hàng đã kín đến cuối năm và giá thu mua tại vườn cũng tăng theo.",
        "Theo Lan Anh",
        "Báo Mới",
        "Một cây cầu mới bắc qua sông đã được khánh thành sáng nay sau ba năm thi công liên tục.",
        "Người dân hai bờ không còn phải đi đò mỗi ngày để sang chợ bán hàng và đưa con đi học.",
        "Chính quyền địa phương cho biết sẽ lắp thêm đèn chiếu sáng dọc hai đầu cầu trong tháng tới.",
        "Tổng vốn đầu tư cho công trình là hơn hai trăm tỷ đồng, lấy từ ngân sách của tỉnh.",
        "Các hộ dân sống gần chân cầu đã được hỗ trợ di dời đến khu tái định cư mới.",
    ]), encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert [d["text"].split("\n")[0][:20] for d in docs] == [LONG_VI[:20], "Giá cà phê xuất khẩu", "Một cây cầu mới bắc "]
    assert docs[0]["metadata"]["author"] == "Minh Quân" and docs[0]["metadata"]["credit"] == "Tổng hợp"
    assert docs[1]["metadata"]["source"] == "Lan Anh" and docs[1]["metadata"]["credit"] == "Báo Mới"
    assert all("Tổng hợp" not in d["text"] and "Báo Mới" not in d["text"] for d in docs)


def test_an_author_glued_to_the_source_line_ends_the_article(tmp_path):
    page = tmp_path / "g.txt"
    page.write_text(f"{LONG_VI}\nHà ChiTheo Reuters\nMột cây cầu mới bắc qua sông đã được khánh thành sáng nay sau ba năm thi công.", encoding="utf-8")
    docs = [json.loads(line) for line in CliRunner().invoke(cli, ["clean", str(page), "-q", "-j", "1"]).output.splitlines()]
    assert len(docs) == 2 and docs[0]["metadata"]["author"] == "Hà Chi" and docs[0]["metadata"]["source"] == "Reuters"


WIRE = [
    ("HARBOUR AUTHORITY RAISES DOCK FEES",
     ["GDANSK, March 2 - The harbour authority said it would raise",
      "dock fees by eight pct from April, citing higher costs for",
      "dredging and for the new container cranes at the north quay.",
      "    Shipping agents said the rise had been expected since the",
      "authority published its budget in January."]),
    ("MAPLE FOODS <MPF> SEES LOWER YEAR PROFIT",
     ["TORONTO, Ont., March 2 - Maple Foods Inc said it expected",
      "profit for the year to fall short of last year's level because",
      "of weaker sales of frozen goods in the fourth quarter.",
      "    The company did not give a figure for the full year."]),
    ("COPPER STOCKS FALL AT WAREHOUSES",
     ["LONDON, March 2 - Copper stocks held in the exchange's",
      "warehouses fell by 4,125 tonnes in the week to Friday, dealers",
      "said, the third weekly fall in a row.",
      "    Aluminium stocks rose slightly over the same period."]),
]


@pytest.mark.parametrize("end_line", [True, False])
def test_glued_wire_stories_split_at_caps_headlines_and_datelines(end_line):
    lines = []
    for title, body in WIRE:
        lines += [title, *body] + ([" Reuter"] if end_line else [])
    result = CliRunner().invoke(cli, ["clean", "-", "-q", "--to", "jsonl"], input="\n".join(lines))
    docs = [json.loads(line) for line in result.output.splitlines()]
    assert [d["metadata"]["title"] for d in docs] == [title for title, _ in WIRE]
    assert all("Reuter" not in d["text"] and not d["metadata"].get("teaser") for d in docs)


# --- roundups, orphans, full-stop titles, sign-offs (pages of the shapes real dumps have) ---

SECTION_VI = [
    ("Cổ phiếu ngân hàng dẫn dắt thị trường tăng điểm mạnh trong phiên",
     "Nhóm cổ phiếu ngân hàng tăng mạnh ngay từ đầu phiên, kéo chỉ số chính vượt mốc quan trọng và thu hút dòng tiền lớn từ các nhà đầu tư trong nước."),
    ("Giá vàng trong nước quay đầu giảm sau nhiều ngày tăng liên tiếp",
     "Giá vàng miếng giảm nhẹ vào cuối tuần khi giá thế giới đi xuống, nhiều người mua vào từ trước đã bán ra để chốt lời trong bối cảnh thị trường biến động."),
    ("Xuất khẩu nông sản tăng trưởng khá trong quý đầu của năm nay",
     "Kim ngạch xuất khẩu nông sản đạt mức cao nhờ nhu cầu từ các thị trường lớn phục hồi, trong đó gạo và cà phê là hai mặt hàng đóng góp nhiều nhất."),
]


def test_a_roundup_under_a_short_lead_stays_one_article():
    body = "\n".join(f"{title}\n{text}\n{text}" for title, text in SECTION_VI)
    parts = parts_of("Điểm tin kinh tế tuần qua: những diễn biến đáng chú ý nhất\n"
                     "Tuần qua, thị trường ghi nhận nhiều tin đáng chú ý về chứng khoán, vàng và xuất khẩu.\n" + body)
    assert len(parts) == 1
    result = find_parts("Điểm tin kinh tế tuần qua: những diễn biến đáng chú ý nhất\n"
                        "Tuần qua, thị trường ghi nhận nhiều tin đáng chú ý về chứng khoán, vàng và xuất khẩu.\n" + body)
    assert any(why.startswith("roundup") for _, why in result.kept_inside)


def test_a_signoff_in_capitals_ends_an_article():
    parts = parts_of(f"""
        Mưa lớn gây ngập sâu nhiều tuyến phố tại Hà Nội chiều qua
        {LONG_VI}
        {LONG_VI}
        PHÙNG BẮC
        Đội tuyển bóng đá nữ giành chiến thắng thuyết phục trước đối thủ mạnh trong trận đấu tối qua, các cầu thủ được khen ngợi.
        Huấn luyện viên cho biết toàn đội đã chuẩn bị kỹ lưỡng cho trận đấu này và sẽ tiếp tục tập luyện cho vòng sau.
    """)
    assert len(parts) == 2 and parts[0].values.get("author") == "PHÙNG BẮC"
    assert parts_of("Tiêu đề bài viết về thành phố hôm nay\n" + LONG_VI + "\nUBND TP HCM\n" + LONG_VI)[0].end > 2


def test_a_signature_is_not_vetoed_by_a_word_of_another_proper_noun():
    parts = parts_of(f"""
        Ngân hàng công bố kết quả kinh doanh năm với lợi nhuận tăng
        {LONG_VI}
        Đại Việt
        Thị trường chứng khoán Việt Nam tăng điểm mạnh trong phiên giao dịch hôm nay với thanh khoản cao kỷ lục.
        Nhiều nhóm cổ phiếu đồng loạt tăng giá, nhà đầu tư nước ngoài tiếp tục mua ròng trên cả hai sàn.
    """)
    assert len(parts) == 2 and parts[0].values.get("author") == "Đại Việt"


def test_titles_written_as_sentences_are_titles_where_the_page_writes_them_so():
    first, second = SECTION_VI[0], SECTION_VI[1]
    page = (f"{first[0]}.\n{first[1]}\n{first[1]}\nMinh An\n{second[0]}.\n{second[1]}\n{second[1]}")
    parts = parts_of(page)
    assert [p.title for p in parts] == [f"{first[0]}.", f"{second[0]}."]
    assert parts[0].values.get("author") == "Minh An"


def test_a_one_paragraph_orphan_joins_the_article_before():
    parts = parts_of(f"""
        Mưa lớn gây ngập sâu nhiều tuyến phố tại Hà Nội chiều qua
        {LONG_VI}
        {LONG_VI}
        Lực lượng cứu hộ có mặt tại hiện trường trong đêm qua
        Người dân được đưa đến nơi an toàn.
    """)
    assert len(parts) == 1
