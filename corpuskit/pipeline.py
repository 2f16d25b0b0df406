"""Pipeline files: inputs, steps, dedup and export in one YAML file, run locally or on Ray.

    name: news
    inputs: [seeds/]                    # files, folders, globs; relative to this file
    steps:
      - extract: {engine: trafilatura}  # optional, first: inputs are HTML/WARC (ExtractConfig fields)
      - normalize: {tone: old}          # NormalizeConfig fields
      - strip: {rules: [rules/]}        # rule files or folders, relative to this file
      - split: {keep_teasers: false}
      - filter: {packs: [vi-news], mode: drop, pii: replace}   # FilterConfig fields + packs
      - dedup: {threshold: 0.8, lines: report}                  # DedupConfig fields (last step)
    export:
      output: build/dataset             # relative to this file
      split: train=0.98,validation=0.02
      max_shard_size: 500MB
      dedup: true
      near_dup: 0.8                     # optional
      overwrite: true

Both engines apply the same document functions (normalize → strip → split → filter, per
page), the same dedup and the same export (splits, shards, card), so they write the same
rows; the local engine runs the per-page steps in this process (or `jobs` workers) and
dedup's features on `jobs` threads, the Ray engine both as Ray Data tasks. Dedup's
clustering and the export run where the command runs. Without a dedup step, the export
section's `dedup`/`near_dup` keys run one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator


from corpuskit.doc import Doc
from corpuskit.errors import DataError, UsageError
from corpuskit.export import ExportConfig, export, parse_size, parse_splits
from corpuskit.normalize import NormalizeConfig
from corpuskit.rules import check_schema, default_rules_dir, load_rules, read_yaml_mapping
from corpuskit.schemas import pipeline_schema
from corpuskit.split import SplitConfig
from corpuskit.steps import chain_steps
from corpuskit.stats import Stats

STEPS = ("extract", "normalize", "strip", "split", "filter", "dedup")
PIPELINE_KEYS = {"name", "description", "inputs", "steps", "export"}
EXPORT_KEYS = {"output", "split", "max_shard_size", "dedup", "near_dup", "overwrite", "save_to_disk", "name", "tokenizer"}


@dataclass
class Pipeline:
    path: str
    name: str
    inputs: list[str]
    steps: list[tuple[str, Any]] = field(default_factory=list)  # (step, its config or rule files)
    output: str = ""
    export: ExportConfig = ExportConfig()
    rule_sources: list[str] = field(default_factory=list)  # rule files and folders the steps read
    dedup: Any = None  # DedupConfig of a dedup step, run after the per-page steps
    extract: Any = None  # ExtractConfig of an extract step: the inputs are pages, not text

    def transform(self) -> Callable[[Iterable[Doc], Stats], Iterator[Doc]]:
        """The steps as one stream function (what `corpuskit clean` builds from its options);
        with an extract step, a function of pages."""
        steps = chain_steps(self.steps)
        if self.extract is None:
            return steps
        from corpuskit.extract import extract

        config = self.extract
        return lambda pages, stats: steps(extract(pages, config, stats), stats)

    def reader(self, inputs, **options):
        """The reader of this pipeline's inputs: pages with an extract step, else documents."""
        if self.extract is None:
            from corpuskit.io import Reader

            return Reader(inputs, **options)
        from corpuskit.extract import PageReader

        options.pop("legacy", None)
        return PageReader(inputs, max_page_bytes=self.extract.max_page_bytes, html_field=self.extract.html_field, **options)


def _fail(path: str, line: int | None, message: str) -> UsageError:
    return UsageError(f"{path}:{line or 1}: {message}")


def _options(path: str, line: int, cls, data: Any, step: str):
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise _fail(path, line, f"{step}: options are a mapping")
    allowed = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if not k.startswith("__")}
    unknown = set(values) - allowed
    if unknown:
        raise _fail(path, data.get("__lines__", {}).get(sorted(unknown)[0], line),
                    f"{step}: unknown option {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(allowed))})")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise _fail(path, line, f"{step}: {exc}") from None


def load_pipeline(path: str | Path) -> Pipeline:
    """Read and check a pipeline file; errors name `file:line`. Paths are relative to the file."""
    path = str(path)
    base = Path(path).resolve().parent
    _, data = read_yaml_mapping(path, "pipeline file", "a pipeline file is a mapping with inputs, steps and export")
    lines = data.get("__lines__", {})
    unknown = set(data) - PIPELINE_KEYS - {"__line__", "__lines__"}
    if unknown:
        key = sorted(unknown, key=str)[0]
        raise _fail(path, lines.get(key), f"unknown key {key!r} (allowed: {', '.join(sorted(PIPELINE_KEYS))})")
    check_schema(path, data, pipeline_schema())  # types of every key, with file:line

    def local(item: Any) -> str:
        """Relative to the pipeline file; shown relative to the working folder when inside
        it, so that document ids (paths) do not depend on where the checkout lives."""
        text = str(item)
        if text == "-" or os.path.isabs(text):
            return text
        absolute = os.path.normpath(base / text)
        relative = os.path.relpath(absolute)
        return absolute if relative.startswith("..") else relative

    inputs = data.get("inputs")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not inputs or not isinstance(inputs, list):
        raise _fail(path, lines.get("inputs"), "inputs: a list of files, folders or globs")
    steps: list[tuple[str, Any]] = []
    rule_sources: list[str] = []
    for entry in data.get("steps") or []:
        at = entry.get("__line__") if isinstance(entry, dict) else lines.get("steps")
        names = [k for k in entry if not k.startswith("__")] if isinstance(entry, dict) else []
        if len(names) != 1 or names[0] not in STEPS:
            raise _fail(path, at, f"each step is one of {', '.join(STEPS)}, e.g. '- normalize: {{tone: old}}'")
        step, options = names[0], entry[names[0]]
        if step == "extract":
            from corpuskit.extract import ExtractConfig

            options = dict(options or {})
            if isinstance(options.get("max_page_bytes"), str):
                try:
                    options["max_page_bytes"] = parse_size(options["max_page_bytes"], "extract.max_page_bytes")
                except UsageError as exc:
                    raise _fail(path, at, str(exc)) from None
            try:
                steps.append((step, _options(path, at, ExtractConfig, options, step)))
            except UsageError as exc:
                raise _fail(path, at, str(exc)) from None
        elif step == "dedup":
            from corpuskit.dedup import DedupConfig

            options = dict(options or {})
            for key in ("against",):
                if key in options:
                    value = options[key]
                    options[key] = tuple(local(v) for v in ([value] if isinstance(value, str) else value))
                    rule_sources.extend(options[key])
            if "memory" in options and isinstance(options["memory"], str):
                try:
                    options["memory"] = parse_size(options["memory"], "dedup.memory")
                except UsageError as exc:
                    raise _fail(path, at, str(exc)) from None
            if "work_dir" in options:
                options["work_dir"] = local(options["work_dir"])
            steps.append((step, _options(path, at, DedupConfig, options, step)))
        elif step == "normalize":
            steps.append((step, _options(path, at, NormalizeConfig, options, step)))
        elif step == "split":
            steps.append((step, _options(path, at, SplitConfig, options, step)))
        elif step == "filter":
            from corpuskit.filter.packs import default_packs_dir, expand_pack_paths, load_packs
            from corpuskit.filter.step import FilterConfig

            options = dict(options or {})
            packs = options.pop("packs", None)
            packs = [packs] if isinstance(packs, str) else packs
            pack_paths = expand_pack_paths([local(p) if Path(base / p).exists() else p for p in packs] if packs
                                           else [str(default_packs_dir())])
            rule_sources.extend(pack_paths)
            for key in ("pii_kinds", "keep_lang"):
                if key in options:
                    options[key] = tuple(options[key])
            if isinstance(options.get("lang_floors"), dict):
                options["lang_floors"] = tuple((k, v) for k, v in options["lang_floors"].items() if not k.startswith("__"))
            steps.append((step, (_options(path, at, FilterConfig, options, step), load_packs(pack_paths))))
        else:
            rules = (options or {}).get("rules") if isinstance(options, dict) else None
            extra = set(options or {}) - {"rules", "__line__", "__lines__"} if isinstance(options, dict) else set()
            if extra:
                raise _fail(path, at, f"strip: unknown option {sorted(extra)[0]!r} (allowed: rules)")
            rules = [rules] if isinstance(rules, str) else rules
            paths = [local(r) for r in rules] if rules else [str(default_rules_dir())]
            rule_sources.extend(paths)
            steps.append((step, load_rules(paths)))
    if [s for s, _ in steps] != sorted((s for s, _ in steps), key=STEPS.index) or len({s for s, _ in steps}) != len(steps):
        raise _fail(path, lines.get("steps"), "steps run in the order extract, normalize, strip, split, filter, dedup, each at most once")
    dedup_config = next((c for s, c in steps if s == "dedup"), None)
    extract_config = next((c for s, c in steps if s == "extract"), None)
    steps = [(s, c) for s, c in steps if s not in ("dedup", "extract")]
    export_data = data.get("export") or {}
    at = lines.get("export")
    if not isinstance(export_data, dict) or not export_data.get("output"):
        raise _fail(path, at, "export: needs an output folder, e.g. 'export: {output: build/dataset}'")
    unknown = set(export_data) - EXPORT_KEYS - {"__line__", "__lines__"}
    if unknown:
        raise _fail(path, export_data.get("__lines__", {}).get(sorted(unknown)[0], at),
                    f"export: unknown option {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(EXPORT_KEYS))})")
    name = str(data.get("name") or export_data.get("name") or Path(str(export_data["output"])).name)
    near = export_data.get("near_dup")
    export_lines = export_data.get("__lines__", {})
    try:
        splits = parse_splits(str(export_data.get("split", "train=0.98,validation=0.02")))
    except UsageError as exc:
        raise _fail(path, export_lines.get("split", at), f"export.split: {str(exc).removeprefix('--split: ')}") from None
    try:
        shard_bytes = parse_size(str(export_data.get("max_shard_size", "500MB")))
    except UsageError as exc:
        raise _fail(path, export_lines.get("max_shard_size", at), f"export.max_shard_size: {exc}") from None
    if near is not None and (isinstance(near, bool) or not isinstance(near, (int, float)) or not 0 < near <= 1):
        raise _fail(path, export_lines.get("near_dup", at), f"export.near_dup: a Jaccard threshold above 0 and at most 1, got {near!r}")
    config = ExportConfig(
        splits=splits,
        max_shard_bytes=shard_bytes,
        dedup=bool(export_data.get("dedup", True)),
        near_dup=float(near) if near is not None else None,
        name=name,
        save_to_disk=bool(export_data.get("save_to_disk", False)),
        overwrite=bool(export_data.get("overwrite", False)),
        tokenizer=_tokenizer(path, export_lines.get("tokenizer", at), export_data.get("tokenizer")),
    )
    if dedup_config is not None:  # the step does it; the export writes what it kept
        from dataclasses import replace as _replace

        config = _replace(config, dedup=False)
    return Pipeline(path, name, [local(i) for i in inputs], steps, local(export_data["output"]), config, rule_sources,
                    dedup_config, extract_config)


def _tokenizer(path: str, line: int | None, spec: str | None) -> str | None:
    """The export's tokenizer, loaded once here so that a wrong name is an error at file:line."""
    if spec is None:
        return None
    from corpuskit.tokens import load_tokenizer

    try:
        load_tokenizer(spec)
    except UsageError as exc:
        raise _fail(path, line, f"export.tokenizer: {str(exc).removeprefix('--tokenizer: ')}") from None
    return spec


# --- engines -------------------------------------------------------------------------


def run_local(pipeline: Pipeline, jobs: int = 1, skip_bad: bool = False, on_error=None, outputs=None, limits=None) -> Stats:
    """Read, transform (in `jobs` processes), deduplicate and export in this machine."""
    from corpuskit.doc import doc_from_json
    from corpuskit.parallel import run_parallel

    stats = Stats()
    problems: list[DataError] = []

    def record(error: DataError) -> None:
        problems.append(error)
        if on_error is not None:
            on_error(error)

    reader = pipeline.reader(pipeline.inputs, on_error=record, stats=stats, **({"limits": limits} if limits is not None else {}))
    transform = pipeline.transform()
    if jobs > 1:
        docs: Iterable[Doc] = (doc_from_json(line, "worker") for line in run_parallel(transform, reader, stats, "jsonl", jobs))
    else:
        docs = transform(reader, stats)
    docs = _checked(docs, problems, skip_bad, pipeline.output)
    if pipeline.dedup is not None:
        from dataclasses import replace

        from corpuskit.dedup import dedup

        docs = dedup(docs, replace(pipeline.dedup, jobs=jobs), stats, resume_key=_identity(pipeline))
    export(docs, pipeline.output, pipeline.export, stats, _provenance(stats), outputs=outputs, dedup_key=_identity(pipeline))
    return stats


def _identity(pipeline: Pipeline) -> str:
    """The pipeline's inputs and steps, for resuming its dedup stages after a crash."""
    from corpuskit.io import iter_paths

    parts = [repr(pipeline.steps)]
    for path in iter_paths(list(pipeline.inputs), on_error=lambda error: None):
        try:
            info = os.stat(path)
            parts.append(f"{os.path.realpath(path)}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            pass
    return "\n".join(parts)


def _checked(docs: Iterable[Doc], problems: list, skip_bad: bool, output: str) -> Iterator[Doc]:
    yield from docs
    if problems and not skip_bad:
        raise DataError(f"{len(problems)} input(s) could not be read; {output} was not written (use --skip-bad to go on without them)")


def _provenance(stats: Stats) -> Callable[[], dict]:
    """The card's pipeline section: this run's own counters, read once the stream has run."""
    return lambda: {step: counts for step, counts in stats.as_dict().items() if step != "export"}


def _renamed(doc: Doc, names: dict[str, str]) -> Doc:
    name = names.get(doc.id)
    if name is None or name == doc.id:
        return doc
    metadata = dict(doc.metadata)
    if metadata.get("path") == doc.id:
        metadata["path"] = name
    return Doc(name, doc.text, metadata)


def _renamed_page(page, names: dict[str, str]):
    """A page read by absolute path, named (id, path, source) as the driver named its file."""
    for absolute, name in names.items():
        if absolute == name:
            continue
        if page.id == absolute:
            page.id = name
        if page.source and page.source.startswith(absolute):
            page.source = name + page.source[len(absolute):]
        if page.metadata.get("path") == absolute:
            page.metadata["path"] = name
    return page


def _process_files(batch: dict, transform, legacy: str, limits=None, dedup_config=None, pipeline=None) -> dict:
    """A Ray Data batch: read these files, apply the steps; documents and counts as rows.
    With a dedup step, the dedup features of the batch's documents are computed here too
    and travel as one more row (kind "features"), after the documents they describe."""
    import orjson

    from corpuskit.io import Reader

    stats = Stats()
    errors: list[str] = []
    rows: dict[str, list] = {"kind": [], "id": [], "text": [], "metadata": []}
    kept: list[Doc] = []
    # Files are read by absolute path (a worker's folder may differ) under the name the
    # driver gave them, so that ids are those of the local engine.
    names = {str(a): str(n) for a, n in zip(batch["absolute"], batch["path"])}
    options = {"limits": limits} if limits is not None else {}
    if pipeline is not None and pipeline.extract is not None:
        reader = pipeline.reader(list(names), on_error=lambda e: errors.append(str(e)), stats=stats, **options)
        renamed = (_renamed_page(page, names) for page in reader)
    else:
        reader = Reader(list(names), legacy=legacy, on_error=lambda e: errors.append(str(e)), stats=stats, **options)
        renamed = (_renamed(doc, names) for doc in reader)
    for doc in transform(renamed, stats):
        rows["kind"].append("doc")
        rows["id"].append(doc.id)
        rows["text"].append(doc.text)
        rows["metadata"].append(orjson.dumps(doc.metadata).decode())
        if dedup_config is not None:
            kept.append(doc)
    extra = []
    if dedup_config is not None and kept:
        import base64
        import pickle

        from corpuskit.dedup.minhash import lsh_params
        from corpuskit.dedup.step import compute_features

        bands, rows_per_band = lsh_params(dedup_config.threshold, dedup_config.num_perm) if dedup_config.near else (0, 0)
        features = compute_features(kept, dedup_config, bands, rows_per_band, 1)
        extra.append(("features", base64.b64encode(pickle.dumps(features)).decode("ascii")))
    for kind, value in extra + [("stats", orjson.dumps(stats.as_dict()).decode())] + [("error", e) for e in errors]:
        rows["kind"].append(kind)
        rows["id"].append("")
        rows["text"].append("")
        rows["metadata"].append(value)
    return rows


def run_ray(pipeline: Pipeline, address: str | None = None, num_cpus: int | None = None, skip_bad: bool = False, on_error=None,
            outputs=None, limits=None) -> Stats:
    """The same pipeline on Ray Data: files are read and transformed by Ray tasks in
    batches, in order; dedup and the export (shards + card) stream on the driver.

    `address` (or RAY_ADDRESS) names a running cluster; without one a local Ray is started.
    Inputs and rule files must be readable from every node (a shared file system).
    """
    try:
        import ray
        import ray.data
    except ImportError:
        raise UsageError("the Ray engine needs Ray: pip install 'corpuskit[ray]'") from None
    import orjson

    from corpuskit.io import check_inputs, iter_paths

    check_inputs(pipeline.inputs)
    paths = [p for p in iter_paths(pipeline.inputs) if p != "-"]
    if not paths:
        raise UsageError("the Ray engine reads files: no input files found")
    import logging

    for name in ("ray", "ray.data"):  # Ray's progress chatter would drown the one-line messages
        logging.getLogger(name).setLevel(logging.ERROR)
    started = False
    if not ray.is_initialized():
        ray.init(address=address or os.environ.get("RAY_ADDRESS"), num_cpus=num_cpus, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
        started = True
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # rows in input order: same dedup as local
        context.enable_progress_bars = False
        legacy = next((c.legacy for s, c in pipeline.steps if s == "normalize"), "auto")
        files_per_task = max(1, min(64, len(paths) // (4 * max(1, int(ray.available_resources().get("CPU", 1)))) or 1))
        dataset = ray.data.from_items([{"path": p, "absolute": os.path.abspath(p)} for p in paths]).map_batches(
            _process_files, batch_size=files_per_task, batch_format="numpy",
            fn_kwargs={"transform": pipeline.transform(), "legacy": legacy, "limits": limits, "dedup_config": pipeline.dedup,
                       "pipeline": pipeline},
        )
        stats = Stats()
        problems: list[DataError] = []

        pending: list[Doc] = []

        def rows() -> Iterator[tuple[list[Doc], object]]:
            """(documents, their dedup features) per task, or the documents alone."""
            import base64
            import pickle

            for row in dataset.iter_rows():
                kind = row["kind"]
                if kind == "doc":
                    pending.append(Doc(row["id"], row["text"], orjson.loads(row["metadata"])))
                elif kind == "features":
                    yield list(pending), pickle.loads(base64.b64decode(row["metadata"]))
                    pending.clear()
                elif kind == "stats":
                    stats.merge(orjson.loads(row["metadata"]))
                else:
                    error = DataError(row["metadata"])
                    problems.append(error)
                    if on_error is not None:
                        on_error(error)
            if pending:
                yield list(pending), None

        def docs() -> Iterator[Doc]:
            for batch, _ in rows():
                yield from batch

        identity = _identity(pipeline)
        if pipeline.dedup is not None:
            from corpuskit.dedup import dedup
            from corpuskit.dedup.step import FeatureBatches

            def checked_batches():
                yield from rows()
                if problems and not skip_bad:
                    raise DataError(f"{len(problems)} input(s) could not be read; {pipeline.output} was not written "
                                    "(use --skip-bad to go on without them)")

            stream: Iterable[Doc] = dedup(FeatureBatches(checked_batches()), pipeline.dedup, stats, resume_key=identity)
        else:
            stream = _checked(docs(), problems, skip_bad, pipeline.output)
        export(stream, pipeline.output, pipeline.export, stats, _provenance(stats), outputs=outputs, dedup_key=identity)
        return stats
    finally:
        if started:
            ray.shutdown()
