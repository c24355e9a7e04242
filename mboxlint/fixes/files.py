"""Fixers for the file-replacement rules (MBX305, MBX306)."""

from typing import List, Optional, Sequence

import libcst as cst
from libcst.metadata import PositionProvider

from .base import Fixer, callee_name, module_code, sole_call


def _argument(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index].value if index < len(positional) else None


class RenameToReplace(Fixer):
    """MBX306 (unsafe): ``os.rename``/``Path.rename`` used to overwrite becomes ``replace``,
    which overwrites on every platform."""

    code = "MBX306"
    DESCRIPTION = "Use os.replace / Path.replace for renames that overwrite (MBX306)."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.finding_at(original) is None:
            return updated
        replaced = _renamed_to_replace(self, updated)
        if replaced is None:
            return updated
        self.applied_to(original)
        return replaced


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
    """MBX305 (safe): the removal of ``dst`` before ``os.rename(src, dst)`` is dropped and the
    rename becomes ``os.replace(src, dst)`` (``Path.replace``), which swaps the file in one step.

    The removal is an earlier statement of the rename's block or of a block enclosing it, the
    rename being reached through ``try:`` and ``with`` bodies only (not an ``if``, a loop or a
    handler), so it still runs on every path that ran the removal. A removal is
    ``os.remove(dst)``/``os.unlink(dst)``/``dst.unlink()``, alone or as the last statement of
    a ``try`` whose handlers only ``pass`` (or of ``with contextlib.suppress(...)``), or in the
    body of ``if os.path.exists(dst):`` (``isfile``, ``lexists``, ``dst.exists()``), alone or
    in one of those shapes. Only the removal goes: the other statements of its ``try`` or
    ``if`` stay, and a ``try``/``if`` left empty goes with it. The rule offers the fix only
    where nothing between the removal and the rename leaves early or rebinds ``dst``
    (``mboxlint.rules.files._replace_fix_applies``, which mirrors these shapes on ``ast``);
    the fixer trusts it.
    """

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
        if not self._matched or len(original) != len(updated):
            return None
        body: List[cst.BaseStatement] = list(updated)
        #: removal sites by position: the statements they become
        sites = {}
        for index, stmt in enumerate(original):
            for call in _reached_renames(stmt):
                finding = self.finding_at(call)
                if finding is None or finding in self.applied:
                    continue
                target = _destination(call)
                if target is None:
                    continue
                for earlier in range(index - 1, -1, -1):
                    if earlier in sites:
                        continue
                    site = _without_removal(body[earlier], target)
                    if site is None:
                        continue
                    kept, _after = site
                    new_stmt = self._replaced_in(original[index], body[index], call)
                    if new_stmt is None:
                        break
                    if not kept:
                        # The comments above the removal now introduce the rename.
                        leading = list(body[earlier].leading_lines) + list(new_stmt.leading_lines)
                        new_stmt = new_stmt.with_changes(leading_lines=leading)
                    body[index] = new_stmt
                    sites[earlier] = kept
                    self.applied_to(call)
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
        steps = _child_steps(original, call)
        if steps is None:
            return None
        node = updated
        for step in steps:
            node = node.children[step]
        new_call = _renamed_to_replace(self, node) if callee_name(node) == "rename" else node
        if new_call is None:
            return None
        return updated if new_call is node else updated.deep_replace(node, new_call)


def _child_steps(root: cst.CSTNode, target: cst.CSTNode) -> Optional[List[int]]:
    """The child indexes leading from ``root`` down to ``target``."""
    if root is target:
        return []
    for index, child in enumerate(root.children):
        steps = _child_steps(child, target)
        if steps is not None:
            return [index] + steps
    return None


def _reached_renames(stmt: cst.BaseStatement):
    """The rename calls that run whenever ``stmt`` runs to them: ``stmt`` itself, or one in
    its ``try``/``with`` body."""
    call = sole_call(stmt)
    if call is not None:
        if callee_name(call) in ("rename", "replace"):
            yield call
        return
    if isinstance(stmt, (cst.Try, cst.With)) and isinstance(stmt.body, cst.IndentedBlock):
        for inner in stmt.body.body:
            yield from _reached_renames(inner)


def _destination(call: cst.Call) -> Optional[str]:
    if isinstance(call.func, cst.Attribute) and _is_path_method(call):
        destination = _argument(call, 0, "target")
    else:
        destination = _argument(call, 1, "dst")
    return None if destination is None else module_code(destination)


_REMOVERS = ("remove", "unlink")
_EXISTS = ("exists", "isfile", "lexists", "is_file")


def _is_removal(call: Optional[cst.Call], target: str) -> bool:
    if call is None or callee_name(call) not in _REMOVERS:
        return False
    path = _argument(call, 0, "path")
    if path is None and isinstance(call.func, cst.Attribute):  # Path.unlink(missing_ok=...)
        if all(arg.keyword is not None and arg.keyword.value == "missing_ok" for arg in call.args):
            path = call.func.value
    return path is not None and module_code(path) == target


def _checks_exists(test: cst.BaseExpression, target: str) -> bool:
    """``os.path.exists(target)`` (``isfile``, ``lexists``) or ``target.exists()``."""
    if not isinstance(test, cst.Call) or callee_name(test) not in _EXISTS:
        return False
    checked = _argument(test, 0, "path")
    if checked is None and not test.args and isinstance(test.func, cst.Attribute):
        checked = test.func.value
    return checked is not None and module_code(checked) == target


def _quiet(handler: cst.ExceptHandler) -> bool:
    body = handler.body.body
    return len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine) \
        and all(isinstance(s, cst.Pass) for s in body[0].body)


def _suppresses(stmt: cst.With) -> bool:
    return all(isinstance(item.item, cst.Call) and callee_name(item.item) == "suppress" and item.asname is None
               for item in stmt.items)


def _without_removal(stmt: cst.BaseStatement, target: str):
    """If ``stmt`` removes ``target``: (the statements it becomes without the removal, the
    statements that ran after the removal inside it); else None."""
    if _is_removal(sole_call(stmt), target):
        return [], []
    if not isinstance(getattr(stmt, "body", None), cst.IndentedBlock):
        return None
    inner = list(stmt.body.body)
    if isinstance(stmt, (cst.Try, cst.With)):
        if isinstance(stmt, cst.Try):
            # An else: would now run where the removal failed; a finally is left alone.
            if stmt.orelse is not None or stmt.finalbody is not None or not all(map(_quiet, stmt.handlers)):
                return None
        elif not _suppresses(stmt):
            return None
        # Last only: statements after it in the try ran only when the removal succeeded.
        site = _without_removal(inner[-1], target) if inner else None
        if site is None or site[1]:
            return None
        rest = inner[:-1] + site[0]
    elif isinstance(stmt, cst.If) and _checks_exists(stmt.test, target):
        for position, sub in enumerate(inner):
            # The removal itself, or one of the shapes above (lib2to3's backup guards a
            # quiet ``try: os.remove(name)`` with ``lexists``).
            site = _without_removal(sub, target)
            if site is not None and not site[1]:
                rest = inner[:position] + site[0] + inner[position + 1:]
                if not rest and stmt.orelse is not None:
                    return None
                after = inner[position + 1:]
                break
        else:
            return None
        if not rest:
            return [], after
        return [stmt.with_changes(body=stmt.body.with_changes(body=rest))], after
    else:
        return None
    if not rest:
        return [], []
    return [stmt.with_changes(body=stmt.body.with_changes(body=rest))], []


__all__ = ["RenameToReplace", "UnlinkThenReplace", "PositionProvider"]


class CopyBackOntoLockedFile(Fixer):
    """MBX303 (unsafe, renames *onto* a locked file only): the rename becomes
    ``mboxlint.mailbox.copy_back(src, dst)``, which puts the new bytes into the destination's
    own inode (journaled) so processes holding or waiting for its lock keep writing to the
    live file, then removes ``src`` as the rename did."""

    code = "MBX303"
    DESCRIPTION = "Copy back into a locked file instead of renaming over it (MBX303)."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.finding_at(original) is None:
            return updated
        name = callee_name(updated)
        func = updated.func
        if isinstance(func, cst.Attribute) and name in ("rename", "replace") and _is_path_method(updated):
            source, destination = func.value, _argument(updated, 0, "target")
        elif name in ("rename", "replace", "move"):
            source, destination = _argument(updated, 0, "src"), _argument(updated, 1, "dst")
        else:
            return updated
        if source is None or destination is None:
            return updated
        self.applied_to(original)
        return cst.Call(
            func=self.reference(self.runtime_module, "copy_back"),
            args=[cst.Arg(source.deep_clone(), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                  cst.Arg(destination.deep_clone())],
        )


def _is_path_method(call: cst.Call) -> bool:
    """``p.rename(dst)``: one argument, on something other than the ``os``/``shutil`` modules."""
    func = call.func
    receiver = func.value if isinstance(func, cst.Attribute) else None
    if isinstance(receiver, cst.Name) and receiver.value in ("os", "shutil"):
        return False
    return len([a for a in call.args if a.keyword is None]) + len([a for a in call.args if a.keyword]) == 1
