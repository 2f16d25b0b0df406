"""The work folder of a dedup run: everything the stages hand on, on disk.

Memory stays bounded by the setting, not by the corpus: what grows with the corpus goes
to files in the work folder, written in batches and read back one partition at a time.

    state.json          the stages finished, and what they counted (a rerun skips them)
    spool.jsonl.zst     the documents, as they came in (read again by the last stage)
    ids.bin, ids.idx    each document's id (read only to break ties and to name duplicates)
    lengths.u32 ...     per document: characters, site, outlet, credited outlet, exact key
    signatures.u32      MinHash signatures, num_perm values per document
    exact-NN.bin        exact keys, partitioned by their top bits
    bands-NN.bin        LSH band keys, partitioned the same way
    lines-NN.bin        hashes of the distinct lines of each document, partitioned too
    roots.u32           clusters (stage 2: the root of every document)
    dropped.npz         every document dropped, the copy kept in its place, level, similarity

Keys are spread over 2^k partitions by their top bits, with k chosen so that one
partition, sorted, fits in the memory budget; the budget also bounds the write buffers.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from corpuskit.dedup.clusters import BAND_RECORD, EXACT_RECORD

LINE_RECORD = np.dtype([("key", "<u8"), ("doc", "<u4"), ("site", "<u4")])
_RECORD_BYTES = {"exact": EXACT_RECORD.itemsize, "bands": BAND_RECORD.itemsize, "lines": LINE_RECORD.itemsize}


def partition_bits(estimated_records: int, record_bytes: int, memory: int) -> int:
    """Enough partitions that one of them, read and sorted (about 3 times its size on
    disk), takes at most a quarter of the budget; at least 4, at most 4,096."""
    per_partition = max(1, memory // 4 // 3)
    needed = max(1, estimated_records * record_bytes // per_partition + 1)
    return min(12, max(2, int(np.ceil(np.log2(needed)))))


def partition_paths(folder: Path, kind: str, bits: int) -> list[Path]:
    return [folder / f"{kind}-{p:04d}.bin" for p in range(1 << bits)]


class Partitioned:
    """Records of one kind spread over 2^bits files by the top bits of their key, each
    file appended to in batches (numpy, one write per partition and batch)."""

    def __init__(self, folder: Path, kind: str, dtype: np.dtype, bits: int, key_field: str) -> None:
        self.folder, self.kind, self.dtype, self.bits, self.key_field = folder, kind, dtype, bits, key_field
        self.files = [open(self.path(p), "ab") for p in range(1 << bits)]

    def path(self, partition: int) -> Path:
        return partition_paths(self.folder, self.kind, self.bits)[partition]

    def write(self, records: np.ndarray) -> None:
        if not len(records):
            return
        partitions = (records[self.key_field] >> np.uint64(64 - self.bits)).astype(np.int64)
        order = np.argsort(partitions, kind="stable")
        records, partitions = records[order], partitions[order]
        bounds = np.searchsorted(partitions, np.arange((1 << self.bits) + 1))
        for p in np.flatnonzero(np.diff(bounds)).tolist():
            self.files[p].write(records[bounds[p]:bounds[p + 1]].tobytes())

    def close(self) -> None:
        for handle in self.files:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()


class Column:
    """A per-document array appended batch by batch to its file."""

    def __init__(self, path: Path, dtype: str) -> None:
        self.path, self.dtype = path, np.dtype(dtype)
        self.handle = open(path, "ab")

    def write(self, values) -> None:
        self.handle.write(np.asarray(values, dtype=self.dtype).tobytes())

    def write_bytes(self, data: bytes) -> None:
        self.handle.write(data)

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()


class WorkFolder:
    """The folder, its state file, and readers of what the stages wrote."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = Path(path), key
        self.state: dict = {}
        state_file = self.path / "state.json"
        if state_file.exists():
            try:
                state = json.loads(state_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                state = {}
            if state.get("key") == key:
                self.state = state
        if not self.state:  # new, or left by another run: start over
            if self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
            self.state = {"key": key, "stages": []}

    def done(self, stage: str) -> bool:
        return stage in self.state["stages"]

    def finish(self, stage: str, **values) -> None:
        """Record a stage as finished (its files are synced first by their writers)."""
        self.state.update(values)
        self.state["stages"] = [*self.state["stages"], stage]
        tmp = self.path / "state.json.tmp"
        tmp.write_text(json.dumps(self.state, sort_keys=True), encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.path / "state.json")

    def file(self, name: str) -> Path:
        return self.path / name

    def array(self, name: str, dtype: str, width: int = 1) -> np.ndarray:
        path = self.file(name)
        if not path.exists() or path.stat().st_size == 0:
            return np.zeros((0, width) if width > 1 else 0, dtype=dtype)
        values = np.memmap(path, dtype=dtype, mode="r")
        return values.reshape(-1, width) if width > 1 else values

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class Ids:
    """Document ids by number, read from ids.bin through the offsets in ids.idx."""

    def __init__(self, folder: WorkFolder) -> None:
        self.offsets = folder.array("ids.idx", "<u8")
        self.handle = open(folder.file("ids.bin"), "rb")

    def __call__(self, doc: int) -> bytes:
        start, end = int(self.offsets[doc]), int(self.offsets[doc + 1])
        self.handle.seek(start)
        return self.handle.read(end - start)

    def text(self, doc: int) -> str:
        return self(doc).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self.handle.close()
