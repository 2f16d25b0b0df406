"""The dedup step: documents in, the kept documents out, in input order, in four stages.

1. **features** (streaming, all cores): each document is spooled to the work folder and
   reduced to what the later stages compare: its exact key, MinHash signature and LSH
   band keys, the hashes of its distinct lines, its length, site, outlet and credit.
   Keys go to partition files (corpuskit.dedup.work).
2. **clusters**: each partition is sorted and its runs of equal keys linked into a
   union-find forest (exact runs at once, band runs when the exact Jaccard similarity of
   the two shingle sets reaches the threshold); corpuskit.dedup.clusters.
3. **choice**: in every cluster one copy is kept by a stated rule (the original outlet's
   copy, then the longest, then the smallest id; or `keep="first"`, arrival order), and
   lines repeated across the kept documents are counted per site and overall.
4. **output**: the spool is read again; the kept documents are yielded (with repeated
   lines reported, tagged or removed, and documents that share an n-gram with the
   evaluation sets dropped or tagged), every dropped one goes to `on_duplicate` with the
   copy kept in its place, the level and the similarity.

The kept ids are the same for any number of threads or processes and on Ray: document
numbers follow the input order, and neither the clusters nor the choice depends on the
order of the work. A rerun with the same inputs and settings finds the finished stages
in the work folder and goes on from there; the folder is removed when the run succeeds.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import orjson

from corpuskit.dedup import clusters as clustering
from corpuskit.dedup.config import AGAINST_MODES, KEEP_RULES, LINE_MODES, DedupConfig  # noqa: F401 (re-exported)
from corpuskit.dedup.keys import canonical_text, credits_of, folded_text, line_form, outlet_of, site_of
from corpuskit.dedup.minhash import batch_features, batch_jaccard_pairs, batch_line_hashes, batch_ngram_hashes, lsh_params
from corpuskit.dedup.work import LINE_RECORD, Column, Ids, Partitioned, WorkFolder, partition_bits, partition_paths
from corpuskit.doc import Doc, RawRecord, _holds_big_float, doc_from_json
from corpuskit.errors import UsageError
from corpuskit.native import core, pack
from corpuskit.stats import Stats

SIZE_BUCKETS = ((2, "2"), (3, "3"), (5, "4-5"), (10, "6-10"), (100, "11-100"), (1 << 62, "over 100"))


def _spooled(line: bytes, number: int) -> Doc:
    """A document read back from the spool: written by stage 1 from a checked document,
    so in canonical form ({"id", "text", "metadata"}) and parsed without the checks."""
    try:
        record = orjson.loads(line)
        metadata = record["metadata"]
        if not metadata or not _holds_big_float(metadata):
            return Doc(record["id"], record["text"], metadata, line.rstrip(b"\n"))
    except (orjson.JSONDecodeError, KeyError, TypeError):  # a lone surrogate, escaped: the full reader
        pass
    return doc_from_json(line, f"dedup spool:{number + 1}")


def _size_bucket(size: int) -> str:
    return next(label for bound, label in SIZE_BUCKETS if size <= bound)


def _key64(name: str) -> int:
    if not name:
        return 0
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1


@dataclass
class Features:
    """What stage 1 keeps of a batch of documents (arrays over the batch)."""

    ids: list[bytes]
    lengths: np.ndarray
    sites: list[str]
    outlets: np.ndarray
    credits: np.ndarray
    exact: bytes
    bands: bytes = b""
    sets: bytes = b""
    set_sizes: bytes = b""
    line_hashes: bytes = b""
    line_counts: bytes = b""


def compute_features(docs: list[Doc], config: DedupConfig, bands: int, rows: int, threads: int = 1) -> Features:
    """The features of a batch (the costly, per-document half of dedup: run on all cores
    by the compiled core's threads, in worker processes, or in Ray tasks)."""
    # NFC and casefolding here (C-speed string methods whose tables are Python's own);
    # spacing, keys, lengths, signatures and shingle sets in one batch call
    blob, offsets = pack(folded_text(doc.text) for doc in docs)
    exact, lengths, band_keys, sets, set_sizes = batch_features(blob, offsets, config.num_perm, config.shingle,
                                                                bands if config.near else 0, rows, threads)
    sites = [site_of(doc) for doc in docs]
    features = Features(
        ids=[doc.id.encode("utf-8", "surrogatepass") for doc in docs],
        lengths=np.frombuffer(lengths, dtype="<u4"),  # characters of the canonical text: words, not spacing
        sites=sites,
        outlets=np.array([_key64(outlet_of(doc, site)) for doc, site in zip(docs, sites)], dtype="<u8"),
        credits=np.array([_key64(next(iter(credits_of(doc)), "")) for doc in docs], dtype="<u8"),
        exact=exact, bands=band_keys, sets=sets, set_sizes=set_sizes,
    )
    if config.lines != "off":
        features.line_hashes, features.line_counts = batch_line_hashes(*pack(line_form(doc.text) for doc in docs), threads)
    return features


def _worker_features(batch: list[tuple[bytes, str | None]]):
    """Worker-process side of stage 1 with several jobs: parse the batch's JSON lines (a
    malformed one is reported by its file and line), then compute the features."""
    from corpuskit.errors import DataError
    from corpuskit.parallel import _WORKER

    config, bands, rows = _WORKER["args"]
    docs, errors = [], []
    for line, where in batch:
        try:
            docs.append(doc_from_json(line, where or "batch"))
        except DataError as error:
            errors.append(str(error))
    if not docs:
        return [], None, errors
    return [doc.to_json_bytes() for doc in docs], compute_features(docs, config, bands, rows, 1), errors



class Dedup:
    """One run of the step over a document stream (see the module docstring)."""

    def __init__(self, config: DedupConfig, stats: Stats, resume_key: str | None, estimated_documents: int | None,
                 on_error=None) -> None:
        self.config, self.stats, self.on_error, self.read_stats = config, stats, on_error, stats
        self.resumable = resume_key is not None
        key = config.key(resume_key) if resume_key is not None else uuid.uuid4().hex[:16]
        base = Path(config.work_dir) if config.work_dir else Path(".corpuskit-work")
        self.work = WorkFolder(base / f"dedup-{key}", key)
        self.bands, self.rows = lsh_params(config.threshold, config.num_perm) if config.near else (0, 0)
        estimate = estimated_documents or 4_000_000
        budget = config.memory
        self.bits = {
            "exact": partition_bits(estimate, 20, budget),
            "bands": partition_bits(estimate * max(1, self.bands), 12, budget),
            "lines": partition_bits(estimate * 40, 16, budget),
        }

    # --- stage 1 -----------------------------------------------------------------------

    def stage_one(self, docs: Iterable[Doc], read_stats: Stats) -> None:
        import zstandard

        self.read_stats = read_stats
        config, work = self.config, self.work
        bits = self.work.state.get("bits", self.bits)
        exact = Partitioned(work.path, "exact", clustering.EXACT_RECORD, bits["exact"], "lo")
        bands = Partitioned(work.path, "bands", clustering.BAND_RECORD, bits["bands"], "key") if config.near else None
        lines = Partitioned(work.path, "lines", LINE_RECORD, bits["lines"], "key") if config.lines != "off" else None
        columns = {name: Column(work.file(name), dtype) for name, dtype in
                   (("lengths.u32", "<u4"), ("sites.u32", "<u4"), ("outlets.u64", "<u8"), ("credits.u64", "<u8"),
                    ("exact.bin", "u1"), ("sets.u32", "<u4"), ("sets.idx", "<u8"), ("ids.bin", "u1"), ("ids.idx", "<u8"))}
        spool_file = open(work.file("spool.jsonl.zst"), "wb")
        spool = zstandard.ZstdCompressor(level=1, threads=1).stream_writer(spool_file)  # compressed beside this thread
        site_index: dict[str, int] = {"": 0}
        documents, id_bytes, set_values = 0, 0, 0
        columns["ids.idx"].write([0])
        columns["sets.idx"].write([0])
        for lines_out, features in self._features(docs):
            n = len(lines_out)
            numbers = np.arange(documents, documents + n, dtype="<u4")
            spool.write(b"\n".join(lines_out) + b"\n")
            columns["ids.bin"].write_bytes(b"".join(features.ids))
            ends = id_bytes + np.cumsum([len(i) for i in features.ids], dtype=np.uint64)
            id_bytes = int(ends[-1]) if n else id_bytes
            columns["ids.idx"].write(ends)
            columns["lengths.u32"].write(features.lengths)
            sites = np.array([site_index.setdefault(site, len(site_index)) for site in features.sites], dtype="<u4")
            columns["sites.u32"].write(sites)
            columns["outlets.u64"].write(features.outlets)
            columns["credits.u64"].write(features.credits)
            columns["exact.bin"].write_bytes(features.exact)
            keys = np.frombuffer(features.exact, dtype="<u8").reshape(-1, 2)
            if config.exact:
                records = np.empty(n, dtype=clustering.EXACT_RECORD)
                records["lo"], records["hi"], records["doc"] = keys[:, 0], keys[:, 1], numbers
                exact.write(records)
            if bands is not None:
                columns["sets.u32"].write_bytes(features.sets)
                set_ends = set_values + np.cumsum(np.frombuffer(features.set_sizes, dtype="<u4"), dtype=np.uint64)
                set_values = int(set_ends[-1]) if n else set_values
                columns["sets.idx"].write(set_ends)
                band_keys = np.frombuffer(features.bands, dtype="<u8")
                records = np.empty(len(band_keys), dtype=clustering.BAND_RECORD)
                records["key"], records["doc"] = band_keys, np.repeat(numbers, self.bands)
                bands.write(records)
            if lines is not None:
                hashes = np.frombuffer(features.line_hashes, dtype="<u8")
                counts = np.frombuffer(features.line_counts, dtype="<u4")
                owners = np.repeat(numbers, counts)
                keep = hashes != 0
                pairs = np.unique(np.stack([owners[keep].astype(np.uint64), hashes[keep]]), axis=1)  # distinct per document
                records = np.empty(pairs.shape[1], dtype=LINE_RECORD)
                records["doc"], records["key"] = pairs[0], pairs[1]
                records["site"] = np.asarray(sites)[pairs[0].astype(np.int64) - documents] if len(sites) else []
                lines.write(records)
            documents += n
        spool.close()
        spool_file.close()
        for column in columns.values():
            column.close()
        for writer in (exact, bands, lines):
            if writer is not None:
                writer.close()
        sites = [site for site, _ in sorted(site_index.items(), key=lambda kv: kv[1])]
        work.finish("features", documents=documents, sites=sites, bits=bits, bands=self.bands, rows=self.rows,
                    read=read_stats.as_dict())

    def _features(self, docs: Iterable) -> Iterator[tuple[list[bytes], Features]]:
        """(the batch's documents as spool lines, its features): computed here, in worker
        processes (`jobs` > 1), or given with the batch (`FeatureBatches`, from Ray)."""
        config = self.config
        if isinstance(docs, FeatureBatches):
            for batch, features in docs:
                if features is None:
                    features = compute_features(batch, config, self.bands, self.rows, 1)
                yield [doc.to_json_bytes() for doc in batch], features
            return
        if config.jobs > 1:
            # Worker processes: what costs is Python's per-document work (parsing, canonical
            # text, site, keys), which threads would not share out. JSON lines go to the
            # workers unparsed (the reader's RawRecord), and each worker calls the compiled
            # core (or numpy) on its own batches, one thread each.
            from corpuskit.parallel import _ordered_results

            for lines, features, errors in _ordered_results(_worker_features, docs, config.jobs,
                                                            args=(config, self.bands, self.rows)):
                for message in errors:
                    self._bad_record(message)
                if lines:
                    yield lines, features
            return
        for batch in _batches(docs, config.batch):
            yield [doc.to_json_bytes() for doc in batch], compute_features(batch, config, self.bands, self.rows, 1)

    def _bad_record(self, message: str) -> None:
        """A line a worker could not parse: counted and reported as the reader would."""
        from corpuskit.errors import DataError

        self.read_stats.add("read", "documents", -1)
        self.read_stats.add("read", "skipped_records")
        if self.on_error is None:
            raise DataError(message)
        self.on_error(DataError(message))

    # --- stage 2 -----------------------------------------------------------------------

    def stage_two(self) -> None:
        work, config = self.work, self.config
        documents = work.state["documents"]
        bits = work.state["bits"]
        exact = partition_paths(work.path, "exact", bits["exact"]) if config.exact else []
        bands = partition_paths(work.path, "bands", bits["bands"]) if config.near else []
        set_offsets = work.file("sets.idx").read_bytes() if config.near else b""
        roots, counts = clustering.link_roots(documents, exact, bands, work.file("sets.u32") if config.near else None,
                                              set_offsets, config.threshold, config.tries)
        work.file("roots.u32").write_bytes(roots.astype("<u4").tobytes())
        work.finish("clusters", link=counts)

    # --- stage 3 -----------------------------------------------------------------------

    def stage_three(self) -> None:
        work, config = self.work, self.config
        roots = np.fromfile(work.file("roots.u32"), dtype="<u4")
        if config.keep == "first":
            kept = roots.astype(np.int64)
        else:
            ids = Ids(work)
            try:
                kept = clustering.choose_kept(roots, work.array("lengths.u32", "<u4"), work.array("outlets.u64", "<u8"),
                                              work.array("credits.u64", "<u8"), ids)
            finally:
                ids.close()
        self._dropped(kept)
        summary = self._cluster_summary(roots, kept)
        repeated = self._repeated_lines(kept) if config.lines != "off" else 0
        work.finish("choice", summary=summary, repeated_lines=repeated)

    def _dropped(self, kept: np.ndarray) -> None:
        """dropped.npz: every document dropped, the one kept in its place, whether the two
        are exact copies, and their similarity (exact Jaccard of their shingle sets), in
        document order: the last stage reads it alongside the spool."""
        work, config = self.work, self.config
        docs = np.flatnonzero(kept != np.arange(len(kept)))
        keepers = kept[docs]
        exact_keys = work.array("exact.bin", "u1", 16)
        same = np.zeros(len(docs), dtype=bool)
        similarity = np.ones(len(docs), dtype=np.float64)
        for start in range(0, len(docs), 1 << 20):  # in chunks: the keys stay on disk
            part = slice(start, start + (1 << 20))
            same[part] = (np.asarray(exact_keys[docs[part]]) == np.asarray(exact_keys[keepers[part]])).all(axis=1)
        if config.near:
            near = np.flatnonzero(~same)
            offsets = work.file("sets.idx").read_bytes()
            for start in range(0, len(near), 1 << 20):
                chosen = near[start:start + (1 << 20)]
                pairs = np.stack([docs[chosen], keepers[chosen]], axis=1).astype("<u4").tobytes()
                values = batch_jaccard_pairs(str(work.file("sets.u32")), offsets, pairs)
                similarity[chosen] = np.frombuffer(values, dtype="<f8")
        exact = same & config.exact
        np.savez(work.file("dropped.npz"), docs=docs.astype("<u4"), kept=keepers.astype("<u4"), exact=exact,
                 similarity=similarity.round(4))

    def _cluster_summary(self, roots: np.ndarray, kept: np.ndarray) -> dict:
        sizes = np.bincount(roots, minlength=len(roots)) if len(roots) else np.zeros(0, dtype=np.int64)
        cluster_sizes = sizes[sizes > 1]
        histogram: dict[str, int] = {}
        for size, count in zip(*np.unique(cluster_sizes, return_counts=True)):
            label = _size_bucket(int(size))
            histogram[label] = histogram.get(label, 0) + int(count)
        site_names = self.work.state["sites"]
        sites = self.work.array("sites.u32", "<u4")
        dropped = np.flatnonzero(kept != np.arange(len(kept)))
        copies = np.bincount(sites[dropped], minlength=len(site_names)) if len(dropped) else np.zeros(len(site_names), dtype=np.int64)
        per_site = {site_names[i] or "(unknown site)": int(c) for i, c in enumerate(copies.tolist()) if c}
        largest = np.argsort(-sizes, kind="stable")[:10] if len(sizes) else []
        return {"clusters": int(len(cluster_sizes)), "sizes": histogram, "copies_per_site": per_site,
                "largest": [[int(root), int(sizes[root])] for root in largest if sizes[root] > 1]}

    def _repeated_lines(self, kept: np.ndarray) -> int:
        """Lines in at least line_min_docs kept documents, overall or of one site:
        their hashes (sorted), document counts, sites and top site go to repeated.npz."""
        work, config = self.work, self.config
        threshold = config.line_min_docs
        found_keys, found_docs, found_sites, found_top = [], [], [], []
        is_kept = kept == np.arange(len(kept))
        for path in partition_paths(work.path, "lines", work.state["bits"]["lines"]):
            records = np.fromfile(path, dtype=LINE_RECORD)
            records = records[is_kept[records["doc"]]] if len(records) else records
            if not len(records):
                continue
            keys, inverse, counts = np.unique(records["key"], return_inverse=True, return_counts=True)
            pair = np.unique(np.stack([inverse.astype(np.uint64), records["site"].astype(np.uint64)]), axis=1, return_counts=True)
            (pair_key, pair_site), pair_counts = pair
            best = np.zeros(len(keys), dtype=np.int64)
            top = np.zeros(len(keys), dtype=np.int64)
            site_count = np.bincount(pair_key.astype(np.int64), minlength=len(keys))
            order = np.lexsort((pair_site, -pair_counts, pair_key))
            firsts = order[np.concatenate(([True], pair_key[order][1:] != pair_key[order][:-1]))]
            best[pair_key[firsts].astype(np.int64)] = pair_counts[firsts]
            top[pair_key[firsts].astype(np.int64)] = pair_site[firsts].astype(np.int64)
            chosen = (counts >= threshold) | (best >= threshold)
            found_keys.append(keys[chosen])
            found_docs.append(counts[chosen])
            found_sites.append(site_count[chosen])
            found_top.append(np.stack([top[chosen], best[chosen]], axis=1))
        keys = np.concatenate(found_keys) if found_keys else np.zeros(0, dtype=np.uint64)
        order = np.argsort(keys)
        np.savez(work.file("repeated.npz"), keys=keys[order],
                 docs=(np.concatenate(found_docs) if found_docs else np.zeros(0, np.int64))[order],
                 sites=(np.concatenate(found_sites) if found_sites else np.zeros(0, np.int64))[order],
                 top=(np.concatenate(found_top) if found_top else np.zeros((0, 2), np.int64))[order])
        return int(len(keys))

    # --- stage 4 -----------------------------------------------------------------------

    def stage_four(self, on_duplicate, on_repeated, on_removed_line, raw_output: bool = False) -> Iterator[Doc]:
        import zstandard

        work, config, stats = self.work, self.config, self.stats
        dropped = dict(np.load(work.file("dropped.npz")))
        dropped_docs = dropped["docs"].tolist() + [-1]
        site_names = work.state["sites"]
        sites = work.array("sites.u32", "<u4")
        repeated = dict(np.load(work.file("repeated.npz"))) if config.lines != "off" else None
        against = self._against_ngrams()
        unparsed = raw_output and against is None and repeated is None
        ids = Ids(work)
        counts = {"documents_in": 0, "documents_kept": 0, "exact_duplicates": 0, "near_duplicates": 0, "contaminated": 0,
                  "lines_removed": 0, "documents_with_repeated_lines": 0}
        reported: set[int] = set()
        try:
            with open(work.file("spool.jsonl.zst"), "rb") as handle:
                reader = zstandard.ZstdDecompressor().stream_reader(handle, read_across_frames=True)
                import io

                number, next_dropped, slot = 0, dropped_docs[0], 0
                pending: list[tuple[int, Doc]] = []
                for line in io.BufferedReader(reader, buffer_size=1 << 20):
                    counts["documents_in"] += 1
                    if number == next_dropped:
                        keeper = int(dropped["kept"][slot])
                        level = "exact" if dropped["exact"][slot] else "near"
                        counts[f"{level}_duplicates"] += 1
                        if on_duplicate is not None:
                            doc = _spooled(line, number)
                            on_duplicate({"id": doc.id, "duplicate_of": ids.text(keeper), "level": level,
                                          "similarity": float(dropped["similarity"][slot]),
                                          "site": site_names[int(sites[number])] or None,
                                          "kept_site": site_names[int(sites[keeper])] or None})
                        slot += 1
                        next_dropped = dropped_docs[slot]
                    elif unparsed:  # nothing to change in a kept document: its line as it is
                        counts["documents_kept"] += 1
                        yield RawRecord(line.rstrip(b"\n"), f"dedup spool:{number + 1}")
                    else:
                        doc = _spooled(line, number)
                        pending.append((number, doc))
                        if len(pending) >= config.batch:
                            yield from self._finish(pending, repeated, against, reported, counts, on_duplicate,
                                                    on_repeated, on_removed_line)
                            pending = []
                    number += 1
                yield from self._finish(pending, repeated, against, reported, counts, on_duplicate, on_repeated,
                                        on_removed_line)
        finally:
            ids.close()
            for key, value in counts.items():
                stats.add("dedup", key, value)

    def _finish(self, pending, repeated, against, reported, counts, on_duplicate, on_repeated, on_removed_line):
        """The kept documents of a batch: evaluation-set overlap, then repeated lines."""
        config = self.config
        if not pending:
            return
        docs = [doc for _, doc in pending]
        overlap = None
        if against is not None:
            hashes, per_doc = batch_ngram_hashes(*pack(canonical_text(doc.text) for doc in docs), config.against_ngram,
                                                 config.jobs if core is not None else 1)
            hashes, per_doc = np.frombuffer(hashes, dtype="<u8"), np.frombuffer(per_doc, dtype="<u4")
            hits = np.isin(hashes, against)
            bounds = np.concatenate(([0], np.cumsum(per_doc, dtype=np.int64)))
            overlap = [int(hits[a:b].sum()) for a, b in zip(bounds[:-1], bounds[1:])]
        line_hashes = None
        if repeated is not None and len(repeated["keys"]):
            hashes, per_doc = batch_line_hashes(*pack(line_form(doc.text) for doc in docs),
                                                config.jobs if core is not None else 1)
            line_hashes = (np.frombuffer(hashes, dtype="<u8"), np.concatenate(([0], np.cumsum(np.frombuffer(per_doc, dtype="<u4"), dtype=np.int64))))
        for index, (number, doc) in enumerate(pending):
            if overlap is not None and overlap[index]:
                counts["contaminated"] += 1
                if config.against_mode == "drop":
                    if on_duplicate is not None:
                        on_duplicate({"id": doc.id, "duplicate_of": None, "level": "contaminated",
                                      "ngrams": overlap[index], "against": list(config.against)})
                    continue
                doc = Doc(doc.id, doc.text, {**doc.metadata, "contamination": {"ngrams": overlap[index]}})
            if line_hashes is not None:
                doc = self._lines(doc, line_hashes[0][line_hashes[1][index]:line_hashes[1][index + 1]], repeated,
                                  reported, counts, on_repeated, on_removed_line)
            counts["documents_kept"] += 1
            yield doc

    def _lines(self, doc: Doc, hashes: np.ndarray, repeated, reported: set, counts: dict, on_repeated, on_removed_line) -> Doc:
        keys = repeated["keys"]
        positions = np.searchsorted(keys, hashes)
        positions[positions >= len(keys)] = 0
        found = np.flatnonzero((keys[positions] == hashes) & (hashes != 0)) if len(keys) else np.zeros(0, np.int64)
        if not len(found):
            return doc
        counts["documents_with_repeated_lines"] += 1
        lines = doc.text.split("\n")
        site_names = self.work.state["sites"]
        for line_number in found.tolist():
            slot = int(positions[line_number])
            if slot not in reported:
                reported.add(slot)
                if on_repeated is not None:
                    top_site, top_count = (int(v) for v in repeated["top"][slot])
                    on_repeated({"hash": f"{int(keys[slot]):016x}", "text": lines[line_number], "docs": int(repeated["docs"][slot]),
                                 "sites": int(repeated["sites"][slot]), "top_site": site_names[top_site] or None,
                                 "top_site_docs": top_count, "example": doc.id})
        mode = self.config.lines
        if mode == "report":
            return doc
        if mode == "tag":
            return Doc(doc.id, doc.text, {**doc.metadata, "repeated_lines": [n + 1 for n in found.tolist()]})
        drop = set(found.tolist())
        for line_number in sorted(drop):
            counts["lines_removed"] += 1
            if on_removed_line is not None:
                slot = int(positions[line_number])
                on_removed_line({"id": doc.id, "line": line_number + 1, "rule": "dedup.repeated-line", "kind": "line",
                                 "text": lines[line_number], "docs": int(repeated["docs"][slot])})
        kept_lines = [line for n, line in enumerate(lines) if n not in drop]
        return Doc(doc.id, "\n".join(kept_lines), {**doc.metadata, "repeated_lines_removed": len(drop)})

    def _against_ngrams(self) -> np.ndarray | None:
        """The n-gram hashes of the evaluation sets (read as inputs, never written)."""
        if not self.config.against:
            return None
        from corpuskit.io import read_documents

        found = []
        batch: list[str] = []

        def flush():
            if batch:
                hashes, _ = batch_ngram_hashes(*pack(batch), self.config.against_ngram, 1)
                found.append(np.frombuffer(hashes, dtype="<u8"))
                batch.clear()

        for doc in read_documents(list(self.config.against)):
            batch.append(canonical_text(doc.text))
            if len(batch) >= 1024:
                flush()
        flush()
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)

    # --- the whole run -----------------------------------------------------------------

    def run(self, docs: Iterable[Doc], read_stats: Stats, on_duplicate=None, on_repeated=None,
            on_removed_line=None, raw_output: bool = False) -> Iterator[Doc]:
        from corpuskit.errors import CorpuskitError

        work = self.work
        succeeded = resumable = False
        try:
            if not work.done("features"):
                self.stage_one(docs, read_stats)
            else:
                read_stats.merge(work.state.get("read", {}))
                self.stats.add("dedup", "stages_resumed")
            if not work.done("clusters"):
                self.stage_two()
            if not work.done("choice"):
                self.stage_three()
            self._report_state()
            yield from self.stage_four(on_duplicate, on_repeated, on_removed_line, raw_output)
            succeeded = True
        except CorpuskitError:
            raise  # bad input or a usage error: a rerun must read again, so nothing is kept
        except BaseException:
            resumable = self.resumable  # killed, stopped, a crash: the finished stages are kept for a rerun
            raise
        finally:
            if succeeded or not resumable:
                work.remove()
                try:
                    work.path.parent.rmdir()  # the base folder, when nothing else is in it
                except OSError:
                    pass

    def _report_state(self) -> None:
        state, stats = self.work.state, self.stats
        for key, value in state.get("link", {}).items():
            stats.add("dedup", key, value)
        summary = state.get("summary", {})
        stats.add("dedup", "clusters", summary.get("clusters", 0))
        stats.add("dedup", "repeated_lines", state.get("repeated_lines", 0))
        for label, count in summary.get("sizes", {}).items():
            stats.add("dedup_cluster_sizes", label, count)
        for site, count in summary.get("copies_per_site", {}).items():
            stats.add("dedup_copies_per_site", site, count)
        if self.config.near:
            stats.add("dedup_settings", f"bands={state.get('bands')},rows={state.get('rows')}")


class FeatureBatches:
    """Batches of documents with their features already computed (by Ray tasks): an
    iterable of (list of documents, Features or None) that dedup takes instead of
    documents."""

    def __init__(self, batches: Iterable[tuple[list[Doc], Features | None]]) -> None:
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


def _batches(docs: Iterable[Doc], size: int) -> Iterator[list[Doc]]:
    batch: list[Doc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def dedup(
    docs: Iterable[Doc],
    config: DedupConfig = DedupConfig(),
    stats: Stats | None = None,
    on_duplicate: Callable[[dict], None] | None = None,
    on_repeated: Callable[[dict], None] | None = None,
    on_removed_line: Callable[[dict], None] | None = None,
    resume_key: str | None = None,
    estimated_documents: int | None = None,
    on_error: Callable | None = None,
    raw_output: bool = False,
) -> Iterator[Doc]:
    """The kept documents of `docs`, in input order (see the module docstring).

    `on_duplicate` gets a record for every document dropped (duplicates and, with
    `against`, contaminated documents), `on_repeated` one per repeated line (with a
    sample text and its counts), `on_removed_line` one per line removed (lines="remove").
    `resume_key` (the identity of the inputs) makes the run resumable: a rerun with the
    same key and settings skips the stages already finished. `docs` may hold the
    reader's unparsed JSON lines (RawRecord) when `jobs` > 1: the workers parse them,
    and a malformed one goes to `on_error` (raised without it). With `raw_output`, a kept
    document that nothing changes comes out as its JSON line (RawRecord), unparsed: for a
    writer that only copies it.
    """
    stats = stats if stats is not None else Stats()
    if config.against:
        missing = [path for path in config.against if not os.path.exists(path)]
        if missing:
            raise UsageError(f"{missing[0]}: no such evaluation set (--against)")
    run = Dedup(config, stats, resume_key, estimated_documents, on_error)
    yield from run.run(docs, stats, on_duplicate, on_repeated, on_removed_line, raw_output)


__all__ = ["DedupConfig", "dedup", "compute_features", "Features", "FeatureBatches"]
