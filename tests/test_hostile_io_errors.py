"""What used to be internal errors on hostile input are clear messages with exit 2, and
``MBOXLINT_DEBUG=1`` shows the traceback of a real one."""

import os
import resource
import subprocess
import sys

import pytest

from support import ROOT, run_cli

UNLOCKED = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"


@pytest.mark.parametrize("config, says", [
    ("/dev/null", "not a regular file"),
    (".", "is a directory"),
    ("missing.toml", "no such file"),
])
def test_config_that_is_not_a_file(tmp_path, config, says):
    (tmp_path / "a.py").write_text(UNLOCKED)
    proc = run_cli("--config", config, "a.py", cwd=str(tmp_path))
    assert proc.returncode == 2
    assert says in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize("name", ["pyproject.toml", "mboxlint.toml"])
def test_a_deeply_nested_toml_array_is_a_configuration_error(tmp_path, name):
    (tmp_path / "a.py").write_text(UNLOCKED)
    body = "[tool.mboxlint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n"
    (tmp_path / name).write_text(body)
    args = ["a.py"] if name == "pyproject.toml" else ["--config", name, "a.py"]
    proc = run_cli(*args, cwd=str(tmp_path))
    assert proc.returncode == 2
    assert "not valid TOML: nested too deeply" in proc.stderr and "internal error" not in proc.stderr


def test_a_report_past_the_file_size_limit_is_an_error_and_the_old_report_is_kept(tmp_path):
    for number in range(40):
        (tmp_path / ("m%02d.py" % number)).write_text(UNLOCKED)
    report = tmp_path / "report.json"
    report.write_text("[]\n")  # last run's report

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "mboxlint", "--no-cache", "--format", "json", "-o", "report.json",
                           "."], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=limit)
    assert proc.returncode == 2, proc.stderr
    assert "cannot write the report to report.json: File too large" in proc.stderr
    assert "internal error" not in proc.stderr
    assert report.read_text() == "[]\n"
    assert sorted(n for n in os.listdir(tmp_path) if not n.endswith(".py")) == ["report.json"]


def test_a_report_is_written_whole(tmp_path):
    (tmp_path / "a.py").write_text(UNLOCKED)
    proc = run_cli("--no-cache", "--select", "MBX", "-o", "out.txt", "a.py", cwd=str(tmp_path))
    assert proc.returncode == 1
    assert (tmp_path / "out.txt").read_text() == "a.py:3:1: MBX101 " + (tmp_path / "out.txt").read_text().split(
        " MBX101 ", 1)[1]
    assert oct(os.stat(str(tmp_path / "out.txt")).st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


BROKEN = (
    "import sys\n"
    "from mboxlint import cli\n"
    "def broken(argv):\n"
    "    raise RuntimeError('a bug')\n"
    "cli._check = broken\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("debug", [False, True])
def test_mboxlint_debug_prints_the_traceback_of_an_internal_error(tmp_path, debug):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("MBOXLINT_DEBUG", None)
    if debug:
        env["MBOXLINT_DEBUG"] = "1"
    proc = subprocess.run([sys.executable, "-c", BROKEN, "."], cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2
    assert "mboxlint: internal error: RuntimeError: a bug" in proc.stderr
    assert ("Traceback (most recent call last)" in proc.stderr) is debug
    assert ("MBOXLINT_DEBUG=1" in proc.stderr) is not debug


def test_mboxlint_debug_shows_where_a_rule_failed_on_one_file(tmp_path):
    (tmp_path / "a.py").write_text(UNLOCKED)
    code = (
        "import sys\n"
        "from mboxlint import cli, runner\n"
        "def broken(*a, **k):\n"
        "    raise RuntimeError('rule bug')\n"
        "runner.check_source = broken\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT, MBOXLINT_DEBUG="1")
    proc = subprocess.run([sys.executable, "-c", code, "--no-cache", "a.py"], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "internal error: rule bug" in proc.stderr and "Traceback (most recent call last)" in proc.stderr


def _installed_in_isolation():
    probe = subprocess.run([sys.executable, "-I", "-c", "import mboxlint, libcst"], capture_output=True,
                           cwd="/", timeout=120)
    return probe.returncode == 0


@pytest.mark.slow
def test_the_readme_codemod_command_cannot_be_shadowed_by_the_repository(tmp_path):
    if not _installed_in_isolation():
        pytest.skip("mboxlint is not installed in this interpreter's environment (python -I cannot import it)")
    # a repository with its own mboxlint/ package, which plain `python -m` would import
    (tmp_path / "mboxlint" / "fixes").mkdir(parents=True)
    (tmp_path / "mboxlint" / "__init__.py").write_text("raise SystemExit('the repository mboxlint was imported')\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "d.py").write_text(
        "import mailbox\n\n\ndef deliver(path, message):\n    box = mailbox.mbox(path)\n    box.lock()\n"
        "    box.add(message)\n    box.unlock()\n    box.close()\n")
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    line = next(line for line in readme.splitlines() if "mboxlint.fixes.locking.FlushBeforeUnlock" in line)
    argv = line.split()
    assert argv[:3] == ["python", "-I", "-m"]
    proc = subprocess.run([sys.executable] + argv[1:], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert "the repository mboxlint was imported" not in proc.stderr
    assert "box.flush()" in (tmp_path / "src" / "d.py").read_text(), proc.stderr
