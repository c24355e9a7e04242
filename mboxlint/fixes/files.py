"""Fixers for the file-replacement rules (MBX305, MBX306)."""

from typing import List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import PositionProvider

from .base import Fixer


def _argument(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index].value if index < len(positional) else None


class RenameToReplace(Fixer):
    """MBX306 (unsafe): executes :func:`mboxlint.plans.files.rename_plan`: the rename anchored
    ``act`` becomes a replace, ``x.rename(...)`` as ``x.replace(...)`` (``:method``), a
    ``rename`` imported from ``os`` as ``os``'s ``replace`` (``:imported``)."""

    code = "MBX306"
    DESCRIPTION = "Use os.replace / Path.replace for renames that overwrite (MBX306)."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        for finding, role in self.anchors_at(original):
            if role != "act" or finding.code != self.code:
                continue
            self.mark_applied(finding)
            if finding.plan.action.endswith(":method"):
                return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("replace")))
            return updated.with_changes(func=self.reference("os", "replace"))
        return updated


def _renamed_to_replace(fixer: Fixer, call: cst.Call) -> Optional[cst.Call]:
    """``os.rename(a, b)`` → ``os.replace(a, b)``; ``p.rename(q)`` → ``p.replace(q)``;
    ``rename(a, b)`` (imported from os) → ``replace(a, b)`` with the import added."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "rename":
        return call.with_changes(func=func.with_changes(attr=cst.Name("replace")))
    if isinstance(func, cst.Name) and func.value == "rename":
        return call.with_changes(func=fixer.reference("os", "replace"))
    return None


class UnlinkThenReplace(Fixer):
    """MBX305: executes the plan :func:`mboxlint.plans.files.replace_plan` made: the removal
    statement anchored as ``removal`` goes from the statement anchored as ``site`` (a ``try``
    or ``if`` left empty goes with it) and the rename anchored as ``act`` becomes
    ``os.replace(src, dst)`` (``Path.replace``)."""

    code = "MBX305"
    # Dropping ``if exists(dst): os.remove(dst)`` also settles MBX302 there; MBX302's own fix
    # would have wrapped the removal in ``suppress(...)`` and kept the window open.
    SETTLES = ("MBX302",)
    DESCRIPTION = "Drop the unlink before a rename and use os.replace (MBX305)."

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        body = self._rewrite(original.body, updated.body)
        return updated if body is None else updated.with_changes(body=body)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body = self._rewrite(original.body, updated.body)
        return updated if body is None else updated.with_changes(body=body)

    def _rewrite(self, original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]):
        if not self._anchored or len(original) != len(updated):
            return None
        where = {id(stmt): index for index, stmt in enumerate(original)}
        body: List[cst.BaseStatement] = list(updated)
        #: the statements each dropped site becomes, by its index
        sites = {}
        for finding in self.findings or ():
            if self.was_applied(finding):
                continue
            site = self.anchored(finding, "site", cst.BaseStatement)
            act = self.anchored(finding, "act", cst.Call)
            removal = self.anchored(finding, "removal", cst.SimpleStatementLine)
            if site is None or act is None or removal is None or id(site) not in where:
                continue
            first = where[id(site)]
            if first in sites or not site.deep_equals(body[first]):
                continue  # changed by another fix: left for the next round
            for index in range(first + 1, len(original)):
                if index in sites or child_steps(original[index], act) is None:
                    continue
                new_stmt = self._replaced_in(original[index], body[index], act)
                if new_stmt is None:
                    break
                kept = _without(site, removal)
                if not kept:
                    # The comments above the removal now introduce the rename.
                    leading = list(site.leading_lines) + list(new_stmt.leading_lines)
                    new_stmt = new_stmt.with_changes(leading_lines=leading)
                body[index] = new_stmt
                sites[first] = kept
                self.applied_to(act)
                break
        if not sites:
            return None
        new_body: List[cst.BaseStatement] = []
        for position, stmt in enumerate(body):
            new_body.extend(sites.get(position, [stmt]))
        return new_body

    def _replaced_in(self, original: cst.BaseStatement, updated: cst.BaseStatement,
                     call: cst.Call) -> Optional[cst.BaseStatement]:
        """``updated`` with the rename ``call`` (a node of ``original``) made a replace."""
        if not original.deep_equals(updated):
            return None  # changed by a fix nested in it: left for the next round
        steps = child_steps(original, call)
        if steps is None:
            return None
        node = updated
        for step in steps:
            node = node.children[step]
        new_call = _renamed_to_replace(self, node)
        if new_call is None:
            return updated  # already a replace: only the removal goes
        return updated.deep_replace(node, new_call)


def child_steps(root: cst.CSTNode, target: cst.CSTNode) -> Optional[List[int]]:
    """The child indexes leading from ``root`` down to ``target``, or None when ``target`` is
    not in ``root``'s subtree. Iterative: the depth comes from the input."""
    stack: List[Tuple[cst.CSTNode, Tuple[int, ...]]] = [(root, ())]
    while stack:
        node, steps = stack.pop()
        if node is target:
            return list(steps)
        stack.extend((child, steps + (index,)) for index, child in enumerate(node.children))
    return None


def _without(stmt: cst.BaseStatement, removal: cst.BaseStatement) -> List[cst.BaseStatement]:
    """``stmt`` without the statement ``removal`` somewhere in its body; a compound statement
    left with an empty body goes too. The plan bounds the nesting (an ``if``, a ``try``)."""
    if stmt is removal:
        return []
    kept: List[cst.BaseStatement] = []
    for inner in stmt.body.body:
        kept.extend(_without(inner, removal) if child_steps(inner, removal) is not None else [inner])
    if not kept:
        return []
    return [stmt.with_changes(body=stmt.body.with_changes(body=kept))]


__all__ = ["RenameToReplace", "UnlinkThenReplace", "PositionProvider"]


class CopyBackOntoLockedFile(Fixer):
    """MBX303 (unsafe, renames *onto* a locked file only): the rename becomes
    ``mboxlint.mailbox.copy_back(src, dst)``, which puts the new bytes into the destination's
    own inode (journaled) so processes holding or waiting for its lock keep writing to the
    live file, then removes ``src`` as the rename did."""

    code = "MBX303"
    DESCRIPTION = "Copy back into a locked file instead of renaming over it (MBX303)."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        for finding, role in self.anchors_at(original):
            if role != "act" or finding.code != self.code:
                continue
            source = self.anchored(finding, "src", cst.BaseExpression)
            destination = self.anchored(finding, "dst", cst.BaseExpression)
            if source is None or destination is None:
                continue
            self.mark_applied(finding)
            return cst.Call(
                func=self.reference(self.runtime_module, "copy_back"),
                args=[cst.Arg(source.deep_clone(), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                      cst.Arg(destination.deep_clone())],
            )
        return updated
