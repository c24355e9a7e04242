"""The ``mboxlint`` command: ``check`` (the default), ``rules`` and ``explain``.

Exit status, as flake8 and ruff users expect: 0 when every file was checked and nothing was
found, 1 when something was found, 2 for a usage error (a bad option, a missing path) or an
internal error, and 3 when some file could not be checked at all (unreadable, undecodable,
a syntax error); such a file is reported on its own line (flake8's E902/E999) and the other
files are still checked.
"""

import argparse
import sys
import traceback
from typing import List, Optional, Sequence

from . import __version__
from .config import ConfigError, Selection, parse_codes
from .discovery import PathError, iter_python_files
from .engine import FileResult, check_file
from .output import FORMATS, write
from .rules import REGISTRY, all_rules

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3

SUBCOMMANDS = ("check", "rules", "explain")


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
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to check (default: .)")
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="codes or prefixes to enable instead of the default set (e.g. MBX1,MBX303)")
    parser.add_argument("--extend-select", action="append", default=[], metavar="CODES",
                        help="codes or prefixes to enable on top of the selection (e.g. MBX9)")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES",
                        help="codes or prefixes to disable")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    parser.add_argument("--version", action="version", version="mboxlint " + __version__)
    _add_fix_arguments(parser)
    return parser


def _add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixing")
    group.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what remains")
    group.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff: apply the unsafe fixes too")
    group.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff and write nothing (exit 1 if any)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in ("-h", "--help"):
            print(_top_help())
            return EXIT_CLEAN
        if args and args[0] == "--version":
            print("mboxlint " + __version__)
            return EXIT_CLEAN
        command = args.pop(0) if args and args[0] in SUBCOMMANDS else "check"
        if command == "rules":
            return _rules(args)
        if command == "explain":
            return _explain(args)
        return _check(args)
    except (UsageError, ConfigError, PathError) as error:
        sys.stderr.write("mboxlint: error: %s\n" % error)
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("mboxlint: interrupted\n")
        return EXIT_USAGE
    except Exception:  # the last line of defence: one line, not a traceback
        sys.stderr.write("mboxlint: internal error: %s\n" % traceback.format_exc().strip().splitlines()[-1])
        return EXIT_USAGE


def _top_help() -> str:
    return (
        "usage: mboxlint [check] [PATH ...] [options]\n"
        "       mboxlint --fix [--unsafe-fixes] [--diff] PATH ...\n"
        "       mboxlint rules\n"
        "       mboxlint explain CODE\n\n"
        "Find mailbox and shared-file concurrency bugs. 'mboxlint check --help' lists the options.\n"
        "Exit status: 0 clean, 1 findings, 2 usage or internal error, 3 a file could not be checked."
    )


def _check(argv: List[str]) -> int:
    options = _check_parser().parse_args(argv)
    selection = Selection(
        parse_codes(options.select, "--select") if options.select is not None else None,
        parse_codes(options.extend_select, "--extend-select"),
        parse_codes(options.ignore, "--ignore"),
    )
    if options.fix or options.diff or options.unsafe_fixes:
        return _fix(options, selection)
    results: List[FileResult] = []
    internal = False
    for path in iter_python_files(options.paths):
        try:
            results.append(check_file(path, selection))
        except Exception as error:  # a bug in a rule must not hide the other files
            internal = True
            sys.stderr.write("mboxlint: internal error while checking %s: %r\n" % (path, error))
    write(results, options.format, sys.stdout)
    sys.stdout.flush()
    if internal:
        return EXIT_USAGE
    if any(r.error for r in results):
        return EXIT_UNCHECKED
    if any(r.findings for r in results) and not options.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fix(options: argparse.Namespace, selection: Selection) -> int:
    if not (options.fix or options.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    from .fix import run

    return run(options.paths, selection, options.unsafe_fixes, options.diff, options.format, options.exit_zero)


def _rules(argv: List[str]) -> int:
    if argv:
        raise UsageError("'rules' takes no arguments")
    for rule in all_rules():
        print(
            "%s  %-34s %-8s fix: %-9s %s"
            % (rule.code, rule.name, "on" if rule.default_enabled else "off",
               rule.fix_safety or "none", rule.summary())
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
