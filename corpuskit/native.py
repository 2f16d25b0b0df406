"""The compiled core, when it is installed: `core` is the `corpuskit_native` module or None.

The hot loops (tokens and quality signals, hashes and MinHash, the rule prefilter, the
scan that tells normalize which lines need work) have a Rust implementation in `native/`,
built by maturin into the `corpuskit_native` extension. Each step module picks its
functions once, at import: the compiled one when `core` is there, else the pure-Python
function beside it, which is the specification (tests run both and compare them byte
for byte). `CORPUSKIT_PURE=1` forces the pure path.

Batches cross the boundary as one byte blob and an offsets array (`pack`), never one
call per line or per document: the crossing costs more than the work.

>>> blob, offsets = pack(["ab", "", "çd"])
>>> blob, len(offsets)
(b'ab\\xc3\\xa7d', 32)
"""

from __future__ import annotations

import os
import sys
from array import array
from typing import Iterable

ABI = 1  # the version of the boundary this package speaks; a mismatched build is not used


def _load():
    if os.environ.get("CORPUSKIT_PURE", "") not in ("", "0"):
        return None, "CORPUSKIT_PURE is set"
    try:
        import corpuskit_native
    except ImportError:
        return None, "not installed"
    if getattr(corpuskit_native, "ABI", None) != ABI:
        return None, f"built for another version (ABI {getattr(corpuskit_native, 'ABI', '?')}, expected {ABI}): rebuild it"
    return corpuskit_native, None


core, why_not = _load()
_told = False


def tell_once(quiet: bool = False) -> None:
    """One line on stderr, once per process, when the compiled core is missing (not when
    CORPUSKIT_PURE chose the pure path)."""
    global _told
    if _told or quiet or core is not None or why_not == "CORPUSKIT_PURE is set":
        return
    _told = True
    print(f"corpuskit: note: the compiled core is {why_not}; using the pure-Python path (same output, slower). "
          "Build it with `make native` or `pip install ./native`.", file=sys.stderr)


def status() -> str:
    return "compiled (Rust)" if core is not None else f"pure Python ({why_not})"


def pack(texts: Iterable[str | bytes]) -> tuple[bytes, bytes]:
    """Texts as one UTF-8 blob and n + 1 little-endian u64 offsets. A lone surrogate (from
    a JSON escape) is kept as Python's `surrogatepass` bytes, so both paths hash the same."""
    encoded = [t if isinstance(t, bytes) else t.encode("utf-8", "surrogatepass") for t in texts]
    offsets = array("Q", [0])
    total = 0
    for item in encoded:
        total += len(item)
        offsets.append(total)
    if sys.byteorder != "little":  # pragma: no cover - every machine corpuskit runs on
        offsets.byteswap()
    return b"".join(encoded), offsets.tobytes()
