"""The extract step: pages in, documents out, every page accounted for.

Each page is decoded (corpuskit.extract.charset), handed to the chosen extractor under a
time limit, its text composed (NFC) and converted from a legacy Vietnamese font encoding
when it spells one, and written as a document `{"id", "text", "metadata"}` with the URL,
title, date, author, site, language hint, charset and source archive where known.

A page gives no document in three named ways, each counted in the stats and sent to
`on_failed` with its URL: no article text found (`no_text`), the extractor ran past its time
limit (`timeout`), or the extractor raised (`error`). So pages in = documents out + the
three counts, and the records skipped before extraction are counted by the reader.

The time limit is an interval timer (SIGALRM) in the process's main thread: extractors are
mostly Python over lxml trees, so the alarm lands within a few milliseconds. Where there
is no main thread to signal (a thread pool), pages run unbounded in time but still bounded
in size by the reader.
"""

from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from corpuskit.doc import Doc
from corpuskit.errors import UsageError
from corpuskit.extract.charset import codec_name, decode_page
from corpuskit.extract.engines import ENGINES, load_engine
from corpuskit.extract.sources import DEFAULT_MAX_PAGE_BYTES, Page
from corpuskit.marks import nfc
from corpuskit.stats import Stats

DEFAULT_ENGINE = "trafilatura"
FAST_ENGINE = "resiliparse"

_HTML_LANG = re.compile(rb"<html\b[^>]{0,512}?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})?)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass(frozen=True)
class ExtractConfig:
    """How pages are read. `engine` is a name in ENGINES; `timeout` is seconds per page."""

    engine: str = DEFAULT_ENGINE
    timeout: float = 10.0
    title: bool = True
    min_chars: int = 1
    sandbox: bool = True  # extract in a child process that is killed when a page hangs it (Sandbox)
    html_field: str | None = None  # JSON lines input: the key holding the HTML
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES

    def __post_init__(self) -> None:
        if not isinstance(self.engine, str) or self.engine not in ENGINES:
            raise UsageError(f"extract: engine must be one of {', '.join(sorted(ENGINES))}, not {self.engine!r}")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) or not self.timeout > 0:
            raise UsageError(f"extract: timeout must be a positive number of seconds, not {self.timeout!r}")
        if not isinstance(self.sandbox, bool):
            raise UsageError(f"extract: sandbox must be true or false, not {self.sandbox!r}")
        if not isinstance(self.title, bool):
            raise UsageError(f"extract: title must be true or false, not {self.title!r}")
        if isinstance(self.min_chars, bool) or not isinstance(self.min_chars, int) or self.min_chars < 1:
            raise UsageError(f"extract: min_chars must be a positive whole number, not {self.min_chars!r}")
        if self.html_field is not None and (not isinstance(self.html_field, str) or not self.html_field):
            raise UsageError(f"extract: html_field must be a key name, not {self.html_field!r}")
        if isinstance(self.max_page_bytes, bool) or not isinstance(self.max_page_bytes, int) or self.max_page_bytes < 1:
            raise UsageError(f"extract: max_page_bytes must be a positive whole number, not {self.max_page_bytes!r}")


class PageTimeout(Exception):
    """The extractor ran past the page's time limit."""


def _alarm(signum, frame):
    raise PageTimeout


@contextmanager
def time_limit(seconds: float):
    """Raise PageTimeout in the block after `seconds` (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def html_lang(data: bytes) -> str | None:
    """The language a page declares on its <html> element (a hint, not a finding).

    >>> html_lang(b'<!DOCTYPE html><html lang="vi-VN"><head>')
    'vi'
    """
    match = _HTML_LANG.search(data[:8192])
    return match.group(1).decode("ascii").lower().replace("_", "-").split("-")[0] if match else None


# Font-encoded Vietnamese (TCVN3, VNI) reaches the web under a Latin charset, or on a page
# that says it is Vietnamese; other pages are not tried (the test costs a quarter of the
# fast extractor's time on English pages, whose "·" and "»" wake its hints).
_LATIN_CHARSETS = frozenset({"cp1252", "latin_1", "iso8859-1", "cp1258", "iso8859-15"})


def _may_spell_legacy(charset: str, lang: str | None) -> bool:
    return lang == "vi" or (codec_name(charset) or charset) in _LATIN_CHARSETS


def _legacy_fix(text: str) -> tuple[str, str | None]:
    from corpuskit.legacy import convert_legacy_text

    return convert_legacy_text(text, "auto")


def extract_page(page: Page, config: ExtractConfig) -> tuple[Doc | None, str | None]:
    """One page's document, or None and the reason it gave none ('no_text', 'timeout',
    'error: ...'). Runs under the page's time limit."""
    html, charset = decode_page(page.data, page.http_charset)
    html = _XML_DECLARATION.sub("", html, count=1)  # lxml refuses text that declares an encoding
    engine = config.engine
    load_engine(engine)  # outside the time limit (imports once; a no-op after)
    try:
        with time_limit(config.timeout):
            found = ENGINES[engine](html, page.url)
    except PageTimeout:
        return None, "timeout"
    except RecursionError:
        return None, "error: nested too deeply"
    except Exception as error:  # an extractor's bug on one page must not end the run
        return None, f"error: {type(error).__name__}: {' '.join(str(error).split())[:200]}"
    text = nfc(found.text(config.title))
    if len(text.strip()) < config.min_chars:
        return None, "no_text"
    metadata = dict(page.metadata)
    lang = html_lang(page.data)
    title = nfc(found.title) if found.title else None
    if _may_spell_legacy(charset, lang):
        text, legacy = _legacy_fix(text)
        if legacy is not None:
            metadata["encoding"] = legacy
            title = _legacy_fix(title)[0] if title else None
    if page.url:
        metadata["url"] = page.url
    if title:
        metadata["title"] = title
    for key, value in found.metadata.items():
        metadata.setdefault(key, value)
    if lang:
        metadata["lang_hint"] = lang
    metadata["charset"] = codec_name(charset) or charset
    if page.source:
        metadata["source"] = page.source
    metadata["extractor"] = engine
    return Doc(page.id, text, metadata), None


# How long past its own time limit a page may keep the extractor's process before that
# process is killed (the limit inside it is a signal, which compiled code does not see).
GRACE_SECONDS = 2.0


def _serve(connection, config: ExtractConfig) -> None:
    """The sandbox process: extract each page it is sent until told to stop."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; a Ctrl-C reaches it
    while True:
        try:
            page = connection.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if page is None:
            return
        connection.send(extract_page(page, config))


class Sandbox:
    """Extraction in a child process, so that a page on which an extractor is stuck in
    compiled code (past any signal: a parser quadratic in some structure) or crashes is
    reported as that page's failure, the child replaced, and the run goes on. Inside the
    child the page's time limit is still a signal (the cheap, usual way out); the parent
    waits `timeout + GRACE_SECONDS` and then kills the child."""

    def __init__(self, config: ExtractConfig) -> None:
        self.config = config
        self.process = None
        self.connection = None

    def _start(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        mine, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, self.config), daemon=True)
        self.process.start()
        theirs.close()
        self.connection = mine

    def run(self, page: Page) -> tuple[Doc | None, str | None]:
        if self.process is None or not self.process.is_alive():
            self._start()
        try:
            self.connection.send(page)
            if self.connection.poll(self.config.timeout + GRACE_SECONDS):
                return self.connection.recv()
        except (EOFError, OSError):
            self._stop()
            return None, "error: the extractor's process died on this page"
        self._stop()
        return None, "timeout"

    def _stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None

    def close(self) -> None:
        if self.process is not None and self.process.is_alive():
            try:
                self.connection.send(None)
                self.process.join(timeout=1)
            except OSError:
                pass
        self._stop()


def extract(pages: Iterable[Page], config: ExtractConfig, stats: Stats,
            on_failed: Callable[[dict], None] | None = None) -> Iterator[Doc]:
    """The documents of `pages`; pages that give none go to `on_failed` with their reason.
    With `config.sandbox` (the default) the extractor runs in a child process (see Sandbox)."""
    box = Sandbox(config) if config.sandbox else None
    try:
        yield from _extract(pages, config, stats, on_failed, box)
    finally:
        if box is not None:
            box.close()


def _extract(pages: Iterable[Page], config: ExtractConfig, stats: Stats, on_failed: Callable[[dict], None] | None,
             box: "Sandbox | None") -> Iterator[Doc]:
    for page in pages:
        stats.add("extract", "pages")
        doc, reason = box.run(page) if box is not None else extract_page(page, config)
        if doc is not None:
            stats.add("extract", "documents")
            yield doc
            continue
        kind = reason.split(":")[0]
        stats.add("extract", kind)
        if on_failed is not None:
            record = {"id": page.id, "reason": reason}
            if page.url:
                record["url"] = page.url
            if page.source:
                record["source"] = page.source
            on_failed(record)
