"""Run the MBX3 and MBX9 rules over the interpreter's standard library and list every finding.

Used to measure precision by hand: each finding is printed with its source line, then the
count per rule. ``python benchmarks/stdlib_precision.py [LIBDIR]`` (default: the running
interpreter's ``Lib/``, without ``test/``, ``idlelib/idle_test`` and ``site-packages``).
"""

import collections
import os
import sys
import sysconfig

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from mboxlint.config import Selection  # noqa: E402
from mboxlint.engine import check_file  # noqa: E402

SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}


def library_files(root):
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(directory, name)


def main(argv):
    root = argv[1] if len(argv) > 1 else sysconfig.get_paths()["stdlib"]
    selection = Selection(select=["MBX3", "MBX9"])
    counts = collections.Counter()
    files = 0
    for path in library_files(root):
        files += 1
        result = check_file(path, selection)
        if not result.findings:
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
        for finding in result.findings:
            counts[finding.code] += 1
            source = lines[finding.line - 1].strip() if finding.line <= len(lines) else ""
            print("%s:%d:%d: %s %s" % (os.path.relpath(path, root), finding.line, finding.col + 1,
                                       finding.code, finding.message))
            print("    %s" % source)
    print()
    print("%d files under %s" % (files, root))
    for code in sorted(counts):
        print("%s %d" % (code, counts[code]))
    print("total %d" % sum(counts.values()))


if __name__ == "__main__":
    main(sys.argv)
