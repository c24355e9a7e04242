"""Lists of checked paths (a part of :class:`PathAnalysis`): ``files = [f for f in names if
os.path.isfile(f)]`` keeps the elements that passed a check, and ``for f in files: open(f)``
acts on a checked file, as stale a check as any other."""

import ast
from typing import Optional, Tuple

from ..pathkey import PathKey, name_key, substitute
from ..state import State
from .checks import GUARD_FUNCTIONS, GuardFact
from .expressions import WHOLE_COPIES

#: an element of a list, in the keys of the checks its elements passed (``checked-elements``)
ELEMENT = name_key("<element>")


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
