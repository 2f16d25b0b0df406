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

    # Counters that name things once per run (the rule files used): merged by max, not summed.
    NAMING_STEPS = frozenset({"strip_rule_files", "filter_tokenizer", "export_tokenizer"})

    def merge(self, counts: dict[str, dict[str, int]]) -> None:
        """Add the counts of another Stats (a worker's, as `as_dict()` gives them)."""
        for step, counter in counts.items():
            target = self.counts[step]
            for key, amount in counter.items():
                target[key] = max(target[key], amount) if step in self.NAMING_STEPS else target[key] + amount

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
