"""JSON Schemas of the YAML files people write: rule files and pipeline files.

Rule and pipeline files are written by hand, copied between projects and edited in a
hurry, so every key is checked for its type, not only its name: `ignore_case: "false"`
(a string, which Python would read as true), `first: 2.5`, `scope: [{path: 5}]` or
`include: 5` are refused with `file.yaml:LINE: where: what was expected` before any text
is touched. The schemas are data (JSON Schema, draft 2020-12, validated by `jsonschema`),
so editors that read schemas can check the same files.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

STRING = {"type": "string"}
TEXT = {"type": "string", "minLength": 1, "x-expect": "a non-empty string"}
STRINGS = {"type": "array", "items": TEXT, "minItems": 1}
STRING_OR_LIST = {"oneOf": [TEXT, STRINGS], "x-expect": "a non-empty string or a list of them"}
LINES = {"type": "integer", "minimum": 1, "x-expect": "a whole number of lines, at least 1"}
SCALAR = {"type": ["string", "number", "boolean"]}

SCOPE = {
    "x-name": "scope",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "metadata": {
            "type": "object",
            "additionalProperties": {"oneOf": [SCALAR, {"type": "array", "items": SCALAR, "minItems": 1}],
                                     "x-expect": "a value or a list of glob patterns"},
            "x-expect": "a mapping of metadata key to glob pattern(s)",
        },
        "path": TEXT,
        "text_regex": TEXT,
    },
}

EXAMPLE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["input", "output"],
    "properties": {"input": STRING, "output": STRING, "pack_output": STRING},
    "x-expect": "a mapping with an input and an output (and optionally pack_output)",
}

RULE = {
    "x-name": "rule",
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[\w.-]+$", "x-expect": "an id made of letters, digits, '.', '_' or '-'"},
        "description": STRING,
        "ignore_case": {"type": "boolean", "x-expect": "true or false"},
        "first": LINES,
        "last": LINES,
        "boundary": {"enum": ["end", "start"]},
        "examples": {"type": "array", "items": EXAMPLE},
        "drop_line": STRING_OR_LIST,
        "drop_line_regex": TEXT,
        "remove_regex": TEXT,
        "cut_from": STRING_OR_LIST,
        "cut_from_regex": TEXT,
        "cut_to": TEXT,
        "cut_to_regex": TEXT,
        "capture_regex": TEXT,
        "drop_document_regex": TEXT,
        "requires": {**STRING_OR_LIST, "x-expect": "a string, or a list of strings, one of which every matching line contains"},
    },
}

RULE_FILE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "corpuskit rule file",
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": TEXT,
        "description": STRING,
        "version": {"type": ["string", "integer", "number"]},
        "include": STRING_OR_LIST,
        "scope": {"oneOf": [SCOPE, {"type": "array", "items": SCOPE}], "x-expect": "a scope mapping or a list of them"},
        "rules": {"type": "array", "items": RULE},
    },
}

_PYTHON_TYPES = {"bool": {"type": "boolean"}, "int": {"type": "integer"}, "float": {"type": "number"}, "str": {"type": "string"}}


def options_schema(config_class: type, choices: dict[str, tuple[str, ...]] | None = None) -> dict:
    """The options of a step: the fields of its config dataclass, typed by annotation."""
    properties: dict[str, Any] = {}
    for item in fields(config_class):
        kind = str(item.type).replace(" ", "")
        schema = dict(_PYTHON_TYPES.get(kind, {}))
        if choices and item.name in choices:
            schema = {"enum": list(choices[item.name])}
        if kind == "int":
            schema["minimum"] = 0
        properties[item.name] = schema
    return {"type": ["object", "null"], "additionalProperties": False, "properties": properties}


def extract_schema() -> dict:
    """The extract step's options: the fields of ExtractConfig (sizes as numbers of bytes
    or text such as 16MiB)."""
    from corpuskit.extract.engines import ENGINES
    from corpuskit.extract.step import ExtractConfig

    schema = options_schema(ExtractConfig, {"engine": tuple(ENGINES)})
    properties = schema["properties"]
    properties["timeout"] = {"type": "number", "exclusiveMinimum": 0, "x-expect": "seconds per page"}
    properties["html_field"] = {"type": ["string", "null"], "minLength": 1}
    properties["max_page_bytes"] = {"type": ["integer", "string"], "x-expect": "a size such as 16MiB"}
    properties["min_chars"] = {"type": "integer", "minimum": 1}
    return schema


def filter_schema() -> dict:
    """The filter step's options: its packs and the fields of FilterConfig."""
    from corpuskit.filter.pii import KINDS
    from corpuskit.filter.modes import MODES, PARAGRAPH_MODES, PII_MODES

    codes = {"type": "array", "items": {"type": "string", "minLength": 2}, "x-expect": "a list of language codes"}
    return {
        "type": ["object", "null"],
        "additionalProperties": False,
        "properties": {
            "packs": STRING_OR_LIST,
            "mode": {"enum": list(MODES)},
            "pii": {"enum": list(PII_MODES)},
            "pii_kinds": {"type": "array", "items": {"enum": list(KINDS)}, "x-expect": f"a list of {', '.join(KINDS)}"},
            "keep_lang": codes,
            "min_lang_confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "lang_paragraphs": {"enum": list(PARAGRAPH_MODES)},
            "mixed_below": {"type": "number", "minimum": 0, "maximum": 1},
            "lang_sample": {"type": "integer", "minimum": 50},
            "lang_floor": {"type": "number", "minimum": 0, "maximum": 1},
            "lang_floors": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                            "x-expect": "a mapping of language code to a confidence from 0 to 1"},
            "tokenizer": {"type": "string", "minLength": 1, "x-expect": "a tokenizer's name (o200k, qwen, ...) or a tokenizer.json path"},
        },
    }


def dedup_schema() -> dict:
    """The dedup step's options: the fields of DedupConfig (memory may be a size text)."""
    from corpuskit.dedup.config import AGAINST_MODES, KEEP_RULES, LINE_MODES

    return {
        "type": ["object", "null"],
        "additionalProperties": False,
        "properties": {
            "exact": {"type": "boolean"},
            "near": {"type": "boolean"},
            "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "x-expect": "a Jaccard threshold above 0 and at most 1"},
            "num_perm": {"type": "integer", "minimum": 16, "maximum": 1024},
            "shingle": {"type": "integer", "minimum": 1, "maximum": 64},
            "keep": {"enum": list(KEEP_RULES)},
            "lines": {"enum": list(LINE_MODES)},
            "line_min_docs": {"type": "integer", "minimum": 2},
            "against": STRING_OR_LIST,
            "against_ngram": {"type": "integer", "minimum": 3, "maximum": 200},
            "against_mode": {"enum": list(AGAINST_MODES)},
            "memory": {"type": ["string", "integer"], "x-expect": "a size such as 1GiB"},
            "work_dir": TEXT,
            "tries": {"type": "integer", "minimum": 1, "maximum": 64},
        },
    }


def pipeline_schema() -> dict:
    from corpuskit.legacy import ENCODINGS
    from corpuskit.normalize import TONE_STYLES, NormalizeConfig
    from corpuskit.split import SplitConfig

    step = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": False,
        "properties": {
            "extract": extract_schema(),
            "normalize": options_schema(NormalizeConfig, {"tone": TONE_STYLES, "legacy": ("auto", "off", *ENCODINGS)}),
            "strip": {"type": ["object", "null"], "additionalProperties": False, "properties": {"rules": STRING_OR_LIST}},
            "split": options_schema(SplitConfig),
            "filter": filter_schema(),
            "dedup": dedup_schema(),
        },
        "x-expect": "one of extract, normalize, strip, split, filter, dedup with its options, e.g. '- normalize: {tone: old}'",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "corpuskit pipeline file",
        "type": "object",
        "additionalProperties": False,
        "required": ["inputs", "export"],
        "properties": {
            "name": TEXT,
            "description": STRING,
            "inputs": {**STRING_OR_LIST, "x-expect": "a file, folder or glob, or a list of them"},
            "steps": {"type": "array", "items": step, "x-expect": "a list of steps"},
            "export": {
                "type": "object",
                "additionalProperties": False,
                "required": ["output"],
                "properties": {
                    "output": TEXT,
                    "split": TEXT,
                    "max_shard_size": {"type": ["string", "integer"], "x-expect": "a size such as 500MB"},
                    "dedup": {"type": "boolean"},
                    "near_dup": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1,
                                 "x-expect": "a Jaccard threshold above 0 and at most 1"},
                    "overwrite": {"type": "boolean"},
                    "save_to_disk": {"type": "boolean"},
                    "name": TEXT,
                    "tokenizer": {"type": "string", "minLength": 1,
                                  "x-expect": "a tokenizer's name (o200k, qwen, ...) or a tokenizer.json path"},
                },
                "x-expect": "a mapping with an output folder, e.g. 'export: {output: build/dataset}'",
            },
        },
    }


# --- validation with file:line messages ---------------------------------------------------

ANNOTATIONS = ("__line__", "__lines__")


def plain(value: Any) -> Any:
    """The loaded YAML without the line annotations that corpuskit's loader adds."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key not in ANNOTATIONS}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def line_of(data: Any, path) -> int:
    """The line of the value at `path` (a jsonschema error path) in annotated YAML data."""
    node, line = data, data.get("__line__", 1) if isinstance(data, dict) else 1
    for key in path:
        if isinstance(node, dict):
            line = node.get("__lines__", {}).get(key, line)
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            break
        if isinstance(node, dict):
            line = node.get("__line__", line)
    return line


def where(path) -> str:
    """`rules[3].first` for the error path ('rules', 3, 'first')."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "top level"


_KIND_WORDS = {"array": "a list", "object": "a mapping", "string": "a string", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "nothing"}


def _unknown_keys(error) -> list:
    return sorted((k for k in error.instance if k not in error.schema.get("properties", {})), key=str)


def describe(error) -> str:
    """One sentence for a jsonschema error, in the words of the schema when it has them."""
    expect = error.schema.get("x-expect") if isinstance(error.schema, dict) else None
    value = error.instance
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__.replace("dict", "a mapping").replace("list", "a list")
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        extra = _unknown_keys(error)
        inside = f" in {error.schema['x-name']}" if "x-name" in error.schema else ""
        return f"unknown key {extra[0]!r}{inside} (allowed: {allowed})" if extra else error.message
    if error.validator == "required":
        missing = error.message.replace(" is a required property", "")
        return f"{missing} is missing" + (f": expected {expect}" if expect else "")
    if error.validator == "enum":
        return f"{shown} is not one of: {', '.join(map(str, error.validator_value))}"
    if expect:
        return f"expected {expect}, got {shown}"
    if error.validator == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"expected {' or '.join(_KIND_WORDS.get(k, k) for k in kinds)}, got {shown}"
    return error.message


def validate(data: dict, schema: dict) -> tuple[tuple, tuple, str] | None:
    """The first problem in file order, as (path of its line, path of its place, sentence),
    or None."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(plain(data)))
    if not errors:
        return None
    # The deepest error of the first place in the file says the most.
    error = min(errors, key=lambda e: (line_of(data, e.absolute_path), -len(e.absolute_path), e.validator != "additionalProperties"))
    while error.context:  # oneOf/anyOf: the branch that got furthest, unless the schema speaks for itself
        if isinstance(error.schema, dict) and error.schema.get("x-expect") and not any(len(c.absolute_path) > len(error.absolute_path) for c in error.context):
            break
        deeper = [c for c in error.context if len(c.absolute_path) > len(error.absolute_path)]
        if not deeper:
            break
        error = max(deeper, key=lambda e: len(e.absolute_path))
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and _unknown_keys(error):
        return path + (_unknown_keys(error)[0],), path, describe(error)  # the line of the key itself
    return path, path, describe(error)
