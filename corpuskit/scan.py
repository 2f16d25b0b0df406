"""One pass over a document to learn which fixes can apply to it at all.

Most documents need none of the repairs, and each fix can tell from a few rare
characters whether it might. Scanning a long text once per fix costs more than the fixes
themselves, so the fixes describe their triggers as `Hint`s and `Gate` merges them into a
single regex that starts with one character class: the engine then jumps from one rare
character to the next in C and checks each fix's condition only there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Hint:
    """`keys`: the inside of a character class that every trigger contains; `condition`: a
    regex evaluated right after one key character was consumed (look-behinds may re-check
    it). Matching means "this fix might change the text", never the reverse."""

    name: str
    keys: str
    condition: str = ""
    # Keys that are common letters: such a hint is tried on its own, while the rare ones
    # are grouped behind one shared check.
    frequent: bool = False


class Gate:
    """Which of several hints fire on a text, found in one scan."""

    def __init__(self, hints: Iterable[Hint]) -> None:
        self.hints = [h for h in hints if h.keys]
        self._patterns: dict[frozenset[str], re.Pattern | None] = {}

    def _pattern(self, found: frozenset[str]) -> re.Pattern | None:
        """The merged regex for the hints not found yet (compiled once per set)."""
        if found not in self._patterns:
            hints = [h for h in self.hints if h.name not in found]
            branch = lambda h: f"(?P<{h.name}>(?<=[{h.keys}]){h.condition})"  # noqa: E731
            rare = [h for h in hints if not h.frequent]
            # The rare hints go first, behind one shared check (measured faster).
            branches = [f"(?<=[{''.join(h.keys for h in rare)}])(?:{'|'.join(map(branch, rare))})"] if rare else []
            branches += [branch(h) for h in hints if h.frequent]
            union = "".join(h.keys for h in hints)
            self._patterns[found] = (
                re.compile(f"[{union}](?:{'|'.join(branches)})", re.MULTILINE) if hints else None
            )
        return self._patterns[found]

    def fired(self, text: str) -> frozenset[str]:
        found: frozenset[str] = frozenset()
        pos = 0
        while (pattern := self._pattern(found)) is not None:
            match = pattern.search(text, pos)
            if match is None:
                break
            found = found | {match.lastgroup}
            pos = match.start()
        return found
