"""The pre-commit hooks, run for real by pre-commit against a copy of this checkout.

pre-commit installs the hook repository into its own virtual environment (``pip install`` of
the copy), exactly as it does for a user whose ``.pre-commit-config.yaml`` names this project.
The environments live under a temporary ``PRE_COMMIT_HOME`` shared by the tests of this module,
so they are built once.
"""

import os
import shutil
import subprocess
import sys
import venv

import pytest

from support import ROOT

pytestmark = pytest.mark.slow

BAD = "import mailbox\n\nbox = mailbox.mbox('inbox')\nbox.add('message')\n"
CLEAN = "import mailbox\n\nbox = mailbox.Maildir('inbox')\nbox.add('message')\n"
FIXABLE = (
    "import mailbox\n\n\n"
    "def deliver(path, message):\n"
    "    box = mailbox.mbox(path)\n"
    "    box.lock()\n"
    "    try:\n"
    "        box.add(message)\n"
    "    finally:\n"
    "        box.unlock()\n"
    "    box.close()\n"
)

#: what a user's checkout never ships to pre-commit: VCS data, environments, caches, builds
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
    ".mboxlint_cache", ".tox", ".nox",
)


def _git(*args, cwd):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


def _pre_commit_command(workdir):
    """``python -m pre_commit`` of this interpreter, or of a venv made for the test when absent."""
    probe = subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "pre_commit"]
    env_dir = os.path.join(workdir, "pre-commit-venv")
    venv.create(env_dir, with_pip=True)
    python = os.path.join(env_dir, "bin", "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "pre-commit"],
                   check=True, capture_output=True, timeout=600)
    return [python, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    """A git repository of this checkout, a project using it, and a way to run pre-commit there."""
    base = tmp_path_factory.mktemp("precommit")
    hook_repo = str(base / "mboxlint")
    shutil.copytree(ROOT, hook_repo, ignore=NOT_COPIED, symlinks=True)
    _git("init", "-q", cwd=hook_repo)
    _git("add", "-A", cwd=hook_repo)
    _git("commit", "-q", "-m", "snapshot", cwd=hook_repo)
    rev = _git("rev-parse", "HEAD", cwd=hook_repo).stdout.strip()

    project = base / "project"
    project.mkdir()
    _git("init", "-q", cwd=str(project))
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        "  - repo: %s\n"
        "    rev: %s\n"
        "    hooks:\n"
        "      - id: mboxlint\n"
        "      - id: mboxlint-fix\n" % (hook_repo, rev)
    )
    (project / "pyproject.toml").write_text('[tool.mboxlint]\nextend-exclude = ["legacy"]\n')
    command = _pre_commit_command(str(base))
    env = dict(os.environ, PRE_COMMIT_HOME=str(base / "cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PRE_COMMIT", None)

    def run(hook, *files):
        for name in files:
            _git("add", name, cwd=str(project))
        return subprocess.run(
            [*command, "run", hook, "--files", *files],
            cwd=str(project), env=env, capture_output=True, text=True, timeout=900,
        )

    run.project = project
    return run


def test_hook_file_declares_both_hooks():
    import yaml

    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as handle:
        declared = {hook["id"]: hook for hook in yaml.safe_load(handle)}
    assert set(declared) == {"mboxlint", "mboxlint-fix"}
    for hook in declared.values():
        assert hook["language"] == "python" and hook["types"] == ["python"]
        assert hook["entry"].startswith("mboxlint")
    assert "--fix" in declared["mboxlint-fix"]["entry"].split()
    assert "--fix" not in declared["mboxlint"]["entry"].split()


def test_hook_fails_on_a_file_with_findings(hooks):
    (hooks.project / "bad.py").write_text(BAD)
    proc = hooks("mboxlint", "bad.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.py:4:1: MBX101 box.add() modifies the mailbox" in proc.stdout
    assert "Failed" in proc.stdout


def test_hook_passes_on_a_clean_file(hooks):
    (hooks.project / "good.py").write_text(CLEAN)
    proc = hooks("mboxlint", "good.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout and "MBX" not in proc.stdout


def test_hook_honours_the_project_exclusions(hooks):
    # pre-commit names the file itself; the hook's --force-exclude applies extend-exclude to it.
    (hooks.project / "legacy").mkdir(exist_ok=True)
    (hooks.project / "legacy" / "old.py").write_text(BAD)
    proc = hooks("mboxlint", "legacy/old.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MBX101" not in proc.stdout


def test_fix_hook_rewrites_the_file(hooks):
    path = hooks.project / "fixable.py"
    path.write_text(FIXABLE)
    proc = hooks("mboxlint-fix", "fixable.py")
    fixed = path.read_text()
    assert proc.returncode == 1, proc.stdout + proc.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in proc.stdout
    assert fixed != FIXABLE and "box.flush()" in fixed
    compile(fixed, "fixable.py", "exec")
