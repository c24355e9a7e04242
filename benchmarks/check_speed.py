"""How fast ``mboxlint check`` is, against the cost of just parsing the same files.

    python benchmarks/check_speed.py [CORPUS] [--repeat N] [--jobs N]

CORPUS defaults to the running interpreter's standard library. Measured, interleaved, each
``--repeat`` times (default 5), median quoted:

* parse floor: one process that reads and ``ast.parse``s every file mboxlint would check;
* ``mboxlint check --no-cache`` (cold, default rules, every core);
* ``mboxlint check`` warm (cache filled, nothing changed);
* ``ruff check`` warm on the same tree (ruff from PATH, or installed into a venv under
  ``~/.cache/mboxlint-benchmarks``);
* ``mboxlint check --fix`` on a copy of the tree with nothing to fix, against ``check`` on the
  same copy (when ``--fix`` exists).

Every figure is also printed as a ratio to its baseline measured in the same run.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import REPO, clean_env, default_corpus, ensure_venv, interleaved, report, verdict  # noqa: E402

FLOOR = r"""
import ast, sys, warnings
sys.path.insert(0, sys.argv[2])
from mboxlint.discovery import iter_python_files
warnings.simplefilter("ignore")
for path in iter_python_files([sys.argv[1]]):
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        ast.parse(raw, path)
    except (SyntaxError, ValueError):
        pass
"""


def find_ruff() -> str:
    found = shutil.which("ruff")
    if found:
        return found
    return os.path.join(ensure_venv("ruff", ["ruff"]), "ruff")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=default_corpus())
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="passed to mboxlint check -j (default: every core)")
    args = parser.parse_args()
    corpus = os.path.abspath(args.corpus)
    py = sys.executable
    scratch = tempfile.mkdtemp(prefix="mboxlint-bench-")
    env = clean_env(MBOXLINT_CACHE_DIR=os.path.join(scratch, "mboxlint-cache"))
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    mboxlint = [py, "-m", "mboxlint", "check"] + jobs
    ruff = find_ruff()
    ruff_cmd = [ruff, "check", "--isolated", "--exit-zero", "--quiet", "--cache-dir", os.path.join(scratch, "ruff-cache"), corpus]
    count = subprocess.run([py, "-c", "import sys; from mboxlint.discovery import iter_python_files as f; print(sum(1 for _ in f([sys.argv[1]])))", corpus],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    print("corpus: %s (%s files)" % (corpus, count))
    print("python: %s; cores: %s; ruff: %s" % (sys.version.split()[0], os.cpu_count(),
                                              subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()))
    statuses = (0, 1, 3)  # mboxlint exits 3 when some file cannot be checked (the stdlib has a few on purpose)
    # Warm-ups: bytecode written, caches filled.
    for command in (mboxlint + [corpus], ruff_cmd):
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = interleaved(
        [
            ("parse floor (1 process: read + ast.parse)", [py, "-c", FLOOR, corpus, REPO], env, None, (0,)),
            ("mboxlint check --no-cache (cold)", mboxlint + ["--no-cache", corpus], env, None, statuses),
            ("mboxlint check (warm)", mboxlint + [corpus], env, None, statuses),
            ("ruff check (warm)", ruff_cmd, env, None, (0,)),
            ("for scale: python -c pass", [py, "-c", "pass"], env, None, (0,)),
        ],
        args.repeat,
    )
    medians = report(times, "parse floor (1 process: read + ast.parse)", "check speed")
    floor = medians["parse floor (1 process: read + ast.parse)"]
    print()
    verdict("cold check / parse floor", medians["mboxlint check --no-cache (cold)"] / floor, 0.7)
    verdict("warm check / ruff warm", medians["mboxlint check (warm)"] / medians["ruff check (warm)"], 1.0)

    helptext = subprocess.run(mboxlint + ["--help"], env=env, capture_output=True, text=True).stdout
    if "--fix" not in helptext:
        print("\n--fix with nothing to fix: skipped (this mboxlint has no --fix yet)")
    else:
        copy = os.path.join(scratch, "tree")
        shutil.copytree(corpus, copy, symlinks=True)
        fixed = interleaved(
            [
                ("mboxlint check --no-cache (copy)", mboxlint + ["--no-cache", copy], env, None, statuses),
                ("mboxlint check --fix --no-cache (copy)", mboxlint + ["--fix", "--no-cache", copy], env, None, statuses),
            ],
            args.repeat,
        )
        fix_medians = report(fixed, "mboxlint check --no-cache (copy)", "--fix with nothing to fix")
        verdict("--fix / check", fix_medians["mboxlint check --fix --no-cache (copy)"] / fix_medians["mboxlint check --no-cache (copy)"], 1.1)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
