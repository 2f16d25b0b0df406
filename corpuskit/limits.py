"""Bounds on the work that one document can cost: regex time limits.

A rule file is code written by strangers: one pattern such as `(a|aa)+b` backtracks
exponentially and holds a run for hours on a line of 40 letters. Two defences:

- **At check time** (`corpuskit rules check`), every pattern is probed with lines built
  from its own characters, repeated a few thousand times; a pattern that needs more than
  a tenth of a second on one of them backtracks badly and is rejected with `file:line`.
- **At run time**, the rules applied to one document run under a time limit (an interval
  timer: both regex engines check for signals while they match, so the limit interrupts
  a match in progress). Setting the timer costs two system calls per document, against
  about a microsecond per line for a timeout on every regex call. When the limit is hit,
  the document is examined rule by rule with a per-call timeout to name the culprit(s),
  which are then left out for that document (`corpuskit.strip`).
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import regex

# Per document: a base plus a share per megabyte. The bundled packs strip 30+ MB/s, so a
# document that hits this limit is 50-100x slower than it should be.
BASE_SECONDS = 1.0
SECONDS_PER_MB = 2.0
# Per regex call while looking for the culprit.
CALL_SECONDS = 0.25


class TimeLimitExceeded(Exception):
    """Raised inside the work when its time limit is up."""


def document_budget(chars: int) -> float:
    return BASE_SECONDS + SECONDS_PER_MB * chars / 1e6


def _on_alarm(signum, frame) -> None:
    raise TimeLimitExceeded()


def _timers_available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[bool]:
    """Raise TimeLimitExceeded in the block after `seconds`. Yields False (and sets no
    limit) where timers are not available: outside the main thread, or on Windows."""
    if not _timers_available():
        yield False
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class DocumentTimer:
    """`time_limit` for a stream of documents: the handler is installed once per stream
    (in `start`), so that each document costs only two setitimer calls."""

    def __init__(self) -> None:
        self.active = False
        self._previous = None

    def start(self) -> None:
        if _timers_available():
            self._previous = signal.signal(signal.SIGALRM, _on_alarm)
            self.active = True

    def stop(self) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self.active = False

    def arm(self, seconds: float) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, seconds)

    def disarm(self) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)


# --- probing a pattern for catastrophic backtracking ------------------------------------

PROBE_LENGTH = 3000
PROBE_SECONDS = 0.1
_REPRESENTATIVES = "a A 0 . , - : ( ) / ă Đ \t".split(" ") + [" "]
_LITERAL = regex.compile(r"\\[pPN]\{[^}]*\}|\\.|[^\\\[\](){}*+?|^$]")


def _probe_units(source: str) -> list[str]:
    """Strings to repeat: each character the pattern names, pairs of neighbours (for
    alternations like `a|ab`), and one representative of each common class."""
    chars = []
    for token in _LITERAL.findall(source):
        if len(token) == 1:
            chars.append(token)
        elif len(token) == 2 and not token[1].isalnum():
            chars.append(token[1])
    units = list(dict.fromkeys(chars + _REPRESENTATIVES))
    pairs = [a + b for a, b in zip(chars, chars[1:]) if a != b]
    return units + list(dict.fromkeys(pairs))[:20]


def _literal_runs(source: str, most: int = 3) -> list[str]:
    """Runs of literal characters in a pattern (`Theo ` of `Theo (a|aa)+b`): a probe line
    must start with them, or the engine gives up at the first character and a pattern
    that backtracks badly after its literal prefix looks fast."""
    runs: list[str] = []
    current, end = "", -1
    for match in _LITERAL.finditer(source):
        token = match.group()
        char = token if len(token) == 1 else token[1] if len(token) == 2 and not token[1].isalnum() else None
        if char is None or match.start() != end:
            if len(current) >= 2:
                runs.append(current)
            current = ""
        if char is not None:
            current += char
        end = match.end()
    if len(current) >= 2:
        runs.append(current)
    return list(dict.fromkeys(runs))[:most]


def probe_backtracking(pattern: regex.Pattern, full_line: bool) -> str | None:
    """None when the pattern stays fast on long repetitive lines; otherwise what was slow.

    The lines start with nothing or with one of the pattern's literal runs, and end with a
    character that the pattern is unlikely to accept, which is what makes a backtracking
    engine try every way of splitting the run before it gives up.
    """
    tails = ("\x00", "!", "")
    units = _probe_units(pattern.pattern)
    for prefix in ["", *_literal_runs(pattern.pattern)]:
        for unit in units:
            body = prefix + unit * (PROBE_LENGTH // len(unit))
            for tail in tails:
                line = body + tail
                started = time.perf_counter()
                try:
                    (pattern.fullmatch if full_line else pattern.search)(line, timeout=PROBE_SECONDS)
                except TimeoutError:
                    return f"{len(line)} characters of {prefix!r} then {unit!r} repeated take over {PROBE_SECONDS:g} s"
                if time.perf_counter() - started > PROBE_SECONDS:
                    return f"{len(line)} characters of {prefix!r} then {unit!r} repeated take over {PROBE_SECONDS:g} s"
    return None
