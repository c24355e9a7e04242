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


def flush_plan(event, blocks, ref: str) -> FixPlan:
    """MBX102: ``ref.flush()`` before the reported ``unlock()``. Safe only when the original
    writes the same changes anyway, right after: the statement after the unlock (after the
    ``try`` whose ``finally`` holds it) is ``ref.flush()`` or ``ref.close()``. Elsewhere the
    inserted flush writes a change the original may never have written on that path."""
    anchors = (Anchor("act", Span.of(event.node)),)
    stmt = blocks.statement_of.get(id(event.node))
    if stmt is None:
        return no_fix("the unlock() is not a statement of its own")
    block, index, _scope = blocks.where[id(stmt)]
    owner = blocks.owner.get(id(block))
    if isinstance(owner, ast.Try) and block is owner.finalbody:
        block, index, _scope = blocks.where[id(owner)]
    following = sole_call(block[index + 1]) if index + 1 < len(block) else None
    if following is not None and isinstance(following.func, ast.Attribute) \
            and following.func.attr in ("flush", "close") and Walker.ref(following.func.value) == ref:
        return FixPlan(SAFE, FLUSH_BEFORE_UNLOCK, anchors)
    return FixPlan(UNSAFE, FLUSH_BEFORE_UNLOCK, anchors,
                   "nothing flushes the change right after the unlock: the flush writes a change "
                   "the original may never have written")


def wrap_plan(event, blocks, ref: str) -> FixPlan:
    """MBX103: ``try:`` ... ``finally: ref.unlock()`` around the region after ``lock()``.
    No fix inside a ``try`` whose handlers (or ``finally``) use the mailbox: the new
    ``finally`` would unlock it before they run, and they would then touch it unlocked."""
    block = event.block
    if block is None:
        return no_fix("the lock() is not a statement of its own")
    end = wrappable_region(*block, ref)
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
