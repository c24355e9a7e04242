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
from .discovery import PathError
from .runner import check_paths, clean, default_cache_dir
from .output import FORMATS, write
from .rules import REGISTRY, all_rules

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3

SUBCOMMANDS = ("check", "rules", "explain", "clean")


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
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache (.mboxlint_cache/ at the project root)")
    parser.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                        help="worker processes (default: one per core; 1 checks in-process)")
    parser.add_argument("--version", action="version", version="mboxlint " + __version__)
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError("expected a positive number of jobs, got %r" % value)
    return number


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
        if command == "clean":
            return _clean(args)
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
        "       mboxlint rules\n"
        "       mboxlint explain CODE\n"
        "       mboxlint clean            remove the cache (.mboxlint_cache/ at the project root)\n\n"
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
    results = check_paths(options.paths, selection, None, jobs=options.jobs, cache=not options.no_cache)
    internal = [r for r in results if r.internal]  # a bug in a rule must not hide the other files
    for result in internal:
        sys.stderr.write("mboxlint: %s while checking %s\n" % (result.error.message, result.path))
    results = [r for r in results if not r.internal]
    write(results, options.format, sys.stdout)
    sys.stdout.flush()
    if internal:
        return EXIT_USAGE
    if any(r.error for r in results):
        return EXIT_UNCHECKED
    if any(r.findings for r in results) and not options.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _clean(argv: List[str]) -> int:
    if argv:
        raise UsageError("'clean' takes no arguments")
    directory = default_cache_dir()
    if clean(directory):
        print("removed %s" % directory)
    return EXIT_CLEAN


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
