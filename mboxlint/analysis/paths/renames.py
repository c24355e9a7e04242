"""Renames and temp files: where a temp file was made, whether it was synced, what was rebound
since, and whether a rename's names are fresh, derived from each other or renamed twice."""

import ast
import itertools
from typing import Dict, FrozenSet, List, Optional, Set

from ..arms import Arms
from ..events import FileMovedAway, FileRename
from ..imports import dotted_name, own_statements
from ..pathkey import PathKey, const_text, opaque_key
from ..state import State
from ..summaries import bindings_of, local_names, names_no_file, object_method
from ..walk import Scope, Walker, _bound_refs
from .expressions import (
    DERIVING_METHODS, JOINS, TRANSPARENT, TRANSPARENT_METHODS, const_string, is_fresh_key,
    fresh_key_source, is_fresh_source, is_none, is_unique_source, keyword_value,
)
from .facts import Must


RENAME = {"os.rename": "os.rename", "os.replace": "os.replace", "shutil.move": "shutil.move", "os.renames": "os.renames"}
FSYNC = frozenset({"os.fsync", "os.fdatasync"})
#: temp names per scope, and names rebound after one, that :meth:`RenamesAndTemps._note_rebinding`
#: follows: every binding asks every temp followed, so more would make a long function of
#: many temps quadratic. Past them a temp's rebindings are unknown, and its target is taken as
#: not spelled where it was made (MBX304 then offers no fix).
FOLLOWED_TEMPS = 8
FOLLOWED_REBINDINGS = 32
#: names followed back from a rename's target to the value that made it fresh
FRESH_DEPTH = 16
#: what an exhausted iterator gives :meth:`RenamesAndTemps._fresh_name`
_NO_VALUE = object()


TEMP_NAMES = frozenset({"tempfile.mkstemp", "tempfile.mktemp"})
#: where ``dir`` goes when passed by position
TEMP_DIR_POSITION = {"tempfile.mkstemp": 2, "tempfile.mktemp": 2, "tempfile.NamedTemporaryFile": 6}
TEMP_FILES = frozenset({"tempfile.NamedTemporaryFile"})
#: the key of ``tempfile.gettempdir()``, the default directory of temp files
GETTEMPDIR = "tempfile.gettempdir()"


class TempFact(Must):
    """``value`` is ``(origin, line, dir_key, has_dir, synced, site, rebound, dir_arg)`` of a
    temp file.

    ``origin``: ``tempfile`` or ``derived`` (a name built from another path, written here).
    ``site``: ``(line, col)`` of the creating call (None after a join of two creations);
    ``rebound``: the refs (re)bound since the creation, its own targets included, so a
    rename can tell whether its target could have been spelled where the temp was made
    (None: not followed, see :data:`FOLLOWED_TEMPS`);
    ``dir_arg``: how the creation gives ``dir``: ``absent``, ``none`` (``dir=None``),
    ``given``, ``unknown`` (``**kwargs``), or ``helper`` (made by a helper of the module, which
    chooses the folder).
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
        merged[6] = None if self.value[6] is None or other.value[6] is None else self.value[6] | other.value[6]
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
        rebound = self.value[6] | frozenset(refs)
        if len(rebound) > FOLLOWED_REBINDINGS:
            rebound = None
        return TempFact(self.value[:6] + (rebound,) + self.value[7:])


class RenamesAndTemps:
    """Temp-file facts and :class:`~mboxlint.analysis.events.FileRename` events (a part of
    :class:`PathAnalysis`)."""

    def _new_temp(self, ref: str, call: ast.Call, state: State, bound=(), unknown_dir: bool = False) -> None:
        directory = keyword_value(call, "dir")
        dir_arg = "given" if directory is not None else "absent"
        position = TEMP_DIR_POSITION.get(self.facts.resolve(call.func) or "")
        if directory is None and position is not None and len(call.args) > position \
                and not any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
            directory = call.args[position]  # ``mkstemp(".tmp", "x", d)``
            dir_arg = "given"
        if unknown_dir:
            dir_arg = "helper"
        elif any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
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
        followed = key in self._followed_temps or len(self._followed_temps) < FOLLOWED_TEMPS
        if followed:
            self._followed_temps[key] = True
        state.set("temp", key, TempFact(("tempfile", call.lineno, dir_key, has_dir, False, site,
                                         frozenset(bound) if followed else None, dir_arg)))
        self._temps_made = True
        self._any_temp = True

    def _note_rebinding(self, target: ast.AST, state: State) -> None:
        """Every temp file made so far learns which names were bound after it."""
        refs = _bound_refs(target)
        if not refs:
            return
        for key in self._followed_temps:
            fact = state.get("temp", key)
            if fact is not None and fact.origin == "tempfile" and fact.rebound is not None \
                    and not set(refs) <= fact.rebound:
                state.set("temp", key, fact.rebinding(refs))

    def _maybe_derived_temp(self, key: str, node: ast.AST, state: State, nothing_to_sync: bool = False) -> None:
        """A name built from another path and written here is a temp file of that path.
        ``nothing_to_sync``: made as a link, which holds no data of its own."""
        if state.get("temp", key) is None and derived_name(key):
            state.set("temp", key, TempFact(("derived", node.lineno, None, True, nothing_to_sync, None, frozenset(),
                                             "given")))
            self._any_temp = True

    def _known_file(self, node: ast.AST, state: State) -> bool:
        key = self.key(node, state)
        return key is not None and self._temp(key, state) is not None

    def _temp(self, key: Optional[PathKey], state: State) -> Optional[TempFact]:
        """The temp file under ``key``: made here, or written through an attribute of the class."""
        fact = state.get("temp", key) if key is not None else None
        return fact if fact is not None else self._class_temp(key)

    def _rename(self, walker: Walker, node: ast.Call, op: str, src: ast.AST, dst: ast.AST, state: State,
                helper: bool = False) -> None:
        src_key, dst_key = self.key(src, state), self.key(dst, state)
        if src_key is None:
            return
        dst_temp = self._temp(dst_key, state) if dst_key is not None else None
        if dst_key is not None and dst_temp is None:
            src_temp = self._temp(src_key, state)
            if src_temp is not None and src_temp.origin == "tempfile" and derived_from(dst_key, src_key):
                dst_temp = src_temp  # ``tmp.name + ".jpg"``: a name built from the temp's own is as new
        if dst_key is None or self.private(dst_key) or dst_temp is not None and dst_temp.origin == "tempfile":
            # (onto a temp file ``tempfile`` made here: a name of this run alone, as private)
            # A target in a private directory (or one not followed, ``files.sample_path(x)``):
            # nobody else reads it, or nothing is known of it; but a shared source checked
            # before the move may be gone by then.
            # The move is still news to a later rename onto ``src`` (it re-creates the
            # target), so it is told even with no check in force.
            guard = state.get("guard", src_key)
            if not self.private(src_key):
                walker.emit(FileMovedAway, node, key=None, op=op, src=src_key, src_node=src, guard=guard,
                            iplock=self._iplocked(state), caught=self._caught(walker, guard))
                state.discard("guard", src_key)
            if dst_temp is not None and dst_temp.origin == "tempfile":
                state.discard("temp", dst_key)  # it now holds the moved file, not data written here
            return
        sites = self._rename_sites.get((src_key, dst_key))
        if sites is None:
            sites = self._rename_sites[(src_key, dst_key)] = []
            self._note_by_name(src_key, (src_key, dst_key))
            self._note_by_name(dst_key, (src_key, dst_key))
        statement = walker.current_statement()
        self._site_statements.setdefault(id(node), statement)
        # A rename in the other arm of an ``if`` (``os.name == "nt"``) is an alternative, not a retry.
        earlier = [site for site in sites if site is not node
                   and not self._exclusive(self._site_statements.get(id(site)), statement)]
        removed = state.get("removed", dst_key)
        blocks = walker.enclosing_blocks() if removed is not None else None
        event = walker.emit(
            FileRename, node, key=None, op=op, src=src_key, dst=dst_key, src_node=src, dst_node=dst,
            temp=self._temp(src_key, state), derived=derived_from(src_key, dst_key),
            removed=removed.value if removed is not None else None,
            retry_of=earlier[0].lineno if earlier else None,
            guard=state.get("guard", src_key), dst_guard=state.get("guard", dst_key), iplock=self._iplocked(state),
            dst_const=_constant_path(dst),
            dst_at_temp=self._spelled_at_creation(dst, self._temp(src_key, state)),
            dst_locked=None, src_locked=None, blocks=blocks,
            caught=self._caught(walker, state.get("guard", src_key)), fresh_dst=self._fresh(dst_key), helper=helper,
        )
        if event is not None:
            self._renames.append(event)
            if len(sites) < 2 and node not in sites:
                sites.append(node)
        for key in (src_key, dst_key):
            state.discard("guard", key)
        state.discard("removed", dst_key)

    def _exclusive(self, first: Optional[ast.stmt], second: Optional[ast.stmt]) -> bool:
        """Whether two statements of this scope are in different arms of one ``if`` or
        ``match``. Asked only when one pair of names is renamed twice; the arms are found
        once per scope."""
        if self._arms is None:
            self._arms = Arms(self._scope.node)
        return self._arms.exclusive(first, second)

    def _spelled_at_creation(self, node: ast.AST, temp: Optional[TempFact]) -> bool:
        """Whether ``node`` means the same where ``temp`` was created: it only reads names
        (and attributes, constants, path joins and conversions) that nothing rebound since."""
        if temp is None or temp.origin != "tempfile" or temp.site is None or temp.rebound is None:
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
                elif object_method(node, name) in TRANSPARENT_METHODS | DERIVING_METHODS | {"joinpath"}:
                    pending.append(func.value)
                else:
                    return False
                if any(isinstance(a, ast.Starred) for a in node.args):
                    return False
                pending += reversed(node.args)
            else:
                return False
        return True

    def _fresh(self, key: PathKey, unique: bool = False) -> bool:
        """Whether a key is built from a name that every binding in this scope makes from a
        value unique to the call (uuid, time, pid, a hash). Looked up only at renames.
        ``unique``: only from values no other program can know or guess (a random uuid or
        token, the name of a temp file made here): such a file is as private as one in a
        private directory."""
        if self._bindings is None:
            self._bindings = self._scope_bindings(self._scope.node)
            self._inherit_bindings()
        # a name no other program knows is fresh too: one built from a temp file's own name
        sources = is_unique_source if unique else _fresh_or_unique
        seen: Set[str] = set()
        return key.any_leaf(
            lambda leaf: is_fresh_key(leaf) and (not unique or sources(fresh_key_source(leaf)))
            or leaf.kind == "name" and self._fresh_name(leaf.head, seen, 0, sources))

    def _scope_bindings(self, func: ast.AST) -> Dict[str, List[Optional[ast.AST]]]:
        """Each name ``func`` binds -> the values it binds it to (None: not known; the name
        unpacked from ``tempfile.mkstemp()`` gets the call)."""
        found: Dict[str, List[Optional[ast.AST]]] = {}
        temp_names = self._mkstemp_names(func)
        for target, value in bindings_of(func, self.facts.may_walrus):
            ref = dotted_name(target)
            if ref is not None and not self._keeps_value(ref, value):
                found.setdefault(ref, []).append(value if value is not None else temp_names.get(id(target)))
        return found

    def _keeps_value(self, ref: str, value) -> bool:
        """Whether binding ``ref`` to ``value`` keeps what it held: ``x = typing.cast(T, x)``
        tells a type checker about ``x`` and hands back the same object."""
        return type(value) is ast.Call and len(value.args) == 2 and not value.keywords \
            and dotted_name(value.args[1]) == ref and self.facts.resolve(value.func) == "typing.cast"

    def _inherit_bindings(self) -> None:
        """A function nested in another reads the names it does not bind from that one: a
        cleanup closure removing the temp file its maker named (``def clean(): ...
        os.remove(name)``). The outer function's bindings of those names join this scope's,
        one level up, unless a nested function may rebind them (``nonlocal``) or a value
        reads a name this scope binds (it would be looked up here, not there). Each is
        judged when asked for: a function holding N closures is read once, not N times."""
        outer = self._scope.enclosing_function
        if outer is None or not outer.is_function or not self._scope.is_function:
            return
        known = self._outer_values.get(id(outer.node))
        if known is None:
            rebound: FrozenSet[str] = frozenset()
            if self.facts.spells("nonlocal"):
                rebound = frozenset(name for node in ast.walk(outer.node) if isinstance(node, ast.Nonlocal)
                                    for name in node.names)
            known = self._outer_values[id(outer.node)] = (self._scope_bindings(outer.node), rebound, {}, {}, [])
        self._bindings = _WithOuterBindings(self._bindings, known[0], local_names(self._scope.node), known[1],
                                            known[2], known[3], known[4])

    def _mkstemp_names(self, func: ast.AST) -> Dict[int, ast.Call]:
        """id of the name of ``fd, name = tempfile.mkstemp(...)`` in ``func`` -> the call:
        the name of a temp file made there, unpacked from the pair the call returns."""
        found: Dict[int, ast.Call] = {}
        if not self.facts.spells("mkstemp"):
            return found
        for stmt in own_statements(func):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
                    and len(stmt.targets[0].elts) == 2 and isinstance(stmt.value, ast.Call) \
                    and self.facts.resolve(stmt.value.func) == "tempfile.mkstemp":
                found[id(stmt.targets[0].elts[1])] = stmt.value
        return found

    def _fresh_name(self, ref: str, seen: Set[str], depth: int, sources=is_fresh_source) -> bool:
        if ref in seen or depth > FRESH_DEPTH:
            return False  # a cycle, or a chain too long to follow: not known to be fresh
        bindings = self._bindings
        if not seen and type(bindings) is _WithOuterBindings and bindings.shares(ref):
            # a name of the function around, judged alike in each of its closures that binds
            # none of the names its values read: once, however many closures ask
            known = bindings.fresh.get((ref, sources))
            if known is None:
                known = bindings.fresh[(ref, sources)] = self._judge_fresh_name(ref, seen, depth, sources)
            return known
        return self._judge_fresh_name(ref, seen, depth, sources)

    def _judge_fresh_name(self, ref: str, seen: Set[str], depth: int, sources) -> bool:
        seen.add(ref)
        values = self._bindings.get(ref)
        if not values and ref.endswith(".name") and ref[:-5] in self._bindings:
            values = self._bindings[ref[:-5]]  # the name of a temp file object made here
        if not values and sources is not is_unique_source and self._fresh_attribute(ref):
            return True  # bound to a fresh name in another method of the class
        if not values and self._unique_attribute(ref):
            return True  # a unique name is a fresh one too
        if not values:
            return False
        # ``temp_file = None`` once it is closed: None names no file; ``tmp = Path(tmp)`` names
        # the file it named. Looked at lazily: the first value not known stops the look, which
        # keeps a name bound many times from costing that many steps at each of its uses.
        kept = (value for value in values if value is None or not names_no_file(value) and not self._converted(value, ref))
        first = next(kept, _NO_VALUE)
        return first is not _NO_VALUE and all(
            value is not None and self._fresh_value(value, seen, depth, sources)
            for value in itertools.chain((first,), kept))

    def _converted(self, value: ast.AST, ref: str) -> bool:
        """Whether ``value`` is ``ref`` converted to another type of the same path (``Path(ref)``)."""
        return type(value) is ast.Call and len(value.args) == 1 and not value.keywords \
            and dotted_name(value.args[0]) == ref and self.facts.resolve(value.func) in TRANSPARENT

    def _unique_attribute(self, ref: str) -> bool:
        """Whether ``ref`` is ``self.x`` that its class binds, in any method, only to the name
        of a file no other program can guess, or to None (not a file yet): the value of such
        a call (``self.sock = tempfile.mktemp(".sock")``), the name unpacked from
        ``mkstemp()`` (``fd, self.tmp = tempfile.mkstemp()``), or a local of that method
        holding one (``f = NamedTemporaryFile(delete=False)`` ... ``self.tmp = f.name``).
        Any other binding, or one not understood, and it is not."""
        scope = self._scope
        cls, self_name = (scope.enclosing_class, scope.self_name) if scope is not None else (None, None)
        root, _, attr = ref.partition(".")
        if cls is None or root != self_name or not attr or "." in attr:
            return False
        found = self._unique_attributes.get(id(cls))
        if found is None:
            found = self._unique_attributes[id(cls)] = self._attributes_bound_unique(cls)
        return attr in found

    def _attributes_bound_unique(self, cls: ast.ClassDef) -> FrozenSet[str]:
        """The attributes of the instance that the methods of ``cls`` bind, every time, to
        the name of a file unique to the run or to None (read once per class)."""
        unique: Set[str] = set()
        spoiled: Set[str] = set()
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            instance = Scope(method, cls).self_name
            if not instance:
                continue
            prefix = instance + "."
            bindings = self._scope_bindings(method)
            for ref, values in bindings.items():
                if not ref.startswith(prefix) or "." in ref[len(prefix):]:
                    continue
                attr = ref[len(prefix):]
                for value in values:
                    if value is not None and names_no_file(value):
                        continue
                    if value is None or not self._names_unique_file(value, bindings):
                        spoiled.add(attr)
                    else:
                        unique.add(attr)
        return frozenset(unique - spoiled)

    def _names_unique_file(self, value: ast.AST, bindings) -> bool:
        """Whether ``value`` is a call no other program can guess, or a local (or its
        ``.name``) every binding of which in the method is one."""
        if isinstance(value, ast.Call) and is_unique_source(self.facts.resolve(value.func)):
            return True
        if isinstance(value, (ast.BinOp, ast.JoinedStr, ast.Call)):
            # a name built with one in it: ``self.sandbox / uuid.uuid4().hex``
            return any(isinstance(node, ast.Call) and is_unique_source(self.facts.resolve(node.func))
                       for node in ast.walk(value))
        ref = dotted_name(value)
        if ref is None:
            return False
        values = bindings.get(ref)
        if not values and ref.endswith(".name"):
            values = bindings.get(ref[:-5])  # the name of a temp file object made there
        return bool(values) and all(
            isinstance(v, ast.Call) and is_unique_source(self.facts.resolve(v.func)) for v in values)

    def _fresh_value(self, value: ast.AST, seen: Set[str], depth: int, sources=is_fresh_source) -> bool:
        for node in ast.walk(value):
            if isinstance(node, ast.Call):
                name = self.facts.resolve(node.func)
                if sources(name) or name is None and self._fresh_helper(node, sources):
                    return True
            elif isinstance(node, (ast.Name, ast.Attribute)):
                ref = dotted_name(node)
                if ref is not None and ref in self._bindings and self._fresh_name(ref, seen, depth + 1, sources):
                    return True
        return False

    def _fresh_helper(self, call: ast.Call, sources) -> bool:
        """Whether ``call`` calls a function of the module every ``return`` of which builds
        its value from such a source (``return f"/tmp/app-{uuid.uuid4().hex}.sock"``)."""
        summaries = self.facts.summaries
        if summaries is None:
            return False
        values = summaries.returned_values(call, self._scope.enclosing_class, self._scope.self_name)
        return bool(values) and all(
            any(isinstance(n, ast.Call) and sources(self.facts.resolve(n.func)) for n in ast.walk(v)) for v in values)

    def _synced(self, node: ast.Call, state: State) -> None:
        for arg in node.args:
            target = arg
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "fileno":
                target = arg.func.value
            self._synced_target(target, dotted_name(target), state)

    def _synced_target(self, target: Optional[ast.AST], ref: Optional[str], state: State) -> None:
        key = None
        if ref is not None:
            opened = state.get("file", ref) or self._attribute_file(ref)
            key = opened.value[0] if opened is not None else None
        if key is None and target is not None:
            key = self.key(target, state)
        fact = self._temp(key, state)
        if fact is not None:
            state.set("temp", key, fact.synced_now())


def _fresh_or_unique(name: Optional[str]) -> bool:
    return is_fresh_source(name) or is_unique_source(name)


def derived_name(key: PathKey) -> bool:
    """Whether ``key`` is a name built from another path (``p + ".tmp"``, ``p.with_suffix(...)``,
    a name in ``p``'s folder built from ``p``): written, it is a temp file of that path."""
    return key.kind == "call" and (key.head == "concat" or key.head in DERIVING_METHODS or _in_own_folder(key)
                                   or _built_last_name(key))


def _built_last_name(key: PathKey) -> bool:
    """``join(F..., name + ".tmp")``: a folder and a last name built from another name, the
    name of a sibling it is to replace (see :func:`_derived`)."""
    if key.head != "join" or len(key.parts) < 2:
        return False
    last = key.parts[-1]
    if last.kind == "const":  # ``join(d, "state.json.tmp")``, ``join(d, ".currentTmp")``
        name = const_text(last)
        return name is not None and any(marker in name.lower() for marker in TEMP_MARKERS)
    return last.kind == "call" and last.head == "concat" and last.any_leaf(lambda leaf: leaf.kind != "const")


#: what the constant name of a temp file beside its target says it is
TEMP_MARKERS = ("tmp", "temp", "new", "part", "bak", "~")


def _sibling_name(src: PathKey, dst: PathKey) -> bool:
    """Whether the last name ``src`` is built from, or spelled as, the last name ``dst``
    (``name + ".tmp"`` of ``name``; ``"state.json.tmp"`` or ``"state.tmp"`` of ``"state.json"``)."""
    if src.kind == "call":
        return src.contains(dst)
    mine, theirs = const_text(src), const_text(dst)
    if not mine or not theirs or mine == theirs:
        return False
    if mine.startswith(theirs):
        return True
    stem, other_stem = mine.partition(".")[0], theirs.partition(".")[0]
    return bool(stem) and stem == other_stem and any(marker in mine.lower() for marker in TEMP_MARKERS)


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


def derived_from(src: PathKey, dst: PathKey) -> bool:
    """Whether ``src`` is a name built from ``dst`` (``dst + ".tmp"``, ``dst.with_suffix(...)``)."""
    if src is dst or src.kind != "call":
        return False
    if src.head not in ("concat", "join") and src.head not in DERIVING_METHODS:
        return False
    if src.contains(dst):  # ``basename(dst)`` included
        return True
    # ``join(d, name + ".tmp")`` onto ``join(d, name)``: the same folder, a name built from the target's
    return src.head == "join" and dst.kind == "call" and dst.head == "join" and len(src.parts) == len(dst.parts) \
        and src.parts[:-1] == dst.parts[:-1] and src.parts[-1] is not dst.parts[-1] \
        and _sibling_name(src.parts[-1], dst.parts[-1])


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


class _WithOuterBindings:
    """A closure's bindings (name -> values), and those of the function around it that it
    reads (:meth:`RenamesAndTemps._inherit_bindings`), each judged at its first lookup."""

    __slots__ = ("own", "outer", "names", "rebound", "read", "fresh", "_every_read", "_judged", "_shares")

    def __init__(self, own: Dict[str, List[Optional[ast.AST]]], outer: Dict[str, List[Optional[ast.AST]]],
                 names: Set[str], rebound: FrozenSet[str], read: Dict[str, FrozenSet[str]],
                 fresh: Dict[tuple, bool], every_read: list):
        self.own = own
        self.outer = outer
        #: the names the closure binds itself
        self.names = names
        #: names a function nested in the outer one declares ``nonlocal``
        self.rebound = rebound
        #: per name of the outer function, the names its values read (shared by its closures:
        #: each value is read once, however many closures ask)
        self.read = read
        #: per (name of the outer function, test of sources): whether it is fresh, as judged in
        #: a closure that :meth:`shares` it (shared by those closures)
        self.fresh = fresh
        #: (shared, filled once) every name the outer function's values read
        self._every_read = every_read
        self._judged: Dict[str, Optional[List[Optional[ast.AST]]]] = {}
        self._shares: Optional[bool] = None

    def shares(self, ref: str) -> bool:
        """Whether ``ref`` is the outer function's, and judged here as in any closure of it:
        this closure binds none of the names the outer function's values read (every lookup
        from there on reaches the outer function's bindings, as it would from another)."""
        if ref in self.own or self._inherited(ref) is None:
            return False
        if self._shares is None:
            if not self._every_read:
                self._every_read.append(frozenset(node.id for values in self.outer.values() for value in values
                                                  if value is not None for node in ast.walk(value)
                                                  if isinstance(node, ast.Name)))
            heads = set(self.names) | {bound.partition(".")[0] for bound in self.own}
            self._shares = heads.isdisjoint(self._every_read[0])
        return self._shares

    def _inherited(self, ref: str) -> Optional[List[Optional[ast.AST]]]:
        if ref in self._judged:
            return self._judged[ref]
        values = self.outer.get(ref)
        head = ref.partition(".")[0]
        if values is not None:
            read = self.read.get(ref)
            if read is None:
                read = self.read[ref] = frozenset(node.id for value in values if value is not None
                                                  for node in ast.walk(value) if isinstance(node, ast.Name))
            if head in self.names or head in self.rebound or not read.isdisjoint(self.names):
                values = None
        self._judged[ref] = values
        return values

    def get(self, ref: str, default=None):
        values = self.own.get(ref)
        if values is None:
            values = self._inherited(ref)
        return default if values is None else values

    def __contains__(self, ref: str) -> bool:
        return ref in self.own or self._inherited(ref) is not None

    def __getitem__(self, ref: str):
        values = self.get(ref)
        if values is None:
            raise KeyError(ref)
        return values
