"""How the cost of hostile glob patterns grows: the growth exponent of each family.

    python benchmarks/glob_growth.py [--repeat N]

Families (each a pattern a ``pyproject.toml`` or ``.gitignore`` can hold, matched against
inputs of doubling size N, 2N, 4N, 8N):

* ``stars``: ``*a*a…*ab`` (10 stars) against a name of N ``a``s (no match);
* ``double-stars``: eight ``**/`` then ``never.py`` against a path N folders deep;
* ``exclude-walk``: ``check --no-cache`` on a tree N folders deep with both patterns in
  ``extend-exclude`` and ``per-file-ignores``, against the same walk without them (the
  baseline, measured in the same run).

For each family the exponent k in time ∝ N^k is fitted over all sizes (least squares on
log-log; 1 is linear). Target: k ≤ 1.3 for every family; the patterns' cost over the plain walk
≤ 1.5 ×. Before segment-wise matching, ``stars`` was exponential (35 s for one 21-character
pattern) and each ``**/`` multiplied the walk by 3.5.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import clean_env, verdict  # noqa: E402

from mboxlint.globs import compile_glob  # noqa: E402

STARS = "*a" * 10 + "b"
DOUBLE_STARS = "**/" * 8 + "never.py"


def best_of(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def exponent(sizes, seconds) -> float:
    """The least-squares slope of log(time) over log(size): one noisy point moves it less
    than it moves the ratio of two."""
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def matcher_family(name, glob, make_input, sizes, repeat):
    loops = 200

    def timed(size):
        text = make_input(size)
        return best_of(lambda: [glob.match(text) for _ in range(loops)], repeat) / loops

    seconds = [timed(size) for size in sizes]
    print("  %-14s " % name + "  ".join("N=%-4d %8.1f µs" % (n, s * 1e6) for n, s in zip(sizes, seconds)))
    return exponent(sizes, seconds)


def deep_tree(root, depth):
    folder = root
    for level in range(depth):
        folder = os.path.join(folder, "d%d" % level)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "m.py"), "w") as out:
            out.write("import os\n")


def walk_family(sizes, repeat):
    env = clean_env(PYTHONPATH=ROOT)
    command = [sys.executable, "-m", "mboxlint", "check", "--no-cache", "-j", "1", "."]
    settings = ('[tool.mboxlint]\nextend-exclude = ["%s"]\n[tool.mboxlint.per-file-ignores]\n"%s" = ["MBX1"]\n'
                % (DOUBLE_STARS, STARS))
    with_patterns, plain = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            for kind, times in (("patterns", with_patterns), ("plain", plain)):
                root = os.path.join(scratch, "%s-%d" % (kind, size))
                deep_tree(root, size)
                with open(os.path.join(root, "pyproject.toml"), "w") as out:
                    out.write(settings if kind == "patterns" else "[tool.mboxlint]\n")
            runs = {"patterns": [], "plain": []}
            for _ in range(repeat):  # interleaved
                for kind in ("patterns", "plain"):
                    start = time.perf_counter()
                    subprocess.run(command, cwd=os.path.join(scratch, "%s-%d" % (kind, size)), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    runs[kind].append(time.perf_counter() - start)
            with_patterns.append(sorted(runs["patterns"])[len(runs["patterns"]) // 2])
            plain.append(sorted(runs["plain"])[len(runs["plain"]) // 2])
            print("  exclude-walk   N=%-4d with patterns %.3f s, plain walk %.3f s, ratio %.2f"
                  % (size, with_patterns[-1], plain[-1], with_patterns[-1] / plain[-1]))
            shutil.rmtree(os.path.join(scratch, "patterns-%d" % size), ignore_errors=True)
            shutil.rmtree(os.path.join(scratch, "plain-%d" % size), ignore_errors=True)
    # the walk's own cost is not the patterns': fit the growth of what they add on top
    return exponent(sizes, with_patterns), max(w / p for w, p in zip(with_patterns, plain))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("growth of hostile glob patterns (best of %d)" % args.repeat)
    stars = matcher_family("stars", compile_glob(STARS), lambda n: "a" * n, (200, 400, 800, 1600, 3200), args.repeat)
    deep = matcher_family("double-stars", compile_glob(DOUBLE_STARS), lambda n: "/".join(["d"] * n) + "/x.py",
                          (50, 100, 200, 400, 800), args.repeat)
    walk, overhead = walk_family((30, 60, 120), args.repeat)
    print()
    verdict("stars: growth exponent", stars, 1.3)
    verdict("double-stars: growth exponent", deep, 1.3)
    verdict("exclude-walk: growth exponent", walk, 1.3)
    verdict("exclude-walk: cost over the plain walk", overhead, 1.5)


if __name__ == "__main__":
    main()
