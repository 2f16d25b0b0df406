"""Export a document stream as a Hugging Face dataset: Parquet shards and a dataset card.

The layout is the one the Hub uses (`data/<split>-00000-of-0000N.parquet` plus a README.md
whose YAML header declares configs, splits and features), so `datasets.load_dataset(DIR)`
loads it offline and `huggingface-cli upload` publishes it as is.

Streaming with flat memory: rows are written in batches as they come and shards roll over
at a size. Deduplication is the dedup step (corpuskit.dedup), run before the rows when
`dedup` is on: out of core, its memory bounded by its own setting. Output is
deterministic: the same input gives byte-identical Parquet files and card (no
timestamps; splits by a hash of the id; the copy kept of each cluster by a stated rule).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from corpuskit import __version__
from corpuskit.doc import Doc
from corpuskit.errors import CorpuskitError, DataError, UsageError
from corpuskit.dedup.keys import canonical_text, count_words
from corpuskit.outputs import DatasetFolder
from corpuskit.stats import Stats
from corpuskit.tokens import per_word

# Typed columns for what every corpus user asks for; everything else in one JSON column,
# because metadata keys vary between documents and a Parquet schema is fixed up front.
COLUMNS = (
    ("id", pa.string()),
    ("title", pa.string()),
    ("text", pa.string()),
    ("source", pa.string()),
    ("path", pa.string()),
    ("url", pa.string()),
    ("parent_id", pa.string()),
    ("part", pa.int32()),
    ("lang", pa.string()),
    ("metadata", pa.string()),
)
TYPED_KEYS = {"title", "source", "path", "url", "parent_id", "part", "lang"}
WORD_BUCKETS = (50, 100, 200, 400, 800, 1600, 3200)


def schema() -> pa.Schema:
    """The Arrow schema, with the Hugging Face features in its metadata, as datasets writes
    it (built here: importing datasets costs a second and 100 MB for nothing else)."""
    features = {name: {"dtype": str(kind), "_type": "Value"} for name, kind in COLUMNS}
    metadata = {"huggingface": json.dumps({"info": {"features": features}})}
    return pa.schema([pa.field(name, kind) for name, kind in COLUMNS], metadata=metadata)


def parse_splits(spec: str) -> tuple[tuple[str, float], ...]:
    """`train=0.98,validation=0.02` → (("train", 0.98), ("validation", 0.02)); shares sum to 1."""
    splits = []
    for item in spec.split(","):
        name, _, share = item.strip().partition("=")
        if not re.fullmatch(r"[A-Za-z][\w-]*", name.strip()):
            raise UsageError(f"--split: bad split name {name.strip()!r} (use e.g. train=0.98,validation=0.02)")
        try:
            value = float(share)
        except ValueError:
            raise UsageError(f"--split: {item.strip()!r} needs a share, e.g. train=0.98") from None
        if not 0 <= value <= 1:
            raise UsageError(f"--split: share of {name} must be between 0 and 1")
        splits.append((name.strip(), value))
    if len({n for n, _ in splits}) != len(splits):
        raise UsageError("--split: a split is named twice")
    if abs(sum(v for _, v in splits) - 1) > 1e-6:
        raise UsageError(f"--split: shares must add up to 1 (they add up to {sum(v for _, v in splits):g})")
    return tuple(splits)


def parse_size(text: str, option: str = "--max-shard-size") -> int:
    """`500MB`, `1GB`, `64KiB`, `1000000` → bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*", text, re.IGNORECASE)
    if not match:
        raise UsageError(f"{option}: cannot read {text!r} (use e.g. 500MB)")
    number, unit = float(match.group(1)), (match.group(2) or "").upper()
    base = 1024 if "I" in unit else 1000
    power = {"": 0, "B": 0, "K": 1, "M": 2, "G": 3, "T": 4}[unit.rstrip("B").rstrip("I") or ""]
    size = int(number * base**power)
    if size < 1:
        raise UsageError(f"{option} must be at least 1 byte")
    return size


@dataclass(frozen=True)
class ExportConfig:
    splits: tuple[tuple[str, float], ...] = (("train", 0.98), ("validation", 0.02))
    max_shard_bytes: int = 500 * 10**6
    dedup: bool = True
    near_dup: float | None = None  # Jaccard threshold of near copies; None = exact copies only
    jobs: int = 1  # threads (or processes) of the dedup step
    batch_rows: int = 500
    name: str = "corpus"
    save_to_disk: bool = False
    overwrite: bool = False
    tokenizer: str | None = None  # tokens per split in the card (corpuskit.tokens: a name or a tokenizer.json)


# --- splits and dedup ----------------------------------------------------------------


def split_of(doc_id: str, splits: tuple[tuple[str, float], ...]) -> str:
    """A document's split from a hash of its id: it never moves when the corpus grows."""
    point = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big") / 2**64
    total = 0.0
    for name, share in splits:
        total += share
        if point < total:
            return name
    return splits[-1][0]


# --- rows and shards -----------------------------------------------------------------


def to_row(doc: Doc) -> dict:
    """The typed columns and the rest of the metadata as JSON (keys sorted: deterministic)."""
    metadata = doc.metadata
    source = metadata.get("source")
    if isinstance(source, list):
        source = "; ".join(map(str, source))
    part = metadata.get("part")
    # A part that does not fit the int32 column stays in the metadata JSON: nothing is lost.
    rest = {k: v for k, v in metadata.items() if k not in TYPED_KEYS or (k == "part" and part is not None and not _is_int32(part))}
    return {
        "id": doc.id,
        "title": _text_or_none(metadata.get("title")),
        "text": doc.text,
        "source": _text_or_none(source),
        "path": _text_or_none(metadata.get("path")),
        "url": _text_or_none(metadata.get("url")),
        "parent_id": _text_or_none(metadata.get("parent_id")),
        "part": part if _is_int32(part) else None,
        "lang": _text_or_none(metadata.get("lang")),
        "metadata": _metadata_json(rest) if rest else None,
    }


def _is_int32(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31


def _metadata_json(rest: dict) -> str:
    try:
        return orjson.dumps(rest, option=orjson.OPT_SORT_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):  # nested deeper than orjson goes, or odd values
        return json.dumps(rest, sort_keys=True, ensure_ascii=True)  # escapes keep lone surrogates storable


def _text_or_none(value) -> str | None:
    return None if value is None else str(value)


class ShardWriter:
    """Parquet shards of one split, rolled over at `max_bytes` of row data."""

    def __init__(self, folder: Path, split: str, config: ExportConfig, arrow_schema: pa.Schema) -> None:
        self.folder, self.split, self.config, self.schema = folder, split, config, arrow_schema
        self.files: list[Path] = []
        self.rows: list[dict] = []
        self.batch_bytes = 0
        self.shard_bytes = 0
        self.writer: pq.ParquetWriter | None = None
        self.count = 0
        self.num_bytes = 0

    def add(self, row: dict, size: int) -> None:
        if self.writer is not None and self.shard_bytes + self.batch_bytes + size > self.config.max_shard_bytes and self.shard_bytes + self.batch_bytes > 0:
            self._flush()
            self._close_shard()
        self.rows.append(row)
        self.batch_bytes += size
        self.count += 1
        self.num_bytes += size
        if self.writer is None:
            self._open_shard()
        if len(self.rows) >= self.config.batch_rows:
            self._flush()
        if self.shard_bytes >= self.config.max_shard_bytes:
            self._close_shard()

    def _open_shard(self) -> None:
        path = self.folder / f"{self.split}-{len(self.files):05d}.parquet.partial"
        self.files.append(path)
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd", write_statistics=True)
        self.shard_bytes = 0

    def _flush(self) -> None:
        if not self.rows:
            return
        self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
        self.shard_bytes += self.batch_bytes
        self.rows, self.batch_bytes = [], 0

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def finish(self) -> list[Path]:
        """Close and name the shards N-of-M; an empty split has none (and is not declared)."""
        self._flush()
        self._close_shard()
        final = []
        for index, path in enumerate(self.files):
            target = self.folder / f"{self.split}-{index:05d}-of-{len(self.files):05d}.parquet"
            os.replace(path, target)
            final.append(target)
        return final


# --- the card ------------------------------------------------------------------------


@dataclass
class SplitFigures:
    documents: int = 0
    characters: int = 0
    words: int = 0
    num_bytes: int = 0
    lengths: Counter = field(default_factory=Counter)  # word bucket -> documents
    tokens: int = 0  # with a tokenizer


def _bucket(words: int) -> int:
    for bound in WORD_BUCKETS:
        if words < bound:
            return bound
    return -1


def _bucket_label(bound: int) -> str:
    if bound == -1:
        return f"≥ {WORD_BUCKETS[-1]}"
    index = WORD_BUCKETS.index(bound)
    low = 0 if index == 0 else WORD_BUCKETS[index - 1]
    return f"{low}–{bound - 1}"


def _yaml_header(config: ExportConfig, figures: dict[str, SplitFigures], files: dict[str, list[Path]]) -> str:
    import yaml

    header: dict = {}
    if not config.save_to_disk:  # the Arrow layout is read by load_from_disk, not by configs
        header["configs"] = [{
            "config_name": "default",
            "data_files": [{"split": name, "path": f"data/{name}-*"} for name, _ in config.splits if files[name]],
        }]
    header.update({
        "dataset_info": {
            "features": [{"name": name, "dtype": str(kind)} for name, kind in COLUMNS],
            "splits": [{"name": name, "num_bytes": figures[name].num_bytes, "num_examples": figures[name].documents}
                       for name, _ in config.splits if files[name]],
            "download_size": sum(p.stat().st_size for paths in files.values() for p in paths),
            "dataset_size": sum(f.num_bytes for f in figures.values()),
        },
        "pretty_name": " ".join("".join(c if c.isprintable() else " " for c in config.name).split()),
        "tags": ["corpuskit"],
    })
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|&~])")


def md(value) -> str:
    """A value from the user (a dataset name, a rule file's name, a rule id) as Markdown
    text: one line, every character Markdown or HTML would act on escaped, so a name
    like `<script>` or `a|b` shows as written and cannot break a table or inject mark-up."""
    text = "".join(char if char.isprintable() else " " for char in str(value))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def md_code(value) -> str:
    """A name as inline code when it can be (no backtick, no table bar, one line), else as
    escaped text."""
    text = str(value)
    if text and text.isprintable() and "`" not in text and "|" not in text:
        return f"`{text}`"
    return md(text)


def render_card(config: ExportConfig, figures: dict[str, SplitFigures], files: dict[str, list[Path]], stats: Stats, pipeline: dict) -> str:
    """README.md: YAML header for the Hub and `load_dataset`, then what is in the data and how it was made."""
    counts = stats.as_dict().get("export", {})
    lines = [_yaml_header(config, figures, files), f"# {md(config.name)}", ""]
    lines += [
        "Articles cleaned from scraped news pages by corpuskit "
        f"{__version__}: Unicode normalized, site furniture removed by YAML rules, pages split into "
        "one document per article (title, body, source), duplicates removed.",
        "",
        "```python",
        "from datasets import load_from_disk" if config.save_to_disk else "from datasets import load_dataset",
        f"ds = load_from_disk({_python_string('path/to/' + config.name)})" if config.save_to_disk
        else f"ds = load_dataset({_python_string('path/to/' + config.name)})",
        "```",
        "",
        "## Columns",
        "",
        "| column | type | content |",
        "|---|---|---|",
        "| `id` | string | `<page id>#<part>`: stable across runs |",
        "| `title` | string | the article's title (null when the page had none) |",
        "| `text` | string | the body, paragraphs separated by newlines |",
        "| `source` | string | attribution captured by the rules (`Theo TNO` → `TNO`) |",
        "| `path`, `url` | string | where the page came from |",
        "| `parent_id`, `part` | string, int32 | the page and the article's position in it |",
        "| `lang` | string | language (ISO 639) found by `corpuskit filter`; null when it did not run |",
        "| `metadata` | string | all other metadata as JSON (sorted keys) |",
        "",
        "## Splits",
        "",
        "| split | documents | characters | words | shards |",
        "|---|---:|---:|---:|---:|",
    ]
    tokenizer = next(iter(stats.as_dict().get("export_tokenizer", {})), None)
    if tokenizer:
        lines[-2] = "| split | documents | characters | words | tokens | tokens per word | shards |"
        lines[-1] = "|---|---:|---:|---:|---:|---:|---:|"
    for name, _ in config.splits:
        f = figures[name]
        if tokenizer:
            lines.append(f"| {name} | {f.documents:,} | {f.characters:,} | {f.words:,} | {f.tokens:,} | "
                         f"{per_word(f.tokens, f.words)} | {len(files[name])} |")
        else:
            lines.append(f"| {name} | {f.documents:,} | {f.characters:,} | {f.words:,} | {len(files[name])} |")
    share = ", ".join(f"{name}={value:g}" for name, value in config.splits)
    lines += ["", f"Assigned by a hash of `id` ({share}), so a document keeps its split when the corpus grows."]
    lines.append("Words are whitespace words (syllables in Vietnamese)"
                 + (f"; tokens are counted with the {md_code(tokenizer)} tokenizer." if tokenizer else
                    "; `--tokenizer NAME|PATH` adds exact token counts."))
    empty = [name for name, _ in config.splits if not files[name]]
    if empty:
        lines.append(f"Empty, so not declared in the header (`load_dataset` cannot load an empty split): {', '.join(empty)}.")
    lines.append("")
    lines += ["## Length distribution (words per document)", "", "| words | " + " | ".join(n for n, _ in config.splits) + " |",
              "|---|" + "---:|" * len(config.splits)]
    for bound in (*WORD_BUCKETS, -1):
        lines.append(f"| {_bucket_label(bound)} | " + " | ".join(f"{figures[n].lengths.get(bound, 0):,}" for n, _ in config.splits) + " |")
    lines += ["", "## How it was made", ""]
    pipeline_lines = _pipeline_lines(pipeline)
    own = stats.as_dict()
    if "dedup" in own and "dedup" not in pipeline:  # this export's own dedup step
        pipeline_lines += _dedup_lines({k: v for k, v in own.items() if k.startswith("dedup")})
    lines += pipeline_lines or ["No pipeline statistics were given to `corpuskit export` (`--stats-from`)."]
    lines += ["", f"Export: {counts.get('documents_in', 0):,} documents in; {counts.get('empty', 0):,} empty documents dropped; "
                  f"{counts.get('documents_out', 0):,} documents written.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _python_string(value: str) -> str:
    """A Python string literal on one line (a name with a newline or a fence cannot end
    the card's code block)."""
    return json.dumps(value, ensure_ascii=True)


def _pipeline_lines(pipeline: dict) -> list[str]:
    """The earlier steps' counters (from their --stats files), as the card's provenance."""
    if not pipeline:
        return []
    out = []
    read = pipeline.get("read", {})
    if read:
        out.append(f"- read: {read.get('files', 0):,} input files, {read.get('documents', 0):,} documents")
    out += extract_lines(pipeline)
    normalize = pipeline.get("normalize", {})
    if normalize:
        changed = ", ".join(f"{k.removeprefix('changed_by_')} {v:,}" for k, v in sorted(normalize.items()) if k.startswith("changed_by_"))
        out.append(f"- normalize: {normalize.get('documents', 0):,} documents; changed by step: {changed or 'none'}")
    strip = pipeline.get("strip", {})
    if strip:
        out.append(f"- strip: {strip.get('lines_in', 0):,} lines in, {strip.get('lines_removed', 0):,} lines and "
                   f"{strip.get('spans_removed', 0):,} spans removed, {strip.get('documents_dropped', 0):,} documents dropped")
        files = pipeline.get("strip_rule_files", {})
        if files:
            out.append("  - rule files: " + "; ".join(f"{md_code(label)} ({n} rules)" for label, n in sorted(files.items())))
        rules = pipeline.get("strip_rules", {})
        if rules:
            out += ["", "  | rule | lines/spans removed |", "  |---|---:|"]
            out += [f"  | {md_code(rule)} | {n:,} |" for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))]
            out.append("")
    out += _dedup_lines(pipeline)
    split = pipeline.get("split", {})
    if split:
        out.append(f"- split: {split.get('documents', 0):,} pages → {split.get('articles', 0):,} articles; "
                   f"{split.get('teasers', 0):,} teasers found, {split.get('teasers_dropped', 0):,} dropped")
    out += _filter_lines(pipeline)
    return out


def extract_lines(pipeline: dict) -> list[str]:
    """The extract step's counters: pages, documents, pages without one, records skipped.

    >>> extract_lines({"extract": {"records": 9, "pages": 4, "documents": 3, "no_text": 1},
    ...                "extract_skipped": {"request_records": 4, "not_html": 1}})
    ['- extract: 9 records, 4 pages → 3 documents; no document: no article text 1; records skipped: not HTML 1, requests 4']
    """
    counts = pipeline.get("extract", {})
    if not counts:
        return []
    failed = ", ".join(f"{label} {counts[key]:,}" for key, label in (("no_text", "no article text"), ("timeout", "time limit"),
                                                                     ("error", "extractor error")) if counts.get(key))
    skipped = pipeline.get("extract_skipped", {})
    skipped_text = ", ".join(f"{SKIP_REASONS.get(key, key.replace('_', ' '))} {n:,}" for key, n in sorted(skipped.items()))
    line = (f"- extract: {counts.get('records', 0):,} records, {counts.get('pages', 0):,} pages → "
            f"{counts.get('documents', 0):,} documents")
    if failed:
        line += f"; no document: {failed}"
    if skipped_text:
        line += f"; records skipped: {skipped_text}"
    return [line]


# How the extract step's skip reasons read in the card and the report.
SKIP_REASONS = {
    "request_records": "requests", "warcinfo_records": "archive info", "metadata_records": "metadata",
    "revisit_records": "revisits", "not_html": "not HTML", "empty_body": "empty", "too_large": "too large",
    "damaged_archive": "damaged archive", "cut_off_record": "cut off", "not_a_page_file": "not a page file",
    "no_html_field": "no HTML field",
}


def _dedup_lines(pipeline: dict) -> list[str]:
    """The dedup step's counters: copies removed by level, clusters and where copies were."""
    counts = pipeline.get("dedup", {})
    if not counts:
        return []
    out = [f"- dedup: {counts.get('documents_in', 0):,} documents in, {counts.get('documents_kept', 0):,} kept; "
           f"{counts.get('exact_duplicates', 0):,} exact and {counts.get('near_duplicates', 0):,} near copies removed in "
           f"{counts.get('clusters', 0):,} clusters (kept: the original outlet's copy, then the longest, then the smallest id)"]
    if counts.get("contaminated"):
        out.append(f"  - {counts['contaminated']:,} documents overlapped the evaluation sets")
    if counts.get("repeated_lines"):
        out.append(f"  - {counts['repeated_lines']:,} lines repeated across documents; {counts.get('lines_removed', 0):,} removed")
    sizes = pipeline.get("dedup_cluster_sizes", {})
    if sizes:
        order = ["2", "3", "4-5", "6-10", "11-100", "over 100"]
        out.append("  - cluster sizes: " + ", ".join(f"{md(k)}: {sizes[k]:,}" for k in order if k in sizes))
    sites = pipeline.get("dedup_copies_per_site", {})
    if sites:
        top = sorted(sites.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        out.append("  - copies removed per site (top 10): " + ", ".join(f"{md(site)} {n:,}" for site, n in top))
    return out


def _filter_lines(pipeline: dict) -> list[str]:
    """The filter step's counters: documents kept and dropped, per filter and language."""
    counts = pipeline.get("filter", {})
    if not counts:
        return []
    langs = ", ".join(f"{md(lang)} {n:,}" for lang, n in sorted(pipeline.get("filter_lang", {}).items(), key=lambda kv: (-kv[1], kv[0])))
    out = [f"- filter: {counts.get('documents_in', 0):,} documents in, {counts.get('documents_kept', 0):,} kept, "
           f"{counts.get('documents_dropped', 0):,} dropped; languages: {langs or 'none'}"]
    tokens = pipeline.get("filter_tokens", {})
    if tokens:
        out.append(f"  - words (syllables in Vietnamese): {tokens.get('words_in', 0):,} in, {tokens.get('words_kept', 0):,} kept")
        name = next(iter(pipeline.get("filter_tokenizer", {})), None)
        if name and "tokens_in" in tokens:
            out.append(f"  - tokens ({md_code(name)}): {tokens['tokens_in']:,} in, {tokens.get('tokens_kept', 0):,} kept; "
                       f"{per_word(tokens.get('tokens_kept', 0), tokens.get('words_kept', 0))} tokens per word")
    dropped = pipeline.get("filter_dropped", {})
    if dropped:
        out += ["", "  | filter | documents dropped |", "  |---|---:|"]
        out += [f"  | {md_code(name)} | {n:,} |" for name, n in sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append("")
    found = pipeline.get("filter_pii", {})
    if found:
        out.append("  - personal data handled: " + ", ".join(f"{md(kind)} {n:,}" for kind, n in sorted(found.items())))
    return out


def load_pipeline_stats(paths: Iterable[str]) -> dict:
    """Merge the --stats JSON files of earlier steps (counters are summed)."""
    merged: dict[str, Counter] = {}
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"{path}: cannot read stats file ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not a JSON stats file (not UTF-8 at byte {exc.start})") from None
        except RecursionError:
            raise UsageError(f"{path}: not a JSON stats file (nested too deeply)") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{exc.lineno}: not a JSON stats file ({exc.msg})") from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise UsageError(f"{path}: not a JSON stats file ({exc})") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path}: not a JSON stats file")
        for step, counters in data.items():
            if not isinstance(counters, dict):
                continue
            if step in ("read", "write") and step in merged:
                continue  # what the pipeline read is what its first step read
            target = merged.setdefault(step, Counter())
            for key, value in counters.items():
                if isinstance(value, int):
                    # a rule file named by several runs is one file, not several
                    target[key] = max(target[key], value) if step == "strip_rule_files" else target[key] + value
    return {step: dict(counter) for step, counter in merged.items()}


# --- the export ----------------------------------------------------------------------


def export(
    docs: Iterable[Doc],
    out_dir: str | Path,
    config: ExportConfig = ExportConfig(),
    stats: Stats | None = None,
    pipeline: dict | Callable[[], dict] | None = None,
    on_duplicate=None,
    outputs=None,
    dedup_key: str | None = None,
) -> dict[str, SplitFigures]:
    """Write the dataset; returns the figures per split. `on_duplicate(record)` gets each removal.

    `pipeline`: the earlier steps' counters for the card, or a function that gives them
    once the stream has run (when the steps run in the same process as the export).
    `dedup_key`: the identity of the inputs, which makes the dedup stages resumable.
    `outputs` (corpuskit.outputs.Outputs): the folder is moved into place with the
    command's other outputs, all or nothing; without it, as soon as it is complete.
    Only an empty or absent OUT_DIR, or with `overwrite` the files of a dataset corpuskit
    wrote, are ever replaced (see corpuskit.outputs.DatasetFolder).
    """
    stats = stats if stats is not None else Stats()
    out_dir = Path(out_dir)
    folder = DatasetFolder(out_dir, config.overwrite)
    work = folder.work
    try:
        data = work / "data"
        data.mkdir()
        arrow_schema = schema()
        writers = {name: ShardWriter(data, name, config, arrow_schema) for name, _ in config.splits}
        figures = {name: SplitFigures() for name, _ in config.splits}
        counter = None
        if config.tokenizer:
            from corpuskit.tokens import load_tokenizer

            counter = load_tokenizer(config.tokenizer)
            stats.add("export_tokenizer", counter.name)
        deduped = _deduplicated(_not_empty(docs, stats), config, out_dir, stats, on_duplicate, dedup_key)
        try:
            _write_rows(deduped, config, writers, figures, counter, stats)
        except CorpuskitError as error:
            _tell_bad_input(deduped, error)
            raise
        files = {name: writer.finish() for name, writer in writers.items()}
        if not any(files.values()):
            raise DataError("no documents to export")
        provenance = pipeline() if callable(pipeline) else pipeline
        card = render_card(config, figures, files, stats, provenance or {})
        if config.save_to_disk:
            _save_to_disk(work, files, config)
        (work / "README.md").write_text(card, encoding="utf-8")
        if outputs is None:
            folder.commit()
        else:
            outputs.add(folder)
    except BaseException:
        folder.abort()
        raise
    return figures


def _write_rows(docs: Iterable[Doc], config: ExportConfig, writers: dict, figures: dict, counter, stats: Stats) -> None:
    """Each document as a row of its split's shards, counted in the split's figures."""
    for doc in docs:
        words = count_words(canonical_text(doc.text))
        name = split_of(doc.id, config.splits)
        row = to_row(doc)
        try:
            text_bytes = len(doc.text.encode("utf-8"))
        except UnicodeEncodeError:
            text_bytes = 0
        _check_encodable(doc, row, skip_text=text_bytes > 0 or not doc.text)
        # bytes of the row as stored: the text exactly, the short columns by their length
        size = text_bytes + sum(len(v) for k, v in row.items() if k != "text" and isinstance(v, str)) + 4
        writers[name].add(row, size)
        f = figures[name]
        f.documents += 1
        f.characters += len(doc.text)
        f.words += words
        f.num_bytes += size
        f.lengths[_bucket(words)] += 1
        if counter is not None:
            tokens = counter.count(doc.text)
            f.tokens += tokens
            stats.add("export", "tokens", tokens)
        stats.add("export", "words", words)
        stats.add("export", "documents_out")


def _tell_bad_input(docs: Iterable[Doc], error: CorpuskitError) -> None:
    """Export stopped on bad input (a lone surrogate it cannot store): the same error is
    thrown into the documents' generator, so that dedup knows a rerun must read again and
    removes its work folder (closing it, as when a run is stopped, keeps the folder for a
    resumed run)."""
    if hasattr(docs, "throw"):
        try:
            docs.throw(error)
        except CorpuskitError:
            pass


def _not_empty(docs: Iterable[Doc], stats: Stats) -> Iterable[Doc]:
    for doc in docs:
        stats.add("export", "documents_in")
        if not doc.text.strip():
            stats.add("export", "empty")
            continue
        yield doc


def _deduplicated(docs: Iterable[Doc], config: ExportConfig, out_dir: Path, stats: Stats, on_duplicate,
                  resume_key: str | None) -> Iterable[Doc]:
    """The documents after the dedup step, when export deduplicates (its work folder goes
    beside OUT_DIR)."""
    if not config.dedup:
        return docs
    from corpuskit.dedup import DedupConfig, dedup

    dedup_config = DedupConfig(exact=True, near=config.near_dup is not None, threshold=config.near_dup or 0.8,
                               jobs=config.jobs, work_dir=str(out_dir.resolve().parent / ".corpuskit-work"))
    return dedup(docs, dedup_config, stats, on_duplicate, resume_key=resume_key)


def _check_encodable(doc: Doc, row: dict, skip_text: bool) -> None:
    """Parquet strings are UTF-8: a lone surrogate (from a JSON escape like \\udc80, or a
    file name that is not UTF-8) cannot be stored. Reported, never replaced in silence."""
    for name, value in row.items():
        if isinstance(value, str) and not value.isascii() and not (skip_text and name == "text"):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                hint = ("corpuskit normalize repairs them" if name != "id" and name != "path"
                        else "a file name that is not UTF-8: rename the file, or give the document an id in JSON lines")
                raise DataError(f"{doc.id.encode('utf-8', 'backslashreplace').decode()}: {name} holds a lone surrogate "
                                f"U+{ord(value[exc.start]):04X} at character {exc.start}, which UTF-8 cannot store ({hint})") from None


def _save_to_disk(work: Path, files: dict[str, list[Path]], config: ExportConfig) -> None:
    """Replace the Parquet shards by the Arrow layout of `DatasetDict.save_to_disk`."""
    import datasets

    datasets.disable_progress_bars()
    cache = work / ".cache"
    arrow = work / "arrow"
    parts = {
        name: datasets.Dataset.from_parquet([str(p) for p in paths], cache_dir=str(cache), keep_in_memory=False)
        for name, paths in files.items()
        if paths
    }
    datasets.DatasetDict(parts).save_to_disk(str(arrow), max_shard_size=config.max_shard_bytes)
    del parts
    shutil.rmtree(work / "data")
    shutil.rmtree(cache, ignore_errors=True)
    for item in arrow.iterdir():
        os.replace(item, work / item.name)
    arrow.rmdir()
