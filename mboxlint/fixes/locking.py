"""Fixes of the MBX1 locking rules.

``FlushBeforeUnlock`` (MBX102) and ``WrapLockInTryFinally`` (MBX103) rewrite statement lists,
so both work on the blocks that hold the reported ``unlock()``/``lock()`` line. Shapes they do
not handle (a call sharing its line with other statements, an ``unlock()`` in an ``except``
handler or nested inside a ``finally``, a region left by ``return``) are left as they are.
"""

from typing import Dict, List, Optional, Sequence

import libcst as cst

from .base import Fixer, insert_before, method_call, module_code, sole_call, split_leading_lines

#: the kinds of enclosing blocks that decide where a flush may go
_DEF, _FINALLY, _EXCEPT = "def", "finally", "except"


class _StatementListFixer(Fixer):
    """Calls :meth:`rewrite` on every statement list (module and indented blocks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._frames: List[str] = []
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

    # Where a reported call sits: the kinds of blocks between it and its function.
    def visit_FunctionDef(self, node):
        self._frames.append(_DEF)

    def leave_FunctionDef(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def visit_ClassDef(self, node):
        self._frames.append(_DEF)

    def leave_ClassDef(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def visit_Finally(self, node):
        self._frames.append(_FINALLY)

    def leave_Finally(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def visit_ExceptHandler(self, node):
        self._frames.append(_EXCEPT)

    def leave_ExceptHandler(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def visit_ExceptStarHandler(self, node):
        self._frames.append(_EXCEPT)

    def leave_ExceptStarHandler(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def enclosing_blocks(self) -> List[str]:
        """Kinds of the blocks around the current node, innermost last, up to its def."""
        frames = self._frames
        start = len(frames)
        while start > 0 and frames[start - 1] != _DEF:
            start -= 1
        return frames[start:]

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
    """MBX102: ``box.flush()`` as the last statement of the locked region's normal path.

    With ``unlock()`` in a ``finally``, the flush ends the ``try`` body (its ``else:`` when
    there is one), before a final ``return``/``raise``/``break``/``continue``; so an exception
    still discards the pending changes, as before. Otherwise it goes right before ``unlock()``.
    """

    code = "MBX102"
    DESCRIPTION = "mboxlint MBX102: flush() pending mailbox changes before unlock()."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._mode: Dict[int, str] = {}

    def matched(self, node, finding):
        blocks = self.enclosing_blocks()
        if not blocks or (_FINALLY not in blocks and _EXCEPT not in blocks):
            self._mode[id(node)] = "before"
        elif blocks[-1] == _FINALLY and blocks.count(_FINALLY) + blocks.count(_EXCEPT) == 1:
            # Directly in the finally (checked in leave_Try) and in no handler around it.
            self._mode[id(node)] = "finally"

    def _unlock(self, stmt, mode):
        call = self.reported_call(stmt, "unlock")
        if call is not None and self._mode.get(id(call)) == mode and not call.args:
            return call
        return None

    def rewrite(self, originals, updated):
        new: List[cst.BaseStatement] = []
        changed = False
        for original, stmt in zip(originals, updated):
            call = self._unlock(original, "before")
            if call is None:
                new.append(stmt)
                continue
            new.extend(insert_before(stmt, method_call(call.func.value, "flush")))
            self.applied_to(call)
            changed = True
        return new if changed else None

    def leave_Try(self, original_node, updated_node):
        if original_node.finalbody is None or not isinstance(original_node.finalbody.body, cst.IndentedBlock):
            return updated_node
        final = original_node.finalbody.body.body
        calls = []
        for index, stmt in enumerate(final):
            call = self._unlock(stmt, "finally")
            # A change made in the finally before the unlock is not covered by the flush.
            if call is not None and not _mentions(final[:index], module_code(call.func.value)):
                calls.append(call)
        target = updated_node.orelse if updated_node.orelse is not None else updated_node
        if not calls or not isinstance(target.body, cst.IndentedBlock) or _left_early(updated_node, target.body):
            return updated_node
        block = target.body
        for call in calls:
            grown = _append_on_normal_path(block, method_call(call.func.value, "flush"))
            if grown is not block:
                block = grown
                self.applied_to(call)
        if updated_node.orelse is not None:
            return updated_node.with_changes(orelse=updated_node.orelse.with_changes(body=block))
        return updated_node.with_changes(body=block)


class _Mention(cst.CSTVisitor):
    def __init__(self, receiver: str):
        self.receiver = receiver
        self.found = False

    def visit_Name(self, node):
        self.found = self.found or node.value == self.receiver

    def visit_Attribute(self, node):
        self.found = self.found or module_code(node) == self.receiver


def _mentions(statements, receiver: str) -> bool:
    """Whether any of ``statements`` uses the mailbox ``receiver`` (``box``, ``self.box``)."""
    visitor = _Mention(receiver)
    for stmt in statements:
        stmt.visit(visitor)
    return visitor.found


def _left_early(node: cst.Try, block: cst.IndentedBlock) -> bool:
    """Whether the ``try`` body or its ``else`` can be left (``return``, ``break``...) before
    the end of ``block``, where the flush goes: that way out would still skip it. A jump
    ending ``block`` does not count; the flush goes before it."""
    statements = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    if node.orelse is not None and isinstance(node.orelse.body, cst.IndentedBlock):
        statements += list(node.orelse.body.body)
    last = block.body[-1] if block.body else None
    if isinstance(last, cst.SimpleStatementLine) and isinstance(
        last.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue)
    ):
        statements = [s for s in statements if s is not last]
    return _leaves_early(statements)


def _append_on_normal_path(block: cst.IndentedBlock, new: cst.SimpleStatementLine) -> cst.IndentedBlock:
    """``block`` with ``new`` as its last statement that runs, before a final jump.

    Comments closing the block (its footer) stay above the new line, as they describe the
    end of the block; blank lines after them stay where they are.
    """
    body = list(block.body)
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine) and isinstance(
        last.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue)
    ):
        if len(last.body) > 1:
            return block  # ``x; return`` on one line: leave it to a person
        return block.with_changes(body=body[:-1] + insert_before(last, new))
    footer = list(block.footer)
    end = max((i + 1 for i, line in enumerate(footer) if line.comment is not None), default=0)
    new = new.with_changes(leading_lines=footer[:end])
    return block.with_changes(body=body + [new], footer=footer[end:])


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


class _EarlyExit(cst.CSTVisitor):
    """Finds a way out of a block other than an exception or falling through its end."""

    def __init__(self):
        self.loops = 0
        self.found = False

    def visit_FunctionDef(self, node):
        return False

    def visit_ClassDef(self, node):
        return False

    def visit_Lambda(self, node):
        return False

    def visit_Return(self, node):
        self.found = True

    def _loop(self, node):
        self.loops += 1

    def _unloop(self, node):
        self.loops -= 1

    visit_For = visit_While = _loop
    leave_For = leave_While = _unloop

    def visit_Break(self, node):
        self.found = self.found or self.loops == 0

    def visit_Continue(self, node):
        self.found = self.found or self.loops == 0


def _leaves_early(statements) -> bool:
    visitor = _EarlyExit()
    for stmt in statements:
        stmt.visit(visitor)
        if visitor.found:
            return True
    return False
