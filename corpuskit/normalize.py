"""Unicode normalization: ftfy, plus what ftfy does not do for Vietnamese corpora.

The fixes run in a fixed order, each a small named function in `FIXERS`; the same names
appear in CLI flags, `metadata.normalized` and the statistics:

1. `legacy`     TCVN3 / VNI / VIQR / windows-1258 text converted to Unicode. First, because
                ftfy would read those glyph codes as mojibake and "repair" them into garbage.
2. `ftfy`       ftfy's encoding fixes with `FTFY_CONFIG`.
3. `nfc`        canonical composition (NFD Vietnamese from macOS and some CMSs).
4. `tone`       tone-mark placement in oa/oe/uy syllables unified (`old` by default).
5. `dstroke`    Ð (eth) at the start of a Vietnamese word replaced by Đ.
6. `whitespace` line breaks, spaces, invisible characters and blank lines made canonical.

On clean text, ftfy is the slow part (about 2 MB/s). `ftfy_would_change` proves with a
few C-speed scans that ftfy would return the text unchanged, so ftfy itself runs only on
documents that need it, and the result is identical to calling it on every document.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import ftfy
from ftfy import chardata

from corpuskit.doc import Doc
from corpuskit.ftfy_check import BADNESS_HINT, any_line_is_bad
from corpuskit.legacy import ENCODINGS, convert_legacy_text
from corpuskit.legacy import HINTS as LEGACY_HINTS
from corpuskit.marks import cap_mark_runs
from corpuskit.scan import Gate, Hint
from corpuskit.stats import Stats
from corpuskit.vietnamese import ETH_HINT, TONE_HINTS, fix_eth, place_tones
from corpuskit.whitespace import SPECIAL_HINT, normalize_whitespace

# ftfy configured for training corpora:
# - fix_encoding and its helpers on: mojibake is the main damage in scraped text.
# - uncurl_quotes off: curly quotes are real punctuation that models should learn.
# - fix_character_width off: full-width forms are correct in CJK text; NFKC-style folding
#   loses information.
# - normalization None: NFC is our own `nfc` step (so it can be switched and reported
#   separately); NFKC is never applied.
# - fix_latin_ligatures on: ligature glyphs (ﬁ, ﬂ) come from PDF extraction, not writers.
# - explain off: explanations cost time and we report changes per step instead.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html="auto",
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=True,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=True,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization=None,
    explain=False,
)

TONE_STYLES = ("old", "new", "keep")


@dataclass(frozen=True)
class NormalizeConfig:
    """Which fixes run. Every fix is on by default; `tone` and `legacy` take a mode."""

    legacy: str = "auto"  # auto | off | tcvn3 | vni | viqr | cp1258
    ftfy: bool = True
    nfc: bool = True
    tone: str = "old"  # old | new | keep
    dstroke: bool = True
    whitespace: bool = True

    def __post_init__(self) -> None:
        if self.tone not in TONE_STYLES:
            raise ValueError(f"tone must be one of {', '.join(TONE_STYLES)}, not {self.tone!r}")
        if self.legacy not in ("auto", "off", *ENCODINGS):
            raise ValueError(
                f"legacy must be auto, off or one of {', '.join(ENCODINGS)}, not {self.legacy!r}"
            )


# --- proving that ftfy would change nothing ---------------------------------------------
#
# ftfy.fix_text works line by line. On a line, fix_encoding does nothing unless
# badness.is_bad(line) is true (ftfy_check proves that for all lines in one fast scan),
# and every other enabled fixer only reacts to specific characters.


def _trigger_chars(config: ftfy.TextFixerConfig) -> set[str]:
    """Characters that some enabled ftfy fixer (other than fix_encoding) reacts to."""
    chars: set[str] = set()
    if config.fix_c1_controls:
        chars.update(chr(c) for c in range(0x80, 0xA0))
    if config.fix_latin_ligatures:
        chars.update(chr(c) for c in chardata.LIGATURES)
    if config.fix_line_breaks:
        chars.update("\r\u2028\u2029\x85")
    if config.remove_terminal_escapes:
        chars.add("\x1b")
    if config.remove_control_chars:
        chars.update(chr(c) for c in chardata.CONTROL_CHARS)
    return chars


def _trigger_class(config: ftfy.TextFixerConfig) -> re.Pattern:
    pattern = "".join(re.escape(c) for c in sorted(_trigger_chars(config)))
    if config.fix_surrogates:
        pattern += "\ud800-\udfff"
    return re.compile(f"[{pattern}]")


_FTFY_TRIGGERS = _trigger_class(FTFY_CONFIG)


def ftfy_would_change(text: str, config: ftfy.TextFixerConfig = FTFY_CONFIG) -> bool:
    """False only when `ftfy.fix_text(text, config)` is certain to return `text` unchanged.

    A True answer means "maybe": the caller runs ftfy. The answer must never be False
    where ftfy would change something.
    """
    if len(text) > config.max_decode_length:
        return True  # ftfy would cut long lines into segments; not worth proving
    triggers = _FTFY_TRIGGERS if config is FTFY_CONFIG else _trigger_class(config)
    if triggers.search(text):
        return True
    if config.unescape_html and chardata.HTML_ENTITY_RE.search(text):
        return True
    if config.fix_encoding and not text.isascii() and any_line_is_bad(text):
        return True
    if config.normalization and not unicodedata.is_normalized(config.normalization, text):
        return True
    if config.fix_character_width or config.uncurl_quotes:
        return True  # not proven here; our config keeps them off
    return False


# --- the fixes ---------------------------------------------------------------------------
#
# A fixer takes the text, the config and the names of the hints that fired on this text
# (None when unknown, e.g. after an earlier fix changed the text) and returns the text
# plus an optional detail for the report.

Fixer = Callable[[str, NormalizeConfig, "frozenset[str] | None"], "tuple[str, str | None]"]


def fix_legacy(text: str, config: NormalizeConfig, fired: frozenset[str] | None) -> tuple[str, str | None]:
    return convert_legacy_text(text, config.legacy, candidates=fired)


def fix_with_ftfy(text: str, config: NormalizeConfig, fired: frozenset[str] | None) -> tuple[str, None]:
    if not ftfy_would_change(text):
        return text, None
    return ftfy_lines_that_need_it(text), None


def _only_line_breaks(line: str) -> str | None:
    """ftfy's result for a line whose only fault is CR line breaks (Windows files): the
    line breaks fixed. None when the line needs ftfy proper."""
    if "\r" not in line or any_line_is_bad(line):
        return None
    fixed = line.replace("\r\n", "\n").replace("\r", "\n")
    return None if ftfy_would_change(fixed) else fixed


def ftfy_lines_that_need_it(text: str) -> str:
    """`ftfy.fix_text(text, FTFY_CONFIG)`, running ftfy only on the lines that need it.

    fix_text treats each line (with its "\\n") as an independent segment, except that an
    HTML entity is left alone in every line after the first "<"; a text with "&" in it
    therefore goes to ftfy whole, and so does a line longer than ftfy's segment size.
    """
    if "&" in text or len(text) > FTFY_CONFIG.max_decode_length:
        return ftfy.fix_text(text, FTFY_CONFIG)
    segments = text.split("\n")
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        line = segment if index == last else segment + "\n"
        if line and ftfy_would_change(line):
            fixed = _only_line_breaks(line) or ftfy.fix_text(line, FTFY_CONFIG)
            segments[index] = fixed if index == last else fixed[:-1] if fixed.endswith("\n") else None
            if segments[index] is None:  # the fix ate the line break: do it the plain way
                return ftfy.fix_text(text, FTFY_CONFIG)
    return "\n".join(segments)


def fix_nfc(text: str, config: NormalizeConfig, fired: frozenset[str] | None) -> tuple[str, str | None]:
    """NFC; runs of more than 30 combining marks are cut to 30 first (corpuskit.marks),
    which keeps normalization linear and is reported as `nfc:marks-capped`."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    capped, removed = cap_mark_runs(text)
    return unicodedata.normalize("NFC", capped), "marks-capped" if removed else None


def fix_tone(text: str, config: NormalizeConfig, fired: frozenset[str] | None) -> tuple[str, None]:
    return place_tones(text, config.tone), None


def fix_dstroke(text: str, config: NormalizeConfig, fired: frozenset[str] | None) -> tuple[str, None]:
    return fix_eth(text), None


def fix_whitespace(text: str, config: NormalizeConfig, fired: frozenset[str] | None) -> tuple[str, None]:
    return normalize_whitespace(text, None if fired is None else "whitespace" in fired), None


@dataclass(frozen=True)
class FixStep:
    fixer: Fixer
    enabled: Callable[[NormalizeConfig], bool]
    # The fixer can only change a text on which one of these hints fires; an empty tuple
    # means "always run it" (its own check is cheap).
    hints: Callable[[NormalizeConfig], "tuple[Hint, ...]"] = lambda config: ()


def _re2_class(chars: set[str]) -> str:
    """An RE2 character class of \\x{...} escapes (surrogates cannot be given to RE2; a
    text holding them is scanned by the `re` gate instead)."""
    codes = sorted(ord(c) for c in chars if not 0xD800 <= ord(c) <= 0xDFFF)
    return "[" + "".join(f"\\x{{{code:x}}}" for code in codes) + "]"


_FTFY_HINTS = (
    Hint("ftfy_triggers", _FTFY_TRIGGERS.pattern[1:-1], forward=(_re2_class(_trigger_chars(FTFY_CONFIG)),)),
    Hint("ftfy_entity", "&", r"(?=#?[0-9A-Za-z]{1,24};)", forward=(r"&#?[0-9A-Za-z]{1,24};",)),
    BADNESS_HINT,
)

FIXERS: dict[str, FixStep] = {
    "legacy": FixStep(fix_legacy, lambda c: c.legacy != "off", lambda c: tuple(LEGACY_HINTS) if c.legacy == "auto" else ()),
    "ftfy": FixStep(fix_with_ftfy, lambda c: c.ftfy, lambda c: _FTFY_HINTS),
    "nfc": FixStep(fix_nfc, lambda c: c.nfc),
    "tone": FixStep(fix_tone, lambda c: c.tone != "keep", lambda c: (TONE_HINTS[c.tone],) if c.tone in TONE_HINTS else ()),
    "dstroke": FixStep(fix_dstroke, lambda c: c.dstroke, lambda c: (ETH_HINT,)),
    "whitespace": FixStep(fix_whitespace, lambda c: c.whitespace, lambda c: (SPECIAL_HINT,)),
}

# Fixers whose hints only inform them (they run anyway).
_ALWAYS_RUN = {"nfc", "whitespace"}


_Plan = "tuple[list[tuple[str, FixStep, frozenset[str]]], Gate]"


@lru_cache(maxsize=64)
def _plan(config: NormalizeConfig) -> _Plan:
    steps = [(name, step, frozenset(h.name for h in step.hints(config))) for name, step in FIXERS.items() if step.enabled(config)]
    gate = Gate(h for _, step in FIXERS.items() if step.enabled(config) for h in step.hints(config))
    return steps, gate


def _one_pass(text: str, config: NormalizeConfig, plan: "_Plan | None" = None) -> tuple[str, list[str]]:
    steps, gate = plan or _plan(config)
    fired: frozenset[str] | None = gate.fired(text) if len(text) <= FTFY_CONFIG.max_decode_length else None
    changed = []
    for name, step, hint_names in steps:
        if fired is not None and hint_names and name not in _ALWAYS_RUN and not (fired & hint_names):
            continue
        fixed, detail = step.fixer(text, config, fired)
        if fixed != text:
            changed.append(f"{name}:{detail}" if detail else name)
            text = fixed
            fired = None
    return text, changed


MAX_PASSES = 4

# When whitespace was the only fix and it only trimmed lines, collapsed spaces or dropped
# blank lines, a second pass can only find something new through ftfy's few space- and
# line-start-sensitive mojibake patterns, which all involve these characters; special
# spaces and invisibles can join words, so they always get a second pass.
_AFTER_WHITESPACE_RISK = re.compile(f"[ÃÂ¢£¥₧€{SPECIAL_HINT.keys.replace(chr(10), '')}]")


def normalize_and_explain(
    text: str, config: NormalizeConfig = NormalizeConfig(), plan: "_Plan | None" = None
) -> tuple[str, list[str]]:
    """Apply the enabled fixes in order; return the text and the fixes that changed it.

    One gate scan tells which fixes can apply at all; the others are skipped. After a
    fix changes the text, the remaining fixes run their own checks. A text that changed
    is passed through again until nothing changes, because a later fix can expose work
    for an earlier one (ftfy judges a line by its neighbours, so stripping a NBSP can
    make it see mojibake); this makes normalize idempotent. Clean text takes one pass.

    A fix that names a detail reports it after a colon (`legacy:tcvn3`).

    >>> normalize_and_explain("Hoà  bình \\n")
    ('Hòa bình', ['tone', 'whitespace'])
    """
    plan = plan or _plan(config)
    original = text
    text, changed = _one_pass(text, config, plan)
    if changed == ["whitespace"] and not _AFTER_WHITESPACE_RISK.search(original):
        return text, changed
    passes = 1
    while changed and passes < MAX_PASSES:
        text, more = _one_pass(text, config, plan)
        if not more:
            break
        changed += [name for name in more if name not in changed]
        passes += 1
    return text, changed


def normalize_text(text: str, config: NormalizeConfig = NormalizeConfig()) -> str:
    """The normalized text alone; see `normalize_and_explain`."""
    return normalize_and_explain(text, config)[0]


def normalize(docs: Iterable[Doc], config: NormalizeConfig = NormalizeConfig(), stats: Stats | None = None) -> Iterator[Doc]:
    """Normalize a document stream; `metadata.normalized` lists the fixes that applied."""
    stats = stats if stats is not None else Stats()
    plan = _plan(config)
    seen = 0
    changed_by: Counter = Counter()
    try:
        for doc in docs:
            seen += 1
            text, changed = normalize_and_explain(doc.text, config, plan)
            if changed:
                changed_by.update(f"changed_by_{name.split(':')[0]}" for name in changed)
                if "nfc:marks-capped" in changed:
                    changed_by["marks_capped"] += 1
                earlier = [n for n in doc.metadata.get("normalized", []) if n not in changed]
                doc = Doc(doc.id, text, {**doc.metadata, "normalized": earlier + changed})
            yield doc
    finally:  # counted once at the end: per-document counter updates cost 5% of the run
        stats.add("normalize", "documents", seen)
        for key, amount in changed_by.items():
            stats.add("normalize", key, amount)
