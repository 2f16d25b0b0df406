"""One pass over a document to learn which fixes can apply to it at all.

Most documents need none of the repairs, and each fix can tell from a few rare
characters whether it might. Scanning a long text once per fix costs more than the fixes
themselves, so the fixes describe their triggers as `Hint`s and `Gate` finds, in one scan,
which of them occur.

With google-re2 installed (a dependency), the hints' `forward` forms go into one RE2 set,
a DFA that scans at a few hundred MB/s whatever the number of hints. Otherwise they are
merged into one `re` pattern that starts with a character class, so the engine jumps from
one rare character to the next in C. Either way a hint that fires only means "run this
fix's own, exact check": the forms may over-approximate, never miss.
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
    # RE2 patterns without look-arounds that match wherever the hint does (a superset).
    # Empty: a class of the keys, when RE2 accepts it.
    forward: tuple[str, ...] = ()

    def forward_patterns(self) -> tuple[str, ...]:
        return self.forward or (f"[{self.keys}]",)


def _re2_set(hints: list[Hint]):
    """An RE2 set of the hints' forward forms, and pattern index -> hint name; None when
    google-re2 is missing or a form does not compile (the `re` gate is used then)."""
    try:
        import re2
    except ImportError:
        return None
    options = re2.Options()
    options.max_mem = 64 << 20
    matcher = re2.Set.SearchSet(options)
    names = {}
    try:
        for hint in hints:
            for pattern in hint.forward_patterns():
                names[matcher.Add(pattern)] = hint.name
        matcher.Compile()
    except Exception:  # re2 raises its own error type for a pattern it rejects
        return None
    return matcher, names


class Gate:
    """Which of several hints fire on a text, found in one scan."""

    def __init__(self, hints: Iterable[Hint], use_re2: bool = True) -> None:
        self.hints = [h for h in hints if h.keys]
        self._patterns: dict[frozenset[str], re.Pattern | None] = {}
        self._re2 = _re2_set(self.hints) if use_re2 and self.hints else None

    @property
    def engine(self) -> str:
        return "re2" if self._re2 is not None else "re"

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
        if self._re2 is not None:
            matcher, names = self._re2
            try:
                return frozenset(names[i] for i in matcher.Match(text) or ())
            except UnicodeEncodeError:  # lone surrogates: the re gate copes with them
                pass
        found: frozenset[str] = frozenset()
        pos = 0
        while (pattern := self._pattern(found)) is not None:
            match = pattern.search(text, pos)
            if match is None:
                break
            found = found | {match.lastgroup}
            pos = match.start()
        return found
