"""Fix the interpreter's standard library with every fix, and prove the result.

Slow (minutes); not part of the test suite. Copies the stdlib (without site-packages) to a
temporary directory, appends to every module a function with a fixable locked region (the
stdlib itself has next to nothing to fix, so this is what makes libcst meet every file's
style: tabs, CRLF, encodings, odd syntax), runs ``--fix --unsafe-fixes`` with every rule
selected, then checks that
every changed file compiles (``compileall``) and re-lints to exactly what the fix said
remains, with no finding left of a fixed kind except those whose fix was refused. Prints the
files and findings fixed and the time against a plain check of the same tree.

    python benchmarks/fix_stdlib.py [--keep] [--no-probe]
"""

import argparse
import compileall
import collections
import os
import shutil
import sys
import sysconfig
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mboxlint.config import Selection  # noqa: E402
from mboxlint.discovery import iter_python_files  # noqa: E402
from mboxlint.engine import check_file  # noqa: E402
from mboxlint.fix import fix_file  # noqa: E402
from mboxlint.fixes import FIXERS, allowed  # noqa: E402
from mboxlint.source import SourceError, read_source  # noqa: E402

PROBE = (
    "\n\nimport mailbox as _mboxlint_probe_mailbox\n\n\n"
    "def _mboxlint_probe(path, message):\n"
    "    box = _mboxlint_probe_mailbox.mbox(path)\n"
    "    box.lock()\n"
    "    box.add(message)\n"
    "    box.unlock()\n"
)

EVERY_RULE = Selection(select=["MBX"])


def copy_stdlib(target: str) -> str:
    source = sysconfig.get_paths()["stdlib"]
    dest = os.path.join(target, "stdlib")
    shutil.copytree(
        source, dest, symlinks=True,
        ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"),
    )
    return dest


def add_probes(files) -> int:
    """Append :data:`PROBE` to each file that compiles, in its encoding and line endings."""
    probed = 0
    for path in files:
        try:
            source = read_source(path)
        except SourceError:
            continue
        newline = "\r\n" if "\r\n" in source.text else "\n"
        text = source.text + PROBE.replace("\n", newline)
        try:
            compile(text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue  # the original does not compile (test data) or ends oddly
        with open(path, "wb") as handle:
            handle.write(text.encode(source.encoding))
        probed += 1
    return probed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--no-probe", action="store_true", help="fix the stdlib as it is")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mboxlint-fix-stdlib-")
    try:
        root = copy_stdlib(work)
        files = list(iter_python_files([root]))
        probed = 0 if args.no_probe else add_probes(files)

        start = time.perf_counter()
        checked = [check_file(path, EVERY_RULE) for path in files]
        check_seconds = time.perf_counter() - start
        findings = sum(len(r.findings) for r in checked)
        fixable = collections.Counter(
            f.code for r in checked for f in r.findings if f.code in FIXERS and allowed(f, True)
        )

        start = time.perf_counter()
        results = [fix_file(path, EVERY_RULE, unsafe=True) for path in files]
        fix_seconds = time.perf_counter() - start

        changed = [r for r in results if r.written]
        failures = []
        for result in changed:
            if not compileall.compile_file(result.path, quiet=2, force=True, legacy=True):
                failures.append("%s: does not compile after the fix" % result.path)
            relint = check_file(result.path, EVERY_RULE)
            if relint.error is not None or relint.findings != result.remaining:
                failures.append("%s: re-lint differs from what the fix reported" % result.path)
            # Every fixed finding is gone; what is left of a fixable kind was refused (reported).
            left = collections.Counter(f.code for f in relint.findings if f.code in FIXERS and allowed(f, True))
            before = collections.Counter(f.code for f in result.initial if f.code in FIXERS and allowed(f, True))
            if sum(before.values()) - sum(left.values()) != result.fixed:
                failures.append("%s: fixed count does not match the re-lint" % result.path)
        problems = [(r.path, p) for r in results for p in r.problems]

        fixed = sum(r.fixed for r in changed)
        by_code = collections.Counter()
        for result in changed:
            before = collections.Counter(f.code for f in result.initial)
            after = collections.Counter(f.code for f in result.remaining)
            by_code.update({code: before[code] - after[code] for code in before})
        print("python %s, %d files, %d with an appended fixable region"
              % (sys.version.split()[0], len(files), probed))
        print("check: %d findings, %d with an allowed fix %s, %.2f s"
              % (findings, sum(fixable.values()), dict(sorted(fixable.items())), check_seconds))
        print("fix --unsafe-fixes: %d findings fixed in %d files %s, %.2f s (%.2fx the check)"
              % (fixed, len(changed), dict(sorted((+by_code).items())), fix_seconds, fix_seconds / check_seconds))
        for path, problem in problems:
            print("  cannot fix %s: %s" % (os.path.relpath(path, root), problem))
        for result in changed:
            print("  fixed %s: %d" % (os.path.relpath(result.path, root), result.fixed))
        if failures:
            print("FAILED:")
            for failure in failures:
                print("  " + failure)
            return 1
        print("every changed file compiles and re-lints to what the fix reported")
        return 0
    finally:
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
