"""The filter step: language, quality and personal data, every drop attributed.

For each document, in this order:

1. **language**: `metadata.lang` and `metadata.lang_confidence` (corpuskit.filter.langid),
   with `metadata.lang_paragraphs` (characters per language) when paragraphs were
   identified one by one and more than one language was found (`lang_mixed: true`);
2. **quality**: every pack's thresholds for that language, signal by signal, in file
   order. With `mode="drop"` the first failing filter drops the document; with
   `mode="tag"` every signal's value and every failed filter go to `metadata.quality`
   and nothing is dropped, so that thresholds can be chosen afterwards;
3. **personal data** in the documents kept: replaced by placeholders (`pii="replace"`)
   or only counted (`pii="tag"`), counts in `metadata.pii`.

A dropped document reaches `on_reject` with the filter (`gopher.word_count`), its
`file.yaml:LINE`, the signal's value and the threshold, so `--rejected` holds every
document removed and why; `--stats` counts drops per filter and documents per language.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

from corpuskit.doc import Doc
from corpuskit.filter import langid
from corpuskit.filter.batch import batch_signals
from corpuskit.filter.pii import KINDS as PII_KINDS
from corpuskit.filter.pii import redact
from corpuskit.filter.modes import MODES, PARAGRAPH_MODES, PII_MODES
from corpuskit.filter.packs import Pack
from corpuskit.filter.signals import SIGNALS, TextView, describe
from corpuskit.stats import Stats

# Documents per batch: language ID and the compiled signals run over a batch at a time.
BATCH = 256
BATCH_CHARS = 8 << 20


@dataclass(frozen=True)
class FilterConfig:
    """Options of the filter step (the packs are loaded separately, like strip's rules).

    - mode: drop failing documents, or tag them and keep everything.
    - pii: replace personal data by placeholders, only count it, or leave it.
    - keep_lang: languages to keep (empty: all), on top of the packs' own `language` rules.
    - min_lang_confidence: with keep_lang, the model's probability needed to keep.
    - lang_paragraphs: identify paragraphs one by one when the whole text's confidence is
      below `mixed_below` (auto), for every document (all), or never (off).
    - lang_sample: characters of the document the model reads (the cost is per character).
    - tokenizer: count tokens of the documents in and kept with this tokenizer (a bundled
      vocabulary's name or a tokenizer.json path: corpuskit.tokens), beside the words.
    - lang_floor, lang_floors: the model's confidence a language needs (per language in
      lang_floors, e.g. (("vi", 0.4),)); below it the document is `lang: und` (the guess
      kept in `lang_guess`) and is judged by the packs' `default` sections, which every
      language shares (the basic pack: enough words, letters, no mash, no spam).
    """

    mode: str = "drop"
    pii: str = "replace"
    pii_kinds: tuple[str, ...] = PII_KINDS
    keep_lang: tuple[str, ...] = ()
    min_lang_confidence: float = 0.0
    lang_paragraphs: str = "auto"
    mixed_below: float = 0.8
    lang_sample: int = 300
    lang_floor: float = 0.5
    lang_floors: tuple[tuple[str, float], ...] = ()
    tokenizer: str | None = None  # exact token counts in the stats: a name or a tokenizer.json (corpuskit.tokens)

    def __post_init__(self) -> None:
        if self.tokenizer is not None and (not isinstance(self.tokenizer, str) or not self.tokenizer):
            raise ValueError("tokenizer is a tokenizer's name or the path of a tokenizer.json file")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.pii not in PII_MODES:
            raise ValueError(f"pii must be one of {', '.join(PII_MODES)}")
        if self.lang_paragraphs not in PARAGRAPH_MODES:
            raise ValueError(f"lang_paragraphs must be one of {', '.join(PARAGRAPH_MODES)}")
        unknown = set(self.pii_kinds) - set(PII_KINDS)
        if unknown:
            raise ValueError(f"unknown pii kind {sorted(unknown)[0]!r} (kinds: {', '.join(PII_KINDS)})")
        if not 0 <= self.min_lang_confidence <= 1:
            raise ValueError("min_lang_confidence is between 0 and 1")
        if self.lang_sample < 50:
            raise ValueError("lang_sample is at least 50 characters")
        floors = dict(self.lang_floors)
        for value in [self.lang_floor, *floors.values()]:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError("a language floor is a confidence from 0 to 1")
        object.__setattr__(self, "lang_floors", tuple(sorted(floors.items())))
        object.__setattr__(self, "keep_lang", tuple(self.keep_lang))
        object.__setattr__(self, "pii_kinds", tuple(self.pii_kinds))


@dataclass
class Verdict:
    """What the filters found for one document."""

    lang: str | None
    confidence: float
    signals: dict[str, float] = field(default_factory=dict)
    failed: list[dict] = field(default_factory=list)  # {filter, where, signal, value, threshold}


def language_of(doc: Doc, config: FilterConfig) -> tuple[dict, str | None, float]:
    """The language metadata for `doc`, its language and confidence."""
    guess = langid.identify(doc.text, config.lang_sample)
    floor = dict(config.lang_floors).get(guess.lang, config.lang_floor) if guess.lang else 0.0
    if guess.lang is not None and guess.confidence < floor:
        meta = {"lang": "und", "lang_guess": guess.lang, "lang_confidence": guess.confidence,
                "lang_reason": f"confidence {guess.confidence:.2f} below the floor {floor:g}"}
        return meta, "und", guess.confidence
    meta: dict = {"lang": guess.lang, "lang_confidence": guess.confidence}
    if guess.script:
        meta["lang_script"] = guess.script
    if guess.reason:
        meta["lang_reason"] = guess.reason
    check = config.lang_paragraphs == "all" or (config.lang_paragraphs == "auto" and guess.lang is not None
                                                and guess.confidence < config.mixed_below)
    if check:
        counts = langid.paragraph_languages(doc.text)
        total = sum(counts.values())
        languages = {k: v for k, v in counts.items() if v >= 0.1 * total}
        if len(languages) > 1:
            meta["lang_paragraphs"] = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
            meta["lang_mixed"] = True
    return meta, guess.lang, guess.confidence


def _language_failure(lang: str | None, confidence: float, keep: tuple[str, ...], min_confidence: float,
                      name: str, where: str) -> dict | None:
    if lang in keep and confidence >= min_confidence:
        return None
    return {"filter": name, "where": where, "signal": "lang", "value": lang, "confidence": confidence,
            "threshold": {"keep": list(keep), "min_confidence": min_confidence},
            "reason": f"language {lang} ({confidence:.0%}) not kept (keep {', '.join(keep)}"
                      + (f" from {min_confidence:.0%})" if min_confidence else ")")}


def judge(doc: Doc, packs: list[Pack], config: FilterConfig, lang: str | None, confidence: float,
          stop_at_first: bool, precomputed: dict | None = None) -> Verdict:
    """Apply the language rules and every pack's thresholds for `lang` to `doc`.

    `precomputed` holds signal values already computed for the document (by the compiled
    core over its batch: corpuskit.filter.batch), as this function would store them."""
    verdict = Verdict(lang, confidence)
    view = TextView(doc.text, lang)  # shared by the packs: tokens are computed once
    computed: dict = {}  # what Python computes here, beside what the core has
    precomputed = precomputed or {}
    if config.keep_lang:
        failure = _language_failure(lang, confidence, config.keep_lang, config.min_lang_confidence, "keep_lang", "--keep-lang")
        if failure:
            verdict.failed.append(failure)
            if stop_at_first:
                return verdict
    for pack in packs:
        if pack.language is not None:
            rule = pack.language
            failure = _language_failure(lang, confidence, rule.keep, rule.min_confidence, f"{pack.name}.lang", rule.where)
            if failure:
                verdict.failed.append(failure)
                if stop_at_first:
                    return verdict
        section, steps = _plan(pack, lang)
        if not steps:
            continue
        view.stop_words = pack.stop_words.get(section, frozenset())
        for signal_name, key, name, low, high, threshold in steps:
            # Packs share signals (letters, mash, code in news and vi-news): each is computed
            # once per document; the stop-word count depends on the pack's own list.
            value = precomputed.get(key)
            if value is None:
                value = computed.get(key)
            if value is None:
                value = SIGNALS[signal_name].function(view)
                value = computed[key] = round(value, 6) if isinstance(value, float) else value
            verdict.signals[name] = value
            if (low is not None and value < low) or (high is not None and value > high):
                verdict.failed.append({"filter": name, "where": threshold.where,
                                       "signal": signal_name, "value": value, "threshold": threshold.bounds(),
                                       "reason": describe(signal_name, value, threshold.bounds())})
                if stop_at_first:
                    return verdict
    return verdict


_PLANS: dict[tuple[int, str | None], tuple] = {}


def _plan(pack: Pack, lang: str | None) -> tuple[str | None, tuple]:
    """The section of `pack` for `lang` and its thresholds as judge walks them: (signal,
    key in the document's computed values, filter name, min, max, threshold), made once
    per pack and language rather than once per document."""
    found = _PLANS.get((id(pack), lang))
    if found is None or found[0] is not pack:
        section, thresholds = pack.for_language(lang)
        stop_words = pack.stop_words.get(section, frozenset())
        steps = tuple((t.signal, t.signal if t.signal != "stop_words" else (t.signal, stop_words), f"{pack.name}.{t.signal}",
                       t.min, t.max, t) for t in thresholds)
        found = _PLANS[(id(pack), lang)] = (pack, section, steps)  # the pack is kept: its id stays its own
    return found[1], found[2]


def filter_documents(
    docs: Iterable[Doc],
    packs: list[Pack],
    config: FilterConfig = FilterConfig(),
    stats: Stats | None = None,
    on_reject: Callable[[Doc, Verdict], None] | None = None,
    on_verdict: Callable[[Doc, Verdict], None] | None = None,
) -> Iterator[Doc]:
    """The documents that pass, with language (and in tag mode, quality) metadata and
    personal data handled; dropped ones go to `on_reject`."""
    stats = stats if stats is not None else Stats()
    tag = config.mode == "tag"
    counter = _token_counter(config.tokenizer) if config.tokenizer else None
    if counter is not None:
        stats.add("filter_tokenizer", counter.name)
    tokens = 0
    signals = batch_signals(packs)
    stop_at_first = not tag and on_verdict is None
    for chunk in _chunks(docs, BATCH):
        # Language first, over the whole batch (the model stays in the cache), then the
        # compiled signals of the batch in one call, then each document's verdict.
        found = [language_of(doc, config) for doc in chunk]
        precomputed = (signals.compute([doc.text for doc in chunk], [lang for _, lang, _ in found])
                       if signals is not None else [None] * len(chunk))
        for doc, (meta, lang, confidence), values in zip(chunk, found, precomputed):
            stats.add("filter", "documents_in")
            # whitespace words (syllables in Vietnamese), counted by the core when it ran
            words = values["ws_word_count"] if values else len(doc.text.split())
            stats.add("filter_tokens", "words_in", words)
            if counter is not None:
                tokens = counter.count(doc.text)
                stats.add("filter_tokens", "tokens_in", tokens)
            stats.add("filter_lang", str(lang))
            verdict = judge(doc, packs, config, lang, confidence, stop_at_first, values)
            if on_verdict is not None:
                on_verdict(doc, verdict)
            metadata = {**doc.metadata, **meta}
            if tag:
                metadata["quality"] = {"signals": verdict.signals, "failed": [f["filter"] for f in verdict.failed]}
                for failure in verdict.failed:
                    stats.add("filter_failed", failure["filter"])
            elif verdict.failed:
                first = verdict.failed[0]
                stats.add("filter", "documents_dropped")
                stats.add("filter_dropped", first["filter"])
                if on_reject is not None:
                    on_reject(replace(doc, metadata=metadata, raw=None), verdict)
                continue
            text = doc.text
            if config.pii != "off":
                text, counts = redact(text, config.pii_kinds, config.pii)
                if counts:
                    metadata["pii"] = counts
                    for kind, count in counts.items():
                        stats.add("filter_pii", kind, count)
            stats.add("filter", "documents_kept")
            stats.add("filter_tokens", "words_kept", words)
            if counter is not None:
                stats.add("filter_tokens", "tokens_kept", tokens)
            yield Doc(doc.id, text, metadata)


def _chunks(docs: Iterable[Doc], size: int, max_chars: int = BATCH_CHARS) -> Iterator[list[Doc]]:
    """Batches of at most `size` documents and, past the first, `max_chars` characters: a
    batch of huge documents stays a few of them (memory follows the batch, not the input)."""
    chunk: list[Doc] = []
    chars = 0
    for doc in docs:
        if chunk and (len(chunk) >= size or chars + len(doc.text) > max_chars):
            yield chunk
            chunk, chars = [], 0
        chunk.append(doc)
        chars += len(doc.text)
    if chunk:
        yield chunk


@functools.lru_cache(maxsize=4)
def _token_counter(spec: str):
    """One tokenizer per process, however many batches it filters."""
    from corpuskit.tokens import load_tokenizer

    return load_tokenizer(spec)


def rejected_record(doc: Doc, verdict: Verdict) -> dict:
    """The `--rejected` line: the document as it was, and why it was dropped."""
    return {"id": doc.id, "text": doc.text, "metadata": {**doc.metadata, "rejected": verdict.failed[0]}}


def explain(doc: Doc, verdict: Verdict, packs: list[Pack]) -> str:
    """Each signal with its value and threshold, the failing ones marked."""
    failed = {f["filter"]: f for f in verdict.failed}
    lines = [f"== {doc.id}  lang={verdict.lang} ({verdict.confidence:.2f})  "
             + ("DROP by " + verdict.failed[0]["filter"] + ": " + verdict.failed[0]["reason"] if verdict.failed else "KEEP")]
    for name in (f["filter"] for f in verdict.failed if f["signal"] == "lang"):
        lines.append(f"  ✗ {name}: {failed[name]['value']} not in {failed[name]['threshold']['keep']}")
    bounds = {f"{p.name}.{t.signal}": t for p in packs for sec in p.thresholds.values() for t in sec}
    for name, value in verdict.signals.items():
        mark = "✗" if name in failed else "✓"
        threshold = failed[name]["threshold"] if name in failed else None
        shown = ", ".join(f"{k} {v}" for k, v in (threshold or {}).items()) or _bounds_text(bounds.get(name))
        lines.append(f"  {mark} {name} = {value:g}  ({shown})")
    return "\n".join(lines)


def _bounds_text(threshold) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in threshold.bounds().items()) if threshold else ""
