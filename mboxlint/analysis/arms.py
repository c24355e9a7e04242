"""Where a statement of one scope sits among the others: whether two can run in one pass
through it (the two arms of an ``if``, an ``elif`` included, or of a ``match`` cannot), and
which statement follows one in its block."""

import ast
from typing import Dict, Optional, Tuple

#: statements climbed from each of the two towards their common ``if``; further up, the
#: two are taken as not exclusive (the cautious answer for every question asked of it)
ANCESTORS = 64


class Arms:
    """The ``if`` and ``match`` arms of one scope's statements, found once, on first asking."""

    __slots__ = ("_scope", "_parents")

    def __init__(self, scope: ast.AST):
        self._scope = scope
        #: id of a statement of the scope -> (the statement holding it, the list it is in,
        #: its place in that list)
        self._parents: Optional[Dict[int, Tuple[ast.AST, list, int]]] = None

    def _index(self) -> Dict[int, Tuple[ast.AST, list, int]]:
        parents = {}
        stack = [self._scope]
        while stack:  # a stack: blocks nest as deep as the parser allows
            owner = stack.pop()
            lists = [getattr(owner, f, None) or [] for f in ("body", "orelse", "finalbody")]
            lists += [part.body for part in list(getattr(owner, "handlers", None) or ())
                      + list(getattr(owner, "cases", None) or ())]
            for stmts in lists:
                if not isinstance(stmts, list):
                    continue  # a lambda's or an expression's body is no block
                for place, stmt in enumerate(stmts):
                    parents[id(stmt)] = (owner, stmts, place)
                    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        stack.append(stmt)
        return parents

    def exclusive(self, first: Optional[ast.AST], second: Optional[ast.AST]) -> bool:
        """Whether ``first`` and ``second`` lie in different arms of one ``if`` or ``match``."""
        if first is None or second is None or first is second:
            return False
        if self._parents is None:
            self._parents = self._index()
        parents = self._parents
        ancestors = {}
        node = first
        for _ in range(ANCESTORS):
            parent = parents.get(id(node))
            if parent is None:
                break
            ancestors[id(parent[0])] = parent[1]
            node = parent[0]
        node = second
        for _ in range(ANCESTORS):
            parent = parents.get(id(node))
            if parent is None:
                return False
            owner, stmts = parent[0], parent[1]
            if id(owner) in ancestors:
                other = ancestors[id(owner)]
                return other is not stmts and (isinstance(owner, ast.If) or type(owner).__name__ == "Match")
            node = owner
        return False

    def holder(self, stmt: ast.AST) -> Optional[Tuple[ast.AST, list]]:
        """The statement holding ``stmt`` and the block of it that ``stmt`` is in; None for a
        statement of the scope's own body, or not of the scope."""
        if self._parents is None:
            self._parents = self._index()
        parent = self._parents.get(id(stmt))
        if parent is None or parent[0] is self._scope:
            return None
        return parent[0], parent[1]

    def place(self, stmt: ast.AST) -> Optional[Tuple[list, int]]:
        """The block ``stmt`` is in (the scope's own body too) and its index there; None
        when not of the scope."""
        if self._parents is None:
            self._parents = self._index()
        parent = self._parents.get(id(stmt))
        return (parent[1], parent[2]) if parent is not None else None

    def following(self, stmt: ast.AST) -> Optional[ast.AST]:
        """The statement after ``stmt`` in its block, or None (the last, or not of the scope)."""
        if self._parents is None:
            self._parents = self._index()
        parent = self._parents.get(id(stmt))
        if parent is None:
            return None
        _, stmts, place = parent
        return stmts[place + 1] if place + 1 < len(stmts) else None
