"""Reading and writing document streams.

Every command reads the same way: files, directories (walked in sorted order so output
is deterministic), glob patterns and `-` for stdin, compressed or not. A `.jsonl`/`.json`
file holds one document per line; any other file is one document. Output is JSON lines,
or plain text when plain text came in on stdin, written atomically when it goes to a file.
Bad inputs are reported through a callback and skipped, never dropped in silence.
"""

from __future__ import annotations

import bz2
import codecs
import glob
import gzip
import io
import lzma
import os
import stat
import sys
import zlib
from dataclasses import dataclass
from typing import IO, BinaryIO, Callable, Iterable, Iterator, Sequence

from corpuskit.doc import Doc, RawRecord, doc_from_json
from corpuskit.errors import DataError, UsageError
from corpuskit.legacy import CODECS, decode_legacy_bytes
from corpuskit.outputs import AtomicFile
from corpuskit.stats import Stats

STDIN = "-"
STDIN_NAME = "<stdin>"
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
_GLOB_CHARS = set("*?[")

ErrorHandler = Callable[[DataError], None]


def _raise(error: DataError) -> None:
    raise error


# --- paths -------------------------------------------------------------------------------


def _strip_compression(path: str) -> str:
    for suffix in COMPRESSED_SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def is_jsonl_path(path: str) -> bool:
    return _strip_compression(path).lower().endswith(JSONL_SUFFIXES)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _walk(directory: str, on_error: ErrorHandler) -> Iterator[str]:
    """Files below `directory`, sorted (each folder's files, then its sub-folders in
    order), hidden files and folders left out.

    Nothing is skipped in silence: a folder that cannot be listed, a FIFO, socket or device
    (never opened: reading one would block or never end), and a symbolic link to a folder
    already walked (a loop, or a second path to the same files) are reported. Other
    symbolic links to folders are followed. The walk keeps its own stack, so a folder a
    thousand levels deep is no deeper for Python than a flat one."""

    def report(path: str, reason: str) -> None:
        on_error(DataError(f"{path}: {reason}"))

    try:
        info = os.stat(directory)
    except OSError as exc:
        report(directory, f"cannot read folder ({exc.strerror or exc})")
        return
    walked = {(info.st_dev, info.st_ino)}
    stack = [directory]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted((entry for entry in listing if not entry.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            report(exc.filename or folder, f"cannot read folder ({exc.strerror or exc})")
            continue
        folders = []
        for entry in entries:
            path = os.path.join(folder, entry.name)
            try:
                info = os.stat(path)  # follows symbolic links
            except OSError as exc:
                if entry.is_symlink():
                    report(path, f"symbolic link to nothing ({exc.strerror or exc}); skipped")
                else:
                    report(path, f"cannot read ({exc.strerror or exc})")
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in walked:
                    report(path, "symbolic link to a folder already read (a loop, or a second path to it); skipped")
                    continue
                walked.add(key)
                folders.append(path)
            elif stat.S_ISREG(info.st_mode):
                yield path
            else:
                report(path, f"{_kind(info.st_mode)}, not a regular file; skipped")
        stack.extend(reversed(folders))


def check_inputs(inputs: Sequence[str]) -> tuple[list[str], list[DataError]]:
    """Expand glob patterns and find the inputs that are missing, before any output is
    written. Missing inputs are bad inputs like the others: reported, the rest processed."""
    checked: list[str] = []
    missing: list[DataError] = []
    for arg in inputs or [STDIN]:
        if arg == STDIN or os.path.lexists(arg):
            checked.append(arg)
        elif _GLOB_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                missing.append(DataError(f"{arg}: no file matches this pattern"))
            checked.extend(matches)
        else:
            missing.append(DataError(f"{arg}: no such file or directory"))
    if checked.count(STDIN) > 1:
        raise UsageError("standard input (-) is named more than once")
    return checked, missing


def iter_paths(inputs: Sequence[str], protected: Iterable[str] = (), on_error: ErrorHandler = _raise) -> Iterator[str]:
    """Expand checked inputs to file paths; refuse any that is a `protected` (output) file."""
    protected = {os.path.realpath(p) for p in protected}
    for arg in inputs:
        paths = _walk(arg, on_error) if arg != STDIN and os.path.isdir(arg) else [arg]
        for path in paths:
            if path != STDIN and os.path.realpath(path) in protected:
                raise UsageError(f"{path}: is also an output file; refusing to overwrite an input")
            yield path


class _ZstdFrames(io.RawIOBase):
    """A .zst file as a byte stream, frame after frame, that notices a truncated last frame
    (zstandard's own reader ends such a stream quietly, which would lose documents). Input
    is fed in small chunks so that a decompression bomb cannot fill memory at once."""

    CHUNK = 1024

    def __init__(self, path: str) -> None:
        import zstandard

        self._file = open(path, "rb")
        self._context = zstandard.ZstdDecompressor()
        self._frame = None
        self._pending = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._pending):
            chunk = self._file.read(self.CHUNK)
            if not chunk:
                if self._frame is not None and not self._frame.eof:
                    raise EOFError("compressed stream ends in the middle of a frame (truncated file)")
                return 0
            self._pending, self._offset = self._decompress(chunk), 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = self._pending[self._offset : self._offset + size]
        self._offset += size
        return size

    def _decompress(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            if self._frame is None or self._frame.eof:
                self._frame = self._context.decompressobj()
            out.append(self._frame.decompress(chunk))
            chunk = self._frame.unused_data if self._frame.eof else b""
        return b"".join(out)

    def close(self) -> None:
        self._file.close()
        super().close()


@dataclass(frozen=True)
class ReadLimits:
    """What one input may cost, whatever it holds.

    A document is read whole before it is worked on, so one JSON line (or one text file)
    is bounded: 64 MB by default, 20 times the longest real article. A compressed file
    may expand to at most 100 times its own size (or 256 MB, whichever is more): real text
    compresses 3 to 10 times, while a decompression bomb (a few kilobytes that inflate to
    gigabytes) goes far beyond. Past a bound, the record or file is reported as bad input
    by name and line, and the rest of the run goes on.
    """

    max_doc_bytes: int = 64 * 2**20
    max_expansion: float = 100.0
    expansion_floor: int = 256 * 2**20

    def __post_init__(self) -> None:
        if not isinstance(self.max_doc_bytes, int) or isinstance(self.max_doc_bytes, bool) or self.max_doc_bytes < 1:
            raise ValueError("max_doc_bytes must be a positive number of bytes")
        if not isinstance(self.max_expansion, (int, float)) or isinstance(self.max_expansion, bool) or not self.max_expansion >= 1:
            raise ValueError("max_expansion must be a number of at least 1")


DEFAULT_LIMITS = ReadLimits()


def _megabytes(size: float) -> str:
    if size >= 2**20 and size % 2**20 == 0:
        return f"{size / 2**20:,.0f} MB"
    return f"{size / 1e6:,.3g} MB" if size >= 10**6 else f"{size:,.0f} bytes"


class _Bounded(io.RawIOBase):
    """A decompressed stream that stops with an error once it has given `limit` bytes."""

    def __init__(self, stream: BinaryIO, limit: int, name: str, compressed: int, ratio: float) -> None:
        self._stream, self._limit, self._given = stream, limit, 0
        self._name, self._compressed, self._ratio = name, compressed, ratio

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self._stream.readinto(buffer) or 0
        self._given += size
        if self._given > self._limit:
            raise DataError(f"{self._name}: decompresses to more than {_megabytes(self._limit)} from {_megabytes(self._compressed)} "
                            f"(over {self._ratio:g} times its size: a decompression bomb?); the rest of it is skipped "
                            "(--max-expansion raises the bound)")
        return size

    def close(self) -> None:
        self._stream.close()
        super().close()


def open_binary(path: str, limits: ReadLimits = DEFAULT_LIMITS) -> BinaryIO:
    """Open a file for reading, decompressing by extension; a compressed file is bounded
    by `limits` (see ReadLimits)."""
    if path.endswith(".gz"):
        stream = gzip.open(path, "rb")
    elif path.endswith(".bz2"):
        stream = bz2.open(path, "rb")
    elif path.endswith(".xz"):
        stream = lzma.open(path, "rb")
    elif path.endswith(".zst"):
        stream = io.BufferedReader(_ZstdFrames(path), buffer_size=1 << 16)
    else:
        return open(path, "rb")
    try:
        compressed = os.stat(path).st_size
    except OSError:
        compressed = 0
    limit = max(limits.expansion_floor, int(compressed * limits.max_expansion))
    return io.BufferedReader(_Bounded(stream, limit, path, compressed, limits.max_expansion), buffer_size=1 << 16)


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The lines of a stream; a line longer than `limit` bytes is read past (never held
    whole) and given as None, so that the caller reports it and goes on with the next."""
    readline = stream.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                rest = readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _read_errors() -> tuple[type[BaseException], ...]:
    """What a damaged file raises while it is read: OS errors, truncated or corrupt
    compressed streams of every supported kind."""
    errors: list[type[BaseException]] = [OSError, EOFError, lzma.LZMAError, zlib.error]
    try:
        import zstandard

        errors.append(zstandard.ZstdError)
    except ImportError:  # pragma: no cover - a dependency
        pass
    return tuple(errors)


READ_ERRORS = _read_errors()


# --- decoding ----------------------------------------------------------------------------


def decode_bytes(data: bytes, name: str, legacy: str = "auto") -> tuple[str, str | None]:
    """Decode one file's bytes; return the text and the legacy encoding used, if any.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as they are. Bytes that are
    not UTF-8 are tried as legacy Vietnamese encodings (`legacy="auto"`, or a named one).
    """
    if not data:
        raise DataError(f"{name}: empty file")
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            raise DataError(f"{name}: not valid UTF-16 at byte {exc.start}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataError(f"{name}: binary file (NUL byte at {nul})")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        position = exc.start
        if exc.end == len(data) and exc.reason == "unexpected end of data":
            raise DataError(f"{name}: UTF-8 cut off in the middle of a character at byte {position} (truncated file?)") from None
    if legacy == "auto" and _looks_like_damaged_utf8(data):
        raise DataError(f"{name}: not UTF-8 at byte {position} (damaged UTF-8: most of its non-ASCII bytes are valid UTF-8)")
    if legacy in CODECS and legacy != "viqr":
        return CODECS[legacy].decode_bytes(data), legacy
    if legacy == "auto":
        found = decode_legacy_bytes(data)
        if found is not None:
            return found
    raise DataError(f"{name}: not UTF-8 at byte {position}")


def _looks_like_damaged_utf8(data: bytes) -> bool:
    """Mostly valid UTF-8 with a few bad bytes: damaged UTF-8, not a legacy encoding, whose
    letters are single high bytes that almost never form valid UTF-8 sequences."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = sum(1 for char in text if char > "\x7f") - bad - data.count(b"\xef\xbf\xbd")
    return good >= 3 and good >= bad


# --- reading -----------------------------------------------------------------------------


def _read_jsonl(stream: BinaryIO, name: str, on_error: ErrorHandler, stats: Stats, raw_records: bool = False,
                limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Doc]:
    """The documents of a JSON lines stream. An empty stream is an empty corpus (a filter
    that kept nothing wrote it), not an error."""
    count = 0
    try:
        for lineno, raw in enumerate(bounded_lines(stream, limits.max_doc_bytes), 1):
            if raw is None:
                stats.add("read", "skipped_records")
                on_error(DataError(f"{name}:{lineno}: record longer than {_megabytes(limits.max_doc_bytes)}; skipped "
                                   "(--max-doc-size raises the bound)"))
                continue
            if not raw.strip():
                continue
            if raw_records:  # parsed (and checked) by the worker that transforms it
                count += 1
                yield RawRecord(raw, f"{name}:{lineno}")
                continue
            try:
                doc = doc_from_json(raw, f"{name}:{lineno}")
            except DataError as error:
                stats.add("read", "skipped_records")
                on_error(error)
                continue
            count += 1
            yield doc
    finally:
        stats.add("read", "documents", count)  # counted once: this loop is the hot path


def _text_doc(text: str, name: str, encoding: str | None, path: str | None) -> Doc:
    metadata: dict = {}
    if path is not None:
        metadata["path"] = path
    if encoding is not None:
        metadata["encoding"] = encoding
    return Doc(name, text, metadata)


def _read_file(path: str, legacy: str, on_error: ErrorHandler, stats: Stats, raw_records: bool = False,
               limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Doc]:
    stats.add("read", "files")
    try:
        if is_jsonl_path(path):
            with open_binary(path, limits) as stream:
                yield from _read_jsonl(stream, path, on_error, stats, raw_records, limits)
            return
        with open_binary(path, limits) as stream:
            data = stream.read(limits.max_doc_bytes + 1)
        if len(data) > limits.max_doc_bytes:
            raise DataError(f"{path}: one document larger than {_megabytes(limits.max_doc_bytes)}; skipped "
                            "(--max-doc-size raises the bound)")
        text, encoding = decode_bytes(data, path, legacy)
    except DataError as error:
        stats.add("read", "skipped_files")
        on_error(error)
        return
    except READ_ERRORS as exc:
        stats.add("read", "skipped_files")
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
        on_error(DataError(f"{path}: cannot read ({reason})"))
        return
    stats.add("read", "documents")
    yield _text_doc(text, path, encoding, path)


class _Prefixed(io.RawIOBase):
    """Bytes already read (the sniffed prefix), then the rest of a stream."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix, self._stream = memoryview(prefix), stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        read = getattr(self._stream, "read1", self._stream.read)
        chunk = read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class StdinSource:
    """Standard input, sniffed once: JSON lines when the first non-blank byte is `{`.

    Blank bytes before the first character are kept (they belong to a plain-text document)
    up to the size of one document; the sniffing never holds more than that."""

    def __init__(self, stream: BinaryIO | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self.stream = stream if stream is not None else sys.stdin.buffer
        self.limits = limits
        chunks: list[bytes] = []
        held = 0
        while held <= limits.max_doc_bytes:
            chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
            held += len(chunk)
            if chunk.strip():
                break
        self.prefix = b"".join(chunks)
        stripped = self.prefix.lstrip()
        self.kind = "empty" if not stripped and held <= limits.max_doc_bytes else "jsonl" if stripped.startswith(b"{") else "text"

    def reader(self) -> BinaryIO:
        return io.BufferedReader(_Prefixed(self.prefix, self.stream), buffer_size=1 << 16)

    def read_all(self) -> bytes:
        """The whole input as one document: at most one byte past the limit (the caller
        reports a larger one)."""
        return self.reader().read(self.limits.max_doc_bytes + 1)


def _read_stdin(source: StdinSource, legacy: str, on_error: ErrorHandler, stats: Stats, raw_records: bool = False) -> Iterator[Doc]:
    if source.kind == "empty":
        on_error(DataError(f"{STDIN_NAME}: empty input"))
        return
    if source.kind == "jsonl":
        yield from _read_jsonl(source.reader(), STDIN_NAME, on_error, stats, raw_records, source.limits)
        return
    try:
        data = source.read_all()
        if len(data) > source.limits.max_doc_bytes:
            raise DataError(f"{STDIN_NAME}: one document larger than {_megabytes(source.limits.max_doc_bytes)} "
                            "(--max-doc-size raises the bound)")
        text, encoding = decode_bytes(data, STDIN_NAME, legacy)
    except DataError as error:
        on_error(error)
        return
    stats.add("read", "documents")
    yield _text_doc(text, "stdin", encoding, None)


@dataclass
class Reader:
    """A document stream over the given inputs. Iterate it once."""

    inputs: Sequence[str]
    legacy: str = "auto"
    on_error: ErrorHandler = _raise
    stats: Stats = None  # type: ignore[assignment]
    protected: Sequence[str] = ()
    stdin: StdinSource | None = None
    # JSON lines passed on unparsed as RawRecord (for worker processes, which parse them).
    raw_records: bool = False
    limits: ReadLimits = DEFAULT_LIMITS

    def __post_init__(self) -> None:
        self.inputs, self.missing = check_inputs(self.inputs)
        if self.stats is None:
            self.stats = Stats()
        if STDIN in self.inputs and self.stdin is None:
            self.stdin = StdinSource(limits=self.limits)

    @property
    def plain_text_stdin(self) -> bool:
        return self.inputs == [STDIN] and self.stdin is not None and self.stdin.kind == "text"

    def __iter__(self) -> Iterator[Doc]:
        for error in self.missing:
            self.stats.add("read", "skipped_files")
            self.on_error(error)
        for path in iter_paths(self.inputs, self.protected, self.on_error):
            if path == STDIN:
                yield from _read_stdin(self.stdin, self.legacy, self.on_error, self.stats, self.raw_records)
            else:
                yield from _read_file(path, self.legacy, self.on_error, self.stats, self.raw_records, self.limits)


def read_documents(inputs: Sequence[str], **options) -> Iterator[Doc]:
    """Library entry point: iterate over the documents of `inputs` (errors raise DataError)."""
    return iter(Reader(inputs, **options))


# --- writing -----------------------------------------------------------------------------


def _open_compressed(path: str, raw: BinaryIO) -> BinaryIO:
    if path.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    if path.endswith(".bz2"):
        return bz2.BZ2File(raw, "wb")
    if path.endswith(".xz"):
        return lzma.LZMAFile(raw, "wb")
    if path.endswith(".zst"):
        import zstandard

        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
    return raw


class Writer:
    """Write documents as JSON lines or plain text to stdout or to a file, atomically.

    A file output is written to a temporary file beside it and renamed on `commit()`, so
    that `make` never sees a half-written target; `abort()` leaves no trace.
    """

    def __init__(self, output: str | None, fmt: str = "jsonl") -> None:
        if fmt not in ("jsonl", "text"):
            raise UsageError(f"unknown output format {fmt!r}: use jsonl or text")
        self.output = output if output not in (None, STDIN) else None
        self.fmt = fmt
        self.count = 0
        self._target: AtomicFile | None = None
        if self.output is None:
            self._raw = None
            if sys.stdout is None or getattr(sys.stdout, "closed", False):
                raise UsageError("standard output is closed: name an output file with -o")
            if _has_fileno(sys.stdout):
                try:
                    self._stream: BinaryIO = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=1 << 16)
                except OSError:
                    raise UsageError("standard output is closed: name an output file with -o") from None
            else:
                self._stream = _TextSink(sys.stdout)
        else:
            self._target = AtomicFile(self.output)
            self._raw = self._target.handle
            self._stream = _open_compressed(self.output, self._raw)

    @property
    def tmp_path(self) -> str | None:
        return self._target.tmp_path if self._target is not None and not self._target.done else None

    @property
    def protected_paths(self) -> list[str]:
        return [p for p in (self.output, self.tmp_path) if p]

    def write(self, doc: Doc | RawRecord) -> None:
        if isinstance(doc, RawRecord):  # a JSON line passed on unparsed (a step that changed nothing)
            if self.fmt == "jsonl":
                self.write_encoded(doc.line)
                return
            doc = doc_from_json(doc.line, doc.where)
        if self.fmt == "jsonl":
            self._stream.write(doc.to_json_bytes() + b"\n")
        else:
            separator = b"\n" if self.count else b""
            self._stream.write(separator + doc.text.encode("utf-8", "surrogatepass") + b"\n")
        self.count += 1

    def write_encoded(self, data: bytes) -> None:
        """A document already encoded for this format (a JSON line, or its text): from a worker."""
        if self.fmt == "jsonl":
            self._stream.write(data + b"\n")
        else:
            self._stream.write((b"\n" if self.count else b"") + data + b"\n")
        self.count += 1

    def prepare(self) -> None:
        """Close the output (a full disk shows here); only the rename is left."""
        if self._target is None:
            if self._stream is not None:
                self._stream.flush()
                self._stream.close()
                self._stream = None
            return
        if self._target.done or self._target.prepared:
            return
        if self._raw is not self._stream:
            self._stream.close()  # a compressor's last frame (the file under it stays open)
        self._target.prepare()  # flushed, synced, closed

    def commit(self) -> None:
        self.prepare()
        if self._target is not None:
            self._target.commit()

    def abort(self) -> None:
        if self._target is None or self._target.done:
            return
        try:
            self._stream.close()
        except (OSError, ValueError):
            pass
        self._target.abort()


class _TextSink:
    """Bytes written to a text stream that has no file descriptor (as under CliRunner)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


def _has_fileno(stream: IO) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return False
    return True


def write_text_atomically(path: str | None, text: str) -> None:
    """Write a whole text to stdout (None or `-`) or to a file via a temporary file."""
    writer = Writer(path, "text")
    try:
        writer._stream.write(text.encode("utf-8"))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
