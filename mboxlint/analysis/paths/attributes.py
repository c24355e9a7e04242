"""Paths kept on ``self``: an attribute that one method binds to a path built from another
attribute names that derivation in every method of the class.

``__init__`` doing ``self.path = path`` and ``self.tmp = path + ".tmp"`` makes ``self.tmp`` the
key ``concat(self.path,'.tmp')`` in the other methods of the class, so a rename of ``self.tmp``
onto ``self.path`` in ``close()`` is known to move a name built from its target. An attribute
held by a file opened from such a path (``self.f = open(self.tmp, "w")``) is that file in
every method, and the derived name it was opened for writing is a temp file there, as it is in
the method that wrote it (fsynced if some method fsyncs that attribute). An attribute every
binding of which builds a name from uuid, time, pid or a hash is a fresh name there. A method
binding an attribute itself follows it as any name; the others look the class's keys up
where they know nothing of the attribute (:meth:`AttributePaths._enter_class`).

Computed once per class, from the statements of its methods that bind attributes, and only
for a class one of whose methods stores, at its top level, a path built from another (a join,
``+``, ``%``, an f-string, a slice, ``with_suffix``-like calls, an ``open``): the look at the
other classes stops at their methods' first level. Precision first: an attribute counts only
when every binding of it in the class gives the same key, and a key counts only when it is
built from constants, module names and attributes the class binds exactly once (an attribute
bound twice may name another file by the time the other method runs). The methods of
subclasses and of the module's other code are not looked at."""

import ast
from typing import Dict, List, Optional, Set, Tuple

from ..imports import dotted_name, own_statements, parameter_names, sequential_statements
from ..modes import mode_kind
from ..pathkey import PathKey, call_key, name_key, substitute
from ..state import State
from ..summaries import walrus_bindings
from ..walk import Scope
from .expressions import DERIVING_METHODS, JOINS, PATH_METHODS, TRANSPARENT, is_fresh_key, open_mode
from .facts import Must
from .opens import OPEN_FUNCTIONS
from .renames import FSYNC, TempFact, derived_from, derived_name


class ClassPaths:
    """What a class's methods agree on about its ``self`` attributes."""

    __slots__ = ("paths", "files", "fresh", "temps", "bound_in", "bound_in_class")

    def __init__(self):
        #: attribute -> the key every binding of it gives, spelled with ``self``
        self.paths: Dict[str, PathKey] = {}
        #: attribute -> (key, mode, the open call) of the file every binding of it opens (the
        #: call of a helper of the module that opens it, with the mode that call gives)
        self.files: Dict[str, Tuple[PathKey, str, ast.Call]] = {}
        #: attributes every binding of which builds a name from uuid, time, pid or a hash
        self.fresh: Set[str] = set()
        #: key -> the temp file written through an attribute opened on that derived name
        self.temps: Dict[PathKey, TempFact] = {}
        #: id of a method -> the attributes it binds (there the walk follows them itself)
        self.bound_in: Dict[int, Set[str]] = {}
        #: the attributes some method of the class binds
        self.bound_in_class: Set[str] = set()


_NOTHING = ClassPaths()


def _attribute(target: ast.AST, self_name: str) -> Optional[str]:
    """``x`` for a target ``self.x``."""
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name:
        return target.attr
    return None


def _statement_bindings(method: ast.AST) -> List[Tuple[ast.AST, Optional[ast.AST]]]:
    """``(target, value)`` of each name and ``x.attribute`` (``x`` a name: any method may
    rebind an attribute, through whatever it calls its instance) a statement of ``method``
    binds, in source order; value None when it is not one expression (a loop variable, a
    ``with ... as`` target, unpacking). Statements only: a walrus binds names, never
    attributes (see :func:`~..summaries.walrus_bindings`)."""
    found: List[Tuple[ast.AST, Optional[ast.AST]]] = []
    for node in own_statements(method):
        kind = type(node)
        if kind is ast.Assign:
            for target in node.targets:
                if type(target) is ast.Name or type(target) is ast.Attribute and type(target.value) is ast.Name:
                    found.append((target, node.value))
                elif type(target) in _UNPACKING:
                    found.extend((element, None) for element in ast.walk(target)
                                 if type(element) is ast.Name or type(element) is ast.Attribute)
            continue
        if kind is ast.AugAssign or kind is ast.AnnAssign:
            target = node.target
            if type(target) is ast.Name or type(target) is ast.Attribute and type(target.value) is ast.Name:
                found.append((target, node.value if kind is ast.AnnAssign else None))
            continue
        if kind in _LOOPS:
            targets = (node.target,)
        elif kind in _WITHS:
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
        else:
            continue
        for target in targets:
            if type(target) is ast.Name or type(target) is ast.Attribute:
                found.append((target, None))
            else:
                found.extend((element, None) for element in ast.walk(target)
                             if type(element) is ast.Name or type(element) is ast.Attribute)
    found.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    return found


#: operands looked at for a string in an operator chain (``p + "." + ext + ...``)
_TEXT_OPERANDS = 8


def _spells_text(node: ast.BinOp) -> bool:
    """Whether a ``+`` or ``%`` chain has a string or an f-string among its first operands."""
    pending = [node]
    for _ in range(_TEXT_OPERANDS):
        if not pending:
            return False
        node = pending.pop()
        kind = type(node)
        if kind is ast.JoinedStr or kind is ast.Constant and isinstance(node.value, (str, bytes)):
            return True
        if kind is ast.BinOp and type(node.op) in (ast.Add, ast.Mod):
            pending += [node.right, node.left]
    return False


def _methods(cls: ast.ClassDef) -> List[ast.AST]:
    """The functions of a class body, those under an ``if`` or a ``try`` of it included, in
    source order."""
    return sorted((node for node in own_statements(cls) if type(node) in _FUNCTIONS), key=lambda node: node.lineno)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


_LOOPS = (ast.For, ast.AsyncFor)
_WITHS = (ast.With, ast.AsyncWith)
_UNPACKING = (ast.Tuple, ast.List, ast.Starred)


#: rounds of resolving attributes through the keys of others (``self.b`` built from ``self.a``
#: built from ``self.d``): a longer chain, or a cycle, leaves the attributes out
RESOLVE_ROUNDS = 4


def _resolve_attributes(found: ClassPaths) -> None:
    """Spell every key with the keys of the attributes it is built from, as a function's walk
    spells ``pending = target + ".x"`` after ``target = join(d, "t")``: the keys stay equal to
    those of the same paths spelled out in one method."""
    paths = found.paths
    for _ in range(RESOLVE_ROUNDS):
        leaves = {name_key("self." + attr): key for attr, key in paths.items()}
        resolved = {attr: substitute(key, leaves) for attr, key in paths.items()}
        if all(resolved[attr] is paths[attr] for attr in paths):
            break
        paths = resolved
    else:
        leaves = {name_key("self." + attr) for attr in paths}
        paths = {attr: key for attr, key in paths.items() if not any(leaf in leaves for leaf in key.leaves())}
    found.paths = paths
    leaves = {name_key("self." + attr): key for attr, key in paths.items()}
    for attr, (key, mode, call) in list(found.files.items()):
        found.files[attr] = (substitute(key, leaves), mode, call)


def _settle(found: ClassPaths, once: Set[str], methods) -> None:
    """Keep the keys built only from attributes bound once in the class (the others were
    spelled through their own keys by :func:`_resolve_attributes`) and from its methods
    (``call(self.state_file)``: the same helper of the class)."""
    def settled(key: PathKey) -> bool:
        for leaf in key.leaves():
            if leaf.kind == "name" and leaf.head.startswith("self."):
                attr = leaf.head[5:]
                if attr not in once and (attr not in methods or attr in found.bound_in_class):
                    return False
        return True
    found.paths = {attr: key for attr, key in found.paths.items() if settled(key)}
    found.files = {attr: value for attr, value in found.files.items() if settled(value[0])}


class AttributePaths:
    """Keys of ``self`` attributes across a class's methods (a part of :class:`PathAnalysis`)."""

    def _class_paths(self, cls: ast.ClassDef) -> ClassPaths:
        found = self._class_paths_cache.get(id(cls))
        if found is None:
            self._class_paths_cache[id(cls)] = _NOTHING  # while computing
            found = self._compute_class_paths(cls) if self._stores_derived_path(cls) else _NOTHING
            self._class_paths_cache[id(cls)] = found
        return found

    def _stores_derived_path(self, cls: ast.ClassDef) -> bool:
        """Whether a method of the class stores on an attribute, at its top level, a path
        built from another (``self.tmp = path + ".tmp"``, ``self.f = open(...)``): only then is
        the rest of the class worth reading. The top level alone, so that the classes of
        the rest of the module (most of them) cost a look at their methods' first level."""
        for method in _methods(cls):
            for stmt in sequential_statements(method.body):
                if type(stmt) is ast.Assign and type(stmt.targets[0]) is ast.Attribute \
                        and self._derivation(stmt.value, method, cls):
                    return True
        return False

    def _derivation(self, value: ast.AST, method: ast.AST, cls: ast.ClassDef) -> bool:
        kind = type(value)
        if kind is ast.JoinedStr:
            return True
        if kind is ast.BinOp:
            # ``p / "x"``, or a string built with ``+`` or ``%``: not ``count + 1``
            return type(value.op) is ast.Div or _spells_text(value)
        if kind is ast.Call:
            name = self.facts.resolve(value.func)
            if name is not None:
                return name in _DERIVING_CALLS or name == "tempfile.mktemp"
            func = value.func
            if type(func) is ast.Attribute and func.attr in DERIVING_METHODS:
                return True
            self_name = Scope(method, cls).self_name
            return self._opens_by_helper(value, cls, self_name) or self._makes_temp_name(value, cls, self_name)
        return False

    def _opens_by_helper(self, call: ast.Call, cls: Optional[ast.ClassDef], self_name: Optional[str]) -> bool:
        """Whether ``call`` calls a helper of the module that opens a file and returns it."""
        summaries = self.facts.summaries
        return summaries is not None and summaries.returned_call(call, cls, self_name, self._opens_by_path) is not None

    def _compute_class_paths(self, cls: ast.ClassDef) -> ClassPaths:
        result = ClassPaths()
        counts: Dict[str, int] = {}
        evaluated = []
        temp_names: Dict[str, ast.Call] = {}  # attribute -> the call that made it a new temp's name
        for stmt in _methods(cls):
            # Only statements bind attributes: a first look at those alone says which methods
            # store something that may be a path.
            self_name = Scope(stmt, cls).self_name
            bound: Set[str] = set()
            bindings = []
            interesting = rebinds_self = False
            for target, value in _statement_bindings(stmt):
                bindings.append((target, value))
                if type(target) is ast.Attribute and type(target.value) is ast.Name:
                    counts[target.attr] = counts.get(target.attr, 0) + 1
                    bound.add(target.attr)
                    interesting = interesting or self._may_be_path(value)
                    if type(value) is ast.Call and target.value.id == self_name \
                            and self._makes_temp_name(value, cls, self_name):
                        temp_names[target.attr] = value
                elif type(target) is ast.Name and target.id == self_name:
                    rebinds_self = True
            if not rebinds_self:  # else ``self`` is another object after a while: nothing known
                result.bound_in[id(stmt)] = bound
            if interesting and self_name is not None and not rebinds_self:
                evaluated.append((stmt, self_name, bindings))
        once = {attr for attr, count in counts.items() if count == 1}
        made = [(attr, call) for attr, call in temp_names.items() if attr in once]
        if made:
            result.bound_in_class = set(counts)
            synced = _fsyncs(cls, self.facts.resolve)
            for attr, call in made:
                # The helper (or ``mktemp``) chose the folder: nothing is known of it here.
                result.temps[name_key("self." + attr)] = TempFact((
                    "tempfile", call.lineno, None, False, synced, (call.lineno, call.col_offset), frozenset(), "helper"))
        if not evaluated:
            return result if made else _NOTHING
        result.bound_in_class = set(counts)
        seen: Dict[str, List[Optional[Tuple[PathKey, Optional[ast.Call], bool]]]] = {}
        saved = self._self_name, self._scope
        try:
            for method, self_name, bindings in evaluated:
                self._self_name, self._scope = self_name, Scope(method, cls)
                if self.facts.may_walrus:
                    bindings = bindings + walrus_bindings(method)  # names a ``:=`` binds too
                self._method_attribute_keys(method, self_name, bindings, once, seen)
        finally:
            self._self_name, self._scope = saved
        for attr, values in seen.items():
            if counts.get(attr) != len(values) or any(value is None for value in values):
                continue  # bound somewhere in a way not understood
            if all(value[1] is None and value[0].any_leaf(is_fresh_key) for value in values):
                result.fresh.add(attr)  # a name unique to the call on every binding
            if not all(value[2] for value in values):
                continue
            keys = {value[0] for value in values}
            if len(keys) != 1:
                continue
            key = keys.pop()
            opens = [value[1] for value in values]
            if all(opened is None for opened in opens):
                if key is not name_key("self." + attr):
                    result.paths[attr] = key
            elif all(opened is not None for opened in opens):
                if len({mode_kind(mode) for _, mode in opens}) == 1:
                    result.files[attr] = (key, opens[0][1], opens[0][0])
        _resolve_attributes(result)
        summaries = self.facts.summaries
        _settle(result, once, summaries.methods(cls) if summaries is not None else {})
        fsynced = None
        for attr, (key, mode, call) in result.files.items():
            if mode_kind(mode) in ("truncate", "append", "exclusive") and derived_name(key):
                if fsynced is None:
                    fsynced = self._fsynced_attributes(cls)
                synced = attr in fsynced
                result.temps[key] = TempFact(("derived", call.lineno, None, True, synced, None, frozenset(), "given"))
        return result

    def _makes_temp_name(self, call: ast.Call, cls: ast.ClassDef, self_name: str) -> bool:
        """Whether ``call`` gives the name of a new temp file: ``tempfile.mktemp(...)``, or a
        helper of the module that returns one."""
        if self.facts.resolve(call.func) == "tempfile.mktemp":
            return True
        summaries = self.facts.summaries
        return summaries is not None and summaries.makes_temp_name(call, cls, self_name)

    def _may_be_path(self, value: Optional[ast.AST]) -> bool:
        """Whether a value stored on ``self`` may have a key the other methods can read."""
        if isinstance(value, (ast.BinOp, ast.JoinedStr, ast.Subscript)):
            return True
        if isinstance(value, ast.Constant):
            return isinstance(value.value, (str, bytes))
        if isinstance(value, (ast.Name, ast.Attribute)):
            ref = dotted_name(value)
            return ref is not None and ref.partition(".")[0] in self.facts.module_bindings
        if isinstance(value, ast.Call):
            name = self.facts.resolve(value.func)
            if name is not None:
                return name in _PATH_CALLS
            func = value.func
            if isinstance(func, ast.Attribute):
                return func.attr in PATH_METHODS or isinstance(func.value, ast.Name)
            return self._opens_by_helper(value, None, None)
        return False

    def _method_attribute_keys(self, method, self_name: str, bindings, once: Set[str], seen) -> None:
        """Note the key of each binding of a ``self`` attribute in ``method``. Its top-level
        statements are followed in order, so a local or a parameter stored on ``self`` reads as
        that attribute until it is rebound."""
        body = sequential_statements(method.body)
        # The top-level statement each binding is in, by the identity of its target (lines
        # would not do: ``a = 1; b = 2`` shares one).
        holder: Dict[int, int] = {}
        for index, stmt in enumerate(body):
            for node in ast.walk(stmt):
                if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred, ast.Tuple, ast.List)):
                    holder[id(node)] = index
        by_statement: Dict[int, list] = {}
        local_names = set(parameter_names(method))
        for target, value in bindings:
            index = holder.get(id(target))
            if index is None:
                continue
            by_statement.setdefault(index, []).append((target, value))
            if isinstance(target, ast.Name):
                local_names.add(target.id)
        state = State()
        # attributes bound once here to a key of this method's own names: ``(attr, key)``
        siblings: List[Tuple[str, PathKey]] = []
        for index, stmt in enumerate(body):
            pairs = by_statement.get(index)
            if not pairs:
                continue
            simple = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], (ast.Name, ast.Attribute))
            if not simple:
                # A name rebound somewhere in a compound statement is unknown from there on.
                for target, _ in pairs:
                    ref = dotted_name(target)
                    if ref is not None:
                        state.forget_ref(ref)
            for target, value in pairs:
                attr = _attribute(target, self_name)
                if attr is None:
                    if simple and isinstance(target, ast.Name):
                        self._bind_local(target.id, value, state)
                    continue
                entry = self._attribute_value(value, state, local_names)
                if entry is not None and simple and attr in once and not entry[2] and entry[1] is None:
                    sibling = _sibling_key(entry[0], siblings)
                    if sibling is not None:
                        entry = (sibling, None, True)
                    elif entry[0].kind == "call" and entry[0].head == "join" and len(siblings) < MAX_SIBLINGS:
                        siblings.append((attr, entry[0]))  # only a join can have a sibling
                seen.setdefault(attr, []).append(entry)
                if simple and attr in once:
                    # ``self.path = path`` (or ``Path(path)``): from here, ``path`` is that attribute.
                    key = self.key(value, state)
                    if key is not None and key.kind == "name" and key.head in local_names:
                        state.set("path", key.head, Must(name_key("self." + attr)))

    def _bind_local(self, ref: str, value: ast.AST, state: State) -> None:
        state.forget_ref(ref)
        if not isinstance(value, (ast.Name, ast.Attribute)) and not self._may_be_path(value):
            return
        key = self.key(value, state)
        if key is not None and key is not name_key(ref):
            state.set("path", ref, Must(key))

    def _attribute_value(self, value: Optional[ast.AST], state: State, local_names: Set[str]):
        """``(key, (open call, mode) or None, whether the other methods can read the key)`` of
        a value stored on ``self``, None when it has no key."""
        if value is None:
            return None
        opened = None
        if isinstance(value, ast.Call) and self.facts.resolve(value.func) in OPEN_FUNCTIONS:
            if not value.args or value.keywords and any(k.arg is None for k in value.keywords):
                return None
            opened, value = (value, open_mode(value)), value.args[0]
        elif isinstance(value, ast.Call):
            by_helper = self._helper_open(value, state)
            if by_helper is not None:
                key = by_helper[0]
                return key, (value, by_helper[1]), self._portable(key, local_names)
        key = self.key(value, state)
        if key is None:
            return None
        return key, opened, self._portable(key, local_names)

    def _portable(self, key: PathKey, local_names: Set[str]) -> bool:
        """Whether ``key`` may mean the same in every method: built from constants, names of
        the module and attributes of the instance (which of those count is settled once the
        class is read: :func:`_settle`)."""
        for leaf in key.leaves():
            if leaf.kind != "name":
                continue
            root, _, rest = leaf.head.partition(".")
            if root == "self":
                if "." in rest:
                    return False  # ``self.opts.path``: whatever else holds ``self.opts`` may change it
            elif root in local_names or root not in self.facts.module_bindings:
                return False
        return True

    def _fresh_attribute(self, ref: str) -> bool:
        """Whether ``ref`` (a key's ``self.x``) is an attribute of the class of the method being
        walked that every binding makes a fresh name, and this method does not bind."""
        if self._class_view is None or not ref.startswith("self."):
            return False
        found, own, _ = self._class_view
        attr = ref[5:]
        return attr in found.fresh and attr not in own

    def _enter_class(self, scope: Scope) -> None:
        """At a method's start: what its class keeps on ``self``, read from there on where the
        walk knows nothing of an attribute (this method's own bindings and facts come first).
        Looked up, not copied into the state: a class with many attributes and methods would
        cost their product."""
        self._class_view = None
        cls, self_name = scope.enclosing_class, scope.self_name
        if cls is None or not self_name:
            return
        found = self._class_paths(cls)
        if not found.paths and not found.temps and not found.fresh:
            return
        own = found.bound_in.get(id(scope.node))
        if own is None:
            return  # the method rebinds its instance name
        self._class_view = (found, own, self_name + ".")
        if found.temps:
            self._any_temp = True

    def _class_attribute(self, ref: str):
        """``(found, attribute)`` when ``ref`` is an attribute of the instance that this method
        does not bind, else None."""
        found, own, prefix = self._class_view
        if not ref.startswith(prefix):
            return None
        attr = ref[len(prefix):]
        return None if attr in own else (found, attr)

    def _attribute_key(self, ref: str) -> Optional[PathKey]:
        """The key the class gives ``ref`` (``self.tmp``), if any."""
        if self._class_view is None:
            return None
        found = self._class_attribute(ref)
        return found[0].paths.get(found[1]) if found is not None else None

    def _attribute_file(self, ref: str):
        """A ``file`` fact for ``ref`` (``self.out``) holding a file the class opened, if any."""
        if self._class_view is None:
            return None
        found = self._class_attribute(ref)
        opened = found[0].files.get(found[1]) if found is not None else None
        return Must((opened[0], opened[1])) if opened is not None else None

    def _class_temp(self, key: Optional[PathKey]):
        """The temp file the class writes through an attribute under ``key``, if any."""
        if self._class_view is None or key is None:
            return None
        return self._class_view[0].temps.get(key)

    def _fsynced_attributes(self, cls: ast.ClassDef) -> Set[str]:
        """The attributes some method of ``cls`` fsyncs (on some path)."""
        summaries = self.facts.summaries
        fsynced: Set[str] = set()
        if summaries is None:
            return fsynced
        for method in _methods(cls):
            self_name = Scope(method, cls).self_name
            if self_name is not None:
                fsynced.update(target[1] for target, op in summaries.summary(method, cls).enter
                               if op == "fsync" and target[0] == self_name)
        return fsynced


#: calls whose value stored on ``self`` may be a path or a file of one
_PATH_CALLS = JOINS | TRANSPARENT | OPEN_FUNCTIONS | {"os.path.dirname", "os.path.basename"}
#: calls that build a path from another, or open one
_DERIVING_CALLS = JOINS | OPEN_FUNCTIONS | {"os.path.dirname", "os.path.basename"}


def _sibling_key(key: PathKey, siblings: List[Tuple[str, PathKey]]) -> Optional[PathKey]:
    """``key`` spelled through an attribute bound before it in the same method, when it names
    a file beside that attribute's, built from its name: after ``self.path = join(d, name)``,
    ``self.backup = join(d, name + ".bak")`` is ``join(dirname(self.path), basename(self.path)
    + ".bak")``. Spelled so, it means the same in every method, although ``d`` and ``name``
    are the first method's own."""
    if key.kind != "call" or key.head != "join":
        return None
    for attr, other in siblings:
        if other.kind != "call" or other.head != "join" or not other.parts[-1].is_leaf \
                or key.contains(other) or not derived_from(key, other):
            continue  # only a sibling: a name built from the whole path is spelled through it already
        mine = name_key("self." + attr)
        last = substitute(key.parts[-1], {other.parts[-1]: call_key("basename", [mine])})
        if last is not key.parts[-1]:
            return call_key("join", [call_key("dirname", [mine]), last])
    return None


def _fsyncs(cls: ast.ClassDef, resolve) -> bool:
    """Whether some method of ``cls`` calls ``os.fsync`` or ``os.fdatasync`` on anything: a
    temp kept on ``self`` may be synced through whatever file attribute it was opened as."""
    return any(type(node) is ast.Call and resolve(node.func) in FSYNC for node in ast.walk(cls))


#: attributes bound to a join of a method's own names kept to look for siblings among (see
#: :func:`_sibling_key`): a method binding more costs no more per binding
MAX_SIBLINGS = 16
