"""From candidate pairs to clusters, and from clusters to the copy that is kept.

**Linking.** Exact keys and LSH band keys are written to partition files (corpuskit.dedup.
work). Each partition is sorted by (key, document); a run of equal exact keys links its
documents at once, a run of equal band keys links a document to an earlier member of the
run only when the exact Jaccard similarity of their shingle sets is at least `threshold`,
trying at most `tries` earlier members. Links go into a
union-find forest whose root is always the smallest document number, so the clusters do
not depend on the order of the work. `native/src/link.rs` does the same in Rust; `link`
here is the specification.

**Choosing the kept copy** (not arrival order), in this order:

1. the original outlet's copy: a member whose outlet (its site) is one that another
   member credits (`metadata.source`), as when a page credits "Theo Dân trí" and
   dantri.com.vn's own copy is in the cluster;
2. the longest text;
3. the smallest id.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corpuskit.native import core

EXACT_RECORD = np.dtype([("lo", "<u8"), ("hi", "<u8"), ("doc", "<u4")])
BAND_RECORD = np.dtype([("key", "<u8"), ("doc", "<u4")])


class Forest:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        low, high = (ra, rb) if ra < rb else (rb, ra)
        self.parent[high] = low
        return True


def _runs(keys: np.ndarray, high: np.ndarray | None = None) -> list[tuple[int, int]]:
    """(start, end) of every run of equal keys (and equal `high` halves) of length at
    least 2 in a sorted array."""
    if len(keys) < 2:
        return []
    differs = keys[1:] != keys[:-1]
    if high is not None:
        differs |= high[1:] != high[:-1]
    change = np.flatnonzero(differs) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(keys)]))
    keep = ends - starts > 1
    return list(zip(starts[keep].tolist(), ends[keep].tolist()))


def link(documents: int, exact_paths: list[str], band_paths: list[str], sets_path: str | None,
         set_offsets: bytes, threshold: float, tries: int) -> tuple[bytes, tuple[int, int, int, int]]:
    """The root of every document (u32 little-endian bytes) and the counts (exact links,
    band candidates, pairs checked, near links). See the module docstring."""
    forest = Forest(documents)
    exact_links = candidates = checked = near_links = 0
    for path in exact_paths:
        records = np.fromfile(path, dtype=EXACT_RECORD)
        records = records[np.lexsort((records["doc"], records["lo"], records["hi"]))]
        for start, end in _runs(records["lo"], records["hi"]):
            first = int(records["doc"][start])
            for doc in records["doc"][start + 1:end].tolist():
                exact_links += forest.union(first, doc)
    if sets_path is not None:
        from corpuskit.dedup.minhash import jaccard

        bounds = np.frombuffer(set_offsets, dtype="<u8")
        values = np.fromfile(sets_path, dtype="<u4")

        def similarity(x: int, y: int) -> float:
            return jaccard(values[int(bounds[x]):int(bounds[x + 1])], values[int(bounds[y]):int(bounds[y + 1])])

        for path in band_paths:
            records = np.fromfile(path, dtype=BAND_RECORD)
            records = records[np.lexsort((records["doc"], records["key"]))]
            docs = records["doc"].tolist()
            for start, end in _runs(records["key"]):
                for m in range(start + 1, end):
                    doc = docs[m]
                    candidates += 1
                    for earlier in docs[start:min(m, start + tries)]:
                        if forest.find(doc) == forest.find(earlier):
                            break
                        checked += 1
                        if similarity(earlier, doc) >= threshold:
                            forest.union(earlier, doc)
                            near_links += 1
                            break
    roots = np.array([forest.find(x) for x in range(documents)], dtype="<u4")
    return roots.tobytes(), (exact_links, candidates, checked, near_links)


batch_link = core.link if core is not None else link


def link_roots(documents: int, exact_paths: list[Path], band_paths: list[Path], sets_path: Path | None,
               set_offsets: bytes, threshold: float, tries: int = 4) -> tuple[np.ndarray, dict[str, int]]:
    roots, (exact, candidates, checked, near) = batch_link(
        documents, [str(p) for p in exact_paths], [str(p) for p in band_paths],
        str(sets_path) if sets_path is not None else None, set_offsets, float(threshold), tries)
    counts = {"exact_links": exact, "near_candidates": candidates, "near_pairs_checked": checked, "near_links": near}
    return np.frombuffer(roots, dtype="<u4").copy(), counts


def choose_kept(roots: np.ndarray, lengths: np.ndarray, outlets: np.ndarray, credits: np.ndarray,
                id_of) -> np.ndarray:
    """For every document, the document kept in its place (itself when it is kept).

    `outlets[i]` is the key of document i's outlet (0: unknown), `credits[i]` the key of
    the outlet it credits (0: none), `id_of(i)` its id as bytes (read only to break ties).
    Vectorized over the documents that are in a cluster; ties of outlet and length are
    broken by reading the ids of the tied members only.
    """
    n = len(roots)
    kept = np.arange(n, dtype=np.int64)
    sizes = np.bincount(roots, minlength=n)
    members = np.flatnonzero(sizes[roots] > 1)
    if not len(members):
        return kept
    member_roots = roots[members].astype(np.uint64)
    # (cluster, credited outlet) pairs; a member whose (cluster, outlet) is among them is an original
    mixer = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        credited = member_roots * mixer ^ credits[members]
        own = member_roots * mixer ^ outlets[members]
    credited_set = np.unique(credited[credits[members] != 0])
    original = (outlets[members] != 0) & np.isin(own, credited_set)
    order = np.lexsort((members, -lengths[members].astype(np.int64), ~original, roots[members]))
    ordered = members[order]
    ordered_roots = roots[ordered]
    first_of_cluster = np.concatenate(([True], ordered_roots[1:] != ordered_roots[:-1]))
    starts = np.flatnonzero(first_of_cluster)
    ends = np.concatenate((starts[1:], [len(ordered)]))
    best = ordered[starts].copy()
    # ties on (original, length) with the best: the smallest id wins among them
    key_original = original[order]
    key_length = lengths[ordered]
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        if end - start > 1 and key_original[start + 1] == key_original[start] and key_length[start + 1] == key_length[start]:
            stop = start + 1
            while stop < end and key_original[stop] == key_original[start] and key_length[stop] == key_length[start]:
                stop += 1
            tied = ordered[start:stop].tolist()
            best[index] = min(tied, key=lambda doc: (id_of(doc), doc))
    cluster_of = np.repeat(np.arange(len(starts)), ends - starts)
    kept[ordered] = best[cluster_of]
    return kept
