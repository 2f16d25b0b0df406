"""`corpuskit report`: one self-contained HTML page showing what a run did.

A rule author with 50,000 pages cannot read JSON side files, so the report reads what a
run left — the `--stats` files of every step, strip's `--removed` audit, split's `--report`,
the filter's `--rejected` file, the exported dataset — and draws it: the funnel from pages to
exported documents, removals per rule and per site with samples linked to the rule's
`file.yaml:LINE`, split decisions by reason with examples, the filter's drops, the length
distribution of the exported documents, and pages marked up line by line (removed lines
and spans by rule, article boundaries with their reason).

Every input is read once, streaming; what is shown of it is a bounded, seeded sample
(reservoir sampling), so the page stays a few hundred KB whether the run saw a thousand
pages or a million, and the page says what was sampled. Charts are inline SVG written
here: no JavaScript, no network, the file opens from disk and prints.
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import html
import json
import os
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote, urlparse

import orjson

from corpuskit import __version__
from corpuskit.doc import Doc
from corpuskit.errors import DataError, UsageError


@dataclass(frozen=True)
class ReportConfig:
    """How much of each input the page shows (samples are reservoirs, seeded: the same run
    gives the same page)."""

    samples_per_rule: int = 5
    examples_per_reason: int = 4
    sample_pages: int = 8
    max_page_lines: int = 250
    top_rules: int = 40
    top_sites: int = 12
    seed: int = 0


@dataclass
class ReportInputs:
    stats: list[str] = field(default_factory=list)
    removed: str | None = None
    split_report: str | None = None
    rejected: str | None = None
    dataset: str | None = None
    pages: str | None = None  # the documents strip read (e.g. normalize's output), for the page views
    rules: list[str] = field(default_factory=list)  # rule files: their file:line, and the page views
    doc_ids: list[str] = field(default_factory=list)
    duplicates: str | None = None  # dedup's --duplicates file

    def files(self) -> list[str]:
        out = [*self.stats, *(p for p in (self.removed, self.split_report, self.rejected, self.pages, self.duplicates) if p)]
        return out + ([self.dataset] if self.dataset else [])


class Reservoir:
    """A uniform sample of at most `size` items from a stream of unknown length."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size, self.rng, self.seen, self.items = size, rng, 0, []

    def add(self, item) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            slot = self.rng.randrange(self.seen)
            if slot < self.size:
                self.items[slot] = item


def sample_of(samples: dict[str, Reservoir], key: str, size: int, rng: random.Random) -> Reservoir:
    """The reservoir kept for `key` (a rule, a reason, a filter), made on first use."""
    reservoir = samples.get(key)
    if reservoir is None:
        reservoir = samples[key] = Reservoir(size, rng)
    return reservoir


def read_jsonl(path: str) -> Iterator[tuple[int, dict]]:
    """(line number, record) of a JSON-lines side file; a bad line is a DataError naming
    file:line."""
    from corpuskit.io import open_binary

    try:
        handle = open_binary(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                try:  # corpuskit escapes a lone surrogate (\udc80): valid JSON that orjson refuses
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    raise DataError(f"{path}:{number}: malformed JSON line") from None
            if not isinstance(record, dict):
                raise DataError(f"{path}:{number}: expected a JSON object")
            yield number, record


def site_of(doc_id: str) -> str:
    """The site of a page whose removal record names none (strip writes `site` from
    metadata.url or metadata.site): the host of a URL id, else the folder of a path id
    (scrapes are usually saved one folder per site)."""
    page = doc_id.split("#", 1)[0]
    if "://" in page:
        return urlparse(page).netloc or page
    parent = Path(page).parent.name
    return parent or "(no folder)"


# --- collecting ---------------------------------------------------------------------------


def load_stats(paths: Iterable[str]) -> dict:
    from corpuskit.export import load_pipeline_stats

    return load_pipeline_stats(paths)


@dataclass
class Removals:
    per_rule: Counter = field(default_factory=Counter)
    per_site: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    pages_per_site: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    samples: dict[str, Reservoir] = field(default_factory=dict)
    total: int = 0


def _shape_error(path: str, number: int, what: str, exc: Exception) -> DataError:
    return DataError(f"{path}:{number}: not a {what} record as corpuskit writes it ({type(exc).__name__}: {exc})")


SHAPE_ERRORS = (TypeError, ValueError, AttributeError, KeyError)


def collect_removals(path: str, config: ReportConfig, rng: random.Random) -> Removals:
    out = Removals()
    pages_seen: dict[str, set] = out.pages_per_site
    for number, record in read_jsonl(path):
        try:
            _add_removal(out, pages_seen, record, config, rng)
        except SHAPE_ERRORS as exc:
            raise _shape_error(path, number, "--removed", exc) from None
    return out


def _add_removal(out: Removals, pages_seen: dict, record: dict, config: ReportConfig, rng: random.Random) -> None:
    rule, doc_id = str(record.get("rule", "?")), str(record.get("id", "?"))
    site = str(record["site"]) if record.get("site") else site_of(doc_id)
    out.total += 1
    out.per_rule[rule] += 1
    out.per_site[site][rule] += 1
    if len(pages_seen[site]) < 100_000:  # a count of pages, bounded in memory
        pages_seen[site].add(doc_id)
    sample_of(out.samples, rule, config.samples_per_rule, rng).add((doc_id, record.get("line"), str(record.get("text", ""))[:300], record.get("kind", "line")))


@dataclass
class SplitDecisions:
    pages: int = 0
    articles: int = 0
    teasers: int = 0
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, Reservoir] = field(default_factory=dict)
    kept_inside: int = 0
    kept_examples: Reservoir | None = None
    page_ids: Reservoir | None = None
    # The decisions nearest their thresholds: (margin, order, decision, page, line, evidence).
    uncertain: list = field(default_factory=list)
    seen: int = 0


REVIEW_QUEUE = 15
_CONTINUITY = re.compile(r"continuity (-?[0-9.]+)")
_DEPTH = re.compile(r"depth (-?[0-9.]+)")


def decision_margin(reason: str) -> float | None:
    """How far a continuity-based decision was from flipping: the smallest distance of its
    continuity (or depth) to the threshold it was compared with; None for a decision that
    no measure decided (a rule, a doubled title).

    >>> decision_margin("sub-heading (continuity 0.17 ≥ 0.16)"), decision_margin("rule:source-theo")
    (0.01, None)
    """
    from corpuskit.split import SplitConfig

    defaults = SplitConfig()
    found = _CONTINUITY.search(reason)
    if found is None:
        return None
    margins = [abs(float(found.group(1)) - defaults.continuity)]
    depth = _DEPTH.search(reason)
    if depth is not None:
        margins.append(abs(float(depth.group(1)) - defaults.continuity_depth))
    return round(min(margins), 4)


def _queue(out: SplitDecisions, what: str, doc_id: str, line: str, reason: str) -> None:
    margin = decision_margin(reason)
    if margin is None:
        return
    out.seen += 1
    entry = (margin, out.seen, what, doc_id, line[:160], reason)
    if len(out.uncertain) < REVIEW_QUEUE:
        heapq.heappush(out.uncertain, (-margin, out.seen, entry))
    elif -out.uncertain[0][0] > margin:
        heapq.heapreplace(out.uncertain, (-margin, out.seen, entry))


def explain_reason(reason: str) -> str:
    """A split reason with its measures in words.

    >>> explain_reason("sub-heading (continuity 0.279 ≥ 0.16, depth -0.091 < 0.12)")
    'sub-heading (continuity 0.279 ≥ 0.16, depth -0.091 < 0.12): the words before and after the line overlap (continuity 0.279, at least 0.16 keeps the line inside the article); the line sits in no dip of continuity (depth -0.091: negative means the text flows more smoothly across it than inside its neighbours)'
    """
    notes = []
    found = _CONTINUITY.search(reason)
    if found:
        value = float(found.group(1))
        notes.append(f"the words before and after the line {'overlap' if value >= 0.16 else 'share little'} "
                     f"(continuity {value:g}, at least 0.16 keeps the line inside the article)")
    depth = _DEPTH.search(reason)
    if depth:
        value = float(depth.group(1))
        if value < 0:
            notes.append(f"the line sits in no dip of continuity (depth {value:g}: negative means the text flows "
                         "more smoothly across it than inside its neighbours)")
        else:
            notes.append(f"continuity dips at the line by {value:g} (a dip of 0.12 or more marks a new topic)")
    return f"{reason}: {'; '.join(notes)}" if notes else reason


SPLIT_TERMS = (
    "<details class=terms><summary>What the terms mean</summary><dl>"
    "<dt>title+lead</dt><dd>a title-shaped line (short, no final full stop) followed by a lead paragraph starts a new "
    "article; the signals found are listed (dateline, headline length, truncated lead).</dd>"
    "<dt>signoff</dt><dd>an author's name alone on a line ends an article when the text after it changes topic.</dd>"
    "<dt>rule:NAME</dt><dd>a strip rule marked the line as the end (a credit such as <i>Theo TNO</i>) or start of an "
    "article.</dd>"
    "<dt>continuity</dt><dd>how much the content words of up to four paragraphs before a line overlap those after it "
    "(cosine similarity, 0 to 1). Below 0.16 the topic changed: a new article. At or above it, the line is a "
    "sub-heading kept inside the article, unless continuity dips there.</dd>"
    "<dt>depth</dt><dd>how much lower the continuity across the line is than inside the text on either side "
    "(TextTiling's depth score). A dip of 0.12 or more marks a new topic even at moderate continuity; a negative depth "
    "means the text flows more smoothly across the line than within its neighbours, so the line is no boundary.</dd>"
    "<dt>teaser</dt><dd>a part that only points to another article: <i>truncated</i> (it ends mid-sentence or with "
    "…), <i>card</i> (a title and one short paragraph, as in a list of related stories) or <i>title-only</i>. Teasers "
    "are dropped unless split runs with --keep-teasers.</dd>"
    "<dt>sub-heading</dt><dd>a title-shaped line kept inside its article because the topic goes on across it.</dd>"
    "</dl></details>"
)


def reason_kind(reason: str) -> str:
    """`title+lead (headline-long, …)` → `title+lead`; `rule:x` stays; evidence is dropped."""
    return reason.split(" (", 1)[0].strip()


def collect_split(path: str, config: ReportConfig, rng: random.Random) -> SplitDecisions:
    out = SplitDecisions(kept_examples=Reservoir(config.examples_per_reason, rng), page_ids=Reservoir(config.sample_pages, rng))
    for number, record in read_jsonl(path):
        try:
            _add_split_record(out, record, config, rng)
        except SHAPE_ERRORS as exc:
            raise _shape_error(path, number, "split --report", exc) from None
    return out


def _add_split_record(out: SplitDecisions, record: dict, config: ReportConfig, rng: random.Random) -> None:
    out.pages += 1
    out.articles += int(record.get("articles") or 0)
    out.teasers += int(record.get("teasers") or 0)
    doc_id = str(record.get("id", "?"))
    out.page_ids.add(doc_id)
    for part in record.get("parts") or []:
        if not isinstance(part, dict) or part.get("reason") == "start":
            continue
        kind = reason_kind(str(part.get("reason")))
        if part.get("teaser"):
            kind += f" → teaser ({part['teaser']})"
        out.reasons[kind] += 1
        sample_of(out.examples, kind, config.examples_per_reason, rng).add((doc_id, part.get("title"), str(part.get("reason"))))
        _queue(out, "cut: a new article", doc_id, str(part.get("title") or ""), str(part.get("reason")))
    for inside in record.get("kept_inside") or []:
        out.kept_inside += 1
        out.kept_examples.add((doc_id, str(inside.get("line", ""))[:200], str(inside.get("reason", ""))))
        _queue(out, "kept inside: a sub-heading", doc_id, str(inside.get("line", "")), str(inside.get("reason", "")))


@dataclass
class Rejections:
    per_filter: Counter = field(default_factory=Counter)
    per_lang: Counter = field(default_factory=Counter)
    samples: dict[str, Reservoir] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    total: int = 0


def collect_rejected(path: str, config: ReportConfig, rng: random.Random) -> Rejections:
    out = Rejections()
    for number, record in read_jsonl(path):
        try:
            _add_rejected(out, record, config, rng)
        except SHAPE_ERRORS as exc:
            raise _shape_error(path, number, "--rejected", exc) from None
    return out


def _add_rejected(out: Rejections, record: dict, config: ReportConfig, rng: random.Random) -> None:
    meta = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    why = meta.get("rejected") if isinstance(meta.get("rejected"), dict) else {}
    name = str(why.get("filter", "?"))
    out.total += 1
    out.per_filter[name] += 1
    out.per_lang[str(meta.get("lang"))] += 1
    out.where.setdefault(name, str(why.get("where", "")))
    reason = why.get("reason") or f"value {why.get('value')} (threshold {why.get('threshold')})"
    sample_of(out.samples, name, config.samples_per_rule, rng).add((str(record.get("id", "?")), str(reason), str(record.get("text", ""))[:240]))


@dataclass
class Copies:
    """What dedup dropped: per level, the clusters (by the copy kept), copies per site."""

    per_level: Counter = field(default_factory=Counter)
    clusters: Counter = field(default_factory=Counter)  # kept id → copies dropped in its place
    per_site: Counter = field(default_factory=Counter)
    kept_site: dict = field(default_factory=dict)
    samples: dict[str, Reservoir] = field(default_factory=dict)
    total: int = 0


def collect_duplicates(path: str, config: ReportConfig, rng: random.Random) -> Copies:
    out = Copies()
    for number, record in read_jsonl(path):
        try:
            level = str(record.get("level") or record.get("kind") or "?")
            out.total += 1
            out.per_level[level] += 1
            kept = record.get("duplicate_of")
            if kept is not None:
                out.clusters[str(kept)] += 1
                out.kept_site.setdefault(str(kept), record.get("kept_site"))
            out.per_site[str(record.get("site") or "(unknown site)")] += 1
            sample_of(out.samples, level, config.samples_per_rule, rng).add(
                (str(record.get("id", "?")), None if kept is None else str(kept), record.get("similarity")))
        except SHAPE_ERRORS as exc:
            raise _shape_error(path, number, "dedup --duplicates", exc) from None
        if len(out.clusters) > 2_000_000:  # bounded: the smallest clusters are forgotten
            out.clusters = Counter(dict(out.clusters.most_common(100_000)))
    return out


LENGTH_BUCKETS = (10, 25, 50, 100, 200, 400, 800, 1600, 3200, 6400)


def collect_lengths(dataset: str) -> tuple[Counter, int, str]:
    """Words per exported document, bucketed, from the Parquet (or Arrow) files, reading
    only the text column in batches; and a note on what was read."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    folder = Path(dataset)
    parquet = sorted(folder.glob("data/*.parquet"))
    arrow = sorted(p for p in folder.rglob("*.arrow"))
    if parquet:
        batches = ds.dataset([str(p) for p in parquet], format="parquet").to_batches(columns=["text"], batch_size=8192)
    elif arrow:
        batches = _arrow_text_batches(arrow)
    else:
        raise UsageError(f"{dataset}: no Parquet or Arrow files found (is it a folder written by corpuskit export?)")
    counts: Counter = Counter()
    total = 0
    for batch in batches:
        words = pc.list_value_length(pc.utf8_split_whitespace(batch.column(0))).fill_null(0).to_pylist()
        total += len(words)
        for n in words:
            counts[next((b for b in LENGTH_BUCKETS if n < b), -1)] += 1
    return counts, total, f"{len(parquet) or len(arrow)} file(s)"


def _arrow_text_batches(paths: list[Path]) -> Iterator:
    """The text column of `save_to_disk` files: Arrow IPC *streams* (datasets writes them
    so), read batch by batch; an IPC file is read as such."""
    import pyarrow as pa

    for path in paths:
        try:
            reader = pa.ipc.open_stream(str(path))
        except pa.ArrowInvalid:
            reader = pa.ipc.open_file(str(path))
            for index in range(reader.num_record_batches):
                batch = reader.get_batch(index)
                yield batch.select(["text"])
            continue
        for batch in reader:
            yield batch.select(["text"])


# --- page views -----------------------------------------------------------------------------


@dataclass
class PageView:
    doc_id: str
    lines: list[tuple[str, str | None, list[tuple[str, str]]]]  # (text, rule removing the line, [(rule, span)])
    boundaries: dict[int, tuple[str, str | None, str | None]]  # line index → (reason, title, teaser)
    dropped_by: str | None = None
    truncated: int = 0
    subheadings: dict[int, str] = field(default_factory=dict)  # line index → why it stayed inside its article


def page_views(pages_path: str, wanted: set[str], sample: Reservoir | None, rule_paths: list[str],
               config: ReportConfig) -> tuple[list[PageView], list[str]]:
    """Re-run strip and split on the chosen pages (the sampled ones and those asked for),
    so that every mark on the page is exactly what the rules do."""
    from corpuskit.io import read_documents
    from corpuskit.rules import default_rules_dir, load_rules
    from corpuskit.split import SplitConfig, find_parts
    from corpuskit.strip import strip

    files = load_rules(rule_paths or [str(default_rules_dir())])
    chosen_sample = set(sample.items) if sample is not None else set()
    docs: dict[str, Doc] = {}
    reservoir = Reservoir(config.sample_pages, random.Random(config.seed)) if sample is None else None
    for doc in read_documents([pages_path]):
        if doc.id in wanted or doc.id in chosen_sample:
            docs[doc.id] = doc
        elif reservoir is not None:
            reservoir.add(doc.id)
            if doc.id in reservoir.items:
                docs[doc.id] = doc
        if reservoir is not None and len(docs) > 4 * config.sample_pages + len(wanted):
            keep = set(reservoir.items) | wanted
            docs = {k: v for k, v in docs.items() if k in keep}
    order = [i for i in wanted if i in docs] + sorted(i for i in docs if i not in wanted and
                                                     (reservoir is None or i in reservoir.items))
    missing = [i for i in wanted if i not in docs]
    results: dict[str, object] = {}
    for _ in strip((docs[i] for i in order), files, on_result=lambda doc, result: results.__setitem__(doc.id, result)):
        pass
    views = []
    for doc_id in order:
        result = results.get(doc_id)
        if result is None:
            continue
        views.append(_page_view(docs[doc_id], result, find_parts, SplitConfig(), config))
    return views, missing


def _page_view(doc: Doc, result, find_parts, split_config, config: ReportConfig) -> PageView:
    removed_line: dict[int, str] = {}
    spans: dict[int, list[tuple[str, str]]] = defaultdict(list)
    dropped_by = None
    for removal in result.removals:
        if removal.kind == "document":
            dropped_by = removal.rule
        elif removal.kind == "span" and removal.line:
            spans[removal.line].append((removal.rule, removal.text))
        elif removal.line:
            removed_line.setdefault(removal.line, removal.rule)
    raw_lines = doc.text.split("\n")
    lines = [(text, removed_line.get(n), spans.get(n, [])) for n, text in enumerate(raw_lines, 1)]
    boundaries: dict[int, tuple[str, str | None, str | None]] = {}
    subheadings: dict[int, str] = {}
    if result.doc is not None:
        parts = find_parts(result.doc.text, result.doc.metadata.get("boundaries"), split_config)
        paragraphs = parts.paragraphs
        kept = [i for i, (text, rule, _) in enumerate(lines) if rule is None and text.strip()]

        def line_of(paragraph: int, cursor: int) -> int | None:
            target = paragraphs[paragraph].strip()[:40]
            probe = cursor
            while probe < len(kept) and target not in lines[kept[probe]][0]:
                probe += 1
            return probe if probe < len(kept) else None

        cursor = 0
        for part in parts.parts:
            if part.start >= len(paragraphs):
                continue
            probe = line_of(part.start, cursor)
            if probe is not None:
                cursor = probe
                boundaries[kept[probe]] = (part.reason, part.title, part.teaser)
        for paragraph, why in parts.kept_inside:
            probe = line_of(paragraph, 0) if paragraph < len(paragraphs) else None
            if probe is not None:
                subheadings[kept[probe]] = why
    truncated = max(0, len(lines) - config.max_page_lines)
    return PageView(doc.id, lines[: config.max_page_lines], boundaries, dropped_by, truncated, subheadings)


# --- drawing ----------------------------------------------------------------------------------

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#17becf")


def colour(name: str) -> str:
    """A stable colour per rule or filter name (the same in every report)."""
    return PALETTE[int(hashlib.md5(name.encode()).hexdigest()[:6], 16) % len(PALETTE)]


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def svg_bars(rows: list[tuple[str, float, str]], unit: str = "", label_width: int = 210, width: int = 640,
             title: str = "") -> str:
    """Horizontal bars, one per row (label, value, colour): scales to its container."""
    if not rows:
        return "<p class=muted>Nothing to draw.</p>"
    top = max(value for _, value, _ in rows) or 1
    bar_h, gap = 22, 6
    height = len(rows) * (bar_h + gap) + gap
    room = width - label_width - 90
    parts = [f'<svg class=chart viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>']
    for i, (label, value, fill) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.0, room * value / top) if value else 0
        shown = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" class=lbl>{esc(shown)}</text>'
                     f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{fill}">'
                     f'<title>{esc(label)}: {value:,.0f}{unit}</title></rect>'
                     f'<text x="{label_width + w + 6:.1f}" y="{y + 15}" class=val>{value:,.0f}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """
:root{--fg:#1d232a;--muted:#5f6b76;--line:#dde3e8;--bg:#fff;--soft:#f5f7f9}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 20px;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{margin:0 0 4px;font-size:22px}main{max-width:1180px;margin:0 auto;padding:8px 20px 40px}
nav{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:8px}nav a{color:#2a5d9f;text-decoration:none}
section{margin-top:26px}h2{font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}.muted{color:var(--muted)}.chart{width:100%;max-width:760px;height:auto;display:block}
.chart .lbl{font-size:12px;fill:#333}.chart .val{font-size:11px;fill:#444}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fff}.card b{display:block;font-size:20px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}td.n,th.n{text-align:right;white-space:nowrap}code{font-size:13px;background:var(--soft);padding:0 3px;border-radius:3px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
details{margin:4px 0}summary{cursor:pointer}ul.samples{margin:4px 0 8px;padding-left:20px;font-size:13px}ul.samples li{margin:2px 0;word-break:break-word}
.page{border:1px solid var(--line);border-radius:8px;margin:14px 0;overflow:hidden}
.page h3{margin:0;padding:8px 12px;background:var(--soft);font-size:14px;word-break:break-all}
.ln{display:grid;grid-template-columns:3.2em 1fr;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
.ln .no{color:#9aa5ae;text-align:right;padding-right:8px;user-select:none}.ln .tx{white-space:pre-wrap;word-break:break-word;padding-right:8px}
.ln.rm .tx{text-decoration:line-through;text-decoration-color:rgba(0,0,0,.45)}
.tag{display:inline-block;font:11px/1.6 system-ui,sans-serif;color:#fff;border-radius:3px;padding:0 5px;margin-right:6px;text-decoration:none;vertical-align:1px}
mark.sp{border-radius:2px;padding:0 2px}
.cut{font:12px/1.6 system-ui,sans-serif;background:#1d232a;color:#fff;padding:3px 10px}
.cut.teaser{background:#8a5a00}.tag.keep{background:#2e7d32}.ln.sh .tx{font-weight:600}
details.terms{margin:8px 0 12px}details.terms dt{font-weight:600;margin-top:6px}details.terms dd{margin:0 0 0 16px}
.legend{font-size:13px;margin:6px 0}.legend span{margin-right:12px;white-space:nowrap}
@media (max-width:600px){main{padding:4px 10px 30px}header{padding:12px}.ln{grid-template-columns:2.4em 1fr;font-size:12px}th,td{padding:4px 5px}}
@media print{nav{display:none}}
"""


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    cells = "".join(f'<th{" class=n" if i in numeric else ""}>{h}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{c}</td>' for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f'<div class=scroll><table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table></div>'


def funnel_rows(stats: dict) -> list[tuple[str, float, str]]:
    """The run's stages in documents (pages before split, articles after)."""
    read = stats.get("read", {})
    split = stats.get("split", {})
    filt = stats.get("filter", {})
    export = stats.get("export", {})
    rows: list[tuple[str, float, str]] = []
    extract = stats.get("extract", {})
    if extract:
        rows.append(("web pages (HTML records)", extract.get("pages", 0), "#76b7b2"))
        failed = sum(extract.get(key, 0) for key in ("no_text", "timeout", "error"))
        rows.append(("pages without an article", failed, "#e15759"))
    pages = split.get("documents") or read.get("documents") or extract.get("documents")
    if pages is not None:
        rows.append(("pages read", pages, "#4e79a7"))
    if stats.get("strip", {}).get("documents_dropped"):
        rows.append(("pages dropped by strip", stats["strip"]["documents_dropped"], "#e15759"))
    if split:
        rows.append(("articles found", split.get("articles", 0), "#59a14f"))
        rows.append(("teasers dropped", split.get("teasers_dropped", 0), "#e15759"))
    if filt:
        rows.append(("dropped by filters", filt.get("documents_dropped", 0), "#e15759"))
        rows.append(("kept by filters", filt.get("documents_kept", 0), "#59a14f"))
    dedup = stats.get("dedup", {})
    if dedup:
        rows.append(("copies removed", dedup.get("exact_duplicates", 0) + dedup.get("near_duplicates", 0), "#e15759"))
        if dedup.get("contaminated"):
            rows.append(("overlapping evaluation sets", dedup["contaminated"], "#e15759"))
    if export:
        rows.append(("exported", export.get("documents_out", 0), "#4e79a7"))
    return rows


def token_table(stats: dict) -> list[list[str]]:
    """Words and tokens at each stage that counted them (filter in and kept, export)."""
    from corpuskit.tokens import per_word

    rows = []
    counts = stats.get("filter_tokens", {})
    name = next(iter(stats.get("filter_tokenizer", {})), "")
    for label, suffix in (("filter: documents in", "in"), ("filter: documents kept", "kept")):
        if f"words_{suffix}" in counts:
            words, tokens = counts[f"words_{suffix}"], counts.get(f"tokens_{suffix}")
            rows.append([label, f"{words:,}", f"{tokens:,}" if tokens is not None else "–", esc(name) or "–",
                         per_word(tokens, words) if tokens is not None else "–"])
    export = stats.get("export", {})
    if "words" in export:
        tokens = export.get("tokens")
        name = next(iter(stats.get("export_tokenizer", {})), "")
        rows.append(["exported", f"{export['words']:,}", f"{tokens:,}" if tokens is not None else "–", esc(name) or "–",
                     per_word(tokens, export["words"]) if tokens is not None else "–"])
    return rows


def rule_locations(rule_paths: list[str]) -> dict[str, str]:
    from corpuskit.rules import default_rules_dir, load_rules

    where: dict[str, str] = {"blank-lines": "(strip: blank lines a removal leaves doubled)"}
    try:
        files = load_rules(rule_paths or [str(default_rules_dir())])
    except UsageError:
        return where
    for rule_file in files:
        for rule in rule_file.rules:
            where.setdefault(rule.id, rule.source)
    return where


def _shown_path(path: str) -> str:
    """A path as the page shows it: relative to the working folder, never absolute."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path


def _link(where: str, base: str | None = None) -> str:
    """A file.yaml:LINE reference as a link that opens the file (the line is in the text).

    The link is relative to the report's own folder (`base`), so that the page still works
    when its run folder is moved or shared with the rule files beside it; the text shown is
    the path relative to the working folder."""
    if not where or where.startswith("("):
        return esc(where)
    path, _, line = where.rpartition(":")
    if not path:
        return f"<code>{esc(where)}</code>"
    target = Path(path).resolve()
    try:
        href = quote(os.path.relpath(target, Path(base or ".").resolve()).replace(os.sep, "/"))
    except ValueError:  # another drive (Windows)
        href = target.as_uri()
    shown = where
    try:  # shorter and the same on every machine: relative to the working folder when inside it
        shown = f"{os.path.relpath(target)}:{line}"
    except ValueError:
        pass
    return f'<a href="{esc(href)}"><code>{esc(shown)}</code></a>'


def render(title: str, stats: dict, removals: Removals | None, decisions: SplitDecisions | None,
           rejections: Rejections | None, lengths: tuple[Counter, int, str] | None, views: list[PageView],
           missing: list[str], locations: dict[str, str], config: ReportConfig, sources: list[str],
           copies: Copies | None = None, base: str | None = None) -> str:
    out: list[str] = []
    add = out.append
    add(f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>")
    add(f"<header><h1>{esc(title)}</h1><div class=muted>corpuskit {__version__} report, written "
        f"{datetime.date.today().isoformat()} from: {', '.join(f'<code>{esc(_shown_path(s))}</code>' for s in sources) or 'nothing'}</div>"
        "<nav><a href=#funnel>Funnel</a><a href=#rules>Rules</a><a href=#sites>Sites</a><a href=#split>Split</a>"
        "<a href=#filter>Filter</a><a href=#lengths>Lengths</a><a href=#pages>Pages</a></nav></header><main>")

    # funnel
    add("<section id=funnel><h2>Funnel</h2>")
    strip_counts = stats.get("strip", {})
    cards = []
    if strip_counts:
        cards.append(("lines in", strip_counts.get("lines_in", 0)))
        cards.append(("lines removed", strip_counts.get("lines_removed", 0)))
        cards.append(("spans removed", strip_counts.get("spans_removed", 0)))
    export = stats.get("export", {})
    if export:
        cards.append(("documents exported", export.get("documents_out", 0)))
    if cards:
        add("<div class=cards>" + "".join(f"<div class=card data-k=\"{esc(k)}\"><b>{v:,}</b>{esc(k)}</div>" for k, v in cards) + "</div>")
    rows = funnel_rows(stats)
    if stats.get("extract"):
        from corpuskit.export import extract_lines

        add(f"<p class=extract>{esc(extract_lines(stats)[0].removeprefix('- extract: '))}. A page without an article is one "
            "where the extractor found no body text, ran past its time limit or failed; a skipped record is an archive "
            "record that is not an HTML page (requests, images, redirects, metadata).</p>")
    add(svg_bars(rows, title="documents at each stage") if rows else "<p class=muted>No --stats files given.</p>")
    if rows:
        add(_table(["stage", "documents"], [[esc(k), f"{int(v):,}"] for k, v, _ in rows], {1}))
    token_rows = token_table(stats)
    if token_rows:
        add("<h3>Words and tokens</h3><p class=muted>Words are whitespace words (syllables in Vietnamese); tokens are "
            "counted by the tokenizer named, where one was given (--tokenizer).</p>")
        add(_table(["stage", "words", "tokens", "tokenizer", "tokens per word"], token_rows, {1, 2, 4}))
    add("</section>")

    # rules
    add("<section id=rules><h2>Removals per rule</h2>")
    per_rule = removals.per_rule if removals is not None else Counter(stats.get("strip_rules", {}))
    if per_rule:
        total = sum(per_rule.values())
        top = per_rule.most_common(config.top_rules)
        add(f"<p>{total:,} lines and spans removed by {len(per_rule)} rules"
            + (f"; the {len(top)} most active are drawn." if len(top) < len(per_rule) else ".") + "</p>")
        add(svg_bars([(r, n, colour(r)) for r, n in top], title="lines removed per rule"))
        table_rows = []
        for rule, n in top:
            samples = removals.samples.get(rule) if removals is not None else None
            sample_html = ""
            if samples is not None and samples.items:
                items = "".join(f"<li><code>{esc(d)}</code>{':' + esc(line) if line else ''} — {esc(text)}</li>"
                                for d, line, text, _ in samples.items)
                sample_html = f"<details><summary>{len(samples.items)} of {samples.seen:,} sampled</summary><ul class=samples>{items}</ul></details>"
            table_rows.append([f'<span class=sw style="background:{colour(rule)}"></span><code>{esc(rule)}</code>',
                               _link(locations.get(rule, ""), base), f"{n:,}", f"{100 * n / total:.1f}%", sample_html])
        add(_table(["rule", "defined at", "removed", "share", "sample of what it removed"], table_rows, {2, 3}))
    else:
        add("<p class=muted>No removals (give --removed or strip's --stats).</p>")
    add("</section>")

    # sites
    add("<section id=sites><h2>Removals per site</h2>")
    if removals is not None and removals.per_site:
        sites = sorted(removals.per_site.items(), key=lambda kv: -sum(kv[1].values()))[: config.top_sites]
        add("<p class=muted>Site: the host of the page's metadata.url, else its metadata.site, else the host of a URL id or the folder of the page's path.</p>")
        add(svg_bars([(s, sum(c.values()), "#76b7b2") for s, c in sites], title="lines removed per site"))
        add(_table(["site", "pages with removals", "removed", "top rules"],
                   [[esc(s), f"{len(removals.pages_per_site[s]):,}", f"{sum(c.values()):,}",
                     ", ".join(f"<code>{esc(r)}</code> {n:,}" for r, n in c.most_common(5))] for s, c in sites], {1, 2}))
    else:
        add("<p class=muted>Give strip's --removed file to see removals per site.</p>")
    add("</section>")

    # split
    add("<section id=split><h2>Split decisions</h2>")
    if decisions is not None:
        add(f"<p>{decisions.pages:,} pages → {decisions.articles:,} articles and {decisions.teasers:,} teasers; "
            f"{decisions.kept_inside:,} title-shaped lines kept inside their article (sub-headings).</p>")
        add(SPLIT_TERMS)
        reasons = decisions.reasons.most_common()
        add(svg_bars([(r, n, colour(r)) for r, n in reasons], title="boundaries per reason"))
        rows_html = []
        for reason, n in reasons:
            ex = decisions.examples[reason].items
            items = "".join(f"<li><code>{esc(d)}</code> — {esc(t) if t else '<i>no title</i>'}"
                            f"<br><span class=muted>{esc(full)}</span></li>" for d, t, full in ex)
            rows_html.append([f"<code>{esc(reason)}</code>", f"{n:,}", f"<ul class=samples>{items}</ul>"])
        if decisions.kept_inside:
            items = "".join(f"<li><code>{esc(d)}</code> — {esc(line)}<br><span class=muted>{esc(why)}</span></li>"
                            for d, line, why in decisions.kept_examples.items)
            rows_html.append(["kept inside (not a boundary)", f"{decisions.kept_inside:,}", f"<ul class=samples>{items}</ul>"])
        add(_table(["reason", "count", "examples (sampled)"], rows_html, {1}))
        queue = sorted(entry for _, _, entry in decisions.uncertain)
        if queue:
            add("<h3 id=review>Least certain decisions first (a reviewer's queue)</h3>"
                "<p class=muted>The cuts and the sub-headings kept whose continuity or depth came closest to its "
                "threshold: where a wrong decision is likeliest, so the ones worth checking first.</p>")
            add(_table(["margin", "decision", "page", "line", "evidence"],
                       [[f"{margin:.3f}", esc(what), f"<code>{esc(d)}</code>",
                         esc(line), esc(explain_reason(why))] for margin, _, what, d, line, why in queue], {0}))
    else:
        add("<p class=muted>Give split's --report file to see its decisions.</p>")
    add("</section>")

    # filter
    add("<section id=filter><h2>Filter</h2>")
    filt = stats.get("filter", {})
    if filt:
        langs = Counter(stats.get("filter_lang", {}))
        add(f"<p>{filt.get('documents_in', 0):,} documents in, {filt.get('documents_kept', 0):,} kept, "
            f"{filt.get('documents_dropped', 0):,} dropped. Languages: "
            + ", ".join(f"{esc(k)} {v:,}" for k, v in langs.most_common(12)) + ".</p>")
        pii = stats.get("filter_pii", {})
        if pii:
            add("<p>Personal data handled: " + ", ".join(f"{esc(k)} {v:,}" for k, v in sorted(pii.items())) + ".</p>")
    dropped = rejections.per_filter if rejections is not None else Counter(stats.get("filter_dropped", {}))
    if dropped:
        add(svg_bars([(f, n, colour(f)) for f, n in dropped.most_common(config.top_rules)], title="documents dropped per filter"))
        rows_html = []
        for name, n in dropped.most_common(config.top_rules):
            sample = rejections.samples.get(name) if rejections is not None else None
            items = "".join(f"<li><code>{esc(d)}</code> {esc(reason)} — {esc(text)}</li>"
                            for d, reason, text in (sample.items if sample else []))
            where = rejections.where.get(name, "") if rejections is not None else ""
            rows_html.append([f"<code>{esc(name)}</code>", _link(where, base), f"{n:,}", f"<ul class=samples>{items}</ul>"])
        add(_table(["filter", "defined at", "dropped", "sample (why, in words; start of text)"], rows_html, {2}))
    elif not filt:
        add("<p class=muted>The filter step did not run (no filter counts in the --stats files).</p>")
    add("</section>")

    # lengths
    _render_copies(add, stats, copies, config)

    add("<section id=lengths><h2>Length of the exported documents</h2>")
    if lengths is not None:
        counts, total, note = lengths
        rows = []
        low = 0
        for bound in LENGTH_BUCKETS:
            rows.append((f"{low:,}–{bound - 1:,} words", counts.get(bound, 0), "#4e79a7"))
            low = bound
        rows.append((f"{LENGTH_BUCKETS[-1]:,} words or more", counts.get(-1, 0), "#4e79a7"))
        add(f"<p>{total:,} documents ({esc(note)}; every document counted), by their number of words.</p>")
        # One bar per row: labels never share a line, at any width.
        add(svg_bars(rows, title="documents per length (words)", label_width=170) if total else "<p class=muted>No documents.</p>")
    else:
        add("<p class=muted>Give the exported dataset (--dataset) to see the length distribution.</p>")
    add("</section>")

    # pages
    add("<section id=pages><h2>Pages, marked up</h2>")
    if views:
        add(f"<p class=muted>{len(views)} page(s): those asked for with --doc and a seeded sample. Struck-through lines "
            "were removed by the rule named on them; highlighted spans were removed inside a line; a dark bar starts a "
            "new article (with the reason), an amber one a teaser; a green tag marks a title-shaped line kept inside its "
            "article as a sub-heading (hover for why).</p>")
        split_counts = stats.get("split", {})
        teasers_kept = bool(split_counts.get("teasers")) and not split_counts.get("teasers_dropped")
        for view in views:
            add(_render_page(view, teasers_kept))
    else:
        add("<p class=muted>Give the pages strip read (--pages, e.g. normalize's output) to see them marked up.</p>")
    if missing:
        add("<p>Not found in --pages: " + ", ".join(f"<code>{esc(m)}</code>" for m in missing) + "</p>")
    add("</section></main></body></html>")
    return "".join(out)


def _marked_spans(text: str, spans: list[tuple[str, str]]) -> str:
    """A line as HTML with each removed span marked by its rule. Spans are placed in the
    raw line first (each at its first place not taken by an earlier one), so marks never
    nest or land inside another mark's tag; a span that overlaps an earlier one is listed
    by its tag only."""
    placed: list[tuple[int, int, str]] = []
    unplaced: list[str] = []
    for rule, span in spans:
        start, found = 0, None
        while span and (start := text.find(span, start)) >= 0:
            end = start + len(span)
            if all(end <= a or start >= b for a, b, _ in placed):
                found = (start, end, rule)
                break
            start += 1
        if found is None:
            unplaced.append(rule)
        else:
            placed.append(found)
    out, cursor = [], 0
    for start, end, rule in sorted(placed):
        out.append(esc(text[cursor:start]))
        out.append(f'<mark class=sp style="background:{colour(rule)}55" title="{esc(rule)}">{esc(text[start:end])}</mark>'
                   f'<span class=tag style="background:{colour(rule)}">{esc(rule)}</span>')
        cursor = end
    out.append(esc(text[cursor:]))
    out.extend(f'<span class=tag style="background:{colour(rule)}">{esc(rule)}</span>' for rule in unplaced)
    return "".join(out)


def _render_copies(add, stats: dict, copies: Copies | None, config: ReportConfig) -> None:
    """Copies dropped by dedup: by level, the largest clusters, copies per site."""
    add("<section id=dedup><h2>Duplicates</h2>")
    counts = stats.get("dedup", {})
    if not counts and copies is None:
        add("<p class=muted>The dedup step did not run (no dedup counts in the --stats files, no --duplicates file).</p>")
        add("</section>")
        return
    if counts:
        add(f"<p>{counts.get('documents_in', 0):,} documents in, {counts.get('documents_kept', 0):,} kept; "
            f"{counts.get('exact_duplicates', 0):,} exact and {counts.get('near_duplicates', 0):,} near copies removed in "
            f"{counts.get('clusters', 0):,} clusters. In each cluster the copy kept is the original outlet's (a site "
            "that the other copies credit as their source), else the longest, else the one with the smallest id.</p>")
        sizes = stats.get("dedup_cluster_sizes", {})
        if sizes:
            order = ["2", "3", "4-5", "6-10", "11-100", "over 100"]
            add(svg_bars([(f"{k} copies", sizes[k], "#b07aa1") for k in order if k in sizes], title="clusters by size"))
    if copies is not None and copies.clusters:
        rows = [[f"<code>{esc(kept)}</code>", esc(copies.kept_site.get(kept) or ""), f"{n + 1:,}"]
                for kept, n in copies.clusters.most_common(config.top_rules)]
        add("<h3>Largest clusters</h3>")
        add(_table(["copy kept", "its site", "copies in the cluster"], rows, {2}))
    per_site = copies.per_site if copies is not None else Counter(stats.get("dedup_copies_per_site", {}))
    if per_site:
        add("<h3>Copies removed per site</h3>")
        add(svg_bars([(site, n, "#76b7b2") for site, n in per_site.most_common(config.top_rules)], title="copies removed per site"))
    if copies is not None and copies.samples:
        items = []
        for level, sample in sorted(copies.samples.items()):
            for doc_id, kept, similarity in sample.items:
                target = f" → <code>{esc(kept)}</code>" if kept else ""
                value = f" (similarity {similarity:g})" if isinstance(similarity, (int, float)) else ""
                items.append(f"<li>{esc(level)}: <code>{esc(doc_id)}</code>{target}{value}</li>")
        add("<h3>Sample of the copies removed</h3><ul class=samples>" + "".join(items) + "</ul>")
    add("</section>")


def _render_page(view: PageView, teasers_kept: bool = False) -> str:
    out = [f'<div class=page id="page-{esc(re.sub(r"[^A-Za-z0-9_-]", "-", view.doc_id))}" data-doc="{esc(view.doc_id)}">'
           f"<h3>{esc(view.doc_id)}</h3>"]
    if view.dropped_by:
        out.append(f'<div class="cut teaser">whole page dropped by rule {esc(view.dropped_by)}</div>')
    for index, (text, rule, spans) in enumerate(view.lines):
        boundary = view.boundaries.get(index)
        if boundary is not None:
            reason, title, teaser = boundary
            kind = f"teaser ({teaser}), {'kept (--keep-teasers)' if teasers_kept else 'dropped'}" if teaser else "article"
            out.append(f'<div class="cut{" teaser" if teaser else ""}" data-reason="{esc(reason)}">{esc(kind)}: '
                       f"{esc(reason)}{' — ' + esc(title) if title else ''}</div>")
        body = _marked_spans(text, spans)
        why = view.subheadings.get(index)
        if why is not None and rule is None:
            out.append(f'<div class="ln sh" title="{esc(explain_reason(why))}"><span class=no>{index + 1}</span><span class=tx>'
                       f'<span class="tag keep">sub-heading kept inside</span>{body}</span></div>')
        elif rule is not None:
            out.append(f'<div class="ln rm" data-rule="{esc(rule)}"><span class=no>{index + 1}</span><span class=tx>'
                       f'<span class=tag style="background:{colour(rule)}">{esc(rule)}</span>{body}</span></div>')
        else:
            out.append(f'<div class=ln><span class=no>{index + 1}</span><span class=tx>{body}</span></div>')
    if view.truncated:
        out.append(f'<div class="ln"><span class=no></span><span class="tx muted">… {view.truncated:,} more lines not shown</span></div>')
    out.append("</div>")
    return "".join(out)


def build_report(inputs: ReportInputs, config: ReportConfig = ReportConfig(), title: str = "corpuskit run",
                 base: str | None = None) -> str:
    """The HTML page for a run's side files (see the module docstring); links to files are
    relative to `base`, the folder the page is written to."""
    rng = random.Random(config.seed)
    stats = load_stats(inputs.stats) if inputs.stats else {}
    removals = collect_removals(inputs.removed, config, rng) if inputs.removed else None
    decisions = collect_split(inputs.split_report, config, rng) if inputs.split_report else None
    rejections = collect_rejected(inputs.rejected, config, rng) if inputs.rejected else None
    lengths = collect_lengths(inputs.dataset) if inputs.dataset else None
    copies = collect_duplicates(inputs.duplicates, config, rng) if inputs.duplicates else None
    views: list[PageView] = []
    missing: list[str] = []
    if inputs.pages:
        sample = decisions.page_ids if decisions is not None else None
        views, missing = page_views(inputs.pages, set(inputs.doc_ids), sample, inputs.rules, config)
        order = {doc_id: i for i, doc_id in enumerate(inputs.doc_ids)}
        views.sort(key=lambda v: (order.get(v.doc_id, len(order)), v.doc_id))
    elif inputs.doc_ids:
        raise UsageError("--doc needs --pages: the documents strip read (e.g. normalize's output)")
    return render(title, stats, removals, decisions, rejections, lengths, views, missing,
                  rule_locations(inputs.rules), config, inputs.files(), copies, base)
