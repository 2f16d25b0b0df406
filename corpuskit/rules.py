"""YAML rule files: loading, validation with file:line errors, and compilation.

A rule file is data that people review and share, so it is checked completely when it is
loaded: unknown keys, a missing or doubled action, a regex that does not compile, a
duplicate id or a bad include are reported as `file.yaml:LINE: message` before any text
is touched. The format is documented in docs/rule-format.md.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import regex
import yaml

from corpuskit.errors import UsageError

# action key -> kind. Exactly one per rule.
ACTIONS = {
    "drop_line": "drop_line",  # a string or a list: lines equal to it (spaces normalized)
    "drop_line_regex": "drop_line",  # full-line regex
    "remove_regex": "remove",  # inline span removed, the rest of the line kept
    "cut_from": "cut",  # marker line (exact) that starts a section to cut
    "cut_from_regex": "cut",
    "capture_regex": "capture",  # full-line regex with named groups -> metadata, line dropped
    "drop_document_regex": "drop_document",  # a line matching it drops the whole document
}
RULE_KEYS = set(ACTIONS) | {"id", "description", "ignore_case", "first", "last", "cut_to", "cut_to_regex", "examples", "boundary", "requires"}
# `boundary`: the matched line (or span) marks where an article ends or a new one starts;
# strip records it in metadata.boundaries for `corpuskit split`.
BOUNDARIES = ("end", "start")
BOUNDARY_KINDS = ("drop_line", "capture", "remove")
FILE_KEYS = {"name", "description", "scope", "include", "rules", "version"}
SCOPE_KEYS = {"metadata", "path", "text_regex"}


class RuleError(UsageError):
    """A rule file is invalid; the message starts with `file:line:`."""


def collapse_spaces(line: str) -> str:
    """The form in which exact lines are compared: spaces collapsed, ends trimmed."""
    return " ".join(line.split())


# --- YAML with line numbers --------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (as key `__line__`), and
    refuses what careless or hostile YAML can do: a key given twice (PyYAML would keep the
    last one in silence) and aliases (`*name`, whose expansion can grow exponentially)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"aliases (*{event.anchor}) are not allowed here", event.start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = getattr(key_node, "value", None)
        if isinstance(key, str):
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):  # `1:`, `~:`, `true:` as keys: a name is text
            raise yaml.constructor.ConstructorError(None, None, f"key {key_node.value!r} is not text (quote it: '{key_node.value}')",
                                                    key_node.start_mark)
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {key.value: key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")}
    return mapping


def _construct_float(loader: _LineLoader, node: yaml.ScalarNode) -> float:
    """A number; `.nan` and `.inf` are refused (a threshold of NaN compares false with
    everything: a filter that silently never fires)."""
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if value != value or value in (float("inf"), float("-inf")):
        raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a usable number (leave the key out instead)",
                                                node.start_mark)
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def display_path(path) -> str:
    """A file's path as outputs name it (a rule's `file.yaml:LINE` in the audit, a pack's
    in rejected records and reports): relative to the working folder, never absolute, so
    a run folder can be moved or shared with its report."""
    text = str(path)
    try:
        return os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text


def read_yaml_mapping(path: str, what: str, shape: str, error: type[UsageError] = UsageError) -> tuple[bytes, dict]:
    """A YAML file's bytes and its top-level mapping, each mapping carrying `__line__` and
    `__lines__`; every problem raised as `error("file:line: message")`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror})") from None
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_LineLoader)
    except UnicodeDecodeError as exc:
        raise error(f"{path}:1: not UTF-8 at byte {exc.start}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise error(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}:1: invalid YAML: {exc}") from None
    except RecursionError:
        raise error(f"{path}:1: invalid YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise error(f"{path}:1: {shape}")
    return raw, data


def check_schema(path: str, data: dict, schema: dict, error: type[UsageError] = UsageError) -> None:
    """Types of every key, against a JSON Schema (corpuskit.schemas); `file:line: where: what`."""
    from corpuskit.schemas import line_of, validate, where

    problem = validate(data, schema)
    if problem is not None:
        line_path, place, message = problem
        raise error(f"{path}:{line_of(data, line_path)}: {where(place)}: {message}")


# --- compiled form -----------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    input: str
    output: str  # what the rule alone makes of the input
    line: int
    pack_output: str | None = None  # what the whole file makes of it, where its other rules act too


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # drop_line | remove | cut | capture | drop_document
    source: str  # file:line, for messages
    literals: tuple[str, ...] = ()  # drop_line / cut_from exact forms (collapsed, maybe casefolded)
    pattern: regex.Pattern | None = None
    end_literal: str | None = None
    end_pattern: regex.Pattern | None = None
    ignore_case: bool = False
    first: int | None = None
    last: int | None = None
    examples: tuple[Example, ...] = ()
    description: str = ""
    boundary: str | None = None  # "end" | "start": an article boundary, for split
    requires: tuple[str, ...] = ()  # a speed hint: a line the rule can match contains one of these

    @property
    def positional(self) -> bool:
        return self.first is not None or self.last is not None

    def applies_at(self, position: int, total: int) -> bool:
        """Position limits count non-blank lines from the top (`first`) or bottom (`last`)."""
        if self.first is None and self.last is None:
            return True
        return (self.first is not None and position < self.first) or (
            self.last is not None and position >= total - self.last
        )

    def line_key(self, line: str) -> str:
        key = collapse_spaces(line)
        return key.casefold() if self.ignore_case else key


@lru_cache(maxsize=1024)
def _glob_regex(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(fnmatch.translate(p) for p in patterns))


def _glob_matches(patterns: tuple[str, ...], value: str) -> bool:
    """Case-sensitive glob match against any of `patterns` (compiled once)."""
    return _glob_regex(patterns).match(value) is not None


@dataclass(frozen=True)
class Scope:
    metadata: tuple[tuple[str, tuple[str, ...]], ...] = ()
    path: str | None = None
    text: re.Pattern | regex.Pattern | None = None
    source: str = ""  # file:line, for messages

    def matches(self, text: str, metadata: dict, text_found: bool | None = None) -> bool:
        """`text_found` passes on a search for `text` already made by the caller."""
        for key, patterns in self.metadata:
            value = metadata.get(key)
            if value is None or not _glob_matches(patterns, str(value)):
                return False
        if self.path is not None:
            path = metadata.get("path")
            if path is None or not _glob_matches((self.path,), str(path)):
                return False
        if self.text is not None:
            found = text_found if text_found is not None else self.text.search(text) is not None
            if not found:
                return False
        return True


@dataclass
class RuleFile:
    path: str
    name: str
    description: str = ""
    scopes: tuple[Scope, ...] = ()  # any one of them; none means every document
    rules: list[Rule] = field(default_factory=list)
    digest: str = ""  # of the file's bytes, so a dataset card can say which rules made it
    version: str = ""

    @property
    def label(self) -> str:
        """`name vVERSION sha256:DIGEST`: names a rule file in stats and dataset cards."""
        version = f" v{self.version}" if self.version else ""
        return f"{self.name}{version} sha256:{self.digest}"

    def applies_to(self, text: str, metadata: dict) -> bool:
        return not self.scopes or any(scope.matches(text, metadata) for scope in self.scopes)


# --- loading -----------------------------------------------------------------------------


def _fail(path: str, line: int | None, message: str) -> RuleError:
    return RuleError(f"{path}:{line or 1}: {message}")


def _compile(path: str, line: int, source: Any, ignore_case: bool, what: str) -> regex.Pattern:
    if not isinstance(source, str) or not source:
        raise _fail(path, line, f"{what} must be a non-empty string")
    try:
        return regex.compile(source, regex.IGNORECASE if ignore_case else 0)
    except regex.error as exc:
        raise _fail(path, line, f"invalid regex in {what}: {exc}") from None


def _positive_int(path: str, line: int, value: Any, key: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail(path, line, f"{key} must be a whole number of lines, at least 1")
    return value


def _build_rule(path: str, data: Any, seen: dict[str, str]) -> Rule:
    if not isinstance(data, dict):
        raise _fail(path, None, "each rule must be a mapping with an id and one action")
    line = data.get("__line__")
    lines = data.get("__lines__", {})
    unknown = set(data) - RULE_KEYS - {"__line__", "__lines__"}
    if unknown:
        key = sorted(unknown)[0]
        raise _fail(path, lines.get(key, line), f"unknown key {key!r} in rule (allowed: {', '.join(sorted(RULE_KEYS))})")
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not regex.fullmatch(r"[\w.-]+", rule_id):
        raise _fail(path, line, "rule needs an id made of letters, digits, '.', '_' or '-'")
    if rule_id in seen:
        raise _fail(path, lines.get("id", line), f"duplicate rule id {rule_id!r} (first defined at {seen[rule_id]})")
    actions = [key for key in ACTIONS if key in data]
    if not actions:
        raise _fail(path, line, f"rule {rule_id!r} has no action (one of: {', '.join(ACTIONS)})")
    if len(actions) > 1:
        raise _fail(path, lines.get(actions[1], line), f"rule {rule_id!r} has more than one action: {', '.join(actions)}")
    action = actions[0]
    kind = ACTIONS[action]
    at = lines.get(action, line)
    ignore_case = bool(data.get("ignore_case", False))
    fields: dict[str, Any] = {}
    value = data[action]
    if action in ("drop_line", "cut_from"):
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise _fail(path, at, f"{action} takes a non-empty string or a list of them")
        fields["literals"] = tuple(
            collapse_spaces(v).casefold() if ignore_case else collapse_spaces(v) for v in values
        )
    else:
        fields["pattern"] = _compile(path, at, value, ignore_case, action)
        if kind == "capture" and not fields["pattern"].groupindex:
            raise _fail(path, at, "capture_regex needs at least one named group, e.g. (?P<source>...)")
    if "cut_to" in data or "cut_to_regex" in data:
        if kind != "cut":
            raise _fail(path, lines.get("cut_to", lines.get("cut_to_regex", line)), "cut_to goes with cut_from")
        if "cut_to" in data:
            fields["end_literal"] = collapse_spaces(str(data["cut_to"]))
        else:
            fields["end_pattern"] = _compile(path, lines.get("cut_to_regex", line), data["cut_to_regex"], ignore_case, "cut_to_regex")
    boundary = data.get("boundary")
    if boundary is not None:
        if boundary not in BOUNDARIES:
            raise _fail(path, lines.get("boundary", line), f"boundary must be one of: {', '.join(BOUNDARIES)}")
        if kind not in BOUNDARY_KINDS:
            raise _fail(path, lines.get("boundary", line), f"boundary goes with drop_line, drop_line_regex, capture_regex or remove_regex, not {action}")
    examples = []
    for example in data.get("examples") or []:
        if (not isinstance(example, dict) or set(example) - {"input", "output", "pack_output", "__line__", "__lines__"}
                or "input" not in example or "output" not in example):
            raise _fail(path, example.get("__line__", line) if isinstance(example, dict) else line,
                        "an example has an input and an output (and optionally pack_output)")
        pack_output = str(example["pack_output"]) if example.get("pack_output") is not None else None
        examples.append(Example(str(example["input"]), str(example["output"]), example["__line__"], pack_output))
    requires = data.get("requires")
    if requires is not None:
        requires = tuple(requires if isinstance(requires, list) else [requires])
        if kind not in ("drop_line", "remove", "capture") or "pattern" not in fields:
            raise _fail(path, lines.get("requires", line), "requires goes with drop_line_regex, remove_regex or capture_regex")
        for example in examples:  # a hint that would hide a match is wrong: check it on the examples
            for text in example.input.split("\n"):
                hit = fields["pattern"].search(text) if kind == "remove" else fields["pattern"].fullmatch(text.strip())
                if hit and not any(r in text for r in requires):
                    raise _fail(path, lines.get("requires", line), f"requires {list(requires)}: example line {text!r} matches without any of them")
        fields["requires"] = requires
    seen[rule_id] = f"{display_path(path)}:{line}"
    return Rule(
        id=rule_id,
        kind=kind,
        source=f"{display_path(path)}:{line}",
        ignore_case=ignore_case,
        first=_positive_int(path, lines.get("first", line), data.get("first"), "first"),
        last=_positive_int(path, lines.get("last", line), data.get("last"), "last"),
        examples=tuple(examples),
        description=str(data.get("description", "")),
        boundary=boundary,
        **fields,
    )


def _build_scope(path: str, data: Any, line: int) -> Scope:
    if not isinstance(data, dict):
        raise _fail(path, line, "each scope is a mapping of metadata, path and/or text_regex")
    at = data.get("__line__", line)
    unknown = set(data) - SCOPE_KEYS - {"__line__", "__lines__"}
    if unknown:
        raise _fail(path, at, f"unknown key {sorted(unknown)[0]!r} in scope (allowed: {', '.join(sorted(SCOPE_KEYS))})")
    metadata = []
    for key, value in (data.get("metadata") or {}).items():
        if key.startswith("__"):
            continue
        values = value if isinstance(value, list) else [value]
        metadata.append((key, tuple(str(v) for v in values)))
    text = data.get("text_regex")
    pattern = None
    if text is not None:
        _compile(path, at, text, False, "text_regex")  # validates with the documented syntax
        try:  # the standard engine scans whole documents several times faster
            pattern = re.compile(text)
        except re.error:
            pattern = regex.compile(text)
    return Scope(metadata=tuple(metadata), path=data.get("path"), text=pattern, source=f"{display_path(path)}:{at}")


MAX_INCLUDE_DEPTH = 16


def load_rule_file(
    path: str | Path,
    _seen: dict[str, str] | None = None,
    _stack: tuple[str, ...] = (),
    _loaded: set[str] | None = None,
    _root: str | None = None,
) -> list[RuleFile]:
    """Load a rule file and, before it, the files it includes (in order).

    A file already loaded in the same call tree (included twice) is not loaded again.
    Includes stay inside the folder of the file named first (the rule tree), so a rule
    pack cannot make corpuskit read files elsewhere, and chains are at most 16 deep.
    """
    path = str(path)
    real = str(Path(path).resolve())
    root = _root if _root is not None else str(Path(real).parent)
    if real in _stack:
        raise RuleError(f"{path}:1: include cycle: {' -> '.join(_stack + (real,))}")
    if len(_stack) > MAX_INCLUDE_DEPTH:
        raise RuleError(f"{path}:1: includes nested more than {MAX_INCLUDE_DEPTH} deep")
    loaded_set = _loaded if _loaded is not None else set()
    if real in loaded_set:
        return []
    loaded_set.add(real)
    raw, data = read_yaml_mapping(path, "rule file", "a rule file is a mapping with name and rules", RuleError)
    lines = data.get("__lines__", {})
    unknown = set(data) - FILE_KEYS - {"__line__", "__lines__"}
    if unknown:
        key = sorted(unknown, key=str)[0]
        raise _fail(path, lines.get(key), f"unknown key {key!r} (allowed: {', '.join(sorted(FILE_KEYS))})")
    if not isinstance(data.get("name"), str):
        raise _fail(path, 1, "a rule file needs a name")
    from corpuskit.schemas import RULE_FILE

    check_schema(path, data, RULE_FILE, RuleError)
    seen = _seen if _seen is not None else {}
    loaded: list[RuleFile] = []
    includes = data.get("include") or []
    if isinstance(includes, str):
        includes = [includes]
    for include in includes:
        target = Path(path).parent / str(include)
        if not str(target.resolve()).startswith(root.rstrip("/") + "/"):
            raise _fail(path, lines.get("include"), f"included file {include!r} is outside the rule folder {root}")
        if not target.is_file():
            raise _fail(path, lines.get("include"), f"included file {include!r} not found")
        loaded.extend(load_rule_file(target, seen, _stack + (real,), loaded_set, root))
    scopes_data = data.get("scope") or []
    if isinstance(scopes_data, dict):
        scopes_data = [scopes_data]
    rules_data = data.get("rules") or []
    if not isinstance(rules_data, list):
        raise _fail(path, lines.get("rules"), "rules must be a list")
    loaded.append(
        RuleFile(
            path=path,
            name=data["name"],
            description=str(data.get("description", "")),
            scopes=tuple(_build_scope(path, s, lines.get("scope", 1)) for s in scopes_data),
            rules=[_build_rule(path, r, seen) for r in rules_data],
            digest=hashlib.sha256(raw).hexdigest()[:12],
            version=str(data.get("version", "")),
        )
    )
    return loaded


def expand_rule_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; folders give their *.yaml/*.yml files, sorted."""
    found = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            found.extend(str(f) for f in sorted(p.glob("*.y*ml")))
        elif p.exists():
            found.append(path)
        else:
            raise RuleError(f"{path}: no such rule file")
    return found


def load_rules(paths: Iterable[str]) -> list[RuleFile]:
    """Load several rule files (and folders of them) in order; ids must be unique across all."""
    seen: dict[str, str] = {}
    loaded: set[str] = set()  # a file named or included several times is applied once
    files: list[RuleFile] = []
    for path in expand_rule_paths(paths):
        files.extend(load_rule_file(path, seen, (), loaded))
    return files


def slow_patterns(files: Iterable[RuleFile]) -> list[str]:
    """`file:line: ...` for every pattern that backtracks badly on long repetitive lines
    (corpuskit.limits.probe_backtracking); `rules check` rejects them."""
    from corpuskit.limits import probe_backtracking

    problems = []
    for rule_file in files:
        for scope in rule_file.scopes:
            if scope.text is not None:
                found = probe_backtracking(regex.compile(scope.text.pattern), full_line=False)
                if found:
                    problems.append(f"{scope.source}: scope text_regex backtracks badly: {found}")
        for rule in rule_file.rules:
            for pattern, what in ((rule.pattern, "pattern"), (rule.end_pattern, "cut_to_regex")):
                if pattern is None:
                    continue
                found = probe_backtracking(pattern, full_line=rule.kind != "remove" or what != "pattern")
                if found:
                    problems.append(f"{rule.source}: rule {rule.id!r}: {what} backtracks badly: {found}")
    return problems


def default_rules_dir() -> Path:
    """The bundled packs: rules/ beside the package (a source checkout or editable install)."""
    return Path(__file__).resolve().parent.parent / "rules"
