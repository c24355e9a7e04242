"""Processes on a hostile tree: libcst crashing on one file costs that file only (``-j 1`` and
the single-file pre-commit case too), and SIGTERM/SIGINT/SIGKILL to the run leave no worker
running and no temp file behind. Real processes and real signals, bounded in time."""

import os
import signal
import subprocess
import sys
import time

import pytest

from support import FIXABLE, ROOT

#: a file libcst's native parser segfaults on (a 10,000-term ``and`` chain), with a fixable
#: function first, so that a fix is attempted
CRASHER = FIXABLE + "\nok = " + " and ".join("os.path.exists(p%d)" % i for i in range(10000)) + "\n"

ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.path.join(ROOT, "tests"))


def run(args, cwd, code=None, timeout=300):
    command = [sys.executable, "-m", "mboxlint"] + args if code is None else [sys.executable, "-c", code] + args
    return subprocess.run(command, cwd=str(cwd), capture_output=True, text=True, timeout=timeout, env=ENV)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_crashes_libcst_costs_that_file_only(tmp_path, jobs):
    (tmp_path / "a_first.py").write_text(FIXABLE)
    (tmp_path / "crash.py").write_text(CRASHER)
    (tmp_path / "z_last.py").write_text(FIXABLE)
    proc = run(["--fix", "--no-cache", "-j", jobs, "."], tmp_path)
    assert proc.returncode == 3, proc.stderr  # never 139
    assert (tmp_path / "crash.py").read_text() == CRASHER  # nothing written for it
    assert "box.flush()" in (tmp_path / "a_first.py").read_text()
    assert "box.flush()" in (tmp_path / "z_last.py").read_text()
    assert "crash.py: cannot fix:" in proc.stderr


@pytest.mark.slow
def test_the_single_file_pre_commit_case_survives_a_crash(tmp_path):
    (tmp_path / "crash.py").write_text(CRASHER)
    proc = run(["--fix", "--no-cache", "crash.py"], tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "crash.py: cannot fix: the process fixing it crashed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "crash.py").read_text() == CRASHER
    assert sorted(os.listdir(tmp_path)) == ["crash.py"]


def test_a_child_killed_by_a_signal_is_reported_for_its_file(tmp_path):
    # Whatever libcst version is installed: the child fixing this file dies of SIGSEGV.
    (tmp_path / "dies.py").write_text(FIXABLE)
    (tmp_path / "lives.py").write_text(FIXABLE)
    code = (
        "import os, signal, sys\n"
        "from mboxlint import cli, fix\n"
        "real = fix.fix_file\n"
        "def fix_file(path, *a, **k):\n"
        "    if path.endswith('dies.py'):\n"
        "        os.kill(os.getpid(), signal.SIGSEGV)\n"
        "    return real(path, *a, **k)\n"
        "fix.fix_file = fix_file\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    proc = run(["--fix", "--no-cache", "-j", "1", "."], tmp_path, code)
    assert proc.returncode == 3, proc.stderr
    assert "dies.py: cannot fix: the process fixing it crashed" in proc.stderr
    assert (tmp_path / "dies.py").read_text() == FIXABLE
    assert "box.flush()" in (tmp_path / "lives.py").read_text()


SLOW_WORKERS = (
    "import sys, time\n"
    "from mboxlint import cli, runner\n"
    "runner.PARALLEL_MIN_FILES = runner.PARALLEL_MIN_BYTES = 0\n"
    "def endless(*a, **k):\n"
    "    time.sleep(600)\n"
    "runner.check_one = endless\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_workers_die_with_the_run(tmp_path, how):
    for i in range(8):
        (tmp_path / ("m%d.py" % i)).write_text(FIXABLE)
    main = subprocess.Popen([sys.executable, "-c", SLOW_WORKERS, "--no-cache", "-j", "2", "."],
                            cwd=str(tmp_path), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: len(children(main.pid)) >= 2), "the pool never started"
        workers = children(main.pid)
        time.sleep(0.5)  # the workers are inside the endless check
        main.send_signal(how)
        _out, err = main.communicate(timeout=120)
        assert wait_until(lambda: not any(alive(w) for w in workers), 30), "workers outlived the run"
    finally:
        if main.poll() is None:
            main.kill()
            main.wait(timeout=60)
    if how == signal.SIGKILL:
        assert main.returncode == -signal.SIGKILL
    else:
        assert main.returncode == 2
        assert ("terminated" if how == signal.SIGTERM else "interrupted") in err
        assert "Traceback" not in err


SLOW_WRITE = (
    "import sys, time\n"
    "from mboxlint import cli, safe_write\n"
    "real = safe_write.copy_metadata\n"
    "def slow(*a):\n"
    "    real(*a)\n"
    "    time.sleep(600)\n"
    "safe_write.copy_metadata = slow\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_write_removes_the_temp_file(tmp_path, how):
    path = tmp_path / "deliver.py"
    path.write_text(FIXABLE)
    main = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, "--fix", "--no-cache", "deliver.py"],
                            cwd=str(tmp_path), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: any(n.endswith(".mboxlint") for n in os.listdir(tmp_path)), 120)
        main.send_signal(how)
        _out, err = main.communicate(timeout=120)
    finally:
        if main.poll() is None:
            main.kill()
            main.wait(timeout=60)
    assert main.returncode == 2 and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["deliver.py"]
    assert path.read_text() == FIXABLE
