"""Files by path: when two expressions name the same file, temp files, guards, locks.

Every path expression gets a *key* (:mod:`mboxlint.analysis.pathkey`: an interned, structured
value, spelled like ``join(d,'x')`` in messages), equal for expressions that name the same file:

* a name or attribute chain is its dotted name (``path``, ``self._path``; a method's instance
  parameter is spelled ``self`` whatever its name), unless it was bound here from another path
  expression, whose key it takes (``p = os.path.join(d, "x")`` gives ``p`` the key of the join);
  rebinding a name forgets that (``State.forget_ref``);
* equal string constants have equal keys;
* ``os.path.join(a, b)``, ``Path(a, b)``, ``Path(a) / b`` build ``join(a,b)`` from their parts'
  keys, flattened, so ``Path(d) / "x" / "y"`` and ``os.path.join(d, "x", "y")`` are equal;
* ``str(p)``, ``os.fspath(p)``, ``Path(p)``, ``abspath(p)`` and friends are ``p``'s key;
* ``f.name`` of a file opened from ``P`` is ``P``'s key;
* ``x + ".tmp"``, f-strings and ``p.with_suffix(...)`` build derived keys that mention ``x``.

Facts (all flow-sensitive, joined by the walk):

* ``path`` (ref -> key), ``file`` (ref of a file object or descriptor -> key and mode),
  ``pathlib`` (ref bound to a ``pathlib`` object), ``stat``/``mtime`` (ref bound from a stat or
  an mtime of a key), ``mbox`` (ref of a mailbox constructed on a key);
* ``temp`` (key -> :class:`TempFact`): temp files from ``tempfile`` (with their ``dir=``), and
  names derived from another path that this scope opened for writing; whether one was fsynced;
  where it was created and which names were bound since (a :class:`FileRename` event's
  ``dst_at_temp`` says whether its target could be spelled at the creation, for MBX304's fix);
* ``guard`` (key -> :class:`GuardFact`): ``exists``-style checks in force, from the walk's
  ``branch`` hook, so the guard-clause form (``if not exists(p): return``) comes from the join;
* ``removed`` (key -> line): the file was removed or unlinked here and not re-created since;
* ``iplock`` (a ``with`` item or ``fcntl``): an inter-process lock may be held.

Events (:mod:`~mboxlint.analysis.events`), reported at the act or use: :class:`FileOpen`,
:class:`FileAct` (mkdir, remove, ...), :class:`FileRename` (completed by
:meth:`PathAnalysis.finish` with what is known of locks on both names) and :class:`FileMtime`
(an mtime compared to an earlier value).

Locked paths: a file object or descriptor opened from ``P`` and passed to ``fcntl.lockf``/
``flock`` (or to a function of this module that does that to its parameter, like the stdlib's
``_lock_file``) locks ``P``; so does ``lock()`` on a mailbox constructed on ``P``. In a class, a
``self`` attribute holding a file opened from ``self.X`` and locked in any method locks
``self.X`` in every method, and a subclass of a stdlib single-file mailbox locks
``self._path``. Everything else is intraprocedural.
"""

import ast
from typing import Dict, List, Optional, Set, Tuple

from .events import FileAct, FileMtime, FileOpen, FileRename
from .imports import ModuleFacts, dotted_name
from .locks import _walk_scope_body, call_effects
from .summaries import NOTHING, bindings_of, under
from .pathkey import PathKey, call_key, const_key, name_key, opaque_key
from .state import State, min_line
from .walk import Analysis, Walker, _bound_refs

# -- what the calls mean ------------------------------------------------------------------

#: checks whose truth says whether a file is there; value: the kind the rules talk about
GUARD_FUNCTIONS = {
    "os.path.exists": "exists", "os.path.lexists": "lexists", "os.path.isfile": "isfile",
    "os.path.isdir": "isdir", "os.access": "access",
}
GUARD_METHODS = {"exists": "exists", "is_file": "isfile", "is_dir": "isdir"}

OPEN_FUNCTIONS = frozenset({"builtins.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open"})
#: expressions that name the same file as their only argument
TRANSPARENT = frozenset({
    "builtins.str", "os.fspath", "os.fsencode", "os.fsdecode", "os.path.abspath", "os.path.realpath",
    "os.path.normpath", "os.path.expanduser", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
    "pathlib.WindowsPath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
})
PATHLIB_CLASSES = frozenset(n for n in TRANSPARENT if n.startswith("pathlib."))
JOINS = frozenset({"os.path.join", "posixpath.join", "ntpath.join"}) | PATHLIB_CLASSES
TRANSPARENT_METHODS = frozenset({"resolve", "absolute", "expanduser"})
DERIVING_METHODS = frozenset({"with_suffix", "with_name", "with_stem"})

MKDIR = frozenset({"os.mkdir", "os.makedirs"})
REMOVE = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
RENAME = {"os.rename": "os.rename", "os.replace": "os.replace", "shutil.move": "shutil.move"}
FSYNC = frozenset({"os.fsync", "os.fdatasync"})
FCNTL_LOCKS = frozenset({"fcntl.lockf", "fcntl.flock"})
STAT = frozenset({"os.stat", "os.lstat"})
#: ``Path`` methods called unbound, on the path as first argument: ``Path.open(p, "w")``
UNBOUND_PATH_METHODS = {"pathlib.Path.open": None, "pathlib.Path.read_text": "r", "pathlib.Path.read_bytes": "r",
                        "pathlib.Path.write_text": "w", "pathlib.Path.write_bytes": "w"}
#: calls that create or fill the file named by their second argument
COPIES = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "os.link", "os.symlink"})
#: calls whose value differs on every call: names built from them are fresh, unique files
FRESH_SOURCES = frozenset({
    "uuid.uuid1", "uuid.uuid4", "time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns",
    "time.perf_counter", "time.perf_counter_ns", "os.getpid", "datetime.datetime.now", "datetime.datetime.utcnow",
    "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes",
})
FRESH_MODULES = ("hashlib.", "random.", "secrets.")
#: statements climbed from a rename to the ``if`` that may hold another in its other arm
ANCESTORS = 64
#: names followed back from a rename's target to the value that made it fresh
FRESH_DEPTH = 16

TEMP_NAMES = frozenset({"tempfile.mkstemp", "tempfile.mktemp"})
#: where ``dir`` goes when passed by position
TEMP_DIR_POSITION = {"tempfile.mkstemp": 2, "tempfile.mktemp": 2, "tempfile.NamedTemporaryFile": 6}
TEMP_FILES = frozenset({"tempfile.NamedTemporaryFile"})

#: inter-process locks used as ``with L:`` (classes, or factories returning one)
INTERPROCESS_LOCKS = frozenset({
    "filelock.FileLock", "filelock.SoftFileLock", "filelock.UnixFileLock", "filelock.WindowsFileLock",
    "filelock.AsyncFileLock", "filelock.AsyncSoftFileLock", "portalocker.Lock", "portalocker.RLock",
    "portalocker.TemporaryFileLock", "fasteners.InterProcessLock", "fasteners.InterProcessReaderWriterLock",
    "fasteners.process_lock.InterProcessLock", "flufl.lock.Lock", "lockfile.LockFile", "lockfile.FileLock",
    "lockfile.LinkLockFile", "lockfile.MkdirLockFile", "lockfile.SQLiteLockFile", "lockfile.PIDLockFile",
    "lockfile.pidlockfile.PIDLockFile", "lockfile.linklockfile.LinkLockFile",
    "lockfile.mkdirlockfile.MkdirLockFile",
})
#: stdlib mailbox classes that keep one locked file at ``self._path``
SINGLE_FILE_MAILBOXES = frozenset({
    "mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox._singlefileMailbox", "mailbox._mboxMMDF",
})
MAILBOX_CONSTRUCTORS = frozenset({"mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox.MH"})
#: helpers that lock the file object they are given
KNOWN_LOCKERS = frozenset({"mailbox._lock_file"})


# -- facts ------------------------------------------------------------------------------

class Must:
    """A value that holds after a join only when both paths agree on it."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def join(self, other):
        return self if other is not None and other.value == self.value else None

    def __eq__(self, other):
        return type(other) is type(self) and other.value == self.value

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):  # pragma: no cover - debugging aid
        return "%s(%r)" % (type(self).__name__, self.value)


class May(Must):
    """A line that holds after a join when it holds on either path (the earliest is kept)."""

    def join(self, other):
        if other is None:
            return self
        return May(min_line(self.value, other.value))


class GuardFact(Must):
    """``value`` is ``(kind, present, line)``: a check said whether the file is there.

    ``node`` (the ``if``/``while`` that checked) is carried along but not compared."""

    __slots__ = ("node",)

    def __init__(self, value, node=None):
        super().__init__(value)
        self.node = node

    def join(self, other):
        if other is None or other.value[:2] != self.value[:2]:
            return None
        return self if self.value[2] <= other.value[2] else other

    @property
    def kind(self):
        return self.value[0]

    @property
    def present(self):
        return self.value[1]

    @property
    def line(self):
        return self.value[2]


class TempFact(Must):
    """``value`` is ``(origin, line, dir_key, has_dir, synced, site, rebound, dir_arg)`` of a
    temp file.

    ``origin``: ``tempfile`` or ``derived`` (a name built from another path, written here).
    ``site``: ``(line, col)`` of the creating call (None after a join of two creations);
    ``rebound``: the refs (re)bound since the creation, its own targets included, so a
    rename can tell whether its target could have been spelled where the temp was made;
    ``dir_arg``: how the creation gives ``dir``: ``absent``, ``none`` (``dir=None``),
    ``given``, or ``unknown`` (``**kwargs``).
    A temp on one path is still a temp after the join; ``synced`` holds if it held on either."""

    def join(self, other):
        if other is None:
            return self
        if other.value == self.value:
            return self
        merged = list(self.value)
        merged[4] = self.value[4] or other.value[4]
        if self.value[5] != other.value[5]:
            merged[5] = None
        merged[6] = self.value[6] | other.value[6]
        return TempFact(tuple(merged))

    @property
    def origin(self):
        return self.value[0]

    @property
    def line(self):
        return self.value[1]

    @property
    def dir_key(self):
        return self.value[2]

    @property
    def has_dir(self):
        return self.value[3]

    @property
    def synced(self):
        return self.value[4]

    @property
    def site(self):
        return self.value[5]

    @property
    def rebound(self):
        return self.value[6]

    @property
    def dir_arg(self):
        return self.value[7]

    def synced_now(self):
        merged = list(self.value)
        merged[4] = True
        return TempFact(tuple(merged))

    def rebinding(self, refs):
        return TempFact(self.value[:6] + (self.value[6] | frozenset(refs),) + self.value[7:])


# -- keys -----------------------------------------------------------------------------

def const_string(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Combine:
    """A step of :meth:`PathAnalysis.key`: combine the last ``count`` keys computed."""

    __slots__ = ("combine", "count")

    def __init__(self, combine, count: int):
        self.combine = combine
        self.count = count


#: attribute chains longer than this are no names a path was bound to (``p.parent.parent...``)
_MAX_NAME_PARTS = 64


def _short_dotted_name(node: ast.AST) -> Optional[str]:
    """``dotted_name`` of a chain of at most :data:`_MAX_NAME_PARTS`: spelling every level
    of a ``.parent`` chain thousands deep would cost its depth squared."""
    inner, parts = node, 0
    while isinstance(inner, ast.Attribute):
        inner = inner.value
        parts += 1
        if parts > _MAX_NAME_PARTS:
            return None
    return dotted_name(node)


def _all_known(parts) -> bool:
    return all(part is not None for part in parts)


def _join(parts):
    return call_key("join", parts) if _all_known(parts) else None


def _concat(parts):
    return call_key("concat", parts) if _all_known(parts) else None


def _only(parts):
    return parts[0]


def _dirname(parts):
    return call_key("dirname", parts) if parts[0] is not None else None


def _basename(parts):
    return call_key("basename", parts) if parts[0] is not None else None


def _deriving(method):
    def combine(parts):
        return call_key(method, parts) if _all_known(parts) else None
    return combine


_DERIVING = {method: _deriving(method) for method in DERIVING_METHODS}
_PATH_METHODS = DERIVING_METHODS | TRANSPARENT_METHODS | {"joinpath"}
#: the key of ``tempfile.gettempdir()``, the default directory of temp files
GETTEMPDIR = "tempfile.gettempdir()"


def open_mode(call: ast.Call, mode_index: int = 1) -> str:
    """The mode of an ``open``-like call, ``"?"`` when not a constant."""
    mode_node = call.args[mode_index] if len(call.args) > mode_index else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode_node = keyword.value
    if mode_node is None:
        return "r"
    mode = const_string(mode_node)
    return mode if mode is not None else "?"


def mode_kind(mode: str) -> str:
    """``read``, ``update`` (r+), ``truncate`` (w), ``append``, ``exclusive`` or ``unknown``."""
    if mode == "?":
        return "unknown"
    if "x" in mode:
        return "exclusive"
    if "w" in mode:
        return "truncate"
    if "a" in mode:
        return "append"
    if "+" in mode:
        return "update"
    return "read"


def keyword_value(call: ast.Call, name: str) -> Optional[ast.AST]:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def is_true(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


#: Words that every spelling of a check the MBX301/MBX302 guards use contains.
GUARD_WORDS = ("exists", "isfile", "isdir", "access", "is_file", "is_dir")
#: One of these occurs in every module (and scope) where a file rule can report: each rule
#: needs a guard, a rename, a temp file, an open or write, or an mtime in the same scope.
PATH_WORDS = GUARD_WORDS + (
    "rename", "replace", "move", "mkstemp", "NamedTemporaryFile", "mktemp", "open", "write_text",
    "write_bytes", "mtime",
)


#: A scope may also matter by what it reads: MBX901 pairs a rewrite in one method with a
#: read in another.
PATH_SCOPE_WORDS = PATH_WORDS + ("read_text", "read_bytes")


class PathAnalysis(Analysis):
    """Path keys, temp files, guards, removals, inter-process locks and locked paths."""

    domain = "path"
    TRIGGERS = PATH_WORDS

    def scope_triggers(self):
        return PATH_SCOPE_WORDS

    def __init__(self, facts: ModuleFacts, tree: ast.Module, options: Optional[dict] = None):
        self.facts = facts
        self.tree = tree
        self.options = options or {}
        self._lockers: Optional[Dict[str, int]] = None
        self._private: frozenset = frozenset()
        self._scope = None
        #: id of a rename call -> the statement holding it (see :meth:`_exclusive`)
        self._site_statements: Dict[int, Optional[ast.stmt]] = {}
        #: id of a statement of the scope -> (the statement holding it, the list it is in)
        self._parents: Optional[Dict[int, Tuple[ast.stmt, list]]] = None
        self._class_locked: Dict[int, Dict[PathKey, int]] = {}
        self._scope_locked: Dict[PathKey, int] = {}
        self._renames: List[FileRename] = []
        #: (src, dst) -> the first two rename calls seen with those keys
        self._rename_sites: Dict[Tuple[PathKey, PathKey], List[ast.AST]] = {}
        self._self_name: Optional[str] = None
        #: whether the scope being walked made a temp file yet (then bindings are noted)
        self._temps_made = False
        #: conditions already searched for mtime comparisons in this scope
        self._scanned: Set[int] = set()

    @staticmethod
    def applies(facts: ModuleFacts) -> bool:
        # No import is needed to reach a file: the builtin open(), and read_text()/
        # write_text() of a path handed in. Only the text triggers can rule a module out.
        return True

    # -- keys -------------------------------------------------------------------------

    def _ref_key(self, ref: str) -> str:
        """``ref`` with a method's instance parameter spelled ``self``."""
        self_name = self._self_name
        if self_name and self_name != "self":
            if ref == self_name:
                return "self"
            if ref.startswith(self_name + "."):
                return "self" + ref[len(self_name):]
        return ref

    def _name_key(self, ref: str) -> PathKey:
        return name_key(self._ref_key(ref))

    def key(self, node: ast.AST, state: Optional[State]) -> Optional[PathKey]:
        """The key of a path expression, or None when it is not understood.

        Evaluated with an explicit stack: operator chains and nested calls may be as deep
        as the parser allows."""
        values: List[Optional[PathKey]] = []
        work: List[object] = [node]
        while work:
            item = work.pop()
            if type(item) is _Combine:
                count = item.count
                args = values[len(values) - count:]
                del values[len(values) - count:]
                values.append(item.combine(args))
                continue
            step = self._key_step(item, state)
            if type(step) is tuple:
                children, combine = step
                work.append(_Combine(combine, len(children)))
                work.extend(reversed(children))
            else:
                values.append(step)
        return values[0]

    def _key_step(self, node: ast.AST, state: Optional[State]):
        """Either the key of ``node`` outright (a :class:`PathKey` or None), or
        ``(children, combine)``: the key is ``combine`` of the children's keys."""
        if isinstance(node, ast.Constant):
            return const_key(node.value) if isinstance(node.value, (str, bytes)) else None
        if isinstance(node, (ast.Name, ast.Attribute)):
            ref = _short_dotted_name(node)
            if ref is not None and state is not None:
                fact = state.get("path", ref)
                if fact is not None:
                    return fact.value
                if isinstance(node, ast.Attribute) and node.attr == "name":
                    opened = state.get("file", dotted_name(node.value) or "")
                    if opened is not None:
                        return opened.value[0]
            if isinstance(node, ast.Attribute) and node.attr == "parent":
                return [node.value], _dirname
            return self._name_key(ref) if ref is not None else None
        if isinstance(node, ast.Call):
            return self._call_step(node)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                return [node.left, node.right], _join
            if isinstance(node.op, ast.Add):
                return [node.left, node.right], _concat
            if isinstance(node.op, ast.Mod) and const_string(node.left) is not None:
                args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return [node.left] + list(args), _concat
            return None
        if isinstance(node, ast.JoinedStr):
            return [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values], _concat
        if isinstance(node, ast.Subscript) and _constant_index(node.slice):
            # ``self.filename[:-1]``: the same slice of the same string is the same path
            index = opaque_key("[%s]" % ast.unparse(node.slice))
            return [node.value], lambda parts: call_key("subscript", [parts[0], index]) if parts[0] else None
        return None

    def _call_step(self, node: ast.Call):
        name = self.facts.resolve(node.func)
        if name in JOINS and node.args and not node.keywords:
            return list(node.args), _join
        if name in TRANSPARENT and len(node.args) == 1:
            return [node.args[0]], _only
        if name == "os.path.dirname" and len(node.args) == 1:
            return [node.args[0]], _dirname
        if name == "os.path.basename" and len(node.args) == 1:
            return [node.args[0]], _basename
        if name is None and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in TRANSPARENT_METHODS and not node.args:
                return [node.func.value], _only
            if method in DERIVING_METHODS and len(node.args) == 1:
                return [node.func.value, node.args[0]], _DERIVING[method]
            if method == "joinpath" and node.args:
                return [node.func.value] + list(node.args), _join
        if name is None:
            return self._helper_step(node)
        return None

    def _returns(self, node: ast.Call):
        """What the function or ``self`` method of this module called at ``node`` returns."""
        summaries = self.facts.summaries
        scope = self._scope
        if summaries is None or scope is None:
            return NOTHING
        return summaries.returns(node, scope.enclosing_class, scope.self_name)

    def _unpacked_paths(self, target: ast.AST, value: ast.AST, state: State) -> None:
        """``state, temp = self._paths()``: each name is the same item of the same helper call."""
        if not isinstance(value, ast.Call) or value.keywords or any(isinstance(a, ast.Starred) for a in value.args):
            return
        summaries, scope = self.facts.summaries, self._scope
        if summaries is None or scope is None:
            return
        if self._returns(value).paths != len(target.elts):
            return
        args = [self.key(arg, state) for arg in value.args]
        if any(arg is None for arg in args):
            return
        call = call_key("call", [self._name_key(dotted_name(value.func))] + args)
        for index, element in enumerate(target.elts):
            ref = dotted_name(element)
            if ref is not None:
                state.set("path", ref, Must(call_key("item", [call, opaque_key(str(index))])))

    def _helper_step(self, node: ast.Call):
        """``call(f,a,b)``: the same helper called with the same arguments names the same file."""
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args) or not self._returns(node).path:
            return None
        helper = self._name_key(dotted_name(node.func))
        return list(node.args), lambda parts: call_key("call", [helper] + parts) if _all_known(parts) else None

    def is_pathlib(self, node: ast.AST, state: State) -> bool:
        """Whether an expression is known to be a ``pathlib`` path."""
        while True:  # a loop, not recursion: method chains may be long
            if isinstance(node, ast.Call):
                if self.facts.resolve(node.func) in PATHLIB_CLASSES:
                    return True
                returned = self._returns(node)
                if returned.path:
                    return returned.pathlib
                if isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_METHODS:
                    node = node.func.value
                    continue
                return False
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                node = node.left
            elif isinstance(node, ast.Attribute) and node.attr == "parent":
                node = node.value
            else:
                ref = dotted_name(node)
                return ref is not None and state.get("pathlib", ref) is not None

    # -- scope entry -------------------------------------------------------------------

    def start(self, walker: Walker, state: State) -> None:
        self._scope = walker.scope
        self._self_name = walker.scope.self_name
        self._private = None  # looked for at the first event that may be exempt
        self._bindings = None
        self._any_temp = False
        self._scope_locked = {}
        self._renames = []
        self._rename_sites = {}
        self._site_statements = {}
        self._parents = None
        self._temps_made = False
        node = walker.scope.node
        self._scanned = set()
        if walker.scope.is_function:
            args = node.args
            for arg in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs):
                if arg.annotation is not None and self._annotated_pathlib(arg.annotation):
                    state.set("pathlib", arg.arg, Must(True))
            self._default_paths(args, state)

    def _default_paths(self, args: ast.arguments, state: State) -> None:
        """A parameter whose default is a module constant (``def load(path=STATE)``) names the
        file of that constant: a reader and a writer with the same default share the file."""
        positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        pairs += [(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is not None]
        for arg, default in pairs:
            # A module constant, not a literal: ``base=""`` says nothing about which file.
            if isinstance(default, ast.Name) and default.id in self.facts.module_bindings:
                key = self.key(default, None)
                if key is not None:
                    state.set("path", arg.arg, Must(key))

    def _private_names(self, scope) -> frozenset:
        """Names of this scope holding a fresh private temporary directory or a path in it,
        spelled as keys spell them."""
        summaries = self.facts.summaries
        if summaries is None:
            return frozenset()
        return frozenset(self._ref_key(name) for name in summaries.private.scope(scope.node, scope.enclosing_class))

    def private(self, key: Optional[PathKey]) -> bool:
        """Whether a key names a file in a private temporary directory of this scope."""
        if key is None:
            return False
        if self._private is None:
            self._private = self._private_names(self._scope)
        if not self._private:
            return False
        return key.any_leaf(lambda leaf: leaf.kind == "name" and under(leaf.head, self._private))

    def _annotated_pathlib(self, annotation: ast.AST) -> bool:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            return annotation.value.split(".")[-1] in ("Path", "PurePath", "PosixPath")
        return self.facts.resolve(annotation) in PATHLIB_CLASSES

    # -- bindings ---------------------------------------------------------------------

    def bind(self, walker: Walker, target: ast.AST, value: Optional[ast.AST], how: str, state: State) -> None:
        if self._temps_made:
            self._note_rebinding(target, state)
        if value is None or how not in ("assign", "walrus", "with"):
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if _cache_lookup(value):  # ``size, mtime = self.cache[path]``: every part is a cached value
                for ref in _bound_refs(target):
                    state.set("cached", ref, Must(True))
            self._unpacked_paths(target, value, state)
            if isinstance(value, ast.Call) and len(target.elts) == 2 and \
                    self.facts.resolve(value.func) == "tempfile.mkstemp":
                fd_ref, name_ref = dotted_name(target.elts[0]), dotted_name(target.elts[1])
                if name_ref is not None:
                    self._new_temp(name_ref, value, state, bound=_bound_refs(target))
                    if fd_ref is not None:
                        state.set("file", fd_ref, Must((self._name_key(name_ref), "w+b")))
            return
        ref = dotted_name(target)
        if ref is None:
            return
        if isinstance(value, ast.Call):
            if self._bind_call(ref, value, how, state):
                return
        if how == "with":
            return
        if isinstance(value, ast.Attribute) and value.attr in ("st_mtime",):
            mtime_of = self._mtime_of(value, state)  # ``os.stat(p).st_mtime`` or ``st.st_mtime``
            if mtime_of is not None:
                state.set("mtime", ref, Must(mtime_of))
            return
        if _cache_lookup(value):
            state.set("cached", ref, Must(True))
        if isinstance(value, (ast.Name, ast.Attribute)) and dotted_name(value) is not None:
            source = dotted_name(value)
            for domain in ("file", "pathlib", "stat", "mtime", "iplock-object", "mbox"):
                fact = state.get(domain, source)
                if fact is not None:
                    state.set(domain, ref, fact)
        key = self.key(value, state)
        if key is not None and key is not self._name_key(ref):
            state.set("path", ref, Must(key))
        # ``path = Path(path)`` keeps the key and makes it a pathlib path.
        if key is not None and self.is_pathlib(value, state):
            state.set("pathlib", ref, Must(True))

    def _note_rebinding(self, target: ast.AST, state: State) -> None:
        """Every temp file made so far learns which names were bound after it."""
        refs = _bound_refs(target)
        if not refs:
            return
        for key, fact in state.items("temp"):
            if fact.origin == "tempfile" and not set(refs) <= fact.rebound:
                state.set("temp", key, fact.rebinding(refs))

    def _bind_call(self, ref: str, call: ast.Call, how: str, state: State) -> bool:
        name = self.facts.resolve(call.func)
        method = call.func.attr if name is None and isinstance(call.func, ast.Attribute) else None
        if name == "tempfile.mktemp":
            self._new_temp(ref, call, state, bound=[ref])
            return True
        if name in TEMP_FILES:
            if not is_true_false(keyword_value(call, "delete"), False):
                return True  # deleted on close: never renamed into place
            self._new_temp(ref + ".name", call, state, bound=[ref])
            state.set("file", ref, Must((self._name_key(ref + ".name"), open_mode(call, 0) if call.args else "w+b")))
            return True
        if name in OPEN_FUNCTIONS and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("file", ref, Must((key, open_mode(call))))
            return True
        if name == "os.fdopen" and call.args:
            fd = state.get("file", dotted_name(call.args[0]) or "")
            if fd is not None:
                state.set("file", ref, Must((fd.value[0], open_mode(call))))
            return True
        if name == "os.open" and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("file", ref, Must((key, "?")))
            return True
        if method == "open" and self.is_pathlib(call.func.value, state):
            key = self.key(call.func.value, state)
            if key is not None:
                state.set("file", ref, Must((key, open_mode(call, 0))))
            return True
        if name in STAT and call.args or (method == "stat" and not call.args):
            target = call.args[0] if name in STAT else call.func.value
            key = self.key(target, state)
            if key is not None:
                state.set("stat", ref, Must(key))
            return True
        if name == "os.path.getmtime" and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("mtime", ref, Must(key))
            return True
        if name in MAILBOX_CONSTRUCTORS and call.args:
            key = self.key(call.args[0], state)
            if key is not None:
                state.set("mbox", ref, Must(key))
            return True
        if name in INTERPROCESS_LOCKS:
            state.set("iplock-object", ref, Must(True))
            return True
        return False

    def _new_temp(self, ref: str, call: ast.Call, state: State, bound=()) -> None:
        directory = keyword_value(call, "dir")
        dir_arg = "given" if directory is not None else "absent"
        position = TEMP_DIR_POSITION.get(self.facts.resolve(call.func) or "")
        if directory is None and position is not None and len(call.args) > position \
                and not any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
            directory = call.args[position]  # ``mkstemp(".tmp", "x", d)``
            dir_arg = "given"
        if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            dir_arg = "unknown"
        elif dir_arg == "given" and is_none(keyword_value(call, "dir")):
            dir_arg = "none"  # ``dir=None``: the default, spelled out
        if directory is not None and isinstance(directory, ast.Constant) and directory.value is None:
            directory = None
        dir_key = self.key(directory, state) if directory is not None else None
        if directory is not None and self.facts.resolve(directory) in ("tempfile.tempdir",):
            dir_key, directory = opaque_key(GETTEMPDIR), directory
        if isinstance(directory, ast.Call) and self.facts.resolve(directory.func) == "tempfile.gettempdir":
            dir_key = opaque_key(GETTEMPDIR)
        has_dir = directory is not None and dir_key is not opaque_key(GETTEMPDIR)
        key = self._name_key(ref)
        state.discard("path", ref)
        site = (call.lineno, call.col_offset)
        state.set("temp", key, TempFact(("tempfile", call.lineno, dir_key, has_dir, False, site,
                                         frozenset(bound), dir_arg)))
        self._temps_made = True
        self._any_temp = True

    # -- conditions -------------------------------------------------------------------

    def branch(self, walker: Walker, test: ast.AST, truth: bool, state: State) -> None:
        if isinstance(test, ast.Call):
            checked = self._guard_of(test, state)
            if checked is not None:
                kind, key = checked
                stmt = walker.current_statement()
                state.set("guard", key, GuardFact((kind, truth, test.lineno), stmt))
        if isinstance(test, (ast.Compare, ast.BoolOp)):
            stmt = walker.current_statement()
            root = getattr(stmt, "test", None) if isinstance(stmt, (ast.If, ast.While, ast.Assert)) else None
            self._mtime_compares(walker, root if root is not None else test, state)

    def _guard_of(self, call: ast.Call, state: State) -> Optional[Tuple[str, str]]:
        name = self.facts.resolve(call.func)
        if name in GUARD_FUNCTIONS and call.args:
            key = self.key(call.args[0], state)
            return (GUARD_FUNCTIONS[name], key) if key is not None else None
        if name is None and isinstance(call.func, ast.Attribute) and call.func.attr in GUARD_METHODS \
                and not call.args:
            key = self.key(call.func.value, state)
            return (GUARD_METHODS[call.func.attr], key) if key is not None else None
        return None

    # -- mtime comparisons ----------------------------------------------------------------

    def _mtime_of(self, node: ast.AST, state: State) -> Optional[PathKey]:
        """The key whose seconds-resolution mtime ``node`` is, or None."""
        if isinstance(node, ast.Call) and node.args and self.facts.resolve(node.func) == "os.path.getmtime":
            return self.key(node.args[0], state)
        if isinstance(node, ast.Attribute) and node.attr == "st_mtime":
            inner = node.value
            if isinstance(inner, ast.Call):
                name = self.facts.resolve(inner.func)
                if name in STAT and inner.args:
                    return self.key(inner.args[0], state)
                if name is None and isinstance(inner.func, ast.Attribute) and inner.func.attr == "stat" \
                        and not inner.args:
                    return self.key(inner.func.value, state)
                return None
            stat_ref = dotted_name(inner)
            fact = state.get("stat", stat_ref) if stat_ref else None
            return fact.value if fact is not None else None
        ref = dotted_name(node)
        if ref is not None:
            fact = state.get("mtime", ref)
            return fact.value if fact is not None else None
        return None

    def _mtime_compares(self, walker: Walker, root: ast.AST, state: State) -> None:
        # One look per condition (the walk refines a test once per arm and per operand).
        if id(root) in self._scanned:
            return
        self._scanned.add(id(root))
        compares, names = [], set()
        for node in ast.walk(root):
            if isinstance(node, ast.Compare):
                if len(node.ops) == 1 and not isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
                    compares.append(node)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
        if not compares:
            return
        if "st_mtime" not in names and "getmtime" not in names and not any(
                state.get("mtime", n) is not None for n in names):
            return
        if names & {"st_size", "st_ino", "getsize", "st_mtime_ns"}:
            return  # size or inode compared too: not seconds-resolution mtime alone
        params = set()
        if walker.scope.is_function:
            args = walker.scope.node.args
            params = {a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)}
        for compare in compares:
            left, right = compare.left, compare.comparators[0]
            for mine, other in ((left, right), (right, left)):
                key = self._mtime_of(mine, state)
                if key is None:
                    continue
                earlier = self._earlier_value(other, key, params, state)
                if earlier is not None and not self.private(key):
                    walker.emit(FileMtime, compare, key=key, path=key, earlier=earlier)
                    break

    def _earlier_value(self, node: ast.AST, key: PathKey, params: Set[str], state: State) -> Optional[str]:
        """How ``node`` holds an earlier mtime of ``key`` (for the message), or None."""
        other_key = self._mtime_of(node, state)
        if other_key is not None:
            return "an earlier stat" if other_key == key else None
        if isinstance(node, ast.Subscript) or (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"):
            return "a cached value"
        ref = dotted_name(node)
        if ref is not None and state.get("cached", ref) is not None:
            return "a cached value"
        if isinstance(node, ast.Attribute) and ref is not None:
            return "`%s`" % ref
        if isinstance(node, ast.Name) and node.id in params:
            return "the parameter `%s`" % node.id
        return None

    # -- calls ------------------------------------------------------------------------

    def call(self, walker: Walker, node: ast.Call, state: State) -> None:
        func = node.func
        name = self.facts.resolve(func)
        if name is None:
            if self._any_temp:  # fsyncs matter only to a temp file's rename
                for ref, op in call_effects(self.facts, node, walker.scope):
                    if op == "fsync":  # a helper of the module that fsyncs what it is given
                        self._synced_target(None, ref, state)
            if isinstance(func, ast.Attribute):
                self._method_call(walker, node, func.attr, state)
            elif isinstance(func, ast.Name) and "sync" in func.id.lower():
                self._synced(node, state)
            return
        if name in OPEN_FUNCTIONS:
            if node.args:
                self._open(walker, node, node.args[0], open_mode(node), state)
        elif name in UNBOUND_PATH_METHODS:
            if node.args:
                mode = UNBOUND_PATH_METHODS[name] or open_mode(node)
                self._open(walker, node, node.args[0], mode, state)
        elif name in COPIES:
            if len(node.args) >= 2:
                # The code's own create: a check of the target made before is stale now.
                key = self.key(node.args[1], state)
                if key is not None:
                    state.discard("guard", key)
                    state.discard("removed", key)
        elif name in RENAME:
            if len(node.args) >= 2:
                self._rename(walker, node, name, node.args[0], node.args[1], state)
        elif name in REMOVE:
            if node.args:
                self._act(walker, node, name, node.args[0], state)
                key = self.key(node.args[0], state)
                if key is not None and name in ("os.remove", "os.unlink"):
                    state.set("removed", key, May(node.lineno))
        elif name in MKDIR:
            if node.args and not is_true(keyword_value(node, "exist_ok")) and \
                    not (len(node.args) >= 3 and is_true(node.args[2])):
                self._act(walker, node, name, node.args[0], state)
        elif name == "os.open":
            if len(node.args) >= 2 and self._creates(node.args[1]):
                self._act(walker, node, name, node.args[0], state)
        elif name in FSYNC or "sync" in name.rsplit(".", 1)[-1].lower():
            self._synced(node, state)
        elif name in FCNTL_LOCKS:
            self._fcntl(node, state)
        elif name in KNOWN_LOCKERS or name in self._module_lockers():
            if node.args:
                self._locks_file(node.args[0], node.lineno, state)
        elif isinstance(func, ast.Name) and func.id in self._module_lockers():
            if node.args:
                self._locks_file(node.args[0], node.lineno, state)

    def _method_call(self, walker: Walker, node: ast.Call, method: str, state: State) -> None:
        receiver = node.func.value
        if method in ("read_text", "read_bytes") and not node.args:
            self._open(walker, node, receiver, "r", state)
        elif method in ("write_text", "write_bytes") and len(node.args) == 1:
            self._open(walker, node, receiver, "w", state)
        elif method == "open" and self.is_pathlib(receiver, state):
            self._open(walker, node, receiver, open_mode(node, 0), state)
        elif method in ("rename", "replace") and len(node.args) == 1 and not node.keywords:
            if self.is_pathlib(receiver, state) or self._known_file(receiver, state):
                self._rename(walker, node, "Path." + method, receiver, node.args[0], state)
        elif method == "mkdir" and not is_true(keyword_value(node, "exist_ok")) and len(node.args) < 3 \
                and self.is_pathlib(receiver, state):
            self._act(walker, node, "Path.mkdir", receiver, state)
        elif method in ("unlink", "rmdir") and not node.args and self.is_pathlib(receiver, state):
            # ``missing_ok=True`` makes no check-then-act race, but the file is gone all the same
            if not is_true(keyword_value(node, "missing_ok")):
                self._act(walker, node, "Path." + method, receiver, state)
            key = self.key(receiver, state)
            if key is not None and method == "unlink":
                state.set("removed", key, May(node.lineno))
        elif "sync" in method.lower():
            self._synced(node, state)
        elif method == "lock" and not node.args:
            box = state.get("mbox", dotted_name(receiver) or "")
            if box is not None:
                self._scope_locked.setdefault(box.value, node.lineno)

    def _known_file(self, node: ast.AST, state: State) -> bool:
        key = self.key(node, state)
        return key is not None and state.get("temp", key) is not None

    def _creates(self, flags: ast.AST) -> bool:
        names = {self.facts.resolve(n) for n in ast.walk(flags) if isinstance(n, (ast.Name, ast.Attribute))}
        return "os.O_CREAT" in names and "os.O_EXCL" not in names

    # -- the events ---------------------------------------------------------------------

    def _open(self, walker: Walker, node: ast.Call, path: ast.AST, mode: str, state: State) -> None:
        key = self.key(path, state)
        if key is None or self.private(key):
            return
        kind = mode_kind(mode)
        walker.emit(FileOpen, node, key=key, path=key, path_node=path, mode=kind, guard=state.get("guard", key),
                    stmt=walker.current_statement(),
                    iplock=self._iplocked(state), temp=state.get("temp", key))
        if kind in ("truncate", "append", "exclusive", "update"):
            state.discard("guard", key)
            state.discard("removed", key)
            if kind != "update":
                self._maybe_derived_temp(key, node, state)

    def _maybe_derived_temp(self, key: str, node: ast.AST, state: State) -> None:
        """A name built from another path and written here is a temp file of that path."""
        if state.get("temp", key) is None and key.kind == "call" and (
                key.head == "concat" or key.head in DERIVING_METHODS or _in_own_folder(key)):
            state.set("temp", key, TempFact(("derived", node.lineno, None, True, False, None, frozenset(), "given")))
            self._any_temp = True

    def _act(self, walker: Walker, node: ast.Call, op: str, path: ast.AST, state: State) -> None:
        key = self.key(path, state)
        if key is None or self.private(key):
            return
        walker.emit(FileAct, node, key=key, op=op, path=key, path_node=path, guard=state.get("guard", key),
                    stmt=walker.current_statement(), caught=self._caught(walker),
                    iplock=self._iplocked(state))
        state.discard("guard", key)

    def _caught(self, walker: Walker) -> Set[str]:
        """Exception names (last dotted part) that a ``with contextlib.suppress(...)`` or an
        ``except`` around the statement being walked catches; a bare ``except`` is ``BaseException``."""
        names: Set[str] = set()
        for item in walker.enclosing_with_items():
            expr = item.context_expr
            if isinstance(expr, ast.Call) and self.facts.resolve(expr.func) == "contextlib.suppress":
                names.update(_exception_names(expr.args))
        for handler in walker.enclosing_handlers():
            if handler.body and isinstance(handler.body[-1], ast.Raise):
                continue  # re-raises (or raises another error): the failure is not survived
            if handler.type is None:
                names.add("BaseException")
            else:
                names.update(_exception_names(handler.type.elts if isinstance(handler.type, ast.Tuple)
                                              else [handler.type]))
        return names

    def _rename(self, walker: Walker, node: ast.Call, op: str, src: ast.AST, dst: ast.AST, state: State) -> None:
        src_key, dst_key = self.key(src, state), self.key(dst, state)
        if src_key is None or dst_key is None or self.private(dst_key):
            return  # a target in a private directory: nobody else reads it
        sites = self._rename_sites.setdefault((src_key, dst_key), [])
        statement = walker.current_statement()
        self._site_statements.setdefault(id(node), statement)
        # A rename in the other arm of an ``if`` (``os.name == "nt"``) is an alternative, not a retry.
        earlier = [site for site in sites if site is not node
                   and not self._exclusive(self._site_statements.get(id(site)), statement)]
        removed = state.get("removed", dst_key)
        blocks = walker.enclosing_blocks() if removed is not None else None
        event = walker.emit(
            FileRename, node, key=None, op=op, src=src_key, dst=dst_key, src_node=src, dst_node=dst,
            temp=state.get("temp", src_key), derived=_derived(src_key, dst_key),
            removed=removed.value if removed is not None else None,
            retry_of=earlier[0].lineno if earlier else None,
            guard=state.get("guard", src_key), iplock=self._iplocked(state),
            dst_const=_constant_path(dst),
            dst_at_temp=self._spelled_at_creation(dst, state.get("temp", src_key)),
            dst_locked=None, src_locked=None, blocks=blocks,
            caught=self._caught(walker), fresh_dst=self._fresh(dst_key),
        )
        if event is not None:
            self._renames.append(event)
            if len(sites) < 2 and node not in sites:
                sites.append(node)
        for key in (src_key, dst_key):
            state.discard("guard", key)
        state.discard("removed", dst_key)

    def _exclusive(self, first: Optional[ast.stmt], second: Optional[ast.stmt]) -> bool:
        """Whether two statements of this scope are in different arms of one ``if`` (an
        ``elif`` included) or ``match``. Asked only when one pair of names is renamed twice;
        the statements' parents are found once per scope, and at most ANCESTORS levels up
        (further, the two are taken as not exclusive: the retry is reported)."""
        if first is None or second is None:
            return False
        if self._parents is None:
            self._parents = {}
            stack = [self._scope.node]
            while stack:
                owner = stack.pop()
                lists = [getattr(owner, f, None) or [] for f in ("body", "orelse", "finalbody")]
                lists += [part.body for part in list(getattr(owner, "handlers", None) or ())
                          + list(getattr(owner, "cases", None) or ())]
                for stmts in lists:
                    for stmt in stmts:
                        self._parents[id(stmt)] = (owner, stmts)
                        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                            stack.append(stmt)
        ancestors = {}
        node = first
        for _ in range(ANCESTORS):
            parent = self._parents.get(id(node))
            if parent is None:
                break
            ancestors[id(parent[0])] = parent[1]
            node = parent[0]
        node = second
        for _ in range(ANCESTORS):
            parent = self._parents.get(id(node))
            if parent is None:
                return False
            owner, stmts = parent
            if id(owner) in ancestors:
                other = ancestors[id(owner)]
                return other is not stmts and (isinstance(owner, ast.If) or type(owner).__name__ == "Match")
            node = owner
        return False

    def _spelled_at_creation(self, node: ast.AST, temp: Optional[TempFact]) -> bool:
        """Whether ``node`` means the same where ``temp`` was created: it only reads names
        (and attributes, constants, path joins and conversions) that nothing rebound since."""
        if temp is None or temp.origin != "tempfile" or temp.site is None:
            return False
        used: List[str] = []
        if not self._pure_path_expression(node, used):
            return False
        for name in used:
            for ref in temp.rebound:
                if name == ref or name.startswith(ref + ".") or ref.startswith(name + "."):
                    return False
        return True

    def _pure_path_expression(self, node: ast.AST, used: List[str]) -> bool:
        """Whether ``node`` only reads names (noted in ``used``), attributes, constants, path
        joins and conversions; a stack, not recursion: ``a + a + ...`` may be deep."""
        pending = [node]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Constant):
                continue
            ref = dotted_name(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if ref is not None:
                used.append(ref)
            elif isinstance(node, ast.Attribute):
                pending.append(node.value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div, ast.Mod)):
                pending += [node.right, node.left]
            elif isinstance(node, ast.JoinedStr):
                pending += reversed(node.values)
            elif isinstance(node, ast.FormattedValue):
                if node.format_spec is not None:
                    pending.append(node.format_spec)
                pending.append(node.value)
            elif isinstance(node, ast.Call) and not node.keywords:
                func = node.func
                name = self.facts.resolve(func)
                if name in JOINS or name in TRANSPARENT or name in ("os.path.dirname", "os.path.basename"):
                    pass
                elif name is None and isinstance(func, ast.Attribute) and \
                        func.attr in TRANSPARENT_METHODS | DERIVING_METHODS | {"joinpath"}:
                    pending.append(func.value)
                else:
                    return False
                if any(isinstance(a, ast.Starred) for a in node.args):
                    return False
                pending += reversed(node.args)
            else:
                return False
        return True

    def _fresh(self, key: PathKey) -> bool:
        """Whether a key is built from a name that every binding in this scope makes from a
        value unique to the call (uuid, time, pid, a hash). Looked up only at renames."""
        if self._bindings is None:
            self._bindings = {}
            for target, value in bindings_of(self._scope.node):
                ref = dotted_name(target)
                if ref is not None:
                    self._bindings.setdefault(ref, []).append(value)
        seen: Set[str] = set()
        return key.any_leaf(lambda leaf: leaf.kind == "name" and self._fresh_name(leaf.head, seen, 0))

    def _fresh_name(self, ref: str, seen: Set[str], depth: int) -> bool:
        if ref in seen or depth > FRESH_DEPTH:
            return False  # a cycle, or a chain too long to follow: not known to be fresh
        seen.add(ref)
        values = self._bindings.get(ref)
        return bool(values) and all(value is not None and self._fresh_value(value, seen, depth) for value in values)

    def _fresh_value(self, value: ast.AST, seen: Set[str], depth: int) -> bool:
        for node in ast.walk(value):
            if isinstance(node, ast.Call):
                name = self.facts.resolve(node.func) or ""
                if name in FRESH_SOURCES or name.startswith(FRESH_MODULES):
                    return True
            elif isinstance(node, (ast.Name, ast.Attribute)):
                ref = dotted_name(node)
                if ref is not None and ref in self._bindings and self._fresh_name(ref, seen, depth + 1):
                    return True
        return False

    def _iplocked(self, state: State) -> Optional[int]:
        lines = [fact.value for _ref, fact in state.items("iplock")]
        return min(lines) if lines else None

    def _synced(self, node: ast.Call, state: State) -> None:
        for arg in node.args:
            target = arg
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "fileno":
                target = arg.func.value
            self._synced_target(target, dotted_name(target), state)

    def _synced_target(self, target: Optional[ast.AST], ref: Optional[str], state: State) -> None:
        key = None
        if ref is not None:
            opened = state.get("file", ref)
            key = opened.value[0] if opened is not None else None
        if key is None and target is not None:
            key = self.key(target, state)
        fact = state.get("temp", key) if key is not None else None
        if fact is not None:
            state.set("temp", key, fact.synced_now())

    def _fcntl(self, node: ast.Call, state: State) -> None:
        if len(node.args) < 2:
            return
        operation = {self.facts.resolve(n) for n in ast.walk(node.args[1]) if isinstance(n, (ast.Name, ast.Attribute))}
        if "fcntl.LOCK_UN" in operation:
            state.discard("iplock", "fcntl")
            return
        state.set("iplock", "fcntl", May(node.lineno))
        self._locks_file(node.args[0], node.lineno, state)

    def _locks_file(self, handle: ast.AST, line: int, state: State) -> None:
        if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute) and handle.func.attr == "fileno":
            handle = handle.func.value
        ref = dotted_name(handle)
        opened = state.get("file", ref) if ref is not None else None
        if opened is not None:
            self._scope_locked.setdefault(opened.value[0], line)

    # -- with -------------------------------------------------------------------------

    def with_enter(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        if self._is_iplock(expr, state):
            state.set("iplock", "with:%d:%d" % (expr.lineno, expr.col_offset), May(expr.lineno))
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "locked":
            box = state.get("mbox", dotted_name(expr.func.value) or "")
            if box is not None:
                self._scope_locked.setdefault(box.value, expr.lineno)

    def with_exit(self, walker: Walker, item: ast.withitem, state: State) -> None:
        expr = item.context_expr
        state.discard("iplock", "with:%d:%d" % (expr.lineno, expr.col_offset))

    def _is_iplock(self, expr: ast.AST, state: State) -> bool:
        while isinstance(expr, ast.Call):  # ``lock.acquire()...``: a loop, the chain may be long
            if self.facts.resolve(expr.func) in INTERPROCESS_LOCKS:
                return True
            if not (isinstance(expr.func, ast.Attribute) and expr.func.attr in ("acquire", "lock")):
                return False
            expr = expr.func.value
        ref = dotted_name(expr)
        return ref is not None and state.get("iplock-object", ref) is not None

    # -- locked paths -------------------------------------------------------------------

    def finish(self, walker: Walker, exits: Optional[State]) -> None:
        if not self._renames:
            return
        locked = dict(self._scope_locked)
        scope = walker.scope
        if scope.enclosing_class is not None and scope.self_name:
            for key, line in self._locked_in_class(scope.enclosing_class).items():
                locked.setdefault(key, line)
        for event in self._renames:
            event.dst_locked = locked.get(event.dst)
            event.src_locked = locked.get(event.src)

    def _module_lockers(self) -> Dict[str, int]:
        """Module functions that lock (fcntl) the file object passed as one of their parameters."""
        if self._lockers is None:
            self._lockers = {}
            if self.facts.imports_any(["fcntl"]):
                for stmt in self.tree.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        params = [a.arg for a in stmt.args.args]
                        for node in _walk_scope_body(stmt):
                            if isinstance(node, ast.Call) and node.args and \
                                    self.facts.resolve(node.func) in FCNTL_LOCKS:
                                handle = node.args[0]
                                if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute):
                                    handle = handle.func.value
                                if isinstance(handle, ast.Name) and handle.id in params:
                                    self._lockers[stmt.name] = params.index(handle.id)
                                    break
        return self._lockers

    def _locked_in_class(self, cls: ast.ClassDef) -> Dict[PathKey, int]:
        """``self``-rooted keys of files that some method of ``cls`` opens and locks."""
        cached = self._class_locked.get(id(cls))
        if cached is not None:
            return cached
        found: Dict[PathKey, int] = {}
        kind = self.facts.mailbox_subclasses.get(cls.name)
        if kind in SINGLE_FILE_MAILBOXES or cls.name in ("_singlefileMailbox",) and _defines_lock(cls):
            found[name_key("self._path")] = cls.lineno
        attr_paths: Dict[str, PathKey] = {}
        locked_attrs: Dict[str, int] = {}
        lockers = set(self._module_lockers()) | {n.split(".")[-1] for n in KNOWN_LOCKERS}
        saved = self._self_name
        try:
            for stmt in cls.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or not stmt.args.args:
                    continue
                self._self_name = stmt.args.args[0].arg
                local_paths: Dict[str, PathKey] = {}
                for node in _walk_scope_body(stmt):
                    if isinstance(node, ast.Assign) and len(node.targets) == 1:
                        target, value = node.targets[0], node.value
                        ref = dotted_name(target)
                        if ref is None:
                            continue
                        ref = self._ref_key(ref)
                        opened = None
                        if isinstance(value, ast.Call) and value.args and \
                                self.facts.resolve(value.func) in OPEN_FUNCTIONS | {"os.open"}:
                            opened = self.key(value.args[0], None)
                        elif isinstance(value, ast.Name):
                            opened = local_paths.get(value.id)
                        if opened is None:
                            continue
                        if ref.startswith("self."):
                            attr_paths[ref] = opened
                        else:
                            local_paths[ref] = opened
                    elif isinstance(node, ast.Call) and node.args:
                        name = self.facts.resolve(node.func)
                        callee = node.func.id if isinstance(node.func, ast.Name) else None
                        if name in FCNTL_LOCKS or name in KNOWN_LOCKERS or callee in lockers:
                            handle = node.args[0]
                            if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute) \
                                    and handle.func.attr == "fileno":
                                handle = handle.func.value
                            ref = dotted_name(handle)
                            if ref is not None and self._ref_key(ref).startswith("self."):
                                locked_attrs.setdefault(self._ref_key(ref), node.lineno)
        finally:
            self._self_name = saved
        for attr, line in locked_attrs.items():
            path = attr_paths.get(attr)
            if path is not None and path.kind == "name" and path.head.startswith("self."):
                found.setdefault(path, line)
        self._class_locked[id(cls)] = found
        return found


def _exception_names(nodes) -> Set[str]:
    return {name.rsplit(".", 1)[-1] for name in map(dotted_name, nodes) if name}


def is_true_false(node: Optional[ast.AST], value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _defines_lock(cls: ast.ClassDef) -> bool:
    return any(isinstance(s, ast.FunctionDef) and s.name == "lock" for s in cls.body)


def _in_own_folder(key: PathKey) -> bool:
    """``join(dirname(T), ...T...)``: a name in ``T``'s folder built from ``T`` itself
    (``target.parent / (target.name + ".tmp")``)."""
    if key.head != "join" or len(key.parts) < 2:
        return False
    folder = key.parts[0]
    if folder.kind != "call" or folder.head != "dirname":
        return False
    target = folder.parts[0]
    return any(part.contains(target) for part in key.parts[1:])


def _cache_lookup(node: Optional[ast.AST]) -> bool:
    """``cache[k]`` or ``cache.get(k)``: a value stored earlier."""
    return isinstance(node, ast.Subscript) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get")


def _constant_index(node: ast.AST) -> bool:
    """A subscript made of constants only (``[:-1]``, ``[0]``)."""
    return all(isinstance(n, (ast.Slice, ast.Constant, ast.UnaryOp, ast.USub, ast.Load)) for n in ast.walk(node))


def _derived(src: PathKey, dst: PathKey) -> bool:
    """Whether ``src`` is a name built from ``dst`` (``dst + ".tmp"``, ``dst.with_suffix(...)``)."""
    if src is dst or src.kind != "call":
        return False
    if src.head not in ("concat", "join") and src.head not in DERIVING_METHODS:
        return False
    return src.contains(dst)  # ``basename(dst)`` included


def _constant_path(node: ast.AST) -> Optional[str]:
    value = const_string(node)
    if value is not None:
        return value
    if isinstance(node, ast.Call) and node.args and all(const_string(a) is not None for a in node.args):
        import os.path
        name = dotted_name(node.func) or ""
        if name.endswith("path.join") or name.endswith("Path"):
            return os.path.join(*[const_string(a) for a in node.args])
    return None
