"""What the module's own functions and methods do to what they are given, computed once.

A :class:`Summary` lists, in order, the lock-discipline operations a function performs on its
parameters and on attributes reached through them (``self.box`` is the attribute ``box`` of the
parameter ``self``): ``lock``, ``unlock``, ``flush``, ``close`` and ``fsync``. A context manager
(a ``@contextmanager`` generator, or a class with ``__enter__``/``__exit__``) has two lists:
what entering does and what leaving does. The walk applies them where the function is called
or the context manager is entered and left, so ``with locked(box):`` and ``self._lock_box()``
lock the caller's mailbox as ``box.lock()`` would.

Only what the callee does on every way through its normal path is summarised: a lock, unlock,
flush or close inside an ``if``, a loop or an ``except`` handler that does not re-raise makes the
callee opaque for that target (the caller cannot know which way it went); an ``fsync`` on some
path counts, since MBX902 asks whether one may have run. Opaque too are generators that are
not context managers (but for the files they open before their first ``yield``), recursion,
and callees from other modules. A summary is computed on
first use and kept, so each function is looked at at most once per module.

A summary also says whether every ``return`` gives a path expression: then calls of it with
the same arguments name the same file; and whether every ``return`` gives the value of one
call of the body, unchanged (``return open(p, m)``, or ``f = open(p, m)`` ... ``return f``):
then a call of it is that call, with the caller's arguments for the parameters.
"""

import ast
import bisect
import functools
import re
import weakref
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .triggers import holds_line, lines_holding, word_lines
from .modes import combined_mode
from .imports import PROGRAM_EXITS, ModuleFacts, own_statements, dotted_name, parameter_names, sequential_statements

#: helpers calling helpers followed this deep; deeper ones are opaque
MAX_CALL_DEPTH = 8
#: levels of a class's bases of this module whose methods are looked for
MAX_BASE_DEPTH = 16
#: effects one summary keeps; a function doing more is opaque
MAX_EFFECTS = 64
#: getters calling getters (``self.a()`` returning ``self.b()``) followed this deep
MAX_GETTER_DEPTH = 4
#: words in an accessor's name that say its value may differ from one call to the next
UNSTABLE_WORDS = ("temp", "tmp", "new", "next", "unique", "random", "fresh", "uuid", "time", "now", "pid",
                  "count", "seq")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: operations on a target that the walk applies at the call site
LOCK_OPS = frozenset({"lock", "unlock", "flush", "close"})
FSYNC_FUNCTIONS = frozenset({"os.fsync", "os.fdatasync"})
#: the prefix of the effect "opens the file this parameter names", followed by the mode
OPENS = "open:"
#: before the mode: the open may not happen, or survives a missing file
TOLERANT = "?"
#: expressions that name the same file as their only argument
TRANSPARENT = frozenset({
    "builtins.str", "os.fspath", "os.fsencode", "os.fsdecode", "os.path.abspath", "os.path.realpath",
    "os.path.normpath", "os.path.expanduser", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
    "pathlib.WindowsPath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
})
#: the letters an ``open()`` mode is made of
_OPEN_MODE_LETTERS = frozenset("rwaxbtU+")
#: the letters of a constant mode that only reads
_READ_MODE_LETTERS = frozenset("rbtU")
#: a mode that is a parameter of the helper (``open(path, mode)``): this, the parameter's
#: name, then ``=`` and its constant default when it has one; each call puts its own
#: constant, or that default, in its place (see :func:`bound_mode`)
MODE_PARAMETER = "$"
#: ``OSError`` by its other names: the old ones, and the modules' aliases of it
_OS_ERROR_ALIASES = frozenset({
    "builtins.OSError", "builtins.IOError", "builtins.EnvironmentError", "os.error", "socket.error",
    "select.error", "mmap.error",
})
#: the classes that catch an ``OSError`` of any errno (as :func:`caught_classes` names them)
CATCHES_ANY_OS_ERROR = frozenset({"OSError", "Exception", "BaseException"})
#: what a helper's own handler names when it may catch a missing file (and raise another error)
_HANDLED_MISSING = CATCHES_ANY_OS_ERROR | {"FileNotFoundError"}


#: what the name of a function of another module says when it gives a file's or a folder's
#: path (the end of one of its words: ``get_config_path``, ``get_savefile``, ``data_dir``)
_PATH_GETTER_ENDINGS = ("path", "file", "filename", "dir", "directory", "folder", "location")
#: what a name says when each call may give another file: a new one (anywhere in a word:
#: ``mkdtemp``), or one made, found or chosen at the call (at the start of a word)
_FRESH_PARTS = ("tmp", "temp", "uniq", "rand", "uuid", "fresh", "stamp")
_FRESH_VERBS = ("mk", "make", "creat", "new", "next", "now", "time", "date", "glob", "list", "find", "search",
                "walk", "iter", "all", "pick", "choose", "select", "prompt", "ask", "download", "fetch")
#: what says, after ``get``, that each call may give another file (``get_new_file``); a verb
#: there names the kind of file (``get_download_dir``)
_FRESH_WORDS = ("new", "next", "now", "time", "date", "all")
#: questions about a path, not paths (``isdir``, ``is_file``, ``exists``), and what acts on a
#: file and may return its name (``copyfile``)
_NOT_GETTERS = ("is", "has", "exist", "lexist", "can", "should", "check", "access", "copy", "move", "remove",
                "delete", "unlink", "rename", "touch", "write", "open", "read", "load", "dump", "chmod")
#: standard modules whose functions are modelled where they matter (``os.path.join``,
#: ``tempfile.gettempdir``): their names say nothing more
_STANDARD_PATH_MODULES = frozenset({
    "builtins", "os", "shutil", "pathlib", "tempfile", "glob", "fnmatch", "io", "sys", "site", "sysconfig",
    "importlib", "inspect", "linecache", "zipfile", "tarfile", "mailbox", "filecmp", "fileinput", "logging",
    "pkgutil", "distutils", "runpy", "py_compile", "compileall", "gettext", "mimetypes", "ntpath", "posixpath",
    "genericpath", "imp", "zipimport", "email", "subprocess", "urllib", "http", "ftplib", "sqlite3", "dbm",
    "shelve", "pickle", "json", "csv", "configparser", "netrc", "codecs", "unittest", "doctest", "trace",
})


@functools.lru_cache(maxsize=4096)
def name_words(name: str) -> Tuple[str, ...]:
    """The words of an identifier, camelCase and snake_case alike, lower case:
    ``getConfigPath`` and ``get_config_path`` are ``("get", "config", "path")``. (Each
    module asks about the same few names many times.)"""
    return tuple(word.lower() for word in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name))


def names_path_getter(name: str) -> bool:
    """Whether the last part of a dotted name says its call gives the path of one file or
    folder, the same at every call: ``get_config_path``, ``save_config_file``,
    ``get_savefile``, ``ConfigPath``; not ``gettempdir``, ``make_log_file``, ``listdir``
    or ``get_files``."""
    if name.lstrip(".").partition(".")[0] in _STANDARD_PATH_MODULES:
        return False
    last = name.rpartition(".")[2]
    # camelCase and snake_case words alike: ``getConfigPath``, ``ConfigPath``, ``config_path``
    words = name_words(last)
    if not words or words[0].startswith(_NOT_GETTERS) or any(
            part in word for word in words for part in _FRESH_PARTS) or any(
            word.startswith(_FRESH_VERBS if index == 0 or words[0] != "get" else _FRESH_WORDS)
            for index, word in enumerate(words)):
        return False
    return any(word.endswith(_PATH_GETTER_ENDINGS) for word in words)


#: what a function named ``<word>path`` or ``<word>_path`` says it does to the one path it
#: is given: converts its spelling (``syspath``, ``bytestring_path``, ``encode_path``,
#: ``fspath``), not picks another file (``get_path``, ``cache_path``, ``displayable_path``)
_CONVERTING_WORDS = frozenset({
    "sys", "os", "fs", "norm", "normal", "normalize", "normalise", "normalized", "normalised", "bytestring",
    "bytes", "byte", "str", "unicode", "encode", "encoded", "decode", "decoded", "to", "as", "native",
    "abs", "absolute", "real", "resolve", "resolved", "expand", "expanded", "long", "canonical",
    "canonicalize", "canonicalise", "posix", "win", "local"})


def converts_path(name: str) -> bool:
    """Whether the last part of a dotted name says its call, given one path, gives that same
    path spelled another way (``syspath(p)``, ``util.bytestring_path(p)``, ``encode_path(p)``):
    the same file for every check and act."""
    last = name.rpartition(".")[2].lower().strip("_")
    if not last.endswith("path") or len(last) == 4:
        return False
    words = [word for word in last[:-4].split("_") if word]
    return bool(words) and all(word in _CONVERTING_WORDS for word in words)


def caught_classes(nodes, resolve=None) -> Set[str]:
    """The classes an ``except`` or a ``suppress()`` names, each by the last part of its
    dotted name, every name of ``OSError`` (``IOError``, ``os.error``, ``socket.error``) as
    ``OSError``."""
    names = set()
    for node in nodes:
        name = dotted_name(node)
        if not name:
            continue
        full = resolve(node) if resolve is not None else None
        if full in _OS_ERROR_ALIASES or name in _OS_ERROR_ALIASES or "builtins." + name in _OS_ERROR_ALIASES:
            names.add("OSError")
        else:
            names.add(name.rsplit(".", 1)[-1])
    return names
#: renames a helper may make of its parameters for its callers (see :meth:`ModuleSummaries.renaming`)
HELPER_RENAMES = frozenset({"os.rename", "os.replace", "shutil.move", "os.renames"})
#: the words of which a line calling one of them spells one (also through an alias's attribute)
_RENAME_WORDS = ("rename", "replace", "move")
#: calls that open the file their first argument names, in the mode of their second (or ``mode=``)
PLAIN_OPENS = frozenset({"builtins.open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open",
                         "aiofiles.open"})  # (the asyncio spelling: the same open, awaited)
#: methods of a path that open it, and the mode they open it in
PATH_READS_WRITES = {"read_text": "r", "read_bytes": "rb", "write_text": "w", "write_bytes": "wb"}
#: prefixes of the names of module functions that a test runner calls by name
RUNNER_CALLED = ("test", "setup", "teardown", "pytest_")
#: the methods of a test case that set up what its tests share (``setUp``, ``asyncSetUp``, ``__init__``)
_SET_UPS = ("setup", "asyncsetup", "__init__")
#: methods of a test case that its runner calls, in any case (``setUp``, ``asyncTearDown``)
RUNNER_CALLED_METHODS = RUNNER_CALLED + ("asyncsetup", "asyncteardown", "run", "debug", "dotest")


def _test_helper_name(name: str) -> bool:
    """Whether a method of a test module's class is named as a helper its tests call, not as
    one the runner calls (``test_*``, ``setUp``, ``tearDownClass``, ``run``)."""
    return not name.lower().startswith(RUNNER_CALLED_METHODS)


STATIC_METHOD_DECORATORS = frozenset({"staticmethod", "builtins.staticmethod"})
CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})

#: ``(parameter name, attribute chain)``: ``("self", "box")`` is ``self.box``; ``("box", "")`` is ``box``
Target = Tuple[str, str]
Effect = Tuple[Target, str]

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_BRANCHING = (ast.If, ast.For, ast.AsyncFor, ast.While)


class Summary:
    """What one function or context manager does to its parameters."""

    __slots__ = ("name", "params", "enter", "exit", "context_manager", "static")

    def __init__(self, name: str, params: Sequence[str], enter: Sequence[Effect] = (),
                 exit: Sequence[Effect] = (), context_manager: bool = False):
        self.name = name
        self.params = tuple(params)
        #: effects of a call (of entering, for a context manager), in order
        self.enter = tuple(enter)
        #: effects of leaving a context manager, in order
        self.exit = tuple(exit)
        self.context_manager = context_manager
        #: a ``staticmethod``: called on the instance, it is not given the instance
        self.static = False

    @property
    def has_effects(self) -> bool:
        return bool(self.enter or self.exit)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "Summary(%s, enter=%r, exit=%r)" % (self.name, self.enter, self.exit)


OPAQUE = Summary("<opaque>", ())
_UNKNOWN = object()


class Returns:
    """What every ``return`` of a function gives, as far as paths go."""

    __slots__ = ("path", "pathlib", "paths", "value_of", "value_name")

    def __init__(self, path: bool = False, pathlib: bool = False, paths: int = 0,
                 value_of: Optional[ast.Call] = None, value_name: Optional[str] = None):
        #: a path built from names, attributes and constants alone
        self.path = path
        #: ... and a ``pathlib`` one
        self.pathlib = pathlib
        #: a tuple of this many such paths (0: not a tuple of paths)
        self.paths = paths
        #: the one call of the function's own body whose value every return may give
        #: (``return open(p, m)``; ``f = open(p, m)`` ... ``return f``), None if there is none
        #: (:meth:`ModuleSummaries.returned_call` makes sure it is given unchanged)
        self.value_of = value_of
        #: the local that holds it, when that is what is returned
        self.value_name = value_name


NOTHING = Returns()


def is_none(node: Optional[ast.AST]) -> bool:
    """Whether ``node`` is the constant ``None``."""
    return isinstance(node, ast.Constant) and node.value is None


def names_no_file(node: Optional[ast.AST]) -> bool:
    """Whether ``node`` is ``None`` or the empty string: a placeholder before a path is
    made (``tmp = ""`` then ``fd, tmp = mkstemp()``), which opens or finds no file."""
    return isinstance(node, ast.Constant) and (node.value is None or node.value in ("", b""))


def _params(func: ast.AST) -> List[str]:
    args = func.args
    return [a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args)]


def _target_of(node: ast.AST, params: Set[str]) -> Optional[Target]:
    ref = dotted_name(node)
    if ref is None:
        return None
    root, _, chain = ref.partition(".")
    return (root, chain) if root in params else None


#: the contexts and operators expressions carry: nodes nothing looks for
MARKER_NODES = frozenset(cls for base in (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
                         for cls in base.__subclasses__())
#: nodes that hold no call, yield or statement: names, constants, contexts and operators
#: (not worth a visit by a walk looking for those)
LEAF_NODES = MARKER_NODES | {ast.Name, ast.Constant}
#: what :func:`own_nodes` does not give: constants, contexts and operators
_UNWANTED_NODES = MARKER_NODES | {ast.Constant}


def _path_open_mode(call: ast.Call) -> Optional[str]:
    """The constant mode of ``p.open(mode)`` (``"r"`` when none is given), or None when the
    first argument is no mode, or the mode no constant."""
    mode = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        return "r"
    if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)) or not mode.value \
            or not set(mode.value) <= _OPEN_MODE_LETTERS:
        return None
    return mode.value


def _calls_in_order(node: ast.AST) -> Tuple[List[ast.Call], bool]:
    """The calls of a simple statement, in source order, not descending into nested
    functions (lock helpers rarely nest calls, so source order is the order they run), and
    whether it yields."""
    found: List[ast.Call] = []
    yields = False
    stack = [node]
    push = stack.append
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is ast.Call:
            found.append(current)
        elif kind is ast.Yield or kind is ast.YieldFrom:
            yields = True
        # ``ast.iter_child_nodes``, less the leaves, inlined: every function a summary is
        # made of passes through here, statement by statement.
        for field in current._fields:
            value = getattr(current, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in LEAF_NODES and not isinstance(item, _NESTED):
                        push(item)
            elif isinstance(value, ast.AST) and type(value) not in LEAF_NODES and not isinstance(value, _NESTED):
                push(value)
    if len(found) > 1:
        found.sort(key=lambda call: (call.lineno, call.col_offset))
    return found, yields


def _never_falls_off(body: Sequence[ast.stmt]) -> bool:
    """Whether every way through ``body`` that does not raise ends in a ``return`` (or a
    ``raise``): a statement of it does, whatever dead code follows; so does an ``if`` whose
    branches both do, and a ``try`` whose body (or ``else:``) and handlers each do, or whose
    ``finally:`` does. Worked out innermost first, on a stack: nesting may be deep."""
    ends: Dict[int, bool] = {}

    def block_ends(block: Sequence[ast.stmt]) -> bool:
        return any(isinstance(stmt, (ast.Return, ast.Raise)) or ends.get(id(stmt), False) for stmt in block)

    stack: List[Tuple[ast.stmt, bool]] = [(stmt, False) for stmt in body if isinstance(stmt, _ENDING_COMPOUNDS)]
    while stack:
        stmt, inner_done = stack.pop()
        if isinstance(stmt, ast.If):
            blocks = [stmt.body, stmt.orelse]
        else:
            blocks = [stmt.body, stmt.orelse, stmt.finalbody] + [handler.body for handler in stmt.handlers]
        if not inner_done:
            stack.append((stmt, True))
            stack.extend((inner, False) for block in blocks for inner in block if isinstance(inner, _ENDING_COMPOUNDS))
        elif isinstance(stmt, ast.If):
            ends[id(stmt)] = block_ends(stmt.body) and block_ends(stmt.orelse)
        else:
            ends[id(stmt)] = block_ends(stmt.finalbody) or (
                (block_ends(stmt.body) or block_ends(stmt.orelse))
                and all(block_ends(handler.body) for handler in stmt.handlers))
    return block_ends(body)


#: ``try`` and, from Python 3.11, ``try``/``except*``
_TRY_STATEMENTS = tuple(kind for kind in (ast.Try, getattr(ast, "TryStar", None)) if kind is not None)
#: the statements that may end every way through the block holding them
_ENDING_COMPOUNDS = (ast.If,) + _TRY_STATEMENTS


#: checks whose truth says whether a file is there; value: the kind the rules talk about
GUARD_FUNCTIONS = {
    "os.path.exists": "exists", "os.path.lexists": "lexists", "os.path.isfile": "isfile",
    "os.path.isdir": "isdir", "os.access": "access",
}
GUARD_METHODS = {"exists": "exists", "is_file": "isfile", "is_dir": "isdir"}


def guard_kind(call: ast.Call, resolve) -> Optional[str]:
    """The kind of check ``call`` makes of whether a file is there (``os.path.isfile(p)``:
    ``isfile``; ``p.exists()`` of a path: ``exists``), or None. The function takes the path
    as its first argument; the method, unresolved (no module's function), takes none."""
    name = resolve(call.func)
    if name in GUARD_FUNCTIONS and call.args:
        return GUARD_FUNCTIONS[name]
    if name is None and isinstance(call.func, ast.Attribute) and call.func.attr in GUARD_METHODS \
            and not call.args:
        return GUARD_METHODS[call.func.attr]
    return None


def _guard_raises(stmt: ast.stmt, resolve) -> bool:
    """Whether ``stmt`` is an ``if`` that checks whether a file is there and raises in its
    body: ``if not os.path.exists(path): raise ConfigMissing(path)``."""
    if type(stmt) is not ast.If or not any(isinstance(s, ast.Raise) for s in stmt.body):
        return False
    return any(isinstance(node, ast.Call) and guard_kind(node, resolve) is not None for node in ast.walk(stmt.test))


def handler_reraises(handler: ast.ExceptHandler, resolve=None) -> bool:
    """Whether every way through the handler ends in a ``raise`` or the end of the program: one
    of its own statements is a ``raise`` (``raise SystemExit`` included) or, given
    ``resolve`` (a module's :meth:`~.imports.ModuleFacts.resolve`), a call of
    :data:`PROGRAM_EXITS` (whatever follows it there is dead code)."""
    for stmt in handler.body:
        if isinstance(stmt, ast.Raise):
            return True
        if resolve is not None and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and resolve(stmt.value.func) in PROGRAM_EXITS:
            return True
    return False


class _Scan:
    """One in-order look at a function body, collecting effects by phase."""

    def __init__(self, summaries: "ModuleSummaries", func: ast.AST, owner: Optional[ast.ClassDef]):
        self.summaries = summaries
        self.func = func
        self.owner = owner
        self.params = set(_params(func)) | {a.arg for a in func.args.kwonlyargs}
        self.self_name = instance_name(summaries.facts, func, owner)
        self.phases: List[List[Effect]] = [[]]
        self.uncertain: Set[Target] = set()
        #: where each uncertain target first became so: ``(phase, position)`` of that effect
        self.uncertain_from: Dict[Target, Tuple[int, int]] = {}
        self.yields = 0
        self.yield_uncertain = False
        self.overflow = False
        #: names the function rebinds (looked for at its first open of a parameter)
        self.rebound: Optional[FrozenSet[str]] = None
        #: how many ``try`` bodies with handlers the statement being scanned is in
        self.handled = 0
        #: whether a ``return`` in a branch before it may have ended the function (a guard
        #: clause: ``if not os.path.exists(p): return False``), found from ``branches``, the
        #: branching statements scanned since last looked
        self.may_have_returned = False
        self.branches: List[ast.stmt] = []
        #: the files every branch of the ``if`` being scanned opens (see :meth:`_opened_in_every_branch`)
        self.opened_everywhere: FrozenSet[Target] = frozenset()
        #: the target the ``if`` being scanned tests the presence of (see :meth:`_presence_test`)
        self.present: Optional[Target] = None
        #: the handle a ``with open(p, ...) as h`` binds -> the target it opened: an fsync of
        #: the handle (``os.fsync(h)``, a helper syncing it) syncs that file
        self.handles: Dict[str, Target] = {}
        #: how many bindings each local of the function has, read at its first handle
        self._binding_counts: Optional[Dict[str, int]] = None

    def run(self) -> None:
        self.block(self.func.body, certain=True)

    def block(self, stmts: Sequence[ast.stmt], certain: bool) -> None:
        for stmt in stmts:
            self.stmt(stmt, certain)

    def stmt(self, stmt: ast.stmt, certain: bool) -> None:
        if isinstance(stmt, _NESTED):
            return
        if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self.handled += bool(stmt.handlers)
            self.block(stmt.body, certain)
            self.handled -= bool(stmt.handlers)
            swallowed = False
            for handler in stmt.handlers:
                # A handler that re-raises is an exceptional path: the caller never goes on from it.
                if not handler_reraises(handler, self.summaries.facts.resolve):
                    self.uncertain_block(handler.body)
                    swallowed = True
            if swallowed:
                self.uncertain_block(stmt.orelse)  # skipped on the way through that handler
            else:
                self.block(stmt.orelse, certain)
            self.block(stmt.finalbody, certain)
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            released = []
            for item in stmt.items:
                self.expression(item.context_expr, certain)
                expr = item.context_expr
                if type(item.optional_vars) is ast.Name and type(expr) is ast.Call:
                    self._note_handle(item.optional_vars.id, expr)
                if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
                    target = _target_of(expr.func.value, self.params)
                    if target is not None:
                        self.add(target, "lock", certain)
                        released.append(target)
            self.block(stmt.body, certain)
            for target in reversed(released):
                self.add(target, "unlock", certain)
            return
        present = self._presence_test(stmt) if type(stmt) is ast.If and certain and self.present is None else None
        if present is not None:
            # ``if self.box is not None: self.box.unlock()``: when it is None there is
            # nothing to unlock, so what the body does to that target is done on every
            # path that matters; what it does to anything else, on some paths only.
            self.expression(stmt.test, certain)
            self.present = present
            self.block(stmt.body, certain)
            self.present = None
            if not self.may_have_returned:
                self.branches.append(stmt)
            return
        if isinstance(stmt, _BRANCHING) or type(stmt).__name__ == "Match":
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expression(child, certain)
            nested = list(getattr(stmt, "body", None) or []) + list(getattr(stmt, "orelse", None) or [])
            for case in getattr(stmt, "cases", None) or []:
                nested.extend(case.body)
            everywhere = self._opened_in_every_branch(stmt) if type(stmt) is ast.If else {}
            self.opened_everywhere = frozenset(everywhere)
            self.uncertain_block(nested)
            self.opened_everywhere = frozenset()
            if everywhere:
                for target, mode in everywhere.items():
                    self.add(target, OPENS + self._tolerance(mode) + mode, certain)
            if not self.may_have_returned:
                self.branches.append(stmt)  # looked into only if an open of a parameter follows
            return
        if self.expression(stmt, certain):
            self.yields += 1
            if not certain or self.present is not None:
                self.yield_uncertain = True  # a yield under a test runs on some paths only
            self.phases.append([])

    def _note_handle(self, name: str, call: ast.Call) -> None:
        """Remember the handle of ``with open(p, ...) as name`` when it opens a parameter's
        file and the function binds ``name`` nowhere else."""
        opened = self._opened_parameter(call, self.summaries.facts.resolve(call.func))
        if opened is None or name in self.params:
            return
        if self._binding_counts is None:  # once per function, however many handles it opens
            self._binding_counts = {local: len(values) for local, values in
                                    local_bindings(self.func, self.summaries.facts.may_walrus).items()}
        if self._binding_counts.get(name) == 1:
            self.handles[name] = opened[0]

    def _presence_test(self, stmt: ast.If) -> Optional[Target]:
        """The target an ``if`` without ``else`` only tests the presence of (``if x:``,
        ``if x is not None:``), when it is a parameter or reached through one."""
        if stmt.orelse:
            return None
        test = stmt.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot) \
                and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
            test = test.left
        if not isinstance(test, (ast.Name, ast.Attribute)):
            return None
        return _target_of(test, self.params)

    def uncertain_block(self, stmts: Sequence[ast.stmt]) -> None:
        """Statements that run on some paths only: whatever they do makes its target
        uncertain, so their shape does not matter. A loop, not recursion: an ``elif`` chain
        nests one ``if`` in the next as deep as it is long."""
        stack = list(reversed(stmts))
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, _NESTED):
                continue
            children = []
            for field in ("body", "orelse", "finalbody"):
                children.extend(getattr(stmt, field, None) or ())
            for part in list(getattr(stmt, "handlers", None) or ()) + list(getattr(stmt, "cases", None) or ()):
                children.extend(part.body)
            if not children:
                if self.expression(stmt, False):
                    self.yields += 1
                    self.yield_uncertain = True
                continue
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, (ast.expr, ast.withitem)):
                    self.expression(child, False)
            stack.extend(reversed(children))

    def expression(self, node: ast.AST, certain: bool) -> bool:
        """Apply the calls of ``node``; whether it yields."""
        calls, yields = _calls_in_order(node)
        for call in calls:
            self.call(call, certain)
        return yields

    def call(self, call: ast.Call, certain: bool) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in LOCK_OPS and not call.args:
            target = _target_of(func.value, self.params)
            if target is not None:
                self.add(target, func.attr, certain)
                return
        name = self.summaries.facts.resolve(func)
        opened = self._opened_parameter(call, name)
        if opened is not None:
            if not certain and opened[0] in self.opened_everywhere:
                return  # an open of every branch of the ``if``: added once, after it
            self.add(opened[0], OPENS + self._tolerance(opened[1]) + opened[1], certain)
            return
        if name in FSYNC_FUNCTIONS and call.args:
            handle = call.args[0]
            if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute) and handle.func.attr == "fileno":
                handle = handle.func.value
            target = _target_of(handle, self.params)
            if target is None and type(handle) is ast.Name:
                target = self.handles.get(handle.id)
            if target is not None:
                self.add(target, "fsync", certain)
            return
        callee = self.summaries.callee(call, self.owner, self.self_name)
        if callee is None or callee.context_manager:
            return
        mapping = bind_arguments(callee, call, self.self_name if _is_self_call(call, self.self_name) else None)
        if mapping is None:
            return
        receiver = self.self_name if _is_self_call(call, self.self_name) else None
        for ref, op in apply_effects(callee.enter, mapping):
            root, _, chain = ref.partition(".")
            if op == "fsync" and not chain and root in self.handles:
                self.add(self.handles[root], op, certain)  # ``sync_file(h)`` of an opened parameter
            elif root in self.params:
                op = bound_mode(op, callee, call, receiver, self._forwarded_mode)
                if op is not None:
                    self.add((root, chain), op, certain)

    def _opened_in_every_branch(self, stmt: ast.If) -> Dict[Target, str]:
        """The files (parameters, or attributes of the instance) that every branch of an
        ``if``/``elif``/``else`` chain opens before anything else can end or branch it:
        the open happens whichever branch runs. Each with one mode for all branches: the
        same parameter, or of one kind (see :func:`~.modes.combined_mode`); branches whose
        modes differ otherwise (a read in one, a write in the other) leave the file out, as
        an open in one branch only. Chains are followed in a loop, not by recursion."""
        branches = []
        node = stmt
        while True:
            branches.append(node.body)
            nested = elif_of(node)
            if nested is not None:
                node = nested
                continue
            if not node.orelse:
                return {}  # no ``else``: a way through that opens nothing
            branches.append(node.orelse)
            break
        common: Optional[Dict[Target, List[str]]] = None
        for body in branches:
            opened = self._opened_first(body)
            if common is None:
                common = {target: [mode] for target, mode in opened.items()}
            else:
                common = {target: modes + [opened[target]] for target, modes in common.items() if target in opened}
            if not common:
                return {}
        everywhere: Dict[Target, str] = {}
        for target, modes in (common or {}).items():
            if len(set(modes)) == 1:
                everywhere[target] = modes[0]
            elif not any(mode.startswith(MODE_PARAMETER) for mode in modes) and combined_mode(modes) != "?":
                everywhere[target] = combined_mode(modes)
        return everywhere

    def _opened_first(self, body: Sequence[ast.stmt]) -> Dict[Target, str]:
        """What a branch opens on every way through it (see :meth:`_opened_in_every_branch`):
        its simple statements and ``with`` statements, in order, up to the first statement
        that branches, loops, handles errors or leaves; the first mode each file is opened in."""
        opened: Dict[Target, str] = {}
        stack = list(reversed(body))
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, _NESTED):
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                nodes: List[ast.AST] = [item.context_expr for item in stmt.items]
                stack.extend(reversed(stmt.body))
            elif any(getattr(stmt, field, None) for field in ("body", "orelse", "handlers", "cases", "finalbody")):
                break
            else:
                nodes = [stmt]
            for node in nodes:
                for call in _calls_in_order(node)[0]:
                    found = self._opened_parameter(call, self.summaries.facts.resolve(call.func))
                    if found is not None:
                        opened.setdefault(found[0], found[1])
            if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                break
        return opened

    def _tolerance(self, mode: str) -> str:
        """TOLERANT when an open of ``mode`` in the helper survives what a check before the
        call was for: the helper's own check may return first, or a handler around it catches
        a missing file (a read), or an existing one (``"x"``). A handler does nothing for a
        ``"w"`` or ``"a"`` open of a file another process made meanwhile: that raises nothing,
        and the file is truncated or written all the same."""
        if self._may_have_returned():
            return TOLERANT
        if not self.handled:
            return ""
        if mode.startswith(MODE_PARAMETER) or "x" in mode or set(mode) <= _READ_MODE_LETTERS:
            return TOLERANT
        return ""

    def _may_have_returned(self) -> bool:
        if not self.may_have_returned and self.branches:
            # A guard of its own that returns, or raises its own error when the file is missing
            # (``if not exists(p): raise ConfigMissing(p)``): the caller's check is not what
            # the open counts on, and a race there is this function's own, reported here.
            resolve = self.summaries.facts.resolve
            self.may_have_returned = any(
                _guard_raises(b, resolve) or any(isinstance(n, ast.Return) for n in ast.walk(b)) for b in self.branches)
            self.branches = []
        return self.may_have_returned

    def _opened_parameter(self, call: ast.Call, name: Optional[str]) -> Optional[Tuple[Target, str]]:
        """``(parameter, mode)`` when ``call`` opens, reads or writes the file a parameter
        names, as the caller passed it: ``open(p, mode)``, ``p.read_text()``,
        ``Path(p).write_text(...)``. A parameter the function rebinds anywhere may name
        another file by then: not one."""
        func = call.func
        path, mode = None, None
        if name in PLAIN_OPENS and call.args:
            path = call.args[0]
            mode = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "mode"), ast.Constant("r"))
            mode = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) \
                else self._mode_parameter(mode)
        elif name is None and isinstance(func, ast.Attribute) and func.attr in PATH_READS_WRITES:
            path, mode = func.value, PATH_READS_WRITES[func.attr]
            if isinstance(path, ast.Call) and (self.summaries.facts.resolve(path.func) or "").startswith("pathlib.") \
                    and len(path.args) == 1:
                path = path.args[0]
        elif name is None and isinstance(func, ast.Attribute) and func.attr == "open":
            # ``self.store_path.open("w")``: a path's open takes its mode first; an archive's
            # or a storage's takes a member's name (``zf.open("a.txt")``), which is no mode
            path, mode = func.value, _path_open_mode(call)
        if path is None or mode is None:
            return None
        for _ in range(4):  # ``open(str(self.path), "w")``: the same file, spelt for ``open``
            if isinstance(path, ast.Call) and len(path.args) == 1 and not path.keywords \
                    and self.summaries.facts.resolve(path.func) in TRANSPARENT:
                path = path.args[0]
        target = _target_of(path, self.params)
        # A parameter, or an attribute of the instance (``open(self.path)`` in a method: the
        # file the caller's ``self.path`` names).
        if target is None or target[1] and target[0] != self.self_name:
            return None
        if target[0] in self._rebound() or mode.startswith(MODE_PARAMETER) and mode[1:].split("=")[0] in self.rebound:
            return None
        if target[1]:
            # ... and one the method sets (itself or a part of it) may name another file by then
            chain = target[0] + "." + target[1]
            if any(bound == chain or chain.startswith(bound + ".") for bound in self.rebound):
                return None
        return target, mode

    def _forwarded_mode(self, name: str) -> Optional[str]:
        """A parameter of this function passed on as a helper's mode, as :data:`MODE_PARAMETER`
        spells it; None when not a parameter, or one the function rebinds."""
        spelt = self._mode_parameter(ast.Name(id=name, ctx=ast.Load()))
        if spelt is None:
            return None
        return spelt if name not in self._rebound() else None

    def _rebound(self) -> FrozenSet[str]:
        """The names (dotted: ``self.path``) the function binds: by assignment, a loop, a
        ``with``, and also by an import, ``except ... as`` or a ``case`` pattern."""
        if self.rebound is None:
            names = {dotted_name(t) for t, _ in bindings_of(self.func, self.summaries.facts.may_walrus)}
            for node in own_nodes(self.func):
                kind = type(node)
                if kind is ast.alias:
                    names.add((node.asname or node.name).split(".")[0])
                elif kind is ast.ExceptHandler or kind.__name__ in _MATCH_BINDINGS:
                    names.add(node.name)
                elif kind.__name__ == "MatchMapping":
                    names.add(node.rest)
            names.discard(None)
            self.rebound = frozenset(names)
        return self.rebound

    def _mode_parameter(self, mode: ast.AST) -> Optional[str]:
        """A mode that is a parameter, as :data:`MODE_PARAMETER` spells it; None otherwise."""
        if type(mode) is not ast.Name or mode.id not in self.params or mode.id == self.self_name:
            return None
        default = string_defaults(self.func.args).get(mode.id)
        return MODE_PARAMETER + mode.id + ("=" + default if default is not None else "")

    def add(self, target: Target, op: str, certain: bool) -> None:
        if self.present is not None and target != self.present:
            certain = False  # under a test of another target's presence: on some paths only
        if not certain:
            if target not in self.uncertain:
                self.uncertain_from[target] = (len(self.phases) - 1, len(self.phases[-1]))
            self.uncertain.add(target)
            if op.startswith(OPENS) and set(op[len(OPENS):].lstrip(TOLERANT)) <= _READ_MODE_LETTERS:
                # a read on some paths only (``if path.exists(): open(path)``) may not
                # happen: still a read of that file, as a tolerant one is. (A write on some
                # paths only stays unknown: ``if rw == "r": ... if rw == "w": ...`` picks one.)
                op = OPENS + TOLERANT + op[len(OPENS):].lstrip(TOLERANT)
        if len(self.phases[-1]) >= MAX_EFFECTS:
            self.overflow = True  # helpers calling helpers could double this at every level
            return
        self.phases[-1].append((target, op))

    def effects(self, phase: int) -> List[Effect]:
        if phase >= len(self.phases):
            return []
        # An fsync on some path counts (MBX902 asks whether one may have run); a lock-state
        # change on some path only would make the caller's state a guess.
        # A read that may not happen is marked so (TOLERANT) and kept.
        # A read made on every path before anything happens to the file on some paths only
        # (``data = p.read_bytes()``, then ``if changed: p.write_bytes(new)``) is kept too: the
        # helper reads it first, whatever it does next.
        return [(t, op) for index, (t, op) in enumerate(self.phases[phase])
                if op == "fsync" or t not in self.uncertain
                or op.startswith(OPENS) and set(op[len(OPENS):].lstrip(TOLERANT)) <= _READ_MODE_LETTERS
                and (op[len(OPENS):].startswith(TOLERANT) or (phase, index) < self.uncertain_from[t])]


def instance_name(facts: ModuleFacts, func: ast.AST, owner: Optional[ast.ClassDef]) -> Optional[str]:
    """The name a method calls its instance (its first parameter), None for a function, a
    ``staticmethod`` or a ``classmethod``."""
    positional = _params(func)
    if owner is None or not positional:
        return None
    decorators = {facts.resolve(d) or dotted_name(d) for d in func.decorator_list}
    if decorators & {"staticmethod", "builtins.staticmethod", "classmethod", "builtins.classmethod"}:
        return None
    return positional[0]


def stable_lookup(method: str) -> bool:
    """Whether a method of an object the instance holds, called with constant arguments
    (``self.config.getmetadata()``, ``self.settings.get("paths", "state")``), is taken to give
    the same value on every call: an accessor by its name (``get...``) that does not say its
    value changes (``get_next_name``, ``gettempname``, ``get_unique_id``)."""
    if not method.lower().startswith("get"):
        return False
    # The words of the name (``get_next_name``, ``getNextName``, ``getnextname``: the rest of
    # the first after ``get``), each of which must not start with a word of UNSTABLE_WORDS.
    words = _CAMEL_BOUNDARY.sub("_", method[3:]).lower().split("_")
    return not any(word.startswith(UNSTABLE_WORDS) for word in words if word)


class _Body:
    """The function whose returns are looked at, as purity needs it: its class and instance
    name, what each local is bound to (looked for on first need), and (for a getter) where
    to collect the getters it calls instead of judging them."""

    __slots__ = ("owner", "self_name", "func", "walrus", "_bindings", "getter_calls", "followed", "names",
                 "branches_pure", "_unpacked", "augmented")

    def __init__(self, owner, self_name, func, walrus, getter_calls):
        self.owner = owner
        self.self_name = self_name
        self.func = func
        self.walrus = walrus
        self._bindings: Optional[Dict[str, List[Optional[ast.AST]]]] = None
        #: name -> the call a tuple assignment unpacks it from (found on first need)
        self._unpacked: Optional[Dict[str, ast.AST]] = None
        self.getter_calls = getter_calls
        #: locals already looked at: each once per function, however many returns use it (a
        #: local that is not pure rejects the whole function, so it need not be told apart)
        self.followed: Set[str] = set()
        #: names met in pure expressions, to be looked up (:meth:`ModuleSummaries._locals_pure`)
        self.names: List[str] = []
        #: whether every test the function branches on is pure (found on first need)
        self.branches_pure: Optional[bool] = None
        #: name -> what its ``+=`` statements add (found on first need)
        self.augmented: Optional[Dict[str, List[ast.AST]]] = None

    def bound(self, name: str) -> Optional[List[Optional[ast.AST]]]:
        """The values the body binds to ``name``; None for a name it does not bind (a
        parameter the body leaves alone, a module name). A name bound once, unpacked from
        one call (``directory, base = os.path.split(p)``), is that call: pure when it is."""
        if self._bindings is None:
            self._bindings = local_bindings(self.func, self.walrus)
        values = self._bindings.get(name)
        if values is not None and len(values) == 1 and values[0] is None:
            if self._unpacked is None:  # found once per function, not once per name
                self._unpacked = {}
                for stmt in own_statements(self.func):
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call) \
                            and isinstance(stmt.targets[0], ast.Tuple) \
                            and not any(isinstance(e, ast.Starred) for e in stmt.targets[0].elts):
                        self._unpacked.update((e.id, stmt.value) for e in stmt.targets[0].elts if isinstance(e, ast.Name))
            call = self._unpacked.get(name)
            if call is not None:
                return [call]
        return values


def _is_self_call(call: ast.Call, self_name: Optional[str]) -> bool:
    func = call.func
    return self_name is not None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
        and func.value.id == self_name


def bind_arguments(summary: Summary, call: ast.Call, receiver: Optional[str]) -> Optional[Dict[str, Optional[str]]]:
    """Parameter name -> the dotted name the caller passes for it (None: not a name, or not
    passed). ``receiver`` is what a method's first parameter is bound to. None when the call
    spreads ``*args``/``**kwargs`` (which parameter gets what is unknown)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    params = list(summary.params)
    mapping: Dict[str, Optional[str]] = {}
    if receiver is not None and not summary.static:
        if not params:
            return None
        mapping[params[0]] = receiver
        params = params[1:]
    for param, arg in zip(params, call.args):
        mapping[param] = dotted_name(arg)
    for keyword in call.keywords:
        mapping[keyword.arg] = dotted_name(keyword.value)
    return mapping


def arguments_by_parameter(func: ast.AST, call: ast.Call, bound: bool = False) -> Optional[Dict[str, ast.expr]]:
    """Parameter name of the module function ``func`` -> the expression ``call`` passes for
    it (a parameter left to its default is absent). None when the call spreads
    ``*args``/``**kwargs`` or passes more positional arguments than ``func`` names, so which
    parameter gets what is unknown. ``bound``: ``func`` is a method called on an instance,
    which its first parameter gets."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    positional = _params(func)[1:] if bound else _params(func)
    if len(call.args) > len(positional):
        return None
    passed: Dict[str, ast.expr] = dict(zip(positional, call.args))
    for keyword in call.keywords:
        passed[keyword.arg] = keyword.value
    return passed


def constant_defaults(args: ast.arguments) -> Dict[str, ast.Constant]:
    """The parameters of a signature whose default is a constant, with that constant."""
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    pairs += [(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is not None]
    return {arg.arg: default for arg, default in pairs if isinstance(default, ast.Constant)}


def string_defaults(args: ast.arguments) -> Dict[str, str]:
    """Parameter -> its default, for the parameters whose default is a string constant."""
    return {name: default.value for name, default in constant_defaults(args).items() if type(default.value) is str}


def bound_mode(op: str, summary: Summary, call: ast.Call, receiver: Optional[str],
               forward: Optional[Callable[[str], Optional[str]]] = None) -> Optional[str]:
    """The effect ``op`` of calling ``summary`` as ``call`` does (``receiver`` as for
    :func:`bind_arguments`): an open whose mode is a parameter of the helper gets the
    caller's constant for it, or the default when the caller passes none; None when neither
    is known (the mode, and so the open, is unknown). ``forward``: how the caller's own
    parameters, passed on as the mode, are spelt (a helper calling a helper)."""
    if not op.startswith(OPENS):
        return op
    tolerant = TOLERANT if op.startswith(OPENS + TOLERANT) else ""
    mode = op[len(OPENS) + len(tolerant):]
    if not mode.startswith(MODE_PARAMETER):
        return op
    name, has_default, default = mode[1:].partition("=")
    value = passed_argument(summary, call, receiver, name)
    if value is None:
        return OPENS + tolerant + default if has_default else None
    if type(value) is ast.Constant and type(value.value) is str:
        return OPENS + tolerant + value.value
    spelt = forward(value.id) if forward is not None and type(value) is ast.Name else None
    return OPENS + tolerant + spelt if spelt is not None else None


def passed_argument(summary: Summary, call: ast.Call, receiver: Optional[str], param: str) -> Optional[ast.expr]:
    """The expression ``call`` passes for ``param`` of ``summary``, None when it passes none."""
    for keyword in call.keywords:
        if keyword.arg == param:
            return keyword.value
    params = list(summary.params)
    if receiver is not None and not summary.static:
        params = params[1:]
    if param in params and params.index(param) < len(call.args):
        return call.args[params.index(param)]
    return None


def apply_effects(effects: Sequence[Effect], mapping: Dict[str, Optional[str]]) -> List[Tuple[str, str]]:
    """``(caller ref, op)`` for each effect whose parameter the caller passed a name for."""
    applied = []
    for (param, chain), op in effects:
        base = mapping.get(param)
        if base is None:
            continue
        applied.append((base + "." + chain if chain else base, op))
    return applied


class ModuleSummaries:
    """Summaries of a module's functions and methods, each computed on first use."""

    def __init__(self, facts: ModuleFacts, tree: ast.Module):
        self.facts = facts
        self.functions: Dict[str, ast.AST] = {}
        self.classes: Dict[str, ast.ClassDef] = {}
        self._methods: Dict[int, Dict[str, ast.AST]] = {}
        self._cache: Dict[int, Summary] = {}
        self._computing: Set[int] = set()
        self._class_cms: Dict[int, Optional[Tuple[Summary, Dict[str, str]]]] = {}
        #: id of a ``@contextmanager`` function -> what it suppresses (see :meth:`suppressed_by`)
        self._suppressed: Dict[int, FrozenSet[str]] = {}
        self._returns_cache: Dict[Tuple[int, int], Returns] = {}
        #: helpers being judged within one another (see :meth:`_path_helper`)
        self._helper_depth = 0
        #: id of a function -> whether it changes more than its locals (see :func:`_stores`)
        self._stores: Dict[int, bool] = {}
        #: id of a function -> whether it may turn a missing file into another error
        self._converters: Dict[int, bool] = {}
        #: id of a function -> whether it returns a new mkstemp() (see :meth:`makes_temp`)
        self._temp_makers: Dict[object, bool] = {}
        #: id of a function -> what it renames (see :meth:`renaming`), and the names of
        #: those that may rename (see :meth:`_renamer_names`)
        self._renamers: Dict[int, object] = {}
        self._renamer_name_set: Optional[FrozenSet[str]] = None
        #: (id of a function, id of its class) -> whether it is a pure helper (see :meth:`_pure_helper`)
        self._pure_helpers: Dict[Tuple[int, int], bool] = {}
        self._value_cache: Dict[int, Returns] = {}
        self._bound: Dict[int, Optional[FrozenSet[str]]] = {}
        self._getter_depths: Dict[Tuple[int, int], Optional[int]] = {}
        self._getter_parts: Dict[Tuple[int, int], Optional[List[ast.AST]]] = {}
        self._mtime_stores: Dict[int, Dict[str, Optional[str]]] = {}
        #: id of a helper -> the parameter whose mtime it returns (see :meth:`mtime_argument`)
        self._mtime_helpers: Dict[int, Optional[str]] = {}
        seen_twice: Set[str] = set()
        for stmt in tree.body:
            name = getattr(stmt, "name", None)
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if name in self.functions or name in self.classes:
                    seen_twice.add(name)
                if isinstance(stmt, ast.ClassDef):
                    self.classes[name] = stmt
                else:
                    self.functions[name] = stmt
        # A name defined twice (``if``/``else`` variants, a redefinition) has no one summary.
        for name in seen_twice:
            self.functions.pop(name, None)
            self.classes.pop(name, None)
        self._words: Optional[FrozenSet[str]] = None
        self._candidates: Optional[Dict[str, ast.AST]] = None
        #: ids of the candidates that are test helper methods (see :meth:`is_test_helper_method`)
        self._test_helpers: Set[int] = set()
        #: id of a class, or of a set-up method, -> whether it makes a private folder (see
        #: :meth:`_makes_private_folders`)
        self._private_folder_classes: Dict[int, bool] = {}
        #: whether the module imports ``tempfile`` (or testtools' ``fixtures``), once asked
        self._imports_tempfile: Optional[bool] = None
        self._tree = tree
        self._private: Optional[PrivatePaths] = None

    @property
    def private(self) -> "PrivatePaths":
        """The module's private temporary paths (made on first use: most modules never ask)."""
        if self._private is None:
            # (a weak link: the summaries hold their private paths, which must not hold them back)
            self._private = PrivatePaths(self.facts, self._tree, self.functions, weakref.WeakMethod(self.methods))
        return self._private

    # -- lookup -----------------------------------------------------------------------

    def caller_candidates(self) -> Dict[str, ast.AST]:
        """Module-level functions whose callers may all be in this module, by name: defined
        once, undecorated (a decorator may hand the function to a framework), not a dunder,
        not an imported name, and private by name (a leading underscore) or a helper of a
        test module (one importing ``pytest`` or ``unittest`` with a top-level ``test*``
        function or ``Test*`` class), except the names a test runner calls itself (``test*``, ``setup*``,
        ``teardown*``, ``pytest_*``). Whether every use of one in the module is a direct
        call is for the caller to count (:mod:`.paths.callers`)."""
        if self._candidates is None:
            test_module = (any(name.startswith("test") for name in self.functions)
                           or any(name.startswith("Test") for name in self.classes)) \
                and self.facts.imports_any(["pytest", "unittest"])
            self._candidates = {
                name: node for name, node in self.functions.items()
                if not node.decorator_list and not (name.startswith("__") and name.endswith("__"))
                and name not in self.facts.aliases and not name.startswith(RUNNER_CALLED)
                and (name.startswith("_") or test_module)
            }
            self._candidates.update(self._private_methods())
        return self._candidates

    def _private_methods(self) -> Dict[str, ast.AST]:
        """Undecorated methods of the module's classes private by name (``_put_data``, not a
        dunder), whose name no other function or method of the module has: their callers
        are the class's own ``self._put_data(...)`` calls (``# the lock must be held``)."""
        found: Dict[str, ast.AST] = {}
        twice: Set[str] = set()
        test_module: Optional[bool] = None  # asked only of a class that makes private folders
        for cls in self.classes.values():
            for stmt in cls.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                name = stmt.name
                if name in found or name in self.functions:
                    twice.add(name)
                elif (name.startswith("_") and not name.endswith("__") or not name.startswith("_")
                      and _test_helper_name(name)
                      and (test_module if test_module is not None else (test_module := self.facts.is_test_module))
                      and self._makes_private_folders(cls)) \
                        and not stmt.decorator_list and _params(stmt):
                    found[name] = stmt
                    if not name.startswith("_"):
                        self._test_helpers.add(id(stmt))
        for name in twice:
            found.pop(name, None)
        return found

    def _makes_private_folders(self, cls: ast.ClassDef) -> bool:
        """Whether a set-up method of ``cls`` (or of a base of it in the module) makes a private
        folder (``mkdtemp()`` in its ``setUp``): only then can its tests hand its helpers
        private paths."""
        made = self._private_folder_classes.get(id(cls))
        if made is None:
            if self._imports_tempfile is None:
                self._imports_tempfile = self.facts.imports_any(["tempfile", "fixtures"])
            made = self._private_folder_classes[id(cls)] = self._imports_tempfile and any(
                name.lower().startswith(_SET_UPS) and self._set_up_makes_private_folder(method)
                for name, method in self.methods(cls).items())
        return made

    def _set_up_makes_private_folder(self, method: ast.AST) -> bool:
        """Whether a set-up method calls a private folder's maker; read once, however many
        classes of the module inherit it."""
        made = self._private_folder_classes.get(id(method))
        if made is None:
            made = self._private_folder_classes[id(method)] = any(
                type(node) is ast.Call and self.facts.resolve(node.func) in PRIVATE_DIR_FACTORIES
                for node in ast.walk(method))
        return made

    def is_test_helper_method(self, helper: ast.AST) -> bool:
        """Whether a caller candidate is a method of a test module's class named as a helper
        its tests call (``update_pyfile``), not private by name (see :meth:`_private_methods`)."""
        return id(helper) in self._test_helpers

    def is_method(self, helper: ast.AST) -> bool:
        """Whether a caller candidate is a method (called as ``self.name(...)``)."""
        return self.functions.get(getattr(helper, "name", None)) is not helper

    def methods(self, cls: ast.ClassDef) -> Dict[str, ast.AST]:
        """Methods of ``cls`` and of its bases defined in this module (the class's own first)."""
        found = self._methods.get(id(cls))
        if found is not None:
            return found
        # The classes of the module it derives from, nearest first, without recursion and at
        # most MAX_BASE_DEPTH levels up: a chain of bases may be as long as the module, and a
        # method further up stays unknown (opaque), so every class costs a bounded amount.
        order: List[ast.ClassDef] = []
        seen = {id(cls)}
        stack = [(cls, 0)]
        while stack:
            current, depth = stack.pop()
            order.append(current)
            if depth >= MAX_BASE_DEPTH:
                continue
            for base in current.bases:
                if isinstance(base, ast.Name) and base.id in self.classes and id(self.classes[base.id]) not in seen:
                    seen.add(id(self.classes[base.id]))
                    stack.append((self.classes[base.id], depth + 1))
        found = {}
        for current in reversed(order):
            for stmt in current.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[stmt.name] = stmt
        self._methods[id(cls)] = found
        return found

    def callee_node(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]):
        """``(function node, class or None)`` of what ``call`` calls: a module function by its
        name, or a method of the enclosing class called on the instance (``self.m()``)."""
        func = call.func
        if isinstance(func, ast.Name):
            node = self.functions.get(func.id)
            if node is None or func.id in self.facts.aliases:
                return None
            return node, None
        if cls is not None and _is_self_call(call, self_name):
            node = self.methods(cls).get(func.attr)
            return (node, cls) if node is not None else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.classes \
                and func.value.id not in self.facts.aliases:
            # ``Reader._parse(p)``: a static method called through its class gets what is passed
            owner = self.classes[func.value.id]
            node = self.methods(owner).get(func.attr)
            if node is not None and any((self.facts.resolve(d) or dotted_name(d)) in STATIC_METHOD_DECORATORS
                                        for d in node.decorator_list):
                return node, owner
        return None

    def callee(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> Optional[Summary]:
        """The summary of what ``call`` calls (see :meth:`callee_node`); None when unknown."""
        found = self.callee_node(call, cls, self_name)
        return self.summary(*found) if found is not None else None

    def returns(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> Returns:
        """What the function ``call`` calls returns (see :class:`Returns`), each computed once."""
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return NOTHING
        return self.returns_of(found[0], found[1])

    def value_returned(self, func: ast.AST) -> Returns:
        """Whether every return of ``func`` gives the value of one call of its body (see
        :meth:`_returned_call`), computed once, without judging what it returns as a path
        (which can cost much more, and is asked only of the path helpers' calls)."""
        result = self._value_cache.get(id(func))
        if result is None:
            values = _return_values(func, wanted=_call_or_name)
            result = self._returned_call(func, values) if values is not None else NOTHING
            self._value_cache[id(func)] = result
        return result

    def returns_of(self, func: ast.AST, owner: Optional[ast.ClassDef] = None) -> Returns:
        """What the function or method ``func`` (of the class ``owner``) of this module
        returns, computed once."""
        result = self._returns_cache.get((id(func), id(owner)))
        if result is None:
            self._returns_cache[(id(func), id(owner))] = NOTHING  # a cycle of helpers builds nothing known
            result = self._returns_cache[(id(func), id(owner))] = self._returns(func, owner)
        return result

    def returning_calls(self, within: Optional[Callable[[ast.AST], bool]] = None):
        """``(name, the call every return may give)`` of each function of the module, and each
        method of its classes, that returns the value of one call (see :class:`Returns`);
        only those ``within`` accepts, when given."""
        functions = list(self.functions.items())
        for cls in self.classes.values():
            functions.extend((stmt.name, stmt) for stmt in cls.body if isinstance(stmt, ast.FunctionDef))
        for name, func in functions:
            if within is not None and not within(func):
                continue
            call = self.value_returned(func).value_of
            if call is not None:
                yield name, call

    def context_manager(self, expr: ast.AST, cls: Optional[ast.ClassDef], self_name: Optional[str]):
        """``(summary, receiver)`` of a ``with`` item's expression that is a summarised
        context manager: a ``@contextmanager`` function or method, or a class of this module
        with ``__enter__``/``__exit__`` (its parameters are those of ``__init__``, its
        attributes mapped to them); else None."""
        if not isinstance(expr, ast.Call):
            return None
        func = expr.func
        if isinstance(func, ast.Name) and func.id in self.classes and func.id not in self.facts.aliases:
            found = self._class_cm(self.classes[func.id])
            return (found, None) if found is not None else None
        summary = self.callee(expr, cls, self_name)
        if summary is None or not summary.context_manager:
            return None
        return summary, self_name if _is_self_call(expr, self_name) else None

    def suppressed_by(self, expr: ast.AST, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> FrozenSet[str]:
        """The exception classes (each by the last part of its name, as :func:`caught_classes`
        gives them) that a ``with`` item calling a ``@contextmanager`` of the module suppresses,
        as ``contextlib.suppress`` would: its only ``yield`` is a statement of the body of a
        ``try`` of its own body, and the handler of those classes neither raises again nor
        catches everything (``try: yield`` / ``except OSError: pass``). Empty otherwise."""
        if type(expr) is not ast.Call:
            return frozenset()
        found = self.callee_node(expr, cls, self_name)
        if found is None:
            return frozenset()
        func = found[0]
        known = self._suppressed.get(id(func))
        if known is None:
            known = self._suppressed[id(func)] = self._suppresses(func)
        return known

    def _suppresses(self, func: ast.AST) -> FrozenSet[str]:
        resolve = self.facts.resolve
        if not any((resolve(d) or dotted_name(d)) in CONTEXT_MANAGER_DECORATORS for d in func.decorator_list):
            return frozenset()
        if sum(1 for node in ast.walk(func) if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await))) != 1:
            return frozenset()  # a second yield, or an await, is not read
        names: Set[str] = set()
        for stmt in func.body:
            if type(stmt) is not ast.Try or not any(
                    type(inner) is ast.Expr and type(inner.value) is ast.Yield for inner in stmt.body):
                continue
            for handler in stmt.handlers:
                if handler.type is None or handler_reraises(handler, resolve):
                    continue
                caught = caught_classes(self.facts.handled_classes(handler.type), resolve)
                names.update(caught - {"Exception", "BaseException"})
        return frozenset(names)

    # -- computing ----------------------------------------------------------------------

    def summary(self, func: ast.AST, owner: Optional[ast.ClassDef]) -> Summary:
        """What ``func`` does (``owner``: the class it is a method of, None for a function)."""
        cached = self._cache.get(id(func))
        if cached is not None:
            return cached
        if id(func) in self._computing:
            return OPAQUE  # recursion: opaque, as an unknown callee
        if len(self._computing) >= MAX_CALL_DEPTH:
            # A chain of helpers this deep is opaque from here, and not cached: asked
            # directly, the callee still gets its own summary.
            return OPAQUE
        self._computing.add(id(func))
        try:
            result = self._compute(func, owner)
        finally:
            self._computing.discard(id(func))
        if owner is not None and result is not OPAQUE and any(
                (self.facts.resolve(d) or dotted_name(d)) in STATIC_METHOD_DECORATORS for d in func.decorator_list):
            result.static = True
        self._cache[id(func)] = result
        return result

    def _compute(self, func: ast.AST, owner: Optional[ast.ClassDef]) -> Summary:
        decorators = {self.facts.resolve(d) or dotted_name(d) for d in func.decorator_list}
        if decorators & {"property", "builtins.property"}:
            return OPAQUE
        context_manager = bool(decorators & CONTEXT_MANAGER_DECORATORS)
        params = _params(func)
        scan = _Scan(self, func, owner)
        scan.run()
        if scan.overflow:
            return Summary(func.name, params, context_manager=context_manager)
        if context_manager:
            if scan.yields != 1 or scan.yield_uncertain:
                return Summary(func.name, params, context_manager=True)
            return Summary(func.name, params, scan.effects(0), scan.effects(1), True)
        if scan.yields:
            # A generator's body runs later, as it is iterated: its locks would change the
            # caller's state at the wrong time, but a file it opens before its first yield is
            # opened after whatever the caller checked before calling it.
            return Summary(func.name, params, [e for e in scan.effects(0) if e[1].startswith(OPENS)])
        return Summary(func.name, params, scan.effects(0))

    def _class_cm(self, cls: ast.ClassDef) -> Optional[Summary]:
        if id(cls) in self._class_cms:
            return self._class_cms[id(cls)]
        self._class_cms[id(cls)] = None
        methods = self.methods(cls)
        enter, leave = methods.get("__enter__"), methods.get("__exit__")
        if enter is None or leave is None:
            return None
        init = methods.get("__init__")
        init_params = _params(init)[1:] if init is not None else []
        stored = _stored_parameters(init) if init is not None else {}
        effects = []
        for method in (enter, leave):
            translated = []
            summary = self.summary(method, cls)
            for (param, chain), op in summary.enter:
                if not summary.params or param != summary.params[0]:
                    continue  # only what the method does to the instance's attributes
                head, _, rest = chain.partition(".")
                source = stored.get(head)
                if source is None:
                    continue
                translated.append(((source, rest), op))
            effects.append(translated)
        result = Summary(cls.name, init_params, effects[0], effects[1], True)
        self._class_cms[id(cls)] = result
        return result

    def returned_values(self, call: ast.Call, cls: Optional[ast.ClassDef],
                        self_name: Optional[str]) -> Optional[List[ast.AST]]:
        """The expressions of every ``return`` of the function ``call`` calls, or None when it
        is unknown, may return None (a bare ``return``, falling off its end) or is a generator."""
        found = self.callee_node(call, cls, self_name)
        return _return_values(found[0]) if found is not None else None

    def _returns(self, func: ast.AST, owner: Optional[ast.ClassDef] = None) -> Returns:
        values = _return_values(func)
        if values is None:
            return NOTHING
        found = self._path_returns(func, owner, values)
        if found is NOTHING and all(isinstance(v, (ast.Call, ast.Name)) for v in values):
            return self._returned_call(func, values)
        return found

    def _path_returns(self, func: ast.AST, owner: Optional[ast.ClassDef], values: List[ast.AST]) -> Returns:
        body = self._body(func, owner, None)
        sizes = {len(v.elts) if isinstance(v, ast.Tuple) else 0 for v in values}
        if sizes != {0}:
            # ``return state, state + ".tmp"``: a tuple of paths, the same size every time
            if len(sizes) == 1 and all(self._path_kind(e, body) or _is_name(e) and self._pure(e, body)
                                       for v in values for e in v.elts) and self._locals_pure(body):
                return Returns(paths=sizes.pop())
            return NOTHING
        kinds = [self._path_kind(v, body) for v in values]
        if any(kind is None for kind in kinds) or not self._locals_pure(body):
            return NOTHING
        return Returns(True, all(kind == "pathlib" for kind in kinds))

    def _returned_call(self, func: ast.AST, values: List[ast.AST]) -> Returns:
        """``Returns(value_of=call)`` when every returned value may be the value of one call:
        the call itself (``return open(p, m)``, the only ``return``), or a name bound by one
        plain assignment of that call (``f = open(p, m)`` ... ``return f``). Whether nothing
        else binds, closes or enters the name is made sure of only for the calls a caller
        asks about (:meth:`returned_call`): that needs a look at every node of the body. A
        decorated function (a cache, a property) may give something else, so it has no such
        fact."""
        if isinstance(func, ast.AsyncFunctionDef):
            return NOTHING  # a call gives a coroutine
        if any(not _plain_method_decorator(self.facts.resolve(d) or dotted_name(d)) for d in func.decorator_list):
            return NOTHING
        names = {v.id for v in values if isinstance(v, ast.Name)}
        calls = [v for v in values if isinstance(v, ast.Call)]
        if names and calls or len(names) > 1 or len(calls) > 1:
            return NOTHING  # two calls may open two files
        if calls:
            return Returns(value_of=calls[0])
        name = names.pop()
        assigned = [stmt.value for stmt in own_statements(func)
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name]
        if len(assigned) != 1 or not isinstance(assigned[0], ast.Call):
            return NOTHING
        return Returns(value_of=assigned[0], value_name=name)

    def _bound_names(self, func: ast.AST, name: Optional[str]) -> Optional[FrozenSet[str]]:
        """The names ``func`` binds, when the local ``name`` it returns (if any) is bound once
        and neither closed nor entered in it; else None. Computed once per function."""
        if id(func) in self._bound:
            return self._bound[id(func)]
        self._bound[id(func)] = None
        bound: Set[str] = set()
        bindings = 0
        for node in own_nodes(func):
            kind = type(node)
            if kind is ast.Name and not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
                bindings += node.id == name
            elif kind is ast.ExceptHandler and node.name or kind.__name__ in _MATCH_BINDINGS and node.name:
                bound.add(node.name)  # ``except E as x``, ``case [*x]``, ``case P() as x``
                if node.name == name:
                    return None
            elif kind.__name__ == "MatchMapping" and node.rest or kind is ast.alias:
                bound.add(node.rest if kind is not ast.alias else (node.asname or node.name).split(".")[0])
                if name in bound:
                    return None
            elif kind in (ast.Global, ast.Nonlocal) and name in node.names:
                return None  # another function may rebind it
            elif name is not None and kind is ast.Attribute and node.attr in ("close", "__exit__") \
                    and isinstance(node.value, ast.Name) and node.value.id == name:
                return None  # closed before it is returned, on some path
            elif name is not None and kind in (ast.With, ast.AsyncWith) and any(
                    isinstance(item.context_expr, ast.Name) and item.context_expr.id == name for item in node.items):
                return None  # entered: closed on leaving
        if name is not None and bindings != 1:
            return None
        self._bound[id(func)] = result = frozenset(bound)
        return result

    def returned_call(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str],
                      wanted: Callable[[ast.Call], bool]):
        """``(value_of, arguments, bound)`` when every return of what ``call`` calls gives the
        value of the one call ``value_of`` (see :meth:`returning`), and the call's arguments
        are known (see :meth:`arguments`)."""
        found = self.returning(call, cls, self_name, wanted)
        if found is None:
            return None
        func, method, value_of, bound = found
        arguments = self.arguments(func, method, call)
        return (value_of, arguments, bound) if arguments is not None else None

    def returning(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str],
                  wanted: Callable[[ast.Call], bool], within: Optional[Callable[[ast.AST], bool]] = None):
        """``(function, whether a method, value_of, bound)`` when every return of what ``call``
        calls gives the value of the one call ``value_of`` of its body, unchanged (see
        :class:`Returns`), and ``value_of`` is ``wanted``; ``bound``: the names the function
        binds (a parameter among them may hold another value by the time of ``value_of``).
        What is called decides, not how: the same for every call of the same callee. A callee
        ``within`` rejects (when given) is not looked into."""
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return None
        func = found[0]
        if within is not None and not within(func):
            return None
        returned = self.value_returned(func)
        if returned.value_of is None or not wanted(returned.value_of):
            return None
        bound = self._bound_names(func, returned.value_name)
        if bound is None:
            return None
        return func, found[1] is not None, returned.value_of, bound

    def arguments(self, func: ast.AST, method: bool, call: ast.Call):
        """What ``call`` gives each parameter of ``func``: ``(expression, passed)``, what the
        caller passes (a method's instance parameter: the receiver ``self``), or the
        parameter's default (``passed`` False; an expression of the callee's module, not of
        the caller's scope); None for a parameter that gets neither. None when the call
        spreads ``*args`` or ``**kwargs``, or does not fit the parameters."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        args = func.args
        positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
        arguments: Dict[str, Optional[Tuple[ast.AST, bool]]] = dict.fromkeys(
            [a.arg for a in positional + list(args.kwonlyargs)])
        for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            arguments[arg.arg] = (default, False)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            if default is not None:
                arguments[arg.arg] = (default, False)
        names = [a.arg for a in positional]
        if method:
            decorators = {self.facts.resolve(d) or dotted_name(d) for d in func.decorator_list}
            if not decorators & {"staticmethod", "builtins.staticmethod"}:
                if not names:
                    return None
                # The instance, or for a class method the class: no path of the caller's.
                receiver = None if decorators & {"classmethod", "builtins.classmethod"} else (call.func.value, True)
                arguments[names[0]] = receiver
                names = names[1:]
        if len(call.args) > len(names) and args.vararg is None:
            return None  # not a call that runs
        for param, value in zip(names, call.args):
            arguments[param] = (value, True)
        known = set(names) | {a.arg for a in args.kwonlyargs}
        for keyword in call.keywords:
            if keyword.arg not in known:
                return None  # ``**kwargs`` takes it, or the call fails
            arguments[keyword.arg] = (keyword.value, True)
        return arguments

    def _body(self, func: ast.AST, owner: Optional[ast.ClassDef], getter_calls: Optional[list]) -> _Body:
        # A parameter is bound by the caller: only rebindings in the body are looked at.
        return _Body(owner, instance_name(self.facts, func, owner), func, self.facts.may_walrus, getter_calls)

    def _path_kind(self, node: ast.AST, body: _Body) -> Optional[str]:
        """``pathlib`` or ``str`` for an expression that builds a path from names, attributes
        and constants alone (so equal arguments give an equal path), else None. A local bound
        once (``path = Path(...)`` ... ``return path``) is the value bound to it."""
        wrapped = False
        for _ in range(MAX_GETTER_DEPTH):
            values = body.bound(node.id) if isinstance(node, ast.Name) else None
            if values and len(values) == 1 and values[0] is not None:
                node = values[0]
            elif values and len(values) > 1:
                # bound on several ways (``path = base()``, ``if sub: path = path / sub``):
                # each binding must build the same kind of path (purity is judged later)
                kinds = {self._built_kind(v, body) if v is not None and not isinstance(v, ast.Name) else None
                         for v in values}
                return kinds.pop() if len(kinds) == 1 else None
            elif isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                    and self.facts.resolve(node.func) in _PATH_SPELLINGS:
                node, wrapped = node.args[0], True  # ``str(Path(...))``, ``abspath(join(...))``
            else:
                break
        kind = self._built_kind(node, body)
        return "str" if wrapped and kind else kind

    def _built_kind(self, node: ast.AST, body: _Body) -> Optional[str]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return "pathlib" if self._pure(node, body) else None
        if isinstance(node, (ast.BinOp, ast.JoinedStr)):  # ``self.base + ".json"``, f-strings
            constant = any(isinstance(n, ast.Constant) for n in ast.walk(node))
            return "str" if constant and self._pure(node, body) else None
        if isinstance(node, ast.Call) and self._pure(node, body):
            name = self.facts.resolve(node.func)
            if name is not None and name.startswith("pathlib."):
                return "pathlib"
            if name in ("os.path.join", "posixpath.join", "ntpath.join", "os.path.expanduser", "os.path.expandvars"):
                return "str"
            if name in ENVIRONMENT_LOOKUPS and len(node.args) == 2:  # without a default: may be None
                return "str"
            if object_method(node, name) in _PATH_METHODS:
                return "pathlib"  # ``base.joinpath(name)``
            found = self.callee_node(node, body.owner, body.self_name) if name is None else None
            if found is not None and self.builds_path(found[0], found[1]):  # another path helper's
                return "pathlib" if self.returns_of(found[0], found[1]).pathlib else "str"
        if isinstance(node, ast.Subscript) and self._pure(node, body):  # ``os.environ[NAME]``
            return "str"
        return None

    def _pure(self, node: ast.AST, body: _Body) -> bool:
        """Built from parameters, module names, attributes and constants with path joins,
        ``+``, ``/``, f-strings, environment or home lookups, getters of the class
        (:meth:`getter_depth`) and accessors of objects the instance holds (:func:`stable_lookup`)
        only: nothing that could differ between two calls with equal arguments on one object.
        Names are left in ``body.names`` for :meth:`_locals_pure`: looked up once the
        whole of what a function returns is found pure otherwise, they cost nothing
        where it is not."""
        stack = [node]
        followed = body.followed
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Name):
                if current.id not in followed:
                    body.names.append(current.id)
            elif isinstance(current, (ast.Constant, ast.Load)):
                continue
            elif isinstance(current, ast.Attribute):
                stack.append(current.value)
            elif isinstance(current, ast.BinOp) and isinstance(current.op, (ast.Div, ast.Add, ast.Sub, ast.Mult,
                                                                            ast.FloorDiv)):
                # (``-``, ``*``, ``//`` of pure values, a width in a format spec say:
                # ``f"{key:0{2 * self.key_bytes}x}"``, are as pure)
                stack.extend((current.left, current.right))
            elif isinstance(current, ast.BinOp) and isinstance(current.op, ast.Mod) \
                    and isinstance(current.left, ast.Constant) and isinstance(current.left.value, str):
                # ``"%s-%s.pkl" % (a, b)``: formatting, as an f-string
                right = current.right
                stack.extend(right.elts if isinstance(right, ast.Tuple) else [right])
            elif isinstance(current, (ast.JoinedStr, ast.FormattedValue)):
                stack.extend(c for c in ast.iter_child_nodes(current))
            elif isinstance(current, ast.Subscript) and self.facts.resolve(current.value) == "os.environ":
                stack.append(current.slice)
            elif isinstance(current, ast.Subscript):
                # ``self.path[:-4]``, ``parts[0]``: a part of a pure value, as an attribute is
                stack.append(current.value)
                stack.append(current.slice)
            elif isinstance(current, ast.Slice):
                stack.extend(part for part in (current.lower, current.upper, current.step) if part is not None)
            elif isinstance(current, ast.UnaryOp) and isinstance(current.op, ast.USub):
                stack.append(current.operand)
            elif isinstance(current, ast.Call) and self._instance_lookup(current, body):
                continue
            elif isinstance(current, ast.IfExp):  # ``".json" if ... else ""``: either is pure
                stack.extend((current.test, current.body, current.orelse))
            elif isinstance(current, ast.BoolOp):  # ``os.environ.get("XDG_CONFIG_HOME") or "~/.config"``
                stack.extend(current.values)
            elif isinstance(current, ast.UnaryOp) and isinstance(current.op, ast.Not):
                stack.append(current.operand)
            elif isinstance(current, ast.Compare) and not any(
                    isinstance(op, (ast.Is, ast.IsNot)) and not is_none(part)
                    for op, part in zip(current.ops, current.comparators)):
                # ``language != "en"``, ``path is None``: a test of pure values (identity of
                # anything but None may differ between two equal values)
                stack.append(current.left)
                stack.extend(current.comparators)
            elif isinstance(current, ast.Call) and self._path_helper(current, body):
                stack.extend(current.args)
                stack.extend(keyword.value for keyword in current.keywords)
            elif isinstance(current, ast.Call) and self._pure_helper(current, body):
                stack.extend(current.args)
                stack.extend(keyword.value for keyword in current.keywords)
            elif isinstance(current, ast.Call) and all(k.arg is not None for k in current.keywords) \
                    and not any(isinstance(a, ast.Starred) for a in current.args):
                name = self.facts.resolve(current.func)
                method = current.func.attr if isinstance(current.func, ast.Attribute) and (
                    name is None or _imported_constant(current.func.value)
                    or self.facts.resolve(current.func.value) in _STANDARD_STRINGS) else None
                stack.extend(keyword.value for keyword in current.keywords)
                if name in _PATH_BUILDERS or name in _PATH_PARTS or name in _SAME_ALL_RUN \
                        or name in _DIGESTS or name in _PURE_BUILTINS:
                    pass
                elif method is None and self._imported_path_getter(current.func):
                    pass  # ``get_config_path()`` of another module: one path for equal arguments
                elif method in _PATH_METHODS or method in _STRING_METHODS \
                        or method in _STRING_TESTS or method in ("hexdigest", "digest"):
                    stack.append(current.func.value)
                elif method is not None and type(current.func.value) in (ast.Name, ast.Attribute) \
                        and names_path_getter(method):
                    stack.append(current.func.value)  # ``scraper.get_download_dir(base)``: one for equal parts
                elif len(current.args) == 1 and converts_path(name or dotted_name(current.func) or ""):
                    pass  # ``syspath(p)``: p, spelled for the system
                else:
                    return False
                stack.extend(current.args)
            else:
                return False
        return True

    def _imported_path_getter(self, func: ast.AST) -> bool:
        """Whether ``func`` is a function of another module named for the path it gives
        (:func:`names_path_getter`); a function of this module is judged by its body."""
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.facts.module_bindings:
            return False
        name = self.facts.imported_name(func)
        return name is not None and not name.startswith("builtins.") and names_path_getter(name)

    def _path_helper(self, call: ast.Call, body: _Body) -> bool:
        """Whether ``call`` calls a helper of the module (a function, or a method of the class
        on the instance) that builds a path from what it is given alone (see :class:`Returns`):
        equal arguments, equal path. Followed at most :data:`MAX_GETTER_DEPTH` helpers deep."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return False
        found = self.callee_node(call, body.owner, body.self_name)
        if found is None or self._helper_depth >= MAX_GETTER_DEPTH:
            return False
        self._helper_depth += 1
        try:
            return self.builds_path(found[0], found[1])
        finally:
            self._helper_depth -= 1

    def _pure_helper(self, call: ast.Call, body: _Body) -> bool:
        """Whether ``call`` calls a helper of the module whose every ``return`` gives a pure
        value of its arguments (see :meth:`_pure`; a digest of a key, say: ``return
        hashlib.md5(repr(key).encode()).hexdigest()``) and which changes nothing: equal
        arguments, equal value. Followed at most :data:`MAX_GETTER_DEPTH` helpers deep."""
        if not call.args and not call.keywords and isinstance(call.func, ast.Attribute):
            return False  # a getter (``self.base()``): followed as one, a bounded depth
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return False
        found = self.callee_node(call, body.owner, body.self_name)
        if found is None or self._helper_depth >= MAX_GETTER_DEPTH:
            return False
        func, owner = found
        known = self._pure_helpers.get((id(func), id(owner)))
        if known is not None:
            return known
        self._pure_helpers[(id(func), id(owner))] = False  # while judged: a cycle gives nothing
        self._helper_depth += 1
        try:
            values = _return_values(func)
            inner = self._body(func, owner, None)
            result = bool(values) and all(_plain_method_decorator(self.facts.resolve(d) or dotted_name(d))
                                          for d in func.decorator_list) \
                and not isinstance(func, ast.AsyncFunctionDef) \
                and all(self._pure(v, inner) for v in values) and self._locals_pure(inner) and not _stores(func)
        finally:
            self._helper_depth -= 1
        self._pure_helpers[(id(func), id(owner))] = result
        return result

    def renaming(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]):
        """``(op, source, target)`` when ``call`` calls a helper of the module (a function, or
        a method on the instance) that renames one of its parameters onto another as a
        statement of its own body (or of a ``try:`` body there), every time, the parameters
        never rebound: ``def atomic_rename(src, dst): os.replace(src, dst)``. ``source`` and
        ``target`` are the caller's expressions for them; None otherwise."""
        func = call.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name is None or name not in self._renamer_names():
            return None  # most calls: no function of the module by that name renames anything
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return None
        func, owner = found
        renames = self._renamers.get(id(func), False)
        if renames is False:
            renames = self._renamers[id(func)] = self._renames_parameters(func)
        if renames is None:
            return None
        arguments = self.arguments(func, owner is not None, call)
        if arguments is None:
            return None
        op, source, target = renames
        given = arguments.get(source), arguments.get(target)
        if given[0] is None or given[1] is None or not given[0][1] or not given[1][1]:
            return None  # a default of the helper's: not the caller's file
        return op, given[0][0], given[1][0]

    def makes_temp(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> bool:
        """Whether ``call`` calls a helper of the module every ``return`` of which gives what
        ``tempfile.mkstemp(...)`` gives (``return tempfile.mkstemp(dir=self.tempdir)`` on one
        branch, ``return tempfile.mkstemp()`` on the other): a new temp file each call."""
        if not isinstance(call.func, (ast.Name, ast.Attribute)):
            return False
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return False
        known = self._temp_makers.get(id(found[0]))
        if known is None:
            values = _return_values(found[0])
            known = self._temp_makers[id(found[0])] = bool(values) and all(
                isinstance(v, ast.Call) and self.facts.resolve(v.func) == "tempfile.mkstemp" for v in values)
        return known

    def makes_temp_name(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> bool:
        """Whether ``call`` calls a helper of the module every ``return`` of which gives the
        name of a new temp file: ``tempfile.mktemp(...)``, or the name it unpacked from
        ``tempfile.mkstemp(...)`` and binds nowhere else (``fd, path = mkstemp(dir=d);
        os.close(fd); return path``)."""
        if not isinstance(call.func, (ast.Name, ast.Attribute)) or not (
                self.facts.spells("mktemp") or self.facts.spells("mkstemp")):
            return False
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return False
        key = ("name", id(found[0]))
        known = self._temp_makers.get(key)
        if known is None:
            known = self._temp_makers[key] = self._returns_temp_name(found[0])
        return known

    def _returns_temp_name(self, func: ast.AST) -> bool:
        values = _return_values(func)
        if not values:
            return False
        made: Dict[str, int] = {}  # name -> how many bindings of it unpack a new temp's name
        bound: Dict[str, int] = {}
        for target, value in bindings_of(func, self.facts.may_walrus):
            if isinstance(target, ast.Name):
                bound[target.id] = bound.get(target.id, 0) + 1
        for stmt in own_statements(func):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call):
                target, made_by = stmt.targets[0], self.facts.resolve(stmt.value.func)
                if made_by == "tempfile.mkstemp" and isinstance(target, ast.Tuple) and len(target.elts) == 2 \
                        and isinstance(target.elts[1], ast.Name):
                    made[target.elts[1].id] = made.get(target.elts[1].id, 0) + 1
                elif made_by == "tempfile.mktemp" and isinstance(target, ast.Name):
                    made[target.id] = made.get(target.id, 0) + 1
        return all(isinstance(v, ast.Call) and self.facts.resolve(v.func) == "tempfile.mktemp"
                   or isinstance(v, ast.Name) and made.get(v.id, 0) == 1 and bound.get(v.id) == 1 for v in values)

    def may_convert_missing(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> bool:
        """Whether the helper ``call`` calls may turn a missing file into another error: it
        is not a function of the module known here, or one of its own handlers catches a
        missing file (``FileNotFoundError``, ``OSError`` or broader, or a bare ``except``).
        Without one, ``FileNotFoundError`` reaches the caller as it is. Once per helper."""
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return True
        known = self._converters.get(id(found[0]))
        if known is None:
            known = self._converters[id(found[0])] = any(
                isinstance(node, ast.ExceptHandler) and (node.type is None or _HANDLED_MISSING & caught_classes(
                    node.type.elts if isinstance(node.type, ast.Tuple) else [node.type], self.facts.resolve))
                for node in own_nodes(found[0]))
        return known

    def _renamer_names(self) -> FrozenSet[str]:
        """Names of the module's functions and methods one of whose own statements (or of a
        ``try:`` body there) is a call of a rename: the only ones :meth:`renaming` looks at.
        Found once per module, from the top statements of each body."""
        if self._renamer_name_set is None:
            found = set()
            functions = list(self.functions.values())
            for cls in self.classes.values():
                functions.extend(stmt for stmt in cls.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)))
            # Only a function whose lines spell a rename can call one.
            words = _RENAME_WORDS + tuple(local for local, target in self.facts.aliases.items()
                                          if target in HELPER_RENAMES)  # ``from os import rename as mv``
            lines = lines_holding(self.facts.text, words)
            if lines is not None:
                functions = [func for func in functions if holds_line(lines, func.lineno, func.end_lineno or func.lineno)]
            for func in functions:
                statements = list(func.body)
                statements.extend(inner for stmt in func.body if isinstance(stmt, ast.Try) for inner in stmt.body)
                if any(isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                       and self.facts.resolve(stmt.value.func) in HELPER_RENAMES for stmt in statements):
                    found.add(func.name)
            self._renamer_name_set = frozenset(found)
        return self._renamer_name_set

    def _renames_parameters(self, func: ast.AST):
        statements = list(func.body)
        for stmt in func.body:
            if isinstance(stmt, ast.Try):
                statements.extend(stmt.body)
        params = set(_params(func))
        rebound = {dotted_name(target) for target, _ in bindings_of(func, self.facts.may_walrus)}
        for stmt in statements:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if not isinstance(call, ast.Call) or len(call.args) < 2 or call.keywords:
                continue
            op = self.facts.resolve(call.func)
            if op not in HELPER_RENAMES:
                continue
            source, target = call.args[0], call.args[1]
            if isinstance(source, ast.Name) and isinstance(target, ast.Name) and source.id != target.id \
                    and {source.id, target.id} <= params - rebound:
                return op, source.id, target.id
        return None

    def builds_path(self, func: ast.AST, owner: Optional[ast.ClassDef]) -> bool:
        """Whether ``func`` returns a path built from its arguments alone (:class:`Returns`)
        and changes nothing else, which could make it return another path next time."""
        if not self.returns_of(func, owner).path:
            return False
        stores = self._stores.get(id(func))
        if stores is None:
            stores = self._stores[id(func)] = _stores(func)
        return not stores

    def stable_call(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> bool:
        """Whether ``call``, made in a method of ``cls`` whose instance is ``self_name``, gives
        one value on every call on one object: a getter of the class (``self.basename()``,
        see :meth:`getter_depth`) or an accessor called with constants on an object the
        instance holds (``self.config.getmetadata()``, see :func:`stable_lookup`)."""
        if cls is None or self_name is None or not isinstance(call.func, ast.Attribute):
            return False
        receiver = call.func.value
        while isinstance(receiver, ast.Attribute):
            receiver = receiver.value
        if cls is None or self_name is None or not isinstance(receiver, ast.Name) or receiver.id != self_name:
            return False  # most method calls: on something other than the instance
        return self._instance_lookup(call, _Body(cls, self_name, None, False, None))

    def _locals_pure(self, body: _Body) -> bool:
        """Whether every name left by :meth:`_pure` is a parameter the body does not rebind,
        a module name, or a local bound once to a pure expression (a name bound on two ways
        through the function may hold either value)."""
        while body.names:
            name = body.names.pop()
            if name in body.followed:
                continue
            values = body.bound(name)
            if values is None:
                continue
            if values and any(value is None for value in values):
                if body.augmented is None:
                    body.augmented = _augmented_parts(body.func)
                values = _augmented(body.augmented.get(name, []), values)
            if not values or any(value is None for value in values):
                return False  # a loop variable, an unpacked name: not one expression
            if len(values) > 1 and not self._branches_pure(body):
                return False
            body.followed.add(name)
            if not all(self._pure(value, body) for value in values):
                return False
        return True

    def _branches_pure(self, body: _Body) -> bool:
        """Whether every test the function branches on is pure (see :meth:`_pure`): then a
        local bound on several ways (``path = base()``, ``if sub: path = path / sub``) still
        gets the same value for equal arguments."""
        if body.branches_pure is None:
            body.branches_pure = False  # while judged
            tests = [node.test for node in own_nodes(body.func) if isinstance(node, (ast.If, ast.While, ast.IfExp))]
            body.branches_pure = all(self._pure(test, body) for test in tests)
        return body.branches_pure

    def _instance_lookup(self, call: ast.Call, body: _Body) -> bool:
        """Whether ``call`` is ``self.getter()`` (a getter of the class, see
        :meth:`getter_depth`; in a getter being judged, recorded for the caller to judge) or an
        accessor called with constants on an object the instance holds
        (``self.config.getmetadata()``, see :func:`stable_lookup`)."""
        func = call.func
        if body.self_name is None or not isinstance(func, ast.Attribute):
            return False
        receiver = dotted_name(func.value)
        if receiver is None or receiver.split(".", 1)[0] != body.self_name:
            return False
        if receiver == body.self_name:
            if call.args or call.keywords:
                return False
            method = self.methods(body.owner).get(func.attr)
            if method is None:
                return False
            if body.getter_calls is not None:
                body.getter_calls.append(method)
                return True
            return self.getter_depth(method, body.owner) is not None
        return stable_lookup(func.attr) and all(
            isinstance(arg, ast.Constant) for arg in list(call.args) + [k.value for k in call.keywords]) \
            and all(k.arg is not None for k in call.keywords)

    def getter_depth(self, func: ast.AST, owner: ast.ClassDef) -> Optional[int]:
        """How many getters deep a getter of ``owner`` reaches, None when ``func`` is no
        getter: a method taking only the instance whose every ``return`` gives a pure
        expression (see :meth:`_pure`) that may call other getters, at most
        :data:`MAX_GETTER_DEPTH` deep, without a cycle. Two calls of it on one object give one
        value, as far as the instance's attributes keep theirs (the assumption ``self``
        attribute paths rest on). Worked out once per method on an explicit stack."""
        depths = self._getter_depths
        found = depths.get((id(func), id(owner)), _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        on_path: Set[int] = set()
        stack: List[Tuple[ast.AST, bool]] = [(func, False)]
        while stack:
            method, expanded = stack.pop()
            key = (id(method), id(owner))
            if key in depths:
                continue
            calls = self._getter_calls(method, owner)
            if calls is None:
                depths[key] = None
            elif not expanded:
                on_path.add(id(method))
                stack.append((method, True))
                # A getter already on the way here is a cycle: left unknown, it fails below.
                stack.extend((callee, False) for callee in calls
                             if id(callee) not in on_path and (id(callee), id(owner)) not in depths)
            else:
                on_path.discard(id(method))
                below = [depths.get((id(callee), id(owner))) for callee in calls]
                depth = 1 + max(below) if below and None not in below else (0 if not below else None)
                depths[key] = depth if depth is not None and depth <= MAX_GETTER_DEPTH else None
        return depths[(id(func), id(owner))]

    def _getter_calls(self, func: ast.AST, owner: ast.ClassDef) -> Optional[List[ast.AST]]:
        """The getters a would-be getter calls, if all else it returns is pure; else None."""
        key = (id(func), id(owner))
        if key in self._getter_parts:
            return self._getter_parts[key]
        self._getter_parts[key] = None
        args = func.args
        if not isinstance(func, ast.FunctionDef) or func.decorator_list or len(_params(func)) != 1 \
                or args.vararg or args.kwarg or args.kwonlyargs:
            return None
        values = _return_values(func)
        if values is None:
            return None
        calls: List[ast.AST] = []
        body = self._body(func, owner, calls)
        if body.self_name is None or not all(self._pure(value, body) for value in values) \
                or not self._locals_pure(body):
            return None
        self._getter_parts[key] = calls
        return calls

    def mtime_stores(self, cls: ast.ClassDef) -> Dict[str, Optional[str]]:
        """Attributes of ``cls`` whose entries its methods fill with a file's mtime:
        ``{"seen": None}`` for ``self.seen[k] = os.path.getmtime(p)``, ``{"entries": "mtime"}``
        for ``self.entries[k] = {"mtime": int(st.st_mtime), ...}`` (or
        ``self.entries[k]["mtime"] = ...``). An attribute one of whose entries is stored from
        anything else, or under another field, is none. Looked for once per class, in the
        statements of its methods (and of its bases in the module)."""
        found = self._mtime_stores.get(id(cls))
        if found is not None:
            return found
        stores: Dict[str, Optional[str]] = {}
        mixed: Set[str] = set()
        for method in self.methods(cls).values():
            self_name = instance_name(self.facts, method, cls)
            if self_name is None:
                continue
            mtime_locals: Optional[Set[str]] = None
            # (what follows a return or raise never stores anything)
            for stmt in _live_own_nodes(method):
                if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                    continue
                entry = _self_entry(stmt.targets[0], self_name)
                if entry is None:
                    continue
                attr, field = entry
                if mtime_locals is None:
                    mtime_locals = self._mtime_locals(method)
                value = stmt.value
                if field is None and isinstance(value, ast.Dict):
                    fields = [k.value for k, v in zip(value.keys, value.values) if isinstance(k, ast.Constant)
                              and isinstance(k.value, str) and self._is_mtime(v, mtime_locals)]
                    field = fields[0] if len(fields) == 1 else None
                    stored = field is not None
                else:
                    stored = self._is_mtime(value, mtime_locals)
                if not stored or stores.get(attr, field) != field:
                    mixed.add(attr)
                stores[attr] = field
        found = {attr: field for attr, field in stores.items() if attr not in mixed}
        self._mtime_stores[id(cls)] = found
        return found

    def _is_mtime(self, node: ast.AST, mtime_locals: Set[str]) -> bool:
        """``os.path.getmtime(p)``, ``X.st_mtime`` (``X[stat.ST_MTIME]``), a local bound once to
        one of them, or any of these through ``int``/``float``/``round``."""
        while isinstance(node, ast.Call) and self.facts.resolve(node.func) in _MTIME_CONVERSIONS \
                and len(node.args) == 1:
            node = node.args[0]
        if isinstance(node, ast.Name):
            return node.id in mtime_locals
        if stat_of_mtime(node, self.facts.resolve) is not None:
            return True
        return isinstance(node, ast.Call) and self.facts.resolve(node.func) == "os.path.getmtime"

    def mtime_argument(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> Optional[ast.AST]:
        """The argument of ``call`` whose file's mtime the helper it calls returns: a function
        or method of the module every ``return`` of which gives None or the mtime of one
        parameter it never rebinds (``return os.stat(path).st_mtime``, ``os.path.getmtime(p)``,
        through ``int()``); None for any other call."""
        if not self.facts.spells("mtime"):
            return None
        found = self.callee_node(call, cls, self_name)
        if found is None:
            return None
        func = found[0]
        param = self._mtime_helpers.get(id(func), False)
        if param is False:
            param = self._mtime_helpers[id(func)] = self._returned_mtime_parameter(func)
        if param is None:
            return None
        if param.startswith("."):
            # ``self._get_mtime()`` returning ``os.stat(self.path).st_mtime``: the caller's
            # ``self.path``, as the caller spells its instance
            if found[1] is None or not _is_self_call(call, self_name) or any(
                    dotted_name(d) in ("staticmethod", "classmethod") for d in func.decorator_list):
                return None
            return ast.Attribute(value=ast.Name(id=self_name, ctx=ast.Load()), attr=param[1:], ctx=ast.Load())
        arguments = arguments_by_parameter(func, call, bound=found[1] is not None and _is_self_call(call, self_name))
        return arguments.get(param) if arguments is not None else None

    def _returned_mtime_parameter(self, func: ast.AST) -> Optional[str]:
        """The parameter whose file's mtime every ``return`` of ``func`` gives, or, spelt
        ``.attr``, the attribute of the instance a method reads it of (``return
        os.stat(self.path).st_mtime``), which the method does not set."""
        values = _return_values(func, with_none=False)
        if not values:
            return None
        params = set(_params(func)) | {a.arg for a in func.args.kwonlyargs}
        named = set()
        for value in values:
            while isinstance(value, ast.Call) and self.facts.resolve(value.func) in _MTIME_CONVERSIONS \
                    and len(value.args) == 1:
                value = value.args[0]
            if isinstance(value, ast.Call) and self.facts.resolve(value.func) == "os.path.getmtime" and value.args:
                path = value.args[0]
            else:
                stat = stat_of_mtime(value, self.facts.resolve)
                if not isinstance(stat, ast.Call):
                    return None
                if self.facts.resolve(stat.func) in ("os.stat", "os.lstat") and stat.args:
                    path = stat.args[0]
                elif isinstance(stat.func, ast.Attribute) and stat.func.attr == "stat" and not stat.args:
                    path = stat.func.value  # ``p.stat()``, ``Path(p).stat()``
                    if isinstance(path, ast.Call) and len(path.args) == 1 \
                            and (self.facts.resolve(path.func) or "").startswith("pathlib."):
                        path = path.args[0]
                else:
                    return None
            instance = _params(func)[0] if _params(func) else None
            if isinstance(path, ast.Attribute) and isinstance(path.value, ast.Name) and path.value.id == instance:
                named.add("." + path.attr)
                continue
            if not isinstance(path, ast.Name) or path.id not in params:
                return None
            named.add(path.id)
        if len(named) != 1:
            return None
        param = named.pop()
        spelt = instance + param if param.startswith(".") else param
        rebound = any(dotted_name(target) == spelt for target, _value in bindings_of(func, self.facts.may_walrus))
        return None if rebound else param

    def _mtime_locals(self, func: ast.AST) -> Set[str]:
        values = local_bindings(func, self.facts.may_walrus)
        return {name for name, bound in values.items()
                if len(bound) == 1 and bound[0] is not None and self._is_mtime(bound[0], set())}

    def scope_words(self) -> FrozenSet[str]:
        """Names of the module's functions, methods and context-manager classes with effects:
        a scope that calls one of them may lock a mailbox without spelling ``lock``."""
        if self._words is None:
            words = set()
            for name, node in self.functions.items():
                if self.summary(node, None).has_effects:
                    words.add(name)
            for name, cls in self.classes.items():
                for method_name, method in self.methods(cls).items():
                    if self.summary(method, cls).has_effects:
                        words.add(method_name)
                cm = self._class_cm(cls)
                if cm is not None and cm.has_effects:
                    words.add(name)
            self._words = frozenset(words)
        return self._words


#: ``match`` patterns (Python 3.10+) that bind their ``name``
_MATCH_BINDINGS = frozenset({"MatchAs", "MatchStar"})


def _plain_method_decorator(name: Optional[str]) -> bool:
    return name in ("staticmethod", "builtins.staticmethod", "classmethod", "builtins.classmethod")


#: the index of the mtime in the tuple ``os.stat()`` gives (``stat.ST_MTIME``)
ST_MTIME_INDEX = 8


def stat_of_mtime(node: ast.AST, resolve) -> Optional[ast.AST]:
    """The stat result whose mtime ``node`` reads: ``X`` of ``X.st_mtime``, or of the tuple
    form ``X[stat.ST_MTIME]`` (``X[8]``); None for anything else."""
    if isinstance(node, ast.Attribute) and node.attr == "st_mtime":
        return node.value
    if isinstance(node, ast.Subscript):
        index = node.slice
        if isinstance(index, ast.Constant) and index.value == ST_MTIME_INDEX and type(index.value) is int \
                or resolve(index) == "stat.ST_MTIME":
            return node.value
    return None


#: conversions that keep an mtime an mtime (``int(os.stat(p).st_mtime)``)
_MTIME_CONVERSIONS = frozenset({"builtins.int", "builtins.float", "builtins.round"})


def _self_entry(target: ast.AST, self_name: str) -> Optional[Tuple[str, Optional[str]]]:
    """``(attribute, field)`` of a store into an entry of an attribute of the instance:
    ``self.seen[k]`` is ``("seen", None)``, ``self.entries[k]["mtime"]`` is
    ``("entries", "mtime")``."""
    if not isinstance(target, ast.Subscript):
        return None
    field = None
    inner = target.value
    if isinstance(inner, ast.Subscript) and isinstance(target.slice, ast.Constant) \
            and isinstance(target.slice.value, str):
        field = target.slice.value
        target, inner = inner, inner.value
    if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == self_name:
        return inner.attr, field
    return None


def _call_or_name(node: ast.AST) -> bool:
    return isinstance(node, (ast.Call, ast.Name))


def _is_name(node: ast.AST) -> bool:
    return dotted_name(node) is not None


def _stored_parameters(init: ast.AST) -> Dict[str, str]:
    """Attributes ``__init__`` sets straight from a parameter: ``{"box": "box"}`` for
    ``self.box = box`` at the top level of its body (:func:`~.imports.sequential_statements`)."""
    params = _params(init)
    if not params:
        return {}
    self_name, rest = params[0], set(params[1:])
    stored: Dict[str, str] = {}
    for stmt in sequential_statements(init.body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Name) \
                and stmt.value.id in rest:
            target = stmt.targets[0]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id == self_name:
                stored[target.attr] = stmt.value.id
    return stored


# -- private temporary directories ---------------------------------------------------------

#: calls that make a fresh directory nobody else knows of
#: what gives a directory (or a file) nobody else creates, removes or rewrites: a private
#: temporary directory, or the data files of an installed package
PRIVATE_DIR_FACTORIES = frozenset({
    "tempfile.mkdtemp", "tempfile.TemporaryDirectory",
    "importlib.resources.files", "importlib.resources.path", "importlib.resources.as_file",
    "importlib_resources.files", "importlib_resources.path", "importlib_resources.as_file",
    "pkg_resources.resource_filename",
    "fixtures.TempDir",  # testtools' fixtures: ``self.useFixture(fixtures.TempDir()).path``
})
#: calls that make a fresh file under a name nobody else knows: a module's constant bound
#: from one (``_, LOG = tempfile.mkstemp()``) is its own file, for every function of the module
PRIVATE_FILE_FACTORIES = frozenset({"tempfile.mkstemp", "tempfile.mktemp"})
#: the modules :data:`PRIVATE_DIR_FACTORIES` come from (and pytest's per-test directories)
_PRIVATE_MODULES = ("tempfile", "pytest", "importlib.resources", "importlib_resources", "pkg_resources", "fixtures")
#: how many rmtree error handlers of a module are followed (see :meth:`PrivatePaths.error_handlers`)
ERROR_HANDLERS_FOLLOWED = 16
#: rounds over a function's bindings when looking for private names
PRIVATE_ROUNDS = 3
#: methods of a class followed from one for the instance attributes they spell
REACHED_METHODS = 64
#: the stand-in value of a fixture that returns a maker of private paths (a factory)
PYTEST_FACTORY = "<private factory>"
#: pytest's per-test directories, injected by parameter name
PYTEST_PRIVATE_PARAMETERS = frozenset({"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"})
PYTEST_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest.yield_fixture"})
#: the names of an attribute that holds a test's temporary folder (``self.tempdir``,
#: ``self.tmp_path``, ``self._temp_dir``)
_TEMP_ATTRIBUTE = re.compile(r"_*(?:tmp|temp)_?(?:dir|dirname|path|folder|root|directory)?")
#: an attribute named so in a module's text
_TEMP_ATTRIBUTE_USE = re.compile(r"\.(_*(?:tmp|temp|TMP|TEMP|Tmp|Temp)\w*)(\s*(?::[^=\n]*)?[-+*/|&]?=(?!=))?")
#: the private name that stands for the current directory, in a scope that changed into a
#: private one (``monkeypatch.chdir(tmp_path)``): relative paths are in it
PRIVATE_CWD = "<cwd>"
#: calls that change the current directory to their first argument (and pytest's
#: ``monkeypatch.chdir``, found by the fixture's name)
_CHDIR_CALLS = frozenset({"os.chdir", "contextlib.chdir"})
#: decorators that make a class a record whose constructor's arguments are its attributes
RECORD_DECORATORS = frozenset({
    "dataclasses.dataclass", "attr.s", "attr.attrs", "attr.define", "attr.frozen", "attrs.define", "attrs.frozen",
})
#: methods of a path (or py.path, or a pytest factory) that give a path inside it
_INSIDE_METHODS = frozenset({
    "joinpath", "join", "mkdir", "mktemp", "ensure", "with_name", "with_suffix", "with_stem", "resolve",
    "absolute", "strpath", "as_posix",
})
#: methods of a path that lead out of it (``tmp_path.home()``, ``Path.cwd()``)
_LEAVING_METHODS = frozenset({"home", "cwd", "readlink", "resolve_symlinks", "getcwd"})
#: what lists the entries of a directory as whole paths (a method of the directory, or a
#: call given it first), and the builtins that copy or reorder a collection: each entry of a
#: private directory's listing is in it
_LISTING_METHODS = frozenset({"iterdir", "glob", "rglob"})
_LISTING_CALLS = frozenset({"os.scandir", "glob.glob", "glob.iglob"})
_COLLECTION_COPIES = frozenset({
    "builtins.list", "builtins.tuple", "builtins.sorted", "builtins.reversed", "builtins.set", "builtins.frozenset",
})
#: lookups of the environment and the home directory: one value all through a run
#: (also the path keys of :mod:`.paths.expressions`)
ENVIRONMENT_LOOKUPS = frozenset({"os.environ.get", "os.getenv"})
_SAME_ALL_RUN = ENVIRONMENT_LOOKUPS | {"os.path.expanduser", "os.path.expandvars", "pathlib.Path.home",
                                       "tempfile.gettempdir", "tempfile.gettempdirb", "platform.system"}
#: strings the standard library holds for the whole run: their methods are a string's
_STANDARD_STRINGS = frozenset({"sys.platform", "os.name", "os.sep", "sys.executable", "sys.prefix"})
#: methods of a string whose value depends on the string and the arguments alone
_STRING_METHODS = frozenset({
    "replace", "lower", "upper", "casefold", "strip", "lstrip", "rstrip", "removeprefix", "removesuffix",
    "format", "encode", "decode",
})
#: methods of a string that test it, and depend on it and the arguments alone
_STRING_TESTS = frozenset({"startswith", "endswith"})
#: methods of a ``pathlib`` path that build another from it and their arguments alone
_PATH_METHODS = frozenset({"joinpath", "with_suffix", "with_name", "with_stem"})
#: digests of what they are given (a cache file named by the hash of its source's name)
_DIGESTS = frozenset("hashlib." + name for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"))
def _imported_constant(node: ast.AST) -> bool:
    """A name spelled as a constant (``JSON_FILE_PATTERN``), as another module gives one: its
    string methods are those of a string, not functions of a module."""
    return isinstance(node, ast.Name) and node.id.isupper()


#: methods only a path has: no module names a function so (``os.path`` has ``join``)
_ONLY_PATH_METHODS = _PATH_METHODS | {"relative_to"}


def object_method(call: ast.Call, name: Optional[str]) -> Optional[str]:
    """The method ``call`` calls on an object, given what :meth:`ModuleFacts.resolve` made
    of its function (``name``): any attribute call that resolves to nothing, and one on an
    imported name that resolves to a function of that module only by its spelling, when
    the method is one only a path has (``from app.settings import data_dir`` then
    ``data_dir.joinpath(x)``) or the name is spelled as a constant (``UMU_COMPAT.resolve()``)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if name is None or func.attr in _ONLY_PATH_METHODS or _imported_constant(func.value):
        return func.attr
    return None


#: functions giving parts of a path, and of it alone
_PATH_PARTS = frozenset({"os.path.dirname", "os.path.basename", "os.path.split", "os.path.splitext"})
_PATH_BUILDERS = frozenset({
    "os.path.join", "posixpath.join", "ntpath.join", "builtins.str", "os.fspath", "os.path.abspath",
    "os.path.realpath", "os.path.normpath", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
})


#: calls that spell a path they are given another way: the same file, as a string
_PATH_SPELLINGS = frozenset({"builtins.str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath"})
#: builtins whose value depends on their arguments alone (spelling a key in a file name)
_PURE_BUILTINS = frozenset({"builtins.repr", "builtins.format", "builtins.len"})

_ITEM_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)


class PrivatePaths:
    """Names (``d``, ``self.tmp``) that hold a fresh private temporary directory or a path in
    one: made by ``tempfile.mkdtemp()``/``TemporaryDirectory()`` in the same function (or, for
    ``self`` attributes, in a method of the class), pytest's ``tmp_path``/``tmpdir``, or a
    parameter named after a pytest fixture of this module that returns such a path (or a
    record holding one, :meth:`_private_fields`), and what is derived from one: a derived
    spelling, an entry of a listing of it (:meth:`_note_loop_entry`), in a test what a call
    given one returns (:meth:`_given_private`), the path an rmtree error handler gets
    (:meth:`error_handlers`). No other process writes there, so the races the MBX1, MBX3
    and MBX9 rules name cannot happen.

    A name counts only when every binding of it in the scope is private: ``d = mkdtemp()`` then
    ``d = shared`` is not private anywhere."""

    def __init__(self, facts: ModuleFacts, tree: ast.Module, functions: Optional[Dict[str, ast.AST]] = None,
                 methods: Optional[Callable[[], Optional[Callable[[ast.ClassDef], Dict[str, ast.AST]]]]] = None):
        self.facts = facts
        #: the module's top-level functions defined once (:attr:`ModuleSummaries.functions`)
        self._functions: Dict[str, ast.AST] = functions or {}
        #: a class's methods by name, its bases' in the module included (:meth:`ModuleSummaries.methods`)
        self._methods_of = methods
        #: whether the module imports ``twisted.trial`` (see :meth:`_trial_mktemp`), once asked
        self._trial: Optional[bool] = None
        self._fixtures: Optional[Set[str]] = None
        #: every pytest fixture the module defines (found with :meth:`fixtures`)
        self._fixture_names: Set[str] = set()
        self._tree = tree
        self._scopes: Dict[int, FrozenSet[str]] = {}
        self._classes: Dict[int, FrozenSet[str]] = {}
        #: per set of private attributes (a class's, and those it inherits) and instance name:
        #: those attributes spelled on the instance, and what they came from
        self._spelled_attributes: Dict[Tuple[int, int, str], tuple] = {}
        #: per class: each attribute -> the attributes spelled in what it is bound to
        self._attribute_values: Dict[int, Dict[str, Set[str]]] = {}
        #: words -> the lines holding one (see :meth:`_spells_within`)
        self._word_lines: Dict[Tuple[str, ...], Optional[List[int]]] = {}
        #: id of a method -> its bindings of the instance's attributes (:func:`_attribute_stores`)
        self._method_stores: Dict[int, list] = {}
        #: id of a class -> its base binding the same attributes (see :meth:`_storing_base`)
        self._storing_bases: Dict[int, Optional[ast.ClassDef]] = {}
        #: (id of a class, whether judged) -> the root of :meth:`_storing_root`
        self._storing_roots: Dict[Tuple[int, bool], ast.ClassDef] = {}
        #: ids of the classes whose attributes are being found
        self._finding: Set[int] = set()
        #: id of a class -> whether its stores call a method on the instance
        self._instance_calls: Dict[int, bool] = {}
        #: id of a method -> its private names as a plain function (see :meth:`_method_names`)
        self._plain_names: Dict[int, FrozenSet[str]] = {}
        #: whether :meth:`fixtures` has finished (while it runs, what it found is partial)
        self._fixtures_known = False
        #: id of a method -> its calls adding to a collection on the instance
        self._method_adds: Dict[int, List[ast.Call]] = {}
        #: (id of a method, instance name) -> what it spells on the instance (see :meth:`_reaches`)
        self._method_reach: Dict[Tuple[int, str], Optional[FrozenSet[str]]] = {}
        self._inherited: Dict[int, FrozenSet[str]] = {}  # class -> temp folders its bases make
        self._unbound_temps: Optional[Dict[str, List[int]]] = None
        self._class_names: Optional[FrozenSet[str]] = None
        #: id of a nested function -> the private names of its enclosing function it reads
        self._closures: Dict[int, FrozenSet[str]] = {}
        #: id of a function -> the names functions nested in it declare ``nonlocal``
        self._nonlocals: Dict[int, FrozenSet[str]] = {}
        #: without tempfile or pytest, only a parameter named tmp_path/tmpdir can be private
        self._factories = facts.imports_any(_PRIVATE_MODULES) or facts.imports_any(["twisted.trial"])
        #: see :meth:`error_handlers`
        self._handlers: Optional[Dict[int, str]] = None
        #: fixture of the module -> the fields of the record it returns that hold private paths
        self._fixture_fields: Dict[str, FrozenSet[str]] = {}
        #: fixtures of the module giving a tuple -> the positions private in it (``yield name, path``)
        self._fixture_items: Dict[str, FrozenSet[int]] = {}
        #: record classes of the module -> their fields (see :meth:`_record_fields`)
        self._records: Optional[Dict[str, List[str]]] = None
        #: the words that spell a private directory factory here (see :meth:`_may_spell_private`)
        self._factory_words: Optional[Tuple[str, ...]] = None
        #: ... for a scope with no private name to start from (see :meth:`_seedless_words`)
        self._scope_words: Tuple[str, ...] = ()
        #: names -> the lines spelling a factory or one of them (see :meth:`_may_spell_private`)
        self._spelling_lines: Dict[FrozenSet[str], Optional[List[int]]] = {}
        #: see :meth:`_module_names`
        self._module_private: Optional[FrozenSet[str]] = None
        #: a function of the module -> whether it returns private paths (see :meth:`_returns_private`)
        self._private_helpers: Dict[str, bool] = {}
        #: helpers being judged within one another (see :meth:`_returns_private`)
        self._private_depth = 0
        #: the module's text, line by line (see :meth:`_may_comprehend`)
        self._text_lines: Optional[List[str]] = None
        #: (id of a class, method name) -> whether the method returns private paths
        #: (see :meth:`method_returns_private`)
        self._private_methods: Dict[Tuple[int, str], bool] = {}
        #: the class and instance name of the method whose names are being judged, so that
        #: ``self.path(name)`` can be looked up in it (see :meth:`scope`)
        self._instance: Optional[Tuple[ast.ClassDef, str]] = None
        #: the class whose private attributes are being found (see :meth:`class_attributes`)
        self._storing: Optional[ast.ClassDef] = None
        #: (id of a class, method) -> the method's own private names while the class's are found
        self._finding_scopes: Dict[Tuple[int, str], FrozenSet[str]] = {}
        #: id of a class -> its methods by name (see :meth:`method_returns_private`)
        self._class_methods: Dict[int, Dict[str, ast.AST]] = {}
        #: see :meth:`_cwd_fixtures`
        self._cwd_fixture_cache: Optional[Dict[str, bool]] = None
        #: whether the module is a test suite's support module (see :meth:`_support_helper`),
        #: and then how many times its text spells each word
        self._support_module: Optional[bool] = None
        #: id of a method -> the values it stores into items, by target (see :func:`_item_stores`)
        self._items_stored: Dict[int, Dict[str, List[ast.AST]]] = {}

    def private_expression(self, node: Optional[ast.AST], private: Set[str], files: bool = False) -> bool:
        """Whether ``node`` is a fresh private directory, or a path built inside one (with
        ``files``, also a fresh temp file's name: :data:`PRIVATE_FILE_FACTORIES`). Only the
        first operand of each step decides (the directory a path is built in), so this follows
        one chain, in a loop: operator chains may be as long as the parser allows. A
        comprehension's items are private when its item is built from its variable
        (``[p for p in d.iterdir() if p.is_file()]``) and what it iterates is."""
        #: the variable of each comprehension followed -> what it iterates
        entries: Dict[str, ast.AST] = {}
        while node is not None:
            if isinstance(node, ast.Constant):
                return PRIVATE_CWD in private and relative_path(node.value)
            if isinstance(node, ast.Name) and node.id in entries:
                node = entries.pop(node.id)  # the comprehension's own variable, followed once
                continue
            if isinstance(node, (ast.Name, ast.Attribute)):
                ref = dotted_name(node)
                if ref is not None and under(ref, private) and ref.partition(".")[0] not in entries:
                    return True
                if isinstance(node, ast.Attribute) and node.attr in ("name", "parent", "strpath", "path"):
                    node = node.value  # ``.path`` of a private folder's fixture: its folder
                    continue
                return False
            if isinstance(node, ast.Call):
                name = self.facts.resolve(node.func)
                if name in PRIVATE_DIR_FACTORIES or files and name in PRIVATE_FILE_FACTORIES:
                    return True
                if name is None and isinstance(node.func, ast.Name) and (
                        node.func.id in private or self._returns_private(node.func.id)):
                    return True  # a private factory: a fixture that makes the test's files, a helper
                instance = self._instance
                if name is None and instance is not None and isinstance(node.func, ast.Attribute) \
                        and type(node.func.value) is ast.Name and node.func.value.id == instance[1] \
                        and self.method_returns_private(instance[0], node.func.attr, private, instance[1]):
                    return True  # ``self.path(name)``: a method joining a name onto a private folder
                if name is None and instance is not None and self._trial_mktemp(node, instance):
                    return True
                if name in _PATH_BUILDERS or name in _LISTING_CALLS or name in _COLLECTION_COPIES:
                    node = node.args[0] if node.args else None
                elif name is None and isinstance(node.func, ast.Attribute) and node.func.attr == "useFixture" \
                        and len(node.args) == 1 and not node.keywords:
                    node = node.args[0]  # testtools' ``self.useFixture(f)`` sets ``f`` up and gives it back
                elif name is None and isinstance(node.func, ast.Attribute) and (
                        node.func.attr in _INSIDE_METHODS or node.func.attr in _LISTING_METHODS):
                    node = node.func.value
                elif name is None and isinstance(node.func, ast.Attribute) and not node.args and not node.keywords \
                        and node.func.attr not in _LEAVING_METHODS and self.facts.is_test_module:
                    # ``self.repo.controldir()``, in a test: what an object the test made in
                    # its own folder says about itself is a path there
                    node = node.func.value
                else:
                    return False
            elif files and isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) \
                    and self.facts.resolve(node.value.func) == "tempfile.mkstemp" \
                    and isinstance(node.slice, ast.Constant) and node.slice.value in (1, -1):
                return True  # ``mkstemp()[1]``: the fresh file's name
            elif isinstance(node, ast.Subscript):
                node = node.value  # an item of a private collection (``self.tmpdir["dir"]``)
            elif isinstance(node, _ITEM_COMPREHENSIONS) and len(node.generators) == 1 \
                    and isinstance(node.generators[0].target, ast.Name):
                entries[node.generators[0].target.id] = node.generators[0].iter
                node = node.elt
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
                node = node.left
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.FormattedValue):
                node = node.values[0].value
            elif isinstance(node, _DISPLAYS) and node.elts:
                # ``for d in [self.out, self.cache]``: each entry is private when every element
                # is (displays nest no deeper than the parser allows brackets to)
                return all(self.private_expression(element, private) for element in node.elts)
            else:
                return False
        return False

    def error_handlers(self) -> Dict[int, str]:
        """Functions of the module whose only use is as the ``onerror``/``onexc`` handler of a
        ``shutil.rmtree()`` of a private directory -> their path parameter: rmtree hands them
        paths under the directory it removes. Each use must be such a call (each line that
        spells the function's name holds one). Keyed by the id of the function's node."""
        if self._handlers is not None:
            return self._handlers
        self._handlers = {}  # while computing: a handler that removes with itself is none
        text = self.facts.text
        lines = lines_holding(text, ("onerror", "onexc")) if text is not None and "rmtree" in text else None
        if not lines:
            return self._handlers
        functions = {stmt.name: stmt for stmt in self._tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
        uses: Dict[str, List[bool]] = {}
        for stmt in self._tree.body:
            if not holds_line(lines, stmt.lineno, stmt.end_lineno or stmt.lineno):
                continue
            outer = stmt if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else self._tree
            stack = [(stmt, outer)]
            while stack:
                node, scope = stack.pop()
                if isinstance(node, ast.Call) and self.facts.resolve(node.func) == "shutil.rmtree" and node.args:
                    for keyword in node.keywords:
                        if keyword.arg in ("onerror", "onexc") and isinstance(keyword.value, ast.Name) \
                                and keyword.value.id in functions:
                            uses.setdefault(keyword.value.id, []).append(
                                self.private_expression(node.args[0], set(self.scope(scope, None))))
                for child in ast.iter_child_nodes(node):
                    stack.append((child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope))
        if len(uses) > ERROR_HANDLERS_FOLLOWED:
            return self._handlers  # each name is looked for in the whole text: keep that bounded
        for name, private in uses.items():
            handler = functions[name]
            positional = _params(handler)
            spelled = [line for line in word_lines(text, name) or () if line != handler.lineno]
            if len(positional) >= 2 and all(private) and len(spelled) == len(private):
                self._handlers[id(handler)] = positional[1]
        return self._handlers

    def _given_private(self, value: Optional[ast.AST], private: Set[str]) -> bool:
        """Whether ``value`` is what a call returns that was given a private path (``result =
        download(url, output=tmp_path / "out")``): in a test, the code under test works in the
        test's own directory, and a path it returns is one there. Not a ``shutil`` call, whose
        value is the destination it was given."""
        if not isinstance(value, ast.Call) or (self.facts.resolve(value.func) or "").startswith("shutil."):
            return False
        given = list(value.args) + [k.value for k in value.keywords]
        return any(self.private_expression(a.value if isinstance(a, ast.Starred) else a, private) for a in given)

    def _note_loop_entry(self, loop: ast.AST, entries: Dict[int, ast.AST]) -> None:
        """Record, by the id of a ``for`` variable, what is private when its entries are: the
        iterable of ``for p in ...`` and of ``for i, p in enumerate(...)``, the root of ``for
        folder, dirs, files in os.walk(root)`` (each folder is the root or one under it)."""
        target, iterable = loop.target, loop.iter
        if isinstance(target, ast.Name):
            entries[id(target)] = iterable
            return
        if not (isinstance(target, ast.Tuple) and isinstance(iterable, ast.Call) and len(iterable.args) == 1):
            return
        called = self.facts.resolve(iterable.func)
        if called == "builtins.enumerate" and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name) \
                or called == "os.walk" and len(target.elts) == 3 and isinstance(target.elts[0], ast.Name):
            entries[id(target.elts[1 if called == "builtins.enumerate" else 0])] = iterable.args[0]

    def fixtures(self) -> Set[str]:
        """Pytest fixtures of the module whose value is a private path."""
        if self._fixtures is None:
            self._fixtures = set()
            candidates = []
            for stmt in self._tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                        (self.facts.resolve(d.func if isinstance(d, ast.Call) else d) or "") in PYTEST_FIXTURE_DECORATORS
                        for d in stmt.decorator_list):
                    candidates.append((stmt.name, stmt))
                    self._fixture_names.add(stmt.name)
                elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.Call) and len(stmt.value.args) == 1 \
                        and isinstance(stmt.value.args[0], ast.Lambda) \
                        and (self.facts.resolve(stmt.value.func) or "") in PYTEST_FIXTURE_DECORATORS:
                    # ``schemas_dir = pytest.fixture(lambda tmp_path: tmp_path / "schemas")``
                    candidates.append((stmt.targets[0].id, stmt.value.args[0]))
                    self._fixture_names.add(stmt.targets[0].id)
            # A fixture may build on another one: a few rounds reach every chain that matters.
            for _ in range(3):
                grown = False
                for name, func in candidates:
                    if name in self._fixtures:
                        continue
                    if isinstance(func, ast.Lambda):
                        private = {a.arg for a in func.args.args
                                   if a.arg in PYTEST_PRIVATE_PARAMETERS or a.arg in self._fixtures}
                        values = [func.body]
                    else:
                        private = self.scope(func, None, fresh=True)
                        values = [n.value for n in own_nodes(func) if isinstance(n, (ast.Return, ast.Yield))]
                        if len(values) == 1 and self._private_factory(func, values[0], private):
                            values = [ast.Name(id=PYTEST_FACTORY, ctx=ast.Load())]
                            private = {PYTEST_FACTORY}
                    if values and all(self.private_expression(v, set(private)) for v in values):
                        self._fixtures.add(name)
                        grown = True
                    elif values and name not in self._fixture_fields and name not in self._fixture_items:
                        fields = self._private_fields(values, set(private))
                        if fields:
                            self._fixture_fields[name] = fields
                            grown = True
                        items = self._private_items(values, set(private))
                        if items:
                            self._fixture_items[name] = items
                            grown = True
                if not grown:
                    break
            self._fixtures_known = True
        return self._fixtures

    def _private_factory(self, fixture: ast.AST, value: Optional[ast.AST], private: FrozenSet[str]) -> bool:
        """Whether a fixture returns a function it defines whose every return is a private
        path (``def _copy(): ... return tmp_path / name`` then ``return _copy``): a test
        calling what the fixture gives gets a file of its own."""
        if not isinstance(value, ast.Name):
            return False
        nested = [stmt for stmt in fixture.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and stmt.name == value.id]
        if len(nested) != 1 or nested[0].decorator_list:
            return False
        returned = _return_values(nested[0])
        if not returned:
            return False
        # the fixture's private names, as the closure reads them, and the function's own
        # names bound only to private paths given those
        names = {name for name in private if "." not in name} - set(local_names(nested[0]))
        bindings = local_bindings(nested[0], self.facts.may_walrus)
        for _ in range(PRIVATE_ROUNDS):
            grown = False
            for name, bound in bindings.items():
                if name not in names and bound and all(
                        v is not None and self.private_expression(v, names) for v in bound):
                    names.add(name)
                    grown = True
            if not grown:
                break
        return all(self.private_expression(v, names) for v in returned)

    def _private_fields(self, values: List[ast.AST], private: Set[str]) -> FrozenSet[str]:
        """The fields private in every one of ``values`` when each builds a record of a class
        of the module (a ``NamedTuple`` or a dataclass): ``DownloadEnv(path=str(tmp_path /
        "f"), url=URL)`` has ``path``. Empty when one is anything else."""
        common: Optional[Set[str]] = None
        for value in values:
            fields = self._record_fields(value.func) if isinstance(value, ast.Call) else None
            if fields is None or any(isinstance(a, ast.Starred) for a in value.args):
                return frozenset()
            given = list(zip(fields, value.args)) + [(k.arg, k.value) for k in value.keywords if k.arg is not None]
            found = {field for field, given_value in given if self.private_expression(given_value, private)}
            common = found if common is None else common & found
            if not common:
                return frozenset()
        return frozenset(common or ())

    def _trial_mktemp(self, call: ast.Call, instance) -> bool:
        """``self.mktemp()`` in a module using ``twisted.trial``, whose class does not define
        ``mktemp`` itself: trial's ``TestCase.mktemp()``, a new path of the test's own under
        its temp folder, which no other program knows."""
        func = call.func
        if not (type(func) is ast.Attribute and func.attr == "mktemp" and type(func.value) is ast.Name
                and func.value.id == instance[1] and not call.args and not call.keywords):
            return False
        methods = self._methods_of() if self._uses_trial() and self._methods_of is not None else None
        return methods is not None and "mktemp" not in methods(instance[0])

    def _uses_trial(self) -> bool:
        if self._trial is None:
            self._trial = self.facts.imports_any(["twisted.trial"])
        return self._trial

    def _private_items(self, values: List[ast.AST], private: Set[str]) -> FrozenSet[int]:
        """The positions private in every one of ``values`` when each is a tuple display of
        the same length (``yield sls_name, tmp_path / "ran.txt"`` has 1). Empty otherwise."""
        sizes = {len(value.elts) if type(value) is ast.Tuple else -1 for value in values}
        if len(sizes) != 1 or -1 in sizes or any(type(e) is ast.Starred for v in values for e in v.elts):
            return frozenset()
        return frozenset(index for index in range(sizes.pop())
                         if all(self.private_expression(v.elts[index], private) for v in values))

    def _record_fields(self, func: ast.AST) -> Optional[List[str]]:
        """The fields, in order, of the record class of the module that ``func`` names (a
        subclass of ``NamedTuple``, or a class decorated as a dataclass), else None: the
        arguments of its constructor are what its attributes hold."""
        if not isinstance(func, ast.Name):
            return None
        if self._records is None:
            self._records = {}
            for stmt in self._tree.body:
                if isinstance(stmt, ast.ClassDef) and (
                        any((self.facts.resolve(base) or "").endswith("NamedTuple") for base in stmt.bases)
                        or any((self.facts.resolve(d.func if isinstance(d, ast.Call) else d) or "") in RECORD_DECORATORS
                               for d in stmt.decorator_list)):
                    self._records[stmt.name] = [
                        field.target.id for field in stmt.body
                        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)]
        return self._records.get(func.id)

    def _spells_within(self, node: ast.AST, words: Tuple[str, ...]) -> bool:
        """Whether a line of ``node`` may hold one of ``words`` (True when the text is not known)."""
        lines = self._word_lines.get(words, False)
        if lines is False:  # merged once per module
            lines = self._word_lines[words] = lines_holding(self.facts.text, words)
        return lines is None or holds_line(lines, node.lineno, node.end_lineno or node.lineno)

    def _may_spell_private(self, node: ast.AST, names: Iterable[str]) -> bool:
        """Whether the lines of ``node`` may make a private path: they spell a private
        directory factory (under its own name or one it was imported as) or one of ``names``.
        True when the module's text is not known."""
        if self.facts.text is None:
            return True
        if self._factory_words is None:
            # (a factory resolves only in a module spelling its module: ``path`` and ``files``
            # alone are on most lines of path code)
            words = tuple(sorted({name.rsplit(".", 1)[-1] for name in PRIVATE_DIR_FACTORIES
                                  if self.facts.spells(name.split(".", 1)[0])})) + tuple(
                local for local, target in self.facts.aliases.items() if target in PRIVATE_DIR_FACTORIES)
            if self._uses_trial():
                words += ("mktemp",)  # trial's ``self.mktemp()`` (see :meth:`_trial_mktemp`)
            helpers = self._may_return_private(words) if self._factories else ()
            self._factory_words = words + helpers
            self._scope_words = self._seedless_words(helpers)
        names = frozenset(names)
        lines = self._spelling_lines.get(names, False)
        if lines is False:  # merged once per set of names: a module may have any number of scopes
            lines = self._spelling_lines[names] = lines_holding(
                self.facts.text, (self._factory_words if names else self._scope_words) + tuple(sorted(names)))
        if lines is None or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return lines is None or bool(lines)  # a module: any line of it
        return holds_line(lines, node.lineno, node.end_lineno or node.lineno)

    def _may_return_private(self, words: Tuple[str, ...]) -> Tuple[str, ...]:
        """The functions of the module that may return a private path (see
        :meth:`_returns_private`): those whose lines spell one of ``words``, and those whose
        lines spell one of these (``return h1()``), as many calls up as are followed."""
        text = self.facts.text
        found: Set[str] = set()
        spelled = words
        for _ in range(MAX_CALL_DEPTH + 1):
            lines = lines_holding(text, spelled) if spelled else []
            if not lines:  # (None: lines not known; none found then, as for no text)
                break
            new = {name for name, func in self._functions.items()
                   if name not in found and holds_line(lines, func.lineno, func.end_lineno or func.lineno)}
            found |= new
            spelled = tuple(sorted(new))
        return tuple(name for name in self._functions if name in found)

    def _seedless_words(self, helpers: Tuple[str, ...]) -> Tuple[str, ...]:
        """The words of which a scope with no private name to start from (see :meth:`scope`)
        must spell one to make a private path: a factory's name, as a module imported here
        can give it (``path`` and ``files`` of ``importlib.resources`` are on most lines of
        path code, but resolve to a factory only in a module naming ``importlib``), a name
        imported for one, or a function of the module that may return a private path: one
        spelling a factory word (``helpers``) or one that starts with private names itself
        (a pytest or fixture parameter, a test, a possible rmtree error handler)."""
        text = self.facts.text
        factories = {name.rsplit(".", 1)[-1] for name in PRIVATE_DIR_FACTORIES if self.facts.spells(name.split(".", 1)[0])}
        aliases = {local for local, target in self.facts.aliases.items() if target in PRIVATE_DIR_FACTORIES}
        functions = [stmt for stmt in self._tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
        top_level = {stmt.name for stmt in functions}
        handlers = "rmtree" in text
        seeded = set()
        for stmt in functions:
            params = set(parameter_names(stmt))
            if params & PYTEST_PRIVATE_PARAMETERS or params & top_level or params and stmt.name.startswith("test") \
                    or handlers and len(params) >= 2:
                seeded.add(stmt.name)
        return tuple(sorted(factories | aliases | set(helpers) | seeded))

    def class_attributes(self, cls: ast.ClassDef) -> FrozenSet[str]:
        """Attribute names of ``cls`` that every method binds only to private paths (``setUp``'s
        ``self.tmp = tempfile.mkdtemp()``)."""
        found = self._classes.get(id(cls))
        if found is not None:
            return found
        saved = self._storing
        self._storing = cls
        self._finding.add(id(cls))
        try:
            return self._find_class_attributes(cls)
        finally:
            self._storing = saved
            self._finding.discard(id(cls))

    def _find_class_attributes(self, cls: ast.ClassDef) -> FrozenSet[str]:
        self._classes[id(cls)] = frozenset()  # while computing
        names = PYTEST_PRIVATE_PARAMETERS | self.fixtures() | frozenset(
            name.rsplit(".", 1)[-1] for name in PRIVATE_FILE_FACTORIES if self.facts.spells(name.rsplit(".", 1)[-1]))
        # Its own methods and those it inherits from its bases in the module (``setUp`` of a
        # test base class): the ones an instance runs.
        every = [stmt for stmt in self._private_methods_of(cls) if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
        methods = [stmt for stmt in every if _params(stmt)]
        lists = self._temp_lists(methods) | self._temp_file_attributes(methods)
        if lists:
            self._classes[id(cls)] = lists
        if not any(self._may_spell_private(method, names) for method in every):
            return lists
        # What follows judges every binding of the instance's attributes: a case deriving
        # from a base it adds nothing to has the base's answer, found once.
        root = self._storing_root(cls, judged=True)
        if root is not cls:
            found = self.class_attributes(root)
            if id(root) in self._finding:  # (what a class being found has so far may grow)
                del self._classes[id(cls)]
            else:
                self._classes[id(cls)] = found
            return found
        makers = self._private_makers(every)
        names = names | makers
        #: id of a method -> its own private names, looked for once (not once per store)
        method_names: Dict[int, FrozenSet[str]] = {}
        # The first attribute found private is bound to a private path before any other is
        # known to be one: in a method whose lines spell a way to make one. Most classes
        # have none, and need not have every binding of every method looked at.
        seeded = names | self._module_names()
        test_methods = self.facts.is_test_module
        seeds = [method for method in methods
                 if self._may_spell_private(method, ()) or self._may_spell_private(method, seeded)
                 or test_methods and method.name.startswith("test")]
        if not any(self._store_private(method, self_name, value, set(lists), method_names, makers)
                   for method, self_name, _attr, value in self._stores(seeds)):
            return lists
        # (method, self name, attribute, value); ``self.tmp = None`` (before a fresh one is made,
        # or after it is removed) names no file: only the other bindings say what it holds.
        stores = [store for store in self._stores(methods) if not names_no_file(store[3])]
        # ``self.tmpdir = {}`` before its items are stored: an empty collection names no file
        itemised = {attr for _method, _self_name, attr, value in stores if isinstance(value, _ItemValue)}
        if itemised:
            stores = [store for store in stores if not (store[2] in itemised and _empty_collection(store[3]))]
        private: Set[str] = set()
        shared: Set[str] = set()
        #: attribute -> the methods binding it (a chain's first attribute rebound by a method
        #: that does not bind the chain too may hold another object there)
        binders: Dict[str, Set[int]] = {}
        for method, _self_name, attr, _value in stores:
            binders.setdefault(attr, set()).add(id(method))
        by_attribute: Dict[str, list] = {}
        for store in stores:
            by_attribute.setdefault(store[2], []).append(store)
        # An attribute joins when every binding of it is private given those found so far:
        # ``self.repo = Repo.init(self.path)`` may come before ``self.path = mkdtemp()`` in
        # the order the stores are read. A few rounds, as for a scope's names.
        #: per instance name, the attributes found so far spelled with it (grown as they are
        #: found, not rebuilt for each attribute: N attributes would cost N * N)
        known: Dict[str, Set[str]] = {}

        def known_with(self_name: str) -> Set[str]:
            names = known.get(self_name)
            if names is None:
                names = known[self_name] = {self_name + "." + a for a in private}
            return names

        for _ in range(PRIVATE_ROUNDS):
            grown = False
            for attr, its in by_attribute.items():
                if attr not in private and all(
                        self._store_private(method, self_name, value, known_with(self_name), method_names, makers)
                        for method, self_name, _attr, value in its):
                    private.add(attr)
                    for self_name, names in known.items():
                        names.add(self_name + "." + attr)
                    grown = True
            if not grown:
                break
        shared.update(set(by_attribute) - private)
        for attr in private - shared:
            if "." in attr and not binders.get(attr.partition(".")[0], set()) <= binders[attr]:
                shared.add(attr)
        found = frozenset(private - shared) | lists
        self._classes[id(cls)] = found
        return found

    def _temp_lists(self, methods: List[ast.AST]) -> FrozenSet[str]:
        """Attributes holding a list of the instance's own temp files: bound only to ``[]``,
        and given by every ``self.x.append(v)`` a name made here by ``tempfile`` (``fd, path =
        tempfile.mkstemp(); self.files.append(path)``, ``self.dirs.append(mkdtemp())``): a
        test's list of what its ``tearDown`` removes."""
        if not self._factories or not (self.facts.spells("mkstemp") or self.facts.spells("mkdtemp")
                                       or self.facts.spells("NamedTemporaryFile")) \
                or not self.facts.spells(".append("):
            return frozenset()
        # only a method adding to a collection can give one its temp files
        adding = [method for method in methods if self._spells_within(method, _ADDING_WORDS)]
        # (each method, with its calls adding to an attribute of the instance: most add to
        # none, and the class's stores need no look then)
        adds = [(method, calls) for method in adding if (calls := self._adds(method))]
        if not adds:
            return frozenset()
        stores = self._stores(methods)
        empty = {attr for _method, _self_name, attr, value in stores
                 if type(value) is ast.List and not value.elts}
        if not empty:
            return frozenset()
        empty -= {attr for _method, _self_name, attr, value in stores if not (type(value) is ast.List and not value.elts)}
        appended: Dict[str, bool] = {}
        for method, calls in adds:
            fresh = objects = None  # found once per method, for the first append that asks
            for node in calls:
                owner = node.func.value
                if owner.attr not in empty:
                    continue
                if fresh is None:
                    fresh = _fresh_temp_names(method, self.facts.resolve)
                value = node.args[-1] if node.args and node.func.attr in ("append", "insert", "add") else None
                ok = value is not None and len(node.args) == (2 if node.func.attr == "insert" else 1) and (
                    type(value) is ast.Name and value.id in fresh
                    or type(value) is ast.Call and self.facts.resolve(value.func) in _TEMP_NAME_MAKERS
                    # ``fp.name`` of ``with tempfile.NamedTemporaryFile(delete=False) as fp:``
                    or type(value) is ast.Attribute and value.attr == "name" and type(value.value) is ast.Name
                    and value.value.id in (objects if objects is not None else
                                           (objects := _temp_file_objects(method, self.facts.resolve))))
                appended[owner.attr] = appended.get(owner.attr, True) and ok
        return frozenset(attr for attr, ok in appended.items() if ok)

    def _attributes_reached(self, func: ast.AST, cls: ast.ClassDef, self_name: str) -> Optional[Set[str]]:
        """The names of the instance's attributes that ``func`` spells (``self.tmp``), and
        those the class's methods it reaches on the instance spell (``self.open_data()``
        reading ``self.dbdir``: their summaries bring those paths to the call), up to
        :data:`REACHED_METHODS` methods; None when it reaches more, or hands the instance
        itself on (``helper(self)``, ``with self:``), which may reach any of them."""
        summarised = self._methods_of() if self._methods_of is not None else None
        methods = summarised(cls) if summarised is not None else {
            m.name: m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
        read: Set[str] = set()
        seen: Set[int] = set()
        stack = [(func, self_name)]
        while stack:
            node, name = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if len(seen) > REACHED_METHODS:
                return None
            spelled = self._reaches(node, name)
            if spelled is None:
                return None  # the instance itself, handed on or kept
            read |= spelled
            for attr in spelled:
                callee = methods.get(attr)
                if callee is not None and callee is not node:
                    params = _params(callee)
                    if params:
                        stack.append((callee, params[0]))
        if not read:
            return read
        # an attribute's path is followed into what it is bound to (``self.db = join(self.tmp,
        # "f")`` reaches ``self.tmp``)
        values = self._attribute_values_of(cls, methods)
        pending = list(read)
        while pending:
            for attr in values.get(pending.pop(), ()):
                if attr not in read:
                    read.add(attr)
                    pending.append(attr)
        return read

    def _reaches(self, method: ast.AST, name: str) -> Optional[FrozenSet[str]]:
        """The attributes ``method`` spells on its instance ``name`` (``self.tmp``), or None when
        it uses the instance itself otherwise (``helper(self)``). Once per method: every method
        of a class may reach it."""
        key = (id(method), name)
        if key in self._method_reach:
            return self._method_reach[key]
        read: Set[str] = set()
        receivers: Set[int] = set()
        found: Optional[FrozenSet[str]] = None
        for sub in ast.walk(method):
            kind = type(sub)
            if kind is ast.Attribute and type(sub.value) is ast.Name and sub.value.id == name:
                receivers.add(id(sub.value))
                read.add(sub.attr)
            elif kind is ast.Name and sub.id == name and id(sub) not in receivers and type(sub.ctx) is ast.Load:
                break
        else:
            found = frozenset(read)
        self._method_reach[key] = found
        return found

    def _adds(self, method: ast.AST) -> List[ast.Call]:
        """:func:`_instance_adds` of ``method``, read once however many classes inherit it."""
        found = self._method_adds.get(id(method))
        if found is None:
            found = self._method_adds[id(method)] = _instance_adds(method)
        return found

    def _stores(self, methods: Iterable[ast.AST]) -> list:
        """:func:`_attribute_stores` of ``methods``, each method's read once."""
        stores = []
        for method in methods:
            own = self._method_stores.get(id(method))
            if own is None:
                own = self._method_stores[id(method)] = _attribute_stores((method,))
            stores.extend(own)
        return stores

    def _attribute_values_of(self, cls: ast.ClassDef, methods: Dict[str, ast.AST]) -> Dict[str, Set[str]]:
        """Attribute of the instance -> the instance's attributes spelled in the values its
        methods bind it to. Once per class."""
        found = self._attribute_values.get(id(cls))
        if found is None:
            root = self._storing_root(cls, judged=False)
            if root is not cls:
                found = self._attribute_values[id(cls)] = self._attribute_values_of(
                    root, self._methods_of()(root) if self._methods_of is not None else {})
                return found
            found = {}
            every = [m for m in methods.values() if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and _params(m)]
            stores = self._stores(every)
            # ``self.root = root`` then ``self.dir = join(root, "d")``: a local an attribute is
            # bound to in the same method stands for that attribute
            kept: Dict[Tuple[int, str], Set[str]] = {}
            for method, _self_name, attr, value in stores:
                if type(value) is ast.Name:
                    kept.setdefault((id(method), value.id), set()).add(attr.partition(".")[0])
            for method, self_name, attr, value in stores:
                spelled = found.setdefault(attr.partition(".")[0], set())
                for node in _store_nodes(value):
                    if type(node) is ast.Attribute and type(node.value) is ast.Name and node.value.id == self_name:
                        spelled.add(node.attr)
                    elif type(node) is ast.Name and kept:
                        spelled.update(kept.get((id(method), node.id), ()))
            self._attribute_values[id(cls)] = found
        return found

    def _instance_names(self, cls: ast.ClassDef, inherited: FrozenSet[str],
                        self_name: str) -> Tuple[FrozenSet[str], Dict[str, List[str]]]:
        """The private attributes of ``cls`` (:meth:`class_attributes`, and those ``inherited``)
        spelled with the instance name ``self_name`` (``self.tmp``), and the same by the
        attribute they start with (``tmp`` -> ``["self.tmp", "self.tmp.sub"]``). Once per class."""
        own = self.class_attributes(cls)
        # (by the very sets spelled, which classes sharing a base's answer share too: while a
        # class is being looked at, its attributes may still grow, in a new set)
        key = (id(own), id(inherited) if inherited else 0, self_name)  # (empty sets: one each)
        cached = self._spelled_attributes.get(key)
        if cached is not None and cached[0] is own and (cached[1] is inherited or not cached[1] and not inherited):
            return cached[3], cached[4]
        by_root: Dict[str, List[str]] = {}
        for attr in own | inherited:
            by_root.setdefault(attr.partition(".")[0], []).append(self_name + "." + attr)
        found = frozenset(name for names in by_root.values() for name in names)
        self._spelled_attributes[key] = (own, inherited, self_name, found, by_root)
        return found, by_root

    def _temp_file_attributes(self, methods: List[ast.AST]) -> FrozenSet[str]:
        """``log.name`` for each attribute that every method binds only to a new
        ``tempfile.NamedTemporaryFile(...)`` (``self.log = NamedTemporaryFile(delete=False)``):
        its ``.name`` is a temp file of the instance's own, whichever method reads it."""
        if not self.facts.spells("NamedTemporaryFile"):
            return frozenset()
        made: Dict[str, bool] = {}
        for _method, _self_name, attr, value in self._stores(methods):
            if is_none(value):
                continue  # ``self.log = None``: no file yet, or any more
            made[attr] = made.get(attr, True) and type(value) is ast.Call \
                and self.facts.resolve(value.func) == "tempfile.NamedTemporaryFile"
        return frozenset(attr + ".name" for attr, ok in made.items() if ok and "." not in attr)

    def _local_temp_lists(self, func: ast.AST) -> FrozenSet[str]:
        """Locals holding a list of the function's own temp files: bound only to ``[]``, and
        given by every ``files.append(v)`` a name made here by ``tempfile`` (``fd, name =
        tempfile.mkstemp(); files.append(name)``), as :meth:`_temp_lists` finds for an
        attribute: what a ``finally:`` removes is the function's own."""
        if not self._factories or not (self.facts.spells("mkstemp") or self.facts.spells("mkdtemp")) \
                or not self.facts.spells(".append(") or not self._spells_within(func, ("append",)):
            return frozenset()
        bindings = local_bindings(func, self.facts.may_walrus)
        empty = {name for name, values in bindings.items()
                 if values and all(type(v) is ast.List and not v.elts for v in values)}
        if not empty:
            return frozenset()
        fresh = None
        appended: Dict[str, bool] = {}
        for node in own_nodes(func):
            if type(node) is ast.Subscript and type(node.ctx) is ast.Store and type(node.value) is ast.Name:
                appended[node.value.id] = False  # ``files[0] = other``
                continue
            if type(node) is not ast.Call or type(node.func) is not ast.Attribute \
                    or type(node.func.value) is not ast.Name or node.func.value.id not in empty:
                continue
            if fresh is None:
                fresh = _fresh_temp_names(func, self.facts.resolve)
            value = node.args[0] if len(node.args) == 1 and not node.keywords else None
            ok = node.func.attr == "append" and value is not None and (
                type(value) is ast.Name and value.id in fresh
                or type(value) is ast.Call and self.facts.resolve(value.func) in _TEMP_NAME_MAKERS)
            appended[node.func.value.id] = appended.get(node.func.value.id, True) and ok
        return frozenset(name for name, ok in appended.items() if ok)

    def inherited_temp_attributes(self, cls: ast.ClassDef) -> FrozenSet[str]:
        """In a test module, the attributes a test class reads on its instance, named for a
        temporary folder (``self.tempdir``, ``self.tmp_path``), that nothing in the module binds:
        a base class of another module (``tests/base.py``) makes them in its ``setUp``, and
        a test suite's base makes such a folder fresh for each test."""
        found = self._inherited.get(id(cls))
        if found is not None:
            return found
        found = frozenset()
        candidates = self._unbound_temp_attributes() if self.facts.is_test_module else frozenset()
        if candidates and cls.bases and any(
                not (isinstance(base, ast.Name) and base.id in self._module_classes()) for base in cls.bases):
            # read in the class's own lines (the text, not a walk of every method: test
            # classes are long)
            first, last = cls.lineno, cls.end_lineno or cls.lineno
            found = frozenset(name for name, lines in candidates.items()
                              if bisect.bisect_left(lines, first) < len(lines)
                              and lines[bisect.bisect_left(lines, first)] <= last)
        self._inherited[id(cls)] = found
        return found

    def _unbound_temp_attributes(self) -> Dict[str, List[int]]:
        """The attribute names of the module's text that name a temporary folder and that the
        module never assigns (``.tempdir =``, ``.tmp_path: Path =``, ``.tmp +=``), each with
        the lines that spell it, in order: one pass over the text, read once. Most modules
        spell none, and their classes need no look."""
        if self._unbound_temps is None:
            text = self.facts.text
            uses: Dict[str, List[int]] = {}
            assigned: Set[str] = set()
            if text is not None:
                line, at = 1, 0
                for match in _TEMP_ATTRIBUTE_USE.finditer(text):
                    name = match.group(1)
                    if not _TEMP_ATTRIBUTE.fullmatch(name.lower()):
                        continue
                    line += text.count("\n", at, match.start())
                    at = match.start()
                    uses.setdefault(name, []).append(line)
                    if match.group(2):
                        assigned.add(name)
            self._unbound_temps = {name: lines for name, lines in uses.items() if name not in assigned}
        return self._unbound_temps

    def _module_classes(self) -> FrozenSet[str]:
        """The names of the module's classes, at its top level and in its blocks (not in
        functions: a base is named where the module can see it)."""
        if self._class_names is None:
            self._class_names = frozenset(stmt.name for stmt in own_statements(self._tree)
                                          if isinstance(stmt, ast.ClassDef))
        return self._class_names

    def _storing_base(self, cls: ast.ClassDef) -> Optional[ast.ClassDef]:
        """The one base of ``cls`` in the module whose instances bind the very attributes an
        instance of ``cls`` binds (its methods are those of the base, and its own, which
        override none, bind no attribute and add to none), or None. Once per class."""
        if id(cls) in self._storing_bases:
            return self._storing_bases[id(cls)]
        found = None
        summaries = self.facts.summaries
        methods = self._methods_of() if self._methods_of is not None else None
        classes = summaries.classes if summaries is not None else {}
        bases = [classes[base.id] for base in cls.bases if isinstance(base, ast.Name) and base.id in classes]
        if methods is not None and len(bases) == 1 and bases[0] is not cls:
            own = [stmt for stmt in cls.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
            inherited, mine = methods(bases[0]), methods(cls)
            if all(stmt.name not in inherited and mine.get(stmt.name) is stmt for stmt in own) \
                    and len(mine) == len(inherited) + len({stmt.name for stmt in own}) \
                    and all(mine.get(name) is method for name, method in inherited.items()) \
                    and not any(self._stores((stmt,)) or self._spells_within(stmt, _ADDING_WORDS) and self._adds(stmt)
                                for stmt in own if _params(stmt)):
                found = bases[0]
        self._storing_bases[id(cls)] = found
        return found

    def _storing_root(self, cls: ast.ClassDef, judged: bool) -> ast.ClassDef:
        """The class furthest up the chain of :meth:`_storing_base` from ``cls`` (``cls`` when
        it has none), followed without recursion; with ``judged``, only through bases whose
        stores call no method on the instance (a method is looked up in the class being
        judged). Cases deriving from one base share its answers: N cases of a base with an
        N-line ``setUp`` cost no N * N."""
        # (each class's root is kept, so that a long chain of bases is climbed once)
        seen, climbed = {id(cls)}, [cls]
        while True:
            known = self._storing_roots.get((id(cls), judged))
            if known is not None:
                cls = known
                break
            base = self._storing_base(cls)
            if base is None or id(base) in seen or judged and self._calls_on_instance(base):
                break
            seen.add(id(base))
            climbed.append(base)
            cls = base
        for step in climbed:
            self._storing_roots[(id(step), judged)] = cls
        return cls

    def _calls_on_instance(self, cls: ast.ClassDef) -> bool:
        """Whether a value an instance of ``cls`` binds an attribute to calls a method on the
        instance (``self.tmp = self.make_dir()``)."""
        found = self._instance_calls.get(id(cls))
        if found is None:
            found = self._instance_calls[id(cls)] = any(
                type(node) is ast.Call and type(node.func) is ast.Attribute and type(node.func.value) is ast.Name
                and node.func.value.id == self_name
                for _method, self_name, _attr, value in self._stores(self._private_methods_of(cls))
                for node in _store_nodes(value))
        return found

    def _private_methods_of(self, cls: ast.ClassDef) -> List[ast.AST]:
        """The methods an instance of ``cls`` runs: its own, and those of its bases in the
        module it does not override (the module's summaries know the classes)."""
        methods = self._methods_of() if self._methods_of is not None else None
        if methods is not None:
            return list(methods(cls).values())
        return list(cls.body)

    def _store_private(self, method: ast.AST, self_name: str, value: Optional[ast.AST], known: Set[str],
                       method_names: Dict[int, FrozenSet[str]], makers: FrozenSet[str] = frozenset()) -> bool:
        """Whether a method binds an attribute to a private path, given the instance's
        attributes ``known`` to hold one and the class's methods that return one,
        ``makers``. The name ``tempfile.mkstemp()`` makes is a file of this run alone, as a
        fresh directory is. A method of the class called on the instance is judged with the
        attributes known so far (``self.out = self._tmp_path() + ".out"``, ``_tmp_path``
        joining a name onto ``self.tmp_dir``)."""
        if self._instance is not None or self._storing is None:
            return self._judge_store(method, self_name, value, known, method_names, makers)
        self._instance = (self._storing, self_name)
        try:
            return self._judge_store(method, self_name, value, known, method_names, makers)
        finally:
            self._instance = None

    def _judge_store(self, method: ast.AST, self_name: str, value: Optional[ast.AST], known: Set[str],
                     method_names: Dict[int, FrozenSet[str]], makers: FrozenSet[str]) -> bool:
        if isinstance(value, _ItemValue):
            # Each item private (the attribute taken as private while its items are judged:
            # ``self.tmpdir["sub"] = mkdtemp(dir=self.tmpdir["dir"])``); a local stored
            # there is judged by the one value the method binds it to.
            inner = value.value
            if type(inner) is ast.Name:
                bound = [v for t, v in bindings_of(method, self.facts.may_walrus) if type(t) is ast.Name and t.id == inner.id]
                if len(bound) == 1 and bound[0] is not None:
                    inner = bound[0]
            return self._store_private(method, self_name, inner, known | {value.ref}, method_names, makers)
        if isinstance(value, _UnpackedName):
            if self.facts.resolve(value.call.func) == "tempfile.mkstemp":
                return value.index == 1 and value.count == 2
            # ``self.pid, self.cmd, self.pid_file = get_info(self.tmp)``, in a test: what the
            # code under test returns for the test's own folder
            return self.facts.is_test_module and self._given_private(value.call, known)
        if self.private_expression(value, known, files=True):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and not value.args \
                and isinstance(value.func.value, ast.Name) and value.func.value.id == self_name \
                and value.func.attr in makers:
            return True  # ``self.tmp = self._make_temp()``: a method of the class that makes one
        if self.facts.is_test_module and self._given_private(value, known):
            return True  # ``self.repo = Repo.init(self.tempdir)`` in ``setUp``: the test's own object
        if type(value) is ast.Subscript:
            # ``self.config["dir"] = Path(mkdtemp())`` and then ``self.dir = self.config["dir"]``:
            # an item the method itself stored (one step: what it stored is no item again)
            stored = self._items_stored.get(id(method))
            if stored is None:  # once per method: a method may bind many attributes to items
                stored = self._items_stored[id(method)] = _item_stores(method)
            stored = stored.get(ast.unparse(value))
            if stored and all(type(v) is not ast.Subscript and self._store_private(
                    method, self_name, v, known, method_names, makers) for v in stored):
                return True
        # through a local: ``d = mkdtemp(); self.tmp = d``
        return value is not None and any(isinstance(n, ast.Name) and n.id != self_name for n in ast.walk(value)) \
            and self.private_expression(value, known | self._method_names(method, method_names))

    def _private_makers(self, methods: List[ast.AST]) -> FrozenSet[str]:
        """The methods among ``methods`` whose every ``return`` gives a fresh private
        directory or temp file's name made there (a static ``create_temp()`` returning
        ``mkdtemp()``): an attribute bound to what one returns holds the instance's own."""
        found = set()
        for method in methods:
            if method.decorator_list and not all(
                    isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in method.decorator_list):
                continue
            if not self._may_spell_private(method, ()):
                continue
            values = _return_values(method, with_none=False)
            if values and all(self.private_expression(v, set(self.scope(method, None)), files=True) for v in values):
                found.add(method.name)
        return frozenset(found)

    def _method_names(self, method: ast.AST, found: Dict[int, FrozenSet[str]]) -> FrozenSet[str]:
        """The private names of ``method`` as a plain function (see :meth:`scope`), kept in
        ``found``."""
        names = found.get(id(method))
        if names is None:
            # the same for every class inheriting the method, once the module's fixtures are
            # known: N classes deriving from one with an N-line ``setUp`` cost no N * N
            names = self._plain_names.get(id(method)) if self._fixtures_known else None
            if names is None:
                names = self.scope(method, None, fresh=True)
                if self._fixtures_known:
                    self._plain_names[id(method)] = names
            found[id(method)] = names
        return names

    def _support_helper(self, func: ast.AST) -> bool:
        """Whether ``func`` is a function at the top level of a test suite's support module
        (one that imports a test framework but holds no test: ``tests/helpers.py``), not a
        fixture, whose name the module spells nowhere but at its ``def`` (no call, no use as a
        value): other test modules import it and call it on their own temporary files."""
        text = self.facts.text
        if text is None or not self.facts.is_test_module or func.decorator_list \
                or self._functions.get(func.name) is not func:
            return False
        if self._support_module is None:
            self._support_module = not any(
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
                for stmt in self._tree.body
                for node in ([stmt] if not isinstance(stmt, ast.ClassDef) else stmt.body))
        return self._support_module and self.facts.word_count(func.name) == 1

    def _private_cwd(self, func: ast.AST, private: Set[str], params: Set[str], test: bool) -> bool:
        """Whether ``func`` runs in a private current directory: it changes into one itself
        (``monkeypatch.chdir(tmp_path)``, ``os.chdir(mkdtemp())``, ``with
        contextlib.chdir(d):``, pytest's ``tmpdir.chdir()``), or it is given, or as a test of this module gets from an
        ``autouse`` fixture, a fixture of the module that does. Any other change of
        directory in it (but one in a ``finally:``, going back) means it does not."""
        if test and self._isolated_filesystem(func):
            return True
        if not self.facts.spells("chdir"):
            return False
        if self._chdirs_privately(func, private):
            return True
        moving = self._cwd_fixtures()
        return any(moving.get(p) is not None for p in params) or test and any(moving.values())

    def _isolated_filesystem(self, func: ast.AST) -> bool:
        """Whether a test enters click's ``runner.isolated_filesystem()``, which changes into
        a fresh temporary folder for the ``with`` body (taken for the whole test, as a
        ``with contextlib.chdir(d):`` is)."""
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or not self.facts.is_test_module \
                or not func.name.startswith("test") or not self.facts.spells("isolated_filesystem"):
            return False
        return any(isinstance(node, (ast.With, ast.AsyncWith)) and any(
            isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "isolated_filesystem" and not item.context_expr.args
            for item in node.items) for node in own_nodes(func))

    def _chdirs_privately(self, func: ast.AST, private: Set[str]) -> bool:
        text = self.facts.text
        if text is not None:
            lines = word_lines(text, "chdir")
            if lines is not None and not holds_line(lines, func.lineno, func.end_lineno or func.lineno):
                return False  # none of its lines spells a change of directory: nothing to walk
        restoring: Set[int] = set()
        for node in own_nodes(func):
            if (isinstance(node, ast.Try) or type(node).__name__ == "TryStar") and id(node) not in restoring:
                # (a ``try`` inside a ``finally:`` is in ``restoring`` already: each node once)
                restoring.update(id(n) for stmt in node.finalbody for n in ast.walk(stmt))
        found = False
        for node in own_nodes(func):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "chdir"):
                continue
            receiver = node.func.value
            if not node.args and not node.keywords:
                # ``tmpdir.chdir()``: a ``py.path`` folder changes into itself
                if self.private_expression(receiver, private):
                    found = True
                elif id(node) not in restoring:
                    return False
                continue
            if not node.args:
                continue
            if not (self.facts.resolve(node.func) in _CHDIR_CALLS
                    or isinstance(receiver, ast.Name) and receiver.id == "monkeypatch"):
                continue
            if self.private_expression(node.args[0], private):
                found = True
            elif id(node) not in restoring:
                return False
        return found

    def _cwd_fixtures(self) -> Dict[str, bool]:
        """Fixtures of the module that change into a private directory -> whether ``autouse``."""
        if self._cwd_fixture_cache is None:
            self._cwd_fixture_cache = {}  # while computing: none
            if not self.facts.spells("chdir"):
                return self._cwd_fixture_cache
            found = {}
            for stmt in self._tree.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                decorators = [d for d in stmt.decorator_list
                              if (self.facts.resolve(d.func if isinstance(d, ast.Call) else d) or "")
                              in PYTEST_FIXTURE_DECORATORS]
                if decorators and self._chdirs_privately(stmt, set(self.scope(stmt, None))):
                    found[stmt.name] = any(
                        isinstance(d, ast.Call) and any(k.arg == "autouse" and isinstance(k.value, ast.Constant)
                                                        and k.value.value is True for k in d.keywords)
                        for d in decorators)
            self._cwd_fixture_cache = found
        return self._cwd_fixture_cache

    def in_scope(self, scope) -> FrozenSet[str]:
        """The private names of a walked :class:`~.walk.Scope`: its own, and those of the
        function it is nested in that it reads without binding (``txt_file`` of a test, in
        the closure the test hands to threads), unless a function nested in that one declares
        them ``nonlocal`` (it could rebind them). One level up only."""
        own = self.scope(scope.node, scope.enclosing_class)
        outer = getattr(scope, "enclosing_function", None)
        module = self._module_names() if scope.is_function else frozenset()
        if (outer is None or not outer.is_function) and not module:
            return own
        cached = self._closures.get(id(scope.node))
        if cached is None:
            inherited: Set[str] = set()
            if outer is not None and outer.is_function:
                inherited = {name for name in self.scope(outer.node, outer.enclosing_class) if "." not in name}
            if module:
                # A module's private constant (``TMP = mkdtemp()``) is read by its functions,
                # unless one of the functions around binds the name itself.
                shadowed: Set[str] = set()
                around = outer
                while around is not None and around.is_function:
                    shadowed |= self._binds(around.node, module)
                    around = getattr(around, "enclosing_function", None)
                inherited |= module - shadowed
            if inherited:
                inherited -= self._binds(scope.node, inherited)
            if inherited and outer is not None and outer.is_function and (
                    self.facts.spells("nonlocal")):
                declared = self._nonlocals.get(id(outer.node))
                if declared is None:
                    declared = self._nonlocals[id(outer.node)] = frozenset(
                        name for node in ast.walk(outer.node) if isinstance(node, ast.Nonlocal) for name in node.names)
                inherited -= declared
            cached = self._closures[id(scope.node)] = frozenset(inherited)
        return own | cached if cached else own

    def _binds(self, func: ast.AST, names) -> Set[str]:
        """Those of ``names`` that ``func`` binds itself (see :func:`local_names`); a name
        none of its lines spells is not looked for."""
        text = self.facts.text
        if text is not None:
            last = func.end_lineno or func.lineno
            spelled = []
            for name in names:
                lines = word_lines(text, name)
                if lines is None:
                    spelled = names
                    break
                if holds_line(lines, func.lineno, last):
                    spelled.append(name)
            if not spelled:
                return set()
            names = spelled
        return local_names(func).intersection(names)

    def _returns_private(self, name: str) -> bool:
        """Whether ``name`` is a function of the module every ``return`` of which gives a
        private directory or a path in one (``with TemporaryDirectory() as d: return d``)."""
        if not self._factories:
            return False
        known = self._private_helpers.get(name)
        if known is not None:
            return known
        found = self._functions.get(name)
        if found is None or found.decorator_list:
            return False
        if self._private_depth >= MAX_CALL_DEPTH:
            # A chain of helpers returning helpers' values as long as the module: past this
            # depth not known (reported, as for an unknown callee), and not cached, so that
            # asked directly the helper still gets its answer. No recursion on input depth.
            return False
        self._private_helpers[name] = False  # while computing: a helper calling itself gives nothing known
        # A return of None (or falling off the end) gives no path at all: only what the
        # returns that give a value give matters.
        values = _return_values(found, with_none=False)
        self._private_depth += 1
        try:
            result = bool(values) and all(self.private_expression(v, set(self.scope(found, None))) for v in values)
        finally:
            self._private_depth -= 1
        self._private_helpers[name] = result
        return result

    def _may_comprehend(self, func: ast.AST) -> bool:
        """Whether ``func`` may hold a comprehension: a line of it spells ``for`` other than
        once on the head of one of its own ``for`` loops (read off the text, so that a
        function with none is not walked node by node for one)."""
        text = self.facts.text
        lines = word_lines(text, "for") if text is not None else None
        if lines is None or not hasattr(func, "lineno"):
            return True  # the module's own scope, or a text whose lines are not known
        first, last = func.lineno, func.end_lineno or func.lineno
        at = bisect.bisect_left(lines, first)
        if at == len(lines) or lines[at] > last:
            return False
        heads = {stmt.lineno for stmt in own_statements(func) if isinstance(stmt, (ast.For, ast.AsyncFor))}
        if self._text_lines is None:
            self._text_lines = text.split("\n")
        spelled = self._text_lines
        while at < len(lines) and lines[at] <= last:
            line = lines[at]
            if line not in heads or line > len(spelled) or spelled[line - 1].count("for") > 1:
                return True
            at += 1
        return False

    def may_make_private(self) -> bool:
        """Whether the module imports a module that makes private folders at all."""
        return bool(self._factories)

    def method_returns_private(self, cls: ast.ClassDef, attr: str, given: FrozenSet[str] = frozenset(),
                               given_instance: Optional[str] = None) -> bool:
        """Whether ``attr`` is a plain method of ``cls`` every ``return`` of which gives a
        private directory or a path in one, judged with the method's own private names
        (``def path(self, name): return join(self._tempdir, name)``, ``_tempdir`` made by
        ``mkdtemp()`` in the set-up). While the class's private attributes are being found
        (``self._out = self._tmp_path() + ".out"`` in ``__init__``), those found so far,
        ``given`` as the caller's ``given_instance`` spells them, count too; that answer is
        not kept."""
        if not self._factories:
            return False
        key = (id(cls), attr)
        known = self._private_methods.get(key)
        if known is not None:
            return known
        methods = self._class_methods.get(id(cls))
        if methods is None:  # the last definition of each name, looked up once per class
            methods = self._class_methods[id(cls)] = {
                stmt.name: stmt for stmt in cls.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
        method = methods.get(attr)
        positional = _params(method) if method is not None else []
        if method is None or method.decorator_list or not positional or self._private_depth >= MAX_CALL_DEPTH:
            return False  # a static or class method, a property: not this instance's
        finding = self._storing is cls
        if not finding:
            self._private_methods[key] = False  # while computing: a method calling itself gives nothing known
        values = _return_values(method, with_none=False)
        saved = self._instance
        self._private_depth += 1
        try:
            if finding:
                # the method's own names, once per class being found; what the caller found
                # so far beside them, not merged (a path has one root: either set decides)
                private = self._finding_scopes.get(key)
                if private is None:
                    private = self._finding_scopes[key] = self.scope(method, cls, fresh=True)
                if given_instance and given_instance != positional[0]:
                    prefix = given_instance + "."
                    given = {positional[0] + "." + ref[len(prefix):] for ref in given if ref.startswith(prefix)}
                sets = (private, given)
            else:
                sets = (set(self.scope(method, cls)),)
            self._instance = (cls, positional[0])
            result = bool(values) and all(any(self.private_expression(v, names) for names in sets) for v in values)
        finally:
            self._private_depth -= 1
            self._instance = saved
        if not finding:
            self._private_methods[key] = result
        return result

    def _module_names(self) -> FrozenSet[str]:
        """The private names the module binds at its top level (plain names only), less any
        a function declares ``global`` (it may rebind them)."""
        if self._module_private is None:
            self._module_private = frozenset()  # while computing
            found = {name for name in self.scope(self._tree, None) if "." not in name}
            if found and self.facts.spells("global"):
                found -= {name for node in ast.walk(self._tree) if isinstance(node, ast.Global) for name in node.names}
            self._module_private = frozenset(found)
        return self._module_private

    def scope(self, func: ast.AST, cls: Optional[ast.ClassDef], fresh: bool = False) -> FrozenSet[str]:
        """The private names of one scope (``self`` attributes spelled with its instance name)."""
        cached = None if fresh else self._scopes.get(id(func))
        if cached is not None:
            return cached
        private: Set[str] = set()
        params = set()
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = func.args
            every = list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)
            params = {a.arg for a in every}
        inherited = self.inherited_temp_attributes(cls) if cls is not None else frozenset()
        instance_names: FrozenSet[str] = frozenset()
        if not self._factories and not params & PYTEST_PRIVATE_PARAMETERS and not inherited \
                and not self._isolated_filesystem(func):
            return frozenset()  # nothing here can make a private directory
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            fixtures = self.fixtures() if not fresh else (self._fixtures or set())
            private.update(p for p in params if p in PYTEST_PRIVATE_PARAMETERS or p in fixtures)
            private.update(p + "." + field for p in params for field in self._fixture_fields.get(p, ()))
            if cls is None and len(params) >= 2 and id(func) in self.error_handlers():
                private.add(self._handlers[id(func)])
            positional = _params(func)
            if cls is not None and positional:
                # the instance's private attributes, spelled once per class: joined below as a
                # whole, they cost a class of N such attributes and N methods no N * N steps
                # (a method spelling no attribute of the instance, and not handing it on,
                # reaches none; most classes have none, and their methods need no look)
                if (inherited or self.class_attributes(cls)) and self._reaches(func, positional[0]) != frozenset():
                    instance_names, by_root = self._instance_names(cls, inherited, positional[0])
                if instance_names:
                    # only those the method reaches (itself, or through the instance's other
                    # methods): a class of N such attributes and N methods would cost N * N
                    reached = self._attributes_reached(func, cls, positional[0])
                    if reached is not None:
                        instance_names = frozenset(name for attr in reached for name in by_root.get(attr, ()))
            private.update(self._local_temp_lists(func))
            if func.name.startswith("test") and self.facts.is_test_module:
                # A test's parameters are pytest fixtures, set up for it: its own files, but
                # for a fixture of this module seen to return something else.
                self.fixtures()
                private.update(p for p in params if not (cls is not None and positional and p == positional[0])
                               and (p not in self._fixture_names or p in fixtures))
            elif cls is None and self._support_helper(func):
                # A helper of a test suite's module that nothing in the module calls is test
                # support for other test modules: it is handed their own files.
                private.update(params)
        temp_names = self.facts.spells("mkstemp") or self.facts.spells("mktemp")
        module_files = isinstance(func, ast.Module) and temp_names
        # The module's helpers may return a new temp file's name (``tmp = self._copy_to_temp(box)``,
        # see :meth:`ModuleSummaries.makes_temp_name`): called from a function, or on the instance.
        makers = temp_names and self.facts.summaries is not None and isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
        maker_self = _params(func)[0] if makers and cls is not None and _params(func) else None
        if not private and not instance_names and not module_files and not makers and not self._may_spell_private(func, ()) \
                and not self._isolated_filesystem(func) and not (
                isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and self._cwd_fixtures()
                and self._private_cwd(func, private, params, func.name.startswith("test") and self.facts.is_test_module)):
            result = frozenset()  # no seed, and no line of it can make one
            if not fresh:
                self._scopes[id(func)] = result
            return result
        # ``path, size = make_box(...)``: each name unpacked from one call holds part of its value,
        # as does each unpacked from one name (``name, target = quick_sls``, a fixture's pair)
        unpacked: Dict[int, ast.AST] = {}
        #: ``(name, parameter, position)`` of each name unpacked from a parameter (``name, path
        #: = quick_sls``): a fixture's tuple whose item there is private makes it private
        items_of_params: List[Tuple[str, str, int]] = []
        #: ids of the targets of ``+=`` and ``/=``, which build on the name's own value
        extended: Set[int] = set()
        for stmt in own_statements(func):
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, (ast.Call, ast.Name)) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], (ast.Tuple, ast.List)):
                elements = stmt.targets[0].elts
                unpacked.update((id(e), stmt.value) for e in elements if isinstance(e, ast.Name))
                if type(stmt.value) is ast.Name and stmt.value.id in params and self._fixture_items \
                        and not any(type(e) is ast.Starred for e in elements):
                    items_of_params.extend((e.id, stmt.value.id, index) for index, e in enumerate(elements)
                                           if type(e) is ast.Name)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                self._note_loop_entry(stmt, unpacked)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Add, ast.Div)):
                extended.add(id(stmt.target))
        by_name: Dict[str, List[Optional[ast.AST]]] = {}
        for target, value in bindings_of(func, self.facts.may_walrus):
            if id(target) in extended:
                continue  # ``tmp += os.sep``: the same folder, or a name in the same one
            ref = dotted_name(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
            if ref is not None:
                by_name.setdefault(ref, []).append(value if value is not None else unpacked.get(id(target)))
        # ``{p: p.read_bytes() for p in d.rglob("*")}``: a comprehension's variable holds the
        # entries of what it iterates, as a loop's does. It is a variable of its own: one the
        # function also binds keeps what the function's bindings make of it.
        comprehended: Dict[str, List[Optional[ast.AST]]] = {}
        for node in own_nodes(func) if self._may_comprehend(func) else ():
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                for generator in node.generators:
                    self._note_loop_entry(generator, unpacked)
                    for element in ast.walk(generator.target):
                        if isinstance(element, ast.Name) and element.id not in by_name and element.id not in params:
                            comprehended.setdefault(element.id, []).append(unpacked.get(id(element)))
        by_name.update(comprehended)
        # A parameter's first value comes from the caller: only pytest's, or a fixture's, is private.
        private = {ref for ref in private if ref.partition(".")[0] not in params or ref.partition(".")[0] not in by_name}
        if instance_names and positional[0] not in by_name:
            private |= instance_names
        # A name joins when every binding of it is private given the names found so far; in
        # source order a chain (``d = mkdtemp(); p = d / "x"``) resolves in one round. Later
        # rounds only catch names used before their binding, so a few are enough (a name not
        # found stays checked: safe).
        test = isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and func.name.startswith("test") \
            and self.facts.is_test_module
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and self._private_cwd(func, private, params, test):
            private.add(PRIVATE_CWD)
        # ``tmp = None`` (or ``""``) before ``try: tmp = mkdtemp() ... finally: if tmp: rmtree(tmp)``:
        # it names no file, so only the other bindings say what the name holds.
        by_name = {ref: [v for v in values if not names_no_file(v)] for ref, values in by_name.items()}
        for name, param, index in items_of_params:
            # bound there alone, from a parameter the function never rebinds
            if index in self._fixture_items.get(param, ()) and param not in by_name and len(by_name.get(name, ())) == 1:
                private.add(name)
        saved = self._instance
        positional = _params(func) if cls is not None and isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        self._instance = (cls, positional[0]) if positional else None
        try:
            for _ in range(PRIVATE_ROUNDS):
                grown = False
                for ref, values in by_name.items():
                    if ref not in private and ref not in params and values and all(
                            self.private_expression(v, private, module_files) or test and self._given_private(v, private)
                            or makers and type(v) is ast.Call and self.facts.summaries.makes_temp_name(v, cls, maker_self)
                            for v in values):
                        private.add(ref)
                        grown = True
                if not grown:
                    break
        finally:
            self._instance = saved
        result = frozenset(private)
        if not fresh:
            self._scopes[id(func)] = result
        return result


def _store_nodes(value) -> Iterator[ast.AST]:
    """The nodes of a stored value (what :func:`_attribute_stores` gives: a node, or an item
    or unpacked name around one)."""
    inner = value.value if isinstance(value, _ItemValue) else value.call if isinstance(value, _UnpackedName) else value
    return ast.walk(inner) if isinstance(inner, ast.AST) else iter(())


def _instance_adds(method: ast.AST) -> List[ast.Call]:
    """The calls of ``method`` adding to a collection kept on its instance
    (``self.files.append(v)``, ``.extend``, ``.insert``, ``.add``), in the order walked."""
    params = _params(method)
    if not params:
        return []
    self_name = params[0]
    return [node for node in ast.walk(method)
            if type(node) is ast.Call and type(node.func) is ast.Attribute
            and node.func.attr in ("append", "extend", "insert", "add")
            and type(node.func.value) is ast.Attribute and type(node.func.value.value) is ast.Name
            and node.func.value.value.id == self_name]


def _attribute_stores(methods: Iterable[ast.AST]) -> List[Tuple[ast.AST, str, str, Optional[ast.AST]]]:
    """``(method, instance name, attribute, value)`` of each binding of an attribute of the
    instance in ``methods`` (value None when it is not one plain value: a loop or ``with``
    target, ``+=``, an unpacking); ``self.mock.folder = ...`` binds ``mock.folder``."""
    stores = []
    for stmt in methods:
        self_name = _params(stmt)[0]
        # Only statements can bind an attribute: no need to look into expressions.
        for node in own_statements(stmt):
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [node.target], node.value if isinstance(node, ast.AnnAssign) else None
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else [
                    item.optional_vars for item in node.items if item.optional_vars is not None]
                value = None
            else:
                continue
            for target in targets:
                kind = type(target)
                if kind is ast.Name:
                    continue  # most targets: no attribute in them
                if kind is ast.Subscript and type(target.value) is ast.Attribute \
                        and type(target.value.value) is ast.Name and target.value.value.id == self_name:
                    # ``self.tmpdir["dir"] = mkdtemp()``: an item of the attribute
                    attr = target.value.attr
                    stores.append((stmt, self_name, attr,
                                   _ItemValue(value, self_name + "." + attr) if value is not None else None))
                    continue
                if kind is ast.Attribute and type(target.value) is ast.Name:
                    if target.value.id == self_name:
                        stores.append((stmt, self_name, target.attr, value))
                    continue
                if kind is ast.Attribute:
                    chain = dotted_name(target)
                    if chain is not None and chain.partition(".")[0] == self_name:
                        stores.append((stmt, self_name, chain.partition(".")[2], value))
                unpacked = kind in (ast.Tuple, ast.List) and isinstance(value, ast.Call) \
                    and not any(isinstance(e, ast.Starred) for e in target.elts)
                for element in ast.walk(target):
                    if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) \
                            and element.value.id == self_name:
                        # ``fd, self.tmp = tempfile.mkstemp()``: the name, unpacked from the call
                        part = value if element is target else (
                            _UnpackedName(value, target.elts.index(element), len(target.elts))
                            if unpacked and element in target.elts else None)
                        stores.append((stmt, self_name, element.attr, part))
    return stores


#: the methods that add to a collection (``self.files.append(name)``), as the text spells
#: them (``.add(`` whole: ``add`` alone is on most lines holding ``address``, and ``.add`` on
#: every ``self.addCleanup`` of a test)
_ADDING_WORDS = ("append", "extend", "insert", ".add(")

#: calls whose result is the name of a new temp file or folder
_TEMP_NAME_MAKERS = frozenset({"tempfile.mkdtemp", "tempfile.mktemp"})


def _temp_file_objects(func: ast.AST, resolve) -> FrozenSet[str]:
    """Local names every binding of which in ``func`` is a new ``tempfile.NamedTemporaryFile``
    (``with NamedTemporaryFile(delete=False) as fp:``, or ``fp = NamedTemporaryFile()``): the
    ``.name`` of one is a new temp file's name."""
    made: Dict[str, bool] = {}
    for node in own_statements(func):
        pairs = []
        if type(node) in (ast.With, ast.AsyncWith):
            pairs = [(item.optional_vars, item.context_expr) for item in node.items if item.optional_vars is not None]
        elif type(node) is ast.Assign:
            pairs = [(target, node.value) for target in node.targets]
        elif type(node) in (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor):
            pairs = [(node.target, None)]
        for target, value in pairs:
            ok = type(target) is ast.Name and type(value) is ast.Call and resolve(value.func) == "tempfile.NamedTemporaryFile"
            for sub in ast.walk(target):
                if type(sub) is ast.Name:
                    made[sub.id] = made.get(sub.id, True) and ok
    return frozenset(name for name, ok in made.items() if ok)


def _fresh_temp_names(func: ast.AST, resolve) -> FrozenSet[str]:
    """Local names every binding of which in ``func`` is a new temp's name: the name
    ``fd, path = tempfile.mkstemp()`` unpacks, or ``d = tempfile.mkdtemp()``."""
    fresh: Dict[str, bool] = {}
    for node in own_statements(func):
        if type(node) is ast.Assign:
            value = node.value
            for target in node.targets:
                if type(target) is ast.Name:
                    fresh[target.id] = fresh.get(target.id, True) and type(value) is ast.Call \
                        and resolve(value.func) in _TEMP_NAME_MAKERS
                elif type(target) in (ast.Tuple, ast.List):
                    unpacks = type(value) is ast.Call and resolve(value.func) == "tempfile.mkstemp" \
                        and len(target.elts) == 2
                    for index, element in enumerate(target.elts):
                        if type(element) is ast.Name:
                            fresh[element.id] = fresh.get(element.id, True) and unpacks and index == 1
        elif type(node) in (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith):
            for sub in ast.walk(node.target if type(node) in (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)
                                else ast.Tuple(elts=[i.optional_vars for i in node.items if i.optional_vars], ctx=ast.Store())):
                if type(sub) is ast.Name:
                    fresh[sub.id] = False
    return frozenset(name for name, ok in fresh.items() if ok)


def _empty_collection(value) -> bool:
    """``{}``, ``[]``, ``dict()`` or ``list()``."""
    if type(value) in (ast.Dict, ast.List):
        return not (value.keys if type(value) is ast.Dict else value.elts)
    return type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in ("dict", "list") \
        and not value.args and not value.keywords


def _item_stores(method: ast.AST) -> Dict[str, List[ast.AST]]:
    """The values a method stores into items (``x["k"] = v``), by the target's spelling."""
    found: Dict[str, List[ast.AST]] = {}
    for node in own_statements(method):
        if type(node) is ast.Assign:
            for target in node.targets:
                if type(target) is ast.Subscript:
                    found.setdefault(ast.unparse(target), []).append(node.value)
    return found


class _ItemValue:
    """A value stored into an item of an attribute (``self.tmpdir["dir"] = v``), and the
    attribute (``self.tmpdir``)."""

    __slots__ = ("value", "ref")

    def __init__(self, value: ast.AST, ref: str):
        self.value = value
        self.ref = ref


class _UnpackedName:
    """An item unpacked from a call (``fd, self.tmp = tempfile.mkstemp()``), and where."""

    __slots__ = ("call", "index", "count")

    def __init__(self, call: ast.Call, index: int = 1, count: int = 2):
        self.call = call
        self.index = index
        self.count = count


#: list, tuple and set displays: their entries are their elements
_DISPLAYS = (ast.List, ast.Tuple, ast.Set)


#: the statements (and handlers and ``case`` clauses) holding blocks of statements, but the
#: nested scopes, with the fields holding them
_BLOCK_FIELDS = {
    kind: fields for kind, fields in (
        (kind, tuple(f for f in ("body", "orelse", "finalbody", "handlers", "cases") if f in kind._fields))
        for kind in [*ast.stmt.__subclasses__(), ast.ExceptHandler, *ast.excepthandler.__subclasses__(),
                     getattr(ast, "match_case", ast.ExceptHandler)])
    if fields and not issubclass(kind, _NESTED)
}


def _return_values(func: ast.AST, with_none: bool = True,
                   wanted: Optional[Callable[[ast.AST], bool]] = None) -> Optional[List[ast.AST]]:
    """Every ``return`` expression of ``func``; None if it may return None or is a generator.
    ``with_none=False``: the expressions of the returns that give a value other than None
    (perhaps none), None only for a generator. ``wanted``: a test every value must pass,
    else None too (looked at as each is found)."""
    values = []
    stack = list(func.body)
    while stack:  # ``return`` is a statement: statement lists are all there is to look at
        node = stack.pop()
        if isinstance(node, ast.Return):
            if with_none and (node.value is None or wanted is not None and not wanted(node.value)):
                return None
            values.append(node.value)
        elif isinstance(getattr(node, "value", None), (ast.Yield, ast.YieldFrom)):
            return None  # a generator: a call gives an iterator
        else:
            for field in _BLOCK_FIELDS.get(type(node), ()):
                stack.extend(getattr(node, field))
    if not with_none:
        return [v for v in values if v is not None and not (isinstance(v, ast.Constant) and v.value is None)]
    # Whether it may fall off its end (returning None that way) is looked at last: most
    # functions are ruled out by what they return.
    if not values or not _never_falls_off(func.body):
        return None
    return values


def relative_path(value: object) -> bool:
    """Whether a constant names a path below the current directory: relative, not reaching
    out of it (``..``), nor spelling the home directory or a variable."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str) or not value or value[0] in "/\\~$%" or value.startswith(".."):
        return False
    return not (len(value) > 1 and value[1] == ":")  # a Windows drive


def under(ref: str, names) -> bool:
    """Whether ``ref`` is one of ``names`` or an attribute reached through one."""
    if ref in names:
        return True
    end = ref.rfind(".")
    while end > 0:
        if ref[:end] in names:
            return True
        end = ref.rfind(".", 0, end)
    return False


def local_names(func: ast.AST) -> Set[str]:
    """The names a function binds itself (or declares ``global``): parameters, assignment
    and loop targets, ``with``/``except``/pattern names, imports, nested ``def``/``class``."""
    found = set(parameter_names(func)) if hasattr(func, "args") else set()  # a class has none
    stack = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            continue  # its body is its own scope (its decorators and defaults run here, but bind nothing)
        elif isinstance(node, ast.Lambda):
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        else:
            for field in ("name", "rest"):  # except ... as name, match patterns
                value = getattr(node, field, None)
                if isinstance(value, str) and not isinstance(node, ast.alias):
                    found.add(value)
        stack.extend(ast.iter_child_nodes(node))
    return found


def elif_of(stmt: ast.If) -> Optional[ast.If]:
    """The ``if`` an ``elif`` makes of an ``else:`` holding it alone (a ``pass`` beside it
    changes nothing), else None."""
    rest = [s for s in stmt.orelse if not isinstance(s, ast.Pass)]
    return rest[0] if len(rest) == 1 and type(rest[0]) is ast.If else None


def _augmented_parts(func: ast.AST) -> Dict[str, List[ast.AST]]:
    """What each ``name += part`` of a function's own body adds, by name: one pass."""
    parts: Dict[str, List[ast.AST]] = {}
    for stmt in own_statements(func):
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            parts.setdefault(stmt.target.id, []).append(stmt.value)
    return parts


def _augmented(parts: List[ast.AST], values: List[Optional[ast.AST]]) -> List[Optional[ast.AST]]:
    """``values`` with what each ``name += part`` (``parts``, in the order
    :func:`_augmented_parts` found them) adds in place of the None it was bound as
    (``pages_dir = "pages"`` then ``pages_dir += "." + language``: the name is pure when its
    first value and every part are); unchanged when some None is no augmented assignment."""
    if len(parts) != sum(value is None for value in values) or len(parts) == len(values):
        return values
    parts = list(reversed(parts))
    return [value if value is not None else parts.pop() for value in values]


def _stores(func: ast.AST) -> bool:
    """Whether a function changes anything but its own locals (a counter it keeps in an
    attribute, an item, a global): what it returns may differ from call to call. Dead code
    after a ``return`` or ``raise`` changes nothing."""
    for node in _live_own_nodes(func):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return True  # what the names it declares are bound to is the module's
        if isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
            return True  # ``self.count += 1``; a local's ``+=`` changes nothing outside
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            return True
    return False


def own_nodes(func: ast.AST):
    """Every node of a function's (or the module's) own body, not of nested scopes (nor the
    ``def``, ``class`` or ``lambda`` of one), but constants, contexts and operators."""
    stack = [node for node in func.body if not isinstance(node, _NESTED)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node)
                     if type(c) not in _UNWANTED_NODES and not isinstance(c, _NESTED))


_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def _live_own_nodes(func: ast.AST):
    """:func:`own_nodes`, less the statements of a block that follow a jump out of it."""
    stack = [node for node in _live(func.body) if not isinstance(node, _NESTED)]
    while stack:
        node = stack.pop()
        yield node
        for _field, value in ast.iter_fields(node):
            if isinstance(value, list):
                stack.extend(c for c in (_live(value) if value and isinstance(value[0], ast.stmt) else value)
                             if isinstance(c, ast.AST) and not isinstance(c, _NESTED))
            elif isinstance(value, ast.AST) and not isinstance(value, _NESTED):
                stack.append(value)


def _live(block: list) -> list:
    """A block's statements up to its first jump (``return``, ``raise``, ``break``, ``continue``)."""
    for index, stmt in enumerate(block):
        if isinstance(stmt, _JUMPS):
            return block[:index + 1]
    return block


def walrus_bindings(func: ast.AST) -> List[Tuple[ast.AST, ast.AST]]:
    """``(name, value)`` of each assignment expression (``name := value``) of a function's own body."""
    return [(node.target, node.value) for node in own_nodes(func) if isinstance(node, ast.NamedExpr)]


def _unpacked(target: ast.AST, value: ast.AST):
    """``(element, value)`` of a tuple assignment: item by item when the value is a tuple or
    list display of the same length without ``*`` (``a, b = x / "a", x / "b"``), else each
    name with None."""
    elements = target.elts
    if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(elements) and not any(
            isinstance(e, ast.Starred) for e in list(elements) + list(value.elts)) and all(
            isinstance(e, (ast.Name, ast.Attribute)) for e in elements):
        for element, item in zip(elements, value.elts):
            yield element, item
        return
    for element in ast.walk(target):
        if isinstance(element, (ast.Name, ast.Attribute)):
            yield element, None


def local_bindings(func: ast.AST, walrus: bool = True) -> Dict[str, List[Optional[ast.AST]]]:
    """Each plain name a function's own body binds -> the values bound to it, in the order
    :func:`bindings_of` gives them (None: not one expression)."""
    found: Dict[str, List[Optional[ast.AST]]] = {}
    for target, value in bindings_of(func, walrus):
        if isinstance(target, ast.Name):
            found.setdefault(target.id, []).append(value)
    return found


def bindings_of(func: ast.AST, walrus: bool = True):
    """``(target, value)`` of every binding in a function's own body; ``value`` None when the
    bound value is not one expression (loop variables, tuple unpacking, ``except ... as``).
    ``walrus=False`` (the module spells no ``:=``) looks at statements only, not into every
    expression."""
    for node in own_nodes(func) if walrus else own_statements(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, (ast.Tuple, ast.List)):
                    yield from _unpacked(target, node.value)
                else:
                    yield target, node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            yield node.target, node.value if isinstance(node, ast.AnnAssign) else None
        elif isinstance(node, ast.NamedExpr):
            yield node.target, node.value
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    expr = item.context_expr
                    # ``with TemporaryDirectory() as d``: d is the directory's name
                    yield item.optional_vars, expr
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for element in ast.walk(node.target):
                if isinstance(element, (ast.Name, ast.Attribute)):
                    yield element, None
