"""The plan of MBX901 (a state file rewritten in place goes through ``atomic_write``)."""

import ast

from .model import UNSAFE, Anchor, FixPlan, Span

#: the action, followed by ``:with`` (the open of a ``with`` item becomes ``atomic_write``)
#: or ``:write-text`` (a ``write_text``/``write_bytes`` statement becomes a ``with``)
ATOMIC_WRITE = "atomic-write"


def atomic_plan(event, blocks) -> FixPlan:
    """MBX901, for a write the rule found ``atomic_write`` fits. Anchors: ``act`` (the open
    or ``write_text`` call) and ``stmt`` (its statement)."""
    call, stmt = event.node, event.stmt
    form = "with" if isinstance(stmt, ast.With) else "write-text"
    return FixPlan(UNSAFE, "%s:%s" % (ATOMIC_WRITE, form), (Anchor("act", Span.of(call)), Anchor("stmt", Span.of(stmt))),
                   "the file gets a new inode: hard links break, processes holding it open keep the "
                   "old contents, and the directory must be writable").at_site(blocks, stmt)
