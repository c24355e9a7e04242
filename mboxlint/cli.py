"""The ``mboxlint`` command: ``check`` (the default), ``rules`` and ``explain``.

Exit status, as flake8 and ruff users expect: 0 when every file was checked and nothing was
found, 1 when something was found, 2 for a usage error (a bad option, a missing path) or an
internal error, and 3 when some file could not be checked at all (unreadable, undecodable,
a syntax error); such a file is reported on its own line (flake8's E902/E999) and the other
files are still checked. ``--exit-zero`` makes both 1 and 3 a 0, as flake8 and ruff do for a
file they cannot parse; usage and internal errors stay 2.

A reader that stops reading (``mboxlint check | head -1``) ends the run quietly with status 0,
as ruff does: the report was wanted only that far, and ``set -o pipefail`` must not read that
as a failure.
"""

import argparse
import os
import sys
import traceback
from typing import List, Optional, Sequence

from . import __version__
from .config import ConfigError, check_lock_name, check_module_name, load_config, parse_codes, parse_per_file_ignores
from .discovery import PathError, iter_python_files
from .engine import FileResult
from .output import FORMATS, HUMAN_FORMATS, color_wanted, display_path, statistics, write
from .runner import check_paths, clean, default_cache_dir
from .rules import REGISTRY, all_rules

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3

SUBCOMMANDS = ("check", "rules", "explain", "clean", "vendor")
#: the name ``-`` and ``--stdin-filename`` give standard input in the report without one
STDIN = "-"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 too; keep our own prefix and no usage dump
        raise UsageError(message)


def _check_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mboxlint check",
        description="Find mailbox and shared-file concurrency bugs in Python files.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories to check (default: .); '-' reads one file from "
                             "standard input")
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="codes or prefixes to enable instead of the default set (e.g. MBX1,MBX303)")
    parser.add_argument("--extend-select", action="append", default=[], metavar="CODES",
                        help="codes or prefixes to enable on top of the selection (e.g. MBX9)")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES",
                        help="codes or prefixes to disable")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when findings are reported or a file could not be checked")
    parser.add_argument("--exit-non-zero-on-fix", action="store_true",
                        help="with --fix: exit 1 when something was fixed, even if nothing remains")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="the name of the file read from standard input ('-', or no PATH), for the "
                             "report, the configuration (per-file-ignores, force-exclude) and --fix")
    _add_config_options(parser)
    _add_output_options(parser)
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache (.mboxlint_cache/ at the project root)")
    parser.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                        help="worker processes (default: one per core; 1 checks in-process)")
    parser.add_argument("--version", action="version", version="mboxlint " + __version__)
    _add_fix_arguments(parser)
    return parser


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """Where settings come from and which files are checked; each flag overrides its
    ``[tool.mboxlint]`` key (see :mod:`mboxlint.config`)."""
    group = parser.add_argument_group("configuration")
    group.add_argument("--config", metavar="FILE",
                       help="read settings from this TOML file instead of the closest pyproject.toml "
                            "with a [tool.mboxlint] table")
    group.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    group.add_argument("--exclude", action="append", metavar="PATTERNS",
                       help="glob patterns of files and folders to skip, replacing the defaults")
    group.add_argument("--extend-exclude", action="append", metavar="PATTERNS",
                       help="glob patterns to skip on top of the defaults or 'exclude'")
    group.add_argument("--force-exclude", action="store_true", default=None,
                       help="apply the exclusions to paths named on the command line too (for pre-commit)")
    group.add_argument("--per-file-ignores", action="append", metavar="GLOB:CODES",
                       help="codes to ignore in the files a glob matches, e.g. 'tests/*.py:MBX101,MBX102'")
    group.add_argument("--shared-files", action="append", metavar="PATTERNS",
                       help="glob patterns of files other programs lock (MBX303)")
    group.add_argument("--extend-interprocess-locks", action="append", metavar="NAMES",
                       help="the project's own inter-process locks, used as 'with NAME(...):' "
                            "(myapp.locks.FileLock, or acquire_lock for any function or method of that "
                            "name): inside them MBX301, MBX302 and MBX901 are not reported")
    group.add_argument("--fix-import-module", metavar="MODULE",
                       help="the module unsafe fixes import copy_back/atomic_write from (default: "
                            "mboxlint.mailbox; see 'mboxlint vendor')")
    group.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                       help="leave out files and folders the .gitignore files ignore (the default)")
    group.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                       help="check files even when a .gitignore ignores them")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--format", "--output-format", dest="format", choices=FORMATS, default="text",
                       metavar="FORMAT", help="output format: %s (default: text)" % ", ".join(FORMATS))
    group.add_argument("-q", "--quiet", action="store_true",
                       help="print the findings and nothing else (no summary of what --fix did)")
    group.add_argument("--show-fixes", action="store_true",
                       help="mark findings --fix would fix with [*] (text, grouped); with --fix, list "
                            "what was fixed in each file")
    group.add_argument("--output-file", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    group.add_argument("--show-source", action="store_true",
                       help="print the offending line with a caret under the column (text, grouped)")
    group.add_argument("--statistics", action="store_true", help="print how many findings each code has")
    group.add_argument("--no-color", action="store_true",
                       help="never colour the output (also: NO_COLOR=1; FORCE_COLOR=1 forces it)")


def _patterns(values: Optional[List[str]]) -> Optional[List[str]]:
    """Comma-separated patterns from repeatable options; None when the option was not given."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _config_from(options):
    """The run's configuration: the file's settings with the command line's on top."""
    config = load_config(options.paths, options.config, options.isolated)
    return config.override(
        select=parse_codes(options.select, "--select") if options.select is not None else None,
        extend_select=(config.extend_select + parse_codes(options.extend_select, "--extend-select"))
        if options.extend_select else None,
        ignore=(config.ignore + parse_codes(options.ignore, "--ignore")) if options.ignore else None,
        exclude=_patterns(options.exclude),
        extend_exclude=(config.extend_exclude + _patterns(options.extend_exclude)) if options.extend_exclude else None,
        force_exclude=options.force_exclude,
        per_file_ignores=parse_per_file_ignores(options.per_file_ignores, "--per-file-ignores")
        if options.per_file_ignores is not None else None,
        shared_files=_patterns(options.shared_files),
        extend_interprocess_locks=(config.extend_interprocess_locks + [
            check_lock_name(name, "--extend-interprocess-locks")
            for name in _patterns(options.extend_interprocess_locks)])
        if options.extend_interprocess_locks else None,
        fix_import_module=check_module_name(options.fix_import_module, "--fix-import-module")
        if options.fix_import_module is not None else None,
        respect_gitignore=options.respect_gitignore,
    )


def _report(results: List[FileResult], options, texts: Optional[dict] = None, unsafe: bool = False) -> None:
    """Write the report where and how the options say; statistics go after it. ``texts``: the
    source of names that are not files (stdin)."""
    stats = statistics(results) if options.statistics else []
    marks = unsafe if options.show_fixes else None
    if options.output_file:
        import io

        from .safe_write import write_report

        report = io.StringIO()
        write(results, options.format, report, options.show_source, texts=texts, mark_fixes=marks)
        try:
            write_report(options.output_file, report.getvalue())
        except OSError as error:  # a link, a full disk, RLIMIT_FSIZE: the old report is kept
            raise UsageError("cannot write the report to %s: %s"
                             % (options.output_file, error.strerror or error)) from None
        stats_stream = sys.stdout
    else:
        color = options.format in HUMAN_FORMATS and color_wanted(options.no_color, sys.stdout)
        write(results, options.format, sys.stdout, options.show_source, color, texts=texts, mark_fixes=marks)
        # Machine-readable output must stay parseable: counts go to stderr then.
        stats_stream = sys.stdout if options.format in HUMAN_FORMATS else sys.stderr
    for line in stats:
        stats_stream.write(line + "\n")
    sys.stdout.flush()


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError("expected a positive number of jobs, got %r" % value)
    return number


def _add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixing")
    group.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what remains")
    group.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff: apply the unsafe fixes too")
    group.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff and write nothing (exit 1 if any)")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is so that it unwinds as for Ctrl-C: pool workers
    stopped, temp files removed."""


def _raise_terminated(_signum, _frame):
    raise Terminated()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    _tolerate_unencodable_output()
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return _main(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(args: List[str]) -> int:
    try:
        if args and args[0] in ("-h", "--help"):
            print(_top_help())
            sys.stdout.flush()
            return EXIT_CLEAN
        if args and args[0] == "--version":
            print("mboxlint " + __version__)
            sys.stdout.flush()
            return EXIT_CLEAN
        command = args.pop(0) if args and args[0] in SUBCOMMANDS else "check"
        run = {"rules": _rules, "explain": _explain, "clean": _clean, "vendor": _vendor}.get(command, _check)
        status = run(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
        return status
    except BrokenPipeError:
        return _reader_went_away()
    except (UsageError, ConfigError, PathError) as error:
        sys.stderr.write("mboxlint: error: %s\n" % error)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        from .safe_write import remove_live_temps

        remove_live_temps()
        sys.stderr.write("mboxlint: %s\n" % ("terminated" if isinstance(stop, Terminated) else "interrupted"))
        return EXIT_USAGE
    except Exception:  # the last line of defence: one line, not a traceback
        if os.environ.get("MBOXLINT_DEBUG"):
            sys.stderr.write(traceback.format_exc())
        sys.stderr.write("mboxlint: internal error: %s\n" % traceback.format_exc().strip().splitlines()[-1])
        if not os.environ.get("MBOXLINT_DEBUG"):
            sys.stderr.write("mboxlint: run again with MBOXLINT_DEBUG=1 to see where\n")
        return EXIT_USAGE


def _reader_went_away() -> int:
    """Standard output was closed (``| head``): stop quietly, with status 0 as ruff does. What
    is still buffered for it goes to the null device, so that the interpreter's own flush at
    exit does not fail again and print a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file descriptor
        pass
    return EXIT_CLEAN


def _tolerate_unencodable_output() -> None:
    """A file name that is not valid in the terminal's encoding (bytes that are not UTF-8
    on a UTF-8 locale) is printed escaped instead of failing the run."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):  # not a text stream we may reconfigure
            pass


def _top_help() -> str:
    return (
        "usage: mboxlint [check] [PATH ...] [options]\n"
        "       mboxlint --fix [--unsafe-fixes] [--diff] PATH ...\n"
        "       mboxlint check [--fix] [--stdin-filename NAME] - < FILE   one file from standard input\n"
        "       mboxlint rules [--write-docs DIR]\n"
        "       mboxlint explain CODE\n"
        "       mboxlint clean            remove the cache (.mboxlint_cache/ at the project root)\n"
        "       mboxlint vendor DEST      copy the standard-library-only mboxlint.mailbox into a project\n\n"
        "Find mailbox and shared-file concurrency bugs. 'mboxlint check --help' lists the options.\n"
        "Exit status: 0 clean, 1 findings, 2 usage or internal error, 3 a file could not be checked."
    )


def _check(argv: List[str]) -> int:
    options = _check_parser().parse_args(argv)
    stdin = _reads_stdin(options)
    if stdin:
        # The configuration is the one the named file would have.
        options.paths = [options.stdin_filename or "."]
    elif not options.paths:
        options.paths = ["."]
    config = _config_from(options)
    if options.exit_non_zero_on_fix and not options.fix:
        raise UsageError("--exit-non-zero-on-fix needs --fix")
    if options.unsafe_fixes and not (options.fix or options.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    if stdin:
        return _check_stdin(options, config)
    if options.fix or options.diff:
        return _fix(options, config)
    files, unwalkable = _discover(options, config)
    results = check_paths(files, config, config.options, jobs=options.jobs, cache=not options.no_cache)
    return _finish(results + unwalkable, options, config)


def _finish(results: List[FileResult], options, config, texts: Optional[dict] = None) -> int:
    """Report ``results`` and return the exit status they call for."""
    internal = [r for r in results if r.internal]  # a bug in a rule must not hide the other files
    for result in internal:
        sys.stderr.write("mboxlint: %s while checking %s\n" % (result.error.message, display_path(result.path)))
    results = [r for r in results if not r.internal]
    _report(results, options, texts, unsafe=options.unsafe_fixes or bool(config.unsafe_fixes))
    if internal:
        return EXIT_USAGE
    if options.exit_zero:
        return EXIT_CLEAN
    if any(r.error for r in results):
        return EXIT_UNCHECKED
    if any(r.findings for r in results):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _reads_stdin(options) -> bool:
    """``-`` as the only path, or ``--stdin-filename`` with no path (as ruff reads it)."""
    paths = options.paths or []
    if STDIN in paths:
        if len(paths) > 1:
            raise UsageError("'-' (standard input) cannot be checked with other paths")
        return True
    return not paths and options.stdin_filename is not None


def _check_stdin(options, config) -> int:
    """Check (or fix) the file read from standard input. With ``--fix``, the fixed text is
    written to standard output and the findings left to standard error, as ruff does."""
    from .engine import check_source
    from .finding import Finding
    from .source import SourceError, decode

    name = options.stdin_filename or STDIN
    raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    if options.stdin_filename is not None and config.force_exclude and config.is_force_excluded(name):
        if options.fix:  # an excluded file passes through unchanged
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
        return EXIT_CLEAN
    try:
        source = decode(raw)
    except SourceError as error:
        if options.fix:
            sys.stdout.buffer.write(raw)  # never lose the buffer: it goes back as it came
            sys.stdout.flush()
        result = FileResult(name, [], Finding(error.line, error.col, error.code, error.message))
        if options.fix:
            return _finish_to_stderr([result], options, config)
        return _finish([result], options, config)
    if options.fix or options.diff:
        from .fix_command import fix_stdin

        return fix_stdin(name, source, config, options)
    result = check_source(source.text, name, config.selection_for(name), config.options)
    return _finish([result], options, config, {name: source.text})


def _finish_to_stderr(results: List[FileResult], options, config) -> int:
    """:func:`_finish` with the report on standard error (standard output holds the file)."""
    stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        return _finish(results, options, config)
    finally:
        sys.stdout = stdout


def _clean(argv: List[str]) -> int:
    if argv:
        raise UsageError("'clean' takes no arguments")
    directory = default_cache_dir()
    if clean(directory):
        print("removed %s" % display_path(directory))
    return EXIT_CLEAN


def _fix(options: argparse.Namespace, config) -> int:
    from .fix_command import run

    unsafe = options.unsafe_fixes or bool(config.unsafe_fixes)
    files, unwalkable = _discover(options, config)
    return run(files, config, unsafe, options.diff, options.format, options.exit_zero,
               jobs=options.jobs, cache=not options.no_cache, quiet=options.quiet,
               show_fixes=options.show_fixes, exit_non_zero_on_fix=options.exit_non_zero_on_fix,
               unwalkable=unwalkable)


def _vendor(argv: List[str]) -> int:
    """Copy :mod:`mboxlint.mailbox` (standard library only) into the user's project, so that
    code the unsafe fixes rewrote needs nothing installed at run time."""
    parser = _Parser(
        prog="mboxlint vendor",
        description="Write mboxlint's standard-library-only mailbox module into your project, then point "
                    "the unsafe fixes at it with fix-import-module.",
    )
    parser.add_argument("dest", metavar="DEST",
                        help="a .py file to write, or a package folder (the file is DEST/mailbox.py)")
    parser.add_argument("--force", action="store_true", help="replace DEST if it exists and differs")
    options = parser.parse_args(argv)
    from .vendor import VendorError, vendor

    try:
        written, module = vendor(options.dest, options.force)
    except VendorError as error:
        raise UsageError(str(error)) from None
    print("wrote %s" % display_path(written))
    print('set fix-import-module = "%s" in [tool.mboxlint] (or pass --fix-import-module %s)' % (module, module))
    return EXIT_CLEAN


def _discover(options, config):
    """The files to check, and an E902 result for each folder that could not be walked; a
    warning, saying what was left out, when there is nothing to check at all."""
    from .discovery import Walk, describe_skipped
    from .finding import Finding

    walk = Walk()
    force = config.is_force_excluded if config.force_exclude else None
    files = list(iter_python_files(options.paths, config.is_excluded, force, walk=walk))
    unwalkable = [FileResult(folder, [], Finding(1, 0, "E902", why)) for folder, why in walk.problems]
    if not files and not unwalkable:
        sys.stderr.write("mboxlint: warning: no Python files were checked%s\n" % describe_skipped(walk))
    return files, unwalkable


def _rules(argv: List[str]) -> int:
    parser = _Parser(prog="mboxlint rules", description="List every rule, or write their documentation pages.")
    parser.add_argument("--write-docs", metavar="DIR",
                        help="write docs/rules-style pages (MBXnnn.md and README.md) into DIR")
    options = parser.parse_args(argv)
    if options.write_docs:
        from .docs import write_docs

        for name in write_docs(options.write_docs):
            print(os.path.join(options.write_docs, name))
        return EXIT_CLEAN
    for rule in all_rules():
        print(
            "%s  %-34s %-8s fix: %-9s %s"
            % (rule.code, rule.name, "on" if rule.default_enabled else "off",
               (rule.fix_safety or "none") + ("*" if rule.fix_safety and not rule.fix_available() else ""),
               rule.summary())
        )
    return EXIT_CLEAN


def _explain(argv: List[str]) -> int:
    if len(argv) != 1:
        raise UsageError("usage: mboxlint explain CODE")
    code = argv[0].upper()
    rule = REGISTRY.get(code)
    if rule is None:
        raise UsageError("unknown rule %r (see 'mboxlint rules')" % argv[0])
    print("# %s: %s\n" % (rule.code, rule.name))
    print(rule.documentation())
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
