"""Mine boilerplate candidates from a corpus, without rules, in one streaming pass.

Site furniture is what recurs across many documents of the same site, either as the same
line ("Video đang HOT") or as the same *template* with a varying name, number or date
("Theo TNO" / "Theo Dantri" -> `Theo <X>`; "... – Ảnh: Reuters" -> `… Ảnh: <X>`). Article
sentences do not recur across documents. So each line is reduced to its exact form and a
few templates, and the number of documents each form occurs in is counted by hash; the
text of a form is kept only once it has been seen in two documents, and rare forms are
pruned when the table grows (lossy counting), so memory stays bounded whatever the
corpus size. The result is a draft rule file in the format of docs/rule-format.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import regex

from corpuskit.doc import Doc
from corpuskit.rules import collapse_spaces

NUMBER = "<N>"
ANY = "<X>"
_NUMBER_RE = regex.compile(r"\d+(?:[.,/:-]\d+)*")
_CREDIT_RE = regex.compile(r"^(?P<head>.*?)(?P<label>[\p{L}]+)\s*:\s*(?P<tail>[^:.!?]{1,60})$")
_POSITIONS = ("top", "middle", "bottom")


@dataclass(frozen=True)
class DetectConfig:
    min_docs: int = 3  # a candidate occurs in at least this many documents of its group
    min_share: float = 0.05  # ... and in at least this share of them
    max_template_words: int = 6  # short lines also count as templates with names masked
    max_keys: int = 2_000_000  # prune the count table beyond this many forms
    top: int = 200  # at most this many rules in the draft
    group_by: str = "site"  # metadata key whose value groups documents (missing: one group)


# Furniture is short; longer lines are not counted (a 50 MB line would otherwise be copied
# into several forms of its own).
MAX_FORM_CHARS = 2000


def templates(line: str, max_words: int = 6) -> list[str]:
    """The template forms of a line (besides the line itself).

    >>> templates("Theo TNO")
    ['Theo <X>']
    >>> templates("Lò phản ứng tại Bushehr – Ảnh: Reuters")
    ['… Ảnh: <X>']
    >>> templates("Cập nhật lúc 10:30 ngày 2/11/2024")
    ['Cập nhật lúc <N> ngày <N>']
    """
    forms = []
    if len(line) > MAX_FORM_CHARS:
        return forms
    numbered = _NUMBER_RE.sub(NUMBER, line)
    if numbered != line:
        forms.append(numbered)
    words = numbered.split()
    if 2 <= len(words) <= max_words and words[-1] != NUMBER and not numbered.endswith((".", "?", "!")):
        forms.append(" ".join(words[:-1] + [ANY]))
        if "/" in numbered and len(words) <= 3:
            forms.append(regex.sub(r"[^/\s]+(?: [^/\s]+)?", ANY, numbered))
    credit = _CREDIT_RE.match(numbered)
    if credit and len(credit.group("tail").split()) <= 4:
        head = "… " if credit.group("head").strip() else ""
        forms.append(f"{head}{credit.group('label')}: {ANY}")
    return list(dict.fromkeys(f for f in forms if f != line))


def extract_forms(doc: Doc, config: DetectConfig) -> tuple[str, list[tuple[bytes, str, bool, str, str]]]:
    """A document's group and the forms of its lines, each key once: (key, form, is
    template, position, line). The costly, per-document half of counting."""
    group = str(doc.metadata.get(config.group_by, "")) if config.group_by else ""
    lines = [collapse_spaces(line) if len(line) <= MAX_FORM_CHARS else line for line in doc.text.split("\n")]
    lines = [line for line in lines if line.strip()]
    seen: set[bytes] = set()
    total = len(lines)
    edge = max(3, total // 5)
    out = []
    for index, line in enumerate(lines):
        place = _POSITIONS[0] if index < edge else _POSITIONS[2] if index >= total - edge else _POSITIONS[1]
        if len(line) > MAX_FORM_CHARS:  # a paragraph, not furniture: positions count, forms do not
            continue
        for form, is_template in [(line, False)] + [(t, True) for t in templates(line, config.max_template_words)]:
            key = _key(group, form)
            if key not in seen:
                seen.add(key)
                out.append((key, form, is_template, place, line))
    return group, out


def _key(group: str, form: str) -> bytes:
    return hashlib.blake2b(f"{group}\x00{form}".encode("utf-8", "surrogatepass"), digest_size=8).digest()


@dataclass
class Candidate:
    group: str
    form: str
    docs: int
    positions: Counter
    examples: list[str]
    is_template: bool

    @property
    def position(self) -> str:
        place, count = self.positions.most_common(1)[0]
        return place if count >= 0.9 * sum(self.positions.values()) else "anywhere"


@dataclass
class Detector:
    """Counts forms by document frequency; feed documents with `add`, then `candidates`."""

    config: DetectConfig = field(default_factory=DetectConfig)
    docs_per_group: Counter = field(default_factory=Counter)
    counts: dict[bytes, int] = field(default_factory=dict)
    positions: dict[bytes, Counter] = field(default_factory=dict)
    texts: dict[bytes, tuple[str, str, bool]] = field(default_factory=dict)  # key -> group, form, template?
    examples: dict[bytes, list[str]] = field(default_factory=dict)
    pruned: int = 0

    def add(self, doc: Doc) -> None:
        self.add_forms(*extract_forms(doc, self.config))

    def add_forms(self, group: str, forms: list[tuple[bytes, str, bool, str, str]]) -> None:
        """Count one document's forms (from `extract_forms`, maybe made in a worker process)."""
        self.docs_per_group[group] += 1
        for key, form, is_template, place, line in forms:
            count = self.counts.get(key, 0) + 1
            self.counts[key] = count
            # Texts are kept from the second document on (from the first for templates,
            # which exist only for short, numbered or credit-shaped lines).
            if count >= 2 or is_template:
                self.positions.setdefault(key, Counter())[place] += 1
                if key not in self.texts:
                    self.texts[key] = (group, form, is_template)
                if is_template:
                    examples = self.examples.setdefault(key, [])
                    if len(examples) < 3 and line not in examples:
                        examples.append(line)
        if len(self.counts) > self.config.max_keys:
            self._prune()

    def _prune(self) -> None:
        """Forget forms seen in one document only (lossy counting keeps memory bounded)."""
        before = len(self.counts)
        self.counts = {k: v for k, v in self.counts.items() if v > 1}
        for table in (self.texts, self.positions, self.examples):
            for key in [k for k in table if k not in self.counts]:
                del table[key]
        self.pruned += before - len(self.counts)

    def candidates(self) -> list[Candidate]:
        found = []
        for key, (group, form, is_template) in self.texts.items():
            docs = self.counts.get(key, 0)
            group_docs = self.docs_per_group[group]
            if docs < self.config.min_docs or docs < self.config.min_share * group_docs:
                continue
            if is_template and len(self.examples.get(key, [])) < 2:
                continue  # a template that never varied is just its line
            found.append(Candidate(group, form, docs, self.positions.get(key, Counter()), self.examples.get(key, []), is_template))
        found.sort(key=lambda c: (-c.docs, c.form))
        return _drop_covered(found)[: self.config.top]


def _drop_covered(candidates: list[Candidate]) -> list[Candidate]:
    """An exact line already matched by a kept template of the same group is left out."""
    kept = []
    patterns = []
    for candidate in sorted(candidates, key=lambda c: (not c.is_template, -c.docs)):
        if not candidate.is_template and any(g == candidate.group and p.fullmatch(candidate.form) for g, p in patterns):
            continue
        kept.append(candidate)
        if candidate.is_template:
            patterns.append((candidate.group, regex.compile(template_regex(candidate.form))))
    kept.sort(key=lambda c: (-c.docs, c.form))
    return kept


def template_regex(form: str) -> str:
    """A full-line regex for a template: literal text, `<N>` numbers, `<X>` a short value.

    >>> template_regex("Theo <X>"), template_regex("… Ảnh: <X>")
    ('Theo\\\\ .{1,60}', '.{0,500}?\\\\s*Ảnh:\\\\s*.{1,60}')
    """
    parts = regex.split(r"(<N>|<X>|^… |: (?=<X>))", form)
    out = []
    for part in parts:
        if part == ": ":
            out.append(r":\s*")
        elif part == NUMBER:
            out.append(r"\d+(?:[.,/:-]\d+)*")
        elif part == ANY:
            out.append(r".{1,60}")
        elif part == "… ":
            out.append(r".{0,500}?\s*")
        elif part:
            out.append(regex.escape(part))
    return "".join(out)


def detect(docs: Iterable[Doc], config: DetectConfig = DetectConfig(), jobs: int = 1) -> Detector:
    """Count a corpus. With jobs > 1 the forms are extracted by worker processes and
    counted here in input order, so the result is the same as with one process."""
    detector = Detector(config)
    if jobs > 1:
        from corpuskit.parallel import map_ordered

        def work(batch: list[Doc]) -> list:
            return [extract_forms(doc, config) for doc in batch]

        for results in map_ordered(work, docs, jobs):
            for group, forms in results:
                detector.add_forms(group, forms)
        return detector
    for doc in docs:
        detector.add(doc)
    return detector


def draft_rules(detector: Detector, name: str = "detected") -> str:
    """The candidates as a draft rule file, with counts and examples as comments."""
    total = sum(detector.docs_per_group.values())
    out = [
        f"# Draft written by `corpuskit detect` from {total} documents; review before use.",
        "# Each rule: documents it occurs in, share of its group, usual position, examples.",
        f"name: {json.dumps(name)}",
        "description: Boilerplate candidates mined by corpuskit detect.",
        "rules:",
    ]
    ids: Counter = Counter()
    for candidate in detector.candidates():
        group_docs = detector.docs_per_group[candidate.group]
        base = regex.sub(r"[^\w]+", "-", regex.sub(r"<[NX]>", "", candidate.form.lower())).strip("-")[:40] or "line"
        ids[base] += 1
        rule_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        group = f" group {candidate.group!r}," if candidate.group else ""
        out.append(f"  # {candidate.docs} documents ({candidate.docs / group_docs:.0%}),{group} position: {candidate.position}")
        for example in candidate.examples:
            out.append(f"  #   e.g. {example}")
        out.append(f"  - id: {json.dumps(rule_id, ensure_ascii=False)}")
        if candidate.is_template:
            out.append(f"    drop_line_regex: {json.dumps(template_regex(candidate.form), ensure_ascii=False)}")
        else:
            out.append(f"    drop_line: {json.dumps(candidate.form, ensure_ascii=False)}")
        if candidate.position == "top":
            out.append("    first: 5")
        elif candidate.position == "bottom":
            out.append("    last: 5")
    if len(out) == 5:
        out[-1] = "rules: []"
    return "\n".join(out) + "\n"


def draft_from_repeated(records: list[dict], name: str = "repeated-lines", top: int = 200) -> str:
    r"""The lines `corpuskit dedup --lines` found repeated across documents, as a draft rule
    file: the most repeated first, each with its counts and top site as comments. A line
    holding numbers becomes a regex with the numbers left open (`Cập nhật \\d+:\\d+`),
    since dedup counted it with its digits masked.

    >>> draft = draft_from_repeated([{"text": "Video đang HOT", "docs": 40, "sites": 2, "top_site": "a.vn", "top_site_docs": 30}])
    >>> print(draft.split("rules:\n")[1], end="")
      # 40 documents on 2 site(s); most on a.vn (30)
      - id: "video-đang-hot"
        drop_line: "Video đang HOT"
        ignore_case: true
    """
    chosen = sorted(records, key=lambda r: (-int(r.get("docs", 0)), str(r.get("text", ""))))[:top]
    out = [
        f"# Draft written by `corpuskit dedup --lines` from {len(records)} repeated lines; review before use:",
        "# a line repeated across many pages of a site is usually furniture, but a shared dateline or",
        "# a recurring headline can be too. Each rule: documents, sites, the site it is most frequent on.",
        f"name: {json.dumps(name)}",
        "description: Lines repeated across documents, found by corpuskit dedup.",
        "rules:",
    ]
    ids: Counter = Counter()
    for record in chosen:
        text = collapse_spaces(str(record.get("text", "")))
        if not text or len(text) > MAX_FORM_CHARS:
            continue
        base = regex.sub(r"[^\w]+", "-", text.lower()).strip("-")[:40] or "line"
        ids[base] += 1
        rule_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        out.append(f"  # {record.get('docs')} documents on {record.get('sites')} site(s); most on "
                   f"{record.get('top_site') or '(unknown site)'} ({record.get('top_site_docs')})")
        out.append(f"  - id: {json.dumps(rule_id, ensure_ascii=False)}")
        if _NUMBER_RE.search(text):
            pattern = "".join(r"\d+" if part.isdigit() else regex.escape(part, special_only=True, literal_spaces=True)
                              for part in regex.split(r"(\d+)", text) if part)
            out.append(f"    drop_line_regex: {json.dumps(pattern, ensure_ascii=False)}")
            out.append("    ignore_case: true")
        else:
            out.append(f"    drop_line: {json.dumps(text, ensure_ascii=False)}")
            out.append("    ignore_case: true")
    if len(out) == 6:
        out[-1] = "rules: []"
    return "\n".join(out) + "\n"
