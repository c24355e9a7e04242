"""Plans of the file rules (MBX3)."""

import ast
from typing import List, Optional, Tuple

from .model import SAFE, UNSAFE, Anchor, FixPlan, Span, no_fix
from .statements import CATCHES_MISSING, argument, callee, caught_names, exception_names, indented, interrupts, own_line, \
    same, sole_call

#: what removes a file by name
REMOVE_FUNCTIONS = ("os.remove", "os.unlink")
EXISTS_FUNCTIONS = ("os.path.exists", "os.path.isfile", "os.path.lexists")

#: the action of MBX305's plan: drop the removal, make the rename a replace
DROP_REMOVAL = "drop-removal-and-replace"


def _removal_of(stmt: ast.stmt, dst: ast.AST, facts) -> Optional[Tuple[bool]]:
    """``(quiet,)`` when ``stmt`` is a removal of ``dst`` (``os.remove``/``os.unlink`` as the
    analysis resolves them, or ``dst.unlink()``); ``quiet``: it tolerates a missing file."""
    call = sole_call(stmt)
    if call is None:
        return None
    if facts.resolve(call.func) in REMOVE_FUNCTIONS:
        return (False,) if same(argument(call, 0, "path"), dst) else None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "unlink" and facts.resolve(func) is None \
            and not call.args and all(k.arg == "missing_ok" for k in call.keywords) and same(func.value, dst):
        missing_ok = [k.value for k in call.keywords]
        return (bool(missing_ok) and isinstance(missing_ok[0], ast.Constant) and missing_ok[0].value is True,)
    return None


def _checks_exists(test: ast.AST, dst: ast.AST, facts) -> bool:
    if not isinstance(test, ast.Call):
        return False
    if facts.resolve(test.func) in EXISTS_FUNCTIONS:
        return same(argument(test, 0, "path"), dst)
    func = test.func
    return isinstance(func, ast.Attribute) and callee(test) in ("exists", "is_file") and not test.args \
        and not test.keywords and same(func.value, dst)


def _removal_site(stmts, index, dst, facts, quiet=False):
    """If ``stmts[index]`` removes ``dst`` in a shape the fix drops: ``(removal statement, the
    statements that run after the removal inside it, whether a missing file is tolerated)``.
    The shapes: the removal alone; the last statement of a ``try`` whose handlers only ``pass``
    and that has no ``else``/``finally`` (or of ``with contextlib.suppress(...)``): a handler
    that logs, or code that ran only once the removal succeeded, would be lost otherwise; in
    the body of ``if os.path.exists(dst):``."""
    stmt = stmts[index]
    if not own_line(stmts, index):
        return None
    removal = _removal_of(stmt, dst, facts)
    if removal is not None:
        return stmt, [], quiet or removal[0]
    body = getattr(stmt, "body", None)
    if not isinstance(body, list) or not indented(stmt, body):
        return None
    if isinstance(stmt, ast.Try):
        silent = all(all(isinstance(s, ast.Pass) for s in h.body) and h.body[0].lineno == h.body[-1].lineno
                     for h in stmt.handlers)
        if stmt.orelse or stmt.finalbody or not silent:
            return None
        catches = any(CATCHES_MISSING.intersection(exception_names(h)) for h in stmt.handlers)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        if not all(isinstance(item.context_expr, ast.Call) and item.optional_vars is None
                   and facts.resolve(item.context_expr.func) == "contextlib.suppress" for item in stmt.items):
            return None
        catches = bool(CATCHES_MISSING.intersection(
            caught_names([arg for item in stmt.items for arg in item.context_expr.args])))
    elif isinstance(stmt, ast.If) and _checks_exists(stmt.test, dst, facts):
        for position in range(len(body)):
            site = _removal_site(body, position, dst, facts, True)
            if site is not None and not site[1]:
                # An ``if`` left empty is dropped only when it has no ``else:``.
                if len(body) == 1 and stmt.orelse:
                    return None
                return site[0], body[position + 1:], True
        return None
    else:
        return None
    # Last only: statements after it in the try ran only when the removal succeeded.
    site = _removal_site(body, len(body) - 1, dst, facts, quiet or catches)
    return site if site is not None and not site[1] else None


def replace_plan(event, facts) -> FixPlan:
    """MBX305: drop the removal of ``dst`` before this rename, and make the rename a replace.

    The rename is a line of its own; the removal is the nearest earlier statement of its
    block, or of a block around it when the rename is reached through ``try:``/``with``
    bodies only (not an ``if``, a loop or a handler), that removes ``dst``; and nothing
    between them leaves early or rebinds ``dst``: a path that removed the file but skips the
    rename would keep it. Anchors: ``act`` (the rename call), ``site`` (the statement of the
    block holding the removal) and ``removal`` (the removal statement)."""
    blocks = event["blocks"]
    dst = event["dst_node"]
    if not blocks:
        return no_fix("the rename is not a statement of a block")
    stmts, index = blocks[-1]
    stmt = stmts[index]
    if not (isinstance(stmt, ast.Expr) and stmt.value is event.node and own_line(stmts, index)):
        return no_fix("the rename is not a statement of its own")
    preceding: List[ast.stmt] = []
    for level in range(len(blocks) - 1, -1, -1):
        stmts, index = blocks[level]
        for earlier in range(index - 1, -1, -1):
            site = _removal_site(stmts, earlier, dst, facts)
            if site is None:
                continue
            removal, after, quiet = site
            if removal.lineno != event["removed"]:
                return no_fix("the removal the rename follows is not one the fix can drop")
            if interrupts(list(after) + list(stmts[earlier + 1:index]) + preceding, dst):
                return no_fix("a path between the removal and the rename leaves early or rebinds the target")
            anchors = (Anchor("act", Span.of(event.node)), Anchor("site", Span.of(stmts[earlier])),
                       Anchor("removal", Span.of(removal)))
            if not quiet:
                return FixPlan(UNSAFE, DROP_REMOVAL, anchors,
                               "a missing target made the removal raise FileNotFoundError; os.replace does not")
            temp = event["temp"]
            if temp is None or temp.origin != "tempfile":
                return FixPlan(UNSAFE, DROP_REMOVAL, anchors,
                               "when source and target are hard links of one file, os.replace leaves both")
            return FixPlan(SAFE, DROP_REMOVAL, anchors)
        if level == 0:
            break
        outer, outer_index = blocks[level - 1]
        owner = outer[outer_index]
        if not (isinstance(owner, (ast.Try, ast.With, ast.AsyncWith)) and stmts is owner.body
                and indented(owner, stmts)):
            return no_fix("the rename is not reached on every path that ran the removal")
        preceding = list(stmts[:index]) + preceding
    return no_fix("no removal of the target in a shape the fix can drop")
