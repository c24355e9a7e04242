"""The pre-commit hooks, run for real by pre-commit against a copy of this checkout.

pre-commit installs the hook repository into its own virtual environment (``pip install`` of
the copy), exactly as it does for a user whose ``.pre-commit-config.yaml`` names this project.
The environments live under a temporary ``PRE_COMMIT_HOME`` shared by the tests of this module,
so they are built once.
"""

import os
import re
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
#: a file with a finding of an opinionated rule (MBX901), on only when selected
OPINIONATED = (
    "import json\nSTATE = 'state.json'\n\n\n"
    "def load():\n    with open(STATE) as f:\n        return json.load(f)\n\n\n"
    "def save(state):\n    with open(STATE, 'w') as f:\n        json.dump(state, f)\n"
)

#: what a user's checkout never ships to pre-commit: VCS data, environments, caches, builds
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv*", "venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
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


def _readme_recipes():
    """The YAML blocks of the README's pre-commit section, in order."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index("### pre-commit\n"):]
    section = section[: section.index("\n### ", 1)]
    return re.findall(r"^```yaml\n(.*?)^```$", section, flags=re.M | re.S)


def _filled_in(recipe, clone, rev, wheel):
    """A README recipe with its placeholders replaced by this test's clone, commit and wheel."""
    recipe = re.sub(r"/path/to/mboxlint-[^\s,\]]+\.whl", wheel, recipe)
    recipe = recipe.replace("/path/to/mboxlint", clone).replace("COMMIT_SHA", rev)
    assert "/path/to" not in recipe and "COMMIT_SHA" not in recipe, recipe
    return recipe


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A git repository of this checkout, its commit, a wheel built from it, and pre-commit."""
    base = tmp_path_factory.mktemp("precommit")
    clone = str(base / "mboxlint")
    shutil.copytree(ROOT, clone, ignore=NOT_COPIED, symlinks=True)
    _git("init", "-q", cwd=clone)
    _git("add", "-A", cwd=clone)
    _git("commit", "-q", "-m", "snapshot", cwd=clone)
    rev = _git("rev-parse", "HEAD", cwd=clone).stdout.strip()
    wheels = base / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), clone],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = [str(path) for path in wheels.iterdir() if path.suffix == ".whl"]
    command = _pre_commit_command(str(base))
    env = dict(os.environ, PRE_COMMIT_HOME=str(base / "cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PRE_COMMIT", None)
    return {"base": base, "clone": clone, "rev": rev, "wheel": wheel, "command": command, "env": env}


def _project(checkout, name, recipe):
    """A git project whose pre-commit configuration is the README's ``recipe``; returns a runner."""
    project = checkout["base"] / name
    project.mkdir()
    _git("init", "-q", cwd=str(project))
    (project / ".pre-commit-config.yaml").write_text(
        _filled_in(recipe, checkout["clone"], checkout["rev"], checkout["wheel"]))
    (project / "pyproject.toml").write_text('[tool.mboxlint]\nextend-exclude = ["legacy"]\n')

    def run(hook, *files):
        for file_name in files:
            _git("add", file_name, cwd=str(project))
        return subprocess.run(
            [*checkout["command"], "run", hook, "--files", *files],
            cwd=str(project), env=checkout["env"], capture_output=True, text=True, timeout=900,
        )

    run.project = project
    return run


@pytest.fixture(scope="module")
def hooks(checkout):
    """A project using the README's first recipe: this checkout's hooks at a pinned commit."""
    recipe = _readme_recipes()[0]
    assert "rev: COMMIT_SHA" in recipe
    return _project(checkout, "project", recipe)


def test_readme_has_the_three_recipes():
    recipes = _readme_recipes()
    assert len(recipes) == 3
    assert "repo: /path/to/mboxlint" in recipes[0]
    assert all("repo: local" in recipe for recipe in recipes[1:])
    assert "id: flake8" in recipes[2] and ".whl" in recipes[2]


def test_local_hook_from_a_checkout_reports_findings(checkout):
    run = _project(checkout, "local-hook", _readme_recipes()[1])
    (run.project / "bad.py").write_text(BAD)
    (run.project / "good.py").write_text(CLEAN)
    proc = run("mboxlint", "bad.py", "good.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.py:4:1: MBX101 box.add() modifies the mailbox" in proc.stdout
    assert "good.py" not in proc.stdout
    (run.project / "legacy").mkdir()
    (run.project / "legacy" / "old.py").write_text(BAD)
    proc = run("mboxlint", "legacy/old.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_flake8_local_hook_with_the_wheel_reports_the_plugin_findings(checkout):
    run = _project(checkout, "flake8-hook", _readme_recipes()[2])
    (run.project / "bad.py").write_text(BAD)
    (run.project / "state.py").write_text(OPINIONATED)
    proc = run("flake8", "bad.py", "state.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.py:4:1: MBX101 box.add() modifies the mailbox" in proc.stdout
    assert " MBX901 " in proc.stdout  # the recipe's --extend-select=MBX9
    (run.project / "good.py").write_text(CLEAN)
    proc = run("flake8", "good.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


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
