"""MBX9: opinionated rules, off unless a selection names them (seeds: the offlineimap state
files, the Cyrus imapd index check race).

They describe real hazards, but ones that many programs accept knowingly (a single writer, a
cache that may be lost), so they run only with ``--select MBX``, ``--select MBX9`` or
``--extend-select MBX9xx`` (flake8: ``--extend-select=MBX9``).
"""

import ast

from ..analysis.arms import Arms
from ..analysis.events import FileMtime, FileOpen, FileRename
from ..analysis.paths import OPEN_WORDS, RENAME_WORDS, open_mode
from ..analysis.paths.places import FILE_LOCKS, FoldersMade, PassedFiles, Places, WrittenFirst, \
    created_for_callers, creates_missing, file_slots, lock_only_names
from ..analysis.testcode import in_test, is_test
from ..plans import no_fix
from ..plans.atomic import atomic_plan
from ..plans.statements import blocks_of
from .writes import empty_text, writes_nothing
from .base import Invalid, Rule
from .files import PARAMETER_MODE, spelled_op
from .spelling import spell_path

SEED_OFFLINEIMAP = "offlineimap-state-file-atomicity"
SEED_IMAPD = "cyrus-imapd-index-check-race"


#: the parameters of ``open`` after the file, in order, that ``atomic_write`` passes on
OPEN_PARAMETERS = ("mode", "buffering", "encoding", "errors", "newline")
_WRITE_TEXT_PARAMETERS = ("encoding", "errors", "newline")


def _arguments_fit(call, positional, keywords) -> bool:
    """No ``*args``, at most ``positional`` positional arguments, keywords among ``keywords``
    (``**kwargs`` passes through)."""
    if any(isinstance(arg, ast.Starred) for arg in call.args) or len(call.args) > positional:
        return False
    return all(k.arg is None or k.arg in keywords for k in call.keywords)


#: attributes of the file object that mean something else on atomic_write's temp file: its
#: name is the temp's, and closing it early makes the commit fail
_FILE_ITSELF = frozenset({"close", "detach", "name"})


def _uses_the_file_itself(stmt, item) -> bool:
    if not isinstance(item.optional_vars, ast.Name):
        return False
    name = item.optional_vars.id
    return any(isinstance(node, ast.Attribute) and node.attr in _FILE_ITSELF
               and isinstance(node.value, ast.Name) and node.value.id == name
               for body_stmt in stmt.body for node in ast.walk(body_stmt))


def _atomic_write_fits(event, facts) -> bool:
    """Whether the fixer can turn this truncating write into ``atomic_write``: an ``open`` that
    is the context manager of a ``with`` (not ``f = open(...)``, whose later ``close()`` the
    fixer cannot move), in a mode ``atomic_write`` takes (no ``+``: it yields a write-only
    file), or a ``write_text``/``write_bytes`` that is a statement of its own."""
    call, stmt = event.node, event.stmt
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes"):
        if not (isinstance(stmt, ast.Expr) and stmt.value is call):
            return False
        return _arguments_fit(call, 4, _WRITE_TEXT_PARAMETERS) if func.attr == "write_text" \
            else _arguments_fit(call, 1, ())
    item = next((i for i in stmt.items if i.context_expr is call), None) if isinstance(stmt, ast.With) else None
    if item is None or _uses_the_file_itself(stmt, item):
        return False
    name = facts.resolve(func)
    if name in ("builtins.open", "io.open"):
        mode, index = open_mode(call), 1
        fits = _arguments_fit(call, 1 + len(OPEN_PARAMETERS), ("file",) + OPEN_PARAMETERS)
    elif name is None and isinstance(func, ast.Attribute) and func.attr == "open":  # Path.open
        mode, index = open_mode(call, 0), 0
        fits = _arguments_fit(call, len(OPEN_PARAMETERS), OPEN_PARAMETERS)
    else:
        return False  # gzip.open, codecs.open ...: not a plain file
    if mode == "?":
        # a mode held by a name is passed on as it is; one chosen in the call (``"w" if
        # there else "x"``) may be a mode atomic_write does not take
        spelled = next((k.value for k in call.keywords if k.arg == "mode"), None)
        if spelled is None and len(call.args) > index:
            spelled = call.args[index]
        if not isinstance(spelled, ast.Name):
            return False
    return fits and "+" not in mode


class InPlaceRewrite(Rule):
    """A file this module reads is rewritten in place.

    ## What it does
    Reports `open(P, "w")` (any truncating mode: `"wb"`, `"w+"`, `"wt"`; `aiofiles.open` too,
    without a fix), `Path.open("w")` and
    `Path.write_text()`/`write_bytes()` when the same module also reads `P` (an `open(P)` for
    reading or updating (`r+`), `Path.read_text()`/`read_bytes()`, `json.load(open(P))`, a `configparser`
    parser's `read(P)`, made there, kept on the instance by the class, which binds that
    attribute only to parsers it constructs, or kept in a module global the top level binds
    only to one, `CONFIG = ConfigParser()`, read in a function or at the top level): a
    state or cache file.
    "The same" is decided as in MBX3: for a local variable within one function, for `self`
    attributes within one class (`self.path + ".json"` in two methods; an open of
    `self.path` in the method that gives the attribute its value is of the attribute's
    file too, and so is one of the parameter a method stores, as a statement of its own, in
    the attribute and never rebinds: `self.path = path` (or `Path(path)`, `str(path)`) then
    `open(path)` in `__init__`),
    for constants and module globals in the whole module (bound by the top level or in its
    blocks: `if snap: STATE = A` / `else: STATE = B` is one file in every function that
    does not bind the name; and attributes of an
    imported module: `g.CACHEFILE` after `from . import g`, and a name imported from one,
    `from .paths import cache_file`, which `cache_file.open("w")` opens where any function
    of the module treats it as a path, `cache_file.is_file()`; a module constant bound only to a
    pathlib path, `CONFIG = Path(__file__).with_name("config.json")`, is one in every function
    that does not bind the name, so `CONFIG.open("w")` opens it); a parameter whose
    default is a module constant (`def load(path=STATE)`) is that constant's file, so is one
    that gets a value when none was passed (`def load(path=None): if path is None: path =
    EXPR`, `path = path or EXPR`, `path = expanduser(path) if path else EXPR`, or a local
    bound once so from a parameter never rebound, `cfg = path or EXPR`, or the argument
    `path or EXPR` of an open in a `with` or a statement of its own; what is
    done to a passed value is not followed), at the top of the body, or further down (after a loop,
    under an `if`) when that is the parameter's only binding in the function and EXPR is
    built from module names and `self` alone: EXPR's file, where `os.environ.get(NAME,
    DEFAULT)`, `os.environ[NAME]`, `os.getenv`, `expanduser`, `Path.home()` and the per-user
    folders of `appdirs`, `platformdirs` and `click.get_app_dir` spelled alike (the same
    arguments) in two functions are one file (a file a caller passes instead is not followed, as for a
    constant default), so is a function of another module named for the path it gives,
    called with the same constants (`get_config_path()`, `config.save_config_file("a.json")`,
    or a getter of an instance made afresh, `AppConfig().get_savefile()`; not one whose name
    says each call may give another file: `make_temp_file()`, `gettempdir()`, `list_files()`,
    `get_files()`), a function named for converting the one path it is given (`syspath(p)`,
    `bytestring_path(p)`, `normpath(p)`) is that path, and the same helper of the module
    called with the same arguments (`self.get_uid_file()` in a reader and a writer, or the
    same item of `state, temp = self._paths()`) is one file. That holds across functions
    too when the arguments are parameters of the calling functions, of the same names, that
    still hold what their callers passed (not rebound before the call): `def load(d, name):
    open(cache_file(d, name))` and `def dump(d, name, data): open(cache_file(d, name), "w")`
    read and rewrite one file for each value of `d` and `name`, whoever calls them (in one
    class for a method called on `self`); an argument that gives the helper's parameter its
    default (the same constant, or a parameter as passed whose own default is that
    constant: `def load(name, system=False): page_file(name, system)`) counts as left out,
    the file when none is passed. A parameter of another name, another helper, or a
    parameter rebound first is another file. So is a path built in the function itself from
    parameters of the same names that it never rebinds, when a constant in it names a file
    or a folder below (`os.path.join(env["STORAGE_ROOT"], "dns/custom.yaml")` in a reader and a
    writer each given `env`; not a suffix alone, `d + ".tmp"`, nor a bare parameter, `def
    read(path)` and `def write(path, text)`), or when the rest of it is a folder the instance
    or the module names (`os.path.join(self.path, "tmp", f"{app_name}.json")` in two methods
    given `app_name`, `os.path.join(repository, IDENT_FILE)`): one entry of one store. A
    local the function binds once and hands on, under its own name, to such a parameter of a
    function of the module counts as that parameter (`blog = pick()` then `publish(blog)` to
    `def publish(blog)`: a file named from `blog` in either is one file). A bare parameter (`def load(path)`, `def
    save(path, data)`) never rebound is the file every call in the module passes it, when
    that is one constant or module global (at least one call, each by the function's name:
    `_save(STATE, data)`, `Settings._save(STATE, data)`, `self._save(STATE, data)`, and no
    other use of the name, such as `map(_save, paths)`); a function with no such calls is
    not followed (a helper that opens what it is given is reported where it is called, as
    above, and only if it writes the file on every way through it: not in the `else` of a
    `try` whose handler goes on, nor after a `return` of its own under a test (`if size ==
    0: return`); a method rewriting its instance's file is reported at its
    own open, not at its calls, and so is a helper rewriting the file its parameter's
    default names, at a call giving that default (`save_settings(s, config_path=config_path)`,
    both defaulting to `CONFIG_PATH`): one write, one finding; a read through such a helper, `read_cache_file(self._cache_file)`, is a read of
    the caller's file, even in a function that spells no `open` of its own, and one that
    opens it on some paths only, after its own check or under an `if`, is still a reader).
    A helper is one whose every
    `return` gives a path built from its arguments, module names, attributes and constants
    alone (joins, `+`, `%` and f-strings, arithmetic of such values, a width in a format
    spec say, conditionals, `a or b`, string methods, a `hashlib` digest, other such
    helpers of the module) and which changes nothing else (a helper that counts
    in an attribute, reads the clock or makes a uuid names another file at each call). Such
    a helper's path may be
    built from other methods of the class that take only the instance and return values
    built the same way (getters, followed at most four deep), and from `get...` accessors
    called with constants on an attribute of the instance (`self.config.getmetadata()`),
    which are one value wherever the class's methods spell them in a path too; a directory
    the helper creates before returning a name in it changes nothing. A helper of the module
    that opens a file and returns it (as in MBX301: `def state(mode="r"): return open(STATE,
    mode)`) opens it where it is called, in the mode the caller passes; such a rewrite is
    reported without a fix. In the function itself, a mode that is a parameter with a
    constant string default, never rebound, is that default: a rewrite in it (`def
    save(text, mode="w")`) is reported without a fix (a caller may pass another mode), but a
    read in it is no reader (such a helper is often the writer too, every call passing
    `"w"`). Not reported for devices and the kernel's files
    (`open("/dev/null", "w")`, `os.devnull`, `/proc/`, `/sys/`: not `/dev/shm/`, which holds
    ordinary files), whose "rewrite" truncates nothing anyone reads back, for an open that
    writes nothing (`p.open("w")` or `open(p, "w").close()` as a statement, `with open(p,
    "w"): pass` or only `f.write("")` in it (`"".encode()` too, with `f.flush()` and
    `os.fsync(f.fileno())` beside), `f = open(p, "w")` closed after only that,
    `p.write_text("")`), which empties the file in
    one step, for temp files (also a name taken on the spot, `tempfile.NamedTemporaryFile().name`
    or `tempfile.mkstemp()[1]`),
    files in a fresh private directory
    (as in MBX301), under an inter-process lock (`filelock.FileLock`, `fcntl`, the project's
    own named by `extend-interprocess-locks`), in a private
    helper whose every call holds such a lock or passes a private file (as in MBX301), when
    the write creates a file that a `try:` just failed to open (`try: open(P)` `except
    OSError: open(P, "w")`, or there a call of a function of the module that writes the
    module-wide `P` and is called only from such handlers: `except IOError: create_db()`; or
    after such a `try`, when its body returns once the open succeeds and only handlers of a
    missing file go on, `except FileNotFoundError: pass` (or `OSError`, `IOError`, with
    kinds of it beside: `except (OSError, PermissionError):`), with an `if` of the same plain test
    around both allowed: `if self.use_cache:`) or that a check found missing (`if not os.path.isfile(P):
    open(P, "w")`: a create, whose race with another creator MBX302 reports; a false
    `isdir()` does not find a file missing, as in MBX302) or missing or empty, the write
    right in the body of the `if` that tests its path so (`if not p.exists() or
    p.stat().st_size == 0:`, `if os.path.getsize(P) == 0:`; not a size under some other
    bound), or in a folder that an `os.mkdir()`, `os.makedirs()` or `Path.mkdir()` without
    `exist_ok` made before it on every way to it in the same function (`makedirs(build)`
    then `open(join(build, "checksum"), "w")`, or `makedirs(dirname(CACHE))` then
    `open(CACHE, "w")`: the folder is new, so is the file), nor for a file
    written once and only read afterwards: the module's only truncating write of it, made
    before every read of it in the same function and outside loops (a read in the other arm
    of an `if`, `if stale: write` / `else: read`, is not after it: the file the write
    replaces is the one that arm reads). A write and a read in
    two different test functions (`test_*`) are not paired: each test runs on its own.
    Tests rewrite their own fixture files, which no other program reads: nothing is
    reported in a test module (one whose top level imports `pytest` or `unittest` and uses
    it, or defines a class whose base is named `TestCase` or ends so), nor for
    a write in a test (a `test*` function, a method of a `unittest` case or of a class
    pytest collects, `TestThing` without `__init__`, or a function defined in one).

    Off by default: programs with a single writer and no concurrent reader do not need it.

    ## Why is this bad?
    Opening with `"w"` truncates the file at once; until the write is done, a concurrent reader
    (another instance, a cron job) sees an empty or partial file, and a crash leaves it that
    way. offlineimap saves its status files to `name + ".tmp"` and renames them into place for
    exactly this reason (offlineimap-state-file-atomicity).

    ## Example
    ```python
    def load(self):
        with open(self.state_file) as f:
            return json.load(f)

    def save(self, state):
        with open(self.state_file, "w") as f:
            json.dump(state, f)
    ```

    ## Use instead
    ```python
    from mboxlint.mailbox import atomic_write

    def save(self, state):
        with atomic_write(self.state_file) as f:
            json.dump(state, f)
    ```

    ## Fix safety
    Unsafe: the write goes through `mboxlint.mailbox.atomic_write(P, mode, **open_kwargs)`
    (temp file in the same directory, fsync, `os.replace`, fsync of the directory), imported
    once: `with open(P, "w", encoding=e) as f:` (also `io.open`, `Path.open`) becomes
    `with atomic_write(P, encoding=e) as f:`, and a statement `p.write_text(data)` becomes
    `with atomic_write(p) as f: f.write(data)` (`write_bytes`: mode `"wb"`; the name is one the
    module does not use). Unsafe because the file gets a new inode: hard links to it are
    broken, processes holding it open keep the old contents, an owner the process may not
    give is lost, and the directory must be writable, not just the file. Where the fixer
    cannot keep the code's meaning the finding says no fix: `f = open(P, "w")` closed later
    (the close would have to become the commit), `"w+"` modes (the temp file is write-only,
    so reading back what was written fails), code that uses `f.name` or closes `f` inside
    the `with`, `gzip`/`codecs` opens, `closefd`/`opener`, `*args`, a `write_text` whose
    return value is used, and the open of a helper whose calls giving it another file are
    reported too (made atomic, it would change what those calls write as well, and their
    findings would go with no fix of their own).
    """

    code = "MBX901"
    TRIGGERS = ("open", "write_text", "write_bytes")
    PATH_SCOPE_TRIGGERS = OPEN_WORDS  # a read in one method, the rewrite in another
    name = "in-place-rewrite"
    seed = SEED_OFFLINEIMAP
    default_enabled = False
    fix_safety = "unsafe"
    message = (
        "{path} is read at line {line} and rewritten in place here: readers can see a truncated "
        "file; write a temp file and os.replace() it (mboxlint.mailbox.atomic_write)"
    )
    VALID = [
        """
import json
def load(path):
    with open(path) as f:
        return json.load(f)
def save(path, state):
    with open(path, "w") as f:  # another function's ``path``: not known to be the same file
        json.dump(state, f)
""",
        """
import json, os
from mboxlint.mailbox import atomic_write
STATE = "state.json"
def load():
    with open(STATE) as f:
        return json.load(f)
def save(state):
    with atomic_write(STATE) as f:
        json.dump(state, f)
""",
        """
import json, os
def load(path=None):
    if path is None:
        path = os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))
    with open(path) as f:
        return json.load(f)
def export(state, path=None):
    if path is None:  # another variable: not known to be the same file
        path = os.environ.get("APP_EXPORT", os.path.expanduser("~/.app-state"))
    with open(path, "w") as f:
        json.dump(state, f)
""",
        """
def export(report, rows):
    with open(report, "w") as f:  # written once, then only read
        f.write(rows)
    with open(report) as f:
        return f.read()
""",
        """
import json, os
def cache_file(cache_dir, name):
    return os.path.join(cache_dir, name + ".json")
def load(cache_dir, name):
    with open(cache_file(cache_dir, name)) as f:
        return json.load(f)
def export(cache_dir, entry, data):
    with open(cache_file(cache_dir, entry), "w") as f:  # another parameter: not known to be load()'s
        json.dump(data, f)
""",
    ]
    INVALID = [
        Invalid(
            """
import os
def rewrite_twice(name, first, second):
    with open(name + ".py", "w") as f:  # MBX901
        f.write(first)
    with open(name + ".py") as f:
        old = f.read()
    with open(name + ".py", "w") as f:  # MBX901
        f.write(second)
    return old
""",
            fixed="""
import os

from mboxlint.mailbox import atomic_write

def rewrite_twice(name, first, second):
    with atomic_write(name + ".py") as f:  # MBX901
        f.write(first)
    with open(name + ".py") as f:
        old = f.read()
    with atomic_write(name + ".py") as f:  # MBX901
        f.write(second)
    return old
""",
            unsafe=True,
        ),
        Invalid(
            """
import json
STATE = "state.json"
def load():
    with open(STATE) as f:
        return json.load(f)
def save(state):
    with open(STATE, "w") as f:  # MBX901
        json.dump(state, f)
""",
            fixed="""
import json

from mboxlint.mailbox import atomic_write

STATE = "state.json"
def load():
    with open(STATE) as f:
        return json.load(f)
def save(state):
    with atomic_write(STATE) as f:  # MBX901
        json.dump(state, f)
""",
            unsafe=True,
        ),
        Invalid(
            """
import json
class Status:
    def __init__(self, path):
        self.path = path
    def load(self):
        return json.loads(self.path.read_text())
    def save(self, data):
        self.path.write_text(json.dumps(data), encoding="utf-8")  # MBX901
""",
            fixed="""
import json

from mboxlint.mailbox import atomic_write

class Status:
    def __init__(self, path):
        self.path = path
    def load(self):
        return json.loads(self.path.read_text())
    def save(self, data):
        with atomic_write(self.path, encoding="utf-8") as f:  # MBX901
            f.write(json.dumps(data))
""",
            unsafe=True,
        ),
        Invalid(
            """
import pickle
CACHE = "cache.pickle"
def load():
    with open(CACHE, "rb") as f:
        return pickle.load(f)
def save(cache):
    with open(CACHE, "wb") as f:  # MBX901
        pickle.dump(cache, f)
""",
            fixed="""
import pickle

from mboxlint.mailbox import atomic_write

CACHE = "cache.pickle"
def load():
    with open(CACHE, "rb") as f:
        return pickle.load(f)
def save(cache):
    with atomic_write(CACHE, "wb") as f:  # MBX901
        pickle.dump(cache, f)
""",
            unsafe=True,
        ),
        Invalid(
            """
import json
STATE = "state.json"
def load(path=STATE):
    with open(path) as f:
        return json.load(f)
def save(state, path=STATE):
    with open(path, "w") as f:  # MBX901
        json.dump(state, f)
""",
            fixed="""
import json

from mboxlint.mailbox import atomic_write

STATE = "state.json"
def load(path=STATE):
    with open(path) as f:
        return json.load(f)
def save(state, path=STATE):
    with atomic_write(path) as f:  # MBX901
        json.dump(state, f)
""",
            unsafe=True,
        ),
        Invalid(
            """
import json, os
def load(path=None):
    if path is None:
        path = os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))
    with open(path) as f:
        return json.load(f)
def save(state, path=None):
    path = path or os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))
    with open(path, "w") as f:  # MBX901
        json.dump(state, f)
""",
            fixed="""
import json, os

from mboxlint.mailbox import atomic_write

def load(path=None):
    if path is None:
        path = os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))
    with open(path) as f:
        return json.load(f)
def save(state, path=None):
    path = path or os.environ.get("APP_STATE", os.path.expanduser("~/.app-state"))
    with atomic_write(path) as f:  # MBX901
        json.dump(state, f)
""",
            unsafe=True,
        ),
        Invalid(
            """
import json, os
def cache_file(cache_dir, name):
    return os.path.join(cache_dir, name + ".json")
def load(cache_dir, name):
    with open(cache_file(cache_dir, name)) as f:
        return json.load(f)
def dump(cache_dir, name, data):
    with open(cache_file(cache_dir, name), "w") as f:  # MBX901
        json.dump(data, f)
""",
            fixed="""
import json, os

from mboxlint.mailbox import atomic_write

def cache_file(cache_dir, name):
    return os.path.join(cache_dir, name + ".json")
def load(cache_dir, name):
    with open(cache_file(cache_dir, name)) as f:
        return json.load(f)
def dump(cache_dir, name, data):
    with atomic_write(cache_file(cache_dir, name)) as f:  # MBX901
        json.dump(data, f)
""",
            unsafe=True,
        ),
        """
import json
STATE = "state.json"
def load():
    with open(STATE) as f:
        return json.load(f)
def save(state):
    f = open(STATE, "w")  # MBX901 (no fix: the close() would have to commit)
    json.dump(state, f)
    f.close()
""",
    ]

    def check(self, module):
        facts = module.facts
        if facts.is_test_module:
            return  # tests rewrite their own fixture files, which no other program reads
        place = Places(facts)
        passed = PassedFiles(module)
        if not any(event.mode == "truncate" and passed.of_parameter(event) for event in module.events_of(FileOpen)):
            passed = None  # no rewrite of a parameter: the module's calls are not gathered
        reads = {}
        writes = {}
        opens = {}
        for event in module.events_of(FileOpen):
            opens.setdefault(event.path, []).append(event)
            for slot in file_slots(event, place, passed):
                if event.mode in ("read", "update") and not event.mode_default:  # ``r+`` reads too
                    # (a helper reading by a mode parameter's default may be the writer too)
                    reads.setdefault(slot, []).append(event)
                elif event.mode == "truncate":
                    writes.setdefault(slot, []).append(event)
        # A name built from another path is a temp only if it is renamed into place; one that
        # is written, read and rewritten but never renamed is the state file itself.
        renamed = {(place(event, event.src), event.src) for event in module.events_of(FileRename)}
        written_first = WrittenFirst()
        calls = None  # the module's calls by name, gathered for the first write that needs them
        created_for = {}  # (function, file) -> whether every call of it is in a failed open's handler
        tries = {}  # caller -> its ``try`` statements, found once
        # scope -> its file objects only ever locked, closed or handed back (None: no lock call
        # spelled in the module, so none can be)
        locked_only = {} if any(facts.spells(word) for word in FILE_LOCKS) else None
        empties_arms = {}  # scope -> its blocks indexed once (see _only_empties)
        made_folders = None  # the module's exclusive mkdirs, found for the first write that asks
        reported = []  # (event, finding), kept until calls of helpers reported inside are left out
        for event in module.events_of(FileOpen):
            if event.mode != "truncate" or event.iplock is not None:
                continue
            if event.of_instance:
                continue  # a method rewriting its instance's file: reported at its own open
            if event.helper and event.partial:
                continue  # the helper may return first (``if size == 0: return``): not every call writes
            temp = event.temp
            slots = file_slots(event, place, passed)
            if temp is not None and (temp.origin != "derived" or slots[0] in renamed) or in_test(event.scope) \
                    or _only_empties(event, locked_only, empties_arms):
                continue
            paired = list({id(read): read for slot in slots for read in reads.get(slot, ())
                           if not _separate_tests(read, event)}.values())
            rewrites = list({id(write): write for slot in slots for write in writes[slot]
                             if not _separate_tests(write, event)}.values())
            if not paired or creates_missing(event, opens) or written_first(event, rewrites, paired):
                continue
            if made_folders is None:
                made_folders = FoldersMade(module)
            if made_folders.hold(event.path, event.scope.node, event.stmt):
                continue
            if place(event)[0] == "module":
                if calls is None:
                    calls = passed if passed is not None else PassedFiles(module)
                created = created_for.get((id(event.scope.node), event.path))
                if created is None:
                    created = created_for[(id(event.scope.node), event.path)] = created_for_callers(
                        event, opens, calls, tries)
                if created:
                    continue
            if event.helper:
                plan = no_fix("the file is opened by a helper, which chooses the mode")
            elif event.mode_default:
                plan = no_fix(PARAMETER_MODE)
            elif _atomic_write_fits(event, facts):
                plan = atomic_plan(event, blocks_of(module))
            else:
                plan = no_fix("atomic_write does not take this open's mode or arguments")
            line = min(read.node.lineno for read in paired)
            reported.append((event, plan, line))
        # A call of a helper that rewrites the file its parameter's default names, giving that
        # default (``save_settings(s, config_path=config_path)``, both defaulting to
        # CONFIG_PATH), rewrites it through the helper's own open, reported there already:
        # one finding for one write.
        written = {(id(event.scope.node), event.path) for event, _plan, _line in reported if not event.helper}
        summaries = facts.summaries
        kept = []
        called = set()  # the helpers whose calls are reported
        for event, plan, line in reported:
            if event.helper and summaries is not None:
                scope = event.scope
                callee = summaries.callee_node(event.node, scope.enclosing_class, scope.self_name)
                if callee is not None and (id(callee[0]), event.path) in written:
                    continue
                if callee is not None:
                    called.add(id(callee[0]))
            kept.append((event, plan, line))
        for event, plan, line in kept:
            if not event.helper and id(event.scope.node) in called and plan.safety is not None:
                # the helper's own open made atomic would change what its reported calls
                # write too: those findings would go without a fix of their own
                plan = no_fix("the helper also rewrites files its callers pass, reported at those calls")
            yield self.finding(event.node, plan=plan, path=spell_path(event.path, event.path_node, module.lines),
                               line=line)


def _only_empties(event, locked_only=None, arms=None) -> bool:
    """Whether a truncating open writes nothing: ``p.open("w")`` or ``open(p, "w")`` as a
    statement of its own, ``open(p, "w").close()``, or ``with open(p, "w"): pass``. The file
    is emptied in one step, which is all the code means: a reader sees it whole or empty,
    never half written."""
    stmt, call = event.stmt, event.node
    func = getattr(call, "func", None)
    if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes") and len(call.args) >= 1:
        return empty_text(call.args[0])  # ``p.write_text("")``; otherwise it writes what it is given
    if not (isinstance(func, ast.Name) and func.id == "open" or isinstance(func, ast.Attribute) and func.attr == "open"):
        return False
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if value is call:
            return True
        return (isinstance(value, ast.Call) and not value.args and not value.keywords
                and isinstance(value.func, ast.Attribute) and value.func.attr == "close" and value.func.value is call)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        names = [item.optional_vars.id for item in stmt.items
                 if item.context_expr is call and isinstance(item.optional_vars, ast.Name)]
        if any(item.context_expr is call for item in stmt.items) and all(
                isinstance(s, ast.Pass) or writes_nothing(s, names[:1]) for s in stmt.body):
            return True  # ``pass``, or ``f.write("")``: an empty file is what it makes
    elif isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        names = [stmt.targets[0].id]
        scope_arms = arms.get(id(event.scope.node)) if arms is not None else None
        if scope_arms is None and arms is not None:
            scope_arms = arms[id(event.scope.node)] = Arms(event.scope.node)
        if scope_arms is not None and _closed_after_nothing(scope_arms, stmt, names[0]):
            return True  # ``f = open(p, "w")``, ``f.write("")``, ``f.close()``
    else:
        return False
    if not names or locked_only is None:
        return False
    scope = event.scope.node
    found = locked_only.get(id(scope))
    if found is None:
        found = locked_only[id(scope)] = lock_only_names(scope)
    return names[0] in found


def _closed_after_nothing(arms, stmt, name) -> bool:
    """Whether the statements after ``stmt`` in its block write nothing to ``name`` (only
    ``name.write("")`` or ``pass``) before ``name.close()``. ``arms``: the scope's
    :class:`Arms`, which index its blocks once."""
    after = arms.following(stmt)
    while after is not None and (isinstance(after, ast.Pass) or writes_nothing(after, [name])):
        after = arms.following(after)
    return isinstance(after, ast.Expr) and isinstance(after.value, ast.Call) and not after.value.args \
        and isinstance(after.value.func, ast.Attribute) and after.value.func.attr == "close" \
        and isinstance(after.value.func.value, ast.Name) and after.value.func.value.id == name


def _separate_tests(read, write) -> bool:
    """Two different test functions: each runs alone, their paths only read the same (a write
    in one is neither paired with a read nor counted as a rewrite in the other)."""
    return read.scope.node is not write.scope.node and is_test(read.scope) and is_test(write.scope)


class RenameWithoutFsync(Rule):
    """A temp file is renamed into place without being fsynced first.

    ## What it does
    Reports the rename (`os.rename`, `os.replace`, `os.renames`, `shutil.move`, `Path.rename`/`replace`,
    or a call of a helper of the module that makes one of its parameters onto another) of a
    temp file (from `tempfile`, or a name built from the target or from another name that this
    function wrote, with `open()`, or with `Path.open()`, `Path.write_text()` or
    `Path.write_bytes()` also on a path whose type is written nowhere, as in MBX302, or with
    `os.open()` with `O_CREAT` and `O_WRONLY`/`O_RDWR`:
    `dst + ".tmp"`, `join(folder, name + ".part")`, a helper of the
    module whose body only returns such a name from its parameter (`self._tmp_path(dst)`
    with `return f"{path}.tmp"`), or a message
    written to a Maildir's `tmp/` as `join(d_tmp, f"{key}.eml")` and moved into `new/`, which
    the Maildir convention fsyncs first) when
    no `os.fsync()`/`os.fdatasync()` of it (its descriptor, its file object or `f.fileno()`;
    the file may come from a helper of the module that opens it and returns it, as in MBX301),
    and no call of a helper whose name contains `sync` with one of those, runs before the
    rename on any path. A function of the module that fsyncs its parameter (on some path), or
    the handle it opened from its parameter (`with open(dest, "w") as out:` ... `os.fsync(out)`,
    or a helper syncing `out`) after writing it, counts where it is called. A helper of the module every `return` of which gives the name
    of a new temp file (`tempfile.mktemp()`, or the name it unpacked from `tempfile.mkstemp()`
    and binds nowhere else: `fd, path = mkstemp(dir=d); os.close(fd); return path`) makes a
    temp file where it is called. A temp file a method of a class opened on `self` from a name
    built from the target (`self.out = open(self.path + ".new", "w")` in `__init__`) is
    followed into the class's other methods, and counts as fsynced when some method of the
    class fsyncs that attribute. The mode may be held in a local name every binding of which in
    the function is a constant string or a choice of them (`open_mode = "ab" if resume else
    "wb"`): the open writes when every one of them does; with a read among them, or a
    `+=` or loop binding the name, it is not known to write and nothing is said. A mode
    parameter with a constant string default that the function never rebinds
    (`def safe_overwrite(file, data, *, mode="w")`) is that default (a caller may pass
    another; whatever it passes, the temp is renamed over the target); with no default, a
    default that is not a string constant, or rebound, nothing is said. A helper of the
    module that writes the file it is given (`def save(path, data, mode="w")`, or in every
    branch of an `if`/`else`) writes it where it is called, in the call's constant mode or
    the default. A name built with `SEP.join([...])` (or a tuple display), the separator a
    constant or `os.sep`, is the concatenation `a + SEP + b` (`".".join([mail, "bak"])` is
    built from `mail`); a join of a list built elsewhere is not followed. Not reported when
    the target is itself a temp file `tempfile` made here, or a name built from the temp
    file's own (`tmp.name + ".jpg"`), or in a fresh private directory (as in MBX301):
    nobody reads it after a crash. Nor when the target is in a folder that an
    `os.mkdir`/`os.makedirs`/`Path.mkdir` without `exist_ok` of the same function made
    before the rename on every way to it (`os.makedirs(profile); os.replace(path,
    join(profile, name))`): that call fails on a folder that is there, so no older file
    of that name existed for a crash to empty.

    Off by default: where a lost update after a power cut is acceptable, the fsync is only cost.

    ## Why is this bad?
    File systems may commit the rename before the data: after a crash the target exists but is
    empty or truncated, and the old contents are gone too. The atomic-save pattern of
    offlineimap-state-file-atomicity is only atomic across crashes with the fsync.

    ## Example
    ```python
    with open(path + ".tmp", "w") as f:
        f.write(state)
    os.replace(path + ".tmp", path)
    ```

    ## Use instead
    ```python
    with open(path + ".tmp", "w") as f:
        f.write(state)
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)
    ```

    ## Fix safety
    No automatic fix: where the flush and fsync belong depends on how the file is written.
    """

    code = "MBX902"
    TRIGGERS = ("rename", "replace", "move")
    PATH_SCOPE_TRIGGERS = RENAME_WORDS
    name = "rename-without-fsync"
    seed = SEED_OFFLINEIMAP
    default_enabled = False
    message = (
        "{op}() puts the temp file of line {line} in place without an os.fsync() of it: "
        "after a crash {path} can be empty"
    )
    VALID = [
        """
import os
def save(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)
""",
        """
import os, tempfile
def save(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.replace(tmp, path)
""",
    ]
    INVALID = [
        """
import os
def save(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)  # MBX902
""",
        """
import os, tempfile
def save(path, data):
    with tempfile.NamedTemporaryFile("wb", dir=os.path.dirname(path), delete=False) as f:
        f.write(data)
    os.replace(f.name, path)  # MBX902
""",
        """
import shutil
def rewrite(mail, text):
    backup = ".".join([mail, "bak"])
    with open(backup, "w") as bak:
        bak.write(text)
    shutil.move(backup, mail)  # MBX902
""",
        """
import os
def save(path, data, mode="w"):
    with open(path + ".tmp", mode) as f:
        f.write(data)
    os.replace(path + ".tmp", path)  # MBX902
""",
    ]

    def check(self, module):
        made_folders = None  # the module's exclusive mkdirs, found for the first rename that asks
        for event in module.events_of(FileRename):
            temp = event.temp
            if temp is None or temp.synced:
                continue
            if made_folders is None:
                made_folders = FoldersMade(module)
            if made_folders.hold(event.dst, event.scope.node, blocks_of(module).statement_holding(event.node)):
                continue  # into a folder made just before: no old contents a crash could empty
            yield self.finding(event.node, op=spelled_op(event), line=temp.line, path=spell_path(event.dst, event.dst_node, module.lines))


class MtimeChangeDetection(Rule):
    """A file's change is detected by its seconds-resolution mtime alone.

    ## What it does
    Reports a comparison (`==`, `!=`, `<`, `>`, `<=`, `>=`) in a condition between
    `os.path.getmtime(P)`, `os.stat(P).st_mtime`, `P.stat().st_mtime` (also the tuple form
    `os.stat(P)[stat.ST_MTIME]`, a name bound from one of them, also as it is compared,
    `(mtime := int(os.stat(P).st_mtime)) != kept`, or a call of a helper of the
    module every `return` of which gives None or one of these for one parameter it never
    rebinds: `get_mtime(P)` after `def get_mtime(f): return os.stat(f).st_mtime`, or a method
    called on the instance that gives the mtime of one attribute it does not set:
    `self._get_mtime()` after `return os.stat(self.path).st_mtime`) and a value obtained
    earlier for the same file: an attribute, a cache entry or a field of one (`self.cache[P].mtime`), an earlier stat of the same path, or a local copied
    from one of them (`cached = self.load_mtime`, on some branch at least: `else: cached = 0`,
    or `self.load_mtime if self.loaded else 0`).

    A value from outside counts only when the code shows it is an earlier mtime of this file.
    A parameter does when its name says so (an mtime word such as `mtime`, `stamp` or
    `modified`, qualified only by words like `last`, `old`, `cached`, `known`: `last_mtime`,
    `prevStamp`) and it is compared with `==` or `!=`. Ordered against a parameter
    (`getmtime(p) > since`, `lock_time < dead_before`), an mtime is an age or staleness test
    against a cutoff or another file's mtime (`p_time > getmtime(cache)`), and `src_mtime`
    names another file: neither is reported. An attribute that every method setting it sets
    from its own parameters alone, or their attributes (`self.cutoff = now - max_age` or
    `self.max_age = options.max_age` in `__init__`; not a `st_mtime`) is a value
    from outside too, judged by its name in the same way, and so is an attribute of a
    parameter, by its last name (`entry.last_mtime == getmtime(p)` is reported;
    `fobj.stat.st_mtime <= getmtime(cache)` is a make-style test of two files). What the
    callers pass is not followed.

    Not reported when two different files are compared (make-style
    `getmtime(src) > getmtime(dst)`, also when a name holds the mtime of one file on one
    branch and of another on the other, or the latest of it and something else:
    `mtime = max(os.stat(source).st_mtime, mtime)`), nor when `st_size`, `st_ino` or `st_mtime_ns`
    (`stat.ST_SIZE`, `stat.ST_INO`) appear in the same condition or in another comparison of the
    same function (`if st.st_size != old.st_size: return True` before the mtime's test), nor
    when the other side is
    another clock of a file read now (`st.st_atime > st.st_mtime`, `os.path.getctime(P)`):
    that asks whether the file was read or changed since it was written, not whether it
    changed since a value was kept. A name bound from `os.stat(P).st_mtime` is an mtime of `P` (so is
    `int(...)`, `float(...)` or `round(...)` of one; a name bound so on one branch and from an
    unknown call on the other may be one), and names unpacked from a cache entry
    (`size, mtime = self.cache[P]`) are cached values. A time read from a clock is no earlier
    mtime: an attribute that a method of the class sets from
    `time.time()`, `time.monotonic()`, `time.perf_counter()` (`_ns` too), `time.localtime()`/
    `gmtime()` or `datetime.now()`/`utcnow()`/`today()` (`self._last_read = time.time() - 1`),
    directly or through a local of that method bound from one (`now = time.time()`,
    `self.seen = now`), or a local bound from one, is a cutoff this run chose; the
    comparison is not reported.

    An mtime kept by the class is followed too: when the methods of a class store into
    entries of an attribute only mtimes (`self.seen[k] = os.path.getmtime(p)`) or dicts
    holding one under one field (`self.entries[k] = {"mtime": int(st.st_mtime), ...}`),
    reading such an entry (directly, or through `entry = self.entries[k]` or
    `for k, entry in self.entries.items()`) and comparing it with a value kept elsewhere
    for the same entry `k` (`other[k]`, `other.get(k)`, a name bound from one, their
    `"mtime"` field, or a call spelling `mtime` given `k`, such as `status.getmtime(k)`) is
    reported: two stats of one file. Not reported when the other value comes from the same attribute (`self.entries[a]`
    against `self.entries[b]` compares two files), belongs to another entry, or is no kept
    value (a cutoff, a constant), nor when the attribute also stores anything else, nor when
    the condition does not spell `mtime`. Comparisons outside `if`/`while`/`assert`
    conditions, those in helper functions, files in a fresh private directory (also one
    every call of a private helper passes it, as in MBX301) and devices and the kernel's
    files (as in MBX301) are not reported, nor are comparisons in tests (a test module, as
    MBX901 says, or a test function): a test compares mtimes to check what the code under
    test did to a file (`assert os.stat(p).st_mtime == before`), not to decide whether to
    read it again.

    Off by default: many caches accept a rare stale read.

    ## Why is this bad?
    Two writes within one clock tick (or within the file system's timestamp granularity) leave
    the mtime unchanged: the second one is never noticed. Cyrus imapd missed new mail this way:
    the index's mtime changed on the first write, imapd checked it before the message count was
    written, and never looked again (cyrus-imapd-index-check-race).

    ## Example
    ```python
    if os.stat(self.path).st_mtime != self.mtime:
        self.reload()
    ```

    ## Use instead
    ```python
    st = os.stat(self.path)
    signature = (st.st_mtime_ns, st.st_size, st.st_ino)
    if signature != self.signature:
        self.reload()
    ```
    or re-read under the lock the writers take.

    ## Fix safety
    No automatic fix: the earlier value has to be recorded differently too.
    """

    code = "MBX903"
    TRIGGERS = ("mtime",)
    PATH_SCOPE_TRIGGERS = ("mtime",)
    name = "mtime-change-detection"
    seed = SEED_IMAPD
    default_enabled = False
    message = (
        "change of {path} detected by its mtime alone, compared with {earlier}: two writes in "
        "one clock tick are missed; compare (st_mtime_ns, st_size, st_ino) or hold the lock"
    )
    VALID = [
        """
import os
def stale(src, dst):
    return os.path.getmtime(src) > os.path.getmtime(dst) if os.path.exists(dst) else True
def rebuild(src, dst):
    if os.path.getmtime(src) > os.path.getmtime(dst):
        return True
def newer(path, since):
    if os.path.getmtime(path) > since:
        return True
def outdated(cache_path, src_mtime):
    if src_mtime > os.path.getmtime(cache_path):
        return True
""",
        """
import os
class Cache:
    def check(self):
        st = os.stat(self.path)
        if st.st_mtime != self.mtime or st.st_size != self.size:
            self.reload()
""",
    ]
    INVALID = [
        """
import os
class Index:
    def check(self):
        if os.stat(self.path).st_mtime != self.mtime:  # MBX903
            self.reload()
""",
        """
import os
def stale(cache, path):
    size, mtime = cache[path]
    if os.path.getmtime(path) != mtime:  # MBX903
        return True
""",
        """
import os
def changed(path, last_mtime):
    mtime = os.path.getmtime(path)
    if mtime != last_mtime:  # MBX903
        return True
    return False
""",
        """
import os
class Listing:
    def outdated(self):
        current = os.stat(self.path).st_mtime
        if self.loaded:
            cached = self.load_mtime
        else:
            cached = 0
        if current != cached:  # MBX903
            self.reload()
    def refresh(self, paths):
        for path in paths:
            modified = os.path.getmtime(path)
            if self.cache[path].mtime != modified:  # MBX903
                self.rescan(path)
""",
    ]

    def check(self, module):
        if module.facts.is_test_module:
            return  # tests check what the code under test did to a file's mtime
        for event in module.events_of(FileMtime):
            if in_test(event.scope):
                continue
            yield self.finding(event.node, path="`%s`" % event.path, earlier=event.earlier)
