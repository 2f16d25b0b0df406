"""The document record that flows between every step: `Doc(id, text, metadata)`.

On disk and between commands a document is one JSON object per line,
`{"id": str, "text": str, "metadata": {...}}`, the layout datatrove and dolma use. Keys
other than these three are kept in `metadata`, so nothing a producer wrote is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from corpuskit.errors import DataError


_CANONICAL_KEYS = ("id", "text", "metadata")
# Metadata nested deeper than this is refused when read: every JSON encoder on the way
# (orjson stops at 255 levels, the standard library's at Python's recursion limit) would
# fail on it later, far from the line it came from.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Doc:
    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    # The JSON line this document was read from, when it was already in canonical form. A
    # step that leaves the document as it is passes the same object on, and the writer
    # copies these bytes instead of encoding the text again (a third of the I/O cost).
    raw: bytes | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "text": self.text, "metadata": self.metadata}, ensure_ascii=False
        )

    def to_json_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        try:  # orjson writes UTF-8 directly, several times faster than json + encode
            return orjson.dumps({"id": self.id, "text": self.text, "metadata": self.metadata})
        except (orjson.JSONEncodeError, TypeError):  # lone surrogates, odd metadata values
            record = {"id": self.id, "text": self.text, "metadata": self.metadata}
            return json.dumps(record, ensure_ascii=True).encode("ascii")  # escapes stay valid JSON


@dataclass(frozen=True)
class RawRecord:
    """A JSON line not parsed yet, with where it came from (`file:line`), on its way to
    the worker process that parses and transforms it (see corpuskit.parallel)."""

    line: bytes
    where: str


def doc_from_json(line: str | bytes, where: str) -> Doc:
    """Parse one JSON line; `where` ("file:line") names it in errors.

    A missing id is replaced by `where`, so every document can be traced to its origin.
    A line whose keys are exactly id, text, metadata in that order is kept as `raw`.
    """
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return _explain_bad_json(line, where)
    if isinstance(record, dict):
        metadata = record.get("metadata")
        if (isinstance(metadata, dict) and metadata and _holds_big_float(metadata)) or isinstance(record.get("id"), float):
            return _explain_bad_json(line, where)  # an integer past 64 bits: read exactly
        canonical = tuple(record) == _CANONICAL_KEYS
    else:
        canonical = False
    return _doc_from_record(record, line, where, canonical)


def _holds_big_float(value: Any) -> bool:
    """orjson reads an integer beyond 64 bits as a float, silently rounded: such a value
    sends the line to the exact (standard library) parser. Small metadata: a short walk."""
    stack = [value]
    while stack:
        item = stack.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, float):
                if abs(child) >= 9.2e18 and child.is_integer():
                    return True
            elif isinstance(child, (dict, list)):
                stack.append(child)
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large for a number")
    return value


def _explain_bad_json(line: str | bytes, where: str) -> Doc:
    """Re-parse with the standard library, whose errors say where (and is more lenient
    about lone surrogates, which ftfy later repairs). NaN and Infinity are refused (JSON
    has no such values, and every writer on the way would turn them into null)."""
    try:
        record = json.loads(line, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: malformed JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise DataError(f"{where}: JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not UTF-8 at byte {exc.start} of the line") from None
    except ValueError as exc:  # NaN, Infinity, 1e999, an integer of more than 4,300 digits
        reason = str(exc)
        if "digits" in reason:
            reason = "a number with more than 4,300 digits"
        raise DataError(f"{where}: unusable JSON value ({reason})") from None
    return _doc_from_record(record, line, where, canonical=False)


def _doc_from_record(record: Any, line: str | bytes, where: str, canonical: bool) -> Doc:
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.pop("text", None)
    if not isinstance(text, str):
        raise DataError(f"{where}: record has no \"text\" string")
    doc_id = record.pop("id", None)
    if doc_id is None:
        doc_id = where
    elif not isinstance(doc_id, (str, int)):
        raise DataError(f"{where}: \"id\" must be a string")
    metadata = record.pop("metadata", None)
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        raise DataError(f"{where}: \"metadata\" must be an object")
    elif metadata and _may_nest_deeply(line) and _deeper_than(metadata, MAX_DEPTH):
        raise DataError(f"{where}: metadata nested too deeply (more than {MAX_DEPTH} levels)")
    if record:
        if _may_nest_deeply(line) and _deeper_than(record, MAX_DEPTH):
            raise DataError(f"{where}: record nested too deeply (more than {MAX_DEPTH} levels)")
        metadata = {**record, **metadata}
    if metadata and not RESERVED.keys().isdisjoint(metadata):
        check_reserved(metadata, where)
    raw = None
    if canonical and isinstance(doc_id, str) and isinstance(line, bytes):
        raw = line.rstrip(b"\r\n")
    return Doc(str(doc_id), text, metadata, raw)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_count_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values())


def _is_boundary_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and isinstance(item.get("line"), int) and not isinstance(item.get("line"), bool)
        and isinstance(item.get("values", {}), dict) and isinstance(item.get("rule", ""), str)
        for item in value)


# Metadata keys that corpuskit's steps read back and build on (normalize appends to
# `normalized`, strip adds to `stripped` and moves `boundaries`, split reads `boundaries`
# and `teaser`): a producer's value of another shape (a scraper's `"normalized": true`)
# would break a step far from the line it came from, so it is refused when read, naming
# the line; `--skip-bad` skips that record and the run goes on.
RESERVED: dict[str, tuple[Any, str]] = {
    "normalized": (_is_str_list, "a list of fix names"),
    "stripped": (_is_count_map, "an object of rule ids and counts"),
    "boundaries": (_is_boundary_list, "a list of boundary records ({\"line\": N, ...})"),
    "strip_timeouts": (_is_str_list, "a list of rule names"),
    "teaser": (lambda v: isinstance(v, bool), "true or false"),
}


def check_reserved(metadata: dict, where: str) -> None:
    """Raise DataError when a key corpuskit builds on holds a value of another shape."""
    for key, (valid, shape) in RESERVED.items():
        if key in metadata and not valid(metadata[key]):
            shown = json.dumps(metadata[key], ensure_ascii=True, default=str)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise DataError(f"{where}: metadata.{key} is a key corpuskit writes itself and must be {shape}, "
                            f"got {shown} (rename that field)")


def _may_nest_deeply(line: str | bytes) -> bool:
    """A line with fewer opening brackets than the limit cannot nest deeper than it (two
    C-speed counts instead of a walk of the parsed metadata)."""
    if isinstance(line, bytes):
        return line.count(b"{") + line.count(b"[") > MAX_DEPTH
    return line.count("{") + line.count("[") > MAX_DEPTH


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests more than `limit` containers (iterative: the
    value may be deeper than Python's recursion limit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
