"""The document record that flows between every step: `Doc(id, text, metadata)`.

On disk and between commands a document is one JSON object per line,
`{"id": str, "text": str, "metadata": {...}}`, the layout datatrove and dolma use. Keys
other than these three are kept in `metadata`, so nothing a producer wrote is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from corpuskit.errors import DataError


@dataclass(frozen=True)
class Doc:
    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "text": self.text, "metadata": self.metadata}, ensure_ascii=False
        )


def doc_from_json(line: str | bytes, where: str) -> Doc:
    """Parse one JSON line; `where` ("file:line") names it in errors.

    A missing id is replaced by `where`, so every document can be traced to its origin.
    """
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: malformed JSON ({exc.msg} at column {exc.colno})") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not UTF-8 at byte {exc.start} of the line") from None
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
    if record:
        metadata = {**record, **metadata}
    return Doc(str(doc_id), text, metadata)
