"""Turning a list of files into results: every core, one parse per file, and a cache.

``check_paths`` is the one place that does it; the CLI (and anything else that checks
many files) calls it. Results come back in the order the files were found, whatever order
the workers finish in, and equal what :func:`mboxlint.engine.check_file` gives file by file.

Work is spread over processes, not threads (parsing holds the GIL). A run with little to
do stays in-process: starting a pool costs more than checking a few files. Files go to the
workers biggest first, in chunks of about equal size, so that no worker is left with one
large file at the end. A file that crashes its worker (the process dies, not an exception)
costs that file an internal-error result, never the run: the files in flight are retried
until the culprit is checked on its own.

The cache lives in ``.mboxlint_cache/`` at the project root (the nearest ancestor of the
current directory with ``pyproject.toml``, ``setup.cfg`` or ``.git``; else the current
directory; ``MBOXLINT_CACHE_DIR`` overrides). It holds one index per effective
configuration, a JSON file named after a hash of the mboxlint version, the Python version,
the enabled codes, the options, the installed package's files and a random secret of the
user's kept outside every project (:func:`user_secret`), so a change to any of them is a
different index, and an index committed to the repository under review never matches. In
it, each file's absolute path maps to the hash of its content, its result, and the file's
stamp ``(mtime_ns, size, inode, ctime_ns)``:

* the warm path: when ``os.stat`` gives the same stamp, the cached result is used without
  opening the file (one ``stat`` per file and one small JSON read per run);
* when the stamp differs (a ``touch``, a checkout, an edit whose mtime was set back: the
  ctime cannot be), the file is read and hashed; the same hash is still a hit;
* the stamp is only recorded for a file last modified well before it was read, since a
  file changed again within the filesystem's timestamp resolution would keep its stamp
  (git's "racily clean" entries): such a file is hashed again next time.

The index is written only when something changed: to a temporary file in the same
directory, then ``os.replace``, so a reader sees the old index or the new one, never half
of one; the cache folder, its version folder and every file in them are opened without
following links, so a committed ``.mboxlint_cache`` link, or dangling links inside it,
make no file anywhere (there is just no cache). Overlapping runs need no lock: each merges
its entries into the index it finds just before writing, and whichever writes last may drop
the other's newest entries, which only costs a miss later. An index that cannot be read or
parsed (however deeply nested), or an entry or field of the wrong shape or type, is a miss,
never an error; a cache directory that cannot be written is no cache.

``--fix`` adds to an entry what fixing that content found when it changed nothing (a fix
declined or refused: which problems were reported), per mode (safe, or with unsafe fixes),
so that an unchanged file is not handed to libcst again only to fail the same way.
"""

import contextlib
import gc
import hashlib
import json
import os
import stat
import sys
import time
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import __version__
from .selection import Selection
from .discovery import find_project_root, iter_python_files
from .engine import FileResult, check_file, check_source
from .finding import Finding
from .safe_write import digest
from .source import SourceError, decode

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

CACHE_DIR_NAME = ".mboxlint_cache"
CACHE_DIR_ENV = "MBOXLINT_CACHE_DIR"
#: below either of these, a pool's start-up costs more than it saves
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 256 * 1024
#: chunks handed to each worker over a run: enough to even out the load at the end
CHUNKS_PER_JOB = 8
#: a file modified less than this long before it was read may change again unseen by stat
RACY_NS = 2 * 10**9

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by mboxlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

Stamp = Tuple[int, int, int, int]
#: (position in the input, path, size in bytes, hash of the cached content or None, whether
#: the content's hash is wanted: by the cache or by ``--fix``)
Task = Tuple[int, str, int, Optional[str], bool]
#: (result or None when the content hash equals the cached one, content hash, stamp)
Outcome = Tuple[Optional[FileResult], Optional[str], Optional[Stamp]]


# -- where the cache lives ------------------------------------------------------------------

def default_cache_dir(start: Optional[str] = None) -> str:
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return os.path.abspath(override)
    return os.path.join(find_project_root(start), CACHE_DIR_NAME)


def _package_fingerprint() -> List[Tuple[str, int, int]]:
    """The installed package's files, so that editing a rule invalidates what it decided."""
    base = os.path.dirname(os.path.abspath(__file__))
    found = []
    for directory, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found.append((os.path.relpath(path, base), st.st_mtime_ns, st.st_size))
    return found


_SECRET: List[str] = []
SECRET_ENV = "MBOXLINT_SECRET_DIR"


def user_secret() -> str:
    """A random value made once per user, kept outside every project (``$XDG_CACHE_HOME``, or
    ``~/.cache``, ``/mboxlint/secret``; ``MBOXLINT_SECRET_DIR`` overrides the folder).

    It is part of every cache key, so that an index written by someone else (committed to the
    repository under review, restored from a shared image) never matches: the rest of the
    key (versions, codes, the package's files) can be reproduced by anyone. When it cannot be
    kept, each run makes its own, and the cache is simply never reused."""
    if _SECRET:
        return _SECRET[0]
    folder = os.environ.get(SECRET_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mboxlint")
    path = os.path.join(folder, "secret")
    value = _read_secret(path)
    if value is None:
        value = _make_secret(folder, path)
    _SECRET.append(value)
    return value


def _read_secret(path: str) -> Optional[str]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with open(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        value = handle.read(200)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077 \
            or len(value) != 64 or not all(c in b"0123456789abcdef" for c in value):
        return None
    return value.decode("ascii")


def _make_secret(folder: str, path: str) -> str:
    import secrets

    value = secrets.token_hex(32)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        temporary = "%s.%d.%s" % (path, os.getpid(), secrets.token_hex(4))
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            with open(fd, "wb") as out:
                out.write(value.encode("ascii"))
            os.link(temporary, path)  # whole or not at all; the first of two racing runs wins
        finally:
            os.unlink(temporary)
    except OSError:
        pass
    return _read_secret(path) or value


def configuration_key(selection: Selection, options: Optional[dict]) -> str:
    """What a cached result depends on besides the file's content."""
    described = {
        "mboxlint": __version__,
        "python": [sys.implementation.name] + list(sys.version_info[:3]),
        "codes": sorted(selection.enabled),
        "options": options or {},
        "package": _package_fingerprint(),
        # what an index committed to a repository cannot know: see user_secret
        "secret": user_secret(),
    }
    text = json.dumps(described, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# -- results as JSON --------------------------------------------------------------------------

def _encode(result: FileResult) -> list:
    return [[f.to_data() for f in result.findings], result.error.to_data() if result.error is not None else None]


def _decode(path: str, payload) -> FileResult:
    """The result stored in ``payload``; raises on anything malformed."""
    findings_data, error_data = payload
    findings = [Finding.from_data(item) for item in findings_data]
    error = Finding.from_data(error_data) if error_data is not None else None
    return FileResult(path, findings, error)


class Cache:
    """One configuration's index of results; see the module docstring."""

    def __init__(self, directory: str, key: str):
        self.directory = directory
        self.key = key
        self.index_path = os.path.join(directory, __version__, key + ".json")
        self.entries = self._load()
        self.updates: Dict[str, list] = {}

    def _load(self) -> dict:
        try:
            version_fd = _open_dir_nofollow(self.directory, (__version__,), create=False)
            try:
                fd = os.open(self.key + ".json", os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_NONBLOCK", 0),
                             dir_fd=version_fd)
            finally:
                os.close(version_fd)
            with open(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return {}
                data = json.loads(handle.read())
        except Exception:  # noqa: BLE001 - unreadable, not JSON, nested too deep: a miss
            return {}
        if not isinstance(data, dict) or data.get("key") != self.key or not isinstance(data.get("files"), dict):
            return {}
        return data["files"]

    def lookup(self, path: str) -> Optional[Tuple[Optional[Stamp], str, FileResult]]:
        """``(stamp, content hash, result)`` cached for ``path``, or None (also when malformed)."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        try:
            if len(entry) not in (3, 4):
                return None
            stamp, digest, payload = entry[:3]
            if stamp is not None:
                stamp = tuple(stamp)
                if len(stamp) != 4 or not all(type(v) is int for v in stamp):
                    return None
            if not isinstance(digest, str):
                return None
            return stamp, digest, _decode(path, payload)
        except Exception:  # noqa: BLE001 - whatever the index holds, it is only a miss
            return None

    def _current(self, path: str):
        return self.updates.get(path) or self.entries.get(path)

    def put(self, path: str, stamp: Optional[Stamp], digest: str, result: FileResult) -> None:
        entry = [list(stamp) if stamp is not None else None, digest, _encode(result)]
        old = self._current(path)
        if isinstance(old, list) and len(old) == 4 and old[1] == digest:
            entry.append(old[3])  # what fixing found still holds for the same content
        if self.entries.get(path) != entry:
            self.updates[path] = entry

    def fix_outcome(self, path: str, mode: str) -> Optional[Tuple[List[str], int]]:
        """``(problems, unsafe fixes left)`` recorded by :meth:`put_fix_outcome` for the
        content cached for ``path``, or None."""
        entry = self._current(path)
        if not isinstance(entry, list) or len(entry) != 4 or not isinstance(entry[3], dict):
            return None
        found = entry[3].get(mode)
        if not (isinstance(found, list) and len(found) == 2 and isinstance(found[0], list)
                and all(isinstance(p, str) for p in found[0]) and isinstance(found[1], int)):
            return None
        return list(found[0]), found[1]

    def put_fix_outcome(self, path: str, digest: str, mode: str, problems: List[str], unsafe_left: int) -> None:
        """Record that fixing the content hashed ``digest`` in ``mode`` changed nothing and
        reported ``problems``; ignored unless that content is the one cached for ``path``."""
        entry = self._current(path)
        if not isinstance(entry, list) or len(entry) not in (3, 4) or entry[1] != digest:
            return
        outcomes = dict(entry[3]) if len(entry) == 4 and isinstance(entry[3], dict) else {}
        outcomes[mode] = [list(problems), unsafe_left]
        self.updates[path] = entry[:3] + [outcomes]

    def save(self) -> None:
        """Write the index if anything changed; a failure to write is silently no cache."""
        if not self.updates:
            return
        import secrets  # only runs that write pay for the import

        try:
            os.makedirs(os.path.dirname(self.directory), exist_ok=True)
            prepare_cache_dir(self.directory)
            folder = _open_dir_nofollow(self.directory, (__version__,), create=True)
        except OSError:
            return
        try:
            files = self._load()  # what overlapping runs wrote meanwhile is kept
            files.update(self.updates)
            data = json.dumps({"key": self.key, "files": files}, separators=(",", ":")).encode("utf-8")
            temporary = ".index-%s.tmp" % secrets.token_hex(8)
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o644,
                             dir_fd=folder)
            try:
                with open(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, self.key + ".json", src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(temporary, dir_fd=folder)
                except OSError:
                    pass
                raise
        except OSError:
            return
        finally:
            os.close(folder)
        self.entries = files
        self.updates = {}


_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_NOFOLLOW = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _O_NOFOLLOW | _O_CLOEXEC


def _open_dir_nofollow(directory: str, below: Sequence[str] = (), create: bool = False) -> int:
    """A descriptor of ``directory/below...``, none of them a symbolic link (a committed
    ``.mboxlint_cache -> /etc`` or a dangling link inside it): OSError otherwise."""
    if create:
        try:
            os.mkdir(directory)
        except FileExistsError:
            pass
    fd = os.open(directory, _DIR_NOFOLLOW)
    try:
        for name in below:
            if create:
                try:
                    os.mkdir(name, dir_fd=fd)
                except FileExistsError:
                    pass
            next_fd = os.open(name, _DIR_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def prepare_cache_dir(directory: str) -> None:
    """Mark the directory as a cache (backup tools skip it) that git ignores whole; nothing
    is written through a link."""
    fd = _open_dir_nofollow(directory, create=True)
    try:
        for name, content in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by mboxlint.\n*\n")):
            try:
                out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o644, dir_fd=fd)
            except FileExistsError:
                continue  # whatever it is (even a dangling link), it is left as it is
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(content)
    finally:
        os.close(fd)


def clean(directory: Optional[str] = None) -> bool:
    """Remove the cache directory; True when there was one. A link in its place is removed,
    not followed."""
    import shutil

    directory = directory or default_cache_dir()
    try:
        if stat.S_ISLNK(os.lstat(directory).st_mode):
            os.unlink(directory)
            return True
        shutil.rmtree(directory)
    except (FileNotFoundError, NotADirectoryError):  # none, or removed by someone else meanwhile
        return False
    return True


def _stamp(st: os.stat_result) -> Stamp:
    # ctime cannot be set back (touch -d, cp -p and SOURCE_DATE_EPOCH restore mtime only)
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


# -- checking one file --------------------------------------------------------------------------

def internal_error(path: str, error: BaseException) -> FileResult:
    message = "internal error: %s" % (error,)
    if os.environ.get("MBOXLINT_DEBUG"):  # where it happened, for a bug report
        import traceback

        message += "\n" + "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()
    return FileResult(path, [], Finding(1, 0, "E902", message), internal=True)


def content_digest(raw: bytes) -> str:
    """The hash a cache entry keeps of a file's bytes (the one ``--fix`` compares before
    writing: :func:`mboxlint.safe_write.digest`)."""
    return digest(raw)


def check_one(path: str, known: Optional[str], selection: Selection, options: Optional[dict],
              hashed: bool = True) -> Outcome:
    """Check one file as :func:`check_file` does, and say what the cache needs to know
    (with ``hashed`` false, no hash: nothing keeps it)."""
    try:
        # Non-blocking, so that a FIFO cannot hang the run; only regular files are read here.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            # stat before reading: a change during the read then shows as a new stamp
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise OSError("not a regular file")
            raw = handle.read()
        read_at = time.time_ns()
    except OSError:
        return check_file(path, selection, options), None, None  # says why it cannot be read
    digest = content_digest(raw) if hashed or known is not None else None
    stamp = _stamp(st) if read_at - st.st_mtime_ns > RACY_NS else None
    if known is not None and digest == known:
        return None, digest, stamp
    try:
        source = decode(raw)
    except SourceError as error:
        result = FileResult(path, [], Finding(error.line, error.col, error.code, error.message))
    else:
        result = check_source(source.text, path, selection, options)
    return result, digest, stamp


def _check_guarded(task: Task, selection, options: Optional[dict]) -> Outcome:
    _index, path, _size, known, hashed = task
    if hasattr(selection, "selection_for"):  # a configuration with per-file ignores
        selection = selection.selection_for(path)
    # ASTs hold no cycles: the cyclic collector only slows the parse down by walking the tree
    # being built, so it is paused for the length of one file (cycles the analysis makes are
    # collected between files).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return check_one(path, known, selection, options, hashed)
    except Exception as error:  # a bug in a rule must not hide the other files
        return internal_error(path, error), None, None
    finally:
        if enabled:
            gc.enable()


# -- in workers --------------------------------------------------------------------------------

_WORKER: dict = {}


def _worker_init(selection: Selection, options: Optional[dict], parent: Optional[int] = None) -> None:
    _die_with_parent(parent)
    _WORKER["selection"] = selection
    _WORKER["options"] = options
    gc.freeze()  # the modules already loaded need never be traversed again


def _die_with_parent(parent: Optional[int]) -> None:
    """A worker must not outlive the run: Ctrl-C is the parent's to handle (it stops the
    workers), and on Linux the kernel kills a worker whose parent died, even by SIGKILL."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _worker_chunk(tasks: List[Task]) -> List[Tuple[int, Outcome]]:
    selection, options = _WORKER["selection"], _WORKER["options"]
    return [(task[0], _check_guarded(task, selection, options)) for task in tasks]


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _chunks(tasks: Sequence[Task], jobs: int) -> List[List[Task]]:
    """Biggest files first, grouped into chunks of about equal bytes."""
    ordered = sorted(tasks, key=lambda task: -task[2])
    budget = max(1, sum(task[2] for task in ordered) // (jobs * CHUNKS_PER_JOB))
    chunks: List[List[Task]] = []
    current: List[Task] = []
    size = 0
    for task in ordered:
        current.append(task)
        size += task[2]
        if size >= budget:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


@contextlib.contextmanager
def _pool(jobs: int, selection: Selection, options: Optional[dict]) -> Iterator["ProcessPoolExecutor"]:
    """A process pool that is stopped, not waited for, when the run is (an exception,
    SIGINT, or SIGTERM turned into one by :func:`mboxlint.cli.main`): its workers would
    otherwise finish every queued file, or keep running after the parent is gone."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork starts a worker in milliseconds with everything already imported; elsewhere (or
    # where fork is unsafe) the platform's default
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init,
                               initargs=(selection, options, os.getpid()))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def stop_pool(pool) -> None:
    """Kill a pool's workers and drop its queued work, without waiting for either."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for worker in workers:
        try:
            worker.kill()
        except (OSError, ValueError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        try:
            worker.join(timeout=5)
        except (OSError, ValueError, AssertionError):
            pass


def _run_parallel(tasks: List[Task], jobs: int, selection: Selection, options: Optional[dict]) -> Iterable[Tuple[int, Outcome]]:
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    left = _chunks(tasks, jobs)
    while left:
        failed: List[Task] = []
        progress = False
        with _pool(min(jobs, len(left)), selection, options) as pool:
            futures = {}
            for position, chunk in enumerate(left):
                try:
                    futures[pool.submit(_worker_chunk, chunk)] = chunk
                except BrokenProcessPool:  # a worker died while the rest were being handed out
                    failed.extend(task for unsent in left[position:] for task in unsent)
                    break
            for future in as_completed(futures):
                try:
                    done = future.result()
                except BrokenProcessPool:
                    failed.extend(futures[future])
                    continue
                progress = True
                yield from done
        if not failed:
            return
        if progress:  # retry what was in flight, one file per task to narrow it down
            left = [[task] for task in failed]
            continue
        # Nothing got through: check the first file alone; if its worker dies, it is the culprit.
        culprit, rest = failed[0], failed[1:]
        with _pool(1, selection, options) as pool:
            try:
                yield from pool.submit(_worker_chunk, [culprit]).result()
            except BrokenProcessPool:
                yield culprit[0], (internal_error(culprit[1], RuntimeError("the worker process died")), None, None)
        left = [[task] for task in rest]


def _run(tasks: List[Task], jobs: int, selection: Selection, options: Optional[dict]) -> Iterable[Tuple[int, Outcome]]:
    if jobs <= 1 or len(tasks) < PARALLEL_MIN_FILES or sum(task[2] for task in tasks) < PARALLEL_MIN_BYTES:
        for task in tasks:
            yield task[0], _check_guarded(task, selection, options)
        return
    yield from _run_parallel(tasks, jobs, selection, options)


# -- the entry point ----------------------------------------------------------------------------

def check_paths(
    paths: Sequence[str],
    selection=None,
    options: Optional[dict] = None,
    jobs: Optional[int] = None,
    cache: bool = True,
    cache_dir: Optional[str] = None,
) -> List[FileResult]:
    """Check every Python file under ``paths`` (files or directories), one result per file
    in the order :func:`mboxlint.discovery.iter_python_files` finds them.

    ``selection``: a :class:`Selection`, or a configuration whose ``selection_for(path)``
    gives each file's selection (per-file ignores) and whose ``selection`` is the run's.
    ``jobs``: worker processes (default: every core available); 1 checks in-process.
    ``cache``: use and update the cache in ``cache_dir`` (default: see the module docstring).
    A path that does not exist (a file deleted since it was found) is an E902 result.
    """
    results, store = check_paths_cached(paths, selection, options, jobs, cache, cache_dir)
    if store is not None:
        store.save()
    return results


def check_paths_cached(paths: Sequence[str], selection=None, options: Optional[dict] = None,
                       jobs: Optional[int] = None, cache: bool = True,
                       cache_dir: Optional[str] = None, digests: Optional[Dict[int, str]] = None,
                       ) -> Tuple[List[FileResult], Optional[Cache]]:
    """:func:`check_paths`, also returning the cache (None without one), not yet saved:
    ``--fix`` adds what fixing found before saving it. ``digests``, when given, is filled
    with the :func:`content_digest` of the bytes each result is for, by position."""
    selection = selection or Selection()
    jobs = jobs if jobs and jobs > 0 else _cpu_count()
    # a file deleted since it was found is reported for itself, not as a usage error
    files = list(iter_python_files(paths, must_exist=False))
    store = None
    if cache:
        if hasattr(selection, "selection_for"):
            # A configuration: per-file ignores are part of what the cached results depend on.
            keyed = dict(options or {}, per_file_ignores=getattr(selection, "per_file_ignores", {}))
            key = configuration_key(selection.selection, keyed)
        else:
            key = configuration_key(selection, options)
        store = Cache(cache_dir or default_cache_dir(), key)
    results: List[Optional[FileResult]] = [None] * len(files)
    cached: Dict[int, FileResult] = {}
    tasks: List[Task] = []
    hashed = store is not None or digests is not None
    for index, path in enumerate(files):
        key = os.path.abspath(path)
        try:
            st = os.stat(key)
        except OSError:
            st = None
        entry = store.lookup(key) if store is not None else None
        if entry is not None:
            stamp, digest, result = entry
            result = result._replace(path=path)
            if st is not None and stamp is not None and stamp == _stamp(st):
                results[index] = result
                if digests is not None:
                    digests[index] = digest
                continue
            cached[index] = result
        tasks.append((index, path, st.st_size if st is not None else 0, entry[1] if entry is not None else None, hashed))
    for index, (result, digest, stamp) in _run(tasks, jobs, selection, options):
        if result is None:  # same content as cached
            result = cached[index]
        results[index] = result
        if digests is not None and digest is not None and not result.internal:
            digests[index] = digest
        if store is not None and digest is not None and not result.internal:
            store.put(os.path.abspath(files[index]), stamp, digest, result)
    return results, store  # type: ignore[return-value]
