"""Whether a change kept every finding and the cost of a cold check, against a git revision.

Usage: ``python benchmarks/same_findings.py [CORPUS ...] [--against REV] [--repeat N]``

CORPUS defaults to the running interpreter's standard library and this checkout's
``fixtures/``. REV (default ``main``) is exported with ``git archive`` into a temporary folder.
For each corpus, ``python -m mboxlint check --no-cache --select MBX --extend-select MBX9
--format json`` (every rule, the opinionated ones included) runs from REV and from this
checkout, interleaved, ``--repeat`` times each (default 3). The outputs must be byte-identical
(the first difference is printed); the medians and their ratio are printed per corpus.
Exits 1 when some output differs. For refactors, which must not change a single finding.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import REPO, clean_env, default_corpus  # noqa: E402

CHECK = ["-m", "mboxlint", "check", "--no-cache", "--select", "MBX", "--extend-select", "MBX9", "--format", "json"]


def export(rev: str, into: str) -> str:
    """The tree of ``rev`` under ``into``, extracted from ``git archive``."""
    os.makedirs(into)
    archive = subprocess.run(["git", "-C", REPO, "archive", "--format=tar", rev], stdout=subprocess.PIPE, check=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def run(checkout: str, corpus: str, cwd: str):
    """``(seconds, stdout)`` of one check of ``corpus`` by the code in ``checkout``."""
    env = clean_env()
    env["PYTHONPATH"] = checkout
    start = time.perf_counter()
    # From a folder holding no checkout (``-m`` puts the working folder first on the path),
    # with the corpus spelt alike for both.
    proc = subprocess.run([sys.executable] + CHECK + [corpus], env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 3):
        raise SystemExit("check from %s exited %d: %s" % (checkout, proc.returncode, proc.stderr.decode()[-2000:]))
    return elapsed, proc.stdout


def first_difference(old: bytes, new: bytes) -> str:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number, (before, after) in enumerate(zip(old_lines, new_lines), 1):
        if before != after:
            return "line %d:\n  - %s\n  + %s" % (number, before.decode(errors="replace"), after.decode(errors="replace"))
    return "lengths differ: %d lines, now %d" % (len(old_lines), len(new_lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*")
    parser.add_argument("--against", default="main", help="the git revision to compare with (default: main)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    corpora = [os.path.abspath(c) for c in args.corpus] or [default_corpus(), os.path.join(REPO, "fixtures")]
    differs = False
    with tempfile.TemporaryDirectory(prefix="mboxlint-same-") as folder:
        before = export(args.against, os.path.join(folder, "before"))
        for corpus in corpora:
            times = {"before": [], "now": []}
            outputs = {}
            for _ in range(max(1, args.repeat)):
                for name, checkout in (("before", before), ("now", REPO)):
                    seconds, output = run(checkout, corpus, folder)
                    times[name].append(seconds)
                    if outputs.setdefault(name, output) != output:
                        raise SystemExit("%s: two runs from %s disagree" % (corpus, name))
            same = outputs["before"] == outputs["now"]
            differs = differs or not same
            medians = {name: statistics.median(values) for name, values in times.items()}
            print("%s: %s (%d bytes of findings)" % (corpus, "identical" if same else "DIFFERENT", len(outputs["now"])))
            print("  median %.3f s at %s, %.3f s now: ratio %.3f   runs: %s / %s" % (
                medians["before"], args.against, medians["now"], medians["now"] / medians["before"],
                " ".join("%.3f" % v for v in times["before"]), " ".join("%.3f" % v for v in times["now"])))
            if not same:
                print("  " + first_difference(outputs["before"], outputs["now"]).replace("\n", "\n  "))
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
