"""MBX3: file replacement and check-then-use races (seeds: CPython bpo-1599254, the Sage
star-imports cache race, the offlineimap state files).

The rules filter the file events (:class:`~mboxlint.analysis.events.FileOpen`, ...) of
:mod:`mboxlint.analysis.paths`; what "the same file" means is decided there, once, for every
rule.
"""

import ast
import fnmatch
import os
from typing import Optional

from ..analysis.arms import Arms
from ..analysis.constants import ConstantTexts
from ..analysis.events import FileAct, FileMovedAway, FileOpen, FileRename
from ..analysis.imports import bound_anywhere, dotted_name, same
from ..analysis.paths import GUARD_WORDS, RENAME_WORDS, TEMP_WORDS
from ..analysis.paths.renames import derived_from
from ..analysis.summaries import CATCHES_ANY_OS_ERROR, arguments_by_parameter, bindings_of, constant_defaults, own_nodes
from ..plans import no_fix
from ..plans.eafp import open_plan
from ..plans.files import act_plan, copy_back_plan, create_plan, rename_plan, replace_plan, temp_dir_plan
from ..plans.statements import blocks_of
from .base import Invalid, Rule
from .spelling import spell_path
from .writes import writes_nothing

SEED_MAILBOX = "cpython-bpo1599254-mailbox-data-loss"
SEED_SAGE = "sage-star-imports-cache-race"
SEED_OFFLINEIMAP = "offlineimap-state-file-atomicity"

MKDIR_OPS = frozenset({"os.mkdir", "os.makedirs", "Path.mkdir"})
REMOVE_OPS = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree", "Path.unlink", "Path.rmdir"})
#: renames that overwrite an existing target where the platform allows it
RENAME_OPS = frozenset({"os.rename", "os.replace", "os.renames", "Path.rename", "Path.replace"})


def spell_check(kind: str) -> str:
    return {"access": "os.access()"}.get(kind, "%s()" % kind)


def shared_file_match(path, patterns):
    """The ``shared-files`` pattern a constant path matches, or None.

    A pattern with a ``/`` is matched against the whole path, one without against its last part
    too (``*.mbox`` matches ``/var/mail/bob.mbox``)."""
    if path is None:
        return None
    for pattern in patterns:
        if fnmatch.fnmatchcase(path, pattern):
            return pattern
        if "/" not in pattern and fnmatch.fnmatchcase(os.path.basename(path), pattern):
            return pattern
    return None


def locked_rename(rule, event):
    """``("onto"|"away", where)`` when a rename moves a lock-protected file, else None."""
    if event.dst_locked is not None:
        return "onto", "is locked at line %d" % event.dst_locked
    pattern = shared_file_match(event.dst_const, rule.options.get("shared_files", []) or [])
    if pattern is not None:
        return "onto", "matches the shared-files pattern %r" % pattern
    if event.src_locked is not None:
        return "away", "is locked at line %d" % event.src_locked
    return None


def unlinked_first(event):
    return event.op in RENAME_OPS and event.removed is not None


def lock_test(event) -> bool:
    """A rename used to take a lock: the target, as the analysis resolved it (through the
    names bound to it), ends in a constant ``.lock`` part (``path + ".lock"``,
    ``f"{path}.lock"``, ``os.path.join(d, "x.lock")``). A name that merely ends in "lock"
    (``block``, ``clock``) says nothing of the file."""
    return event.dst.last_leaf.head.rstrip(")").endswith((".lock'", '.lock"'))


class ExistsThenOpen(Rule):
    """A file is opened after a check that it exists.

    ## What it does
    Reports `open(P)` (also `io.open`, `gzip/bz2/lzma/codecs.open`, `aiofiles.open` (without a
    fix), `Path.open()`,
    `Path.read_text()`/`read_bytes()`, on a receiver of unwritten type too when the code
    treats it as a path, as in MBX302; `read_text("utf-8")` with its encoding by position on
    a path known to be a `pathlib` one) for reading when a check that `P` exists is in force on
    every path to it: `os.path.exists/isfile/isdir/lexists(P)`, `os.access(P, ...)`,
    `Path.exists()/is_file()/is_dir()`, in an `if` around the open or in the guard-clause
    form (`if not os.path.exists(P): return ...` followed by the open), in a later operand of
    the same `and` (`p.exists() and p.read_text()`; `or` after a negated check), or in an `if`
    on a name the check's result was kept in (`there = os.path.exists(P)`, then `if there:`),
    while neither that name nor `P` has been rebound. A check compared with `True` or `False`
    is the check or its negation, wherever checks are read (`os.path.isdir(P) == False` is
    `not os.path.isdir(P)`, as are `is False`, `!= True`, `is not True`, either side). Either of two checks of the same file
    saying it is there is a check too (`if p.is_file() or p.is_symlink():`, or the guard
    clause `if not p.is_file() and not p.is_symlink(): return`), with the first check's
    kind; a link check (`os.path.islink(P)`, `P.is_symlink()`) counts only beside another. A
    missing folder holds no file: `if not os.path.isdir(D) or not os.path.isfile(F):`, `F`
    being `os.path.join(D, ...)` (or a module constant bound once to one), found `F` missing
    either way, as an `isfile()` check of it. An `assert` of the
    check is not one: it states what the code expects and chooses nothing (`python -O` drops
    it), so a test's `assert os.path.exists(P)` before reading `P` is not reported. "The
    same file" means the same variable (not rebound in between), attribute chain, constant, or
    `os.path.join(...)`/`Path(...) / ...` built from equal parts, the same constant slice of
    one (`self.filename[:-1]`) or entry picked by the same name (`names[i]`, while neither
    name is bound again), the unbound form `Path.open(p)`, a name rebound as
    `path = Path(path)`, the same helper of the module (one whose every `return` builds a
    path from its arguments) called with the same arguments, the path a one-line helper
    spells with the arguments put in (`def make_path(*args): return Path(*args)`, so
    `make_path(d, "x")` is `Path(d, "x")`), the same string method with the same constants
    applied to it (`d.replace(" ", "")`, `name.strip().lower()`), a function named for converting
    the path it is given (`syspath(p)`, `bytestring_path(p)`, `encode_path(p)`) of it, or,
    in a helper of the module, a method named for the path it gives called on the same object
    with the same arguments (`scraper.get_download_dir(base)`). A check of a path built from a name no longer holds
    once the name is bound again. `Path.open()` is an open of
    anything known to be a `pathlib` path: built with `Path(...)`, annotated `Path` (a
    parameter, or a helper's `-> Path`), or asked `exists()`/`is_file()`/`is_dir()` itself. A call of a helper of the module
    that opens a file and returns it (every `return` gives the file of one `open(path, mode)`,
    `io.open`, `Path(p).open()` or `os.fdopen(os.open(...))` of its body, never closed there:
    `def safe_open(name, mode): ... f = open(name, mode) ... return f`) is that open, with the
    caller's arguments in place of the parameters in the path and the mode; it is reported
    without a fix (the helper may raise its own error, not `FileNotFoundError`), and not
    reported when any `except` around the call does not raise again, unless the helper has
    no handler of its own that catches a missing file (`FileNotFoundError`, `OSError` or
    broader): then `FileNotFoundError` reaches the caller as it is, and only a handler of it
    (or broader) survives the race. So is a call of a
    helper that opens, reads or writes the file it is given (`open(p, mode)`, `open(str(p))`, `p.open(mode)`,
    `p.read_text()`, `Path(p).write_text(...)`, `aiofiles.open(p, mode)` in an `async def`
    awaited where it is called) on every way through it, the parameter not
    rebound (a `staticmethod`, called on the instance or through its class, is given its
    arguments alone; a generator opens what it opens before its first `yield`, when the
    caller iterates it; one that reads the file and then rewrites it opens it first to read): a check
    before the call is a check before that open (no fix); so is a method
    of the class that opens an attribute of the instance it does not set
    (`if os.path.exists(self.path): return self._load()`, `_load` reading `self.path`). A
    helper whose open is under a handler, or after a check of its own that may return first
    or raises its own error when the file is missing (`if not os.path.exists(p): raise
    ConfigMissing(p)`), is not counted on (for MBX302, a handler around a `"w"` or `"a"`
    open does not make it so: a file made meanwhile raises nothing there). The helper's mode may be one of its parameters (`def read_file(self,
    path, encoding, filetype="r")`): the constant the call passes for it, else its constant
    default (another expression: not followed); an open of the same parameter in every
    branch of an `if`/`else` (or `if`/`elif`/`else`) counts as an open on every way through,
    in the mode the branches share (the same parameter, or one kind of constant mode; a read
    in one branch and a write in another is not followed, nor is an open in some branches
    only). In the function itself, a mode that is a parameter with a constant string default,
    never rebound there (`def load(path, mode="r")`), is that default: reported without a fix,
    since a caller may pass another mode.
    A checked path put in a list or
    tuple display all of whose elements are that path (`pid_files = [pid]`) is followed to a
    `for` or comprehension variable iterating it and to a constant index of it, until the
    list may have grown (an item stored, `+=`, another name bound to it, a call it is passed
    to, a method that may add to it; a nested function appending to it is not seen). So is
    a list kept by a check of each element: `[f for f in names if os.path.isfile(f)]` (one
    `for`; the check may be of a path built from the element, `isfile(join(d, f))`, among
    the conditions joined by `and`), `filter(os.path.isfile, names)`, or an empty list a
    loop fills with `append(f)` only where a check of `f` is in force: a loop over it
    (directly, or through `list()`/`sorted()`) acts on a checked file, as stale a check as
    one in an `if`. A list mixing paths, or built any other way, is not.

    Not reported inside `with filelock.FileLock(...)` (and the other inter-process locks of
    the rules' conventions; the project's own that the `extend-interprocess-locks` option
    names; a class imported from another module whose name says it locks a file,
    `from huey.utils import FileLock`, or a function whose snake_case name does, `with
    bootstrap_file_lock(p):`, `interprocess_lock(p)`; a context manager or class of the module whose entry takes an `fcntl` lock; also
    between `lock.acquire()` and `lock.release()` of one, or between a call of a method of
    the class or a function of the module that takes one and leaves it held
    (`self._lock_index()`, whose body binds `self._lock = LockFile(d)` and calls
    `self._lock.acquire()`, or calls such a helper itself), made by a statement of the
    function's own body or of a `try` or `with` there (`if self._lock_index():` too; not
    under an `if` or in a loop),
    and a call of one that lets it go (`self._unlock_index()`, a `close()` calling
    `self.release_lock()`), and, in a class deriving from one
    (`class LockedJSON(FileLock)`), between its own `super().__enter__()` or
    `self.acquire()` and `super().__exit__(...)` or `self.release()`) or
    between `fcntl.flock/lockf` acquire and release, nor for a
    file in a fresh private directory (`tempfile.mkdtemp()`, `TemporaryDirectory()`, pytest's
    `tmp_path`/`tmpdir`, twisted.trial's `self.mktemp()`, a fixture of the module returning one
    or a record holding one, a
    module constant bound only to one (`SCRATCH = tempfile.mkdtemp()`; not if a function
    declares it `global`), or what a function of the module returns when every `return`
    giving a value gives one; a closure reads those of the function around it; a relative
    path after `monkeypatch.chdir(tmp_path)`, `tmpdir.chdir()` or a fixture doing it, or in a test
    that enters click's `runner.isolated_filesystem()`; in a test module, an attribute of a test
    class named for a temporary folder (`self.tempdir`, `self.tmp_path`) that nothing in the
    module binds, which a base class of another module makes in its `setUp`, and an object a
    test class makes from a private path (`self.repo = Repo.init(self.tempdir)`), with what
    its methods without arguments give (`self.repo.controldir()`); an entry of a listing of one, a loop
    over `p.rglob("*")` say, is in it: see the README for all that is followed), nor after
    a check of a file whose name no other program can know (built from `uuid.uuid4()`/`uuid1()` or `secrets`,
    or from a function of another module whose name says it draws a random part of a name,
    `random_suffix()` or `new_uuid()` but not `random_file()`, or a project's own `mktemp()`;
    directly, through a variable or by a
    helper of the module, or the name of a temp file made here: `fd, name =
    tempfile.mkstemp()`, `tempfile.NamedTemporaryFile(delete=False).name`, in this
    function or, for a closure such as a test's cleanup, in the function around it; a `self`
    attribute the class binds only to `tempfile.mktemp()`, `uuid4()` or `None`; a name or
    attribute also bound to `None` or `""` before, which names no file): nobody
    else removes it.
    Nor for a device or another of the kernel's files (a path starting `/dev/`, `/proc/` or
    `/sys/`, spelt there or by a module constant or class attribute bound only to such a
    string, `SYSFS = "/sys/class/gpio"`, an entry of a listing of such a folder,
    `for card in Path("/sys/class/drm").iterdir()`, and `os.devnull`): no other program creates or removes them; the files of
    `/dev/shm/` and `/dev/mqueue/` are ordinary shared files, and still checked.
    In a private helper of the module (a leading underscore, or a test module's helper; a
    private method called as `self._helper(...)`, or a test case's helper method such as
    `self.update_pyfile(...)`) whose every use is a direct call, a call that holds such a lock or passes such a file
    makes the body safe for it: the body is reported only when some call does neither.
    Nor when the open already survives losing the race, as for MBX302: inside
    `with contextlib.suppress(...)` (or a `@contextmanager` of the module whose only `yield`
    is in a `try` whose handler swallows the error: `try: yield` / `except OSError: pass`)
    or a `try` whose `except` catches `FileNotFoundError`
    (or `OSError` and broader) and does not raise again. A handler one of whose own
    statements is a `raise` (`raise SystemExit` too) or ends the program (`sys.exit()`,
    `os._exit()`, `os.abort()`, `exit()`, `quit()`) lets the failure escape, and a handler
    for other errors only (`except ValueError:`) does not see it: both are still reported;
    an exit on one branch of the handler only (`if strict: sys.exit(1)`) does not count, but
    a branch on the error's `errno` does (`if e.errno != errno.ENOENT: raise` survives a
    missing file, `if e.errno == errno.EXDEV: ... else: raise` does not). A
    handler that ends in raising the class the check's other branch ends in raising (`if not
    isfile(p): raise KeyError(p)`, then `except OSError: raise KeyError(p)`, or `err =
    KeyError(p)` then `raise err from e`; when the other branch goes on past the `if`, or
    there is none, what follows the `if` at once, climbing out of the `if`s and `with`s it ends,
    is that branch's answer: `if isfile(p): ... return data` then `raise
    FileNotFoundError(p)`), or in the same
    exit of the program (`sys.exit(1)` in both), is not a failure escaping: the caller gets the answer the check would have given had it run a
    moment later. A catch-all handler (`except Exception:`, `except BaseException:`, a
    bare `except:`) of a `try` whose body is a whole step of the program, more than 25
    statements with the nested ones, does not count either: it reports that the step
    crashed (`traceback.format_exc()`, an exit code), it does not go on as if the check
    had held. A check hidden in a helper function is invisible.

    ## Why is this bad?
    The file can be removed or replaced between the check and the open: another process
    rewriting a cache removes it first, and the open then fails with the very error the check
    meant to avoid. In Sage's star-imports cache (sage-star-imports-cache-race) a test runner
    died this way; the review asked for EAFP, and for catching only the errors of the open so
    that a corrupt file still gets reported instead of silently ignored.

    ## Example
    ```python
    if os.path.exists(cache_file):
        with open(cache_file, "rb") as f:
            cache = pickle.load(f)
    else:
        cache = {}
    ```

    ## Use instead
    ```python
    try:
        f = open(cache_file, "rb")
    except (FileNotFoundError, NotADirectoryError):
        cache = {}
    else:
        with f:
            cache = pickle.load(f)
    ```

    ## Fix safety
    Sometimes safe. The open alone moves into `try:`; only `(FileNotFoundError,
    NotADirectoryError)` is caught; the old else-branch becomes the `except` body (`pass` when
    there was none, so the code falls through as before) and the rest of the old if-body goes
    in `else:`, so an error while reading the file still raises; when there is neither an
    else-branch nor anything after the open (`if p.exists(): text = p.read_text()`), it
    becomes `with contextlib.suppress(FileNotFoundError, NotADirectoryError):` instead of
    `try:`/`except: pass`, which ruff's SIM105 flags. An open nested in an expression (`return
    pickle.load(open(p, "rb"))`, `for line in open(p):`) is bound to a name the function does
    not use yet (`f`, `text` or `data`, numbered if taken; `_f` ... at module level), which
    the `else:` uses; `with open(p) as f:` becomes `f = open(p)` and `with f:`.

    Safe for an `exists()` guard when nothing with an effect stands between the check and the
    open: the open is the first statement of the arm where the file exists (the `if` arm, or
    the `else:` of `if not exists(p):`), or comes after assignments of constants and of builtin
    constructors of constants only (`int(x)` and `str(x)` call `__int__`/`__str__`, which may
    raise). Documented edge: a path that `stat()` cannot reach for another reason
    (a parent directory without search permission, a name too long, a NUL character in the
    name) made `exists()` say False, and now raises from the open instead of taking the old
    else-branch. An import that only the check used (`from os.path import exists`) is left
    for flake8/ruff's F401.
    Unsafe when statements with an effect would move after the open, for the guard-clause
    form (`if not exists(p): return ...` then the open; the clause's body becomes the
    `except` body, statements between move after the `try`), and for
    `lexists`/`isfile`/`isdir`/`access` guards, where a dangling link, a directory or a
    permission problem now raises or is caught differently, and when the check's path makes a
    call the open does not make alike (`exists(os.path.abspath(p))` then `open(p)`), whose
    errors would go with the check. Unsafe too when the old
    else-branch runs inside an `except` handler (it would see the `FileNotFoundError` in
    `sys.exc_info()`, `logging.exception` and `traceback.print_exc()` instead of the exception
    being handled), when it raises (the exception's `__context__` becomes the
    `FileNotFoundError`) or reads the current exception, and when the open is nested in an
    expression other than a `return`'s (`data = json.load(open(p))`, `for line in open(p):`):
    the new name keeps the file open until the function returns, and at module level for the
    life of the process.
    No fix (the finding says so) when the open is not a direct statement of the checked arm
    (deeper in a loop or another `if`), sits in a comprehension, a branch of a conditional
    expression or a later operand of `and`/`or`, comes after another call in its statement,
    is not the first item of a `with`, shares its line with another statement, uses a name
    that the statements moving after it bind, follows statements that may leave the block
    (`return`, `raise`, `break`, `continue`: the file would be left open), or is in a class
    body; when the old else-branch holds a bare `raise` (in `except` it would re-raise the
    `FileNotFoundError`); nor for a `while` or `assert` check or one combined with `and`/`or`.
    """

    code = "MBX301"
    TRIGGERS = GUARD_WORDS
    PATH_SCOPE_TRIGGERS = GUARD_WORDS  # the check is in the scope of the open
    name = "exists-then-open"
    seed = SEED_SAGE
    fix_safety = "sometimes"
    message = (
        "{what} of {path} was checked with {check} at line {line}: the file can go away in "
        "between; open it in `try:` and catch FileNotFoundError"
    )
    VALID = [
        """
import os
def load(path):
    try:
        f = open(path)
    except FileNotFoundError:
        return ""
    with f:
        return f.read()
""",
        """
import os, logging
def save(path, text):
    if os.path.exists(path):
        logging.info("overwriting %s", path)
    else:
        logging.info("creating %s", path)
    with open(path, "a") as f:
        f.write(text)
""",
        """
import os, filelock
def load(path):
    with filelock.FileLock(path + ".lock"):
        if os.path.exists(path):
            return open(path).read()
""",
        """
import os
def load(path, other):
    if os.path.exists(path):
        path = other
        return open(path).read()
""",
    ]
    INVALID = [
        Invalid(
            """
import os
def read_file(path, filetype="r"):
    if filetype == "r":
        with open(path, filetype, encoding="utf-8") as f:
            return f.read()
    else:
        with open(path, filetype) as f:
            return f.read()
def read(path):
    if os.path.isfile(path):
        return read_file(path)  # MBX301
    return None
""",
        ),
        Invalid(
            """
import os, pickle
def load(cache_file):
    if os.path.exists(cache_file):
        return pickle.load(open(cache_file, "rb"))  # MBX301
    return {}
""",
            fixed="""
import pickle
def load(cache_file):
    try:
        f = open(cache_file, "rb")
    except (FileNotFoundError, NotADirectoryError):
        pass
    else:
        return pickle.load(f)  # MBX301
    return {}
""",
        ),
        Invalid(
            """
import os, pickle
def load(cache_file):
    if os.path.exists(cache_file):
        with open(cache_file, "rb") as f:  # MBX301
            cache = pickle.load(f)
        cache.pop("stale", None)
    else:
        cache = {}
    return cache
""",
            fixed="""
import pickle
def load(cache_file):
    try:
        f = open(cache_file, "rb")
    except (FileNotFoundError, NotADirectoryError):
        cache = {}
    else:
        with f:  # MBX301
            cache = pickle.load(f)
        cache.pop("stale", None)
    return cache
""",
        ),
        Invalid(
            """
import json, os
def settings(path, defaults):
    if not os.path.exists(path):
        data = dict(defaults)
    elif path.endswith(".json"):
        data = json.load(open(path))  # MBX301
    else:
        data = {}
    return data
""",
        ),
        Invalid(
            """
import json, os
def settings(path, f, defaults):
    if not os.path.exists(path):
        data = dict(defaults)
    else:
        data = json.load(open(path))  # MBX301
    return data
""",
            fixed="""
import json
def settings(path, f, defaults):
    try:
        f2 = open(path)
    except (FileNotFoundError, NotADirectoryError):
        data = dict(defaults)
    else:
        data = json.load(f2)  # MBX301
    return data
""",
            unsafe=True,
        ),
        Invalid(
            """
from os.path import isfile
def load(path):
    if not isfile(path):
        return None
    with open(path) as f:  # MBX301
        return f.read()
""",
            fixed="""
def load(path):
    try:
        f = open(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    with f:  # MBX301
        return f.read()
""",
            unsafe=True,
        ),
        Invalid(
            """
from pathlib import Path
def load(base):
    if (Path(base) / "state.json").exists():
        return (Path(base) / "state.json").read_text()  # MBX301
""",
            fixed="""
from pathlib import Path
def load(base):
    try:
        text = (Path(base) / "state.json").read_text()
    except (FileNotFoundError, NotADirectoryError):
        pass
    else:
        return text  # MBX301
""",
        ),
        Invalid(
            """
import gzip, os
def count(path, seen):
    if os.path.exists(path):
        seen.add(path)
        for line in gzip.open(path, "rt"):  # MBX301
            yield line
""",
            fixed="""
import gzip
def count(path, seen):
    try:
        f = gzip.open(path, "rt")
    except (FileNotFoundError, NotADirectoryError):
        pass
    else:
        seen.add(path)
        for line in f:  # MBX301
            yield line
""",
            unsafe=True,
        ),
    ]

    def check(self, module):
        blocks = acting = None
        for event in module.events_of(FileOpen):
            guard = event.guard
            if guard is None or not guard.present or event.iplock is not None:
                continue
            if event.mode not in ("read", "update"):
                continue
            if event.caught & REMOVE_TOLERATED:
                continue  # a file gone since the check is already handled: the check only saves a failed open
            if event.helper and event.caught and _may_convert_missing(event, module):
                continue  # the helper may raise its own error for a missing file, and the handler catch it
            node = event.node
            blocks = blocks or blocks_of(module)
            if acting is None:
                reported = {(f.line, f.col) for f in CheckThenAct(self.options).check(module)}
                acting = {id(e.guard.node) for e in module.events_of(FileAct)
                          if e.guard is not None and (e.node.lineno, e.node.col_offset) in reported}
            if id(guard.node) in acting:
                # Moving the arm out from under its check would hide that act's race, not fix it.
                plan = no_fix("the checked arm also acts on the file (MBX302): that fix comes first")
            elif event.helper:
                plan = no_fix(HELPER_OPEN)
            elif event.mode_default:
                plan = no_fix(PARAMETER_MODE)
            else:
                plan = open_plan(blocks, guard, event.stmt, node, module.facts)
            yield self.finding(node, plan=plan, what=_what(node), path=_spell(event.path, event.path_node, module),
                               check=spell_check(guard.kind), line=guard.line)


class CheckThenAct(Rule):
    """A file is created, removed or renamed after a check of whether it exists.

    ## What it does
    Reports, with the same checks as MBX301 in force on every path:

    * `os.makedirs(P)`, `os.mkdir(P)`, `Path.mkdir()` after a check that `P` does **not**
      exist, of any kind (`not isfile()` too: a mkdir fails on whatever is there, so the
      code counts on finding nothing; `exist_ok=True` is never reported);
    * `os.remove/unlink/rmdir(P)`, `shutil.rmtree(P)`, `Path.unlink()` (without
      `missing_ok=True`), `Path.rmdir()` after a check that `P` exists;
    * `open(P, "w"/"a")` (`aiofiles.open` too, reported without a fix),
      `os.open(P, O_CREAT ...)` without `O_EXCL` after a check that `P`
      does not exist or is not a regular file (`exists()`, `lexists()`, `isfile()`,
      `os.access()` found false), also through a helper of the module that opens a file and returns it,
      or that opens for writing the file it is given or an attribute of the instance names
      (`self.write()` opening `self.filename`; `open()`, `io.open()`, `codecs.open()`,
      `gzip/bz2/lzma.open()`) (as in MBX301; reported without a fix: the
      helper chooses the mode; the helper's mode parameter takes the call's constant or its
      default, as in MBX301), or with a mode held in a local name only ever bound to constant
      strings that all write (as in MBX902), or in a mode parameter of the function whose
      constant default writes (reported without a fix: a caller may pass another mode);
    * `os.rename/os.replace/os.renames/shutil.move(P, ...)` (and `Path.rename/replace()`) after a check
      that `P` exists, into a private directory too (a backup in a `TemporaryDirectory()`:
      nobody reads the target, but `P` may be gone by then).

    A false `isdir()` says nothing of a file: a regular file may be there, and an open for
    writing in the `else:` of `if os.path.isdir(P):` overwrites it as the code means it to.
    It is no check for a create (nor for MBX901 and MBX306, which count a write or a rename
    after a check that found the file missing as a create). Nor does a false `isdir()` or
    `isfile()` undo an earlier check that found the path there: in
    `if P.exists(): if P.is_dir(): shutil.rmtree(P) else: P.unlink()`, the `unlink()` acts on
    the `exists()`, and is reported.

    A `Path` method counts on a receiver whose type is written nowhere (an un-annotated
    parameter, a `self` attribute, a loop variable) when the code treats it as a path: a
    method only a path has is called on it with a path's arguments (`p.joinpath(x)`,
    `p.with_name(n)`, `p.is_file()`, `p.mkdir()`, `p.unlink()`, `p.write_text(s)`...; a
    file-system object's `fs.mkdir(name)` is not), it is bound from one (`Path(...)`, `q /
    x`, `q.parent`, `q.with_suffix(s)`, `q.expanduser()`, `q.resolve()`, `q.absolute()` of
    such a `q`; for an attribute, in any method of the class), or it
    is the variable of a loop over `q.iterdir()`/`glob()`/`rglob()` or over a list of such
    names; a receiver asked `exists()`, `is_file()` or `is_dir()` with no argument is one
    from that check on, unless every binding of it in the function constructs an object of
    another package's class whose name says nothing of paths or files (`blob = storage.Blob(key,
    client)`; `S3Path(uri)` and `UserDataFile(name)` are paths). `open()` alone says nothing (an
    archive or a storage has one).

    Not reported under an inter-process lock, nor when the act already survives losing the
    race: inside `with contextlib.suppress(...)` (or a `@contextmanager` of the module that
    suppresses as it does, its only `yield` in a `try` whose handler neither raises again nor
    catches everything) or a `try` whose `except` catches the error
    (`FileExistsError` for a `mkdir`, `FileNotFoundError` for a removal or a rename, or
    `OSError` and broader; alone, in a tuple, or in a tuple the module binds once to the name
    the `except` gives, `except symlink_exception:`) and neither raises again nor ends the program (a handler with a
    `raise` or a `sys.exit()`, `os._exit()`, `exit()` among its own statements lets the
    failure escape, as in MBX301: it still counts as the race, unless it raises what the
    check's other branch raises, or first asks the check's question again and, given the
    answer that made the check leave, leaves as the check did (`if path.is_dir(): return`,
    then `mkdir`, then `except OSError: if path.is_dir(): return` and a `raise` for the
    rest); one that branches on the error's `errno` and raises on one
    branch, `if err.errno == errno.EXDEV: ... else: raise`, survives only the errors of
    the other branch, here not `ENOENT`; a catch-all handler of a `try` whose body is a
    whole step of the program, more than 25 statements, reports a crash, as in MBX301), and
    `shutil.rmtree(P, ignore_errors=True)` (or `shutil.rmtree(P, True)`), or given an error
    handler (`onerror=h`, `onexc=h`, or `h` as its third argument; not `None`) that is not a
    function of the module with a `raise` among its own statements; in a private function
    of the module that takes `ignore_errors` from its callers (`def _rm(d, **opts): ...
    shutil.rmtree(d, **opts)`, or a parameter given as `ignore_errors=`), when every use of
    the function is a call asking for it (`_rm(d, ignore_errors=True)`). An `open(P, "w"/"a")`
    that loses the race raises nothing (it overwrites or appends to the other process's file), so no handler around it
    counts. A create that writes the same text on every run, and is the last thing the check
    decides, is not reported: `P.write_text(TEXT)`, or `with open(P, "w") as f:` whose body
    only calls `f.write(TEXT)` (or `f.writelines([TEXT, ...])`, `print(TEXT, file=f)`), `TEXT` a non-empty string or
    bytes constant (also with `os.linesep` or `os.sep` added, one text on a machine; spelled
    through `textwrap.dedent()` and `strip()`, `lower()`,
    `encode()` and the like, when what they give is not empty; `json.dumps(DATA)`,
    `yaml.safe_dump(DATA)` of a literal of constants or a name only ever assigned one,
    not `pickle.dumps`, whose bytes change with the interpreter) or a name only ever assigned one (in the function, else at the module's top
    level; or `self.TEMPLATE`, bound to one in the class body and assigned nowhere as an
    attribute), ending the body (alone or in a `try`) of an `if` with no `else`, or ending a
    function (alone or in a `try`) after its `if P.is_file(): return` (or followed only by `return P` after its
    `if P.exists(): return P`, the same answer both ways): whoever writes
    last writes what the other wrote (a marker such as `CACHEDIR.TAG` or a `.gitignore`).
    Still reported: an empty create (`P.write_text("")`, or `with open(P, "w"): pass`, makes
    a file for something else to fill, which a racer may have filled already), and so is a
    blank one (`"\\n"`, white space only) when the path is read again after the check's `if`
    (`registry.open(P)`), an append (the text ends up there twice), and a create after which the
    code goes on as the file's maker (`return "created"`, an `else:` for "was there"). An append
    that writes nothing is not reported: `open(P, "a").close()` (its None kept or not), a bare `open(P, "a")`, `f =
    open(P, "a")` followed at once by `f.close()`, or a `with open(P, "a") as f:` whose body is only `pass`, `...`, a string,
    `f.write("")` or `os.utime(...)` (a touch), and `os.close(os.open(P, flags))` without `O_TRUNC` (or `fd = os.open(P,
    flags)` followed at once by `os.close(fd)`): it neither truncates nor
    writes, so a file a racer made in between keeps what it holds. A check the code's own create
    made stale (`shutil.copy(src, P)`, `os.link`/`os.symlink` to `P`, or an exclusive create,
    `open(P, "x")` or `P.touch(exist_ok=False)`, after the check) no longer counts.
    Files in a fresh private directory, or with a name unique to the run (as in MBX301: a
    random part from `uuid`, `secrets` or a function of another module named for one, `random_suffix()`; a temp file made
    here by `mkstemp()` or `NamedTemporaryFile(delete=False)` too, or an attribute of the
    instance that every method of its class binding it sets to such a name, one built with
    one, or to None: `fd, self.tmp = tempfile.mkstemp()`, `self.tmp = mkstemp()[1]`,
    `self.tmp = f.name`, `self.obj = self.sandbox / uuid.uuid4().hex`, or what a method of
    the class returns that makes a fresh one, `cls.temp_dir = cls.create_temp()` with
    `create_temp()` returning `mkdtemp()`, even after `tmp += os.sep`; a name bound only to
    what a helper of the module returns that makes a new temp file, `tmp = self._copy(box)`
    with `_copy()` returning `tempfile.mktemp()` or the name `mkstemp()` gave; a module constant bound from
    `tempfile.mkstemp()` or `mktemp()`, `_, LOG = tempfile.mkstemp()`; the entries of a list on
    the instance bound only to `[]` whose every `self.files.append(v)` appends a name made
    there by `mkstemp()` or `mkdtemp()`, or the `.name` of a `NamedTemporaryFile` made
    there, what a test's `tearDown` removes; a temp file's name
    converted in place, `tmp = Path(tmp)`; what a method of the class returns called on the
    instance, when its every `return` is such a path of the instance, `self.path(name)` with
    `path()` returning `join(self._tempdir, name)`, and an attribute bound to one, `self.out =
    self._tmp_path() + ".out"` in `__init__`), are exempt, as are
    devices and the kernel's files (as in MBX301), and so is the body of a private helper
    every call of which holds a lock or passes such a file, as for MBX301, and an act after
    an `assert` of the check. Checks in helper functions are invisible.
    `os` and `shutil` count however they reach the module: imported, re-exported by a
    project's compatibility module (`from .compat import os`), or, in a module with a star
    import, used as modules while nothing in the module binds their names (README, "What the
    analysis sees").

    ## Why is this bad?
    Two processes run the same check at the same time and both act: the second `mkdir`
    raises `FileExistsError`, the second `remove` raises `FileNotFoundError`, and the second
    `open(P, "w")` silently overwrites what the first just wrote. The Sage cache writer in
    sage-star-imports-cache-race raced other Sage processes exactly like this.

    ## Example
    ```python
    if not os.path.exists(cache_dir):
        os.makedirs(cache_dir)
    if os.path.exists(old):
        os.remove(old)
    ```

    ## Use instead
    ```python
    os.makedirs(cache_dir, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(old)
    ```

    ## Fix safety
    Sometimes safe. The act is made to survive the race:

    * `os.makedirs(P[, mode])` and `Path.mkdir()` get `exist_ok=True` (`parents=` kept): safe
      under `isdir()`; unsafe under `exists()`, where a regular file in the way was skipped
      and now raises `FileExistsError`;
    * `os.mkdir(P)` goes inside `with contextlib.suppress(FileExistsError):` (no parents
      created, as before): safe under `lexists()`; unsafe under `exists()` (a dangling link
      made the mkdir raise `FileExistsError`, now hidden) and `isdir()` (a regular file in
      the way did the same);
    * `os.remove/unlink(P)` goes inside `suppress(FileNotFoundError, NotADirectoryError)`
      (a parent that is a regular file raises the latter): safe under `lexists()`; unsafe
      under `exists()`, which skipped a dangling link that is now removed;
    * `Path.unlink()` gets `missing_ok=True`: unsafe (`Path.exists()` skips dangling links,
      and `missing_ok` lets `NotADirectoryError` through);
    * `shutil.rmtree(P)` goes inside `suppress(FileNotFoundError, NotADirectoryError)`:
      unsafe, since a link to a file that `isdir()` skipped now makes `rmtree` raise
      `OSError`, and under `exists()` a regular file raised `NotADirectoryError`, now hidden;
    * `os.rmdir(P)` and `Path.rmdir()` go inside the same `suppress`: unsafe, since removing a
      link to a directory raised `NotADirectoryError`, now hidden;
    * unsafe: `open(P, "w"/"a")` (and `io`/`gzip`/`bz2`/`lzma`/`codecs.open`, `Path.open`) is
      opened with mode `"x"`, `os.open(P, O_CREAT ...)` gets `| os.O_EXCL`, in `try:` with an
      `except FileExistsError:` that does what the code did when `P` was there: the old
      `else:` branch, the guard clause's body (`if os.path.exists(P): return`), or `pass`. The
      rest of the old `if` body goes in `else:`, so it still runs only when this process
      created the file; a `with open(P, "w") as f:` becomes `f = open(P, "x")` and `with f:`
      there. With nothing to do either way, `with contextlib.suppress(FileExistsError):`.

    Every other check (`isfile()`, `os.access()`, and the kinds not listed for an act) makes
    the fix unsafe. The `if` that checked goes when its test is just that check of the same
    path, it has no `else` and its body was only the act; otherwise it stays, with the act
    rewritten inside it: its other statements still run only when the check said so, and an
    `elif` chain stays a chain. `contextlib` (or `suppress`) is imported once, reusing an
    existing import. Documented edge of the safe fixes: a path that `stat()` cannot reach
    for a reason other than a missing file (no search permission on a parent) made the check
    say the file was missing, and now the act raises.

    No automatic fix for renames, `Path.write_text()`/`write_bytes()`, an open whose mode is
    held in a name, an explicit
    `exist_ok=`/`missing_ok=` (or `**kwargs`), an `os.mkdir` or removal that is part of a
    larger statement, or an `async with` or a `with` that opens several files or does not
    name the file. Left reported too: a create whose result is bound to a name
    (`fd = os.open(...)`) when it is neither the first statement of the `if` that checked nor
    right after the guard clause, since the name would be unbound after the `except`; a create
    on a one-line `if` body; an act sharing its line with another statement (`a; b`).
    """

    code = "MBX302"
    TRIGGERS = GUARD_WORDS
    PATH_SCOPE_TRIGGERS = GUARD_WORDS
    name = "check-then-act"
    seed = SEED_SAGE
    fix_safety = "sometimes"
    message = (
        "{what} of {path} acts on a check made with {check} at line {line}: another process can "
        "change the file in between; {advice}"
    )
    VALID = [
        """
import os
def prepare(cache_dir):
    os.makedirs(cache_dir, exist_ok=True)
""",
        """
import os
def prepare(cache_dir):
    if not os.path.exists(cache_dir):
        os.makedirs(cache_dir, exist_ok=True)
""",
        """
import os, contextlib
def drop(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
""",
        """
import os, fcntl
def drop(path, lock_fd):
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
    if os.path.exists(path):
        os.remove(path)
    fcntl.flock(lock_fd, fcntl.LOCK_UN)
""",
        """
import os, shutil
from contextlib import suppress
def drop(path, build_dir):
    if os.path.exists(path):
        with suppress(FileNotFoundError):
            os.remove(path)
    if os.path.isdir(build_dir):
        shutil.rmtree(build_dir, ignore_errors=True)
    if os.path.isdir(path + ".d"):
        shutil.rmtree(path + ".d", True)  # ignore_errors, by position
""",
        """
import os
def prepare(spool):
    if not os.path.isdir(spool):
        try:
            os.mkdir(spool)
        except FileExistsError:
            pass
""",
        """
import os, tempfile
def edit(run):
    fd, name = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    run(name)
    if os.path.exists(name):
        os.remove(name)
""",
        """
import tempfile
from pathlib import Path
def clear_scratch():
    scratch = Path(tempfile.mkdtemp()).absolute()
    for p in reversed(list(scratch.rglob("*"))):
        if p.is_dir():
            p.rmdir()
""",
    ]
    INVALID = [
        Invalid(
            """
import os
def prepare(cache_dir):
    if not os.path.exists(cache_dir):
        os.makedirs(cache_dir)  # MBX302
""",
            fixed="""
import os
def prepare(cache_dir):
    os.makedirs(cache_dir, exist_ok=True)  # MBX302
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
def prepare(cache_dir, log):
    if not os.path.exists(cache_dir):
        os.makedirs(cache_dir, 0o700)  # MBX302
        log.info("created %s", cache_dir)
""",
            fixed="""
import os
def prepare(cache_dir, log):
    if not os.path.exists(cache_dir):
        os.makedirs(cache_dir, 0o700, exist_ok=True)  # MBX302
        log.info("created %s", cache_dir)
""",
            unsafe=True,
        ),
        Invalid(
            """
import os, shutil
def drop(path):
    if os.path.isdir(path):
        shutil.rmtree(path)  # MBX302
""",
            fixed="""
import shutil
from contextlib import suppress

def drop(path):
    with suppress(FileNotFoundError, NotADirectoryError):
        shutil.rmtree(path)  # MBX302
""",
            unsafe=True,
        ),
        Invalid(
            """
from pathlib import Path
def reset(state: Path):
    if state.exists():
        state.unlink()  # MBX302
    if not state.parent.exists():
        state.parent.mkdir(parents=True)  # MBX302
""",
            fixed="""
from pathlib import Path
def reset(state: Path):
    state.unlink(missing_ok=True)  # MBX302
    state.parent.mkdir(parents=True, exist_ok=True)  # MBX302
""",
            unsafe=True,
        ),
        Invalid(
            """
import contextlib
import os
def spool_dirs(root, names):
    for name in names:
        if not os.path.exists(os.path.join(root, name)):
            os.mkdir(os.path.join(root, name))  # MBX302
        else:
            print("reusing", name)
""",
            fixed="""
import contextlib
import os
def spool_dirs(root, names):
    for name in names:
        if not os.path.exists(os.path.join(root, name)):
            with contextlib.suppress(FileExistsError):
                os.mkdir(os.path.join(root, name))  # MBX302
        else:
            print("reusing", name)
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
def init(path, settings):
    if os.path.exists(path):
        return
    with open(path, "w") as f:  # MBX302
        f.write(settings)
""",
            fixed="""
def init(path, settings):
    try:
        f = open(path, "x")  # MBX302
    except FileExistsError:
        return
    with f:
        f.write(settings)
""",
            unsafe=True,
        ),
        Invalid(
            """
import json, os
def save_default(path, config):
    if not os.path.exists(path):
        with open(path, "w") as f:  # MBX302
            json.dump(config, f)
    else:
        print("keeping", path)
""",
            fixed="""
import json
def save_default(path, config):
    try:
        f = open(path, "x")  # MBX302
    except FileExistsError:
        print("keeping", path)
    else:
        with f:
            json.dump(config, f)
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
def claim(pidfile):
    if not os.path.exists(pidfile):
        fd = os.open(pidfile, os.O_WRONLY | os.O_CREAT, 0o644)  # MBX302
        os.write(fd, b"%d" % os.getpid())
        os.close(fd)
        return True
    return False
""",
            fixed="""
import os
def claim(pidfile):
    try:
        fd = os.open(pidfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # MBX302
    except FileExistsError:
        pass
    else:
        os.write(fd, b"%d" % os.getpid())
        os.close(fd)
        return True
    return False
""",
            unsafe=True,
        ),
        """
import os
def rotate(log):
    if os.path.exists(log):
        os.rename(log, log + ".1")  # MBX302
""",
        Invalid(
            """
import os
def prepare(folder):
    if os.path.isdir(folder) == False:
        os.mkdir(folder)  # MBX302
""",
            fixed="""
import os
from contextlib import suppress

def prepare(folder):
    with suppress(FileExistsError):
        os.mkdir(folder)  # MBX302
""",
            unsafe=True,
        ),
    ]

    def check(self, module):
        arms = {}  # scope -> its statements' places, for the few acts that ask
        census = {}  # name -> its direct calls and its uses in the module, counted once if asked
        for event in module.events_of(FileAct):
            guard = event.guard
            if guard is None or event.iplock is not None:
                continue
            op = event.op
            if op in MKDIR_OPS and not guard.present:
                if event.caught & CREATE_TOLERATED:
                    continue  # the act already survives losing the race
                advice = "use exist_ok=True" if op != "os.mkdir" else "catch FileExistsError"
            elif op in REMOVE_OPS and guard.present:
                if event.caught & REMOVE_TOLERATED or op == "shutil.rmtree" and (
                        _ignores_errors(event.node) or _hands_errors_on(event.node, module.tree)
                        or _callers_ignore_errors(event, module, census)):
                    continue
                advice = "catch FileNotFoundError" if op != "Path.unlink" else "use missing_ok=True"
            elif op == "os.open" and guard.found_no_file:
                if _closes_untruncated(event, module.facts, arms):
                    continue  # a touch: nothing truncated, nothing written
                advice = "add os.O_EXCL and catch FileExistsError"
            else:
                continue
            yield self.finding(event.node, plan=act_plan(event, guard, blocks_of(module)), what="`%s()`" % op,
                               path=_spell(event.path, event.path_node, module), check=spell_check(guard.kind), line=guard.line,
                               advice=advice)
        texts = ConstantTexts(module.tree)  # which names only ever hold constant text, found once
        last_loads = {}  # scope -> the last line loading each name (see _read_after)
        for event in module.events_of(FileOpen):
            guard = event.guard
            if guard is None or not guard.found_no_file or event.iplock is not None:
                continue
            if event.mode not in ("truncate", "append"):
                continue
            if event.mode == "append" and not event.helper and _appends_nothing(event, module.facts, arms):
                continue  # neither truncates nor writes: a file a racer made keeps what it holds
            if event.mode == "truncate" and not event.helper and _only_consequence(
                    guard, event, _constant_create_end(event, guard, texts, last_loads)):
                continue  # every racer writes the same bytes: the one that loses overwrites nothing
            plan = no_fix(HELPER_OPEN) if event.helper else no_fix(PARAMETER_MODE) if event.mode_default \
                else create_plan(event, guard, blocks_of(module))
            yield self.finding(event.node, plan=plan, what=_what(event.node),
                               path=_spell(event.path, event.path_node, module), check=spell_check(guard.kind), line=guard.line,
                               advice="open it with mode 'x' and catch FileExistsError")
        for event in module.events_of(FileRename) + module.events_of(FileMovedAway):
            guard = event.guard
            if guard is None or not guard.present or event.iplock is not None:
                continue
            if event.caught & REMOVE_TOLERATED:
                continue  # the rename already survives the source going away
            yield self.finding(event.node, fix=None, what="`%s()`" % spelled_op(event), path=_spell(event.src, event.src_node, module),
                               check=spell_check(guard.kind), line=guard.line,
                               advice="rename and catch FileNotFoundError")


class RenameOfLockedFile(Rule):
    """A lock-protected shared file is replaced by a rename, or renamed away.

    ## What it does
    Reports `os.rename`, `os.replace`, `shutil.move`, `Path.rename` and `Path.replace` onto
    (or away from) a path that this code also opens and locks: a file object or descriptor
    opened from it and passed to `fcntl.lockf`/`fcntl.flock` (directly, or through a function
    of the same module that does so to its parameter), a mailbox constructed on it and
    `lock()`ed, or `self._path` of a subclass of `mailbox.mbox`/`MMDF`/`Babyl`. In a class,
    a file kept on `self` and locked in one method counts in every method. Files that other
    programs lock but this code does not can be listed as glob patterns in the `shared-files`
    option (`[tool.mboxlint]`, flake8's `--mboxlint-shared-files`); they are matched against
    constant paths (a pattern without `/` also against the last part of the path).

    ## Why is this bad?
    A lock belongs to an inode, not to a name. Processes waiting for the lock on the old file
    get it the moment the rename's writer closes the file, and then write into a file that no
    longer has a name: their data is gone. This is how the standard library's
    `mailbox.mbox.flush()` loses mail that Postfix delivers meanwhile (CPython bpo-1599254).
    Renaming the locked file *away* has the mirror effect: writers that opened the old name keep
    appending to the moved file after its reader is done with it.

    ## Example
    ```python
    with open(spool, "r+b") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        write_new_contents(tmp)
        os.replace(tmp, spool)
    ```

    ## Use instead
    ```python
    from mboxlint.mailbox import copy_back

    with open(spool, "r+b") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        write_new_contents(tmp)
        copy_back(tmp, spool)  # same inode: the other processes' locks stay valid
    ```

    ## Fix safety
    Onto a locked file: unsafe, the rename becomes `mboxlint.mailbox.copy_back(tmp, dst)`
    (journaled, same inode) and the import is added; the file's inode, and so its hard links,
    owner and mode, now stay the same, which code relying on a fresh inode may notice. Away from
    a locked file: no automatic fix.
    """

    code = "MBX303"
    TRIGGERS = ("rename", "replace", "move")
    PATH_SCOPE_TRIGGERS = RENAME_WORDS
    name = "rename-of-locked-file"
    seed = SEED_MAILBOX
    fix_safety = "unsafe"
    message = "{op}() renames {direction} {path}, which {why}: {advice}"
    VALID = [
        """
import os, tempfile
def save(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
""",
        """
import os, fcntl
def append(path, line):
    with open(path, "a") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        f.write(line)
    os.rename(path + ".new", path + ".old")
""",
    ]
    INVALID = [
        Invalid(
            """
import os, fcntl
def rewrite(spool, tmp):
    with open(spool, "r+b") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        os.replace(tmp, spool)  # MBX303
""",
            fixed="""
import fcntl

from mboxlint.mailbox import copy_back

def rewrite(spool, tmp):
    with open(spool, "r+b") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        copy_back(tmp, spool)  # MBX303
""",
            unsafe=True,
        ),
        Invalid(
            """
import mailbox, os
class Archive(mailbox.mbox):
    def compact(self, new_path):
        os.rename(new_path, self._path)  # MBX303
""",
            fixed="""
import mailbox

from mboxlint.mailbox import copy_back

class Archive(mailbox.mbox):
    def compact(self, new_path):
        copy_back(new_path, self._path)  # MBX303
""",
            unsafe=True,
        ),
        """
import mailbox, os
def rotate(path):
    box = mailbox.mbox(path)
    box.lock()
    os.rename(path, path + ".1")  # MBX303
    box.unlock()
""",
    ]

    def check(self, module):
        for event in module.events_of(FileRename):
            found = locked_rename(self, event)
            if found is None:
                continue
            direction, why = found
            if direction == "onto":
                advice = "processes waiting for its lock will write into the replaced file; " \
                         "copy the new contents back with mboxlint.mailbox.copy_back()"
                fix, path, spelt = "unsafe", event.dst, event.dst_node
            else:
                advice = "writers that opened it keep appending to the moved file"
                fix, path, spelt = None, event.src, event.src_node
            plan = copy_back_plan(event, blocks_of(module)) if fix else no_fix(advice)
            yield self.finding(event.node, plan=plan, op=spelled_op(event), direction=direction,
                               path=_spell(path, spelt, module), why=why, advice=advice)


class TempFileInOtherDirectory(Rule):
    """A temp file created outside the target's directory is renamed onto the target.

    ## What it does
    Reports `os.rename`, `os.replace`, `shutil.move`, `Path.rename` or `Path.replace` of a temp
    file from `tempfile.mkstemp`, `tempfile.mktemp` or `tempfile.NamedTemporaryFile(delete=False)`
    (its name, its `.name`) that was created without `dir=` (or with `dir=None`,
    `tempfile.gettempdir()`), so it lives in `$TMPDIR`, not next to the target. Not reported
    when the target is a name built from the temp file's own (`os.rename(tmp, tmp + ".1")`,
    a rotation in place): it stays in its folder; nor when the target is itself a temp file
    `tempfile` made here (a test moving one temp file onto another), or in a fresh private
    directory: no other program reads it.

    ## Why is this bad?
    `$TMPDIR` is often another file system (a tmpfs). A rename across file systems fails, and a
    move falls back to copying, which is not atomic: readers see a half-written target. Sage's
    patchbot died with `EOFError` reading a pickle that was still being copied from tmpfs
    (sage-star-imports-cache-race).

    ## Example
    ```python
    fd, tmp = tempfile.mkstemp()
    ...
    shutil.move(tmp, cache_file)
    ```

    ## Use instead
    ```python
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache_file))
    ...
    os.replace(tmp, cache_file)
    ```

    ## Fix safety
    Unsafe: `dir=os.path.dirname(target)` is evaluated where the temp file is made, not where
    it is renamed, and that moves edges: a temp file orphaned by an error now stays next to
    the target instead of in `$TMPDIR` (where a listing or a prune of the target's folder
    sees it); the target's folder must exist at the creation (code that creates it in
    between now fails); a parent that is a regular file fails at the creation, before the
    data is written. `dir=os.path.dirname(target)` is added to the call that creates the temp file (or
    replaces its `dir=None`), through the file's own `import os` (one is added when missing).
    `os.path.dirname` takes a `str` or a `Path` alike and returns a `str`, which every
    `tempfile` function accepts; `target.parent` would read better for a `Path` but fails on a
    `str`, and the target's type is not always known. The fix is offered only when the target
    means the same where the temp file is created: it is built from names, attributes,
    constants, `os.path.join`, `Path(...)`, `/`, `+`, f-strings and path conversions only, and
    none of those names is bound again between the creation and the rename (a target computed
    after the temp file was made, or returned by a call, has no fix); when every rename of that
    temp file names the same target; and when the creation passes no `**kwargs` and no `dir`
    (by position, or as anything but `None`). What is bound again is followed for the first
    eight temp names of a function, up to 32 names each; past that the fix is not offered,
    so that a long function of many temp files costs no more to check than its length. An
    explicit `dir=tempfile.gettempdir()` is a choice
    left to its author. Other edges: `shutil.move` onto an existing directory moves into it,
    so the temp file is made beside that directory; a `bytes` target gives a `bytes` directory,
    which `tempfile` accepts only with `bytes` (or no) `prefix` and `suffix`. The directory has to
    be writable anyway: the rename writes in it.
    """

    code = "MBX304"
    TRIGGERS = ("mkstemp", "NamedTemporaryFile", "mktemp")
    PATH_SCOPE_TRIGGERS = RENAME_WORDS + TEMP_WORDS
    name = "temp-file-in-other-directory"
    seed = SEED_SAGE
    fix_safety = "unsafe"
    message = (
        "{op}() moves a temp file created at line {line} without dir= onto {path}: across file "
        "systems this is a copy that readers see half-written; create it with "
        "dir=os.path.dirname({path})"
    )
    VALID = [
        """
import os, tempfile
def save(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.replace(tmp, path)
""",
        """
import os, tempfile
def save(cache_dir, name, data):
    with tempfile.NamedTemporaryFile("wb", dir=cache_dir, delete=False) as f:
        f.write(data)
        os.fsync(f.fileno())
    os.replace(f.name, os.path.join(cache_dir, name))
""",
    ]
    INVALID = [
        Invalid(
            """
import os, shutil, tempfile
def save(cache_file, data):
    fd, tmp = tempfile.mkstemp()
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    shutil.move(tmp, cache_file)  # MBX304
""",
            fixed="""
import os, shutil, tempfile
def save(cache_file, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache_file))
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    shutil.move(tmp, cache_file)  # MBX304
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
from tempfile import NamedTemporaryFile
def save(cache_dir, name, text):
    target = os.path.join(cache_dir, name + ".json")
    with NamedTemporaryFile("w", delete=False) as f:
        f.write(text)
        os.fsync(f.fileno())
    os.replace(f.name, target)  # MBX304
""",
            fixed="""
import os
from tempfile import NamedTemporaryFile
def save(cache_dir, name, text):
    target = os.path.join(cache_dir, name + ".json")
    with NamedTemporaryFile("w", delete=False, dir=os.path.dirname(target)) as f:
        f.write(text)
        os.fsync(f.fileno())
    os.replace(f.name, target)  # MBX304
""",
            unsafe=True,
        ),
        Invalid(
            """
import tempfile
from pathlib import Path
def save(folder: Path, data: bytes):
    fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=None)
    with open(fd, "wb") as out:
        out.write(data)
    Path(tmp).replace(folder / "state.bin")  # MBX304
""",
            fixed="""
import os
import tempfile
from pathlib import Path

def save(folder: Path, data: bytes):
    fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=os.path.dirname(folder / "state.bin"))
    with open(fd, "wb") as out:
        out.write(data)
    Path(tmp).replace(folder / "state.bin")  # MBX304
""",
            unsafe=True,
        ),
        # The target is known only after the temp file is written: no fix.
        """
import hashlib, os, tempfile
def store(blob_dir, data):
    fd, tmp = tempfile.mkstemp()
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    name = hashlib.sha256(data).hexdigest()
    os.replace(tmp, os.path.join(blob_dir, name))  # MBX304
""",
    ]

    def check(self, module):
        events = [e for e in module.events_of(FileRename)
                  if e.temp is not None and e.temp.origin == "tempfile" and not e.temp.has_dir
                  and e.temp.dir_arg != "helper"  # a helper chooses the folder: not seen here
                  and not derived_from(e.dst, e.src)]  # ``tmp`` to ``tmp + ".1"``: beside itself
        # One temp renamed onto targets that may differ has no single directory to go in.
        targets = {}
        for event in events:
            targets.setdefault(event.temp.site, set()).add(event.dst)
        for event in events:
            temp = event.temp
            fixable = (
                temp.site is not None and temp.dir_arg in ("absent", "none")
                and event.dst_at_temp and len(targets[temp.site]) == 1
            )
            plan = temp_dir_plan(event, blocks_of(module)) if fixable else \
                no_fix("the target may differ where the temp file is made")
            yield self.finding(event.node, plan=plan, op=spelled_op(event), line=temp.line, path=_spell(event.dst, event.dst_node, module))


class UnlinkThenRename(Rule):
    """The target is removed before a rename puts the new file in its place.

    ## What it does
    Reports `os.rename(src, dst)` (also `os.replace`, `os.renames`, `Path.rename`, `Path.replace`) when
    `os.remove(dst)`, `os.unlink(dst)` or `Path.unlink()` (`missing_ok` given by keyword or by
    position, `unlink(True)`) of the same file ran before it on some
    path (typically in `try: ... except OSError: pass`), and nothing re-created `dst` since.
    A path built from a name (`os.path.join(d, name)`) names another file once the name is
    bound again (a second `for name in ...`): a removal before that is not the target's.

    ## Why is this bad?
    Between the unlink and the rename the file does not exist: a reader gets
    `FileNotFoundError`, and if the process dies there, the old contents are gone as well. The
    Sage cache writer removed the cache before renaming onto it to please Windows
    (sage-star-imports-cache-race); the standard library's `mailbox` does the same when a rename
    fails (CPython bpo-1599254). `os.replace` overwrites atomically on every platform.

    ## Example
    ```python
    try:
        os.unlink(cache_file)
    except OSError:
        pass
    os.rename(tmp_file, cache_file)
    ```

    ## Use instead
    ```python
    os.replace(tmp_file, cache_file)
    ```

    ## Fix safety
    Sometimes safe: the removal is dropped and the rename becomes `os.replace(src, dst)`
    (`Path.replace`). Safe when `src` is a temp file made by `tempfile` in the same function
    and the removal tolerates a missing `dst` (under `if os.path.exists(dst):`, in a `try`
    whose handlers catch `FileNotFoundError` or a base of it, in `contextlib.suppress` of one,
    `Path.unlink(missing_ok=True)`). Unsafe otherwise, because one edge changes:
    when `src` and `dst` are hard links of one file, `os.replace` does nothing and leaves both
    names, where the removal and the rename left only `dst`; and a bare removal raised
    `FileNotFoundError` when `dst` was missing, which `os.replace` does not. None for
    `os.renames`, which also makes the target's folders. Unsafe too when
    the module rebinds the exception the handler names (`FileNotFoundError = ...`): the
    handler did not catch a missing file then.
    The removal may be an earlier statement of the rename's block or of an enclosing one when
    the rename sits in a `try:` or `with` body (Sage's separate `try: os.rename(...)`), so
    that it still runs on every path that ran the removal. It may be bare, the last statement
    of a `try` whose handlers only `pass` or of `with contextlib.suppress(...)`, or in the
    body of `if os.path.exists(dst):` (also `isfile`, `lexists`, `dst.exists()`), alone or in
    one of those shapes; only the removal goes, the rest of its `try`/`if` stays (the whole
    statement when nothing is left). The removal is the one the analysis resolved
    (`os.remove`/`os.unlink` as imported, `dst.unlink()`), never another call of that name.
    Reported with no fix, the removal left in place: a
    removal followed by other statements in its `try` (they ran only when the removal
    succeeded), a `try` with a handler that does more than `pass` (a logged failure would go
    unlogged) or with `else:`/`finally:`, another removal shape (under an `if` that is not
    an existence check of `dst`, say), a rename under an `if` or in a loop or handler, or
    sharing its line with other statements, and a `return`/`raise`/`break`/`continue`/
    `yield`/`del` or a rebinding of `dst` between the removal and the rename: those paths
    would keep the old file where they used to have none.
    """

    code = "MBX305"
    TRIGGERS = ("rename", "replace", "move")  # os.replace() and shutil.move() count too
    PATH_SCOPE_TRIGGERS = RENAME_WORDS
    name = "unlink-then-rename"
    seed = SEED_SAGE
    fix_safety = "sometimes"
    message = (
        "{op}() onto {path}, which was removed at line {line}: readers find no file in between; "
        "use os.replace() alone"
    )
    VALID = [
        """
import os
def save(tmp, path):
    os.replace(tmp, path)
""",
        """
import os
def rotate(log):
    os.remove(log + ".2")
    os.rename(log + ".1", log + ".3")
""",
    ]
    INVALID = [
        Invalid(
            """
import os
def save(tmp_file, cache_file):
    try:
        os.unlink(cache_file)
    except OSError:
        pass
    os.rename(tmp_file, cache_file)  # MBX305
""",
            fixed="""
import os
def save(tmp_file, cache_file):
    os.replace(tmp_file, cache_file)  # MBX305
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
def save(tmp, path):
    if os.path.exists(path):
        os.remove(path)
    os.rename(tmp, path)  # MBX305
""",
            fixed="""
import os
def save(tmp, path):
    os.replace(tmp, path)  # MBX305
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
def save(tmp_file, cache_file):
    try:
        os.unlink(cache_file)
    except OSError:
        pass  # cache_file does not exist, fine
    try:
        os.rename(tmp_file, cache_file)  # MBX305
    except OSError:
        pass
""",
            fixed="""
import os
def save(tmp_file, cache_file):
    try:
        os.replace(tmp_file, cache_file)  # MBX305
    except OSError:
        pass
""",
            unsafe=True,
        ),
        Invalid(
            """
import logging, os
def save(tmp, path):
    try:
        logging.info("replacing %s", path)
        os.remove(path)
    except FileNotFoundError:
        pass
    os.rename(tmp, path)  # MBX305
""",
            fixed="""
import logging, os
def save(tmp, path):
    try:
        logging.info("replacing %s", path)
    except FileNotFoundError:
        pass
    os.replace(tmp, path)  # MBX305
""",
            unsafe=True,
        ),
        Invalid(
            """
import os, tempfile
def save(data, path):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.rename(tmp, path)  # MBX305
""",
            fixed="""
import os, tempfile
def save(data, path):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)  # MBX305
""",
        ),
        """
import os
def save(tmp, path, dry_run):
    os.remove(path)
    if dry_run:
        return  # no file left here: the fix would change that, so it is not made
    os.rename(tmp, path)  # MBX305
""",
    ]

    def check(self, module):
        for event in module.events_of(FileRename):
            if unlinked_first(event):
                yield self.finding(event.node, plan=replace_plan(event, module.facts, blocks_of(module)), op=spelled_op(event),
                                   path=_spell(event.dst, event.dst_node, module), line=event.removed)


class RenameToOverwrite(Rule):
    """`os.rename` is used to replace an existing file.

    ## What it does
    Reports `os.rename(src, dst)` and `Path.rename(dst)` where the rename is meant to replace
    `dst`: `src` is a temp file from `tempfile`, or a name built from `dst` (`dst + ".tmp"`,
    `f"{dst}.new"`, `dst.with_suffix(...)`, `dst.with_name(...)`, also where `dst` is a
    path whose type is written nowhere, as in MBX302; `".".join([dst, "tmp"])` with a constant
    separator over a display of the parts is `dst + ".tmp"`) that this function wrote (directly,
    in a mode parameter's constant default, `def safe_overwrite(file, data, *, mode="w")`, or
    through a helper of the module that opens a file and returns it or that writes the file it
    is given, with the call's constant mode or the default, as in MBX301), or the rename retries an
    earlier rename of the same two names that failed (a rename in the other arm of the same
    `if`, such as `if os.name == "nt": ... else: ...`, is an alternative, not a retry). A name
    in the target's own folder built from it (`target.parent / (target.name + ".tmp")`)
    counts as built from `dst`, and so does a name in the same folder as `dst` whose last
    part is built from `dst`'s last part (`os.path.join(d, name + ".tmp")` onto
    `os.path.join(d, name)`, `"%s.bak" % name`) or, both constant, starts with it or shares
    its stem and says it is a temp (`"state.json.tmp"`, `"state.tmp"` or `".currentTmp"`
    beside `"state.json"` or `".current"`: *tmp*, *temp*, *new*, *part*, *bak*, `~`); through
    a helper of the module whose body only returns such a name built from its parameter
    (`self._tmp_path(path)` with `return f"{path}.tmp"`) too. Made as a
    link (`os.symlink(x, tmp)`, `os.link(x, tmp)`) counts as written, with nothing to sync. So
    does a `self` attribute that a method of the class
    built from the target's attribute and opened for writing (`self.tmpname = filename +
    ".tmp"` next to `self.filename = filename` in `__init__`, renamed in `close()`; the open
    may be a helper's, `self.file = safe_open(self.tmpname, "w")`), when every binding of
    both attributes in the class agrees, or that `__init__` built beside the target's from
    the same parameters (`self._path = join(d, name)`, `self._bak = join(d, name + ".bak")`).
    A temp file's name that one method of the class keeps on `self`, bound nowhere else
    (`self._tempname = tempfile.mktemp(...)`, or a helper of the module that returns a new
    temp's name), is that temp file in every method. A file a helper writes and returns by name
    (`tmppath = self.save_to_tmp_file(...)`) is not taken for a temp file: it is neither from
    `tempfile` nor built from the target, and in a Maildir its rename is the delivery onto a
    fresh name. A target spelled as where a link leads (`os.path.realpath(p)`, `p.resolve()`,
    or a local bound only to one) is not the name a temp built from `p` was named after: that
    temp sits beside the link. Not reported when the function first moved the old target
    aside (`os.rename(path, path + ".bak")`, a backup, or onto a fresh `mkstemp()` name): the
    rename creates the target again, and so does moving the backup back. Not
    reported where the rename runs off Windows only (in `if os.name == "posix":`, the `else:`
    of `if sys.platform == "win32":` or `sys.platform.startswith("win")`, `platform.system()
    != "Windows"`): the failure it warns of cannot happen there. Not reported when an
    `except` around it that does not raise again catches its failure and the same file is
    then moved or replaced onto the target (`shutil.move`, `os.replace`, `Path.replace`),
    which overwrites; a handler that only logs still leaves the file unsaved there. Not
    reported for renames onto fresh names
    (a Maildir `tmp/` to `new/` move, queue files whose name is built, directly, through
    variables or in a `self` attribute, from `uuid`, `time`, `os.getpid()`, `hashlib`,
    `random` or `secrets`, or from the name of a temp file made here: `tmp.name + ".sha"`),
    for targets in a fresh
    private directory, when the target is a `.lock` file (the rename *is* the lock), when a
    check that the target does not exist (a false `isdir()` is none, as in MBX302) is in
    force on every path to the rename (`if os.path.exists(dst): raise ...`, or the rename
    inside `if not os.path.exists(dst):`):
    the rename is meant to create `dst`, and failing where another process made it since
    is what such code wants; and where MBX305 or MBX303 already report the same rename.

    ## Why is this bad?
    On Windows `os.rename` raises `FileExistsError` when `dst` exists, so code that works on
    POSIX breaks there, and the usual workaround, removing `dst` first, opens a window where the
    file is missing (sage-star-imports-cache-race, and the offlineimap state files of
    offlineimap-state-file-atomicity, saved as `name + ".tmp"` then renamed).

    ## Example
    ```python
    with open(path + ".tmp", "w") as f:
        f.write(state)
    os.rename(path + ".tmp", path)
    ```

    ## Use instead
    ```python
    with open(path + ".tmp", "w") as f:
        f.write(state)
    os.replace(path + ".tmp", path)
    ```

    ## Fix safety
    Unsafe: `os.rename` becomes `os.replace` (`Path.rename` becomes `Path.replace`). On POSIX
    nothing changes; on Windows the replace now succeeds where the rename raised, which code
    that relied on the error to detect an existing target will notice.
    """

    code = "MBX306"
    TRIGGERS = ("rename",)
    PATH_SCOPE_TRIGGERS = RENAME_WORDS
    name = "rename-to-overwrite"
    seed = SEED_OFFLINEIMAP
    fix_safety = "unsafe"
    message = "{op}() {why}; it fails on Windows when {path} exists: use {replacement}"
    VALID = [
        """
import os, tempfile
def save(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if os.name == "posix":
        os.rename(tmp, path)
    else:
        os.replace(tmp, path)
""",
        """
import os
def deliver(maildir, name):
    os.rename(os.path.join(maildir, "tmp", name), os.path.join(maildir, "new", name))
""",
        """
import os
def acquire(path):
    os.rename(path + ".tmp", path + ".lock")
""",
        """
import os, uuid
def enqueue(spool, data):
    final = os.path.join(spool, uuid.uuid4().hex + ".msg")
    with open(final + ".tmp", "w") as f:
        f.write(data)
    os.rename(final + ".tmp", final)  # a fresh unique name: nothing to overwrite
""",
        """
import os
def save(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)
""",
    ]
    INVALID = [
        Invalid(
            """
import os
def safe_overwrite(file, data, *, mode="w"):
    tmpname = str(file) + ".tmp"
    with open(tmpname, mode) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmpname, file)  # MBX306
""",
            fixed="""
import os
def safe_overwrite(file, data, *, mode="w"):
    tmpname = str(file) + ".tmp"
    with open(tmpname, mode) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmpname, file)  # MBX306
""",
            unsafe=True,
        ),
        Invalid(
            """
import os
def save(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        os.fsync(f.fileno())
    os.rename(tmp, path)  # MBX306
""",
            fixed="""
import os
def save(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        os.fsync(f.fileno())
    os.replace(tmp, path)  # MBX306
""",
            unsafe=True,
        ),
        Invalid(
            """
from pathlib import Path
def save(path: Path, text):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.rename(path)  # MBX306
""",
            fixed="""
from pathlib import Path
def save(path: Path, text):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)  # MBX306
""",
            unsafe=True,
        ),
        Invalid(
            """
import os, tempfile
def save(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, path)  # MBX306
""",
            fixed="""
import os, tempfile
def save(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.replace(tmp, path)  # MBX306
""",
            unsafe=True,
        ),
    ]

    def check(self, module):
        renames = module.events_of(FileRename)
        # (scope, path) -> lines where the path was renamed away to another name
        moved_away = {}
        for event in renames + module.events_of(FileMovedAway):
            if not isinstance(event, FileRename) or event.src != event.dst:
                moved_away.setdefault((id(event.scope.node), event.src), []).append(event.node.lineno)
        # (scope, line) of each rename that a move or replace of the same pair retries
        overwritten = {(id(event.scope.node), event.retry_of) for event in renames
                       if event.retry_of is not None and event.op in OVERWRITING_MOVES}
        bound = {}  # scope -> its names' bound values (see _resolved_link)
        for event in renames:
            if event.op not in ("os.rename", "Path.rename") or event.fresh_dst:
                continue  # a fresh unique target (uuid, time, pid, hash) does not exist yet
            if event.caught and (id(event.scope.node), event.node.lineno) in overwritten:
                continue  # its failure is caught, and a move that overwrites is tried instead
            if locked_rename(self, event) is not None or unlinked_first(event) or lock_test(event):
                continue
            if event.dst_guard is not None and event.dst_guard.found_no_file:
                continue  # checked absent: the rename creates the target, and must not clobber one made since
            if any(line < event.node.lineno for line in moved_away.get((id(event.scope.node), event.dst), ())):
                continue  # the old file was moved aside first (a backup): the rename creates the target
            temp = event.temp
            if temp is not None and temp.origin == "tempfile":
                why = "moves a temp file created at line %d onto an existing file" % temp.line
            elif event.derived and temp is not None and not _resolved_link(event, module.facts.resolve, bound):
                why = "moves a file named after its target, written at line %d, over it" % temp.line
            elif event.retry_of is not None:
                why = "retries the rename of line %d" % event.retry_of
            else:
                continue
            if _posix_only(event.node, blocks_of(module), module.facts.resolve):
                continue  # under ``if os.name == "posix":``: the Windows failure cannot happen there
            replacement = "os.replace()" if event.op == "os.rename" else "Path.replace()"
            yield self.finding(event.node, plan=rename_plan(event, blocks_of(module)), op=spelled_op(event), why=why,
                               path=_spell(event.dst, event.dst_node, module),
                               replacement=replacement)


#: what follows a link to the file it names
_LINK_RESOLVERS = frozenset({"os.path.realpath"})


def _resolved_link(event, resolve, bound) -> bool:
    """Whether the rename's target is spelled as the file a link leads to
    (``os.path.realpath(p)``, ``p.resolve()``, or a local bound only to one) while the
    temp's name was built from ``p`` itself: that temp sits beside the link, so it is not
    named after the file it replaces (``tmp = resolved + ".tmp"`` is). ``bound``: each
    scope's bindings by name, gathered once."""
    def resolving(node):
        return isinstance(node, ast.Call) and (
            resolve(node.func) in _LINK_RESOLVERS
            or isinstance(node.func, ast.Attribute) and node.func.attr == "resolve" and not node.args)

    names = bound.get(id(event.scope.node))
    if names is None:  # the scope's bindings, gathered once however many renames it holds
        names = bound[id(event.scope.node)] = {}
        for target, value in bindings_of(event.scope.node):
            if isinstance(target, ast.Name):
                names.setdefault(target.id, []).append(value)

    def bound_values(name):
        return names.get(name, [])

    node = event.dst_node
    if isinstance(node, ast.Name):
        values = bound_values(node.id)
        if not values or not all(resolving(value) for value in values):
            return False
    elif not resolving(node):
        return False
    # What the source is spelled with: its expression, and a local's bindings one step back.
    spelling = [event.src_node]
    if isinstance(event.src_node, ast.Name):
        spelling += [value for value in bound_values(event.src_node.id) if value is not None]
    for part in spelling:
        for child in ast.walk(part):
            if resolving(child) or isinstance(node, ast.Name) and isinstance(child, ast.Name) and child.id == node.id:
                return False  # the temp was named after the resolved target itself
    return True


#: moves that replace an existing target on every platform (``shutil.move`` copies over it
#: when the rename it tries first fails)
OVERWRITING_MOVES = frozenset({"os.replace", "Path.replace", "shutil.move"})
#: how a test of the platform is spelled: the name tested, and the values naming Windows
_PLATFORM_NAMES = {"os.name": ("nt",), "sys.platform": ("win32", "cygwin"),
                   "platform.system": ("Windows",)}
#: how many enclosing blocks are looked through for a test of the platform
_PLATFORM_DEPTH = 16


def _windows_test(test, resolve):
    """True when ``test`` holds on Windows only (``os.name == "nt"``,
    ``sys.platform.startswith("win")``), False when it holds off Windows only (``os.name ==
    "posix"``, ``sys.platform != "win32"``, ``not ...``), None when it says nothing of the
    platform."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, not negated
    windows = None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        left, op, value = test.left, test.ops[0], test.comparators[0].value
        if isinstance(left, ast.Call) and not left.args:
            left = left.func  # ``platform.system()``
        names = _PLATFORM_NAMES.get(resolve(left) or "")
        if names is not None and isinstance(value, str) and isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
            windows = value in names if isinstance(op, (ast.Eq, ast.Is)) else None
            if isinstance(op, (ast.NotEq, ast.IsNot)):
                windows = False if value in names else None
    elif isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith" \
            and resolve(test.func.value) == "sys.platform" and len(test.args) == 1 \
            and isinstance(test.args[0], ast.Constant) and isinstance(test.args[0].value, str):
        windows = True if test.args[0].value in ("win", "win32", "cygwin") else False
    if windows is None:
        return None
    return not windows if negated else windows


def _posix_only(node, blocks, resolve) -> bool:
    """Whether ``node`` runs only off Windows: in the body of an ``if`` whose test holds off
    Windows only, or in the ``else:`` of one that holds on Windows only."""
    stmt = blocks.statement_holding(node)
    if stmt is None:
        return False
    for depth, (owner, block) in enumerate(blocks.enclosing(stmt)):
        if depth >= _PLATFORM_DEPTH:
            return False
        if isinstance(owner, ast.If):
            windows = _windows_test(owner.test, resolve)
            if windows is not None and (block is owner.body) == (not windows):
                return True
    return False


#: exceptions whose handling lets a create, a removal or a read of a checked file lose the race harmlessly
CREATE_TOLERATED = CATCHES_ANY_OS_ERROR | {"FileExistsError"}
REMOVE_TOLERATED = CATCHES_ANY_OS_ERROR | {"FileNotFoundError"}

#: how many statements of a ``with`` body are looked at for constant writes
_CONSTANT_WRITES = 64


def _only_consequence(guard, event, end) -> bool:
    """Whether the create that ``end`` ends (None: not one writing the same text every run)
    is the last thing the check decides: the ``if`` that checked has no ``else``, and its body
    ends with the create (or with a ``try`` around it alone), or, in a function whose body
    goes on after ``if p.is_file(): return``, the create ends that body. Code that goes on
    after it (``return "created"``) acts on having made the file itself."""
    checked = guard.node
    if end is None or not isinstance(checked, ast.If) or checked.orelse:
        return False
    if _returns_nothing(checked.body) and event.scope.is_function:
        return _ends_function_after(event.scope.node, checked, end)
    if event.scope.is_function and _returns_the_same_after(event.scope.node, checked, end):
        return True
    last = _last_doing(checked.body)
    if isinstance(last, ast.Try) and not last.orelse and not last.finalbody:
        last = _last_doing(last.body)
    return last is end


def _returns_the_same_after(func, checked, stmt) -> bool:
    """Whether the check's body only returns a name (``if exists(p): return p``) and, in the
    function's body after it, ``stmt`` is followed by nothing but a return of that same name
    (``return p``), bound nowhere in between: the caller gets the same answer whether the
    file was there or made."""
    body = _doing(checked.body)
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return False
    value = body[0].value
    block = _block_ending_function(func, checked)
    if not isinstance(value, ast.Name) or block is None:
        return False
    after = _doing(block[block.index(checked) + 1:])
    return len(after) >= 2 and after[-2] is stmt and isinstance(after[-1], ast.Return) \
        and same(value, after[-1].value) and not any(value.id in bound_anywhere(s) for s in after)


def _ends_function_after(func, checked, stmt) -> bool:
    """Whether ``stmt`` is the last thing ``func`` does, in the block that holds ``checked``
    after it (alone or ending a ``try`` with no ``else`` nor ``finally``, whose handlers run
    only on some other error: a create that loses the race raises none); that block ends the
    function (see :func:`_block_ending_function`)."""
    block = _block_ending_function(func, checked)
    if block is None:
        return False
    last = _last_doing(block)
    if block.index(last) <= block.index(checked):
        return False
    if isinstance(last, ast.Try) and not last.orelse and not last.finalbody:
        last = _last_doing(last.body)  # ``try: p.write_text(T)`` / ``except OSError: log``
    return last is stmt


def _block_ending_function(func, stmt) -> Optional[list]:
    """The block holding ``stmt`` when it is the function's body, or the body of a ``try``
    whose ``finally`` only passes (and has no handler nor ``else``) that itself ends such a
    block: what follows ``stmt`` there is the rest of what the function does. None otherwise."""
    block = func.body
    while True:
        if any(s is stmt for s in block):
            return block
        last = _last_doing(block)
        if not (isinstance(last, ast.Try) and not last.handlers and not last.orelse
                and all(isinstance(s, ast.Pass) for s in last.finalbody)):
            return None
        block = last.body


def _returns_nothing(body) -> bool:
    """A block that does nothing but ``return`` (or ``return None``): ``pass`` aside, and
    whatever follows the return, which never runs."""
    first = next((s for s in body if not isinstance(s, ast.Pass)), None)
    return isinstance(first, ast.Return) and (
        first.value is None or isinstance(first.value, ast.Constant) and first.value.value is None)


_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def _doing(body) -> list:
    """The statements of ``body`` that run and decide something: not ``pass``, and none
    after a ``return``, ``raise``, ``break`` or ``continue`` (dead code)."""
    doing = []
    for stmt in body:
        if not isinstance(stmt, ast.Pass):
            doing.append(stmt)
            if isinstance(stmt, _JUMPS):
                break
    return doing


def _last_doing(body):
    """The last statement of ``body`` that runs and is not ``pass`` (see :func:`_doing`)."""
    doing = _doing(body)
    return doing[-1] if doing else body[-1]


def _constant_create_end(event, guard, texts: ConstantTexts, last_loads) -> Optional[ast.stmt]:
    """The statement that ends a truncating create writing the same text on every run, None
    when it is not one: `p.write_text(TEXT)`; a ``with open(p, "w") as f:`` whose body only
    calls ``f.write(TEXT)`` (or ``f.writelines`` of a list of them, ``print(TEXT, file=f)``).
    ``TEXT`` a constant (see :meth:`~..analysis.constants.ConstantTexts.constant`). Blank
    text (``"\\n"``) makes a placeholder, as an empty create does, when the path is read again
    after the check: it is then a file for something else to fill. Looked at only for an open
    about to be reported."""
    call, stmt = event.node, event.stmt
    scope = event.scope.node
    func = call.func
    written: list = []  # the text nodes written
    end = None
    if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes"):
        if len(call.args) == 1 and texts.constant(call.args[0], scope):
            end = stmt
            written.append(call.args[0])
    elif isinstance(stmt, ast.With) and len(stmt.body) <= _CONSTANT_WRITES:
        item = next((item for item in stmt.items if item.context_expr is call), None)
        if item is not None and isinstance(item.optional_vars, ast.Name):
            name = item.optional_vars.id
            # a body of ``pass`` alone is an empty create: a file for something else to fill
            if all(isinstance(body_stmt, ast.Pass) or _writes_constant(body_stmt, name, texts, scope, written)
                   for body_stmt in stmt.body) and written:
                end = stmt
    if end is not None and all(_blank(node) for node in written) and _read_after(event, guard, last_loads):
        return None
    return end


def _blank(node) -> bool:
    """A string or bytes constant of white space only (``"\\n"``)."""
    return isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and not node.value.strip()


def _read_after(event, guard, last_loads) -> bool:
    """Whether the path created is read after the ``if`` that checked it, in the same scope:
    a name of it loaded below (``open_registry(path)``), or a path not spelt by one name.
    ``last_loads``: scope -> the last line loading each name, found once per scope."""
    path, checked = event.path_node, guard.node
    if not isinstance(path, ast.Name) or not isinstance(checked, ast.If):
        return True
    scope = event.scope.node
    lines = last_loads.get(id(scope))
    if lines is None:
        lines = last_loads[id(scope)] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.lineno > lines.get(node.id, 0):
                lines[node.id] = node.lineno
    return lines.get(path.id, 0) > (checked.end_lineno or checked.lineno)


def _writes_constant(stmt, name: str, texts: ConstantTexts, scope, written: list) -> bool:
    """Whether ``stmt`` writes constant text to the file object ``name``: ``name.write(TEXT)``,
    ``name.writelines([TEXT, ...])`` or ``print(TEXT, ..., file=name)``; the texts are added
    to ``written`` (a ``print`` as a line: never blank)."""
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if _prints_to(value, name):
        written.append(None)
        return all(texts.constant(arg, scope) for arg in value.args)
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name) and value.func.value.id == name
            and len(value.args) == 1 and not value.keywords):
        return False
    text = value.args[0]
    if value.func.attr == "writelines" and isinstance(text, (ast.List, ast.Tuple)):
        written.extend(text.elts)
        return all(texts.constant(element, scope) for element in text.elts)
    written.append(text)
    return value.func.attr == "write" and texts.constant(text, scope)


def _prints_to(value, name) -> bool:
    """``print(TEXT, ..., file=name)`` with no other keyword: the texts and a newline."""
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print" \
        and bool(value.args) and len(value.keywords) == 1 and value.keywords[0].arg == "file" \
        and isinstance(value.keywords[0].value, ast.Name) and value.keywords[0].value.id == name


def _appends_nothing(event, facts, arms) -> bool:
    """Whether an open in append mode writes nothing: closed at once (``open(p, "a").close()``,
    a bare ``open(p, "a")``, or ``f = open(p, "a")`` followed by ``f.close()``, with only
    ``f.write("")`` between), or a ``with`` whose body is only ``pass``, ``...``, a string,
    ``f.write("")`` or ``os.utime(...)`` (a touch)."""
    call, stmt = event.node, event.stmt
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        return value is call or _closes(value, call)
    if isinstance(stmt, ast.Assign) and _closes(stmt.value, call):
        return True  # ``fh = open(p, "a").close()``: what is kept is None
    if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        name = stmt.targets[0].id
        after = _following(event, stmt, arms)
        while after is not None and writes_nothing(after, [name]):
            after = _following(event, after, arms)  # ``f.write("")`` adds nothing
        return isinstance(after, ast.Expr) and _closes(after.value, name)
    if not isinstance(stmt, (ast.With, ast.AsyncWith)) or not any(item.context_expr is call for item in stmt.items):
        return False
    names = [item.optional_vars.id for item in stmt.items
             if item.context_expr is call and isinstance(item.optional_vars, ast.Name)]
    return all(isinstance(body_stmt, ast.Pass) or writes_nothing(body_stmt, names) or isinstance(body_stmt, ast.Expr) and (
        isinstance(body_stmt.value, ast.Constant)
        or isinstance(body_stmt.value, ast.Call) and facts.resolve(body_stmt.value.func) == "os.utime")
        for body_stmt in stmt.body)


def _closes(value, handle) -> bool:
    """Whether ``value`` is ``handle.close()``: ``handle`` a node, or a name as spelled."""
    if not (isinstance(value, ast.Call) and not value.args and not value.keywords
            and isinstance(value.func, ast.Attribute) and value.func.attr == "close"):
        return False
    closed = value.func.value
    return closed is handle if not isinstance(handle, str) else isinstance(closed, ast.Name) and closed.id == handle


def _following(event, stmt, arms):
    """The statement that runs next after ``stmt``, past any ``pass`` (each scope's
    statements are indexed once, in ``arms``)."""
    found = arms.get(id(event.scope.node))
    if found is None:
        found = arms[id(event.scope.node)] = Arms(event.scope.node)
    after = found.following(stmt)
    while isinstance(after, ast.Pass):  # a ``pass`` between does nothing
        after = found.following(after)
    return after


def _closes_untruncated(event, facts, arms) -> bool:
    """``os.close(os.open(p, flags))`` as a statement, or ``fd = os.open(p, flags)`` followed
    at once by ``os.close(fd)``, ``flags`` without ``os.O_TRUNC``: the descriptor's touch of
    ``_appends_nothing``."""
    call, stmt = event.node, event.stmt
    if len(call.args) < 2:
        return False
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and stmt.value.args == [call] \
            and facts.resolve(stmt.value.func) == "os.close":
        pass
    elif isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        after = _following(event, stmt, arms)
        if not (isinstance(after, ast.Expr) and isinstance(after.value, ast.Call)
                and facts.resolve(after.value.func) == "os.close" and len(after.value.args) == 1
                and isinstance(after.value.args[0], ast.Name) and after.value.args[0].id == stmt.targets[0].id):
            return False
    else:
        return False
    return all(facts.resolve(n) != "os.O_TRUNC" for n in ast.walk(call.args[1]) if isinstance(n, (ast.Name, ast.Attribute)))


def _ignores_errors(call) -> bool:
    """``shutil.rmtree(P, ignore_errors=True)``, or ``True`` given as its second argument."""
    if len(call.args) >= 2 and _is_true(call.args[1]):
        return True
    return any(k.arg == "ignore_errors" and _is_true(k.value) for k in call.keywords)


def _callers_ignore_errors(event, module, census) -> bool:
    """Whether the rmtree is in a private function of the module (see
    :meth:`~..analysis.summaries.ModuleSummaries.caller_candidates`) whose ``ignore_errors``
    comes from its caller, and every caller asks for it: ``def _rm(d, **opts): ...
    shutil.rmtree(d, **opts)`` with every use of ``_rm`` a call passing ``ignore_errors=True``
    (or ``ignore_errors=ignore``, with ``ignore`` a parameter every call passes ``True`` or
    leaves to a default of ``True``)."""
    summaries, func, call = module.facts.summaries, event.scope.node, event.node
    if summaries is None or summaries.caller_candidates().get(getattr(func, "name", None)) is not func \
            or summaries.functions.get(func.name) is not func:
        return False
    given = call.args[1] if len(call.args) >= 2 else next(
        (k.value for k in call.keywords if k.arg == "ignore_errors"), None)
    spread = func.args.kwarg.arg if func.args.kwarg is not None and given is None else None
    if spread is not None and not any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == spread
                                      for k in call.keywords):
        return False
    if spread is None and not (isinstance(given, ast.Name) and given.id in {a.arg for a in ast.walk(func.args)
                                                                           if isinstance(a, ast.arg)}):
        return False
    default = None if spread else constant_defaults(func.args).get(given.id)
    if not census:
        census[None] = None  # counted: the module has no name of that use
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                census.setdefault(node.func.id, [[], 0])[0].append(node)
            elif isinstance(node, ast.Name):
                census.setdefault(node.id, [[], 0])[1] += 1
    calls, uses = census.get(func.name) or ([], 0)
    if not calls or len(calls) != uses:
        return False  # a use other than a call: the helper may be called with anything
    for caller in calls:
        if spread is not None:
            passed = next((k.value for k in caller.keywords if k.arg == "ignore_errors"), None)
            if any(k.arg is None for k in caller.keywords):
                return False
        else:
            arguments = arguments_by_parameter(func, caller)
            if arguments is None:
                return False
            passed = arguments.get(given.id, default)
        if not _is_true(passed):
            return False
    return True


def _hands_errors_on(call, tree) -> bool:
    """``shutil.rmtree(P, onerror=h)`` (``onexc=h``, or ``h`` as its third argument), ``h``
    not None: each error goes to ``h``, not to the caller. Unless ``h`` is a function of the
    module one of whose own statements is a ``raise``: that one lets it escape."""
    handler = call.args[2] if len(call.args) >= 3 else next(
        (k.value for k in call.keywords if k.arg in ("onerror", "onexc")), None)
    if handler is None or isinstance(handler, ast.Constant) and handler.value is None:
        return False
    if isinstance(handler, ast.Name):
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == handler.id:
                return not any(isinstance(node, ast.Raise) for node in own_nodes(stmt))
    return True


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


#: why no fix rewrites the call of a helper that opens the file
HELPER_OPEN = "the file is opened by a helper, which chooses the mode and the errors raised"
#: an open whose mode is a parameter's default: a fix made for that mode is wrong for another
PARAMETER_MODE = "the mode is a parameter's default, and a caller may pass another"


def spelled_op(event) -> str:
    """The rename as a message names it: its function, or the helper of the module the code
    calls to make it (``atomic_rename``)."""
    if getattr(event, "helper", False):
        return dotted_name(event.node.func) or event.op
    return event.op


def _may_convert_missing(event, module) -> bool:
    """Whether the helper an open is made through may raise its own error for a missing
    file (see :meth:`~..analysis.summaries.ModuleSummaries.may_convert_missing`)."""
    summaries = module.facts.summaries
    if summaries is None:
        return True
    return summaries.may_convert_missing(event.node, event.scope.enclosing_class, event.scope.self_name)


def _what(node) -> str:
    """The call as a message names it: ``codecs.open()``, ``self.write()``, ``p.write_text()``;
    ``.write_text()`` when what it is called on is not a name or an attribute chain."""
    func = node.func
    if hasattr(func, "attr"):
        owner = dotted_name(func.value)
        if owner is not None and len(owner) <= _SPELLED_OWNER:
            return "`%s.%s()`" % (owner, func.attr)
        return "`.%s()`" % func.attr
    return "`%s()`" % getattr(func, "id", "open")


#: the longest dotted name a message spells in front of a method it names
_SPELLED_OWNER = 40


def _spell(key: str, node=None, module=None) -> str:
    """A path as the message shows it: ``node``'s source text (see :mod:`.spelling`)."""
    return spell_path(key, node, module.lines if module is not None else None)
