"""Every path a command writes: checked against what it reads, and written atomically.

corpuskit runs from `make` rules and cron jobs over data that cannot be scraped again, so
two promises hold for every output, the main one (`-o`, export's folder) and the side
files (`--removed`, `--report`, `--stats`, `--duplicates`, a draft rule file) alike:

- **Inputs are never written.** Before anything is read, each output is refused (exit 2)
  when it is an input file (the same file under another name or a hard link included),
  when it already exists inside an input folder (it would be read as an input), when two
  outputs are the same file, and, for a folder that is replaced as a whole, when it is an
  input, holds one, is the working folder or one of its parents, or is not a dataset that
  corpuskit wrote (so `--overwrite` can never empty a folder of other things).
- **Nothing half-written.** Each output is written to a hidden temporary beside its
  target (`.NAME.XXXX.tmp`, skipped by the input walk) and renamed only when the whole
  command has succeeded. A failure, ^C, SIGTERM or SIGHUP removes the temporaries and
  leaves the final paths as they were. Only SIGKILL or a power cut can leave a temporary.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import IO, Iterable

import orjson

from corpuskit.errors import UsageError

STDOUT = "-"


class Interrupted(BaseException):
    """SIGTERM or SIGHUP, raised like KeyboardInterrupt so that every `finally` and
    `except BaseException` on the way out removes its temporaries."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end the command through Python's exception path (cleanup runs)."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            try:
                signal.signal(number, _raise_interrupted)
            except ValueError:  # not the main thread (a library caller): leave theirs alone
                pass


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _is_within(path: str, folder: str) -> bool:
    """`path` is `folder` or below it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def looks_like_dataset(folder: Path) -> bool:
    """A folder that corpuskit export wrote: its card is tagged corpuskit and it holds
    nothing but the dataset layout. Only such a folder is replaced by --overwrite."""
    card = folder / "README.md"
    try:
        head = card.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    if not head.startswith("---\n") or "- corpuskit\n" not in head:
        return False
    allowed = {"README.md", "data", "dataset_dict.json"}
    for item in folder.iterdir():
        if item.name in allowed or item.name.startswith("."):
            continue
        if item.is_dir() and (item / "dataset_info.json").exists():  # save_to_disk's split folders
            continue
        return False
    return True


class AtomicFile:
    """A file written under a hidden temporary name beside its target, renamed on commit."""

    def __init__(self, path: str) -> None:
        self.path = path
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise UsageError(f"{path}: the folder {directory} does not exist")
        fd, self.tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
        os.fchmod(fd, 0o666 & ~umask())  # mkstemp's 0600 is for secrets; outputs are not
        self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 16)
        self.done = False

    def commit(self) -> None:
        if self.done:
            return
        self.handle.close()
        os.replace(self.tmp_path, self.path)
        self.done = True

    def abort(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            self.handle.close()
        except (OSError, ValueError):
            pass
        try:
            os.unlink(self.tmp_path)
        except OSError:
            pass


class JsonLinesFile:
    """A side file of JSON lines (audit, report, duplicates); a no-op without a path."""

    def __init__(self, target: AtomicFile | None) -> None:
        self.target = target

    def write(self, record: dict) -> None:
        if self.target is not None:
            try:
                data = orjson.dumps(record)
            except (orjson.JSONEncodeError, TypeError):  # lone surrogates: escaped, still JSON
                data = json.dumps(record, ensure_ascii=True).encode("ascii")
            self.target.handle.write(data + b"\n")


class Outputs:
    """The outputs of one command: guarded against its inputs, committed together.

    `inputs` are the checked input arguments (files and folders, `-` for stdin);
    `also_read` are other files the command reads (rule files, stats files, a pipeline).
    """

    def __init__(self, inputs: Iterable[str] = (), also_read: Iterable[str] = ()) -> None:
        self.input_files: list[tuple[str, str, tuple[int, int] | None]] = []  # (as given, real, identity)
        self.input_folders: list[tuple[str, str]] = []
        for item in [*inputs, *also_read]:
            if item == STDOUT or not os.path.exists(item):
                continue
            real = os.path.realpath(item)
            if os.path.isdir(item):
                self.input_folders.append((item, real))
            else:
                self.input_files.append((item, real, _identity(item)))
        self.claimed: dict[str, str] = {}  # real path -> option that writes it
        self.folders: dict[str, str] = {}  # real path of a replaced folder -> option
        self.pending: list = []  # AtomicFile or anything with commit()/abort()

    # --- the guard ---------------------------------------------------------------------

    def check_file(self, path: str | None, option: str) -> None:
        """Refuse (exit 2) to write `path` when it is an input or another output."""
        if path in (None, STDOUT):
            return
        real = os.path.realpath(path)
        identity = _identity(path)
        if os.path.isdir(path):
            raise UsageError(f"{path} ({option}): is a folder; name a file")
        if self.claimed.get(real) == option:
            return  # checked already
        if real in self.claimed:
            raise UsageError(f"{path}: named by both {self.claimed[real]} and {option}; each output needs its own file")
        for folder_real, folder_option in self.folders.items():
            if _is_within(real, folder_real):
                raise UsageError(f"{path} ({option}): inside {folder_option}, which is replaced as a whole; write it elsewhere")
        for given, input_real, input_identity in self.input_files:
            if real == input_real or (identity is not None and identity == input_identity):
                raise UsageError(f"{path} ({option}): is also an input ({given}); refusing to overwrite an input")
        if identity is not None:
            for given, folder_real in self.input_folders:
                if _is_within(real, folder_real):
                    raise UsageError(f"{path} ({option}): is inside the input folder {given} and would be read as an input; refusing to overwrite an input")
        self.claimed[real] = option

    def check_folder(self, path: str, option: str, replace: bool) -> None:
        """Refuse (exit 2) a folder to be written as a whole (export) that would destroy
        an input, the working folder, another output, or a folder corpuskit did not write."""
        real = os.path.realpath(path)
        if os.path.exists(path) and not os.path.isdir(path):
            raise UsageError(f"{path} ({option}): exists and is not a folder")
        if _is_within(os.path.realpath(os.getcwd()), real):
            raise UsageError(f"{path} ({option}): is the working folder or one of its parents; refusing to replace it")
        for given, input_real, _ in self.input_files:
            if _is_within(input_real, real):
                raise UsageError(f"{path} ({option}): holds the input {given}; refusing to replace it")
        for given, folder_real in self.input_folders:
            if _is_within(folder_real, real):
                raise UsageError(f"{path} ({option}): is or holds the input folder {given}; refusing to replace it")
            if _is_within(real, folder_real) and os.path.isdir(path) and any(Path(path).iterdir()):
                raise UsageError(f"{path} ({option}): is inside the input folder {given} and its files would be read as inputs")
        for claimed_real, claimed_option in self.claimed.items():
            if _is_within(claimed_real, real):
                raise UsageError(f"{path} ({option}): would replace the output of {claimed_option}; write it elsewhere")
        if os.path.isdir(path) and any(Path(path).iterdir()):
            if not replace:
                raise UsageError(f"{path}: folder is not empty (use --overwrite to replace it)")
            if not looks_like_dataset(Path(path)):
                raise UsageError(f"{path}: not a dataset written by corpuskit export; --overwrite only replaces those (remove it yourself or choose another folder)")
        self.folders[real] = option

    # --- atomic writing ----------------------------------------------------------------

    def open(self, path: str | None, option: str) -> AtomicFile | None:
        """A guarded, atomic file for `path` (None: no file)."""
        if path in (None, STDOUT):
            return None
        self.check_file(path, option)
        target = AtomicFile(path)
        self.pending.append(target)
        return target

    def jsonl(self, path: str | None, option: str) -> JsonLinesFile:
        return JsonLinesFile(self.open(path, option))

    def add(self, item) -> None:
        """Something else with commit() and abort() (the main writer, an export folder)."""
        self.pending.append(item)

    def temporaries(self) -> list[str]:
        return [getattr(item, "tmp_path", "") for item in self.pending if getattr(item, "tmp_path", "")]

    def __enter__(self) -> "Outputs":
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        """Leaving the block normally commits every output; an exception (^C, a signal,
        bad data) removes them all."""
        if kind is None:
            self.commit()
        else:
            self.abort()
        return False

    def commit(self) -> None:
        """The command succeeded: every output takes its final name."""
        try:
            for item in self.pending:
                item.commit()
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        for item in self.pending:
            item.abort()


def write_stats(target: AtomicFile | None, stats) -> None:
    """A --stats file's content (committed with the command's other outputs)."""
    if target is not None:
        target.handle.write((stats.to_json() + "\n").encode("utf-8"))


def replace_folder(work: Path, out_dir: Path) -> None:
    """Move a finished folder into place; an old one is moved aside first, then removed,
    so that at every moment OUT_DIR is either the old dataset or the new one."""
    if out_dir.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
        os.replace(out_dir, aside / out_dir.name)
        os.replace(work, out_dir)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(work, out_dir)
