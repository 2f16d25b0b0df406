"""Filter packs: YAML files of thresholds per signal and per language, validated once.

    name: gopher
    description: Gopher quality and repetition rules, English
    reference: Rae et al. 2021, appendix A.1.1 and table A1
    language: {keep: [en], min_confidence: 0.65}   # optional: documents in other languages are dropped
    thresholds:
      en:                                          # a language code, or `default` for the others
        word_count: {min: 50, max: 100000}
        stop_words: {min: 2, words: [the, be, to, of, and, that, have, with]}
      default: {...}

A document is checked against the thresholds of its language (`metadata.lang`, from
language identification), else those of `default`; a pack with neither leaves it alone,
so the English packs never judge Vietnamese text by English word lengths. `min` fails
when the signal is below it, `max` when above (the papers' "fewer than" and "more than").
Every filter is named `<pack>.<signal>` in `--stats`, `--rejected`, `--explain` and
`metadata.quality`, and carries its `file.yaml:LINE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from corpuskit.errors import UsageError
from corpuskit.filter import families  # noqa: F401  (registers every signal in SIGNALS)
from corpuskit.filter.signals import SIGNALS
from corpuskit.rules import check_schema, display_path, read_yaml_mapping


class PackError(UsageError):
    """A filter pack is invalid; the message starts with `file:line:`."""


@dataclass(frozen=True)
class Threshold:
    signal: str
    min: float | None
    max: float | None
    where: str  # file.yaml:LINE

    def fails(self, value: float) -> bool:
        return (self.min is not None and value < self.min) or (self.max is not None and value > self.max)

    def bounds(self) -> dict[str, float]:
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}


@dataclass(frozen=True)
class LanguageRule:
    keep: tuple[str, ...]
    min_confidence: float
    where: str


@dataclass(frozen=True)
class Pack:
    name: str
    path: str
    description: str
    reference: str
    language: LanguageRule | None
    thresholds: dict[str, tuple[Threshold, ...]]  # language code or "default" → thresholds in file order
    stop_words: dict[str, frozenset[str]]

    def for_language(self, lang: str | None) -> tuple[str | None, tuple[Threshold, ...]]:
        """The section that applies to `lang` and its thresholds ((None, ()) when none)."""
        if lang in self.thresholds:
            return lang, self.thresholds[lang]
        if "default" in self.thresholds:
            return "default", self.thresholds["default"]
        return None, ()


NUMBER = {"type": "number", "x-expect": "a number"}
_BOUND = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "min": NUMBER,
        "max": NUMBER,
        "words": {"oneOf": [{"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                            {"enum": ["stopwordsiso"]}],
                  "x-expect": "a list of words, or stopwordsiso"},
    },
    "x-expect": "a mapping with min and/or max, e.g. {min: 50}",
}


def pack_schema() -> dict:
    section = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _BOUND for name in SIGNALS},
        "x-name": "thresholds",
        "x-expect": "a mapping of signal name to {min, max}",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "corpuskit filter pack",
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "thresholds"],
        "properties": {
            "name": {"type": "string", "pattern": r"^[A-Za-z0-9_-]+$", "x-expect": "a name of letters, digits, - and _"},
            "description": {"type": "string"},
            "reference": {"type": "string"},
            "language": {
                "type": "object",
                "additionalProperties": False,
                "required": ["keep"],
                "properties": {
                    "keep": {"type": "array", "items": {"type": "string", "minLength": 2}, "minItems": 1,
                             "x-expect": "a list of language codes"},
                    "min_confidence": {"type": "number", "minimum": 0, "maximum": 1, "x-expect": "a number from 0 to 1"},
                },
            },
            "thresholds": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": r"^(default|[a-z]{2,3})$"},
                "additionalProperties": section,
                "x-expect": "a mapping of language code (or default) to thresholds",
            },
        },
    }


def _stop_words(lang: str, spec: Any) -> frozenset[str]:
    if isinstance(spec, list):
        return frozenset(spec)
    import stopwordsiso

    if lang == "default" or not stopwordsiso.has_lang(lang):
        return frozenset()
    # Multi-word entries ("bởi vì") cannot match one token; their syllables are not all
    # stop words on their own, so they are left out.
    return frozenset(w for w in stopwordsiso.stopwords(lang) if " " not in w)


def load_pack(path: str) -> Pack:
    """Read and check one pack; every problem is a PackError naming `file:line`."""
    _, data = read_yaml_mapping(path, "filter pack", "a filter pack is a mapping with name and thresholds", PackError)
    check_schema(path, data, pack_schema(), PackError)
    lines = data.get("__lines__", {})
    language = None
    if "language" in data:
        rule = data["language"]
        language = LanguageRule(tuple(rule["keep"]), float(rule.get("min_confidence", 0.0)), f"{display_path(path)}:{rule['__line__']}")
    thresholds: dict[str, tuple[Threshold, ...]] = {}
    stop_words: dict[str, frozenset[str]] = {}
    for lang, section in data["thresholds"].items():
        if lang.startswith("__"):
            continue
        entries = []
        for name, bound in section.items():
            if name.startswith("__"):
                continue
            at = section.get("__lines__", {}).get(name, lines.get("thresholds", 1))
            low, high = bound.get("min"), bound.get("max")
            if low is None and high is None:
                raise PackError(f"{path}:{at}: thresholds.{lang}.{name}: needs min or max")
            if low is not None and high is not None and low > high:
                raise PackError(f"{path}:{at}: thresholds.{lang}.{name}: min {low} is above max {high}")
            if "words" in bound:
                if name != "stop_words":
                    raise PackError(f"{path}:{at}: thresholds.{lang}.{name}: only stop_words takes words")
                stop_words[lang] = _stop_words(lang, bound["words"])
            elif name == "stop_words":
                stop_words[lang] = _stop_words(lang, "stopwordsiso")
            entries.append(Threshold(name, low, high, f"{display_path(path)}:{at}"))
        thresholds[lang] = tuple(entries)
    return Pack(str(data["name"]), path, str(data.get("description", "")), str(data.get("reference", "")),
                language, thresholds, stop_words)


def expand_pack_paths(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out += [str(p) for p in sorted(path.glob("*.yaml")) if not p.name.startswith(".")]
        elif path.exists():
            out.append(str(path))
        elif bundled_path(item) is not None:  # a bundled pack by name: -p news, -p gopher
            out.append(str(bundled_path(item)))
        else:
            raise PackError(f"{item}: no such filter pack (a file, a folder, or a bundled name: {', '.join(bundled_names())})")
    return out


def load_packs(paths: Iterable[str]) -> list[Pack]:
    packs = [load_pack(p) for p in expand_pack_paths(paths)]
    names: dict[str, str] = {}
    for pack in packs:
        if pack.name in names:
            raise PackError(f"{pack.path}:1: pack name {pack.name!r} is also used by {names[pack.name]}")
        names[pack.name] = pack.path
    return packs


def default_packs_dir() -> Path:
    """The bundled packs: filters/ beside the package (a source checkout or editable install).
    Its top-level files are the defaults (news, vi-news, basic); filters/parity/ holds the
    published web filters with their own thresholds (gopher, c4, fineweb, fineweb2-vi),
    used when named."""
    return Path(__file__).resolve().parent.parent.parent / "filters"


def bundled_path(name: str) -> Path | None:
    """A bundled pack by name: the defaults in filters/, the parity packs in filters/parity/."""
    for folder in (default_packs_dir(), default_packs_dir() / "parity"):
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    return None


def bundled_names() -> list[str]:
    folder = default_packs_dir()
    return sorted(p.stem for p in [*folder.glob("*.yaml"), *(folder / "parity").glob("*.yaml")])
