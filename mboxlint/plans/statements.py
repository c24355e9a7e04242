"""Statement helpers shared by the plans: where a statement sits, what a call names, whether
control can leave a run of statements early. ``ast`` only."""

import ast
from collections import Counter
from typing import List, Optional, Sequence

#: nodes that open a scope of names
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

#: exception names that catch ``FileNotFoundError`` (last dotted part)
CATCHES_MISSING = frozenset({"FileNotFoundError", "OSError", "IOError", "EnvironmentError", "Exception",
                             "BaseException"})


def own_line(stmts: Sequence[ast.stmt], index: int) -> bool:
    """Whether ``stmts[index]`` shares no line with its neighbours (no ``;``)."""
    stmt = stmts[index]
    return (index == 0 or stmts[index - 1].end_lineno < stmt.lineno) and \
        (index + 1 == len(stmts) or stmts[index + 1].lineno > stmt.end_lineno)


def indented(owner: ast.stmt, body) -> bool:
    """Whether ``body`` starts below the header of ``owner`` (not ``try: x`` on one line)."""
    header = owner.lineno
    for item in getattr(owner, "items", ()):
        for part in (item.context_expr, item.optional_vars):
            if part is not None:
                header = max(header, part.end_lineno)
    if isinstance(owner, ast.If):
        header = owner.test.end_lineno
    return bool(body) and body[0].lineno > header


def same(a: Optional[ast.AST], b: ast.AST) -> bool:
    return a is not None and ast.dump(a) == ast.dump(b)


def argument(call: ast.Call, index: int, keyword: str) -> Optional[ast.expr]:
    for arg in call.keywords:
        if arg.arg == keyword:
            return arg.value
    positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    return positional[index] if index < len(positional) else None


def callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def sole_call(stmt: ast.stmt) -> Optional[ast.Call]:
    """The call of a statement that is just ``f(...)``."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return stmt.value
    return None


def exception_names(handler: ast.ExceptHandler) -> List[str]:
    """The last dotted part of each exception a handler names; ``BaseException`` for a bare one."""
    if handler.type is None:
        return ["BaseException"]
    return caught_names(handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type])


def caught_names(types: Sequence[ast.expr]) -> List[str]:
    """The last dotted part of each exception named in ``types`` (empty for an expression)."""
    return [node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
            for node in types]


def interrupts(stmts: Sequence[ast.AST], dst: ast.AST) -> bool:
    """Whether control can leave ``stmts`` other than by an exception or by falling through
    (``return``, ``raise``, ``yield``, a ``break``/``continue`` of a loop around them), or
    they rebind ``dst`` or a name it is built from (or ``del`` anything: cheap caution).
    Iterative: the depth of the statements comes from the input."""
    roots = {n.id for n in ast.walk(dst) if isinstance(n, ast.Name)}
    roots |= {n.attr for n in ast.walk(dst) if isinstance(n, ast.Attribute)}
    binders = tuple(t for t in (ast.ExceptHandler, getattr(ast, "MatchAs", None), getattr(ast, "MatchStar", None))
                    if t is not None)
    stack = [(stmt, 0) for stmt in stmts]
    while stack:
        node, loops = stack.pop()
        if isinstance(node, (ast.Return, ast.Raise, ast.Yield, ast.YieldFrom, ast.Delete)):
            return True
        if isinstance(node, (ast.Break, ast.Continue)):
            if loops == 0:
                return True
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in roots:  # the body runs elsewhere, if at all
                return True
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store) \
                and (same(node, dst) or (isinstance(node, ast.Name) and node.id in roots)):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) in roots:
            return True
        if isinstance(node, binders) and getattr(node, "name", None) in roots:
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            # A jump in the body stays in the loop; one in its ``else:`` leaves it.
            head = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
            stack.extend((child, loops + 1) for child in node.body)
            stack.extend((child, loops) for child in head + node.orelse)
            continue
        stack.extend((child, loops) for child in ast.iter_child_nodes(node))
    return False


class Blocks:
    """Where each statement of a module stands: its block (a list) and index, and the scope
    (function, class or module) whose names it binds; the node owning each block; the
    statement of each call that is a statement of its own; and which statements run inside
    an ``except`` handler of their own scope. Built once per module (:func:`blocks_of`)."""

    def __init__(self, tree: ast.Module):
        self.where = {}
        self.owner = {}
        self.statement_of = {}
        self.in_handler = set()
        self._names = {}
        self._calls = self._holder = None
        stack = [(tree, tree, False)]  # iterative: long operator chains make deep trees
        while stack:
            node, scope, handled = stack.pop()
            if isinstance(node, SCOPES):
                inner, handled = node, False
            else:
                inner = scope
            if isinstance(node, ast.ExceptHandler):
                handled = True
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    self.owner[id(block)] = node
                    for index, child in enumerate(block):
                        if isinstance(child, ast.stmt):
                            self.where[id(child)] = (block, index, inner)
                            if handled:
                                self.in_handler.add(id(child))
                            if isinstance(child, ast.Expr):
                                self.statement_of[id(child.value)] = child
            stack.extend((child, inner, handled) for child in ast.iter_child_nodes(node))

    def call_at(self, site) -> Optional[ast.Call]:
        """The call starting at ``(line, col)``, the outermost one there."""
        if self._calls is None:
            self._calls = {}
            self._holder = {}
            for stmt_id, (block, index, _scope) in list(self.where.items()):
                stmt = block[index]
                for node in _own_nodes(stmt):
                    if isinstance(node, ast.Call):
                        self._calls.setdefault((node.lineno, node.col_offset), node)
                        self._holder[id(node)] = stmt
        return self._calls.get(tuple(site))

    def statement_holding(self, call: ast.Call) -> Optional[ast.stmt]:
        self.call_at((0, 0))
        return self._holder.get(id(call))

    def names_of(self, scope):
        """``(Counter of the names read, the names assigned, the parameters)`` in ``scope``'s body
        (nested functions and classes included: a closure's read is a read), once per scope."""
        known = self._names.get(id(scope))
        if known is None:
            reads, stores, params = Counter(), set(), set()
            for node in ast.walk(scope):
                if isinstance(node, ast.Name):
                    if isinstance(node.ctx, ast.Load):
                        reads[node.id] += 1
                    else:
                        stores.add(node.id)
                elif isinstance(node, ast.arg):
                    params.add(node.arg)
            known = self._names[id(scope)] = (reads, stores, params)
        return known

    def enclosing(self, stmt: ast.stmt):
        """``(owner, block)`` pairs from ``stmt``'s block outwards, up to its scope."""
        found = self.where.get(id(stmt))
        while found is not None:
            block, _index, _scope = found
            owner = self.owner.get(id(block))
            if owner is None or isinstance(owner, (ast.Module,) + SCOPES):
                return
            yield owner, block
            found = self.where.get(id(owner))


def _own_nodes(stmt: ast.stmt):
    """The nodes of ``stmt`` outside the statements nested in it (those are walked on their own)."""
    stack = [child for child in ast.iter_child_nodes(stmt) if not isinstance(child, ast.stmt)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.stmt))


def blocks_of(module) -> Blocks:
    """The :class:`Blocks` of an analysed module, built once and kept with it."""
    blocks = getattr(module, "plan_blocks", None)
    if blocks is None:
        blocks = module.plan_blocks = Blocks(module.tree)
    return blocks
