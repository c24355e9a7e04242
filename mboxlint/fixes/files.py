"""Fixers for the file-replacement rules (MBX305, MBX306)."""

from typing import List, Optional, Sequence

import libcst as cst
from libcst.metadata import PositionProvider

from .base import Fixer, module_code, sole_call


def _argument(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index].value if index < len(positional) else None


def _callee_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return ""


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
    """MBX305 (safe): the ``os.remove(dst)`` before ``os.rename(src, dst)`` is dropped and the
    rename becomes ``os.replace(src, dst)``, which swaps the file in one step.

    Handled when the removal is an earlier statement of the same block: a bare
    ``os.remove(dst)``/``os.unlink(dst)``, one wrapped in ``try: ... except ...: pass`` or in
    ``with contextlib.suppress(...)``, or one under ``if os.path.exists(dst):``. Other shapes
    stay reported.
    """

    code = "MBX305"
    DESCRIPTION = "Drop the unlink before a rename and use os.replace (MBX305)."

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        body = self._rewrite(original.body, updated.body)
        return updated if body is None else updated.with_changes(body=body)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body = self._rewrite(original.body, updated.body)
        return updated if body is None else updated.with_changes(body=body)

    def _rewrite(self, original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]):
        if not self._matched:
            return None
        body: List[cst.BaseStatement] = list(updated)
        dropped = set()
        changed = False
        for index, stmt in enumerate(original):
            call = sole_call(stmt)
            if call is None or self.finding_at(call) is None or _callee_name(call) != "rename":
                continue
            destination = _argument(call, 1, "dst")
            if destination is None:
                continue
            target = module_code(destination)
            for earlier in range(index - 1, -1, -1):
                if earlier not in dropped and _removes(original[earlier], target):
                    new_call = _renamed_to_replace(self, sole_call(body[index]))
                    if new_call is None:
                        break
                    line = body[index]
                    body[index] = line.with_changes(body=[line.body[0].with_changes(value=new_call)])
                    # The comments above the removal now introduce the rename.
                    leading = list(body[earlier].leading_lines) + list(body[index].leading_lines)
                    body[index] = body[index].with_changes(leading_lines=leading)
                    dropped.add(earlier)
                    self.applied_to(call)
                    changed = True
                    break
        if not changed:
            return None
        return [stmt for position, stmt in enumerate(body) if position not in dropped]


_REMOVERS = ("remove", "unlink")


def _is_removal(call: Optional[cst.Call], target: str) -> bool:
    if call is None or _callee_name(call) not in _REMOVERS:
        return False
    path = _argument(call, 0, "path")
    return path is not None and module_code(path) == target


def _removes(stmt: cst.BaseStatement, target: str) -> bool:
    """Whether ``stmt`` only removes ``target``: ``os.remove(target)``, the same in a
    ``try`` whose handlers only ``pass`` or in a ``suppress``, or under an ``if`` that checks
    it exists."""
    if _is_removal(sole_call(stmt), target):
        return True
    if isinstance(stmt, cst.Try) and stmt.orelse is None and stmt.finalbody is None:
        inner = stmt.body.body
        quiet = all(
            len(h.body.body) == 1 and isinstance(h.body.body[0], cst.SimpleStatementLine)
            and all(isinstance(s, cst.Pass) for s in h.body.body[0].body)
            for h in stmt.handlers
        )
        return quiet and len(inner) == 1 and _is_removal(sole_call(inner[0]), target)
    if isinstance(stmt, cst.With) and len(stmt.items) == 1 and isinstance(stmt.items[0].item, cst.Call) \
            and _callee_name(stmt.items[0].item) == "suppress":
        # ``with suppress(FileNotFoundError): os.remove(dst)``, as MBX302's fix leaves it
        inner = stmt.body.body
        return len(inner) == 1 and _is_removal(sole_call(inner[0]), target)
    if isinstance(stmt, cst.If) and stmt.orelse is None and isinstance(stmt.test, cst.Call):
        test = stmt.test
        checked = _argument(test, 0, "path")
        inner = stmt.body.body
        return (
            _callee_name(test) in ("exists", "isfile", "lexists")
            and checked is not None and module_code(checked) == target
            and len(inner) == 1 and _is_removal(sole_call(inner[0]), target)
        )
    return False


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
        name = _callee_name(updated)
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
            func=self.reference("mboxlint.mailbox", "copy_back"),
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
