"""Split a scraped page into one document per article, with title, body and attribution.

A page is read as a sequence of paragraphs (non-blank lines). Boundaries come from:

- rule-marked lines: strip records where a rule with `boundary: end|start` removed a line
  (an attribution such as "Theo TNO", a "./." end marker) in `metadata.boundaries`, with
  the values it captured (the source) for the article that ends there;
- a title printed twice in a row (related-news cards);
- a title-shaped line (short, no sentence-final punctuation, not a list item) between a
  finished paragraph and a lead paragraph, when enough independent signals agree: the
  title is headline-long, its words come back in the lead, the lead opens with a date or
  a dateline, it is as long as the page's first title, or the lead is truncated;
- a last paragraph that is a headline fused with a truncated lead ("… thách thức Ngày 23-2, …").

Sub-headings look like titles, so a title-shaped line alone never splits: when the signals
are weak the article stays whole. Parts that are truncated or are a card (title + one
paragraph after a finished article) are teasers.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import compress
from typing import Callable, Iterable, Iterator

import regex

from corpuskit.doc import Doc
from corpuskit.stats import Stats
from corpuskit.vietnamese import is_vietnamese_word

# A lead that opens with a date ("Ngày 23-2,", "Sáng 5/6", "On Monday,") or a dateline
# ("(Dân trí) -", "HÀ NỘI —", "WASHINGTON (Reuters) -").
_DATE_START = regex.compile(
    r"""(?:
        (?:Ngày|Hôm|Sáng|Chiều|Tối|Trưa|Đêm|Rạng\ sáng|Cuối|Đầu)\s+(?:nay|qua|mai|thứ|\d|[\p{Ll}]+\s+\d)
      | (?:On|Last|Early|Late)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|month|year|\d)
      | (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b
      | \d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b
    )""",
    regex.VERBOSE,
)
_DATELINE = regex.compile(
    r"(?:[\p{Lu}][\p{L}.]*(?: [\p{Lu}][\p{L}.]*){0,3}"
    r"(?:,\s*[\p{Lu}][\p{L}.]*(?= ?,)){0,2}"  # PORTLAND, Ore., ...  ROCHESTER, N.Y., ...
    r"(?:,\s*(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s*\d{1,2})?"  # SALVADOR, Feb 26 -
    r"\s*(?:\([^()]{1,30}\))?|\([^()]{1,30}\))\s*[-–—]\s")


def is_dated_lead(text: str) -> bool:
    """Opens with a date or a dateline (looked for in the first 80 characters only).

    >>> is_dated_lead("Ngày 23-2, hãng thông tấn Kyodo đưa tin"), is_dated_lead("HÀ NỘI — Mưa lớn")
    (True, True)
    >>> is_dated_lead("Bộ trưởng Quốc phòng Nga - Trung Quốc")
    False
    """
    head = text[:80]
    if _DATE_START.match(head):
        return True
    return ("-" in head or "–" in head or "—" in head) and _DATELINE.match(head) is not None


LIST_ITEM = regex.compile(r"(?:[-•*–—+·▪►]|\d{1,3}[.)]|[a-zA-Z][.)])\s")
WORD = regex.compile(r"[\p{L}\p{N}]{2,}")
SENTENCE_INSIDE = regex.compile(r"[.!?:;](?:\s|$)")


@dataclass(frozen=True)
class SplitConfig:
    keep_teasers: bool = False
    max_title_words: int = 30
    max_title_chars: int = 200
    min_title_words: int = 5  # a line found mid-page needs at least this many words
    headline_words: int = 8  # ... and counts as headline-long from here
    min_lead_chars: int = 60
    min_signals: int = 3  # independent signals needed to split at a mid-page title
    overlap_chars: int = 600  # how much text after a title is searched for its words
    # Topic continuity across a candidate title (cosine of content-word vectors of the
    # paragraphs before and after it): at or above this, the line is a sub-heading of the
    # article it is in. Measured on real Vietnamese news: two unrelated articles score
    # 0.05 in the median and 0.16 at the 99th percentile.
    continuity: float = 0.16
    continuity_paragraphs: int = 4  # paragraphs on each side that are compared
    continuity_dip_below: float = 0.3  # ... between this and `continuity`, a dip decides
    continuity_depth: float = 0.12  # how deep a dip must be (TextTiling's depth score)
    # After an author's sign-off the cut needs less: the name already says an article ended,
    # and only text that clearly goes on with the same topic (a list of people, a caption
    # with its photographer) vetoes it. Neighbouring articles of one news section share
    # words, so the title threshold above would keep many real boundaries shut.
    signoff_continuity: float = 0.4
    max_credit_words: int = 4  # a last fragment this short, after an article's end, is a credit line
    # A part found by its title alone with fewer words than this cannot stand as an article (a
    # lead without its body, a caption): it is merged with its neighbour instead of being
    # emitted and dropped later by a filter's minimum length.
    min_article_words: int = 40
    teaser_words: int = 80  # a truncated part shorter than this (in words) is a teaser, whatever its paragraphs


@dataclass
class Part:
    """One article (or teaser) of a page: paragraphs [start, end) of the page."""

    start: int
    end: int
    reason: str  # why a part starts here: "start", "rule:<id>", "doubled-title", "title+lead (...)", "fused-teaser"
    title: str | None = None
    body: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # captured by the rule that ends (or starts) it, or inside it (shared: read only)
    teaser: str | None = None  # why it is a teaser: truncated | card | title-only; None for an article
    ended_by_rule: bool = False


@dataclass
class SplitResult:
    parts: list[Part]
    paragraphs: list[str]
    # Lines that looked like titles but continue the article above: (paragraph, evidence).
    kept_inside: list[tuple[int, str]] = field(default_factory=list)
    credit: str | None = None  # a trailing credit line given to the last article


# --- shapes ------------------------------------------------------------------------------


_NOT_TITLE_ENDS = (".", ":", ";", ",", "…")  # a title may end with ? or !, not with these


def is_hard_wrapped(paras: list[str], lens: list[int] | None = None) -> bool:
    """Text whose lines were cut at a fixed width (wire copy, e-mail, old archives): most
    lines end within a few characters of the same length, and sentences run on across
    line ends. In such text a short line is the last line of a paragraph and the line after
    it continues the sentence, so no title-shaped line may start an article.

    >>> body = "The company said on Thursday that its quarterly profit rose sharply as sales of"
    >>> is_hard_wrapped([body[:70], body[10:78], body[5:74], body[2:71], "of its products."])
    True
    >>> is_hard_wrapped(["A title", "A paragraph that ends.", "Another one, longer than that."])
    False
    """
    if len(paras) < 5:
        return False
    lens = lens if lens is not None else list(map(len, paras))
    width = max(lens)
    if width > 100:  # paragraphs, not wrapped lines
        return False
    near = sum(1 for length in lens if length >= width - 12)
    run_on = sum(1 for a, b in zip(paras, paras[1:]) if not a.endswith(_SENTENCE_ENDS) and b[:1].islower())
    return near >= 0.6 * len(paras) and run_on >= 0.3 * (len(paras) - 1)


def _is_caps_headline(line: str) -> bool:
    """A wire headline: every letter upper case, at least two words ("BAHIA COCOA REVIEW")."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 6 and " " in line and all(c.isupper() for c in letters)


def is_title_shaped(line: str, config: SplitConfig) -> bool:
    """Short, starts like a title, no sentence-final punctuation (?! allowed), not a list item."""
    if not line or len(line) > config.max_title_chars:
        return False
    if line.endswith(_NOT_TITLE_ENDS):
        return False
    first = line[0]
    if first in _TITLE_OPENERS and len(line) > 1:  # 'Zootopia' đại thắng, “Bão” bất ngờ, <CINRAM LTD> 4TH QTR NET
        first = line[1]
    elif not (first.isupper() or first.isdigit()) or (not first.isupper() or line[1:2] in ".)") and LIST_ITEM.match(line):
        return False
    if not (first.isupper() or first.isdigit()):
        return False
    count = line.count(" ") + 1
    return 2 <= count <= config.max_title_words and not is_truncated(line)


_TITLE_OPENERS = frozenset("\"'“‘«([<")
_INTRODUCES = (":", ",", ";", "-", "–", "—")  # a line ending so announces what follows it
_CLOSERS = ("", "\"", "'", "”", "’", "»", ")")
# One C-level endswith per test, closing quotes and brackets included.
_SENTENCE_ENDS = tuple(end + closer for end in (".", "!", "?", "…") for closer in _CLOSERS)
_TRUNCATED_ENDS = tuple(end + closer for end in ("...", "…") for closer in _CLOSERS) + ("[…]", "[...]")


_INSIDE_END = regex.compile(r"[.!?…][\"'”’»)]*\s")  # a sentence that ends before the line does


def is_stop_title(line: str, lead_chars: int, config: SplitConfig, after_ending: bool = False) -> bool:
    """A title written as a sentence, with a full stop ("Giá vàng tăng mạnh."), as some sources
    write every title: one short sentence, capitalised, followed by a lead much longer than
    itself. Its shape alone is no proof (a short first sentence looks the same), so it is a
    title only where the page itself shows that style (its first line) or at a boundary
    found by other evidence.

    >>> config = SplitConfig()
    >>> is_stop_title("Giá vàng hôm nay tăng mạnh.", 200, config), is_stop_title("Ông nói. Rồi đi.", 200, config)
    (True, False)
    """
    # After an article's known ending (a sign-off) any lead will do, a short quote too.
    need = 1 if after_ending else max(config.min_lead_chars, 2 * len(line))
    if not line.endswith(".") or line.endswith("..") or len(line) > 160 or lead_chars < need:
        return False
    count = line.count(" ") + 1
    if not 3 <= count <= 20 or _INSIDE_END.search(line) is not None:
        return False
    first = line[1] if line[0] in _TITLE_OPENERS and len(line) > 1 else line[0]
    return (first.isupper() or first.isdigit()) and not LIST_ITEM.match(line)


def ends_sentence(line: str) -> bool:
    return line.endswith(_SENTENCE_ENDS)


def is_truncated(line: str) -> bool:
    return line.endswith(_TRUNCATED_ENDS)


_WORDS = re.compile(r"\w\w+")  # the standard engine: faster than `regex` for this


def _tokens(text: str) -> set[str]:
    """Casefolded words of two letters or more."""
    return set(_WORDS.findall(text.casefold()))


# Function words of Vietnamese and English: they say nothing about a topic.
FUNCTION_WORDS = frozenset(
    "của và là có được các những cho với trong này đã không một để khi từ đến theo về như thì "
    "sẽ cũng ra vào nhiều tại trên sau đó ngày nhưng hay hơn rằng vì nên mà đang bị lại đi làm "
    "năm người ông bà anh chị còn rất đều nếu chỉ vẫn sự việc tôi chúng họ "
    "the and of to in a is for on that with as by at from was are be it this an have has had "
    "not but or its their they he she we said will would been were which who".split()
)


@functools.lru_cache(maxsize=512)
def topic_terms(text: str) -> Counter:
    """Content words and adjacent pairs of words (a Vietnamese word is often two syllables).
    Cached: the windows compared around neighbouring candidates of a page are often the same
    text (callers only read the counts)."""
    words = _WORDS.findall(text.casefold())
    content = [w not in FUNCTION_WORDS and not w.isdigit() for w in words]
    terms = Counter(compress(words, content))
    terms.update(f"{a} {b}" for a, b, keep_a, keep_b in zip(words, words[1:], content, content[1:]) if keep_a and keep_b)
    return terms


def continuity(before: str, after: str) -> float:
    """Cosine similarity of the topic terms of two stretches of text (TextTiling's measure):
    high inside one article, low across two unrelated ones.

    >>> continuity("Giá vàng hôm nay tăng mạnh.", "Giá vàng trong nước tăng theo.") > 0.3
    True
    >>> continuity("Giá vàng hôm nay tăng mạnh.", "Đội tuyển bóng đá thắng trận.")
    0.0
    """
    a, b = topic_terms(before), topic_terms(after)
    if not a or not b:
        return 0.0
    shared = sum(a[t] * b[t] for t in a.keys() & b.keys())
    return round(shared / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values())), 3)


def split_fused(line: str, config: SplitConfig) -> tuple[str, str] | None:
    """A headline run into its lead on one line, separated only when the signal is clear.

    The cut goes where a capitalised word follows a lowercase one and the rest opens like
    a lead: with a date or dateline, or by repeating the headline's first two words
    ("Trung Quốc, Malaysia ký … toàn diện | Trung Quốc và Malaysia ngày 4/10 …").
    """
    tokens = line.split(" ", config.max_title_words + 1)  # a headline is in the first words
    head = [w.casefold() for w in WORD.findall(line[:120])[:2]]
    start = sum(map(len, tokens[:3])) + 3  # where tokens[k] starts in the line
    for k in range(3, min(len(tokens) - 1, config.max_title_words + 1)):
        before, word = tokens[k - 1], tokens[k]
        if k > 3:
            start += len(before) + 1
        if not word or not before or not word[0].isupper() or not before[-1].islower():
            continue
        title = line[: start - 1]
        if SENTENCE_INSIDE.search(title):
            return None  # a sentence ended before any cut: not a headline
        opening = line[start : start + 120]
        tail_head = [w.casefold() for w in WORD.findall(opening)[:2]]
        if is_dated_lead(opening) or (len(head) == 2 and tail_head == head):
            tail = line[start:]
            return (title, tail) if len(tail.split(" ", 4)) > 4 else None
    return None


# --- boundaries --------------------------------------------------------------------------


def _rule_boundaries(boundaries: list, line_of_para: list[int]) -> dict[int, list[dict]]:
    """Rule-marked boundaries as paragraph indices (several may fall on one paragraph)."""
    found: dict[int, list[dict]] = {}
    for mark in boundaries:
        if not isinstance(mark, dict) or not isinstance(mark.get("line"), int):
            continue
        para = bisect_left(line_of_para, mark["line"])
        found.setdefault(para, []).append(mark)
    return found


def _title_signals(page: "_Page", j: int, end: int, first_words: int, config: SplitConfig, stop_titles: bool = False) -> list[str]:
    """The signals that make paragraph j the title of a new article (empty if it cannot be).
    With `stop_titles` (the page writes its titles as sentences), a title may end in a full stop."""
    paras = page.paras
    # The line before a title ends the article above: a sentence, or a short line that is no
    # sentence (a photo caption, a list item, a credit) and does not announce what follows.
    before_ends = page.ends(j - 1) or (page.lens[j - 1] <= 120 and not paras[j - 1].endswith(_INTRODUCES)
                                       and _INSIDE_END.search(paras[j - 1]) is None)
    if j + 1 >= end or page.lens[j + 1] < config.min_lead_chars or not before_ends or not page.ends(j + 1):
        return []
    line, lead = paras[j], paras[j + 1]
    count = line.count(" ") + 1
    if lead == line or count < config.min_title_words:
        return []
    if not is_title_shaped(line, config) and not (stop_titles and is_stop_title(line, page.lens[j + 1], config)):
        return []
    if page.truncated(j + 1) and (j + 2 >= end or is_title_shaped(paras[j + 2], config)):
        return ["truncated lead", "card"]
    signals = []
    if count >= config.headline_words:
        signals.append("headline-long")
    if is_dated_lead(lead):
        signals.append("dated lead")
    if first_words and count >= 0.6 * first_words:
        signals.append("as long as the first title")
    # The costliest signal last, and only when it decides.
    if len(signals) + 1 == config.min_signals:
        # A headline's words come back early: in the lead and the start of the next paragraph.
        # Matched as word prefixes (markets ~ market), by substring search: fast, and the
        # rare false match only adds to one of several signals.
        title_words = [" " + word for word in _tokens(line)]
        following = " " + " ".join(paras[j + 1 : j + 3])[: config.overlap_chars].casefold()
        if title_words and sum(map(following.__contains__, title_words)) >= 0.5 * len(title_words):
            signals.append("words in lead")
    return signals




class _Page:
    """A page's paragraphs with the per-paragraph facts every test needs, computed by
    C-level maps in one go (calling a Python function per paragraph costs more than the tests)."""

    __slots__ = ("lines", "paras", "lens")

    def __init__(self, text: str) -> None:
        self.lines = stripped = list(map(str.strip, text.split("\n")))
        self.paras = paras = list(filter(None, stripped))
        self.lens = list(map(len, paras))

    @property
    def line_of_para(self) -> list[int]:
        """The text line of each paragraph (boundaries are given as lines)."""
        return list(compress(range(len(self.lines)), self.lines))

    def ends(self, index: int) -> bool:
        return self.paras[index].endswith(_SENTENCE_ENDS)

    def truncated(self, index: int) -> bool:
        return self.paras[index].endswith(_TRUNCATED_ENDS)


def find_parts(text: str, boundaries: list | None = None, config: SplitConfig = SplitConfig()) -> SplitResult:
    """Where the articles of a page start and end, and what each one is."""
    page = _Page(text)
    paras = page.paras
    n = len(paras)
    marks = _rule_boundaries(boundaries, page.line_of_para) if boundaries else {}
    starts: dict[int, str] = {0: "start"}
    values_for: dict[int, dict] = {}  # part start -> values of a start-boundary
    ended: dict[int, tuple[str, dict]] = {}  # paragraph index where a part ends (exclusive) -> rule, values
    found_inside: dict[int, dict] = {}  # paragraph -> values captured there by a rule that is no boundary
    for para, found in sorted(marks.items()):
        for mark in found:
            rule = f"rule:{mark.get('rule', '?')}"
            kind = mark.get("kind")
            if kind == "capture":
                if n and mark.get("values"):  # the paragraph after the captured line, or the last one
                    found_inside.setdefault(min(para, n - 1), {}).update(mark["values"])
                continue
            name = (mark.get("values") or {}).get("author")
            if isinstance(name, str) and para < n and _named_after(name, paras[para]):
                # A name the next paragraph talks about is a heading in a list of people, not
                # the signature of the article above: no boundary, and not the author.
                continue
            if kind == "start":
                values_for.setdefault(para, {}).update(mark.get("values") or {})
            else:
                previous = ended.get(para, ("", {}))
                ended[para] = (rule, {**previous[1], **(mark.get("values") or {})})
            if 0 < para < n:
                starts.setdefault(para, rule)

    # Credit lines right after an attribution boundary ("Theo Hà Trang", then "Dân Việt")
    # belong to the article that ends there, not to the start of the next one.
    credits: dict[int, list[str]] = {}  # part start -> credit lines just before it, of the part before
    for start in [p for p in sorted(starts) if p > 0 and p in ended]:
        k = _after_credits(page, start, n, config)
        if start < k < n and k not in starts and page.lens[k] >= config.min_lead_chars:
            starts[k] = starts.pop(start)
            ended[k] = ended.pop(start)
            credits[k] = paras[start:k]
    in_credits = {i for k, lines in credits.items() for i in range(k - len(lines), k)}
    kept_inside: list[tuple[int, str]] = []
    signoffs: dict[int, str] = {}  # paragraph -> an author's name that ends the article before it
    first_title = paras[0] if n > 1 and is_title_shaped(paras[0], config) else None
    # A page whose first line is a one-sentence title with a full stop writes its titles so.
    stop_titles = first_title is None and n > 1 and is_stop_title(paras[0], page.lens[1], config)
    if stop_titles:
        first_title = paras[0]
    first_words = first_title.count(" ") + 1 if first_title is not None else 0
    titled = {0} if first_title is not None else set()  # part starts known to be title-shaped
    # Only short lines that do not end a sentence can be titles; most paragraphs are not.
    if is_hard_wrapped(paras, page.lens):
        # Lines cut at a fixed width: a short line is the end of a paragraph, not a title,
        # unless it is the wire's own headline: upper case, after a finished sentence, and
        # followed by a dateline ("SALVADOR, Feb 26 - ...").
        short = []
        for j in range(1, n - 1):
            if (j not in starts and _is_caps_headline(paras[j]) and page.ends(j - 1) and is_dated_lead(paras[j + 1])
                    and is_title_shaped(paras[j], config)):
                starts[j] = "caps-title+dateline"
                titled.add(j)
    else:
        short = [j for j in compress(range(n), map(config.max_title_chars.__ge__, page.lens))
                 if not paras[j].endswith(_NOT_TITLE_ENDS) or (stop_titles and paras[j].endswith("."))]
    segment_starts = sorted(starts)
    for a, b in zip(segment_starts, segment_starts[1:] + [n]):
        for j in short[bisect_right(short, a) : bisect_left(short, b)]:
            if j in starts or paras[j] == paras[j - 1] or j in in_credits:
                continue
            if j + 1 < b and paras[j + 1] == paras[j] and page.ends(j - 1) and is_title_shaped(paras[j], config):
                starts[j] = "doubled-title"
                titled.add(j)
                continue
            # A name after a finished paragraph: a sentence, or a short line of the article's
            # own such as a contact number. After anything else (a paragraph ending in ":" whose
            # table or photo was lost, a sentence cut off before a name: "... told the") the name
            # may still end an article, but only where the topic clearly changes.
            finished = page.ends(j - 1) or page.lens[j - 1] <= 60 and not paras[j - 1].endswith(_INTRODUCES)
            if j + 1 < b and _is_signoff(paras[j]) and not _named_after(paras[j], paras[j + 1]):
                # The signature block: the name, maybe a credit or two ("Tổng hợp", "Dân Việt"),
                # then what follows: a lead, or a title and its lead.
                k = _after_credits(page, j + 1, b, config)
                # After a signature a title may have a short lead (a quote): the name already
                # says that an article ended.
                titled_next = k + 1 < b and page.ends(k + 1) and (
                    is_title_shaped(paras[k], config) or is_stop_title(paras[k], page.lens[k + 1], config, after_ending=True))
                if k < b and _opens_text(paras[k]) and (titled_next or page.lens[k] >= config.min_lead_chars):
                    w = config.continuity_paragraphs
                    score = continuity(" ".join(paras[max(a, j - w) : j]), " ".join(paras[k : k + w]))
                    # The lenient threshold after a finished sentence only: a name after a short
                    # line is as likely a heading under a heading (German capitalises its nouns).
                    lenient = page.ends(j - 1)
                    if score < (config.signoff_continuity if lenient else config.continuity):  # another topic: a new article
                        starts[k] = f"signoff (continuity {score:g})"
                        signoffs[j] = paras[j]
                        if k > j + 1:
                            credits[k] = paras[j + 1 : k]
                        if titled_next:
                            titled.add(k)
                        continue
            signals = _title_signals(page, j, b, first_words, config, stop_titles)
            if ("card" not in signals and len(signals) == config.min_signals - 1 and signals and page.ends(j - 1)
                    # a plain title (no question, exclamation or quoted sentence), or one written
                    # with a full stop on a page that writes its titles so
                    and (not ends_sentence(paras[j]) or stop_titles and is_stop_title(paras[j], page.lens[j + 1], config))):
                # One signal short: a clear change of topic across the line is the missing one
                # (as high continuity is evidence against a cut, low continuity is evidence for it).
                w = config.continuity_paragraphs
                score = continuity(" ".join(paras[max(a, j - w) : j]), " ".join(paras[j + 1 : j + 1 + w]))
                if score < config.continuity / 2:
                    signals.append(f"topic change (continuity {score:g})")
                    starts[j] = f"title+lead ({', '.join(signals)})"
                    titled.add(j)
                continue
            if "card" in signals or len(signals) >= config.min_signals:
                if "card" not in signals:  # a sub-heading continues the topic of the text above it
                    verdict = _continuity_verdict(paras, a, j, b, "dated lead" in signals, config)
                    if verdict.startswith("sub-heading"):
                        kept_inside.append((j, verdict))
                        continue
                    signals.append(verdict)
                starts[j] = f"title+lead ({', '.join(signals)})"
                titled.add(j)
        last = b - 1
        if last > a and page.truncated(last) and page.ends(last - 1) and last not in starts and split_fused(paras[last], config):
            starts[last] = "fused-teaser"

    _merge_orphans(starts, ended, signoffs, kept_inside, page, n, config)
    ordered = sorted(starts)
    credit = None
    last = ordered[-1] if ordered else 0
    if last > 0 and last in ended and n - last == 1 and _is_credit(paras[last], config):
        credit = paras[last]  # "Tổng hợp", "Dân Việt" after the sign-off: the article's credit
        del starts[last]
        ordered.pop()
        n_parts_end = last
    else:
        n_parts_end = n
    parts = []
    for start, end in zip(ordered, ordered[1:] + [n_parts_end]):
        if start >= n:
            continue
        ending = ended.get(end)
        values = {**values_for[start], **ending[1]} if start in values_for and ending else values_for.get(start) or (ending[1] if ending else {})
        if found_inside:  # values found inside this part; a boundary's own take precedence
            for para in sorted(p for p in found_inside if start <= p < end):
                values = {**found_inside[para], **values}
        if end in credits and end - len(credits[end]) > start:
            lines = credits[end]
            end -= len(lines)  # credit lines go to metadata, not to the text
            values = {**values, "credit": lines[0] if len(lines) == 1 else lines}
        if end - 1 in signoffs and end - 1 > start:
            end -= 1  # the name goes to metadata, not to the text
            values = {**values, "author": signoffs[end]}
        part = Part(start, end, starts[start], values=values, ended_by_rule=ending is not None or end in signoffs)
        _fill(part, page, config, len(parts), start in titled or (start > 0 and None))
        parts.append(part)
    return SplitResult(parts, paras, kept_inside, credit)


def _found_by_title(reason: str) -> bool:
    """A boundary that only a title's shape and its lead found (no rule, no sign-off)."""
    return reason.startswith("title+lead")


def _merge_orphans(starts: dict[int, str], ended: dict, signoffs: dict[int, str], kept_inside: list[tuple[int, str]],
                   page: _Page, n: int, config: SplitConfig) -> None:
    """No orphans: a roundup stays whole, and parts too short to stand join a neighbour.

    A roundup ("the week's business news", "five new policies from May") opens with a title and
    a short lead that announces the sections below it, each under its own sub-heading: the
    opening cannot stand alone, and the sections after it were found by their titles only. So
    a part whose text is one short paragraph, not ended by a rule or a sign-off, takes in the
    run of two or more title-found parts that follows it (up to the next boundary a rule or a
    sign-off marks): one article with sub-headings. (One such part after it is a brief and
    the next article: the orphan rule below decides.) Elsewhere, a part found by its title whose text is
    one paragraph shorter than `min_article_words` (a lead without its body, a caption read as
    a title) is merged: the opening part with the part after it, any other with the part
    before it. Two paragraphs make a brief, which stands.
    Truncated parts stay teasers."""
    ordered = sorted(starts)
    if len(ordered) < 2:
        return
    paras = page.paras

    def words(a: int, b: int) -> int:
        return sum(paras[i].count(" ") + 1 for i in range(a, b))

    def body_from(a: int, b: int) -> int:
        """Where a part's text starts: after its title line."""
        return a + 1 if b - a > 1 and (a == 0 or _found_by_title(starts.get(a, ""))) and (
            is_title_shaped(paras[a], config) or paras[a].endswith(".") and is_stop_title(paras[a], page.lens[a + 1], config)) else a

    def closed(b: int) -> bool:
        return b in ended or b - 1 in signoffs

    bounds = list(zip(ordered, ordered[1:] + [n]))
    index = 0
    while index < len(bounds):
        a, b = bounds[index]
        text_from = body_from(a, b)
        run = index + 1
        while run < len(bounds) and _found_by_title(starts[bounds[run][0]]) and not closed(bounds[run - 1][1]):
            run += 1
        run_end = bounds[run - 1][1]
        sections = run - index - 1 + sum(1 for j, _ in kept_inside if b <= j < run_end)  # sub-headings count too
        if (run > index + 1 and sections >= 2 and b - text_from == 1 and words(text_from, b) < config.min_article_words
                and not page.truncated(b - 1)):
            for section, _ in bounds[index + 1 : run]:
                kept_inside.append((section, f"roundup: a section under the lead above ({starts.pop(section)})"))
            index = run
            continue
        index += 1
    ordered = sorted(starts)
    bounds = list(zip(ordered, ordered[1:] + [n]))
    for index, (a, b) in enumerate(bounds):
        if a not in starts or closed(b) or page.truncated(b - 1):
            continue
        text_from = body_from(a, b)
        if b - text_from > 1 or words(text_from, b) >= config.min_article_words:
            continue  # two paragraphs make a brief; one long paragraph, an article
        if index > 0 and _found_by_title(starts[a]):
            kept_inside.append((a, f"orphan: {words(text_from, b)} words cannot stand alone ({starts.pop(a)})"))


def _continuity_verdict(paras: list[str], a: int, j: int, b: int, dated: bool, config: SplitConfig) -> str:
    """Whether the title candidate at j starts a new topic: "continuity X" (it does) or
    "sub-heading (...)" (it does not).

    Low continuity across the line means a new article. High continuity means a
    sub-heading, unless it is moderate and the line sits in a dip of continuity: lower
    than inside the text on both sides of it (TextTiling's depth), as when two related
    articles follow each other.
    """
    w = config.continuity_paragraphs
    score = continuity(" ".join(paras[max(a, j - w) : j]), " ".join(paras[j + 1 : j + 1 + w]))
    if score < config.continuity:
        return f"continuity {score:g}"
    if score < config.continuity_dip_below:
        inside_before = max((continuity(" ".join(paras[max(a, k - w) : k]), " ".join(paras[k:j])) for k in range(max(a + 1, j - 3), j)), default=0.0)
        inside_after = max((continuity(" ".join(paras[j + 1 : k]), " ".join(paras[k : k + w])) for k in range(j + 2, min(b, j + 5))), default=0.0)
        depth = round(min(inside_before, inside_after) - score, 3)
        if depth >= config.continuity_depth:
            return f"continuity {score:g}, depth {depth:g}"
        return f"sub-heading (continuity {score:g} ≥ {config.continuity:g}, depth {depth:g} < {config.continuity_depth:g})"
    return f"sub-heading (continuity {score:g} ≥ {config.continuity:g})"


_NAME = r"\p{Lu}[\p{Ll}.]*(?:[ .]\p{Lu}[\p{Ll}.]*){1,3}"
_SIGNOFF = regex.compile(rf"{_NAME}(?:(?: - |, | và | & ){_NAME}){{0,2}}")


_CAPS_NAME = regex.compile(r"\p{Lu}{1,7}(?: \p{Lu}{1,7}){1,3}")


def _is_signoff(line: str) -> bool:
    """An author's name alone on a line: two to four capitalised words ("Trường Thịnh",
    "H.Long", "Nguyễn Thị Minh Anh"), or a few such names ("Hương Giang - Trường Thịnh"),
    as many sites sign their articles; or a Vietnamese name in capitals ("PHÙNG BẮC"), each
    word a Vietnamese syllable (so acronyms such as "UBND TP HCM" are not names)."""
    if len(line) > 60:
        return False
    if _SIGNOFF.fullmatch(line) is not None:
        return True
    return _CAPS_NAME.fullmatch(line) is not None and all(map(is_vietnamese_word, line.lower().split()))


def _opens_text(paragraph: str) -> bool:
    """Whether a paragraph can open an article: a capital, a digit or an opening quote (not
    ". ''We want ...", the rest of a sentence a line break cut).

    >>> _opens_text("Hà Nội mưa lớn."), _opens_text(". ''We want an explanation.")
    (True, False)
    """
    first = paragraph[:1]
    return first.isupper() or first.isdigit() or first in _TITLE_OPENERS


def _named_after(name: str, paragraph: str) -> bool:
    """The name comes back in the paragraph after it: a heading that introduces a person
    (a list of portraits), not the signature of the article before."""
    if name in paragraph:
        return True
    # The last word of a name is how a text goes on to call the person ("ông Bình",
    # "Bachelder said"); a first or middle word can be an ordinary one ("Nhật" of Nhật Bản).
    # ... but not as the first part of another proper noun ("Việt" of "Việt Nam" after the
    # signature "Đại Việt"): a capitalised word right after it makes it a different name.
    words = _WORDS.findall(name)
    return bool(words) and len(words[-1]) >= 3 and regex.search(
        rf"(?<!\w){regex.escape(words[-1])}(?!\w)(?!\s+\p{{Lu}})", paragraph) is not None


def _after_credits(page: "_Page", k: int, end: int, config: SplitConfig, most: int = 2) -> int:
    """The first paragraph from `k` on that is not one of at most `most` credit lines.

    Mid-page, a credit is at most three words ("Tổng hợp", "Dân Việt", "Báo Tin Tức"): a line
    of four words before a lead is more likely the next article's title ("Tầm soát ung thư")."""
    first = k
    while (k < end - 1 and k - first < most and page.paras[k].count(" ") < 3 and _is_credit(page.paras[k], config)
           and not _is_signoff(page.paras[k + 1])):
        k += 1
    return k


def _is_credit(line: str, config: SplitConfig) -> bool:
    """A few words with no sentence punctuation: a credit line, not an article."""
    return line.count(" ") < config.max_credit_words and not line.endswith(_NOT_TITLE_ENDS + ("!", "?"))


def _fill(part: Part, page: _Page, config: SplitConfig, index: int, titled: bool | None) -> None:
    """Title, body and teaser status of one part; `titled` is None when not known yet."""
    chunk = page.paras[part.start : part.end]
    if titled is None:
        titled = is_title_shaped(chunk[0], config)
    doubled = titled and len(chunk) >= 2 and chunk[0] == chunk[1]
    if doubled:
        chunk = chunk[:1] + chunk[2:]
    if titled and len(chunk) >= 2:
        part.title, part.body = chunk[0], chunk[1:]
    elif len(chunk) == 1 and page.truncated(part.start) and (fused := split_fused(chunk[0], config)):
        part.title, part.body = fused[0], [fused[1]]
    else:
        part.body = chunk
    if not part.body:
        part.teaser = "title-only"
    elif page.truncated(part.end - 1) and sum(p.count(" ") + 1 for p in part.body) < config.teaser_words:
        part.teaser = "truncated"  # short and cut off: a teaser; a long article may end in "..."
    elif index > 0 and part.title is not None and len(part.body) == 1 and not part.ended_by_rule:
        part.teaser = "card"
    elif doubled and len(part.body) <= 2 and not part.ended_by_rule:
        part.teaser = "card"


# --- documents ---------------------------------------------------------------------------


def article_docs(doc: Doc, result: SplitResult) -> list[Doc]:
    """One document per part; the parent's metadata is carried over, `boundaries` consumed.

    Values captured at boundaries (the source) belong to the part they end, values captured
    inside a part (a byline) to that part; on a page with such values, a part without its
    own does not inherit another part's.
    """
    base = dict(doc.metadata)
    base.pop("boundaries", None)
    for part in result.parts:
        for key in part.values:
            base.pop(key, None)
    docs = []
    for number, part in enumerate(result.parts):
        metadata = {**base, **part.values, "title": part.title, "parent_id": doc.id, "part": number}
        if result.credit is not None and number == len(result.parts) - 1:
            metadata["credit"] = result.credit
        if part.teaser:
            metadata["teaser"] = True
            metadata["teaser_reason"] = part.teaser
        docs.append(Doc(f"{doc.id}#{number}", "\n".join(part.body), metadata))
    return docs


def split(
    docs: Iterable[Doc],
    config: SplitConfig = SplitConfig(),
    stats: Stats | None = None,
    on_result: Callable[[Doc, SplitResult, list[Doc]], None] | None = None,
) -> Iterator[Doc]:
    """Split a document stream into articles; teasers are dropped unless kept by config."""
    stats = stats if stats is not None else Stats()
    counts = {"documents": 0, "articles": 0, "teasers": 0, "teasers_dropped": 0, "empty": 0}
    try:
        for doc in docs:
            counts["documents"] += 1
            result = find_parts(doc.text, doc.metadata.get("boundaries"), config)
            articles = article_docs(doc, result)
            if on_result is not None:
                on_result(doc, result, articles)
            if not articles:
                counts["empty"] += 1
            for article in articles:
                if article.metadata.get("teaser"):
                    counts["teasers"] += 1
                    if not config.keep_teasers:
                        counts["teasers_dropped"] += 1
                        continue
                else:
                    counts["articles"] += 1
                yield article
    finally:
        for key, amount in counts.items():
            if amount:
                stats.add("split", key, amount)


def report(doc: Doc, result: SplitResult, articles: list[Doc]) -> dict:
    """Per-input counts for `--report`."""
    teasers = sum(1 for a in articles if a.metadata.get("teaser"))
    record = {"id": doc.id, "articles": len(articles) - teasers, "teasers": teasers,
              "parts": [{"part": n, "reason": p.reason, "title": p.title, "teaser": p.teaser} for n, p in enumerate(result.parts)]}
    if result.kept_inside:
        record["kept_inside"] = [{"line": result.paragraphs[j], "reason": why} for j, why in result.kept_inside]
    if result.credit is not None:
        record["credit"] = result.credit
    return record


def explain(doc: Doc, result: SplitResult) -> str:
    """Each part with the reason its boundary was placed; `T` marks a title, `=` its copy."""
    teasers = sum(1 for p in result.parts if p.teaser)
    out = [f"== {doc.id}: {len(result.parts) - teasers} article(s), {teasers} teaser(s)"]
    for number, part in enumerate(result.parts):
        kind = f"teaser ({part.teaser})" if part.teaser else "article"
        extra = f" {part.values}" if part.values else ""
        out.append(f"---- part {number}: {kind}; starts here because: {part.reason}{extra}")
        chunk = result.paragraphs[part.start : part.end]
        if part.title is not None:
            out.append(f"T {part.title}")
            if len(chunk) > 1 and chunk[1] == part.title:
                out.append(f"= {part.title}")
        inside = dict(result.kept_inside)
        for offset, para in enumerate(part.body):
            index = part.end - len(part.body) + offset
            out.append(f"S {para}    <- {inside[index]}" if index in inside else f"  {para}")
    if result.credit is not None:
        out.append(f"C {result.credit}    <- credit line after the last article's end: metadata.credit")
    return "\n".join(out)
