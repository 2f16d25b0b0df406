"""Counters that every step fills as documents flow, reported at the end of a command."""

from __future__ import annotations

import json
from collections import Counter, defaultdict


class Stats:
    """Counts per step: `stats.add("normalize", "changed_by_ftfy")`.

    Kept as plain counters so that they can be merged from workers and written as JSON.
    """

    def __init__(self) -> None:
        self.counts: dict[str, Counter] = defaultdict(Counter)

    def add(self, step: str, key: str, amount: int = 1) -> None:
        self.counts[step][key] += amount

    def get(self, step: str, key: str) -> int:
        return self.counts[step][key]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {step: dict(sorted(counter.items())) for step, counter in self.counts.items()}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    def summary(self) -> str:
        """One line per step, for stderr."""
        lines = []
        for step, counter in self.as_dict().items():
            lines.append(f"{step}: " + ", ".join(f"{k}={v}" for k, v in counter.items()))
        return "\n".join(lines)
