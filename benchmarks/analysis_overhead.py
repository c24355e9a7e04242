"""What the key-provenance and IMAP analyses, or the function summaries, add to a full check.

Usage: ``python benchmarks/analysis_overhead.py [CORPUS] [--repeat N] [--summaries | --callers]``

CORPUS defaults to the running interpreter's standard library (``Lib/``, tests included,
without the ``site-packages`` directory inside it).
Every file is read and parsed once up front; then the analysis layer and every rule run over
all trees, alternately with the analyses tuple without ``KeyAnalysis``/``ImapAnalysis`` and
with it, N times each. Prints both medians and their ratio. With ``--summaries``, every
analysis runs both times, alternately without and with the summaries of the module's own
functions (and what rests on them: private temporary paths, helper path keys). With
``--callers``, every analysis runs both times on the trees and their source, as the engine
runs them (scopes without a trigger word are not walked), alternately without and with the
context callers give the module's private helpers (``analyse(callers=...)``).
"""

import argparse
import ast
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mboxlint.analysis import ANALYSES, analyse  # noqa: E402
from mboxlint.analysis.keys import ImapAnalysis, KeyAnalysis  # noqa: E402
from mboxlint.rules import all_rules  # noqa: E402
from mboxlint.source import SourceError, decode  # noqa: E402


def load(corpus, skip=(), texts=None):
    """The corpus's parsed modules; their decoded sources appended to ``texts`` when given."""
    trees = []
    for root, dirs, files in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as handle:
                    source = handle.read()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(source, path)
                text = decode(source).text if texts is not None else None  # as the engine reads it
                trees.append(tree)
                if texts is not None:
                    texts.append(text)
            except (SyntaxError, ValueError, OSError, RecursionError, SourceError):
                continue  # test data with deliberate syntax errors, unreadable files
    return trees


def run(trees, analyses, rules, summaries=True, texts=None, callers=True):
    findings = 0
    start = time.perf_counter()
    for index, tree in enumerate(trees):
        text = texts[index] if texts is not None else None
        try:
            module = analyse(tree, analyses=analyses, summaries=summaries, text=text, callers=callers)
        except RecursionError:
            continue  # the engine reports such files as E902 without findings
        for rule in rules:
            findings += sum(1 for _ in rule.check(module))
    return time.perf_counter() - start, findings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--summaries", action="store_true",
                        help="measure the function summaries instead of the key/IMAP analyses")
    parser.add_argument("--callers", action="store_true",
                        help="measure the context callers give private helpers, checking with the source")
    args = parser.parse_args(argv)

    load_start = time.perf_counter()
    corpus = args.corpus
    skip = ()
    if corpus is None:
        # The standard library alone: installed third-party packages live under Lib/ too.
        corpus, skip = os.path.dirname(os.__file__), ("site-packages", "dist-packages")
    # As the engine does: it always has the source (which helpers' lines spell is looked up
    # in it); without it, every helper would have to be looked into.
    texts = [] if args.callers or args.summaries else None
    trees = load(corpus, skip, texts)
    print("corpus: %s (%d files parsed in %.2fs)" % (corpus, len(trees), time.perf_counter() - load_start))

    rules = [cls() for cls in all_rules()]
    callers = {"without": True, "with": True}
    if args.callers:
        variants = {"without": (ANALYSES, True), "with": (ANALYSES, True)}
        callers = {"without": False, "with": True}
        what = "caller context"
    elif args.summaries:
        variants = {"without": (ANALYSES, False), "with": (ANALYSES, True)}
        what = "summaries"
    else:
        new = (KeyAnalysis, ImapAnalysis)
        without = tuple(a for a in ANALYSES if a not in new)
        variants = {"without": (without, True), "with": (without + new, True)}
        what = "key/IMAP analyses"
    times = {"without": [], "with": []}
    counts = {}
    run(trees, variants["with"][0], rules, variants["with"][1], texts)  # warm-up: caches, lazy imports
    for _ in range(args.repeat):
        for label in ("without", "with"):
            analyses, summaries = variants[label]
            elapsed, counts[label] = run(trees, analyses, rules, summaries, texts, callers[label])
            times[label].append(elapsed)
    before = statistics.median(times["without"])
    after = statistics.median(times["with"])
    template = "%-27s median %.3fs over %d runs (%d findings)"
    print(template % ("without %s:" % what, before, args.repeat, counts["without"]))
    print(template % ("with %s:" % what, after, args.repeat, counts["with"]))
    print("ratio with/without: %.3f (%+.1f%%)" % (after / before, (after / before - 1) * 100))


if __name__ == "__main__":
    main()
