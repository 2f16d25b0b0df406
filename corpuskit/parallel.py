"""Run a per-document transform on several processes, with the output in input order.

The main process reads and writes; workers transform. What crosses a process boundary is
bytes: batches of JSON lines in (a document read from canonical JSON lines is passed on
as the very bytes it was read from), encoded output lines back, so (de)serialization
costs one orjson parse per document in the worker. Workers are forked after the
transform is built, so rules and configs are not pickled, and start in milliseconds.

Order and memory: batches are submitted through a window of 2 × jobs futures and
collected oldest first, so the output order is the input order and at most that many
batches are in memory however large the input. Side records (the strip audit, the split
report) travel back with their batch and are written by the main process, in order too.
The output is byte for byte the output of one process (tested).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as ResultTimeout  # the builtin from Python 3.11, its own class in 3.10
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from corpuskit.doc import Doc, RawRecord, doc_from_json
from corpuskit.errors import CorpuskitError, DataError


class WorkerDied(CorpuskitError):
    """A worker process was killed (not by a stop sent to the whole process group)."""

    exit_code = 1
from corpuskit.stats import Stats

Transform = Callable[[Iterable[Doc], Stats], Iterator[Doc]]

BATCH_DOCS = 256
BATCH_BYTES = 4 << 20
# More workers than this only thrash: each holds batches and compiled rules, and the main
# process feeds them all. --jobs beyond it is a usage error, not a fork bomb.
MAX_JOBS = 256


def default_jobs() -> int:
    """The cores this process may run on (a container's limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Side:
    """Side records emitted by callbacks: written at once in one process, or collected per
    batch in a worker and written by the main process in input order."""

    def __init__(self) -> None:
        self.sinks: dict[str, Callable[[dict], None]] = {}
        self.buffer: list[tuple[str, dict]] | None = None

    def sink(self, name: str, write: Callable[[dict], None]) -> Callable[[dict], None]:
        """Register where records named `name` go; returns the emitter for callbacks."""
        self.sinks[name] = write
        return lambda record: self.emit(name, record)

    def emit(self, name: str, record: dict) -> None:
        if self.buffer is not None:
            self.buffer.append((name, record))
        else:
            self.sinks[name](record)

    def deliver(self, records: list[tuple[str, dict]]) -> None:
        for name, record in records:
            self.sinks[name](record)


def encode(doc: Doc, fmt: str) -> bytes:
    """A document as the writer writes it: its JSON line, or its text."""
    return doc.to_json_bytes() if fmt == "jsonl" else doc.text.encode("utf-8", "surrogatepass")


def _raise_or_report(record: dict, on_error: Callable[[DataError], None] | None) -> None:
    error = DataError(record["message"])
    if on_error is None:
        raise error
    on_error(error)


# A worker's state (its pool's transform, format, ...), set when the worker starts.
_WORKER: dict = {}


def _die_with_parent(parent: int) -> None:
    """Workers must not outlive the main process (killed by SIGPIPE under `| head`, or by ^C).

    They also leave signals to the main process: ^C reaches the whole process group, and
    a worker that raised KeyboardInterrupt would print a traceback; the main process
    stops, and the workers end with it (SIGTERM, at its default action: exit)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:  # Linux: the kernel sends SIGTERM when the parent exits
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


ERROR = "\x00error"  # side-record name of a JSON line that a worker could not parse


def _parse(batch: list[tuple[bytes, str | None]], stats: Stats, errors: list) -> list[Doc]:
    """The batch's documents; a malformed line is counted and reported as the reader would."""
    docs = []
    for item in batch:
        if not isinstance(item, tuple):  # an object sent as it is (extract's pages)
            docs.append(item)
            continue
        line, where = item
        try:
            docs.append(doc_from_json(line, where or "batch"))
        except DataError as error:
            stats.add("read", "documents", -1)  # the main process counted the line
            stats.add("read", "skipped_records")
            errors.append((ERROR, {"message": str(error)}))
    return docs


def _work(batch: list[tuple[bytes, str | None]]) -> tuple[list[bytes], dict, list]:
    transform, fmt, side = _WORKER["transform"], _WORKER["fmt"], _WORKER["side"]
    stats = Stats()
    errors: list = []
    docs = _parse(batch, stats, errors)
    side.buffer = []
    out = [encode(doc, fmt) for doc in transform(iter(docs), stats)]
    records, side.buffer = errors + side.buffer, None
    return out, stats.as_dict(), records


def _batches(docs: Iterable[Doc | RawRecord]) -> Iterator[list[tuple[bytes, str | None]]]:
    batch: list[tuple[bytes, str | None]] = []
    size = 0
    for doc in docs:
        if isinstance(doc, RawRecord):
            item, weight = (doc.line, doc.where), len(doc.line)
        elif isinstance(doc, Doc):
            line = doc.to_json_bytes()
            item, weight = (line, None), len(line)
        else:  # another picklable item with a size (extract's pages): sent as it is
            item, weight = doc, doc.size
        batch.append(item)
        size += weight
        if len(batch) >= BATCH_DOCS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _map_work(batch: list[tuple[bytes, str | None]]):
    return _WORKER["function"]([doc_from_json(line, where or "batch") for line, where in batch])


def _start_worker(parent: int, state: dict) -> None:
    """A worker's start: it dies with the main process and holds its pool's state (given
    to each pool's own workers, so that two pools, one feeding the other, never share it)."""
    _die_with_parent(parent)
    _WORKER.clear()
    _WORKER.update(state)


def _ordered_results(work: Callable, docs: Iterable[Doc | RawRecord], jobs: int, **state) -> Iterator:
    """`work(batch)` on forked workers, one result per batch, in input order; at most
    2 × jobs batches in flight. `state` is what the workers read from _WORKER."""
    context = multiprocessing.get_context("fork")
    window: deque[Future] = deque()
    processes: list = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=(os.getpid(), dict(state))) as pool:
        try:
            for batch in _batches(docs):
                window.append(pool.submit(work, batch))
                if not processes:
                    processes = list(getattr(pool, "_processes", {}).values())
                if len(window) >= 2 * jobs:
                    yield _result(window.popleft(), pool, processes)
            while window:
                yield _result(window.popleft(), pool, processes)
        except BrokenProcessPool:
            raise _worker_death(processes) from None
        finally:
            for future in window:
                future.cancel()


def _result(future: Future, pool: ProcessPoolExecutor, processes: list):
    """The future's result, watching the workers while it is awaited.

    The pool's own thread finds a dead worker, except when the worker died in the middle
    of sending a result (SIGKILL at that moment; found by killing workers at random): the
    thread then waits for the rest of that message, which never comes, and the run hangs.
    So a worker found dead here ends the others and closes this process's end of the
    result pipe: the pool's thread reads the pipe's end and breaks the pool as it should.
    """
    while True:
        try:
            return future.result(timeout=0.5)
        except ResultTimeout:
            if any(process.exitcode not in (None, 0) for process in processes):
                for process in processes:
                    if process.exitcode is None:
                        process.terminate()
                writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
                if writer is not None:
                    writer.close()
                raise BrokenProcessPool("a worker died") from None


def _worker_death(processes: list) -> BaseException:
    """What to say when a worker process died: killed by a signal sent to the whole
    process group (GNU timeout, a supervisor) is a stop like the main process's own;
    anything else (the out-of-memory killer's SIGKILL) is one line and exit 1."""
    import signal
    import time

    from corpuskit.outputs import Interrupted

    codes = []
    for process in processes:
        for _ in range(50):  # the pool notices a death before the process is reaped
            code = process.exitcode
            if code is not None:
                break
            time.sleep(0.01)
        if code:
            codes.append(code)
    stops = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)  # the pool also ends the survivors with SIGTERM
    other = [code for code in codes if -code not in stops]
    if codes and not other:
        return Interrupted(-codes[0])
    if other and other[0] < 0:
        name = signal.Signals(-other[0]).name
        hint = " (the out-of-memory killer?)" if name == "SIGKILL" else ""
        return WorkerDied(f"a worker process was killed by {name}{hint}; nothing was written")
    return WorkerDied(f"a worker process ended unexpectedly{f' with exit code {other[0]}' if other else ''}; nothing was written")


def map_ordered(function: Callable[[list[Doc]], object], docs: Iterable[Doc], jobs: int) -> Iterator[object]:
    """`function(batch of documents)` in worker processes; results in input order.

    For steps whose per-document part is costly and whose reduction must stay in one
    process in order (detect's counting)."""
    return _ordered_results(_map_work, docs, jobs, function=function)


def run_parallel(
    transform: Transform,
    docs: Iterable[Doc],
    stats: Stats,
    fmt: str,
    jobs: int,
    side: Side | None = None,
    on_error: Callable[[DataError], None] | None = None,
) -> Iterator[bytes]:
    """Encoded output documents, in input order, transformed by `jobs` worker processes.

    `docs` may hold RawRecord lines (Reader(raw_records=True)): the workers parse them, and
    a malformed one comes back to `on_error` as a DataError naming its file and line."""
    side = side if side is not None else Side()
    side.sinks.setdefault(ERROR, lambda record: _raise_or_report(record, on_error))
    for out, counts, records in _ordered_results(_work, docs, jobs, transform=transform, fmt=fmt, side=side):
        stats.merge(counts)
        side.deliver(records)
        yield from out
