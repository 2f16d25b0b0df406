"""corpuskit's own regexes and tokenizers stay linear on long repetitive lines.

Every compiled pattern at module level in the package (sub-packages included) is probed
the way `rules check` probes rule files (corpuskit.limits): lines of repetitions of
characters the pattern names, ending in a character it may reject. The machine is shared,
so no absolute time is asserted: the cost at 4n is compared with the cost at n, measured
in the same run, best of three. A linear pattern gives a ratio near 4, a quadratic one
near 16; the bound is 9. A line handled in under 10 ms at 4n (10,000 characters) passes
as it is: a quadratic pattern needs far longer there.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest
import regex

import corpuskit
from corpuskit.limits import _probe_units

# Patterns only ever applied to a bounded slice of text, where their cost is bounded too.
BOUNDED = {
    "split._DATELINE": "matched at the start of a lead's first 80 characters only",
    "filter.text._URL": "only ever fullmatched, on chunks of at most 2,048 characters",
    "filter.text._SUFFIX": "only ever searched in the last 8 characters of a chunk",
    "filter.vi._TELEX": "only ever searched in words of at most 24 letters",
    "filter.vi._VNI": "only ever matched on words of at most 24 letters",
}
SMALL, FACTOR, BOUND, TOO_FAST = 2500, 4, 9.0, 0.01


def module_patterns():
    for info in pkgutil.walk_packages(corpuskit.__path__, "corpuskit."):
        if info.name.endswith("__main__") or info.name.startswith("corpuskit._native"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            values = value.items() if isinstance(value, dict) else [(None, value)]
            for key, item in values:
                if isinstance(item, (re.Pattern, regex.Pattern)):
                    short = info.name.removeprefix("corpuskit.")
                    yield f"{short}.{name}" + (f"[{key}]" if key is not None else ""), item


PATTERNS = sorted(module_patterns(), key=lambda pair: pair[0])


def cost(work, argument) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        work(argument)
        best = min(best, time.perf_counter() - started)
    return best


def growth(work, make) -> tuple[float, float]:
    """(time at FACTOR × n / time at n, time at FACTOR × n), interleaved small/large."""
    small, large = make(SMALL), make(SMALL * FACTOR)
    work(small)  # warm
    t_small, t_large = cost(work, small), cost(work, large)
    return t_large / max(t_small, 1e-9), t_large


def assert_linear(where: str, work, make) -> None:
    large = make(SMALL * FACTOR)
    started = time.perf_counter()
    work(large)
    if time.perf_counter() - started <= TOO_FAST:
        return  # microseconds: nothing to grow
    ratio, t_large = growth(work, make)
    if t_large > TOO_FAST and ratio > BOUND:
        ratio, t_large = growth(work, make)  # once more: a busy machine can spoil one measure
        assert t_large <= TOO_FAST or ratio <= BOUND, f"{where}: {FACTOR}x the input costs {ratio:.1f}x the time"


def test_the_package_has_patterns_to_probe():
    assert len(PATTERNS) > 20
    assert any(where.startswith("filter.") for where, _ in PATTERNS)


@pytest.mark.parametrize("where,pattern", PATTERNS, ids=[w for w, _ in PATTERNS])
def test_own_pattern_is_linear(where, pattern):
    if where in BOUNDED:
        pytest.skip(BOUNDED[where])
    binary = isinstance(pattern.pattern, bytes)  # a pattern over raw page bytes: probed with bytes
    units = _probe_units(pattern.pattern.decode("latin-1") if binary else pattern.pattern)
    chars = [u for u in units if len(u) == 1]
    pairs = [u for u in units if len(u) > 1]
    for unit in chars[:8] + pairs[:2]:  # a pattern's own characters first, then classes, then pairs
        for tail in ("\x00", " x"):
            def work(line):
                # tries a match at every position, as search does where none is found
                pattern.sub(b"" if binary else "", line.encode("utf-8") if binary else line)

            assert_linear(f"{where} on {unit!r}+{tail!r}", work, lambda n: unit * (n // len(unit)) + tail)


@pytest.mark.parametrize("unit", ["_", "{", "(", "!", "..", "a.", "'s", "-a", "@a", "http://a", "…", "“"])
def test_english_tokenizer_is_linear_on_runs_of_punctuation(unit):
    from corpuskit.filter.text import english_words

    assert_linear(f"english_words on {unit!r}", english_words, lambda n: unit * (n // len(unit)))


def test_space_runs_before_punctuation_are_linear():
    from corpuskit.strip import _SPACE_BEFORE_PUNCTUATION

    assert_linear("space before punctuation", lambda line: _SPACE_BEFORE_PUNCTUATION.sub(r"\1", line),
                  lambda n: "a" + " " * n + "b")


@pytest.mark.parametrize("unit", ["_", "{", "(", "!", "..", "a.", "'s", "-a", "@a", "http://a", "…", "“", '" ', "”  ", ". ",
                                  " . ", "a\n", "\n\n", "-\n", "ab ", "x" * 30 + "\n"])
def test_compiled_signals_are_linear(unit):
    """The compiled core's tokenizers and line, unit and n-gram signals on runs of one piece."""
    from corpuskit import native
    from corpuskit.filter.batch import BatchSignals
    from corpuskit.filter.packs import default_packs_dir, load_packs

    if native.core is None:
        pytest.skip(f"compiled core: {native.why_not}")
    kit = BatchSignals(load_packs([str(default_packs_dir())]), every=True)
    assert_linear(f"compiled signals on {unit!r}", lambda text: kit.compute([text, text], ["en", "vi"]),
                  lambda n: unit * (n // len(unit)))
