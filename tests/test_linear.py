"""corpuskit's own regexes stay fast on long repetitive lines (no catastrophic backtracking).

Every compiled pattern at module level in the package is probed the way `rules check`
probes rule files (corpuskit.limits): lines of a few thousand repetitions of characters
the pattern names, ending in a character it may reject. A superlinear pattern takes
seconds there; a linear one, microseconds.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest
import regex

import corpuskit
from corpuskit.limits import TimeLimitExceeded, _probe_units, time_limit

# Patterns only ever applied to a bounded slice of text, where their cost is bounded too.
BOUNDED = {"split._DATELINE": "matched at the start of a lead's first 80 characters only"}


def module_patterns():
    for info in pkgutil.iter_modules(corpuskit.__path__):
        if info.name == "__main__":
            continue
        module = importlib.import_module(f"corpuskit.{info.name}")
        for name, value in vars(module).items():
            values = value.items() if isinstance(value, dict) else [(None, value)]
            for key, item in values:
                if isinstance(item, (re.Pattern, regex.Pattern)):
                    yield f"{info.name}.{name}" + (f"[{key}]" if key is not None else ""), item


PATTERNS = sorted(module_patterns(), key=lambda pair: pair[0])


def test_the_package_has_patterns_to_probe():
    assert len(PATTERNS) > 20


@pytest.mark.parametrize("where,pattern", PATTERNS, ids=[w for w, _ in PATTERNS])
def test_own_pattern_is_linear(where, pattern):
    if where in BOUNDED:
        pytest.skip(BOUNDED[where])
    for unit in _probe_units(pattern.pattern):
        for tail in ("\x00", "!", "", " x"):
            line = unit * (3000 // len(unit)) + tail
            started = time.perf_counter()
            try:
                with time_limit(2.0):
                    pattern.search(line)
                    pattern.sub("", line)
            except TimeLimitExceeded:
                pass
            assert time.perf_counter() - started < 0.5, f"{where} is slow on {len(line)} characters of {unit!r}"
