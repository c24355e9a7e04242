"""How ``--fix``'s cost grows with the number of findings in one module.

    python benchmarks/fix_growth.py [--sizes 1000 4000] [--repeat N]

Writes one module per size, made of that many exists-then-open functions (each one MBX301
finding with a safe fix), and runs ``mboxlint check --fix`` on a fresh copy of it, interleaved,
``--repeat`` times (default 3); the median is quoted, in seconds and in milliseconds per
finding, with each size's ratio to the smallest one: 4x the findings should cost at most
about 4.5x the time (the fix is linear in the findings; the rest is parsing and printing).
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import clean_env, interleaved, report, verdict  # noqa: E402

FUNCTION = (
    "\n\ndef load_{n}(path):\n"
    "    if os.path.exists(path):\n"
    "        with open(path) as f:\n"
    "            return f.read()\n"
    "    return None\n"
)


def module(count: int) -> str:
    return "import os\n" + "".join(FUNCTION.format(n=n) for n in range(count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    work = tempfile.mkdtemp(prefix="mboxlint-fix-growth-")
    try:
        pristine = {}
        for size in sizes:
            pristine[size] = os.path.join(work, "pristine_%d.py" % size)
            with open(pristine[size], "w") as handle:
                handle.write(module(size))
        targets = {size: os.path.join(work, "module_%d.py" % size) for size in sizes}

        def fresh(name):
            size = int(name)
            shutil.copyfile(pristine[size], targets[size])

        contestants = [(str(size), [sys.executable, "-m", "mboxlint", "check", "--fix", "--no-cache",
                                    "--select", "MBX301", targets[size]], clean_env(), work, (0,))
                       for size in sizes]
        times = interleaved(contestants, args.repeat, before_each=fresh)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = report(times, str(sizes[0]), "mboxlint check --fix on one module of N exists-then-open functions")
    print("\n  %8s %10s %12s" % ("findings", "seconds", "ms/finding"))
    for size in sizes:
        print("  %8d %10.2f %12.2f" % (size, medians[str(size)], 1000 * medians[str(size)] / size))
    small, large = sizes[0], sizes[-1]
    verdict("time ratio for %.1fx the findings" % (large / small), medians[str(large)] / medians[str(small)],
            4.5 * large / (4 * small))

if __name__ == "__main__":
    main()
