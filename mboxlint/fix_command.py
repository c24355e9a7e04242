"""``mboxlint --fix`` / ``--diff`` over many files.

The check runs first, in parallel and through the cache, exactly as ``check`` does; only the
files with a fix to apply are read again and handed to :mod:`mboxlint.fix`, which is what
imports libcst (over half a second on its own), so a tree with nothing to fix costs about what
``check`` costs. What fixing an unchanged file found (a fix declined or refused) is kept in
the check's cache entry, so the next run does not load libcst for that file again.
"""

import sys
import traceback
from typing import List, Optional, Sequence, TextIO

from .config import Selection
from .engine import FileResult
from .finding import allowed


def _plural(count: int, word: str) -> str:
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def run(paths: Sequence[str], selection: Selection, unsafe: bool, diff: bool, fmt: str,
        exit_zero: bool = False, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None,
        jobs: Optional[int] = None, cache: bool = True) -> int:
    """``mboxlint check --fix`` / ``--diff``; returns the exit status (see :mod:`mboxlint.cli`)."""
    import os

    from .output import write
    from .runner import check_paths_cached, content_digest

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr

    results: list = []  # FixResult for fixed files, _Unfixed for the others
    internal = False
    options = selection.options if hasattr(selection, "selection_for") else None
    mode = "unsafe" if unsafe else "safe"
    checked_all, store = check_paths_cached(paths, selection, options, jobs=jobs, cache=cache)
    for checked in checked_all:
        if checked.internal:
            internal = True
            stderr.write("mboxlint: %s while checking %s\n" % (checked.error.message, checked.path))
            continue
        if checked.error is not None or not any(allowed(f, unsafe) for f in checked.findings):
            results.append(_Unfixed(
                checked.path, list(checked.findings), checked.error,
                0 if unsafe else sum(1 for f in checked.findings if f.fix == "unsafe"),
            ))
            continue
        path = checked.path
        known = store.fix_outcome(os.path.abspath(path), mode) if store is not None else None
        if known is not None:  # this content was fixed before, changing nothing
            results.append(_Unfixed(path, list(checked.findings), None, known[1], known[0]))
            continue
        try:
            from .fix import fix_file

            if hasattr(selection, "selection_for"):  # a configuration: per-file ignores, options
                chosen, options = selection.selection_for(path), selection.options
            else:
                chosen, options = selection, None
            result = fix_file(path, chosen, unsafe, write=not diff, options=options)
        except Exception as error:  # a bug must not hide the other files; this one is untouched
            internal = True
            stderr.write("mboxlint: internal error while fixing %s: %s\n" % (path, last_line(error)))
            continue
        results.append(result)
        if store is not None and not result.changed and not result.gave_up and result.error is None \
                and result.raw is not None:
            store.put_fix_outcome(os.path.abspath(path), content_digest(result.raw), mode,
                                  result.problems, result.unsafe_available)
    if store is not None:
        store.save()
    if diff:
        for result in results:
            stdout.write(result.diff())
        for result in results:
            if result.error is not None:
                stderr.write("%s:%d:%d: %s %s\n" % (result.path, result.error.line, result.error.col + 1,
                                                    result.error.code, result.error.message))
    else:
        write([FileResult(r.path, r.remaining, r.error) for r in results], fmt, stdout)
    stdout.flush()
    for result in results:
        for problem in dict.fromkeys(result.problems):
            stderr.write("%s: cannot fix: %s\n" % (result.path, problem))
    changed = [r for r in results if r.changed]
    fixed = sum(r.fixed for r in changed)
    remaining = sum(len(r.remaining) for r in results)
    more = sum(r.unsafe_available for r in results)
    hint = " (%d more with --unsafe-fixes)" % more if more else ""
    if diff:
        stderr.write("Would fix %s in %s, %d remaining%s.\n"
                     % (_plural(fixed, "finding"), _plural(len(changed), "file"), remaining, hint))
    else:
        stderr.write("Fixed %s in %s, %d remaining%s.\n"
                     % (_plural(fixed, "finding"), _plural(len(changed), "file"), remaining, hint))
    if internal:
        return 2
    if any(r.error is not None or r.problems for r in results):
        return 3
    if diff:
        return 1 if changed else 0
    return 1 if remaining and not exit_zero else 0


def last_line(error: BaseException) -> str:
    """The last line of an exception's message, for one-line reports."""
    lines = traceback.format_exception_only(type(error), error)
    return lines[-1].strip() if lines else type(error).__name__


class _Unfixed:
    """What the report needs of a file that was checked but not fixed."""

    changed = False
    fixed = 0
    problems: List[str] = []

    def __init__(self, path, remaining, error, unsafe_available, problems=()):
        self.problems = list(problems)
        self.path = path
        self.remaining = remaining
        self.error = error
        self.unsafe_available = unsafe_available

    def diff(self) -> str:
        return ""
