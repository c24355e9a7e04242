"""Lists of checked paths (a part of :class:`PathAnalysis`): ``files = [f for f in names if
os.path.isfile(f)]`` keeps the elements that passed a check, and ``for f in files: open(f)``
acts on a checked file, as stale a check as any other."""

import ast
from typing import Optional, Tuple

from ..pathkey import PathKey, name_key, substitute
from ..state import State
from ..summaries import GUARD_FUNCTIONS
from .checks import GuardFact
from .expressions import WHOLE_COPIES
from .facts import Must

#: an element of a list, in the keys of the checks its elements passed (``checked-elements``)
ELEMENT = name_key("<element>")
#: the ``checked-elements`` of an empty list: whatever is appended decides
NOTHING_KEPT = (None, ())
#: checks looked at for one ``append`` (of the element or of a path built from it): the
#: last ones the scope made, whether still in force or not; bounds the cost of an append
MAX_GUARDS_SEARCHED = 16


class Kept(Must):
    """``checked-elements``: joined with an empty list, the checked elements of the other
    path (``files = []``, then ``if isfile(f): files.append(f)`` in a loop)."""

    __slots__ = ()

    def join(self, other):
        if other is None:
            return None
        if self.value == other.value or other.value == NOTHING_KEPT:
            return self
        return other if self.value == NOTHING_KEPT else None


class CheckedLists:
    """The ``checked-elements`` facts: list name -> ``(element, checks)``."""

    def _checked_elements(self, value: ast.AST, state: State) -> Optional[Tuple[PathKey, tuple]]:
        """``[f for f in names if os.path.isfile(f)]`` (a comprehension with one ``for``,
        whose conditions check each element, or a path built from it) and
        ``filter(os.path.isfile, names)``: each element kept was checked. ``(element, checks)``
        in terms of :data:`ELEMENT`, the checks as ``(kind, key, present, line)``; else None."""
        if isinstance(value, ast.Call) and self.facts.resolve(value.func) in WHOLE_COPIES and len(value.args) == 1:
            value = value.args[0]  # ``list(filter(...))``, ``sorted(... for ...)``
        if isinstance(value, ast.Call) and self.facts.resolve(value.func) == "builtins.filter" \
                and len(value.args) == 2 and not value.keywords:
            kind = GUARD_FUNCTIONS.get(self.facts.resolve(value.args[0]))
            if kind is None:
                return None
            return ELEMENT, ((kind, ELEMENT, True, value.lineno),)
        if not isinstance(value, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) or len(value.generators) != 1:
            return None
        generator = value.generators[0]
        if not isinstance(generator.target, ast.Name) or not generator.ifs or generator.is_async:
            return None
        name = generator.target.id
        inner = state.copy()
        inner.forget_ref(name)
        element = self._name_key(name)
        checks = []
        for condition in generator.ifs:
            tests = condition.values if isinstance(condition, ast.BoolOp) and isinstance(condition.op, ast.And) \
                else [condition]
            for test in tests:
                present = True
                while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                    test, present = test.operand, not present
                checked = self._guard_of(test, inner) if isinstance(test, ast.Call) else None
                if checked is not None and checked[1].contains(element):
                    checks.append((checked[0], substitute(checked[1], {element: ELEMENT}), present, test.lineno))
        kept = self.key(value.elt, inner)
        if not checks or kept is None or not kept.contains(element):
            return None
        return substitute(kept, {element: ELEMENT}), tuple(checks)

    def _note_guard_key(self, key: PathKey) -> None:
        """A check made in the scope being walked, for :meth:`_appended_checked`."""
        keys = self._guard_keys
        if not keys or keys[-1] is not key:
            keys.append(key)
            if len(keys) > 2 * MAX_GUARDS_SEARCHED:
                del keys[:MAX_GUARDS_SEARCHED]

    def _appended_checked(self, call: ast.Call, state: State) -> bool:
        """``files.append(f)`` to a list that holds only checked elements (or none yet),
        where a check of ``f`` is in force: the list still does. Whether the call was one."""
        func = call.func
        if func.attr != "append" or len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Name):
            return False
        carried = state.get("checked-elements", func.value.id)
        if carried is None:
            return False
        kept = carried.value[0]
        element = self.key(call.args[0], state)
        if element is None or kept not in (None, ELEMENT):
            return False
        checks = []
        for key in self._guard_keys[-MAX_GUARDS_SEARCHED:]:
            guard = state.get("guard", key)
            if guard is not None and key.contains(element):
                checks.append((guard.kind, substitute(key, {element: ELEMENT}), guard.present, guard.line))
        if not checks:
            return False
        found = (ELEMENT, tuple(checks))
        if kept is not None:
            return found == carried.value  # unchanged: the same fact object, which joins cheaply
        state.set("checked-elements", func.value.id, Kept(found))
        return True

    def _bind_checked(self, target: ast.Name, iterated: ast.AST, state: State) -> None:
        """``for name in files`` over a list whose elements were each checked (see
        :meth:`_checked_elements`): the check of ``name`` is in force, as stale as any other."""
        if isinstance(iterated, ast.Call) and self.facts.resolve(iterated.func) in WHOLE_COPIES \
                and len(iterated.args) == 1:
            iterated = iterated.args[0]
        if isinstance(iterated, ast.Name):
            carried = state.get("checked-elements", iterated.id)
            found = carried.value if carried is not None else None
        else:  # ``for name in filter(os.path.isfile, names)``
            found = self._checked_elements(iterated, state)
        if found is None:
            return
        kept, checks = found
        bound = self._name_key(target.id)
        for kind, checked, present, line in checks:
            if kept is ELEMENT:
                key = substitute(checked, {ELEMENT: bound})
            elif checked is kept:
                key = bound  # ``[join(d, f) for f in names if isfile(join(d, f))]``
            else:
                continue
            if not self._fresh(key, unique=True):
                state.set("guard", key, GuardFact((kind, present, line)))
