"""Exact keys, MinHash signatures, LSH bands and line hashes over a batch of texts.

This is the specification: `native/src/hashing.rs` computes the same values in Rust,
and the tests compare both byte for byte. The definitions are in that file's header; in
short, shingles of `k` words of the canonical text hashed with xxh3-64, permutation i as
`a_i * x + b_i` modulo 2^32 on the upper 32 bits x of each shingle hash (a and b from
splitmix64), the minimum kept, and each band of `rows` values hashed with xxh3-64 seeded by the band's number.
numpy does the permutations here, a few thousand documents a second; the compiled core,
a few hundred thousand.

Functions take the packed batch (`corpuskit.native.pack`) and return little-endian bytes;
`batch_*` pick the compiled function when it is installed.

>>> from corpuskit.native import pack
>>> signatures, bands, sets, sizes = minhash(*pack(["một hai ba bốn năm sáu bảy"]), num_perm=8, shingle=5, bands=2, rows=4)
>>> len(signatures), len(bands), len(sets) // 4
(32, 16, 3)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import xxhash

from corpuskit.native import core

SEED = 0x636F7270_75736B69
_MASK = (1 << 64) - 1


def _mix_int(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


@lru_cache(maxsize=8)
def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of each permutation: the lower 32 bits of outputs 2i (made odd) and 2i + 1
    of splitmix64."""
    state, out = SEED, []
    for _ in range(2 * num_perm):
        state = (state + 0x9E3779B97F4A7C15) & _MASK
        out.append(_mix_int(state) & 0xFFFFFFFF)
    return np.array(out[0::2], dtype=np.uint32) | np.uint32(1), np.array(out[1::2], dtype=np.uint32)


def _texts(blob: bytes, offsets: bytes) -> list[bytes]:
    bounds = np.frombuffer(offsets, dtype="<u8")
    return [blob[int(a):int(b)] for a, b in zip(bounds[:-1], bounds[1:])]


def exact_keys(blob: bytes, offsets: bytes, threads: int = 1) -> bytes:
    """xxh3-128 of each text, 16 little-endian bytes each."""
    return b"".join(xxhash.xxh3_128_intdigest(text).to_bytes(16, "little") for text in _texts(blob, offsets))


def shingle_hashes(text: bytes, k: int) -> np.ndarray:
    words = text.split(b" ")
    if len(words) < k:
        return np.array([xxhash.xxh3_64_intdigest(text)], dtype=np.uint64)
    hashes = [xxhash.xxh3_64_intdigest(b" ".join(words[i:i + k])) for i in range(len(words) - k + 1)]
    return np.array(hashes, dtype=np.uint64)


def shingle_values(text: bytes, k: int) -> np.ndarray:
    return (shingle_hashes(text, k) >> np.uint64(32)).astype(np.uint32)


def signature(text: bytes, k: int, perms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    a, b = perms
    with np.errstate(over="ignore"):  # arithmetic modulo 2^32, as in Rust
        mins = (a[:, None] * shingle_values(text, k)[None, :] + b[:, None]).min(axis=1)
    return mins.astype("<u4")


def band_keys(signature_values: np.ndarray, bands: int, rows: int) -> list[int]:
    data = signature_values.astype("<u4").tobytes()
    return [xxhash.xxh3_64_intdigest(data[j * rows * 4:(j + 1) * rows * 4], seed=j) for j in range(bands)]


def shingle_set(text: bytes, k: int) -> np.ndarray:
    """The upper 32 bits of the shingle hashes, sorted, without repeats."""
    return np.unique(shingle_values(text, k)).astype("<u4")


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    return common / union if union else 1.0


def minhash(blob: bytes, offsets: bytes, num_perm: int, shingle: int, bands: int, rows: int,
            threads: int = 1) -> tuple[bytes, bytes, bytes, bytes]:
    """Signatures (num_perm u32 per text), band keys (bands u64 per text), and the
    shingle sets (u32, one after the other) with their sizes (u32 per text)."""
    perms = permutations(num_perm)
    signatures, keys, sets, sizes = [], [], [], []
    for text in _texts(blob, offsets):
        values = signature(text, shingle, perms)
        signatures.append(values.tobytes())
        keys.append(np.array(band_keys(values, bands, rows), dtype="<u8").tobytes())
        found = shingle_set(text, shingle)
        sets.append(found.tobytes())
        sizes.append(len(found))
    return b"".join(signatures), b"".join(keys), b"".join(sets), np.array(sizes, dtype="<u4").tobytes()


def features(blob: bytes, offsets: bytes, num_perm: int, shingle: int, bands: int, rows: int,
             threads: int = 1) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """What dedup keeps of texts that are already NFC and casefolded: the canonical form
    (`" ".join(text.split())`) gives the exact key, the length in characters, and with
    bands > 0 the band keys and the shingle set (sizes apart)."""
    keys, lengths, band_values, sets, sizes = [], [], [], [], []
    perms = permutations(num_perm) if bands else None
    for text in _texts(blob, offsets):
        canonical = " ".join(text.decode("utf-8", "surrogatepass").split()).encode("utf-8", "surrogatepass")
        keys.append(xxhash.xxh3_128_intdigest(canonical).to_bytes(16, "little"))
        lengths.append(min(len(canonical.decode("utf-8", "surrogatepass")), 0xFFFFFFFF))
        if bands:
            values = signature(canonical, shingle, perms)
            band_values.append(np.array(band_keys(values, bands, rows), dtype="<u8").tobytes())
            found = shingle_set(canonical, shingle)
            sets.append(found.tobytes())
            sizes.append(len(found))
        else:
            sizes.append(0)
    return (b"".join(keys), np.array(lengths, dtype="<u4").tobytes(), b"".join(band_values), b"".join(sets),
            np.array(sizes, dtype="<u4").tobytes())


def jaccard_pairs(sets_path: str, set_offsets: bytes, pairs: bytes) -> bytes:
    """The exact Jaccard similarity of the shingle sets of each (x, y) pair, f64 each."""
    bounds = np.frombuffer(set_offsets, dtype="<u8")
    values = np.memmap(sets_path, dtype="<u4", mode="r") if bounds[-1] else np.zeros(0, dtype="<u4")
    out = []
    for x, y in np.frombuffer(pairs, dtype="<u4").reshape(-1, 2).tolist():
        out.append(jaccard(np.asarray(values[bounds[x]:bounds[x + 1]]), np.asarray(values[bounds[y]:bounds[y + 1]])))
    return np.array(out, dtype="<f8").tobytes()



def _line_hash(line: str) -> int:
    words = line.split()
    return xxhash.xxh3_64_intdigest(" ".join(words).encode("utf-8", "surrogatepass")) if words else 0


def line_hashes(blob: bytes, offsets: bytes, threads: int = 1) -> tuple[bytes, bytes]:
    """A hash per line (split at \\n) of each text, 0 for a blank line; lines per text."""
    hashes, counts = [], []
    for text in _texts(blob, offsets):
        lines = text.decode("utf-8", "surrogatepass").split("\n")
        hashes.extend(_line_hash(line) for line in lines)
        counts.append(len(lines))
    return np.array(hashes, dtype="<u8").tobytes(), np.array(counts, dtype="<u4").tobytes()


def ngram_hashes(blob: bytes, offsets: bytes, n: int, threads: int = 1) -> tuple[bytes, bytes]:
    """A hash per run of n words of each text (words split at whitespace); runs per text."""
    hashes, counts = [], []
    for text in _texts(blob, offsets):
        words = text.decode("utf-8", "surrogatepass").split()
        found = [xxhash.xxh3_64_intdigest(" ".join(words[i:i + n]).encode("utf-8", "surrogatepass"))
                 for i in range(len(words) - n + 1)] if n and len(words) >= n else []
        hashes.extend(found)
        counts.append(len(found))
    return np.array(hashes, dtype="<u8").tobytes(), np.array(counts, dtype="<u4").tobytes()


# The functions the steps call: compiled when the core is installed.
batch_exact_keys = core.exact_keys if core is not None else exact_keys
batch_minhash = core.minhash if core is not None else minhash
batch_features = core.features if core is not None else features
batch_jaccard_pairs = core.jaccard_pairs if core is not None else jaccard_pairs
batch_line_hashes = core.line_hashes if core is not None else line_hashes
batch_ngram_hashes = core.ngram_hashes if core is not None else ngram_hashes


# --- LSH parameters ---------------------------------------------------------------------------


RECALL_AT_THRESHOLD = 0.97


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows), bands × rows ≤ num_perm: the most selective bands (most rows) that
    still propose a pair of exactly the threshold's similarity with probability at least
    0.97 (the S-curve 1 - (1 - s^rows)^bands). Every proposal is then checked on the
    exact Jaccard similarity of the two shingle sets, so a proposal below the threshold
    costs a check, never precision; a pair never proposed is lost, so recall decides.

    >>> lsh_params(0.8, 128), lsh_params(0.5, 128), lsh_params(1.0, 128)
    ((18, 7), (42, 3), (1, 128))
    """
    if threshold >= 1.0:
        return 1, num_perm
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold ** rows) ** bands >= RECALL_AT_THRESHOLD:
            return bands, rows
    return num_perm, 1
