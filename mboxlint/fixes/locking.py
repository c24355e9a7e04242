"""Fixes of the MBX1 locking rules.

``FlushBeforeUnlock`` (MBX102) and ``WrapLockInTryFinally`` (MBX103) rewrite statement lists,
so both work on the blocks that hold the reported ``unlock()``/``lock()`` line. Which shapes
they rewrite, and where, their plans (:mod:`mboxlint.plans.locking`) decide.
"""

from typing import List, Optional, Sequence

import libcst as cst

from ..plans.locking import BEFORE_LAST_JUMP
from .base import Fixer, insert_before, method_call, sole_call, split_leading_lines


class _StatementListFixer(Fixer):
    """Calls :meth:`rewrite` on every statement list (module and indented blocks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: the indentation of the block being rewritten (None: the module's default)
        self.indent: Optional[str] = None

    def _rewrite_list(self, originals, updated):
        if not self._matched or len(originals) != len(updated):
            return None
        return self.rewrite(originals, updated)

    def rewrite(self, originals: Sequence[cst.BaseStatement],
                updated: Sequence[cst.BaseStatement]) -> Optional[List[cst.BaseStatement]]:
        raise NotImplementedError

    def leave_IndentedBlock(self, original_node, updated_node):
        # A new block nested here indents by what this block indents by, not by the file's
        # first indentation: a file may mix tabs and spaces across functions.
        self.indent = updated_node.indent
        new = self._rewrite_list(original_node.body, updated_node.body)
        return updated_node if new is None else updated_node.with_changes(body=new)

    def leave_Module(self, original_node, updated_node):
        self.indent = None
        new = self._rewrite_list(original_node.body, updated_node.body)
        return updated_node if new is None else updated_node.with_changes(body=new)

    def reported_call(self, stmt: cst.CSTNode, method: str) -> Optional[cst.Call]:
        """The reported ``x.method()`` call if ``stmt`` is exactly that line."""
        call = sole_call(stmt)
        if call is None or self.finding_at(call) is None:
            return None
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == method:
            return call
        return None


class FlushBeforeUnlock(_StatementListFixer):
    """MBX102: executes :func:`mboxlint.plans.locking.flush_plan`: ``ref.flush()`` (``ref``
    being the receiver of the unlock anchored ``act``) goes right before the statement
    anchored ``stmt``, or into the ``try`` anchored ``try`` (its ``else:`` when it has one),
    after (``end-of-try``) or before (``before-last-jump``) the statement anchored ``last``."""

    code = "MBX102"
    DESCRIPTION = "mboxlint MBX102: flush() pending mailbox changes before unlock()."

    def _flush(self, finding) -> Optional[cst.SimpleStatementLine]:
        call = self.anchored(finding, "act", cst.Call)
        if call is None or not isinstance(call.func, cst.Attribute):
            return None
        return method_call(call.func.value, "flush")

    def rewrite(self, originals, updated):
        new: List[cst.BaseStatement] = []
        changed = False
        for original, stmt in zip(originals, updated):
            for finding, role in self.anchors_at(original):
                flush = self._flush(finding) if role == "stmt" and finding.code == self.code else None
                if flush is not None and not self.was_applied(finding):
                    new.extend(insert_before(stmt, flush))
                    self.mark_applied(finding)
                    changed = True
                    break
            else:
                new.append(stmt)
        return new if changed else None

    def leave_Try(self, original_node, updated_node):
        planned = [f for f, role in self.anchors_at(original_node)
                   if role == "try" and f.code == self.code and not self.was_applied(f)]
        if not planned:
            return updated_node
        has_else = original_node.orelse is not None
        original = (original_node.orelse if has_else else original_node).body
        block = (updated_node.orelse if has_else else updated_node).body
        if len(original.body) != len(block.body):
            return updated_node  # changed by a fix nested in it: left for the next round
        body = list(block.body)
        footer = list(block.footer)
        for finding in planned:
            last = self.anchored(finding, "last", cst.BaseStatement)
            flush = self._flush(finding)
            if last is None or flush is None or original.body[-1] is not last:
                continue
            if finding.plan.action.endswith(":" + BEFORE_LAST_JUMP):
                body[-1:] = insert_before(body[-1], flush)
            else:
                # Comments closing the block describe its end: they stay above the new line;
                # blank lines after them stay where they are.
                end = max((i + 1 for i, line in enumerate(footer) if line.comment is not None), default=0)
                body.append(flush.with_changes(leading_lines=footer[:end]))
                footer = footer[end:]
            self.mark_applied(finding)
        block = block.with_changes(body=body, footer=footer)
        if has_else:
            return updated_node.with_changes(orelse=updated_node.orelse.with_changes(body=block))
        return updated_node.with_changes(body=block)


class WrapLockInTryFinally(_StatementListFixer):
    """MBX103: ``lock(); ...; unlock()`` becomes ``lock(); try: ... finally: unlock()``.

    Executes the plan :func:`mboxlint.plans.locking.wrap_plan` made: the statements between
    the ``lock()`` anchored as ``act`` and the ``unlock()`` anchored as ``unlock`` (a later
    statement of the same block) go into ``try:``, the ``unlock()`` into ``finally:``.
    """

    code = "MBX103"
    DESCRIPTION = "mboxlint MBX103: release the mailbox lock in a finally."

    def rewrite(self, originals, updated):
        new: List[cst.BaseStatement] = []
        changed = False
        index = 0
        count = len(originals)
        while index < count:
            call = self.reported_call(originals[index], "lock")
            end = self._planned_unlock(originals, index, call) if call is not None else None
            if end is None:
                new.append(updated[index])
                index += 1
                continue
            region = list(updated[index + 1:end])
            blank, rest = split_leading_lines(region[0])
            region[0] = region[0].with_changes(leading_lines=rest)
            unlock = updated[end]
            _, comments = split_leading_lines(unlock)
            wrapped = cst.Try(
                body=cst.IndentedBlock(body=region, indent=self.indent),
                finalbody=cst.Finally(body=cst.IndentedBlock(
                    body=[unlock.with_changes(leading_lines=comments)], indent=self.indent)),
                leading_lines=blank,
            )
            new.extend([updated[index], wrapped])
            self.applied_to(call)
            changed = True
            index = end + 1
        return new if changed else None

    def _planned_unlock(self, originals, index, call) -> Optional[int]:
        """The index of the statement that is the plan's ``unlock`` of ``call``'s finding."""
        unlock = self.anchored(self.finding_at(call), "unlock", cst.Call)
        for end in range(index + 2, len(originals)):
            if unlock is not None and sole_call(originals[end]) is unlock:
                return end
        return None
