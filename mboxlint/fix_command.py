"""``mboxlint --fix`` / ``--diff`` over many files.

The check runs first, in parallel and through the cache, exactly as ``check`` does; only the
files with a fix to apply are read again and handed to :mod:`mboxlint.fix`, which is what
imports libcst (over half a second on its own), so a tree with nothing to fix costs about what
``check`` costs. Those files are fixed in child processes, whatever ``-j`` (libcst is loaded
only by those that get one, and a crash in it costs one file); this process writes. What
fixing an unchanged file found (a fix declined or refused) is kept in the check's cache
entry, so the next run does not load libcst for that file again.
"""

import sys
from collections import Counter
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

from .config import DEFAULT_FIX_IMPORT_MODULE
from .selection import Selection
from .engine import FileResult
from .finding import allowed, last_line

if TYPE_CHECKING:
    from .fix import FixResult


def _plural(count: int, word: str) -> str:
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def run(paths: Sequence[str], selection: Selection, unsafe: bool, diff: bool, fmt: str,
        exit_zero: bool = False, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None,
        jobs: Optional[int] = None, cache: bool = True, quiet: bool = False, show_fixes: bool = False,
        exit_non_zero_on_fix: bool = False,
        unwalkable: Sequence[FileResult] = ()) -> int:
    """``mboxlint check --fix`` / ``--diff``; returns the exit status (see :mod:`mboxlint.cli`).
    ``quiet``: no summary; ``show_fixes``: list what was fixed in each file, and mark what is
    left that a fix could settle; ``exit_non_zero_on_fix``: exit 1 when anything was fixed."""
    import os

    from .output import display_path, write
    from .runner import check_paths_cached, content_digest

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr

    results: list = []  # FixResult for fixed files, _Unfixed for the others
    internal = False
    options = selection.options if hasattr(selection, "selection_for") else None
    mode = "unsafe" if unsafe else "safe"
    digests: Dict[int, str] = {}
    if not diff:
        from .safe_write import remove_stale_temps

        remove_stale_temps(sorted({os.path.dirname(os.path.abspath(p)) for p in paths}))
    checked_all, store = check_paths_cached(paths, selection, options, jobs=jobs, cache=cache, digests=digests)
    # What each file needs, in the check's order: its report is written in that order,
    # whatever order the fixes finish in.
    plan: list = []  # (checked, None) for a check's internal error; (None, _Unfixed); (path, checked)
    to_fix: List[Tuple[str, Optional[Tuple[str, list]]]] = []  # with what the check found, to reuse
    for index, checked in enumerate(checked_all):
        if checked.internal:
            plan.append((checked, None))
            continue
        if checked.error is not None or not any(allowed(f, unsafe) for f in checked.findings):
            plan.append((None, _Unfixed(
                checked.path, list(checked.findings), checked.error,
                0 if unsafe else sum(1 for f in checked.findings if f.fix == "unsafe"),
            )))
            continue
        path = checked.path
        known = store.fix_outcome(os.path.abspath(path), mode) if store is not None else None
        if known is not None:  # this content was fixed before, changing nothing
            plan.append((None, _Unfixed(path, list(checked.findings), None, known[1], known[0])))
            continue
        plan.append((path, checked))
        to_fix.append((path, (digests[index], checked.findings) if index in digests else None))
    outcomes = iter(fix_paths([path for path, _ in to_fix], selection, unsafe, not diff, jobs,
                              [known for _, known in to_fix]))
    for first, unfixed in plan:
        if isinstance(unfixed, _Unfixed):
            results.append(unfixed)
            continue
        if not isinstance(first, str):
            internal = True
            stderr.write("mboxlint: %s while checking %s\n" % (first.error.message, display_path(first.path)))
            continue
        path = first
        result, failure = next(outcomes)
        if result is None and failure == CRASHED:  # libcst's crash on this input: not fixed
            results.append(_Unfixed(path, list(unfixed.findings), None, 0, [CRASHED]))
            continue
        if result is None:  # a bug must not hide the other files; this one is untouched
            internal = True
            stderr.write("mboxlint: internal error while fixing %s: %s\n" % (display_path(path), failure))
            continue
        results.append(result)
        if store is not None and not result.changed and not result.gave_up and result.error is None \
                and result.raw is not None:
            store.put_fix_outcome(os.path.abspath(path), content_digest(result.raw), mode,
                                  result.problems, result.unsafe_available)
    if store is not None:
        store.save()
    results.extend(_Unfixed(r.path, [], r.error, 0) for r in unwalkable)  # folders that could not be read
    if diff:
        for result in results:
            stdout.write(result.diff())
        for result in results:
            if result.error is not None:
                stderr.write("%s:%d:%d: %s %s\n" % (display_path(result.path), result.error.line,
                                                    result.error.col + 1, result.error.code, result.error.message))
    else:
        write([FileResult(r.path, r.remaining, r.error) for r in results], fmt, stdout,
              mark_fixes=unsafe if show_fixes else None)
    stdout.flush()
    for result in results:
        for problem in dict.fromkeys(result.problems):
            stderr.write("%s: cannot fix: %s\n" % (display_path(result.path), problem))
    changed = [r for r in results if r.changed]
    if not quiet:
        summarise(results, diff, getattr(selection, "fix_import_module", DEFAULT_FIX_IMPORT_MODULE),
                  show_fixes, stderr)
    if internal:
        return 2
    if exit_zero:
        return 0
    if any(r.error is not None or r.problems for r in results):
        return 3
    if diff:
        return 1 if changed else 0
    if exit_non_zero_on_fix and changed:
        return 1
    return 1 if any(r.remaining for r in results) else 0


def fix_stdin(name: str, source, config, options) -> int:
    """``--fix``/``--diff`` of a file read from standard input (:func:`mboxlint.source.decode`
    made ``source`` of it): the fixed text (or the diff) goes to standard output, in the
    input's encoding; the findings left, any problem and the summary to standard error."""
    from .fix import fix_source
    from .output import display_path, write

    unsafe = options.unsafe_fixes or bool(config.unsafe_fixes)
    try:
        result = fix_source(source.text, name, config.selection_for(name), unsafe, config.options)
    except Exception as error:  # the buffer must come back whole whatever went wrong
        result, failure = None, last_line(error)
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    data = source.raw
    if result is not None and result.changed:
        try:
            data = result.text.encode(source.encoding)
        except UnicodeError as error:
            result.give_up("the fixed text cannot be encoded as %s (%s): not fixed" % (source.encoding, error),
                           result.initial)
    if options.diff:
        sys.stdout.write(result.diff() if result is not None else "")
    elif out is not None:
        sys.stdout.flush()
        out.write(data)
    else:
        sys.stdout.write(data.decode(source.encoding))
    sys.stdout.flush()
    if result is None:
        sys.stderr.write("mboxlint: internal error while fixing %s: %s\n" % (display_path(name), failure))
        return 2
    report = [FileResult(name, result.remaining, result.error)]
    if options.output_file:
        with open(options.output_file, "w", encoding="utf-8") as handle:
            write(report, options.format, handle, texts={name: result.text})
    else:
        write(report, options.format, sys.stderr, texts={name: result.text},
              mark_fixes=unsafe if options.show_fixes else None)
    for problem in dict.fromkeys(result.problems):
        sys.stderr.write("%s: cannot fix: %s\n" % (display_path(name), problem))
    if not options.quiet:
        summarise([result], options.diff, config.fix_import_module, options.show_fixes, sys.stderr)
    if options.exit_zero:
        return 0
    if result.error is not None or result.problems:
        return 3
    if options.diff:
        return 1 if result.changed else 0
    if options.exit_non_zero_on_fix and result.changed:
        return 1
    return 1 if result.remaining else 0


def summarise(results: list, diff: bool, import_module: str, show_fixes: bool, stderr: TextIO) -> None:
    """What ``--fix`` did (or ``--diff`` would do): per file and code with ``show_fixes``, then
    the totals, then which files now import ``import_module`` (the project must ship it)."""
    from .output import display_path

    changed = [r for r in results if r.changed]
    fixed = sum(r.fixed for r in changed)
    if show_fixes and changed:
        stderr.write("%s %s:\n" % ("Would fix" if diff else "Fixed", _plural(fixed, "finding")))
        for result in changed:
            stderr.write("- %s:\n" % display_path(result.path))
            counts = Counter(f.code for f in result.initial) - Counter(f.code for f in result.remaining)
            for code, count in sorted(counts.items()):
                stderr.write("    %d \u00d7 %s (%s)\n" % (count, code, _rule_name(code)))
    remaining = sum(len(r.remaining) for r in results)
    more = sum(r.unsafe_available for r in results)
    hint = " (%d more with --unsafe-fixes)" % more if more else ""
    stderr.write("%s %s in %s, %d remaining%s.\n"
                 % ("Would fix" if diff else "Fixed", _plural(fixed, "finding"), _plural(len(changed), "file"),
                    remaining, hint))
    importing = [r for r in changed if imports_module(r.text, import_module) and not imports_module(r.original, import_module)]
    if importing:
        verb = "would import" if diff else "now imports" if len(importing) == 1 else "now import"
        stderr.write("%s %s %s" % (_plural(len(importing), "file"), verb, import_module))
        if import_module == DEFAULT_FIX_IMPORT_MODULE:
            stderr.write(": add mboxlint to your runtime dependencies, or copy the module into your "
                         "project with 'mboxlint vendor' and set fix-import-module")
        stderr.write(".\n")


def imports_module(text: str, module: str) -> bool:
    """Whether ``text`` has a line ``from MODULE import ...`` or ``import MODULE``."""
    import re

    spelled = re.escape(module).replace("\\.", r"\s*\.\s*")
    return re.search(r"^[ \t]*(?:from[ \t]+%s[ \t]+import\b|import[ \t]+%s\b)" % (spelled, spelled),
                     text, re.MULTILINE) is not None


def _rule_name(code: str) -> str:
    from .rules import REGISTRY

    rule = REGISTRY.get(code)
    return rule.name if rule is not None else code


#: why a file whose fixing killed its process (libcst can segfault on deep input) was not fixed
CRASHED = "the process fixing it crashed (in libcst or the interpreter): not fixed"

#: (the result, or None and why fixing raised)
Outcome = Tuple[Optional["FixResult"], Optional[str]]


def fix_paths(paths: Sequence[str], selection, unsafe: bool, write: bool,
              jobs: Optional[int] = None, checked: Optional[Sequence[Optional[tuple]]] = None) -> List[Outcome]:
    """:func:`mboxlint.fix.fix_file` for each of ``paths``, outcomes in their order;
    ``checked``: each file's ``checked`` argument for it (what the check found).

    libcst runs in child processes only, ``-j 1`` and a single file included: it can crash
    the interpreter (a segfault on a 10,000-term ``and`` chain), and then only that file is
    lost, reported, and never written. The children (the check's kind of pool) compute, this
    process writes (:func:`mboxlint.fix.write_fixed`), so a child stopped midway leaves
    nothing behind. Files go biggest first so that a long one does not finish the run alone.
    Names of one file (``a.py`` and ``./a.py``) are fixed in successive rounds, each after the
    previous round was written, as they would be one after the other.
    """
    import os

    from .runner import _cpu_count

    jobs = jobs if jobs and jobs > 0 else _cpu_count()
    checked = list(checked) if checked is not None else [None] * len(paths)
    rounds: List[List[int]] = []
    seen: Dict[str, int] = {}
    for index, path in enumerate(paths):
        real = os.path.realpath(path)
        depth = seen.get(real, 0)
        seen[real] = depth + 1
        if depth == len(rounds):
            rounds.append([])
        rounds[depth].append(index)

    def size(index: int) -> int:
        try:
            return os.stat(paths[index]).st_size
        except OSError:
            return 0

    outcomes: List[Optional[Outcome]] = [None] * len(paths)
    for indexes in rounds:
        indexes = sorted(indexes, key=lambda i: -size(i))
        work = [[(paths[i], checked[i])] for i in indexes]
        for task, done in _fix_parallel([[i] for i in indexes], work, selection, unsafe, jobs):
            for index, outcome in zip(task, done):
                outcomes[index] = outcome
        if write:
            from .fix import write_fixed

            for index in sorted(indexes):
                result = outcomes[index][0]  # type: ignore[index]
                if result is not None and result.changed:
                    write_fixed(result)
    return outcomes  # type: ignore[return-value]


def _fix_parallel(tasks: List[List[int]], work: List[list], selection, unsafe: bool,
                  jobs: int) -> Iterator[Tuple[List[int], List[Outcome]]]:
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    from .runner import _pool

    if not tasks:
        return
    options = selection.options if hasattr(selection, "selection_for") else None
    failed: List[List[int]] = []
    with _pool(min(jobs, len(tasks)), selection, options) as pool:
        futures = {}
        for task, files in zip(tasks, work):
            try:
                futures[pool.submit(_fix_task, files, unsafe)] = task
            except BrokenProcessPool:  # a child died while the rest were being handed out
                failed.extend(left for left in tasks if left not in futures.values())
                break
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except BrokenProcessPool:
                failed.append(futures[future])
    # A dead child takes the files in flight with it: each is fixed again in a pool of its
    # own, so that only the one that kills its child is reported.
    for task, files in zip(tasks, work):
        if task not in failed:
            continue
        with _pool(1, selection, options) as pool:
            try:
                yield task, pool.submit(_fix_task, files, unsafe).result()
            except BrokenProcessPool:
                yield task, [(None, CRASHED)] * len(task)


def _fix_task(files: List[tuple], unsafe: bool) -> List[Outcome]:
    """In a child: ``(path, checked)`` pairs, computed, never written; the selection and
    options are those the pool was started with."""
    from .runner import _WORKER

    return [_fix_guarded(path, _WORKER["selection"], unsafe, False, known) for path, known in files]


def _fix_guarded(path: str, selection, unsafe: bool, write: bool, checked: Optional[tuple] = None) -> Outcome:
    import gc

    try:
        from .fix import fix_file  # libcst: only a process that fixes something loads it

        if hasattr(selection, "selection_for"):  # a configuration: per-file ignores, options
            chosen, options = selection.selection_for(path), selection.options
        else:
            chosen, options = selection, None
        # libcst's trees hold no cycles the collector could free: walking them while they are
        # built costs a tenth of the fix (as for the check's parse, see mboxlint.runner)
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fix_file(path, chosen, unsafe, write=write, options=options, checked=checked), None
        finally:
            if enabled:
                gc.enable()
    except Exception as error:
        return None, last_line(error)


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
