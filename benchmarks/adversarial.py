"""Growth of the analysis's cost on hostile shapes: the exponent, never the absolute time.

For every shape of ``tests/helpers/adversarial.py`` (doubling path keys, deep nesting, long
functions, deep expressions), checks sizes N, 2N, 4N, ... through the CLI's engine and the
flake8 plugin, and prints for each doubling the growth exponent log2(cost(2N) / cost(N)) of
CPU time and of peak traced memory: 1 is linear, 2 quadratic. Each time is the best of a few
interleaved runs. The last column is the largest size's time, to see that sizes are large
enough to measure.

    python benchmarks/adversarial.py                # every shape, base sizes N..8N
    python benchmarks/adversarial.py --scale 4 long-sum
"""

import argparse
import ast
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from helpers.adversarial import SHAPES, cpu_seconds, peak_bytes  # noqa: E402
from mboxlint.engine import check_source  # noqa: E402
from mboxlint.flake8_plugin import MboxlintChecker  # noqa: E402


def entry(kind: str, text: str):
    if kind == "cli":
        return lambda: check_source(text, "adversarial.py")
    tree, lines = ast.parse(text), text.splitlines(True)
    return lambda: list(MboxlintChecker(tree, "adversarial.py", lines).run())


def exponents(values):
    return ["%5.2f" % math.log2(b / max(a, 1e-9)) for a, b in zip(values, values[1:])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", nargs="*", help="shapes to run (default: all): " + ", ".join(SHAPES))
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every base size (default 1)")
    parser.add_argument("--sizes", type=int, default=4, help="sizes per shape, each double the last (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per size, best kept (default 3)")
    options = parser.parse_args()
    unknown = [name for name in options.shapes if name not in SHAPES]
    if unknown:
        parser.error("unknown shape(s): %s" % ", ".join(unknown))
    print("%-26s %-6s %-22s %-26s %-26s %s" % ("shape", "entry", "sizes", "time exponents", "memory exponents",
                                               "largest"))
    for name in options.shapes or sorted(SHAPES):
        shape = SHAPES[name]
        base = max(2, int(shape.base * options.scale))
        sizes = [base * 2 ** k for k in range(max(options.sizes, 2))]
        for kind in ("cli", "plugin"):
            calls = [entry(kind, shape.make(n)) for n in sizes]
            for call in calls:
                call()  # warm-up: imports and caches are paid once
            times = [float("inf")] * len(calls)
            for _ in range(options.repeats):  # interleaved: load elsewhere falls on every size alike
                times = [min(t, cpu_seconds(call)) for t, call in zip(times, calls)]
            memory = [peak_bytes(call) for call in calls]
            print("%-26s %-6s %-22s %-26s %-26s %.3fs" % (
                name, kind, ",".join(map(str, sizes)), " ".join(exponents(times)), " ".join(exponents(memory)),
                times[-1]))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
