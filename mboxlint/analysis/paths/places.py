"""Where a path names one file across the functions of a module, and when a write creates
the file it names rather than rewriting it: what MBX901 pairs its reads and writes by.

A key names one file in its function, in its class (``self`` attributes) or in the whole
module (constants, module globals, parameters handed on as they were passed). A truncating
open creates its file, rather than rewriting one a reader may hold, in the handler of a failed
open of it, or in a function called only from such handlers. A ``"w"`` open that is only
locked and closed is a lock file."""

import ast
import bisect
from collections import Counter
from typing import Dict, List, Optional, Tuple

from ..arms import Arms
from ..events import FileAct, FileOpen
from ..imports import dotted_name, own_statements, parameter_names, same
from ..pathkey import name_key
from ..summaries import TRANSPARENT, arguments_by_parameter, bindings_of, instance_name, local_bindings, local_names
from .opens import MKDIR


def _module_wide(roots, facts, local) -> bool:
    """Whether a key built from the variables ``roots`` names the same file in every function
    of the module: it is built only from constants, ``self`` attributes and module-level
    names (imported ones too: ``g.CFFILE`` of ``from . import g``) that the function (whose
    own bindings are ``local``) does not rebind."""
    return all(root == "self" or root not in local and (
        root in facts.module_bindings or root in facts.aliases or root in facts.relative_aliases) for root in roots)


def _own_locals(node) -> frozenset:
    """The names a function binds for itself (its own imports included), less those it
    declares ``global``, which are the module's."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return frozenset()
    declared = {name for stmt in own_statements(node) if isinstance(stmt, ast.Global) for name in stmt.names}
    return frozenset(local_names(node) - declared)


def _roots_besides_parameters(key) -> frozenset:
    """The variables ``key`` is built from other than through ``param(p)``: a parameter holding
    what the caller passed, handed to a helper of the module (see :meth:`~..analysis.paths.
    expressions.PathExpressions._helper_step`). Each distinct sub-key is visited once."""
    roots = set()
    seen = set()
    stack = [key]
    while stack:
        current = stack.pop()
        if id(current) in seen or current.kind == "call" and current.head == "param":
            continue
        seen.add(id(current))
        if current.kind == "name":
            roots.add(current.head.split(".", 1)[0])
        elif current.kind == "call":
            stack.extend(current.parts)
    return frozenset(roots)


class Places:
    """Where an event's path key (or ``key``) means one file: the scope, or the class for
    ``self`` keys, or the module. Each scope's own bindings are looked up once.

    A helper of the module given parameters as they were passed (``cache_file(d, name)`` in
    ``load(d, name)`` and ``dump(d, name, data)``) builds one file for one value of them,
    whichever function calls it: those parameters do not tie the key to its scope."""

    def __init__(self, facts):
        self.facts = facts
        self._locals = {}
        self._roots = {}
        self._kept = {}
        self._stores = {}
        self._handed = {}

    def _kept_parameters(self, node) -> frozenset:
        """The parameters of a function that its body never rebinds."""
        kept = self._kept.get(id(node))
        if kept is None:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kept = frozenset()
            else:
                rebound = {dotted_name(target) for target, _ in bindings_of(node, self.facts.may_walrus)}
                kept = frozenset(set(parameter_names(node)) - rebound)
            self._kept[id(node)] = kept
        return kept

    def _handed_on(self, node) -> frozenset:
        """The locals a function binds once and passes, under their own name, to a parameter
        of that name that a function of the module never rebinds (``box = pick()`` then
        ``publish(box)`` to ``def publish(box)``): in both, the name holds one value, so a
        file built from it in either is the same file, as from a parameter of both."""
        found = self._handed.get(id(node))
        if found is not None:
            return found
        found = frozenset()
        summaries = self.facts.summaries
        if summaries is not None and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            counts = Counter(dotted_name(target) for target, _ in bindings_of(node, self.facts.may_walrus))
            handed = set()
            for sub in ast.walk(node):
                if type(sub) is not ast.Call or type(sub.func) is not ast.Name:
                    continue
                callee = summaries.callee_node(sub, None, None)
                passed = arguments_by_parameter(callee[0], sub) if callee is not None else None
                if not passed:
                    continue
                handed.update(param for param, value in passed.items()
                              if type(value) is ast.Name and value.id == param and counts.get(param) == 1
                              and param in self._kept_parameters(callee[0]))
            found = frozenset(handed)
        self._handed[id(node)] = found
        return found

    def stored_in(self, event) -> list:
        """The attributes of the instance that the method of ``event`` sets, as statements of
        its own and only there, to the parameter the event opens, never rebound there
        (``self.path = path`` then ``open(path)`` in ``__init__``): the same file as those
        attributes name."""
        key, scope = event.path, event.scope
        self_name = scope.self_name
        if not self_name or key.kind != "name" or "." in key.head \
                or key.head not in self._kept_parameters(scope.node):
            return []
        stores = self._stores.get(id(scope.node))
        if stores is None:
            stores = self._stores[id(scope.node)] = {}
            # an attribute the method sets more than once may name another file by the open
            counts = Counter(dotted_name(target) for target, _ in bindings_of(scope.node, self.facts.may_walrus))
            for stmt in own_statements(scope.node):
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target, value = stmt.targets[0], stmt.value
                elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    target, value = stmt.target, stmt.value  # ``self.path: Path = Path(path)``
                else:
                    continue
                # ``Path(path)``, ``str(path)``: the same file, another type
                if type(value) is ast.Call and len(value.args) == 1 and not value.keywords \
                        and self.facts.resolve(value.func) in TRANSPARENT:
                    value = value.args[0]
                if type(value) is ast.Name and isinstance(target, ast.Attribute) and type(target.value) is ast.Name \
                        and target.value.id == self_name and counts[self_name + "." + target.attr] == 1:
                    stores.setdefault(value.id, []).append(name_key("self." + target.attr))
        return stores.get(key.head, [])

    def __call__(self, event, key=None):
        key = event.path if key is None else key
        node = event.scope.node
        local = self._locals.get(id(node))
        if local is None:
            local = self._locals[id(node)] = _own_locals(node)
        roots = self._roots.get(key)
        if roots is None:
            roots = self._roots[key] = _roots_besides_parameters(key)
        if not _module_wide(roots, self.facts, local):
            # ``os.path.join(env["root"], "dns/custom.yaml")`` in two functions each given
            # ``env``: a named file inside what a parameter (never rebound) gives is one file
            # for one value of it, as through a helper (see above).
            # So is one inside a folder the instance or the module names, chosen by such a
            # parameter (``join(self.path, "tmp", f"{app_name}.json")``, ``join(repository,
            # IDENT_FILE)``): the entries of one store.
            kept = self._kept_parameters(node)
            given = roots & kept - {"self"}
            if roots - kept - {"self"}:  # a local handed on (read only when one may be)
                given |= roots & self._handed_on(node) - {"self"}
            anchored = roots - given
            if not given or not _module_wide(anchored, self.facts, local) or not (anchored or _names_a_file(key)):
                return ("scope", id(node))
        if "self" in roots:
            return ("class", id(event.scope.enclosing_class))
        return ("module", None)


def _names_a_file(key) -> bool:
    """Whether a constant part of ``key`` names a file or a folder below (``"state.json"``,
    ``"dns/custom.yaml"``): not a suffix (``".tmp"``), a separator or a bare word."""
    def named(leaf) -> bool:
        if leaf.kind != "const":
            return False
        text = leaf.head[leaf.head.index(leaf.head[-1]) + 1:-1]  # the constant without its quotes
        return len(text) > 2 and not text.startswith((".", "/")) and ("." in text or "/" in text) \
            and any(c.isalnum() for c in text)
    return key.any_leaf(named)


def _path_node(call):
    """The expression naming the file an open-like call opens."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("read_text", "read_bytes", "write_text", "write_bytes"):
        return func.value
    if isinstance(func, ast.Attribute) and func.attr == "open" and (
            not call.args or isinstance(call.args[0], ast.Constant)
            and set(str(call.args[0].value)) <= set("rwxabt+")):
        return func.value  # Path.open(mode)
    return call.args[0] if call.args else None


def creates_missing(event, opens) -> bool:
    """Whether a truncating open runs in an ``except`` handler of a ``try`` whose body opens the
    same path (spelled alike, or with the same key: an open through a helper of the module
    spells no path at its call): the file is created because it was not there, not rewritten.
    ``opens``: the module's opens by key. Only looked at for the few opens that would be
    reported."""
    path = _path_node(event.node) if not event.helper else None
    same_key = [other.node for other in opens.get(event.path, ()) if other.scope is event.scope]
    if path is None and len(same_key) < 2:
        return False
    line = event.node.lineno

    def opens_it(body) -> bool:
        start, end = body[0].lineno, body[-1].end_lineno or body[-1].lineno
        if any(call is not event.node and start <= call.lineno <= end for call in same_key):
            return True
        if path is None:
            return False
        for stmt in body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call) and sub is not event.node:
                    other = _path_node(sub)
                    if other is not None and same(other, path):
                        return True
        return False

    for node in ast.walk(event.scope.node):
        if not isinstance(node, ast.Try):
            continue
        if not any(h.lineno <= line <= (h.end_lineno or h.lineno) for h in node.handlers):
            continue
        if opens_it(node.body):
            return True
    return _after_failed_open(event, opens_it)


#: what a failed open of a missing file raises, and its older names
_MISSING_FILE_ERRORS = frozenset({"FileNotFoundError", "IOError", "OSError", "EnvironmentError"})
_LEAVING = (ast.Return, ast.Raise)
#: the names of OSError itself
_BROAD_OS_ERRORS = frozenset({"IOError", "OSError", "EnvironmentError"})
#: kinds of OSError, which a handler of OSError catches anyway
_OS_ERROR_KINDS = frozenset({"PermissionError", "IsADirectoryError", "NotADirectoryError", "FileExistsError",
                             "BlockingIOError", "InterruptedError", "TimeoutError"})


def _after_failed_open(event, opens_it) -> bool:
    """Whether the open runs only after a ``try`` before it, in its function, failed to open
    the same file: the ``try``'s body opens it and leaves (``return``) when it succeeds, and
    only handlers of a missing file (``except FileNotFoundError: pass``) go on. An ``if``
    around that ``try`` counts when the open is under an ``if`` of the same test, one of
    plain names (``if self.use_cache:`` both times)."""
    chain = _block_chain(event.scope.node, event.stmt)
    for block, index in chain:
        owner = block[index]
        for earlier in block[:index]:
            if type(earlier) is ast.Try and _fails_through(earlier, opens_it):
                return True
            if type(earlier) is not ast.If or earlier.orelse or type(owner) is not ast.If:
                continue
            last = [stmt for stmt in earlier.body if type(stmt) is not ast.Pass][-1:]
            if last and type(last[0]) is ast.Try and _plain_test(earlier.test) and same(earlier.test, owner.test) \
                    and any(b is owner.body for b, _ in chain) and _fails_through(last[0], opens_it):
                return True
    return False


def _leaves(block, depth: int = 0) -> bool:
    """Whether a block never completes normally: one of its statements is a ``return`` or a
    ``raise``, or a ``with`` or an ``if``/``else`` whose blocks never do (followed down a
    bounded depth, so that an ``elif`` chain as long as the file costs no more). What
    follows such a statement is dead, and changes nothing."""
    if depth >= MAX_LEAVING_DEPTH:
        return False
    for stmt in block:
        kind = type(stmt)
        if kind in _LEAVING:
            return True
        if kind in (ast.With, ast.AsyncWith) and _leaves(stmt.body, depth + 1):
            return True
        if kind is ast.If and stmt.orelse and _leaves(stmt.body, depth + 1) and _leaves(stmt.orelse, depth + 1):
            return True
    return False


#: how deep :func:`_leaves` follows blocks (and an ``else``'s own, within that)
MAX_LEAVING_DEPTH = 8


def _fails_through(node: ast.Try, opens_it) -> bool:
    if not _leaves(node.body) or node.orelse and not _leaves(node.orelse):
        return False
    going_on = [h for h in node.handlers if not _leaves(h.body)]
    if not going_on:
        return False
    for handler in going_on:
        caught = handler.type.elts if type(handler.type) is ast.Tuple else [handler.type]
        names = {(dotted_name(c) or "").rsplit(".", 1)[-1] if c is not None else None for c in caught}
        # ``except (OSError, PermissionError):``: a kind of OSError beside it adds nothing
        allowed = _MISSING_FILE_ERRORS | (_OS_ERROR_KINDS if names & _BROAD_OS_ERRORS else frozenset())
        if any(name is None or name not in allowed for name in names):
            return False  # a parse error goes on too: the file was there
    return opens_it(node.body)


def _plain_test(test: ast.AST) -> bool:
    """A test that reads names, attributes, constant subscripts and compares them: no call."""
    return not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(test))


def _block_chain(scope: ast.AST, stmt: ast.AST):
    """``(block, index)`` of each block holding ``stmt`` or a statement around it, outermost
    first; empty when ``stmt`` is not in ``scope``'s own statements."""
    chain = []
    blocks = [getattr(scope, "body", [])]
    while blocks:
        block = blocks.pop()
        for index, child in enumerate(block):
            first = child if hasattr(child, "lineno") else child.pattern  # a ``case`` has no position
            start, end = first.lineno, getattr(child, "end_lineno", None) or child.body[-1].end_lineno or first.lineno
            if child is stmt or start <= stmt.lineno <= end and not isinstance(
                    child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                chain.append((block, index))
                if child is stmt:
                    return chain
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    inner = getattr(child, field, None)
                    if inner:
                        blocks.append(inner)
                break
    return []


def created_for_callers(event, opens, calls, tries) -> bool:
    """Whether a truncating open of a module-wide file, in a function of the module called
    only by its name, runs only for callers that tried to open the file and failed: every call
    is in an ``except`` handler of a ``try`` whose body opens the same file (``try: f =
    open(DB) except IOError: create_db(); f = open(DB)``). The file is created because it
    was not there, not rewritten."""
    func = event.scope.node
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    sites = calls.calls_of(func.name)
    if not sites or calls.uses[func.name] != len(sites):
        return False  # also used other than called, or never called here
    tried = [other for other in opens.get(event.path, ()) if other.mode in ("read", "update")]
    for call, caller in sites:
        if caller is None or caller is func:
            return False
        line = call.lineno
        found = tries.get(id(caller))
        if found is None:
            found = tries[id(caller)] = [node for node in ast.walk(caller) if isinstance(node, ast.Try)]
        if not any(any(handler.lineno <= line <= (handler.end_lineno or handler.lineno) for handler in node.handlers)
                   and any(other.scope.node is caller and node.body[0].lineno <= other.node.lineno
                           <= (node.body[-1].end_lineno or node.body[-1].lineno) for other in tried)
                   for node in found):
            return False
    return True


#: calls that lock an open file, taking it (or its descriptor) first (``fcntl.lockf``,
#: ``msvcrt.locking``), by their last name
FILE_LOCKS = frozenset({"flock", "lockf", "locking"})


def lock_only_names(scope) -> frozenset:
    """The names of file objects that ``scope`` only locks (``fcntl.lockf(f, LOCK_EX)``,
    ``flock(f.fileno(), ...)``), closes or hands back, never writes: lock files, opened with
    ``"w"`` to create them. One walk of the scope, whatever the number of opens in it."""
    locked, spoiled = set(), set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            lock = (dotted_name(node.func) or "").rpartition(".")[2] in FILE_LOCKS
            for arg in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "fileno":
                    arg = arg.func.value
                if isinstance(arg, ast.Name):
                    (locked if lock else spoiled).add(arg.id)  # else handed to what may write to it
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.attr not in ("close", "fileno", "closed", "name"):
            spoiled.add(node.value.id)
    return frozenset(locked - spoiled)


class PassedFiles:
    """The file every call in the module passes to a parameter that a function opens as it
    was passed (``_load_cache(CACHE_STORE)`` and ``_save_cache(CACHE_STORE, data)``): a
    constant or module global, the same at every call, at least one call. The module's calls
    are gathered in one pass, and only in a module that rewrites a file a parameter names.
    A function some call reaches other than by its name (``map(f, ...)``, a table) may be
    given other files there: not followed."""

    def __init__(self, module):
        self.module = module
        self._calls = None  # called name -> [(call, enclosing function or None)]
        self.uses = Counter()  # how often each name is spelt in the module, once calls_of has looked
        self._found = {}
        self._bindings = {}
        self._helper_sites = None

    def of_parameter(self, event) -> bool:
        """Whether ``event`` opens a parameter of its function, never rebound there."""
        node, ref = event.scope.node, event.path.ref
        if ref is None or "." in ref or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        args = node.args
        if ref not in [a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)]:
            return False
        bindings = self._bindings.get(id(node))
        if bindings is None:
            bindings = self._bindings[id(node)] = local_bindings(node, self.module.facts.may_walrus)
        return ref not in bindings

    def __call__(self, event):
        """The key of the file the parameter ``event`` opens is given at every call, or None."""
        if not self.of_parameter(event):
            return None
        memo = (id(event.scope.node), event.path.ref)
        if memo not in self._found:
            self._found[memo] = self._passed(event.scope, event.path.ref)
        return self._found[memo]

    def _passed(self, scope, ref):
        func = scope.node
        facts = self.module.facts
        params = [a.arg for a in list(getattr(func.args, "posonlyargs", [])) + list(func.args.args)]
        cls = scope.enclosing_class
        method = cls is not None and instance_name(facts, func, cls) is not None
        index = params.index(ref) - method if ref in params else None
        if index is not None and index < 0:
            return None  # the instance itself
        found = None
        calls = self.calls_of(func.name)
        if self.uses[func.name] != len(calls):
            return None  # also used other than called: ``map(f, paths)``, a table of handlers
        if self._helper_sites is None:
            self._helper_sites = {id(e.node) for e in self.module.events_of(FileOpen) if e.helper}
        for call, caller in calls:
            if id(call) in self._helper_sites:
                return None  # the open is seen at each call (a helper's open): reported there
            if not _calls_function(call, func, cls, method):
                return None  # another function of the name, or a use the calls do not say
            value = next((k.value for k in call.keywords if k.arg == ref), None)
            if value is None and index is not None and index < len(call.args) \
                    and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
                value = call.args[index]
            ref_passed = dotted_name(value) if value is not None else None
            root = ref_passed.split(".", 1)[0] if ref_passed else None
            if root is None or root not in facts.module_bindings or root == "self" \
                    or caller is not None and root in _own_locals(caller):
                return None
            if found is not None and found != ref_passed:
                return None
            found = ref_passed
        return name_key(found) if found is not None else None

    def calls_of(self, name):
        """``(call, enclosing function or None)`` of every call of ``name`` in the module,
        by its last name; the module is read once, and :attr:`uses` filled then."""
        if self._calls is None:
            self._calls = {}
            stack = [(self.module.tree, None)]
            while stack:
                node, function = stack.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.Name):
                        self.uses[child.id] += 1
                    elif isinstance(child, ast.Attribute):
                        self.uses[child.attr] += 1
                    elif isinstance(child, ast.Call):
                        func = child.func
                        called = func.id if isinstance(func, ast.Name) else func.attr \
                            if isinstance(func, ast.Attribute) else None
                        if called is not None:
                            self._calls.setdefault(called, []).append((child, function))
                    inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) \
                        else function
                    stack.append((child, inner))
        return self._calls.get(name, ())


def _calls_function(call, func, cls, method) -> bool:
    """Whether ``call`` (made of the function's name) calls ``func``: a module function by
    its name, a method of ``cls`` through the class's name or, for a method, on an
    instance's name; anything else might be another function."""
    called = call.func
    if cls is None:
        return isinstance(called, ast.Name)
    if not isinstance(called, ast.Attribute) or not isinstance(called.value, ast.Name):
        return False
    return called.value.id == cls.name or method and called.value.id in ("self", "cls")


def file_slots(event, place, passed=None) -> list:
    """Where an open's file is known by: its key where that key names one file, and, for an
    open of ``self.X`` in the method that gave the attribute its value (``self.db =
    expanduser(db)`` then ``open(self.db)`` in ``__init__``), the attribute, as the class's
    other methods know it, as for an open of the parameter the method stored in it
    (``self.path = path`` then ``open(path)``); for an open of a parameter as passed, the
    file every call in the module passes (:class:`PassedFiles`)."""
    slots = [(place(event), event.path)]
    spelt = event.path_node
    if type(spelt) is ast.Name and not event.scope.is_function and spelt.id != getattr(event.path, "head", None) \
            and place.facts.top_level_bindings().get(spelt.id) == 1 and spelt.id not in place.facts.maybe_global():
        # ``CONFIG.read(PATH_CONFIG)`` at the top level, where the walk knows the constant's
        # value: the functions of the module know the file by the constant's name
        constant = name_key(spelt.id)
        slots.append((place(event, constant), constant))
    if passed is not None and event.path.kind == "name":
        given = passed(event)
        if given is not None:
            slots.append((place(event, given), given))
    self_name = event.scope.self_name
    ref = dotted_name(event.path_node) if self_name and event.path_node is not None else None
    if ref is not None and ref.startswith(self_name + "."):
        attribute = name_key("self" + ref[len(self_name):])
        if attribute is not event.path:
            slots.append((place(event, attribute), attribute))
    for attribute in place.stored_in(event):
        slots.append((place(event, attribute), attribute))
    return slots


#: the calls that make a folder, as file events name them
FOLDER_MAKERS = MKDIR | {"Path.mkdir"}
#: blocks climbed from a write towards the mkdir that made its folder
_FOLDER_LEVELS = 64


class FoldersMade:
    """The module's exclusive mkdirs (``os.mkdir``, ``os.makedirs`` or ``Path.mkdir`` without
    ``exist_ok``, which fail on a folder that is there): past one, the folder is new, made by
    this run, and so is every file in it. Found from the file events at the first question."""

    def __init__(self, module):
        self._module = module
        self._made: Optional[Dict[int, List[Tuple[ast.stmt, object]]]] = None
        self._arms: Dict[int, Arms] = {}

    def hold(self, key, scope: ast.AST, stmt: Optional[ast.stmt]) -> bool:
        """Whether the file ``key`` names, written (or renamed onto) at ``stmt`` in ``scope``,
        is in a folder an exclusive mkdir of the same scope made before it on every way to
        it (``makedirs(build_dir)`` then ``open(join(build_dir, "checksum"), "w")``)."""
        if key is None or stmt is None:
            return False
        if self._made is None:
            self._made = {}
            for event in self._module.events_of(FileAct):
                if event.op in FOLDER_MAKERS and event.stmt is not None:
                    self._made.setdefault(id(event.scope.node), []).append((event.stmt, event.path))
        mkdirs = [made for made, folder in self._made.get(id(scope), ()) if names_entry_of(key, folder)]
        if not mkdirs:
            return False
        arms = self._arms.get(id(scope))
        if arms is None:
            arms = self._arms[id(scope)] = Arms(scope)
        made = [place for place in map(arms.place, mkdirs) if place is not None]
        node = stmt
        for _ in range(_FOLDER_LEVELS):
            here = arms.place(node)
            if here is None:
                return False
            if any(block is here[0] and index < here[1] for block, index in made):
                return True
            held = arms.holder(node)
            if held is None:
                return False
            node = held[0]
        return False


def names_entry_of(key, folder) -> bool:
    """Whether ``key`` names something inside ``folder``: a join onto it (joins are kept flat:
    ``join(join(root, name), "f")`` is ``join(root, name, "f")``, inside ``join(root, name)``),
    or the file whose folder it is (``dirname(key)``)."""
    if folder is None:
        return False
    if folder.kind == "call" and folder.head == "dirname" and folder.parts[0] is key:
        return True  # ``makedirs(dirname(CACHE))`` then ``open(CACHE, "w")``
    if key.kind != "call" or key.head != "join" or not key.parts:
        return False
    if folder.kind == "call" and folder.head == "join":
        count = len(folder.parts)
        return len(key.parts) > count and all(a is b for a, b in zip(key.parts, folder.parts))
    return key.parts[0] is folder


class WrittenFirst:
    """Whether a truncating write creates its file rather than rewriting it: made where the
    file was checked to be missing (or empty), or the only truncating write of it, made before
    every read of it in the same function (not in the other arm of an ``if``: ``if changed:
    write else: read`` rewrites what the other arm reads) and not in a loop. Each scope's loops
    and arms are indexed once."""

    def __init__(self):
        #: id of a scope -> the line ranges of its loops, and its arms
        self._scopes: Dict[int, tuple] = {}

    def __call__(self, write, writes, reads) -> bool:
        """``writes``: the truncating writes of the same file; ``reads``: its reads."""
        guard = write.guard
        if guard is not None and guard.found_no_file:
            return True
        scope = write.scope.node
        found = self._scopes.get(id(scope))
        if found is None:
            found = self._scopes[id(scope)] = (_loop_lines(scope), Arms(scope))
        if _made_when_missing_or_empty(write, found[1]):
            return True
        if len(writes) != 1:
            return False
        line = write.node.lineno
        if any(read.scope.node is not scope or read.node.lineno <= line for read in reads):
            return False
        starts, arms = found
        if any(arms.exclusive(write.stmt, read.stmt) for read in reads):
            return False
        index = bisect.bisect_right(starts[0], line) - 1
        return index < 0 or line > starts[1][index]


def _made_when_missing_or_empty(write, arms) -> bool:
    """Whether the write is in the body of an ``if`` (no statement between) that tests its
    path for no file or an empty one: ``if not p.exists() or p.stat().st_size == 0:``,
    ``if os.path.getsize(p) == 0:``. Either way it truncates nothing a reader could see."""
    held = arms.holder(write.stmt)
    if held is None or not isinstance(held[0], ast.If) or held[1] is not held[0].body:
        return False
    test, path = held[0].test, write.path_node
    if path is None:
        return False
    spelt = path
    tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) else [test]
    return any(_tests_empty(t, spelt) for t in tests) and all(
        _tests_empty(t, spelt) or _tests_missing(t, spelt) for t in tests)


def _tests_missing(test, spelt: ast.AST) -> bool:
    """``not p.exists()``, ``not os.path.exists(p)`` (``is_file``, ``isfile`` too) of the path spelt."""
    if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call)):
        return False
    call = test.operand
    if call.args:
        name = dotted_name(call.func) or ""
        subject = call.args[0] if len(call.args) == 1 and name.rsplit(".", 1)[-1] in ("exists", "isfile") else None
    else:
        subject = call.func.value if isinstance(call.func, ast.Attribute) and call.func.attr in ("exists", "is_file") \
            else None
    return same(subject, spelt)


def _tests_empty(test, spelt: ast.AST) -> bool:
    """``SIZE == 0``, ``SIZE < 1`` or ``not SIZE`` of the path spelt (see :data:`_SIZE_FUNCTIONS`)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _size_of(test.operand, spelt)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        bound = test.comparators[0].value
        return (isinstance(test.ops[0], ast.Eq) and bound == 0 or isinstance(test.ops[0], ast.Lt) and bound == 1) \
            and _size_of(test.left, spelt)
    return False


def _size_of(node, spelt: ast.AST) -> bool:
    """``os.path.getsize(p)``, ``os.stat(p).st_size`` or ``p.stat().st_size`` of the path spelt."""
    if isinstance(node, ast.Attribute) and node.attr == "st_size" and isinstance(node.value, ast.Call):
        call = node.value  # ``os.stat(p).st_size`` or ``p.stat().st_size``
        if not call.args and isinstance(call.func, ast.Attribute) and call.func.attr == "stat":
            return same(call.func.value, spelt)
        return len(call.args) == 1 and dotted_name(call.func) == "os.stat" and same(call.args[0], spelt)
    return isinstance(node, ast.Call) and len(node.args) == 1 and dotted_name(node.func) == "os.path.getsize" \
        and same(node.args[0], spelt)


def _loop_lines(scope):
    """The lines inside the loops of ``scope``, as disjoint ``(starts, ends)`` sorted for bisect."""
    spans = sorted((node.lineno, node.end_lineno or node.lineno) for node in ast.walk(scope)
                   if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node is not scope)
    starts, ends = [], []
    for start, end in spans:
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)  # nested in (or overlapping) the one before
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends
