"""What the key-provenance and IMAP analyses, or the function summaries, add to a full check.

Usage: ``python benchmarks/analysis_overhead.py [CORPUS] [--repeat N] [--summaries [--whole-check] | --callers]``

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

With ``--summaries --whole-check``, what is timed is instead the whole cold check as users run
it, ``mboxlint check --no-cache`` on every core (reading, parsing, the cache-less engine,
output), alternately with the engine's summaries switched off and on: the share of a user's
check that the summaries take. The analysis-only ratio above is the stricter figure.
"""

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import clean_env  # noqa: E402

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
        module.release()  # as the engine does once a module is checked
    return time.perf_counter() - start, findings


#: runs ``mboxlint check`` with the engine's summaries off ("off") or on ("on"); worker
#: processes are forked, so they inherit the switch
WHOLE_CHECK = r"""
import functools, sys
import mboxlint.engine as engine
from mboxlint.cli import main
if sys.argv[1] == "off":
    engine.analyse = functools.partial(engine.analyse, summaries=False)
sys.exit(main(["check", "--no-cache", "--isolated", sys.argv[2]]))
"""


def whole_check(corpus, repeat):
    """Time ``mboxlint check --no-cache`` without and with summaries, interleaved: wall
    clock, and the CPU time of the check and its workers (steadier on a shared machine)."""
    env = clean_env()
    commands = {label: [sys.executable, "-c", WHOLE_CHECK, switch, corpus]
                for label, switch in (("summaries off", "off"), ("summaries on", "on"))}
    for command in commands.values():  # warm-up: bytecode written
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = {label: [] for label in commands}
    cpu = {label: [] for label in commands}
    for _ in range(repeat):
        for label, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wall[label].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode not in (0, 1, 3):  # 3: some file cannot be checked (the stdlib has a few)
                raise SystemExit("check exited %d: %s" % (done.returncode, done.stderr.decode()[-2000:]))
    for what, times in (("wall clock", wall), ("CPU (check and workers)", cpu)):
        before, after = statistics.median(times["summaries off"]), statistics.median(times["summaries on"])
        # each round's own ratio: the machine's speed drifts over a run, and a round's two
        # checks run back to back
        paired = statistics.median(on / off for off, on in zip(times["summaries off"], times["summaries on"]))
        print("whole cold check, %s, median of %d: off %.3fs, on %.3fs, ratio %.3f (%+.1f%%); "
              "median of the rounds' ratios %.3f (%+.1f%%)"
              % (what, repeat, before, after, after / before, (after / before - 1) * 100, paired, (paired - 1) * 100))
        print("  runs off: %s" % " ".join("%.2f" % t for t in times["summaries off"]))
        print("  runs on:  %s" % " ".join("%.2f" % t for t in times["summaries on"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--summaries", action="store_true",
                        help="measure the function summaries instead of the key/IMAP analyses")
    parser.add_argument("--whole-check", action="store_true",
                        help="with --summaries: time the whole cold `mboxlint check` instead of the analysis")
    parser.add_argument("--callers", action="store_true",
                        help="measure the context callers give private helpers, checking with the source")
    args = parser.parse_args(argv)
    if args.whole_check:
        if not args.summaries:
            parser.error("--whole-check goes with --summaries")
        whole_check(args.corpus or os.path.dirname(os.__file__), args.repeat)
        return

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
