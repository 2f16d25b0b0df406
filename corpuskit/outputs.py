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

import errno
import json
import os
import re
import shutil
import signal
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterable

import orjson

from corpuskit.errors import DataError, UsageError

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


def _stdin_identity() -> tuple[int, int] | None:
    """The regular file behind standard input (`< a.jsonl`), if it is one."""
    try:
        info = os.fstat(0)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


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


def shown(path: str) -> str:
    """A path as it goes into a one-line message: control characters (a newline in a
    file name) escaped, so that one problem is always one line."""
    text = str(path)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


_FD_PATH = re.compile(r"/dev/(stdout|stderr)|/dev/fd/(\d+)|/proc/(?:self|thread-self|\d+)/fd/(\d+)")


def _descriptor_of(path: str) -> int | None:
    """The open descriptor a path like /dev/stdout or /proc/self/fd/1 names (the
    process's own: another process's /proc/PID/fd is opened by name)."""
    match = _FD_PATH.fullmatch(os.path.abspath(path))
    if not match:
        return None
    if match.group(1):
        return 1 if match.group(1) == "stdout" else 2
    number = match.group(2) or match.group(3)
    if match.group(3) and not re.match(r"/proc/(self|thread-self)/", os.path.abspath(path)) and \
            not os.path.abspath(path).startswith(f"/proc/{os.getpid()}/"):
        return None
    return int(number)


def is_special(path: str) -> bool:
    """An output that is not a regular file: a device (/dev/null), a FIFO, a socket, or a
    descriptor such as /dev/stdout (also through a symbolic link). Such an output is
    written to directly: replacing it by renaming a temporary over it would turn
    /dev/null into a file, or cut a FIFO off from its reader."""
    if _descriptor_of(path) is not None:
        return True
    real = os.path.realpath(path)
    if real.startswith(("/proc/", "/dev/")) and _descriptor_of(real) is not None:
        return True
    try:
        info = os.stat(path)
    except OSError:
        return False
    return not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode)


class AtomicFile:
    """A file written under a hidden temporary name beside its target, renamed on commit.

    Committing is two steps so that several outputs are all-or-nothing: `prepare()`
    closes and syncs the temporary (a full disk shows here), `commit()` renames it. A
    symbolic link is written through (the file it points to is replaced, the link stays).
    A special output (device, FIFO, socket, /dev/stdout) is opened and written directly:
    it cannot be replaced, and nothing of it can be taken back."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.done = False
        self.prepared = False
        if is_special(path):
            self.direct = True
            self.tmp_path = ""
            descriptor = _descriptor_of(path)
            try:
                fd = os.dup(descriptor) if descriptor is not None else os.open(path, os.O_WRONLY | os.O_APPEND)
            except OSError as exc:
                raise UsageError(f"{shown(path)}: cannot write ({exc.strerror or exc})") from None
            self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 16)
            return
        self.direct = False
        target = os.path.realpath(path) if os.path.islink(path) else path
        self.target = target
        directory = os.path.dirname(os.path.abspath(target))
        if not os.path.isdir(directory):
            raise UsageError(f"{shown(path)}: the folder {shown(directory)} does not exist")
        try:
            fd, self.tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise UsageError(f"{shown(path)}: cannot write in {shown(directory)} ({exc.strerror or exc})") from None
        os.fchmod(fd, 0o666 & ~umask())  # mkstemp's 0600 is for secrets; outputs are not
        self.handle = os.fdopen(fd, "wb", buffering=1 << 16)

    def prepare(self) -> None:
        """Close and sync: after this, only the rename is left (or, for a special file, nothing)."""
        if self.prepared or self.done:
            return
        if self.direct:
            self.handle.close()
        else:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
        self.prepared = True

    def commit(self) -> None:
        if self.done:
            return
        self.prepare()
        if not self.direct:
            os.replace(self.tmp_path, self.target)
        self.done = True

    def abort(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            self.handle.close()
        except (OSError, ValueError):
            pass
        if not self.direct:
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
        inputs = list(inputs)
        if STDOUT in inputs or not inputs:
            stdin = _stdin_identity()
            if stdin is not None:  # `< a.jsonl`: that file is an input like any named one
                self.input_files.append(("standard input", "", stdin))
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
        """Refuse (exit 2) to write `path` when it is an input or another output. A special
        output (/dev/null, a FIFO, /dev/stdout) is written directly and replaces nothing:
        it is checked only against the other outputs."""
        if path in (None, STDOUT):
            return
        if os.path.isdir(path):
            raise UsageError(f"{shown(path)} ({option}): is a folder; name a file")
        special = is_special(path)
        real = os.path.abspath(path) if special else os.path.realpath(path)
        identity = None if special else _identity(path)
        if self.claimed.get(real) == option:
            return  # checked already
        if real in self.claimed and not (special and real in ("/dev/null",)):
            raise UsageError(f"{shown(path)}: named by both {self.claimed[real]} and {option}; each output needs its own file")
        if special:
            self.claimed[real] = option
            return
        for folder_real, folder_option in self.folders.items():
            if _is_within(real, folder_real):
                raise UsageError(f"{shown(path)} ({option}): inside {folder_option}, which is replaced as a whole; write it elsewhere")
        for given, input_real, input_identity in self.input_files:
            if real == input_real or (identity is not None and identity == input_identity):
                raise UsageError(f"{shown(path)} ({option}): is also an input ({shown(given)}); refusing to overwrite an input")
        if identity is not None:
            for given, folder_real in self.input_folders:
                if _is_within(real, folder_real):
                    raise UsageError(f"{shown(path)} ({option}): is inside the input folder {shown(given)} and would be read as an input; refusing to overwrite an input")
        self.claimed[real] = option

    def check_folder(self, path: str, option: str, replace: bool) -> None:
        """Refuse (exit 2) a folder to be written as a whole (export) that would destroy
        an input, the working folder, another output, or a folder corpuskit did not write."""
        real = os.path.realpath(path)
        if os.path.exists(path) and not os.path.isdir(path):
            raise UsageError(f"{shown(path)} ({option}): exists and is not a folder")
        if _is_within(os.path.realpath(os.getcwd()), real):
            raise UsageError(f"{shown(path)} ({option}): is the working folder or one of its parents; refusing to replace it")
        for given, input_real, _ in self.input_files:
            if _is_within(input_real, real):
                raise UsageError(f"{shown(path)} ({option}): holds the input {shown(given)}; refusing to replace it")
        for given, folder_real in self.input_folders:
            if _is_within(folder_real, real):
                raise UsageError(f"{shown(path)} ({option}): is or holds the input folder {shown(given)}; refusing to replace it")
            if _is_within(real, folder_real) and os.path.isdir(path) and any(Path(path).iterdir()):
                raise UsageError(f"{shown(path)} ({option}): is inside the input folder {shown(given)} and its files would be read as inputs")
        for claimed_real, claimed_option in self.claimed.items():
            if _is_within(claimed_real, real):
                raise UsageError(f"{shown(path)} ({option}): would replace the output of {claimed_option}; write it elsewhere")
        if os.path.isdir(path) and any(Path(path).iterdir()):
            if not replace:
                raise UsageError(f"{shown(path)}: folder is not empty (use --overwrite to replace a dataset corpuskit wrote)")
            problem = dataset_problem(Path(path))
            if problem is not None:
                raise UsageError(f"{shown(path)}: {problem}; --overwrite only replaces the files of a corpuskit dataset "
                                 "(remove it yourself or choose another folder)")
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
        """The command succeeded: every output is closed and checked first (a full disk, a
        folder that changed under the run), and only when all are complete does each take
        its final name; a replaced dataset folder goes first, as the step that can still
        be refused."""
        try:
            for item in self.pending:
                prepare = getattr(item, "prepare", None)
                if prepare is not None:
                    prepare()
            for item in sorted(self.pending, key=lambda item: not isinstance(item, DatasetFolder)):
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


MANIFEST = ".corpuskit-manifest.json"


def rename_noreplace(source: str | Path, target: str | Path) -> None:
    """Rename, failing with FileExistsError when `target` exists (renameat2's
    RENAME_NOREPLACE on Linux, so two runs cannot both take the same name; elsewhere a
    check just before the rename)."""
    global _renameat2
    if _renameat2 is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            function = libc.renameat2
            function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            _renameat2 = (function, ctypes)
        except (OSError, AttributeError):
            _renameat2 = False
    if _renameat2:
        function, ctypes = _renameat2
        if function(-100, os.fsencode(source), -100, os.fsencode(target), 1) == 0:  # AT_FDCWD, RENAME_NOREPLACE
            return
        error = ctypes.get_errno()
        if error == errno.EEXIST or error == errno.ENOTEMPTY:
            raise FileExistsError(error, os.strerror(error), str(target))
        if error not in (errno.EINVAL, errno.ENOSYS):  # a file system without the flag: fall back
            raise OSError(error, os.strerror(error), str(target))
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    os.rename(source, target)


_renameat2 = None


def read_manifest(folder: Path) -> dict[str, int] | None:
    """The files a corpuskit export wrote in `folder` (relative path -> size), or None
    when it holds no readable manifest."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    files = data.get("files") if isinstance(data, dict) and data.get("writer") == "corpuskit export" else None
    if not isinstance(files, dict):
        return None
    for name, size in files.items():
        parts = Path(name).parts
        if not isinstance(size, int) or not parts or Path(name).is_absolute() or ".." in parts or name == MANIFEST:
            return None
    return files


def _files_below(folder: Path) -> list[str]:
    """Every entry below `folder` that is not a folder, as relative paths (hidden ones too)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            found.append(os.path.relpath(os.path.join(root, name), folder))
        for name in dirs:
            if os.path.islink(os.path.join(root, name)):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return found


def dataset_problem(folder: Path) -> str | None:
    """Why `--overwrite` may not replace `folder`, or None when it may.

    Only the files of a dataset corpuskit wrote are replaced, as its manifest lists them:
    anything else beside them (a Hub clone's `.git/`, `.gitattributes`, notes) is left
    where it is. Refused: a folder with no manifest, a listed file changed since (its
    size differs), and a foreign file where the dataset's files go (under `data/`, or a
    split folder of the Arrow layout), which `load_dataset` would read as part of it."""
    listed = read_manifest(folder)
    if listed is None:
        return "not a dataset written by corpuskit export (it has no corpuskit manifest)"
    data_dirs = {Path(name).parts[0] for name in listed if len(Path(name).parts) > 1}
    for name in _files_below(folder):
        if name == MANIFEST:
            continue
        if name in listed:
            try:
                size = (folder / name).lstat().st_size
            except OSError:
                continue
            if size != listed[name] or (folder / name).is_symlink():
                return f"{name} changed since corpuskit wrote it"
        elif Path(name).parts[0] in data_dirs:
            return f"{name} is not a file corpuskit wrote, and it lies among the dataset's files"
    return None


class DatasetFolder:
    """A folder written as a whole (export's OUT_DIR): built in a hidden folder beside it
    and moved in when the command succeeds.

    What OUT_DIR was at the start decides how: absent, or an empty folder, it takes the
    new folder's name in one rename that fails if anything appeared there meanwhile
    (another export, a file a user created): nothing is ever moved over it. A dataset
    corpuskit wrote (`--overwrite`) is checked again at the end and replaced file by file,
    as its manifest lists them; the old files are moved aside first and put back if a
    step fails, and files that are not the dataset's stay."""

    def __init__(self, out_dir: str | Path, overwrite: bool) -> None:
        self.out_dir = Path(out_dir)
        self.overwrite = overwrite
        out_dir = self.out_dir
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"{shown(out_dir)}: exists and is not a folder")
        self.state = "absent"
        if out_dir.is_dir():
            if not any(out_dir.iterdir()):
                self.state = "empty"
            else:
                if not overwrite:
                    raise UsageError(f"{shown(out_dir)}: folder is not empty (use --overwrite to replace a dataset corpuskit wrote)")
                problem = dataset_problem(out_dir)
                if problem is not None:
                    raise UsageError(f"{shown(out_dir)}: {problem}; --overwrite only replaces the files of a corpuskit "
                                     "dataset (remove it yourself or choose another folder)")
                self.state = "dataset"
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        except OSError as exc:
            raise UsageError(f"{shown(out_dir)}: cannot write in {shown(out_dir.parent)} ({exc.strerror or exc})") from None
        self.work.chmod(0o777 & ~umask())  # mkdtemp makes it private; the dataset is not
        self.done = False
        self.prepared = False
        self.tmp_path = str(self.work)

    def prepare(self) -> None:
        """The manifest of what was written, and every file synced."""
        if self.prepared or self.done:
            return
        files = {}
        for name in _files_below(self.work):
            path = self.work / name
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
            files[name] = path.stat().st_size
        manifest = {"writer": "corpuskit export", "files": files}
        with open(self.work / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.prepared = True

    def commit(self) -> None:
        if self.done:
            return
        self.prepare()
        out_dir = self.out_dir
        try:
            if self.state == "dataset":
                self._replace_files()
            else:
                if self.state == "empty" and out_dir.is_dir():
                    try:
                        out_dir.rmdir()
                    except OSError:
                        raise DataError(f"{shown(out_dir)}: files appeared in it during the run; the new dataset was not "
                                        "moved in (nothing there was touched)") from None
                try:
                    rename_noreplace(self.work, out_dir)
                except FileExistsError:
                    raise DataError(f"{shown(out_dir)}: was created by someone else during the run (another export?); "
                                    "the new dataset was not moved in (nothing there was touched)") from None
        except BaseException:
            self.abort()
            raise
        self.done = True

    def _replace_files(self) -> None:
        out_dir = self.out_dir
        problem = dataset_problem(out_dir) if out_dir.is_dir() else "it is gone"
        if problem is not None:
            raise DataError(f"{shown(out_dir)}: changed during the run ({problem}); the new dataset was not moved in")
        old = read_manifest(out_dir) or {}
        new = [name for name in _files_below(self.work)]
        aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
        moved_aside: list[str] = []
        moved_in: list[str] = []
        try:
            for name in [*old, MANIFEST]:
                if os.path.lexists(out_dir / name):
                    (aside / name).parent.mkdir(parents=True, exist_ok=True)
                    os.rename(out_dir / name, aside / name)
                    moved_aside.append(name)
            for name in new:
                (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
                rename_noreplace(self.work / name, out_dir / name)
                moved_in.append(name)
        except BaseException:
            for name in reversed(moved_in):
                try:
                    os.rename(out_dir / name, self.work / name)
                except OSError:
                    pass
            for name in reversed(moved_aside):
                try:
                    os.rename(aside / name, out_dir / name)
                except OSError:
                    pass
            shutil.rmtree(aside, ignore_errors=True)
            raise
        shutil.rmtree(aside, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)
        for name in old:  # folders the old dataset had and the new one does not
            parent = (out_dir / name).parent
            while parent != out_dir:
                try:
                    parent.rmdir()
                except OSError:
                    break
                parent = parent.parent

    def abort(self) -> None:
        if self.done:
            return
        self.done = True
        shutil.rmtree(self.work, ignore_errors=True)
