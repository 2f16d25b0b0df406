"""Apply boilerplate rules to documents, accounting for every removed line.

The rules of all files that apply to a document are merged once per combination of files:
exact-line rules become one dict lookup, full-line regex rules one alternation, inline
rules one substitution, so a line costs a few C calls however many rules there are. Only
rules limited by position, captures and document drops are tried one by one (there are
few of them). Every removal is reported as a `Removal` (document, line, rule, text), and
kept + removed lines always add up to the input.
"""

from __future__ import annotations

import functools
import operator

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Callable, Iterable, Iterator, Sequence

import regex

from corpuskit.doc import Doc
from corpuskit.errors import UsageError
from corpuskit.limits import CALL_SECONDS, DocumentTimer, TimeLimitExceeded, document_budget, time_limit
from corpuskit.rules import Rule, RuleFile, collapse_spaces
from corpuskit.stats import Stats

BLANK_RULE = "blank-lines"  # blank lines left doubled (or at an end) by a removal


@dataclass(frozen=True)
class Removal:
    doc_id: str
    line: int | None  # 1-based line in the input text; None for a whole document
    rule: str
    text: str
    kind: str = "line"  # line | span | document
    site: str | None = None  # the page's site, from metadata.url or metadata.site (for the report)

    def as_dict(self) -> dict:
        record = {"id": self.doc_id, "line": self.line, "rule": self.rule, "kind": self.kind, "text": self.text}
        if self.site:
            record["site"] = self.site
        return record


def site_of_metadata(metadata: dict) -> str | None:
    """The site a document names: the host of metadata.url, else metadata.site.

    >>> site_of_metadata({"url": "https://www.example.vn/a/b.html"}), site_of_metadata({"site": "Dân trí"})
    ('www.example.vn', 'Dân trí')
    """
    url = metadata.get("url")
    if isinstance(url, str) and "://" in url:
        from urllib.parse import urlparse

        try:
            host = urlparse(url).hostname
        except ValueError:
            host = None
        if host:
            return host
    site = metadata.get("site")
    return site if isinstance(site, str) and site else None


_NAMED_GROUP = regex.compile(r"\(\?P<\w+>")
_LEADING_FLAGS = regex.compile(r"^\(\?([aiLmsux]+)\)")
_BACKREF = regex.compile(r"\\[1-9]|\(\?P=")
_REVERSE = regex.compile(r"^\(\?[aiLmsux]*r")


_WILDCARD_START = regex.compile(r"^(?:\(\?[aiLmsux]*\)|\(\?[aiLmsux]*:|\(\?:|\()*\.")


def _combine(rules: Sequence[Rule], groups_apart: bool = False) -> tuple[regex.Pattern | None, dict[str, str], list[Rule]]:
    """One alternation for the rules that can share it; the others are returned apart.

    Apart: patterns with back-references (group numbers would shift) and patterns that
    start with a wildcard. The regex engine finds a literal that such a pattern requires
    and skips lines without it when the pattern is alone, but not inside an alternation,
    where it costs ten times more.
    """
    branches, names, apart = [], {}, []
    for n, rule in enumerate(rules):
        source = rule.pattern.pattern
        if _BACKREF.search(source) or _WILDCARD_START.match(source) or groups_apart or _REVERSE.match(source):
            # (?r) is a global flag: it would reverse the whole alternation. Span patterns
            # (groups_apart) are searched one by one: each keeps its named groups (values it
            # captures) and the engine's own shortcuts (jumping to the next occurrence of a
            # literal, an anchor), which an alternation of unanchored branches loses; there
            # are few of them.
            apart.append(rule)  # (named groups of a remove rule capture values: kept apart, groups intact)
            continue
        source = _NAMED_GROUP.sub("(?:", source)
        # A pattern's own leading (?i) would apply to the whole alternation: scope it.
        flags = "i" if rule.ignore_case else ""
        leading = _LEADING_FLAGS.match(source)
        if leading:
            flags += leading.group(1)
            source = source[leading.end():]
        if flags:
            source = f"(?{''.join(sorted(set(flags)))}:{source})"
        branches.append(f"(?P<r{n}>{source})")
        names[f"r{n}"] = rule.id
    if not branches:
        return None, names, apart
    return regex.compile("|".join(branches)), names, apart


@dataclass
class CompiledRules:
    """The merged form of the rules of several files."""

    rules: list[Rule]
    exact: dict[str, str] = field(default_factory=dict)
    exact_ci: dict[str, str] = field(default_factory=dict)
    cut_exact: dict[str, Rule] = field(default_factory=dict)
    cut_regex: list[Rule] = field(default_factory=list)
    drop_re: regex.Pattern | None = None
    drop_names: dict[str, str] = field(default_factory=dict)
    remove_re: regex.Pattern | None = None
    remove_names: dict[str, str] = field(default_factory=dict)
    one_by_one: list[Rule] = field(default_factory=list)  # positional drops, captures, doc drops
    removes_apart: list[Rule] = field(default_factory=list)
    drops_apart: list[Rule] = field(default_factory=list)
    hinted_drops: list[Rule] = field(default_factory=list)  # with `requires`: tried only on lines holding it
    hinted_ones: list[Rule] = field(default_factory=list)  # one-by-one rules with `requires`: not in the gate
    hinted_needles: tuple[str, ...] = ()  # their `requires`, together
    drops_one_by_one: list[Rule] = field(default_factory=list)  # drops_apart + hinted_drops, in that order
    # Cheap tests that let most lines skip the one-by-one rules and the exact lookups.
    one_gate: regex.Pattern | None = None
    one_literals: frozenset[str] = frozenset()
    cut_re: regex.Pattern | None = None
    cut_names: dict[str, str] = field(default_factory=dict)
    max_literal: int = 0
    has_ci: bool = False
    all_literals: frozenset[str] = frozenset()
    by_id: dict[str, Rule] = field(default_factory=dict)
    line_patterns: list[regex.Pattern] = field(default_factory=list)  # full-line matches
    span_patterns: list[regex.Pattern] = field(default_factory=list)  # searched in a line

    @classmethod
    def build(cls, rules: list[Rule]) -> "CompiledRules":
        compiled = cls(rules)
        compiled.by_id = {rule.id: rule for rule in rules}
        regex_drops = []
        removes = []
        for rule in rules:
            if rule.kind == "drop_line" and not rule.positional:
                if rule.literals:
                    table = compiled.exact_ci if rule.ignore_case else compiled.exact
                    for literal in rule.literals:
                        table.setdefault(literal, rule.id)
                elif rule.requires:
                    compiled.hinted_drops.append(rule)
                else:
                    regex_drops.append(rule)
            elif rule.kind == "cut" and not rule.positional:
                if rule.literals:
                    for literal in rule.literals:
                        compiled.cut_exact.setdefault(literal, rule)
                else:
                    compiled.cut_regex.append(rule)
            elif rule.kind == "remove":
                removes.append(rule)
            else:
                compiled.one_by_one.append(rule)
        compiled.drop_re, compiled.drop_names, compiled.drops_apart = _combine(regex_drops)
        compiled.remove_re, compiled.remove_names, compiled.removes_apart = _combine(removes, groups_apart=True)
        compiled.cut_re, compiled.cut_names, cut_apart = _combine(compiled.cut_regex)
        compiled.cut_regex = cut_apart
        pattern_rules = [r for r in compiled.one_by_one if r.pattern is not None and not r.requires]
        compiled.hinted_ones = [r for r in compiled.one_by_one if r.pattern is not None and r.requires]
        compiled.hinted_needles = tuple(dict.fromkeys(n for r in compiled.hinted_ones for n in r.requires))
        compiled.drops_one_by_one = compiled.drops_apart + compiled.hinted_drops
        compiled.one_gate, _, gate_apart = _combine(pattern_rules)
        if gate_apart:  # a rule that cannot join the gate: no gate at all
            compiled.one_gate = regex.compile(".*", regex.DOTALL | regex.VERSION0)
        literal_rules = [r for r in compiled.one_by_one if r.literals]
        compiled.one_literals = frozenset(lit for r in literal_rules for lit in r.literals)
        literals = [*compiled.exact, *compiled.exact_ci, *compiled.cut_exact, *compiled.one_literals]
        compiled.max_literal = max(map(len, literals), default=0)
        compiled.has_ci = any(r.ignore_case and r.literals for r in rules)
        compiled.all_literals = frozenset(literals)
        compiled.line_patterns = [
            p for p in (compiled.cut_re, compiled.one_gate, compiled.drop_re) if p is not None
        ] + [r.pattern for r in compiled.drops_apart + compiled.cut_regex]
        compiled.span_patterns = ([compiled.remove_re] if compiled.remove_re is not None else []) + [
            r.pattern for r in compiled.removes_apart
        ]
        return compiled


    def patterns_with_members(self) -> list[tuple[regex.Pattern, bool, list[Rule]]]:
        """Every compiled pattern (full-line or searched) with the rules it stands for."""
        by_id = self.by_id
        out: list[tuple[regex.Pattern, bool, list[Rule]]] = []
        for pattern, names in ((self.drop_re, self.drop_names), (self.cut_re, self.cut_names)):
            if pattern is not None:
                out.append((pattern, True, [by_id[n] for n in names.values()]))
        if self.remove_re is not None:
            out.append((self.remove_re, False, [by_id[n] for n in self.remove_names.values()]))
        for rule in self.drops_apart + self.hinted_drops + self.cut_regex + [r for r in self.one_by_one if r.pattern is not None]:
            out.append((rule.pattern, True, [rule]))
        for rule in self.removes_apart:
            out.append((rule.pattern, False, [rule]))
        for rule in self.rules:
            if rule.end_pattern is not None:
                out.append((rule.end_pattern, True, [rule]))
        return out


def _matches_line(rule: Rule, stripped: str, key: str | None, folded: str | None) -> regex.Match | bool | None:
    if rule.literals:
        return key is not None and (folded if rule.ignore_case else key) in rule.literals
    return rule.pattern.fullmatch(stripped)


@dataclass
class StripResult:
    doc: Doc | None  # None when the document was dropped
    removals: list[Removal]
    kept_lines: int
    input_lines: int


def _candidate_lines(text: str, lines: list[str], stripped: list[str], compiled: CompiledRules) -> set[int]:
    """Indices of the lines that some rule might match, found without a Python loop per line.

    `map` over a compiled pattern's method and `compress` run in C, so the cost per line
    is one C call per merged pattern; only the few candidate lines get the full treatment.
    """
    n = len(lines)
    found: set[int] = set()
    if compiled.max_literal:
        if "  " in text or "\t" in text:
            keys = [collapse_spaces(line) for line in stripped]
        else:
            keys = stripped
        literals = compiled.all_literals
        for index in compress(range(n), map(compiled.max_literal.__ge__, map(len, keys))):
            key = keys[index]
            if key in literals or (compiled.has_ci and key.casefold() in literals):
                found.add(index)
    for pattern in compiled.line_patterns:
        found.update(compress(range(n), map(pattern.fullmatch, stripped)))
    for rule in compiled.hinted_drops + compiled.hinted_ones:  # lines with none of `requires`: skipped at C speed
        hits = _holding(stripped, rule.requires, range(n))
        found.update(compress(hits, map(rule.pattern.fullmatch, map(stripped.__getitem__, hits))))
    if compiled.remove_re is not None:
        found.update(compress(range(n), map(compiled.remove_re.search, lines)))
    for rule in compiled.removes_apart:
        low, high = 0, n
        if rule.positional:  # only the lines its limits can reach
            if rule.first is not None:
                high = _nth_nonblank(stripped, rule.first, from_end=False) + 1
            elif rule.last is not None:
                low = _nth_nonblank(stripped, rule.last, from_end=True)
        indices = range(low, max(low, high))
        literal = _first_literal(rule)
        needles = rule.requires or ((literal,) if literal is not None else ())
        if needles:  # lines without what the pattern needs: skipped at C speed
            hits = _holding(lines, needles, indices)
            found.update(compress(hits, map(rule.pattern.search, map(lines.__getitem__, hits))))
        else:
            found.update(compress(indices, map(rule.pattern.search, lines[indices.start:indices.stop])))
    return found


def _nth_nonblank(stripped: list[str], k: int, from_end: bool) -> int:
    """The index of the k-th non-blank line from the top (or the bottom); the last (or
    first) index when there are fewer."""
    order = range(len(stripped) - 1, -1, -1) if from_end else range(len(stripped))
    seen = 0
    for index in order:
        if stripped[index]:
            seen += 1
            if seen == k:
                return index
    return 0 if from_end else len(stripped) - 1


def _holding(lines: list[str], needles: tuple[str, ...], indices: range) -> list[int]:
    """The indices (within `indices`) of the lines that contain one of `needles`."""
    part = lines[indices.start:indices.stop]
    if len(needles) == 1:
        return list(compress(indices, map(operator.contains, part, repeat(needles[0]))))
    hits: set[int] = set()
    for needle in needles:
        hits.update(compress(indices, map(operator.contains, part, repeat(needle))))
    return sorted(hits)


_ESCAPED_LITERAL = regex.compile(r"^(?:\(\?<=[^()]*\))?(?:\\([()\[\]{}.*+?|^$/-])|([^\\()\[\]{}.*+?|^$]))")


def _first_literal(rule: Rule) -> str | None:
    """The character every match of a span rule starts with, when its pattern says so
    plainly (`\\(...`), so that lines without it are not searched."""
    return None if rule.ignore_case else _literal_start(rule.pattern.pattern)


@functools.lru_cache(maxsize=1024)
def _literal_start(source: str) -> str | None:
    if _has_top_level_alternation(source):
        return None
    match = _ESCAPED_LITERAL.match(source)
    if match is None or source[match.end():match.end() + 1] in ("?", "*", "{"):  # an optional first character
        return None
    return match.group(1) or match.group(2)


def _has_top_level_alternation(source: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def strip_text(doc: Doc, compiled: CompiledRules) -> StripResult:
    """Apply merged rules to one document."""
    lines = doc.text.split("\n")
    stripped_lines = list(map(str.strip, lines))
    candidates = _candidate_lines(doc.text, lines, stripped_lines, compiled)
    if not candidates:
        return StripResult(doc, [], len(lines), len(lines))
    nonblank_total = len(lines) - stripped_lines.count("")
    removals: list[Removal] = []
    kept: list[tuple[int, str]] = []  # (input index, text)
    captured: dict[str, list[str]] = {}
    marks: list[tuple[int, Rule, dict]] = []  # article boundaries: (input position, rule, values)
    cutting: Rule | None = None
    position = -1
    for index, line in enumerate(lines):
        stripped = stripped_lines[index]
        if stripped:
            position += 1
        if cutting is None and index not in candidates:
            kept.append((index, line))
            continue
        if cutting is not None:
            removals.append(Removal(doc.id, index + 1, cutting.id, line))
            if stripped and ((cutting.end_literal and collapse_spaces(line) == cutting.end_literal) or (cutting.end_pattern and cutting.end_pattern.fullmatch(stripped))):
                cutting = None
            continue
        if not stripped:
            kept.append((index, line))
            continue
        # Exact forms are only worth computing for lines no longer than the longest literal.
        if compiled.max_literal and len(stripped) - stripped.count(" ") - stripped.count("\t") <= compiled.max_literal:
            key = collapse_spaces(stripped)
            folded = key.casefold() if compiled.has_ci else key
        else:
            key = folded = None
        rule_id = None
        cut = None
        if key is not None:
            cut = compiled.cut_exact.get(key) or compiled.cut_exact.get(folded)
        if cut is None and compiled.cut_re is not None:
            match = compiled.cut_re.fullmatch(stripped)
            if match:
                cut = compiled.by_id[compiled.cut_names[match.lastgroup]]
        if cut is None:
            for rule in compiled.cut_regex:
                if rule.pattern.fullmatch(stripped):
                    cut = rule
                    break
        if cut is not None:
            removals.append(Removal(doc.id, index + 1, cut.id, line))
            cutting = cut  # to the end marker, or to the end of the document
            continue
        if compiled.one_by_one and (
            (key is not None and (key in compiled.one_literals or folded in compiled.one_literals))
            or (compiled.one_gate is not None and compiled.one_gate.fullmatch(stripped))
            or (compiled.hinted_needles and any(map(stripped.__contains__, compiled.hinted_needles)))
        ):
            for rule in compiled.one_by_one:
                if not rule.applies_at(position, nonblank_total):
                    continue
                match = _matches_line(rule, stripped, key, folded)
                if not match:
                    continue
                if rule.kind == "drop_document":
                    return StripResult(None, [Removal(doc.id, None, rule.id, doc.text, "document")], 0, len(lines))
                values = {}
                if rule.kind == "capture":
                    values = {name: value.strip() for name, value in match.groupdict().items() if value}
                    for name, value in values.items():
                        captured.setdefault(name, []).append(value)
                if rule.boundary or values:  # a capture also marks where its values were found
                    marks.append((index, rule, values))
                if rule.kind == "cut":
                    cutting = rule
                rule_id = rule.id
                break
        if rule_id is None and key is not None:
            rule_id = compiled.exact.get(key) or compiled.exact_ci.get(folded)
        if rule_id is None and compiled.drop_re is not None:
            match = compiled.drop_re.fullmatch(stripped)
            if match:
                rule_id = compiled.drop_names[match.lastgroup]
        if rule_id is None:
            for rule in compiled.drops_one_by_one:
                if rule.pattern.fullmatch(stripped):
                    rule_id = rule.id
                    break
        if rule_id is not None:
            removals.append(Removal(doc.id, index + 1, rule_id, line))
            boundary = compiled.by_id[rule_id].boundary
            if boundary and not (marks and marks[-1][0] == index):
                marks.append((index, compiled.by_id[rule_id], {}))
            continue
        before = len(removals)
        span_values: list = []
        line = _remove_spans(doc.id, index, line, compiled, removals, span_values, position, nonblank_total)
        values_of = {}
        for rule_id, values in span_values:
            values_of.setdefault(rule_id, {}).update(values)
            for name, value in values.items():
                captured.setdefault(name, []).append(value)
        for removal in removals[before:]:
            rule = compiled.by_id[removal.rule]
            values = values_of.pop(removal.rule, {})
            if rule.boundary:  # a span ending an article: the boundary follows its line
                after = rule.boundary == "end" and line is not None
                marks.append((index + 1 if after else index, rule, values))
            elif values:  # where the values were found, so that split gives them to that article
                marks.append((index, rule, values))
        if line is None:
            continue
        kept.append((index, line))
    kept = _drop_doubled_blanks(doc.id, kept, removals)
    metadata = dict(doc.metadata)
    if marks or (removals and metadata.get("boundaries")):
        metadata["boundaries"] = _boundaries_after(kept, marks, metadata.get("boundaries") or [])
    for name, values in captured.items():
        unique = list(dict.fromkeys(values))
        metadata[name] = unique[0] if len(unique) == 1 else unique
    if removals:
        counts = Counter(r.rule for r in removals)
        previous = metadata.get("stripped", {})
        metadata["stripped"] = {**previous, **{k: previous.get(k, 0) + v for k, v in sorted(counts.items())}}
    if not removals and not captured:
        return StripResult(doc, [], len(lines), len(lines))
    text = "\n".join(line for _, line in kept)
    return StripResult(Doc(doc.id, text, metadata), removals, len(kept), len(lines))


def _boundaries_after(kept: list[tuple[int, str]], marks: list[tuple[int, Rule, dict]], earlier: list[dict]) -> list[dict]:
    """Article boundaries as positions in the output text: `line` is the 0-based line
    that follows the boundary. Boundaries left by an earlier pass are moved along.

    A capture rule without a boundary leaves a mark of kind "capture": split gives its
    values to the article it was found in, not to every article of the page."""
    kept_inputs = [index for index, _ in kept]
    moved = [{**b, "line": bisect_left(kept_inputs, b["line"])} for b in earlier if isinstance(b, dict) and isinstance(b.get("line"), int)]
    new = [
        {"line": bisect_left(kept_inputs, position), "kind": rule.boundary or "capture", "rule": rule.id, **({"values": values} if values else {})}
        for position, rule, values in marks
    ]
    return sorted(moved + new, key=lambda b: b["line"])


# "sớm (ảnh: X)." leaves "sớm ." once the span is gone: the space goes too.
_SPACE_BEFORE_PUNCTUATION = regex.compile(r"(?<! ) +([.,;:!?…])(?= |$)")  # starts only at a run's first space: linear


def _remove_spans(doc_id: str, index: int, line: str, compiled: CompiledRules, removals: list[Removal],
                  values_found: list | None = None, position: int = 0, total: int = 0) -> str | None:
    """Inline removals; returns the line left, or None when nothing but spaces is left.
    Values captured by a remove rule's named groups (`(?P<source>...)`) are appended to
    `values_found` as (rule id, values)."""
    if compiled.remove_re is None and not compiled.removes_apart:
        return line
    found: list[tuple[str, str]] = []

    def record(name_of: Callable[[regex.Match], str]):
        def replace(match: regex.Match) -> str:
            found.append((name_of(match), match.group(0)))
            if values_found is not None and match.re is not compiled.remove_re and match.re.groupindex:
                values = {k: v.strip() for k, v in match.groupdict().items() if v and v.strip()}
                if values:
                    values_found.append((name_of(match), values))
            return ""
        return replace

    if compiled.remove_re is not None:
        line = compiled.remove_re.sub(record(lambda m: compiled.remove_names[m.lastgroup]), line)
    for rule in compiled.removes_apart:
        if rule.positional and not rule.applies_at(position, total):
            continue
        line = rule.pattern.sub(record(lambda m, r=rule: r.id), line)
    if not found:
        return line
    if not line.strip():
        removals.append(Removal(doc_id, index + 1, found[0][0], "".join(text for _, text in found)))
        return None
    for rule_id, text in found:
        removals.append(Removal(doc_id, index + 1, rule_id, text, "span"))
    line = " ".join(line.split()) if "  " in line else line.strip()
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", line) if " " in line else line


def _drop_doubled_blanks(doc_id: str, kept: list[tuple[int, str]], removals: list[Removal]) -> list[tuple[int, str]]:
    if not removals:
        return kept
    result: list[tuple[int, str]] = []
    for index, line in kept:
        blank = not line.strip()
        if blank and (not result or not result[-1][1].strip()):
            removals.append(Removal(doc_id, index + 1, BLANK_RULE, line))
            continue
        result.append((index, line))
    while result and not result[-1][1].strip():
        index, line = result.pop()
        removals.append(Removal(doc_id, index + 1, BLANK_RULE, line))
    return result


# A scope signature is searched with RE2 (one DFA scan for all of them) when RE2 reads it
# exactly as Python does: literals, classes, alternation, repetition, (?m) anchors. Escapes
# like \\s \\w \\d \\b (ASCII in RE2, Unicode in Python), look-arounds, back-references and
# other flags keep a signature on Python's engine.
_RE2_UNSAFE = re.compile(r"\\[sSwWdDbBAZzGpPNXQEKuUx0-9]|\(\?(?!:|m\))")


def _signature_set(rule_files: list[RuleFile]):
    """An RE2 set of the RE2-safe scope signatures and index -> (file, scope); or None."""
    try:
        import re2
    except ImportError:
        return None
    matcher = re2.Set.SearchSet(re2.Options())
    where: dict[int, tuple[int, int]] = {}
    try:
        for file_index, rule_file in enumerate(rule_files):
            for scope_index, scope in enumerate(rule_file.scopes):
                if scope.text is not None and not _RE2_UNSAFE.search(scope.text.pattern):
                    where[matcher.Add(scope.text.pattern)] = (file_index, scope_index)
        if not where:
            return None
        matcher.Compile()
    except Exception:  # a pattern RE2 rejects: stay on Python's engine
        return None
    return matcher, where


class RuleTimeoutError(UsageError):
    """A rule hit the regex time limit in too many documents: its pattern is broken."""


# A rule that hits the time limit in this many documents stops the run (exit 2): its
# pattern backtracks, and every further document would cost the time limit again.
MAX_TIMEOUTS_PER_RULE = 5


class Stripper:
    """Applies rule files to documents; merges the rules of the applicable files once."""

    def __init__(self, rule_files: list[RuleFile]) -> None:
        self.rule_files = rule_files
        self._compiled: dict[tuple, CompiledRules] = {}
        self._signatures = _signature_set(rule_files)
        self.timeouts: Counter = Counter()  # "file:line rule 'id'" -> documents
        self.timer = DocumentTimer()  # started by strip() for the length of a stream

    def compiled_for(self, indices: tuple[int, ...], leave_out: frozenset[str] = frozenset()) -> CompiledRules:
        """Merged rules per combination of applicable files (few combinations in practice)."""
        key = (indices, leave_out)
        if key not in self._compiled:
            self._compiled[key] = CompiledRules.build(
                [r for i in indices for r in self.rule_files[i].rules if r.id not in leave_out]
            )
        return self._compiled[key]

    def applicable(self, doc: Doc) -> tuple[int, ...]:
        """The files whose scope takes this document; signatures found in one RE2 scan."""
        decided: dict[tuple[int, int], bool] = {}
        if self._signatures is not None:
            matcher, where = self._signatures
            try:
                found = set(matcher.Match(doc.text) or ())
            except UnicodeEncodeError:  # lone surrogates: Python's engine decides
                found = None
            if found is not None:
                decided = {place: index in found for index, place in where.items()}
        chosen = []
        for file_index, rule_file in enumerate(self.rule_files):
            if not rule_file.scopes or any(
                scope.matches(doc.text, doc.metadata, decided.get((file_index, scope_index)))
                for scope_index, scope in enumerate(rule_file.scopes)
            ):
                chosen.append(file_index)
        return tuple(chosen)

    def strip_doc(self, doc: Doc) -> StripResult:
        """Strip one document under a time limit (corpuskit.limits); past it, the slow
        rules are found, reported and left out for this document."""
        if not self.timer.active:
            try:
                with time_limit(document_budget(len(doc.text))):
                    return strip_text(doc, self.compiled_for(self.applicable(doc)))
            except TimeLimitExceeded:
                return self._strip_without_slow_rules(doc)
        try:
            self.timer.arm(document_budget(len(doc.text)))
            try:
                return strip_text(doc, self.compiled_for(self.applicable(doc)))
            finally:
                self.timer.disarm()
        except TimeLimitExceeded:
            return self._strip_without_slow_rules(doc)

    # --- past the time limit ------------------------------------------------------------

    def _strip_without_slow_rules(self, doc: Doc) -> StripResult:
        budget = 0.25 + document_budget(len(doc.text)) / 2
        slow: list[tuple[str, str]] = []  # (where, what)
        indices = self._applicable_within(doc, budget, slow)
        compiled = self.compiled_for(indices)
        lines = doc.text.split("\n")
        stripped = [line.strip() for line in lines]
        bad: dict[str, Rule] = {}
        for pattern, full, members in compiled.patterns_with_members():
            if _runs_within(budget, pattern, full, stripped if full else lines):
                continue
            for rule in members:  # which of the rules merged into this pattern is slow
                patterns = [(p, f) for p, f in ((rule.pattern, rule.kind != "remove"), (rule.end_pattern, True)) if p is not None]
                if len(members) == 1 or not all(_runs_within(budget, p, f, stripped if f else lines) for p, f in patterns):
                    bad[rule.id] = rule
        for rule in bad.values():
            line = _first_slow_line(rule, lines, stripped)
            slow.append((f"{rule.source} rule '{rule.id}'", f"line {line}" if line else "a line"))
        leave_out = frozenset(bad)
        try:
            with time_limit(2 * document_budget(len(doc.text))):
                result = strip_text(doc, self.compiled_for(indices, leave_out))
        except TimeLimitExceeded:  # slow, but no single pattern was: pass the document on as it is
            slow.append(("strip", "the whole document (passed on unchanged)"))
            result = StripResult(doc, [], len(lines), len(lines))
        return self._report(doc, result, slow)

    def _applicable_within(self, doc: Doc, budget: float, slow: list) -> tuple[int, ...]:
        """`applicable`, each scope signature searched under its own limit; a signature
        that takes too long counts as not found."""
        chosen = []
        for file_index, rule_file in enumerate(self.rule_files):
            if not rule_file.scopes:
                chosen.append(file_index)
                continue
            for scope in rule_file.scopes:
                found = None
                if scope.text is not None:
                    try:
                        with time_limit(budget):
                            found = scope.text.search(doc.text) is not None
                    except TimeLimitExceeded:
                        slow.append((f"{scope.source} scope of {rule_file.name}", "text_regex"))
                        continue
                if scope.matches(doc.text, doc.metadata, found):
                    chosen.append(file_index)
                    break
        return tuple(chosen)

    def _report(self, doc: Doc, result: StripResult, slow: list[tuple[str, str]]) -> StripResult:
        for where, _ in slow:
            self.timeouts[where] += 1
            if self.timeouts[where] >= MAX_TIMEOUTS_PER_RULE and where != "strip":
                raise RuleTimeoutError(
                    f"{where} hit the regex time limit in {MAX_TIMEOUTS_PER_RULE} documents (the last: {doc.id}); "
                    "its pattern backtracks badly: rewrite it (corpuskit rules check finds such patterns)")
        if result.doc is None:
            return result
        names = [f"{where}: {what}" for where, what in slow]
        metadata = {**result.doc.metadata, "strip_timeouts": names}
        return StripResult(Doc(result.doc.id, result.doc.text, metadata), result.removals, result.kept_lines, result.input_lines)


def _runs_within(seconds: float, pattern, full: bool, lines: list[str]) -> bool:
    """Whether one pattern gets through all lines of a document within `seconds`."""
    try:
        with time_limit(seconds):
            for _ in compress(lines, map(pattern.fullmatch if full else pattern.search, lines)):
                pass
        return True
    except TimeLimitExceeded:
        return False


def _first_slow_line(rule: Rule, lines: list[str], stripped: list[str]) -> int | None:
    """The 1-based line on which a rule's pattern times out (per-call timeouts)."""
    for index, (line, bare) in enumerate(zip(lines, stripped)):
        for pattern, full in ((rule.pattern, rule.kind != "remove"), (rule.end_pattern, True)):
            if pattern is None:
                continue
            try:
                (pattern.fullmatch(bare, timeout=CALL_SECONDS) if full else pattern.search(line, timeout=CALL_SECONDS))
            except TimeoutError:
                return index + 1
    return None


def strip(
    docs: Iterable[Doc],
    rule_files: list[RuleFile],
    stats: Stats | None = None,
    on_removal: Callable[[Removal], None] | None = None,
    on_result: Callable[[Doc, StripResult], None] | None = None,
) -> Iterator[Doc]:
    """Strip boilerplate from a document stream.

    `on_removal` receives every removal (for an audit file); `on_result` every document's
    result (for `--explain`). Dropped documents are not yielded.
    """
    stats = stats if stats is not None else Stats()
    stripper = Stripper(rule_files)
    counts: Counter = Counter()
    by_rule: Counter = Counter()
    stripper.timer.start()
    try:
        for doc in docs:
            result = stripper.strip_doc(doc)
            counts["documents"] += 1
            counts["lines_in"] += result.input_lines
            counts["lines_kept"] += result.kept_lines
            site = site_of_metadata(doc.metadata) if on_removal is not None and result.removals and doc.metadata else None
            for removal in result.removals:
                counts["lines_removed" if removal.kind != "span" else "spans_removed"] += 1
                by_rule[removal.rule] += 1
                if on_removal is not None:
                    on_removal(Removal(removal.doc_id, removal.line, removal.rule, removal.text, removal.kind, site)
                               if site else removal)
            if on_result is not None:
                on_result(doc, result)
            if result.doc is None:
                counts["documents_dropped"] += 1
                continue
            yield result.doc
    finally:  # counted here and reported once: this loop is the hot path
        stripper.timer.stop()
        for where, amount in stripper.timeouts.items():
            stats.add("strip_timeouts", where, amount)
        for rule_file in rule_files:  # which rules made this output (for the dataset card)
            stats.add("strip_rule_files", rule_file.label, len(rule_file.rules))
        for key, amount in counts.items():
            stats.add("strip", key, amount)
        for key, amount in by_rule.items():
            stats.add("strip_rules", key, amount)


def explain(doc: Doc, result: StripResult) -> str:
    """The input with each removed line marked by its rule: `- [rule] text`, spans `~`."""
    by_line: dict[int, list[Removal]] = {}
    for removal in result.removals:
        by_line.setdefault(removal.line or 0, []).append(removal)
    out = [f"== {doc.id}"]
    if result.doc is None:
        out.append(f"-- whole document dropped by [{result.removals[0].rule}]")
    for number, line in enumerate(doc.text.split("\n"), 1):
        marks = by_line.get(number, [])
        whole = [r for r in marks if r.kind == "line"]
        if whole:
            out.append(f"- [{whole[0].rule}] {line}")
            continue
        out.append(f"  {line}")
        for span in marks:
            out.append(f"~ [{span.rule}] {span.text!r}")
    return "\n".join(out)


def run_example(rule: Rule | Sequence[Rule], text: str) -> str:
    """What one rule alone (or a whole pack's rules together) makes of an example's input
    (used by `rules test`)."""
    rules = [rule] if isinstance(rule, Rule) else list(rule)
    result = strip_text(Doc("example", text.rstrip("\n")), CompiledRules.build(rules))
    return "" if result.doc is None else result.doc.text
