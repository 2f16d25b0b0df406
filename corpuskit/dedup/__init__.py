"""Deduplication at corpus scale: exact copies, near copies (MinHash LSH), lines repeated
across documents, and overlap with evaluation sets; out of core, on all cores, resumable.

    from corpuskit.dedup import DedupConfig, dedup
    kept = dedup(read_documents(["articles.jsonl"]), DedupConfig(threshold=0.8), stats,
                 on_duplicate=print)

Modules: config (the settings), keys (canonical text, lines, sites and outlets), minhash (keys, signatures, bands,
line hashes: the specification of the compiled core's), work (the work folder),
clusters (linking and the kept copy), step (the four stages).
"""

from corpuskit.dedup.config import DedupConfig

__all__ = ["DedupConfig", "dedup"]


def __getattr__(name: str):
    """`dedup` is loaded when first used (it needs numpy and the compiled core)."""
    if name == "dedup":
        from corpuskit.dedup.step import dedup

        return dedup
    raise AttributeError(name)
