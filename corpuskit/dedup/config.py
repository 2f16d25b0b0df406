"""The dedup step's settings, apart from the step itself (which needs numpy and the
compiled core): the command line builds its options from here without loading them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

LINE_MODES = ("off", "report", "tag", "remove")
KEEP_RULES = ("original", "first")
AGAINST_MODES = ("drop", "tag")


@dataclass(frozen=True)
class DedupConfig:
    """Options of the dedup step.

    - exact / near: the two document levels; `threshold` is the Jaccard similarity of
      `shingle`-word shingles at which two documents are near duplicates, estimated from
      `num_perm` MinHash values (LSH proposes pairs; each is checked on the exact
      similarity of the two shingle sets).
    - keep: which copy of a cluster stays: "original" (the original outlet's copy, then
      the longest, then the smallest id) or "first" (the first to arrive).
    - lines: what to do with lines found in at least `line_min_docs` kept documents of
      one site or overall: "off", "report" (audit only), "tag" (metadata.repeated_lines),
      "remove" (each removal audited).
    - against: evaluation sets (files); a document sharing an `against_ngram`-word n-gram
      with them is dropped or tagged (`against_mode`).
    - memory: the budget for one partition and the write buffers (bytes).
    - jobs: threads of the compiled core (or worker processes of the pure path).
    """

    exact: bool = True
    near: bool = True
    threshold: float = 0.8
    num_perm: int = 128
    shingle: int = 5
    keep: str = "original"
    lines: str = "off"
    line_min_docs: int = 10
    against: tuple[str, ...] = ()
    against_ngram: int = 13
    against_mode: str = "drop"
    memory: int = 1 << 30
    jobs: int = 1
    work_dir: str | None = None
    tries: int = 4
    batch: int = 2048

    def __post_init__(self) -> None:
        def whole(name, low, high):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}")

        for flag in ("exact", "near"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be true or false")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) or not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be a number above 0 and at most 1, got {self.threshold!r}")
        whole("num_perm", 16, 1024)
        whole("shingle", 1, 64)
        whole("line_min_docs", 2, 1 << 40)
        whole("against_ngram", 3, 200)
        whole("memory", 64 << 20, 1 << 50)
        whole("jobs", 1, 256)
        whole("tries", 1, 64)
        whole("batch", 16, 1 << 20)
        if self.keep not in KEEP_RULES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_RULES)}")
        if self.lines not in LINE_MODES:
            raise ValueError(f"lines must be one of {', '.join(LINE_MODES)}")
        if self.against_mode not in AGAINST_MODES:
            raise ValueError(f"against_mode must be one of {', '.join(AGAINST_MODES)}")
        object.__setattr__(self, "threshold", float(self.threshold))
        object.__setattr__(self, "against", tuple(str(path) for path in self.against))

    def key(self, inputs: str) -> str:
        """What a rerun must share with the run it resumes: the settings that change the
        result, and the identity of the inputs."""
        settings = {k: v for k, v in asdict(self).items() if k not in ("jobs", "work_dir", "memory", "batch")}
        digest = hashlib.blake2b(json.dumps([settings, inputs], sort_keys=True, default=str).encode(), digest_size=8)
        return digest.hexdigest()
