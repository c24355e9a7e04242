"""Plans of the locking rules (MBX102, MBX103)."""

import ast

from ..analysis.locks import wrappable_region
from ..analysis.walk import Walker
from .model import SAFE, UNSAFE, Anchor, FixPlan, Span, no_fix
from .statements import sole_call

#: the actions: insert ``ref.flush()`` before the unlock; wrap the locked region
FLUSH_BEFORE_UNLOCK = "flush-before-unlock"
WRAP_IN_TRY_FINALLY = "wrap-in-try-finally"


def _mentions(nodes, ref: str) -> bool:
    """Whether ``ref`` (``box``, ``self.box``) is spelled anywhere in ``nodes``."""
    return any(isinstance(n, (ast.Name, ast.Attribute)) and Walker.ref(n) == ref
               for node in nodes for n in ast.walk(node))


#: where MBX102's flush goes (the action's parameter): right before the unlock statement
#: (anchor ``stmt``); after the last statement of the ``try`` anchored ``try`` (its ``else:``
#: when it has one), or before that statement when it is a ``return``/``raise``/``break``/
#: ``continue``, so that an exception still discards the changes
BEFORE_UNLOCK, END_OF_TRY, BEFORE_LAST_JUMP = "before-unlock", "end-of-try", "before-last-jump"

_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def _starts_line(lines, stmt: ast.stmt) -> bool:
    """Whether ``stmt`` begins its line (so its block is indented, not ``finally: x``).
    Without the source (a tree built by hand) the usual layout is assumed: no fix is made
    from a plan without a source anyway."""
    if lines is None:
        return True
    if not 0 < stmt.lineno <= len(lines):
        return False
    line = lines[stmt.lineno - 1]
    line = line.encode("utf-8") if isinstance(line, str) else line  # ast columns count bytes
    return not line[:stmt.col_offset].strip()


def _leaves_early(stmts) -> bool:
    """A ``return``, or a ``break``/``continue`` of no loop inside ``stmts``, outside nested
    functions and classes. Iterative: the depth comes from the input."""
    stack = [(stmt, 0) for stmt in stmts]
    while stack:
        node, loops = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) or isinstance(node, (ast.Break, ast.Continue)) and loops == 0:
            return True
        inner = loops + 1 if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) else loops
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return False


def _flush_site(stmt, blocks, ref: str, lines):
    """``(where, anchors)`` for the flush before the unlock statement ``stmt``, or the reason
    there is none."""
    block, index, _scope = blocks.where[id(stmt)]
    if not blocks.own_line(stmt) or not _starts_line(lines, stmt):
        return "the unlock() shares its line with other statements"
    kinds = []
    for owner, inner in blocks.enclosing(stmt):
        if isinstance(owner, ast.Try) and inner is owner.finalbody:
            kinds.append((owner, inner))
        elif isinstance(owner, ast.ExceptHandler):
            kinds.append((owner, inner))
    if not kinds:
        return BEFORE_UNLOCK, (Anchor("stmt", Span.of(stmt)),)
    owner, inner = kinds[0]
    if len(kinds) > 1 or not isinstance(owner, ast.Try) or inner is not block:
        return "the unlock() is in an except handler or nested inside a finally"
    if _mentions(block[:index], ref):
        return "the finally changes the mailbox before the unlock(): the flush would not cover it"
    target = owner.orelse or owner.body
    if not _starts_line(lines, target[0]):
        return "the try's block shares a line with its header"
    last = target[-1]
    statements = owner.body + owner.orelse
    if isinstance(last, _JUMPS):
        statements = [s for s in statements if s is not last]
        if not blocks.own_line(last):
            return "the block ends in a jump sharing its line with other statements"
    if _leaves_early(statements):
        return "the try's block can be left early, which would skip the flush"
    where = BEFORE_LAST_JUMP if isinstance(last, _JUMPS) else END_OF_TRY
    return where, (Anchor("try", Span.of(owner)), Anchor("last", Span.of(last)))


def flush_plan(event, blocks, ref: str, lines) -> FixPlan:
    """MBX102: ``ref.flush()`` on the locked region's normal path, before the reported
    ``unlock()``: right before it, or, when it is the ``finally`` of a ``try``, at the end of
    that ``try``'s block so that an exception still discards the changes. Safe only when the
    original writes the same changes anyway, right after: the statement after the unlock
    (after the ``try`` whose ``finally`` holds it) is ``ref.flush()`` or ``ref.close()``.
    Elsewhere the inserted flush writes a change the original may never have written on that
    path. The action is ``flush-before-unlock:<where>``; anchors ``act`` (the unlock call)
    and those of :func:`_flush_site`."""
    stmt = blocks.statement_of.get(id(event.node))
    if stmt is None or event.node.args or event.node.keywords:
        return no_fix("the unlock() is not a statement of its own")
    site = _flush_site(stmt, blocks, ref, lines)
    if isinstance(site, str):
        return no_fix(site)
    where, anchors = site
    anchors = (Anchor("act", Span.of(event.node)),) + anchors
    action = "%s:%s" % (FLUSH_BEFORE_UNLOCK, where)
    block, index, _scope = blocks.where[id(stmt)]
    owner = blocks.owner.get(id(block))
    if isinstance(owner, ast.Try) and block is owner.finalbody:
        block, index, _scope = blocks.where[id(owner)]
    following = sole_call(block[index + 1]) if index + 1 < len(block) else None
    if following is not None and isinstance(following.func, ast.Attribute) \
            and following.func.attr in ("flush", "close") and Walker.ref(following.func.value) == ref:
        return FixPlan(SAFE, action, anchors)
    return FixPlan(UNSAFE, action, anchors,
                   "nothing flushes the change right after the unlock: the flush writes a change "
                   "the original may never have written")


def wrap_plan(event, blocks, ref: str) -> FixPlan:
    """MBX103: ``try:`` ... ``finally: ref.unlock()`` around the region after ``lock()``.
    No fix inside a ``try`` whose handlers (or ``finally``) use the mailbox: the new
    ``finally`` would unlock it before they run, and they would then touch it unlocked."""
    block = event.block
    if block is None:
        return no_fix("the lock() is not a statement of its own")
    end = wrappable_region(*block, ref, blocks.lock_regions)
    if end is None:
        return no_fix("the region is not closed by an unlock() of its own, or is left early")
    stmts, index = block
    for owner, inner in blocks.enclosing(stmts[index]):
        if isinstance(owner, ast.Try) and inner is owner.body:
            if _mentions(owner.handlers, ref) or _mentions(owner.finalbody, ref) or _mentions(owner.orelse, ref):
                return no_fix("an enclosing try's handlers use the mailbox: a finally would unlock it "
                              "before they run")
    anchors = (Anchor("act", Span.of(stmts[index].value)), Anchor("unlock", Span.of(stmts[end].value)))
    return FixPlan(SAFE, WRAP_IN_TRY_FINALLY, anchors)
