"""Where pages come from: HTML files, WARC and ARC archives, JSON lines holding HTML.

Each source yields `Page`s: the raw bytes of one HTML page with what is known about it
(URL, the HTTP charset, the archive and offset it came from). Pages are not decoded here:
the charset decision belongs with the extraction (corpuskit.extract.charset), which runs in
the worker processes.

Archives are read with warcio, which also reads ARC files and the damaged archives the web
is full of. Its warnings, which it prints itself, are caught and said as one line naming the
file and offset; a damaged archive gives the records before the damage and one error.
Records that are not HTML pages (requests, metadata, revisits, images, redirects) are
counted by reason, never dropped in silence.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator, Sequence

from corpuskit.errors import DataError
from corpuskit.io import (
    DEFAULT_LIMITS, READ_ERRORS, STDIN, STDIN_NAME, ErrorHandler, ReadLimits, StdinSource, _raise, check_inputs,
    bounded_lines, is_jsonl_path, iter_paths, open_binary,
)
from corpuskit.stats import Stats

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")

# A page larger than this is not parsed (a parser's time and memory grow with it, and real
# articles are far smaller: the largest of 90 benchmark pages is 2 MB).
DEFAULT_MAX_PAGE_BYTES = 16 * 1024 * 1024


@dataclass
class Page:
    """One page's bytes on their way to an extractor."""

    id: str
    data: bytes
    url: str | None = None
    http_charset: str | None = None
    source: str | None = None  # "archive@offset" for a WARC record
    metadata: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)


def _sniff(prefix: bytes) -> str:
    """What a file holds, from its first bytes: 'warc', 'arc', 'gzip', 'json' or 'html'."""
    head = prefix.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"filedesc://"):
        return "arc"
    if prefix.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"{"):
        return "json"
    if head.startswith(b"<") or b"<html" in head[:4096].lower():
        return "html"
    return "other"


def _kind_of(path: str) -> str:
    lower = path.lower()
    if lower.endswith(ARCHIVE_SUFFIXES):
        return "archive"
    if is_jsonl_path(path):
        return "json"
    bare = re.sub(r"\.(gz|bz2|xz|zst)$", "", lower)
    if bare.endswith(HTML_SUFFIXES):
        return "html"
    try:
        with open(path, "rb") as stream:
            sniffed = _sniff(stream.read(4096))
    except OSError:
        return "html"  # the read reports it
    return {"warc": "archive", "arc": "archive", "gzip": "archive", "json": "json", "html": "html"}.get(sniffed, "other")


def _http_header(record, name: str) -> str | None:
    headers = record.http_headers
    return headers.get_header(name) if headers is not None else None


def _record_url(record) -> str | None:
    url = record.rec_headers.get_header("WARC-Target-URI")
    return url.strip("<>") if url else None


class _Cut(Exception):
    """A record whose body ends before its Content-Length: the archive is cut off there."""


def _archive_pages(stream: BinaryIO, name: str, stats: Stats, on_error: ErrorHandler, warn: Callable[[str], None],
                   max_page: int, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Page]:
    """The pages of one archive. A gzipped archive that is one gzip stream rather than one
    member per record (valid, but not seekable) is read again as a single stream, past the
    records already given."""
    from warcio.exceptions import ArchiveLoadFailed

    seen = [0]
    try:
        compressed = os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        compressed = 0  # standard input: bounded by the floor
    budget = [max(limits.expansion_floor, int(compressed * limits.max_expansion))]
    try:
        yield from _archive_records(stream, name, stats, on_error, warn, max_page, seen, skip=0, budget=budget)
    except ArchiveLoadFailed as exc:
        if "non-chunked gzip" not in str(exc) or not hasattr(stream, "seek"):
            raise
        import gzip

        stream.seek(0)
        warn(f"{name}: one gzip stream, not one gzip member per record; read as a whole (offsets are of the "
             "uncompressed archive)")
        with gzip.open(stream, "rb") as whole:
            yield from _archive_records(whole, name, stats, on_error, warn, max_page, [0], skip=seen[0], budget=budget)


def _archive_records(stream: BinaryIO, name: str, stats: Stats, on_error: ErrorHandler, warn: Callable[[str], None],
                     max_page: int, seen: list[int], skip: int, budget: list[int]) -> Iterator[Page]:
    """The pages of an archive's records. `budget` is what the records may declare in all
    (their Content-Length, before any of it is decompressed): a compressed archive that
    would expand past --max-expansion is stopped there, as other compressed inputs are."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    captured = io.StringIO()  # warcio's own warnings (it prints them), said as one line each
    records = ArchiveIterator(stream, arc2warc=True)
    offset, record = 0, None
    while True:
        page = None
        try:
            with contextlib.redirect_stderr(captured):
                record = next(records, None)
                if record is None:
                    break
                offset = records.offset  # the record's start (get_record_offset would read past its body)
                declared = _declared_length(record)
                budget[0] -= declared
                if budget[0] < 0:
                    stats.add("extract_skipped", "decompression_bomb")
                    on_error(DataError(f"{name}: the record at offset {offset} declares {declared:,} bytes, past what the "
                                       "archive may expand to (--max-expansion: a decompression bomb?); the records before "
                                       "it were read"))
                    return
                seen[0] += 1
                if seen[0] > skip:
                    page = _record_page(record, name, offset, stats, warn, max_page)
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" in str(exc):
                raise
            _damaged(name, offset, exc, stats, on_error)
            return
        except _Cut:
            _cut(name, offset, stats, on_error, _at_end(records, stream))
            return
        except (ValueError, *READ_ERRORS) as exc:
            _damaged(name, offset, exc, stats, on_error)
            return
        finally:
            message = " ".join(captured.getvalue().split())
            if message:
                stats.add("extract", "archive_warnings")
                warn(f"{name}: offset {offset}: {message}")
                captured.seek(0)
                captured.truncate()
        if page is not None:
            yield page
    if record is not None and _cut_short(record):
        _cut(name, offset, stats, on_error, at_end=True)


def _declared_length(record) -> int:
    try:
        return max(0, int(record.rec_headers.get_header("Content-Length") or 0))
    except ValueError:
        return 0


def _cut_short(record) -> bool:
    """Whether the file ended inside this record: its raw bytes, read to the end, fall
    short of its Content-Length. (A content decoder stopping early is not a cut: the raw
    bytes are still there.)"""
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    return getattr(raw, "limit", 0) > 0


def _damaged(name: str, offset: int, exc: BaseException, stats: Stats, on_error: ErrorHandler) -> None:
    stats.add("extract_skipped", "damaged_archive")
    reason = " ".join(str(exc).split()) or type(exc).__name__
    on_error(DataError(f"{name}: damaged archive at offset {offset} ({reason[:300]}); the records before it were read"))


def _at_end(records, stream) -> bool:
    """Whether the archive file has been read to its end (a record short at the end is a
    cut-off file; short in the middle, a wrong length or a wrong gzip member)."""
    try:
        size = os.fstat(stream.fileno()).st_size
        reader = records.reader
        return stream.tell() - (reader.rem_length() if reader is not None else 0) >= size
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        return True


def _cut(name: str, offset: int, stats: Stats, on_error: ErrorHandler, at_end: bool) -> None:
    stats.add("extract_skipped", "cut_off_record")
    if at_end:
        message = "archive cut off in the record at offset {} (truncated file?)"
    else:
        message = "damaged archive: the record at offset {} is shorter than its Content-Length (or its gzip member)"
    on_error(DataError(f"{name}: {message.format(offset)}; the records before it were read"))


def _record_page(record, name: str, offset: int, stats: Stats, warn: Callable[[str], None], max_page: int) -> Page | None:
    """The page a WARC record holds, or None (counted by reason) for every other record."""
    stats.add("extract", "records")
    kind = record.rec_type
    if kind not in ("response", "resource"):
        stats.add("extract_skipped", f"{kind or 'unknown'}_records")
        return None
    url = _record_url(record)
    if kind == "response" and record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        if not (status or "").startswith("2"):
            stats.add("extract_skipped", f"http_{status or 'unknown'}")
            return None
        content_type = _http_header(record, "Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    body = record.content_stream().read(max_page + 1)
    if len(body) <= max_page and _cut_short(record):
        raise _Cut
    where = f"{name}@{offset}"
    if len(body) > max_page:
        stats.add("extract_skipped", "too_large")
        warn(f"{where}: page {url or ''} larger than {max_page >> 20} MB; skipped (--max-page-size)")
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    if media and media not in HTML_TYPES:
        stats.add("extract_skipped", "not_html")
        return None
    if not media and _sniff(body[:4096]) != "html":
        stats.add("extract_skipped", "not_html")
        return None
    if not body.strip():
        stats.add("extract_skipped", "empty_body")
        return None
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>") or where
    metadata = {}
    date = record.rec_headers.get_header("WARC-Date")
    if date:
        metadata["crawl_date"] = date
    from corpuskit.extract.charset import header_charset

    return Page(record_id, body, url, header_charset(content_type), where, metadata)


def _html_page(path: str, data: bytes, stats: Stats, warn: Callable[[str], None], max_page: int) -> Page | None:
    stats.add("extract", "records")
    if len(data) > max_page:
        stats.add("extract_skipped", "too_large")
        warn(f"{path}: page larger than {max_page >> 20} MB; skipped (--max-page-size)")
        return None
    if not data.strip():
        stats.add("extract_skipped", "empty_body")
        return None
    return Page(path, data, None, None, path, {"path": path})


def _json_pages(stream: BinaryIO, name: str, stats: Stats, on_error: ErrorHandler, warn: Callable[[str], None],
                limits: ReadLimits, max_page: int, html_field: str | None) -> Iterator[Page]:
    """Pages from JSON lines, one object per line: the HTML in `html_field` (a top-level or
    metadata key; unset: `html` when the record has one, else `text`), the URL in `url`
    (top level or metadata); the record's other keys kept in metadata."""
    import orjson

    for lineno, raw in enumerate(bounded_lines(stream, max(limits.max_doc_bytes, max_page)), 1):
        where = f"{name}:{lineno}"
        if raw is None:
            stats.add("read", "skipped_records")
            on_error(DataError(f"{where}: record longer than {max(limits.max_doc_bytes, max_page) >> 20} MB; skipped"))
            continue
        if not raw.strip():
            continue
        stats.add("extract", "records")
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            stats.add("read", "skipped_records")
            on_error(DataError(f"{where}: not valid JSON ({exc})"))
            continue
        if not isinstance(record, dict):
            stats.add("read", "skipped_records")
            on_error(DataError(f"{where}: a JSON line must be an object"))
            continue
        nested = record.get("metadata")
        metadata = dict(nested) if isinstance(nested, dict) else {}
        metadata.update({key: value for key, value in record.items() if key not in ("id", "text", "metadata")})
        field_name = html_field or ("html" if "html" in metadata else "text")
        html = record.get("text") if field_name == "text" else metadata.pop(field_name, None)
        if not isinstance(html, str):
            stats.add("extract_skipped", "no_html_field")
            on_error(DataError(f"{where}: no HTML in field {field_name!r} (--html-field names it)"))
            continue
        data = html.encode("utf-8", errors="surrogatepass")
        record_id = record.get("id")
        record_id = str(record_id) if isinstance(record_id, (str, int)) and not isinstance(record_id, bool) else where
        if len(data) > max_page:
            stats.add("extract_skipped", "too_large")
            warn(f"{where}: page larger than {max_page >> 20} MB; skipped (--max-page-size)")
            continue
        if not html.strip():
            stats.add("extract_skipped", "empty_body")
            continue
        url = metadata.get("url") if isinstance(metadata.get("url"), str) else None
        yield Page(record_id, data, url, "utf-8", None, metadata)


@dataclass
class PageReader:
    """The pages of the given inputs, for `corpuskit extract`. Iterate it once.

    Quacks like corpuskit.io.Reader (inputs, stats, on_error, protected), so the command
    runs through the same stream machinery, workers included."""

    inputs: Sequence[str]
    on_error: ErrorHandler = _raise
    stats: Stats = None  # type: ignore[assignment]
    protected: Sequence[str] = ()
    limits: ReadLimits = DEFAULT_LIMITS
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    html_field: str | None = None
    warn: Callable[[str], None] = lambda message: None
    raw_records: bool = False  # pages are never JSON lines on their way to workers
    plain_text_stdin: bool = False

    def __post_init__(self) -> None:
        self.inputs, self.missing = check_inputs(self.inputs)
        if self.stats is None:
            self.stats = Stats()

    def __iter__(self) -> Iterator[Page]:
        for error in self.missing:
            self.stats.add("read", "skipped_files")
            self.on_error(error)
        for path in iter_paths(self.inputs, self.protected, self.on_error):
            yield from self._read(path)

    def _read(self, path: str) -> Iterator[Page]:
        stats, max_page = self.stats, self.max_page_bytes
        name = STDIN_NAME if path == STDIN else path
        stats.add("read", "files")
        try:
            if path == STDIN:
                source = StdinSource(limits=self.limits)
                kind = {"warc": "archive", "arc": "archive", "gzip": "archive", "json": "json"}.get(_sniff(source.prefix), "html")
                stream = source.reader()
            else:
                kind = _kind_of(path)
                if kind == "other":
                    stats.add("extract_skipped", "not_a_page_file")
                    self.warn(f"{path}: neither HTML, an archive nor JSON lines; skipped")
                    return
                # Archives are decompressed by warcio (gzip member by member); the rest by extension.
                stream = open(path, "rb") if kind == "archive" else open_binary(path, self.limits)
            with stream:
                if kind == "archive":
                    yield from _archive_pages(stream, name, stats, self.on_error, self.warn, max_page, self.limits)
                elif kind == "json":
                    yield from _json_pages(stream, name, stats, self.on_error, self.warn, self.limits, max_page,
                                           self.html_field)
                else:
                    page = _html_page(name, stream.read(max_page + 1), stats, self.warn, max_page)
                    if page is not None:
                        yield page
        except DataError as error:
            stats.add("read", "skipped_files")
            self.on_error(error)
        except READ_ERRORS as exc:
            stats.add("read", "skipped_files")
            reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
            self.on_error(DataError(f"{name}: cannot read ({reason})"))


def read_pages(inputs: Sequence[str], **options) -> Iterator[Page]:
    """Library entry point: the pages of `inputs` (errors raise DataError)."""
    return iter(PageReader(inputs, **options))

