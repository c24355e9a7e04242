"""Discovery on a hostile tree: folders that cannot be read are reported (exit 3), files that
vanish mid-run are reported one by one, a run that checks nothing says so and why, and
``.gitignore`` is honoured as git reads it."""

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from mboxlint import cli, runner
from mboxlint.discovery import GitIgnore, Walk, iter_python_files

from support import ROOT, as_another_user, let_anyone_in, run_cli

UNLOCKED = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"


def run_as_another_user(argv, cwd):
    """``mboxlint`` run by another user, for whom modes mean what they say."""

    def run():
        os.chdir(cwd)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = cli.main(argv)
        return "%d\0%s\0%s" % (status, out.getvalue(), err.getvalue())

    exited, said = as_another_user(run)
    assert exited == 0, said
    status, out, err = said.split("\0")
    return int(status), out, err


@pytest.fixture
def open_tree(tmp_path):
    """A folder anyone may enter and write in."""
    let_anyone_in(tmp_path)
    os.chmod(str(tmp_path), 0o777)
    return tmp_path


def test_folders_that_cannot_be_read_or_entered_are_reported(open_tree):
    root = open_tree / "project"
    for name in ("closed", "unsearchable", "fine"):
        (root / name).mkdir(parents=True)
        (root / name / "m.py").write_text(UNLOCKED)
    os.chmod(str(root), 0o777)
    os.chmod(str(root / "fine"), 0o777)
    os.chmod(str(root / "fine" / "m.py"), 0o644)
    os.chmod(str(root / "closed"), 0o000)
    os.chmod(str(root / "unsearchable"), 0o644)  # listable, not enterable
    try:
        status, out, err = run_as_another_user(["--no-cache", "--select", "MBX", "."], str(root))
    finally:
        os.chmod(str(root / "closed"), 0o755)
        os.chmod(str(root / "unsearchable"), 0o755)
    assert status == 3, err
    lines = sorted(out.splitlines())
    assert lines[0].startswith("./closed:1:1: E902 cannot read directory: Permission denied")
    assert "./fine/m.py:3:1: MBX101" in lines[1]
    assert lines[2].startswith("./unsearchable:1:1: E902 cannot read directory: Permission denied")
    assert "Traceback" not in err and "internal error" not in err


def test_files_deleted_during_the_run_are_reported_one_by_one(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(UNLOCKED)
    code = (
        "import os, sys\n"
        "from mboxlint import cli, discovery\n"
        "real = discovery.iter_python_files\n"
        "def found_then_deleted(*a, **k):\n"
        "    files = list(real(*a, **k))\n"
        "    os.unlink(files[1])  # gone between the walk and the check\n"
        "    return iter(files)\n"
        "cli.iter_python_files = found_then_deleted\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT)
    for extra in ([], ["--fix"]):
        for name in ("a.py", "b.py", "c.py"):
            (tmp_path / name).write_text(UNLOCKED)
        proc = subprocess.run([sys.executable, "-c", code, "--no-cache", "-j", "1", "--select", "MBX"] + extra + ["."],
                              cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 3, proc.stderr
        assert "./b.py:1:1: E902 cannot read: No such file or directory" in proc.stdout
        assert "./a.py:3:1: MBX101" in proc.stdout and "./c.py:3:1: MBX101" in proc.stdout
        assert "no such file" not in proc.stderr.lower()


def test_the_runner_reports_a_missing_file_instead_of_raising(tmp_path):
    (tmp_path / "here.py").write_text(UNLOCKED)
    results = runner.check_paths([str(tmp_path / "here.py"), str(tmp_path / "gone.py")], cache=False)
    assert [r.error.code if r.error else None for r in results] == [None, "E902"]


@pytest.mark.parametrize("layout, config", [
    ({"site-packages/mod.py": UNLOCKED}, ""),
    ({"venv/bin/tool.py": UNLOCKED}, ""),
    ({"a.py": UNLOCKED}, 'extend-exclude = ["*.py"]'),
])
def test_a_run_that_checks_nothing_says_so_and_what_it_left_out(tmp_path, layout, config):
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.mboxlint]\n" + config + "\n")
    proc = run_cli("--no-cache", ".", cwd=str(tmp_path))
    assert proc.returncode == 0
    assert "warning: no Python files were checked" in proc.stderr
    hidden = next(iter(layout)).split("/")[0]
    assert "left out by the exclusions or .gitignore: ./%s" % hidden in proc.stderr


def test_an_empty_pyvenv_cfg_does_not_hide_a_folder(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "pyvenv.cfg").write_text("")
    (tmp_path / "src" / "m.py").write_text(UNLOCKED)
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (tmp_path / "env" / "m.py").write_text(UNLOCKED)
    proc = run_cli("--no-cache", "--select", "MBX", ".", cwd=str(tmp_path))
    assert proc.returncode == 1
    assert "./src/m.py:3:1: MBX101" in proc.stdout and "env" not in proc.stdout


# -- .gitignore ------------------------------------------------------------------------------


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=str(cwd), check=True, capture_output=True, timeout=60)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GITIGNORE_TREE = {
    ".gitignore": "generated/\n*.gen.py\n!keep.gen.py\n/rooted.py\ndocs/*.py\n# a comment\n\\#hash.py\n"
                  "trailing.py   \n",
    "pkg/.gitignore": "local.py\n!/reincluded.gen.py\n",
    ".git/info/exclude": "private.py\n",
}
GITIGNORE_FILES = [
    "a.py", "generated/x.py", "pkg/generated/y.py", "z.gen.py", "pkg/keep.gen.py", "rooted.py",
    "pkg/rooted.py", "docs/d.py", "docs/sub/d.py", "#hash.py", "trailing.py", "pkg/local.py",
    "local.py", "pkg/reincluded.gen.py", "pkg/sub/reincluded.gen.py", "private.py", "pkg/private.py",
    "generated.py",
]


@needs_git
def test_gitignore_agrees_with_git_check_ignore(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git("init", "-q", cwd=root)
    for name, text in GITIGNORE_TREE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name in GITIGNORE_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(UNLOCKED)
    proc = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=str(root), capture_output=True,
                          text=True, input="\n".join(GITIGNORE_FILES) + "\n", timeout=60)
    by_git = set(proc.stdout.split("\n")) - {""}
    # git reports a file inside an ignored folder only through the folder: walk as git does
    ours = set()
    ignore = GitIgnore()
    for name in GITIGNORE_FILES:
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            if ignore.ignored(str(root.joinpath(*parts[:depth])), depth < len(parts)):
                ours.add(name)
                break
    assert by_git, proc.stderr
    assert ours == by_git
    walked = {os.path.relpath(p, str(root)) for p in iter_python_files([str(root)], _config(root).is_excluded)}
    assert walked == set(GITIGNORE_FILES) - by_git


def _config(root, **settings):
    from mboxlint.config import Config

    return Config(settings, root=str(root))


@needs_git
def test_gitignore_can_be_turned_off_and_named_files_are_checked(tmp_path):
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    (tmp_path / "ignored.py").write_text(UNLOCKED)
    (tmp_path / "pyproject.toml").write_text("[tool.mboxlint]\nselect = ['MBX']\n")
    assert run_cli("--no-cache", ".", cwd=str(tmp_path)).returncode == 0
    assert run_cli("--no-cache", "--no-respect-gitignore", ".", cwd=str(tmp_path)).returncode == 1
    assert run_cli("--no-cache", "ignored.py", cwd=str(tmp_path)).returncode == 1  # named: checked
    assert run_cli("--no-cache", "--force-exclude", "ignored.py", cwd=str(tmp_path)).returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.mboxlint]\nselect = ['MBX']\nrespect-gitignore = false\n")
    assert run_cli("--no-cache", ".", cwd=str(tmp_path)).returncode == 1
    assert run_cli("--no-cache", "--respect-gitignore", ".", cwd=str(tmp_path)).returncode == 0


def test_a_gitignore_outside_a_git_work_tree_is_not_read(tmp_path):
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / "m.py").write_text(UNLOCKED)
    assert run_cli("--no-cache", "--select", "MBX", ".", cwd=str(tmp_path)).returncode == 1


def test_the_walk_is_not_recursive(tmp_path):
    deep = str(tmp_path)
    for _ in range(sys.getrecursionlimit() + 50):
        deep = os.path.join(deep, "d")
        try:
            os.mkdir(deep)
        except OSError as error:  # the path grows past PATH_MAX first on some systems
            if error.errno == 36:
                break
            raise
    with open(os.path.join(deep, "m.py"), "w") as out:
        out.write(UNLOCKED)
    walk = Walk()
    try:
        found = list(iter_python_files([str(tmp_path)], walk=walk))
        assert found == [os.path.join(deep, "m.py")] or walk.problems
    finally:  # shutil.rmtree recurses on depth: take the tree down bottom-up ourselves
        os.unlink(os.path.join(deep, "m.py"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)
