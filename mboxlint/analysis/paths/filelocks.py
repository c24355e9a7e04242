"""Inter-process locks held, and the paths a scope (or its class) locks."""

import ast
import re
from typing import Dict, Iterable, List, Optional, Tuple

from ..arms import Arms
from ..imports import dotted_name
from ..summaries import CONTEXT_MANAGER_DECORATORS, is_none, name_words
from ..locks import _walk_scope_body
from ..pathkey import PathKey, name_key
from ..state import State
from ..walk import Scope
from .facts import May
from .opens import OPEN_FUNCTIONS


FCNTL_LOCKS = frozenset({"fcntl.lockf", "fcntl.flock"})
#: inter-process locks used as ``with L:`` (classes, or factories returning one)
INTERPROCESS_LOCKS = frozenset({
    "filelock.FileLock", "filelock.SoftFileLock", "filelock.UnixFileLock", "filelock.WindowsFileLock",
    "filelock.AsyncFileLock", "filelock.AsyncSoftFileLock", "portalocker.Lock", "portalocker.RLock",
    "portalocker.TemporaryFileLock", "fasteners.InterProcessLock", "fasteners.InterProcessReaderWriterLock",
    "fasteners.process_lock.InterProcessLock", "flufl.lock.Lock", "lockfile.LockFile", "lockfile.FileLock",
    "lockfile.LinkLockFile", "lockfile.MkdirLockFile", "lockfile.SQLiteLockFile", "lockfile.PIDLockFile",
    "lockfile.pidlockfile.PIDLockFile", "lockfile.linklockfile.LinkLockFile",
    "lockfile.mkdirlockfile.MkdirLockFile", "zc.lockfile.LockFile", "zc.lockfile.SimpleLockFile",
})
#: inter-process locks taken when the object is made, without ``acquire()``; ``close()`` lets go
LOCKS_HELD_ON_CONSTRUCTION = frozenset({"zc.lockfile.LockFile", "zc.lockfile.SimpleLockFile"})
#: calls followed from a helper that takes or lets go an inter-process lock into others
_HELPER_DEPTH = 3
#: methods a subclass of an inter-process lock calls on itself (``super().__enter__()``) to
#: take its lock (True) or to let it go (False)
INHERITED_LOCK_METHODS = {"acquire": True, "__enter__": True, "__aenter__": True,
                          "release": False, "__exit__": False, "__aexit__": False}
#: the class names that say "a lock on a file" in any project (``FileLock``, ``SoftFileLock``,
#: ``InterProcessLock``, ``LockFile``, ``PIDLockFile``): imported from a module not named
#: here, such a class is taken for an inter-process lock (a project's own ``utils.FileLock``)
_FILE_LOCK_CLASS = re.compile(r"(?:[A-Z]\w*)?(?:FileLock|InterProcessLock|ProcessLock|FcntlLock|FlockLock)"
                              r"|(?:[A-Z]\w*)?Lock[Ff]ile")
#: modules whose locks of those names are not inter-process (or not locks of a file)
_NOT_FILE_LOCK_MODULES = ("threading", "multiprocessing", "asyncio", "_thread", "concurrent", "trio", "anyio")
#: locks of one process's threads, the alternative some projects offer to a file lock
_THREAD_LOCKS = frozenset({"threading.Lock", "threading.RLock", "multiprocessing.Lock", "multiprocessing.RLock"})
#: modules one of which a module must import to build an inter-process lock of its own
LOCK_MODULES = ("fcntl",) + tuple(sorted({name.split(".")[0] for name in INTERPROCESS_LOCKS}))
#: stdlib mailbox classes that keep one locked file at ``self._path``
SINGLE_FILE_MAILBOXES = frozenset({
    "mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox._singlefileMailbox", "mailbox._mboxMMDF",
})
MAILBOX_CONSTRUCTORS = frozenset({"mailbox.mbox", "mailbox.MMDF", "mailbox.Babyl", "mailbox.MH"})
#: helpers that lock the file object they are given
KNOWN_LOCKERS = frozenset({"mailbox._lock_file"})
KNOWN_LOCKER_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in KNOWN_LOCKERS)
#: words of which one occurs in every method that locks a file object (besides the module's lockers)
LOCK_WORDS = ("lockf", "flock") + tuple(sorted(KNOWN_LOCKER_NAMES))

#: pairs of words, one after the other, by which a function's name says it gives a lock on a
#: file: a noun, "file lock" (not the verb phrase "lock file", which may lock an object given)
_FILE_LOCK_WORDS = (("file", "lock"), ("process", "lock"))


def _says_file_lock(name: str) -> bool:
    """Whether a snake_case function name says it gives a lock on a file:
    ``bootstrap_file_lock``, ``interprocess_lock``, ``lockfile``, ``flock``; not ``lock``,
    ``thread_lock``, ``lock_file`` or ``locked_file``."""
    if not name.islower():
        return False  # CamelCase is for :data:`_FILE_LOCK_CLASS`
    words = name_words(name)
    return any(word in ("filelock", "lockfile", "flock", "interprocesslock") for word in words) or any(
        pair == (first, second) or first.endswith(pair[0]) and second == pair[1]
        for first, second in zip(words, words[1:]) for pair in _FILE_LOCK_WORDS)


class ProjectLocks:
    """The project's own inter-process locks, from the ``extend-interprocess-locks`` setting.

    A dotted entry (``myapp.locks.FileLock``) is the name a call resolves to through the
    module's imports; a relative import matches by the end of the name (``from .locks import
    FileLock`` names ``locks.FileLock``: the module's package is not known). An entry without
    a dot matches any call of a function, class or method of that name (``acquire_lock`` is
    ``storage.acquire_lock(...)`` too), which is what an object's method needs."""

    def __init__(self, names: Iterable[str] = ()):
        names = [name.strip() for name in names if name and name.strip()]
        self.qualified = frozenset(name for name in names if "." in name)
        self.bare = frozenset(name for name in names if "." not in name)

    def __bool__(self) -> bool:
        return bool(self.qualified or self.bare)

    def names(self, func: ast.AST, facts) -> bool:
        """Whether calling ``func`` gives one of the project's inter-process locks."""
        if isinstance(func, ast.Name) and func.id in self.bare or \
                isinstance(func, ast.Attribute) and func.attr in self.bare:
            return True
        if not self.qualified:
            return False
        if facts.resolve(func) in self.qualified:
            return True
        attributes = []
        while isinstance(func, ast.Attribute):
            attributes.append(func.attr)
            func = func.value
        below = facts.relative_aliases.get(func.id) if isinstance(func, ast.Name) else None
        if below is None:
            return False
        below = ".".join([below] + attributes[::-1])
        return any(name == below or name.endswith("." + below) for name in self.qualified)


#: per method: the assignments and the lock calls the walk noted, by id
MethodNotes = Tuple[Dict[int, ast.AST], Dict[int, ast.AST]]


class FileLocks:
    """Inter-process locks and locked paths (a part of :class:`PathAnalysis`)."""

    def _iplocked(self, state: State) -> Optional[int]:
        lines = [fact.value for _ref, fact in state.items("iplock")]
        return min(lines) if lines else None

    def _fcntl(self, node: ast.Call, state: State) -> None:
        if len(node.args) < 2:
            return
        if not self._fcntl_takes(node):
            state.discard("iplock", "fcntl")
            return
        state.set("iplock", "fcntl", May(node.lineno))
        self._locks_file(node.args[0], node.lineno, state)

    def _fcntl_takes(self, node: ast.Call) -> bool:
        """Whether an ``fcntl.flock/lockf(fd, op)`` call takes a lock (``op`` is no ``LOCK_UN``)."""
        return "fcntl.LOCK_UN" not in {
            self.facts.resolve(n) for n in ast.walk(node.args[1]) if isinstance(n, (ast.Name, ast.Attribute))}

    def _locks_file(self, handle: ast.AST, line: int, state: State) -> None:
        if isinstance(handle, ast.Call) and isinstance(handle.func, ast.Attribute) and handle.func.attr == "fileno":
            handle = handle.func.value
        ref = dotted_name(handle)
        opened = state.get("file", ref) if ref is not None else None
        if opened is not None:
            self._scope_locked.setdefault(opened.value[0], line)

    def _makes_iplock(self, call: ast.Call, name: Optional[str] = None) -> bool:
        """Whether ``call`` gives an inter-process lock: a named library's, the project's
        (named in the settings), or a context manager of this module that takes one."""
        if (name or self.facts.resolve(call.func)) in INTERPROCESS_LOCKS:
            return True
        if self.project_locks and self.project_locks.names(call.func, self.facts):
            return True
        return self._imported_file_lock(call.func) or self._own_lock(call)

    def _imported_file_lock(self, func: ast.AST) -> bool:
        """Whether ``func`` is a class imported from another module (of the project, say, or
        a library not listed) whose name says it locks a file: ``from huey.utils import
        FileLock``, ``from .locking import InterProcessLock``. Its lock is not seen here; the
        name is the project's word for it."""
        last = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else None
        if last is None or _FILE_LOCK_CLASS.fullmatch(last) is None and not _says_file_lock(last):
            return False  # most calls: a name that says nothing of a lock
        name = self.facts.resolve(func)
        if name is None:
            if not isinstance(func, ast.Name) or func.id not in self.facts.relative_aliases:
                return False
            name = self.facts.relative_aliases[func.id]
        elif name.startswith(_NOT_FILE_LOCK_MODULES) or name.startswith("builtins."):
            return False
        last = name.rsplit(".", 1)[-1]
        return _FILE_LOCK_CLASS.fullmatch(last) is not None or _says_file_lock(last)

    def _own_lock(self, call: ast.Call) -> bool:
        """Whether ``call`` enters a lock this module builds on ``fcntl``: a ``@contextmanager``
        function or method that takes an ``flock``/``lockf`` lock (or enters a known
        inter-process lock), or a class whose ``__enter__`` (or ``acquire()``) does, itself or
        through a method of its own (``self.acquire()``). What it locks is a lock file, so the whole body of
        the ``with`` is under it, as under ``filelock.FileLock``."""
        summaries = self.facts.summaries
        if summaries is None or not self._fcntl_module():
            return False
        func = call.func
        if isinstance(func, ast.Name) and func.id in summaries.classes and func.id not in self.facts.aliases:
            cls = summaries.classes[func.id]
            methods = summaries.methods(cls)
            # ``with Lock(p):``, or ``lock = Lock(p)`` then ``lock.acquire()``
            return any(self._takes_lock(methods[name], methods)
                       for name in ("__enter__", "__aenter__", "acquire") if name in methods)
        scope = self._scope
        found = summaries.callee_node(call, scope.enclosing_class if scope is not None else None, self._self_name)
        if found is None:
            return False
        node = found[0]
        decorators = {self.facts.resolve(d) or dotted_name(d) for d in node.decorator_list}
        return bool(decorators & CONTEXT_MANAGER_DECORATORS) and self._takes_lock(node, {})

    def _fcntl_module(self) -> bool:
        if self._imports_fcntl is None:
            self._imports_fcntl = self.facts.imports_any(LOCK_MODULES)
        return self._imports_fcntl

    def _takes_lock(self, func: ast.AST, methods: Dict[str, ast.AST]) -> bool:
        """Whether ``func`` takes an inter-process lock on its way through (an ``fcntl`` lock
        that is not ``LOCK_UN``, or a ``with`` of a known one), itself or, for the methods
        given, in a method it calls on ``self`` (one level: ``__enter__`` calling ``acquire``)."""
        cached = self._lock_takers.get(id(func))
        if cached is not None:
            return cached
        self._lock_takers[id(func)] = False  # a method calling itself takes no lock by that
        found = False
        instance = func.args.args[0].arg if methods and func.args.args else None
        for node in _walk_scope_body(func):
            if isinstance(node, ast.Call):
                name = self.facts.resolve(node.func)
                if name in FCNTL_LOCKS and len(node.args) >= 2 and self._fcntl_takes(node):
                    found = True
                elif instance is not None and isinstance(node.func, ast.Attribute) and \
                        isinstance(node.func.value, ast.Name) and node.func.value.id == instance and \
                        node.func.attr in methods and methods[node.func.attr] is not func:
                    found = self._takes_lock(methods[node.func.attr], {})
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                found = any(isinstance(item.context_expr, ast.Call) and
                            self.facts.resolve(item.context_expr.func) in INTERPROCESS_LOCKS for item in node.items)
            if found:
                break
        self._lock_takers[id(func)] = found
        return found

    def _lock_helper(self, walker, node: ast.Call, state: State) -> None:
        """A call, as a statement or in a condition, of a method of the class
        (``self._lock_db()``) or a function of the module that takes an inter-process lock
        and leaves it held (see :meth:`_helper_lock_effect`): held from there until a call of
        one that lets it go (``self._unlock_db()``). In ``if self._lock_db():`` the lock is
        taken as held on both ways, as after ``lock.acquire(timeout=5)``: it may be."""
        summaries = self.facts.summaries
        scope = walker.scope
        if summaries is None or not self._may_lock_in_helpers():
            return
        found = summaries.callee_node(node, scope.enclosing_class, scope.self_name)
        if found is None:
            return
        effect = self._helper_effect(found[0], found[1], 0)
        if effect and self._runs_every_way(walker.current_statement()):
            # taken on every way through the function: a call under an ``if`` or in a loop
            # (``if was_locked: relock()``) may not have run
            state.set("iplock", "helper", May(node.lineno))
        elif effect is False:
            state.discard("iplock", "helper")

    def _runs_every_way(self, stmt: ast.AST) -> bool:
        """Whether ``stmt`` is in the function's own body, or in the body of a ``try`` or
        ``with`` that is, a few levels deep: nothing chooses whether it runs."""
        if self._arms is None:
            self._arms = Arms(self._scope.node)
        for _ in range(_HELPER_DEPTH * 2):
            held = self._arms.holder(stmt)
            if held is None:
                return any(own is stmt for own in getattr(self._scope.node, "body", ()))
            owner, block = held
            if not (isinstance(owner, ast.Try) and block is owner.body or isinstance(owner, (ast.With, ast.AsyncWith))):
                return False
            stmt = owner
        return False

    def _helper_effect(self, func: ast.AST, cls, depth: int) -> Optional[bool]:
        """:meth:`_helper_lock_effect` of ``func``, once per helper."""
        effect = self._helper_locks.get(id(func), ())
        if effect == ():
            self._helper_locks[id(func)] = None  # a helper calling itself changes nothing
            effect = self._helper_locks[id(func)] = self._helper_lock_effect(func, cls, depth)
        return effect

    def _may_lock_in_helpers(self) -> bool:
        if self._helpers_may_lock is None:
            # (``lockf`` is in ``lockfile`` too)
            self._helpers_may_lock = any(self.facts.spells(word) for word in ("acquire", "flock", "lockf"))
        return self._helpers_may_lock

    def _helper_lock_effect(self, func: ast.AST, cls, depth: int) -> Optional[bool]:
        """True when ``func`` takes an inter-process lock and does not let it go:
        ``lock.acquire()`` of a lock it binds (``self._lock = LockFile(d)``) or of an
        attribute the class binds only to one, an ``fcntl`` lock, or a call of such a helper
        of its own (``self.obtain_lock()``, a few calls deep); False when it only lets one go
        (``release()``, ``LOCK_UN``, ``self.release_lock()`` in ``close()``); None otherwise
        (both, or neither)."""
        instance = func.args.args[0].arg if cls is not None and func.args.args else None
        here = self._scope.self_name if self._scope is not None else None
        summaries = self.facts.summaries
        bound = set()
        held = set()  # the refs bound to a lock taken when it is made
        takes = releases = False
        for sub in _walk_scope_body(func):
            if isinstance(sub, ast.Call) and depth < _HELPER_DEPTH and summaries is not None:
                callee, owner = None, None
                if instance is not None and isinstance(sub.func, ast.Attribute) \
                        and isinstance(sub.func.value, ast.Name) and sub.func.value.id == instance:
                    callee, owner = summaries.methods(cls).get(sub.func.attr), cls
                elif isinstance(sub.func, ast.Name) and sub.func.id not in self.facts.aliases:
                    callee = summaries.functions.get(sub.func.id)
                    made = summaries.classes.get(sub.func.id) if callee is None else None
                    if made is not None:
                        # ``return _FileLock(name)``: what the class's ``__init__`` leaves held
                        callee, owner = summaries.methods(made).get("__init__"), made
                if callee is not None and callee is not func:
                    effect = self._helper_effect(callee, owner, depth + 1)
                    takes = takes or effect is True
                    releases = releases or effect is False
                    continue
            if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call) and self._makes_iplock(sub.value):
                refs = [ref for ref in map(dotted_name, sub.targets) if ref is not None]
                bound.update(refs)
                if self.facts.resolve(sub.value.func) in LOCKS_HELD_ON_CONSTRUCTION:
                    held.update(refs)
                    takes = True  # ``self.lock = zc.lockfile.LockFile(p)``: held once made
            if not isinstance(sub, ast.Call):
                continue
            name = self.facts.resolve(sub.func)
            if name in FCNTL_LOCKS and len(sub.args) >= 2:
                if self._fcntl_takes(sub):
                    takes = True
                else:
                    releases = True
                continue
            if isinstance(sub.func, ast.Attribute) and sub.func.attr == "close" and dotted_name(sub.func.value) is not None:
                ref = dotted_name(sub.func.value)
                root, dot, rest = ref.partition(".")
                if ref in held or instance is not None and root == instance and self._held_attribute(cls, rest):
                    releases = True  # ``self.lock.close()`` of a lock held since it was made
                continue
            if not (isinstance(sub.func, ast.Attribute) and sub.func.attr in ("acquire", "release")):
                continue
            ref = dotted_name(sub.func.value)
            if ref is None:
                continue
            if ref not in bound:
                root, dot, rest = ref.partition(".")
                if instance is None or root != instance or here is None or not self._iplock_attribute(here + dot + rest):
                    continue
            if sub.func.attr == "acquire":
                takes = True
            else:
                releases = True
        return True if takes and not releases else False if releases and not takes else None

    def _held_attribute(self, cls, attr: str) -> bool:
        """Whether some method of ``cls`` binds ``self.<attr>`` to a lock taken when it is made
        (``self.lock = zc.lockfile.LockFile(p)``). The class's methods are read once."""
        summaries = self.facts.summaries
        if cls is None or summaries is None or not self.facts.spells("lockfile"):
            return False
        held = self._held_attributes.get(id(cls))
        if held is None:
            held = self._held_attributes[id(cls)] = {
                (dotted_name(target) or "").partition(".")[2]
                for method in summaries.methods(cls).values() for sub in _walk_scope_body(method)
                if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call)
                and self.facts.resolve(sub.value.func) in LOCKS_HELD_ON_CONSTRUCTION for target in sub.targets}
        return attr in held

    def _is_iplock(self, expr: ast.AST, state: State) -> bool:
        while isinstance(expr, ast.Call):  # ``lock.acquire()...``: a loop, the chain may be long
            if self._makes_iplock(expr):
                return True
            if not (isinstance(expr.func, ast.Attribute) and expr.func.attr in ("acquire", "lock")):
                return False
            expr = expr.func.value
        ref = dotted_name(expr)
        return ref is not None and (state.get("iplock-object", ref) is not None or self._iplock_attribute(ref))

    def _iplock_attribute(self, ref: str) -> bool:
        """Whether ``ref`` is ``self.x`` that every method of the class binds only to an
        inter-process lock (``self.lock = FileLock(path + ".lock")`` in ``__init__``)."""
        values = self.attribute_values(ref)
        values = [v for v in values or () if not is_none(v)]  # ``self._lock = None``: no lock yet, or any more
        if not values or not all(isinstance(v, ast.Call) for v in values):
            return False
        # ``self.lock = threading.Lock() if threads_only else FileLock(p)``, spelled as two
        # bindings: where the project chose a thread lock it runs in one process by design.
        inter = [v for v in values if self.facts.resolve(v.func) not in _THREAD_LOCKS]
        return bool(inter) and all(self._makes_iplock(v) for v in inter)

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

    def lock_words(self) -> Tuple[str, ...]:
        """Words of which one occurs in every method that locks a file object it is given or
        holds: such a method must be walked for its class's locked paths, even when it names
        no path."""
        return LOCK_WORDS + tuple(self._module_lockers())

    def _method_notes(self, scope: Scope) -> Optional[MethodNotes]:
        """Where the walk notes what the method being walked does for its class's locked
        paths: every method of a class body that takes an argument (None for other scopes)."""
        cls = scope.enclosing_class
        if cls is None or not scope.is_function or not scope.node.args.args:
            return None
        methods = self._class_methods.get(id(cls))
        if methods is None:
            methods = self._class_methods[id(cls)] = {id(stmt): None for stmt in cls.body}
        if id(scope.node) not in methods:
            return None  # defined under an ``if`` of the class body: not a method of every instance
        notes = methods[id(scope.node)] = ({}, {})
        return notes

    def _note_binding(self, walker, target: ast.AST, value: ast.AST) -> None:
        """An assignment of the method being walked that may put an opened file in ``self``."""
        statement = walker.current_statement()
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and statement.targets[0] is target \
                and (isinstance(value, ast.Name) or isinstance(value, ast.Call) and value.args):
            self._notes[0][id(statement)] = statement

    def _note_lock_call(self, node: ast.Call, name: Optional[str]) -> None:
        """A call of the method being walked that may lock a file object of ``self``."""
        if node.args and (name in FCNTL_LOCKS or name in KNOWN_LOCKERS or isinstance(node.func, ast.Name)
                          and (node.func.id in self._module_lockers() or node.func.id in KNOWN_LOCKER_NAMES)):
            self._notes[1][id(node)] = node

    def _locked_in_class(self, cls: ast.ClassDef) -> Dict[PathKey, int]:
        """``self``-rooted keys of files that some method of ``cls`` opens and locks, from what
        the walk noted in each method (asked once every scope was walked)."""
        cached = self._class_locked.get(id(cls))
        if cached is not None:
            return cached
        found: Dict[PathKey, int] = {}
        kind = self.facts.mailbox_subclasses.get(cls.name)
        if kind in SINGLE_FILE_MAILBOXES or cls.name in ("_singlefileMailbox",) and _defines_lock(cls):
            found[name_key("self._path")] = cls.lineno
        attr_paths: Dict[str, PathKey] = {}
        locked_attrs: Dict[str, int] = {}
        lockers = set(self._module_lockers()) | KNOWN_LOCKER_NAMES
        methods = self._class_methods.get(id(cls), {})
        saved = self._self_name
        try:
            for stmt in cls.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or not stmt.args.args:
                    continue
                notes = methods.get(id(stmt))
                if notes is None:
                    continue  # not walked: no scope trigger in it, or abandoned
                self._self_name = stmt.args.args[0].arg
                local_paths: Dict[str, PathKey] = {}
                # Latest first: the order in which the class pass this replaces met them.
                for node in _latest_first(notes[0]) + _latest_first(notes[1]):
                    if isinstance(node, ast.Assign):
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


def _latest_first(nodes: Dict[int, ast.AST]) -> List[ast.AST]:
    return sorted(nodes.values(), key=lambda node: (node.lineno, node.col_offset), reverse=True)


def _defines_lock(cls: ast.ClassDef) -> bool:
    return any(isinstance(s, ast.FunctionDef) and s.name == "lock" for s in cls.body)
