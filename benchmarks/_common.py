"""What every benchmark shares: the corpus, timing subprocesses, medians, ratios, venvs.

Absolute times drift on a shared machine, so every figure is a ratio to a baseline measured
in the same run, and repetitions are interleaved (A, B, C, A, B, C, ...) so that a burst of
load elsewhere falls on every contestant alike.
"""

import os
import shutil
import statistics
import subprocess
import sys
import time
import venv

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_corpus() -> str:
    """The running interpreter's standard library (tests included)."""
    return os.path.dirname(os.__file__)


def work_dir(name: str) -> str:
    """A persistent folder for venvs and copies, so a second run does not reinstall."""
    base = os.environ.get("MBOXLINT_BENCH_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mboxlint-benchmarks"
    )
    path = os.path.join(base, name)
    os.makedirs(path, exist_ok=True)
    return path


def clean_env(**extra) -> dict:
    """The environment of a measured command: bytecode is written and reused, as it is for
    an installed tool (a warm-up run fills it), and this checkout is what ``python -m mboxlint`` runs."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def run_timed(command, env=None, cwd=None, check_status=(0, 1)) -> float:
    """Wall-clock seconds of one run of ``command``; its output is discarded."""
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if check_status is not None and proc.returncode not in check_status:
        raise SystemExit("%s exited %d: %s" % (" ".join(command), proc.returncode, proc.stderr.decode()[-2000:]))
    return elapsed


def interleaved(contestants, repeat: int, before_each=None):
    """``{name: [seconds, ...]}``: each contestant ``(name, command, env, cwd, statuses)`` run
    ``repeat`` times, in turn. ``before_each(name)`` runs untimed before each measurement."""
    times = {name: [] for name, *_ in contestants}
    for round_number in range(repeat):
        for name, command, env, cwd, statuses in contestants:
            if before_each is not None:
                before_each(name)
            times[name].append(run_timed(command, env=env, cwd=cwd, check_status=statuses))
            sys.stderr.write("  %s: %.3f s\n" % (name, times[name][-1]))  # kept if the run is cut short
        sys.stderr.write("  round %d/%d done\n" % (round_number + 1, repeat))
    return times


def report(times, baseline: str, title: str) -> dict:
    """Print each contestant's runs, median and ratio to the baseline's median."""
    base = statistics.median(times[baseline])
    print("\n%s (median of %d; ratio to %r = %.3f s)" % (title, len(times[baseline]), baseline, base))
    medians = {}
    for name, values in times.items():
        median = statistics.median(values)
        medians[name] = median
        print("  %-44s median %8.3f s   ratio %6.3f   runs: %s"
              % (name, median, median / base, " ".join("%.3f" % v for v in values)))
    return medians


def verdict(label: str, value: float, limit: float, lower_is_better: bool = True) -> None:
    ok = value <= limit if lower_is_better else value >= limit
    print("  %-60s %7.3f  target %s %.2f  %s" % (label, value, "<=" if lower_is_better else ">=", limit, "MET" if ok else "MISSED"))


def ensure_venv(name: str, packages, python: str = sys.executable) -> str:
    """A venv under the benchmark folder with ``packages`` installed; returns its bin dir."""
    path = os.path.join(work_dir("venvs"), name)
    bindir = os.path.join(path, "Scripts" if os.name == "nt" else "bin")
    marker = os.path.join(path, ".installed")
    wanted = "\n".join(packages)
    if os.path.exists(marker) and open(marker).read() == wanted:
        return bindir
    shutil.rmtree(path, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(path)
    subprocess.run([os.path.join(bindir, "python"), "-m", "pip", "install", "--quiet", *packages], check=True)
    with open(marker, "w") as out:
        out.write(wanted)
    return bindir
