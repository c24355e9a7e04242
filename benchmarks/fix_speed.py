"""How fast ``--fix`` is, against ``check`` and against a libcst codemod over every file.

    python benchmarks/fix_speed.py [CORPUS] [--repeat N] [--jobs N] [--baseline-repeat N] [--no-baseline]

CORPUS defaults to the running interpreter's standard library (tests included; without
``site-packages``), copied to a temporary directory, since fixing writes. Measured,
interleaved, ``--repeat`` times (default 5), median quoted:

* ``check --no-cache`` (cold) and ``check`` (warm) on the "nothing to fix" tree: the copy after
  one ``--fix --unsafe-fixes`` pass, so that what is left either has no fix or a fix that is
  declined or refused, as in a project that runs ``--fix`` routinely;
* ``check --fix --no-cache`` (cold) and ``check --fix`` (warm) on that tree;
* ``check --no-cache`` (cold) on a pristine copy, and ``check --fix --unsafe-fixes --no-cache``
  on a fresh pristine copy (re-copied, untimed, before each run);
* the baseline ``python -m libcst.tool codemod -x mboxlint.fixes.locking.WrapLockInTryFinally
  --no-format --hide-progress -j JOBS`` on a fresh pristine copy: libcst's own runner parses
  every file, computes the positions the fixer asks for, runs the fixer (which asks the
  engine for its findings) and prints the module back; ``--baseline-repeat`` times (default
  1: a run takes minutes), after the others.

Every figure is printed with its ratio to the cold check measured in the same run.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import clean_env, default_corpus, interleaved, report, verdict  # noqa: E402

STATUSES = (0, 1, 3)  # 3: some files cannot be checked (the stdlib has a few on purpose)
BASELINE_FIXER = "mboxlint.fixes.locking.WrapLockInTryFinally"


def copy_tree(source: str, dest: str) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))


def summary(command, env) -> str:
    """The last line ``--fix`` writes to stderr (what it fixed)."""
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else "(no output, status %d)" % done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=default_corpus())
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="passed to mboxlint -j and the codemod's -j (default: every core)")
    parser.add_argument("--baseline-repeat", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="skip the libcst codemod baseline")
    args = parser.parse_args()
    corpus = os.path.abspath(args.corpus)
    py = sys.executable
    scratch = tempfile.mkdtemp(prefix="mboxlint-fix-speed-")
    try:
        env = clean_env(MBOXLINT_CACHE_DIR=os.path.join(scratch, "cache"))
        jobs = ["-j", str(args.jobs)] if args.jobs else []
        check = [py, "-m", "mboxlint", "check"] + jobs
        pristine, nothing, fresh = (os.path.join(scratch, name) for name in ("pristine", "nothing", "fresh"))
        copy_tree(corpus, pristine)
        copy_tree(pristine, nothing)
        count = sum(1 for _ in _python_files(pristine, env))
        print("corpus: %s (%d files), copied to %s" % (corpus, count, scratch))
        print("python: %s; cores: %s" % (sys.version.split()[0], os.cpu_count()))
        print("one --fix --unsafe-fixes pass on a copy: %s" % summary(check + ["--fix", "--unsafe-fixes", "--no-cache", nothing], env))
        print("--fix on the result: %s" % summary(check + ["--fix", "--no-cache", nothing], env))
        # Warm-ups: bytecode written, the cache filled for check and for --fix.
        for command in (check + [nothing], check + ["--fix", nothing], check + [pristine]):
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        cold = "check --no-cache (cold), nothing-to-fix tree"
        times = interleaved(
            [
                (cold, check + ["--no-cache", nothing], env, None, STATUSES),
                ("check (warm), nothing-to-fix tree", check + [nothing], env, None, STATUSES),
                ("--fix --no-cache (cold), nothing to fix", check + ["--fix", "--no-cache", nothing], env, None, STATUSES),
                ("--fix (warm), nothing to fix", check + ["--fix", nothing], env, None, STATUSES),
                ("check --no-cache (cold), pristine copy", check + ["--no-cache", pristine], env, None, STATUSES),
                ("--fix --unsafe-fixes --no-cache, fresh copy",
                 check + ["--fix", "--unsafe-fixes", "--no-cache", fresh], env, None, STATUSES),
            ],
            args.repeat,
            before_each=lambda name: copy_tree(pristine, fresh) if "fresh copy" in name else None,
        )
        baseline = "libcst codemod %s over every file" % BASELINE_FIXER.rsplit(".", 1)[1]
        if not args.no_baseline:
            codemod = [py, "-m", "libcst.tool", "codemod", "-x", BASELINE_FIXER, "--no-format", "--hide-progress"]
            codemod += ["-j", str(args.jobs or os.cpu_count() or 1), fresh]
            times.update(interleaved(
                [(baseline, codemod, env, None, (0, 1))],
                args.baseline_repeat,
                before_each=lambda name: copy_tree(pristine, fresh),
            ))
        medians = report(times, cold, "--fix speed")
        print()
        verdict("--fix, nothing to fix, cold / check cold (same tree)",
                medians["--fix --no-cache (cold), nothing to fix"] / medians[cold], 1.1)
        verdict("--fix, nothing to fix, warm / check warm (same tree)",
                medians["--fix (warm), nothing to fix"] / medians["check (warm), nothing-to-fix tree"], 1.1)
        verdict("--fix --unsafe-fixes, fresh copy / check cold (pristine)",
                medians["--fix --unsafe-fixes --no-cache, fresh copy"] / medians["check --no-cache (cold), pristine copy"], 2.0)
        if baseline in medians:
            verdict("codemod over every file / --fix --unsafe-fixes",
                    medians[baseline] / medians["--fix --unsafe-fixes --no-cache, fresh copy"], 5.0,
                    lower_is_better=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _python_files(root, env):
    listing = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom mboxlint.discovery import iter_python_files as f\n"
                               "for p in f([sys.argv[1]]): print(p)", root],
        env=env, capture_output=True, text=True, check=True)
    return listing.stdout.splitlines()


if __name__ == "__main__":
    main()
