"""``--fix``: apply the fixers at the engine's findings, prove the result, write it atomically.

A file travels: read (encoding, BOM, line endings kept) -> the engine on ``ast`` -> only if a
finding has a fix that is allowed (safe, or unsafe with ``--unsafe-fixes``), libcst parses the
file (or only what the fixer looks at: :mod:`mboxlint.fixes.excerpt`) and the fixer of one rule
code rewrites it -> the engine re-lints the result; repeat until nothing more is fixable (at
most :data:`MAX_ROUNDS` rounds).

A rewrite is kept only when the result parses and every finding it meant to fix is gone
without any new finding appearing, and without a finding of another code disappearing
unless the fix settles it (drops the very statement it reports). When a rule's batch fails that test, its findings are
tried one at a time, so one bad fix does not hold back the good ones; the bad one is left
as it was and reported. A file libcst cannot parse, or would not print back unchanged
(libcst has bugs there), is reported and left byte-identical, and its ``ast`` findings stay
reported. Nothing here prints except :func:`run`.
"""

import difflib
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import libcst as cst
from libcst.codemod import CodemodContext

from .selection import Selection
from .engine import FileResult, check_source
from .finding import Finding, last_line as _last_line
from .fixes import FIXERS, allowed
from .fixes.excerpt import Excerpt, excerpt
from .output import display_path
from .safe_write import WriteError, digest, replace_file
from .source import SourceError, read_source

#: Rounds of fix-and-re-lint per file; every round fixes the findings of one rule code.
MAX_ROUNDS = 10


@dataclass
class FixResult:
    path: str
    original: str
    #: the fixed text (equal to ``original`` when nothing was fixed)
    text: str
    #: findings left after fixing (all findings of the file when it was not fixed)
    remaining: List[Finding] = field(default_factory=list)
    #: how many findings the fixes removed
    fixed: int = 0
    #: the file could not be checked at all (E902/E999), as ``check`` reports it
    error: Optional[Finding] = None
    #: why something could not be fixed: libcst refused the file, a fix failed its check,
    #: the file could not be written
    problems: List[str] = field(default_factory=list)
    #: the new file's bytes, encoded like the original (set by :func:`fix_file`)
    data: Optional[bytes] = None
    written: bool = False
    #: remaining findings whose fix needs ``--unsafe-fixes``
    unsafe_available: int = 0
    #: the findings before any fix
    initial: List[Finding] = field(default_factory=list)
    #: the bytes that were read (set by :func:`fix_file`)
    raw: Optional[bytes] = None
    #: a fix was dropped for a reason outside the file's content (it could not be encoded,
    #: written, or compiled): what was found is not the file's alone
    gave_up: bool = False
    #: the file written and its ``stat`` when read (set by :func:`fix_file`), so that the
    #: write, wherever it happens, can tell whether the file changed meanwhile
    target: Optional[Tuple[str, os.stat_result]] = None

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def diff(self) -> str:
        if not self.changed:
            return ""
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.text.splitlines(keepends=True),
                fromfile=display_path(self.path),  # a name must not add lines to the diff
                tofile=display_path(self.path),
            )
        )

    def give_up(self, problem: str, findings: List[Finding]) -> None:
        """Keep the file as it was, with its original findings, and say why."""
        self.problems.append(problem)
        self.gave_up = True
        self.text = self.original
        self.remaining = findings
        self.fixed = 0
        self.data = None


class _Rejected(Exception):
    """A rewrite that failed its check; the message says how."""


class _Whole(Exception):
    """A fix moved what an excerpt hid: the round is done again on the whole file."""


def _fixer(code: str, path: str, findings: List[Finding], unsafe: bool, options: Optional[dict] = None):
    fixer = FIXERS[code](CodemodContext(filename=path), findings=findings, unsafe_fixes=unsafe)
    module = (options or {}).get("fix_import_module")
    if module:
        fixer.runtime_module = module
    return fixer


def _apply(code: str, module: cst.Module, findings: List[Finding], unsafe: bool, path: str,
           source: Optional[str] = None, part: Optional[Excerpt] = None,
           options: Optional[dict] = None) -> Tuple[str, int]:
    fixer = _fixer(code, path, findings, unsafe, options)
    new = fixer.apply(module, source, part)
    if part is None:
        return new.code, len(fixer.applied)
    text = part.restore(new.code)
    if text is None:
        raise _Whole
    return text, len(fixer.applied)


def _next_code(codes) -> str:
    """The rule code to fix next: the lowest one that no other pending fixer settles."""
    first = [c for c in codes if not any(c in FIXERS[other].SETTLES for other in codes if other != c)]
    return min(first or codes)


def _check(text: str, path: str, selection: Selection, options: Optional[dict],
           before: List[Finding], code: str, applied: int) -> List[Finding]:
    """The findings of a rewritten text, or :class:`_Rejected` if the rewrite is not acceptable."""
    result = check_source(text, path, selection, options)
    if result.error is not None:
        raise _Rejected("would not parse (%s)" % result.error.message)
    old, new = Counter(f.code for f in before), Counter(f.code for f in result.findings)
    if new[code] > old[code] - applied:
        raise _Rejected("would leave the %s finding in place" % code)
    if new[code] < old[code] - applied:
        raise _Rejected("would hide a %s finding without fixing it" % code)
    added = sorted(c for c in new if c != code and new[c] > old[c])
    if added:
        raise _Rejected("would add a %s finding" % ", ".join(added))
    # A finding of another code counts as fixed only when this fix settles it (drops the
    # statement it reports); one that merely stopped being detected still stands.
    hidden = sorted(c for c in old if c != code and new[c] < old[c] and c not in FIXERS[code].SETTLES)
    if hidden:
        raise _Rejected("would hide a %s finding without fixing it" % ", ".join(hidden))
    return result.findings


class _Lossy(Exception):
    """libcst parsed the file into a tree that does not print back as the file."""


def _parse_cst(text: str) -> cst.Module:
    module = cst.parse_module(text)
    # libcst 1.x does not print every file back as it was (it drops the space in
    # ``except OSError :``, and indented comment lines after a module's last simple
    # statement): a fix printed from such a tree would change lines it never meant to.
    if module.code != text:
        raise _Lossy("libcst would not print this file back unchanged")
    return module


def _compiles(text: str, path: str) -> bool:
    """Whether the interpreter compiles ``text`` (catches what ``ast.parse`` lets through,
    such as a ``break`` moved out of its loop)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fix_source(text: str, path: str = "<unknown>", selection: Optional[Selection] = None,
               unsafe: bool = False, options: Optional[dict] = None,
               first: Optional[FileResult] = None, excerpts: bool = True) -> FixResult:
    """Fix ``text`` in memory. Does no I/O. ``first``: what checking ``text`` with this
    selection and these options gave, when known (``--fix`` checked every file already).
    ``excerpts``: let libcst parse only what a round's fixer looks at (see
    :mod:`mboxlint.fixes.excerpt`); the result is the same either way."""
    selection = selection or Selection()
    if first is None:
        first = check_source(text, path, selection, options)
    result = FixResult(path, text, text, list(first.findings), error=first.error, initial=list(first.findings))
    if first.error is not None:
        return result
    findings = first.findings
    module: Optional[cst.Module] = None
    module_text = None
    stuck = set()
    for _ in range(MAX_ROUNDS):
        todo = [f for f in findings if f.code in FIXERS and f.code not in stuck and allowed(f, unsafe)]
        if not todo:
            break
        code = _next_code({f.code for f in todo})
        group = [f for f in todo if f.code == code]
        part = None
        if excerpts:
            part = excerpt(result.text, _fixer(code, path, group, unsafe).lines_to_fix(result.text, group))
        accepted = None
        for part in ([part, None] if part is not None else [None]):
            wanted = result.text if part is None else part.text
            if module is None or module_text != wanted:
                try:
                    module, module_text = _parse_cst(wanted), wanted
                except Exception as error:  # ParserSyntaxError, or libcst's limits (deep nesting)
                    if part is not None:
                        continue  # the whole file says why, or parses after all
                    module = None
                    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                    if isinstance(error, _Lossy):
                        result.problems.append("%s: not fixed" % error)
                    elif result.text == text:
                        result.problems.append("libcst cannot parse this file (%s): not fixed" % reason)
                    else:  # cannot happen for libcst's own output; keep what was proven so far
                        result.problems.append("libcst cannot parse the partly fixed file (%s)" % reason)
                    break
            said = len(result.problems)
            try:
                accepted = _fix_round(result, module, code, group, findings, selection, unsafe, options, part)
                break
            except _Whole:
                del result.problems[said:]
        if module is None:
            break
        if accepted is None:
            stuck.add(code)
            continue
        before = len(findings)
        result.text, findings, _applied, done = accepted
        # Also counts findings the fix removed with their code (an MBX302 on the unlink
        # that the MBX305 fix drops): fixed and remaining add up to what was found.
        result.fixed += before - len(findings)
        if done:
            stuck.add(code)
    result.remaining = findings
    # The fixed text first: it nearly always compiles, and then the original need not be.
    if result.changed and not _compiles(result.text, path) and _compiles(text, path):
        result.give_up("the fixed file would not compile: not fixed", result.initial)
    result.unsafe_available = sum(1 for f in result.remaining if f.code in FIXERS and f.fix == "unsafe" and not unsafe)
    return result


def _fix_round(result, module, code, group, findings, selection, unsafe, options, part=None):
    """One rule code's fixes: all at once, else one at a time. Returns
    ``(text, findings, fixed, code_done)`` or None when none of them could be applied.
    ``module`` is parsed from ``part`` when given (:class:`_Whole` asks for the whole file)."""
    path = result.path
    source = result.text if part is None else part.text
    try:
        text, applied = _apply(code, module, group, unsafe, path, source, part, options)
        if not applied:
            return None
        return text, _check(text, path, selection, options, findings, code, applied), applied, False
    except (_Rejected, _Whole) as why:
        if isinstance(why, _Whole):
            raise
    except Exception as error:  # a fixer bug must not stop the other fixes of the file
        result.problems.append("the %s fix failed (%s): not applied" % (code, _last_line(error)))
        return None
    # Isolate the findings whose fix is wrong; apply the others.
    good = []
    for finding in group:
        try:
            text, applied = _apply(code, module, [finding], unsafe, path, source, part, options)
            if applied:
                good.append((finding, text, _check(text, path, selection, options, findings, code, applied)))
        except _Whole:
            raise
        except _Rejected as why:
            result.problems.append("the %s fix at line %d %s: left as it was" % (code, finding.line, why))
        except Exception as error:
            result.problems.append("the %s fix at line %d failed (%s): left as it was"
                                   % (code, finding.line, _last_line(error)))
    if not good:
        return None
    if len(good) > 1:
        try:
            text, applied = _apply(code, module, [g[0] for g in good], unsafe, path, source, part, options)
            return text, _check(text, path, selection, options, findings, code, applied), applied, True
        except _Whole:
            raise
        except Exception:  # noqa: BLE001 - fall back to the first fix alone, proven above
            pass
    finding, text, new_findings = good[0]
    return text, new_findings, 1, len(good) == 1


# -- files -------------------------------------------------------------------------------


def fix_file(path: str, selection: Optional[Selection] = None, unsafe: bool = False, write: bool = True,
             options: Optional[dict] = None, checked: Optional[Tuple[str, List[Finding]]] = None) -> FixResult:
    """Fix one file; with ``write``, replace it atomically when something was fixed.

    ``checked``: the :func:`mboxlint.runner.content_digest` of some bytes and the findings
    checking them gave; used instead of checking again when the file still holds those bytes.

    A symbolic link is read but never written through (see :mod:`mboxlint.safe_write`); if
    the file changed meanwhile, nothing is written and a problem is reported.
    """
    real = os.path.realpath(path)
    try:
        before = os.stat(real)
        source = read_source(real)
    except SourceError as error:
        return FixResult(path, "", "", [], error=Finding(error.line, error.col, error.code, error.message))
    except OSError as error:
        return FixResult(path, "", "", [], error=Finding(1, 0, "E902", "cannot read: %s" % (error.strerror or error)))
    first = None
    if checked is not None:
        from .runner import content_digest

        if content_digest(source.raw) == checked[0]:
            first = FileResult(path, list(checked[1]))
    result = fix_source(source.text, path, selection, unsafe, options, first)
    result.raw = source.raw
    if not result.changed:
        return result
    try:
        result.data = result.text.encode(source.encoding)
    except UnicodeError as error:
        result.give_up("the fixed text cannot be encoded as %s (%s): not fixed" % (source.encoding, error),
                       result.initial)
        return result
    result.target = (real, before)
    if write:
        write_fixed(result)
    return result


def write_fixed(result: FixResult) -> None:
    """Replace the file of a :func:`fix_file` result (made with ``write=False``) by its fixed
    bytes (see :mod:`mboxlint.safe_write`); a failure gives the fix up and says why. ``--fix``
    computes fixes in child processes and writes here, in one process: a child stopped midway
    then leaves nothing behind, not even a temp file."""
    if result.written or result.data is None or result.target is None or result.raw is None:
        return
    _real, before = result.target
    try:
        replace_file(result.path, result.data, digest(result.raw), before)
        result.written = True
    except WriteError as error:
        result.give_up(str(error), result.initial)


# -- the command -------------------------------------------------------------------------
