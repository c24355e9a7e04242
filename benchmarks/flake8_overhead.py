"""What having mboxlint installed costs every flake8 run, against flake8-bugbear.

    python benchmarks/flake8_overhead.py [CORPUS] [--repeat N] [--jobs N]

flake8 runs every installed plugin on every file whatever ``--select`` says, so a plugin's
cost is paid by everyone who has it installed. Three venvs (under
``~/.cache/mboxlint-benchmarks``, reused between runs) hold the same flake8: alone, with
mboxlint installed from this checkout, and with flake8-bugbear. The same command,
``flake8 --select=E9 CORPUS`` (or ``--flake8-args``; ``--jobs`` passed on when given), runs in each, interleaved,
``--repeat`` times (default 3). Printed: medians, the cost each plugin adds over flake8
alone, and the ratio of mboxlint's added cost to bugbear's.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import REPO, default_corpus, ensure_venv, interleaved, report, verdict, work_dir  # noqa: E402


def installable_copy() -> str:
    """A copy of this checkout that pip can build: package folders that ``pyproject.toml``
    lists but the checkout does not have yet are created empty (and said so)."""
    import re
    import shutil

    target = os.path.join(work_dir("src"), "mboxlint")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(".git", "*.egg-info", "build", ".mboxlint_cache", "__pycache__"))
    with open(os.path.join(target, "pyproject.toml"), encoding="utf-8") as handle:
        listed = re.search(r"^packages\s*=\s*\[(.*?)\]", handle.read(), re.M | re.S)
    for package in re.findall(r'"([^"]+)"', listed.group(1) if listed else ""):
        folder = os.path.join(target, *package.split("."))
        if not os.path.isdir(folder):
            print("note: %s is listed in pyproject.toml but absent from the checkout; installed empty" % package)
            os.makedirs(folder)
            open(os.path.join(folder, "__init__.py"), "w").close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=default_corpus())
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default=None, help="flake8 --jobs (default: flake8's own, auto)")
    parser.add_argument("--flake8-args", default="--select=E9",
                        help="flake8's selection (default: --select=E9, which reports nothing of either "
                             "plugin; --select=E9,MBX1,MBX2,MBX3,B0 has both run their default rules)")
    args = parser.parse_args()
    corpus = os.path.abspath(args.corpus)

    base = ensure_venv("flake8", ["flake8"])
    version = subprocess.run([os.path.join(base, "python"), "-c", "import flake8; print(flake8.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    flake8 = "flake8==" + version
    bugbear = ensure_venv("flake8-bugbear", [flake8, "flake8-bugbear"])
    source = installable_copy()
    ours = ensure_venv("flake8-mboxlint", [flake8, "libcst"])
    # this checkout as it is now, not as it was when the venv was made
    subprocess.run([os.path.join(ours, "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", source],
                   check=True)

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # installed tools reuse their bytecode
    env.pop("PYTHONPATH", None)
    extra = args.flake8_args.split() + (["--jobs", args.jobs] if args.jobs else [])
    command = lambda bindir: [os.path.join(bindir, "flake8"), "--isolated"] + extra + [corpus]  # noqa: E731
    for bindir in (base, ours, bugbear):  # warm-up: bytecode written, plugins listed
        print(subprocess.run([os.path.join(bindir, "flake8"), "--version"], env=env, capture_output=True, text=True).stdout.strip())
        subprocess.run(command(bindir), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("corpus: %s" % corpus)
    times = interleaved(
        [
            ("flake8 alone", command(base), env, None, (0, 1)),
            ("flake8 + mboxlint", command(ours), env, None, (0, 1)),
            ("flake8 + flake8-bugbear", command(bugbear), env, None, (0, 1)),
        ],
        args.repeat,
    )
    medians = report(times, "flake8 alone", "flake8 " + " ".join(extra))
    alone = medians["flake8 alone"]
    added_ours = medians["flake8 + mboxlint"] - alone
    added_bugbear = medians["flake8 + flake8-bugbear"] - alone
    print("\n  added by mboxlint:        %+.3f s (%+.1f%%)" % (added_ours, 100 * added_ours / alone))
    print("  added by flake8-bugbear:  %+.3f s (%+.1f%%)" % (added_bugbear, 100 * added_bugbear / alone))
    if added_bugbear > 0:
        verdict("mboxlint's added cost / bugbear's added cost", added_ours / added_bugbear, 0.25)


if __name__ == "__main__":
    main()
