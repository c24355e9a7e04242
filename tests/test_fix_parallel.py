"""``--fix`` in worker processes reports and writes exactly what fixing in-process does:
same bytes, same output, same status, whatever order the workers finish in."""

import glob
import io
import os
import shutil
import stat

import pytest

from mboxlint import fix as fix_module
from mboxlint import fix_command, runner, safe_write
from mboxlint.config import Selection
from mboxlint.fixes import FIXERS
from mboxlint.fixes.base import Fixer

from support import ROOT, count_fixes

pytestmark = pytest.mark.slow  # pools of worker processes

# libcst refuses the last line: reported as impossible, the file kept.
REFUSED = "import mailbox\n\n\ndef f(p, m):\n    box = mailbox.mbox(p)\n    box.lock()\n    box.add(m)\n" \
          "    box.unlock()\n(x): int = 1\n"
UNFIXABLE = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"


def fixture_sources():
    """Every fixture with an expected fixed form: files that ``--fix`` changes."""
    found = []
    for fixed in sorted(glob.glob(os.path.join(ROOT, "fixtures", "*", "*.fixed.py"))):
        found.append(fixed[: -len(".fixed.py")] + ".py")
    return found


def make_tree(root):
    for source in fixture_sources():
        family = os.path.basename(os.path.dirname(source))
        os.makedirs(os.path.join(root, family), exist_ok=True)
        shutil.copyfile(source, os.path.join(root, family, os.path.basename(source)))
    odd = os.path.join(root, "odd")
    os.makedirs(odd)
    with open(os.path.join(odd, "refused.py"), "w") as out:
        out.write(REFUSED)
    with open(os.path.join(odd, "spool.py"), "w") as out:
        out.write(UNFIXABLE)
    # Read-only: left alone and reported (a 0444 file says "do not edit").
    readonly = os.path.join(odd, "readonly.py")
    shutil.copyfile(os.path.join(ROOT, "fixtures", "locking", "fix_loop.py"), readonly)
    os.chmod(readonly, 0o444)
    # A file the replace is refused for (root ignores modes, so it is refused by a patch).
    shutil.copyfile(os.path.join(ROOT, "fixtures", "locking", "fix_crlf.py"), os.path.join(odd, "unwritable.py"))


def snapshot(root):
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = (handle.read(), stat.S_IMODE(os.stat(path).st_mode))
    return found


@pytest.fixture(autouse=True)
def refuse_one_write(monkeypatch):
    real = os.replace

    def replace(source, target, *args, **kwargs):
        if str(target).endswith("unwritable.py"):
            raise PermissionError(13, "Permission denied")
        return real(source, target, *args, **kwargs)

    # fix.py's os is the os module: workers forked from this process inherit the patch
    monkeypatch.setattr(fix_module.os, "replace", replace)


def run_in(root, jobs, unsafe=False, diff=False, cache=False):
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)  # relative paths: the outputs of two trees compare equal
    try:
        status = fix_command.run(["."], Selection(), unsafe, diff, "text", stdout=out, stderr=err,
                                 jobs=jobs, cache=cache)
    finally:
        os.chdir(cwd)
    return status, out.getvalue(), err.getvalue()


def both(tmp_path, **options):
    """The outcome and the tree after, with one job and with two, on equal fresh trees."""
    found = []
    for jobs in (1, 2):
        root = str(tmp_path / ("j%d" % jobs))
        if not os.path.isdir(root):
            make_tree(root)
        found.append((run_in(root, jobs, **options), snapshot(root)))
    return found


@pytest.mark.parametrize("unsafe", [False, True])
@pytest.mark.parametrize("diff", [False, True])
def test_two_jobs_fix_exactly_as_one(tmp_path, unsafe, diff):
    pristine = str(tmp_path / "pristine")
    make_tree(pristine)
    (one, tree_one), (two, tree_two) = both(tmp_path, unsafe=unsafe, diff=diff)
    assert two == one
    assert tree_two == tree_one
    status, out, err = one
    assert status == 3  # the refused and the unwritable file
    assert "refused.py: cannot fix: libcst cannot parse this file" in err
    assert "unwritable.py: cannot fix: cannot write: Permission denied" in err or diff
    before = snapshot(pristine)
    changed = [name for name in tree_one if tree_one[name] != before[name]]
    if diff:
        assert changed == []
        assert out.count("\n+++ ") >= 5
    else:
        assert len(changed) >= 5
        assert tree_one[os.path.join("odd", "readonly.py")][1] == 0o444
        assert os.path.join("odd", "readonly.py") not in changed
        assert "readonly.py: cannot fix: is read-only: not written" in err
        assert os.path.join("odd", "unwritable.py") not in changed
        assert "odd/spool.py:3:1: MBX101" in out.replace(os.sep, "/")


def test_a_second_run_changes_nothing_and_reports_the_same(tmp_path):
    first = both(tmp_path, unsafe=True)
    again = both(tmp_path, unsafe=True)
    assert again[1] == again[0]
    assert again[0][1] == first[0][1]  # idempotent: no byte changed by the second pass
    assert "Fixed 0 findings in 0 files" in again[0][0][2]


def test_the_fix_cache_is_filled_from_workers(tmp_path, monkeypatch):
    monkeypatch.setenv(runner.CACHE_DIR_ENV, str(tmp_path / "cache"))
    root = str(tmp_path / "tree")
    make_tree(root)
    first = run_in(root, 2, cache=True)
    # What fixing the refused file found is remembered: the next run does not fix it again.
    calls = count_fixes(monkeypatch)
    second = run_in(root, 1, cache=True)
    assert not any(path.endswith("refused.py") for path in calls)
    assert "refused.py: cannot fix: libcst cannot parse this file" in second[2]
    assert first[0] == second[0] == 3


def test_a_fixer_that_raises_in_a_worker_is_a_problem_of_its_file(tmp_path, monkeypatch):
    class Broken(Fixer):
        def transform_module_impl(self, tree):
            raise RuntimeError("boom")

    Broken.code = "MBX102"  # set after the class is made: it does not register
    monkeypatch.setitem(FIXERS, "MBX102", Broken)
    (one, tree_one), (two, tree_two) = both(tmp_path)
    assert two == one and tree_two == tree_one
    assert "cannot fix: the MBX102 fix failed (RuntimeError: boom): not applied" in one[2]
    assert "Traceback" not in one[2]


def test_an_exception_outside_the_fixers_is_an_internal_error_of_that_file(tmp_path, monkeypatch):
    real = fix_module.fix_file

    def fix_file(path, *args, **kwargs):
        if path.endswith("fix_loop.py"):
            raise ValueError("broken\nfor this file")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(fix_module, "fix_file", fix_file)
    (one, tree_one), (two, tree_two) = both(tmp_path)
    assert two == one and tree_two == tree_one
    status, _out, err = one
    assert status == 2
    assert "mboxlint: internal error while fixing %s: ValueError: broken" % os.path.join(".", "locking", "fix_loop.py") \
        in err.splitlines()
    assert "Traceback" not in err
    assert tree_one[os.path.join("locking", "fix_loop.py")][0] == open(
        os.path.join(ROOT, "fixtures", "locking", "fix_loop.py"), "rb").read()


def test_a_worker_that_dies_costs_its_file_only(tmp_path, monkeypatch):
    real = fix_module.fix_file
    culprit = os.path.join(".", "locking", "fix_loop.py")

    def fix_file(path, *args, **kwargs):
        if path == culprit:
            os._exit(1)
        return real(path, *args, **kwargs)

    expected_root = str(tmp_path / "expected")
    make_tree(expected_root)
    os.remove(os.path.join(expected_root, culprit))
    expected = run_in(expected_root, 1)
    monkeypatch.setattr(fix_module, "fix_file", fix_file)
    root = str(tmp_path / "tree")
    make_tree(root)
    status, out, err = run_in(root, 2)
    assert status == 3
    assert "%s: cannot fix: %s" % (culprit, fix_command.CRASHED) in err.splitlines()
    tree = snapshot(root)
    assert tree[os.path.relpath(culprit)][0] == open(os.path.join(ROOT, "fixtures", "locking", "fix_loop.py"),
                                                     "rb").read()
    del tree[os.path.relpath(culprit)]
    assert tree == snapshot(expected_root)
    # its findings are still reported, unfixed
    assert any(line.startswith(culprit + ":") for line in out.splitlines())
    assert "".join(line + "\n" for line in out.splitlines() if not line.startswith(culprit + ":")) == expected[1]


def test_the_checks_findings_are_used_only_for_the_bytes_checked(tmp_path):
    path = tmp_path / "f.py"
    source = os.path.join(ROOT, "fixtures", "locking", "fix_loop.py")
    shutil.copyfile(source, path)
    raw = path.read_bytes()
    fresh = fix_module.fix_file(str(path), Selection(), write=False)
    assert fresh.changed and fresh.initial
    # The same bytes: what the check found is trusted (here, on purpose, nothing).
    trusted = fix_module.fix_file(str(path), Selection(), write=False, checked=(runner.content_digest(raw), []))
    assert not trusted.changed and trusted.initial == []
    # Other bytes than those checked (the file changed meanwhile): checked again.
    stale = fix_module.fix_file(str(path), Selection(), write=False,
                                checked=(runner.content_digest(raw + b"\n"), []))
    assert stale.text == fresh.text and stale.initial == fresh.initial


def test_two_names_of_one_file_are_fixed_one_after_the_other(tmp_path):
    found = []
    for jobs in (1, 2):
        root = str(tmp_path / ("j%d" % jobs))
        make_tree(root)
        os.symlink(os.path.join("locking", "fix_loop.py"), os.path.join(root, "alias.py"))
        found.append((run_in(root, jobs), snapshot(root)))
    assert found[1] == found[0]
    status, _out, err = found[0][0]
    # the second name finds the file already fixed: nothing refused as changed meanwhile
    assert "changed while it was being fixed" not in err and status == 3


def test_workers_compute_and_only_this_process_writes(tmp_path, monkeypatch):
    # A worker that dies takes the pool's other workers with it; one stopped between its
    # temp file and the rename would leave the temp behind. So workers never write.
    writers = tmp_path / "writers"
    real = safe_write.replace_file

    def recording(*args, **kwargs):
        with open(writers, "a") as handle:  # forked workers inherit this patch
            handle.write("%d\n" % os.getpid())
        return real(*args, **kwargs)

    monkeypatch.setattr(fix_module, "replace_file", recording)
    root = str(tmp_path / "tree")
    make_tree(root)
    status, _out, _err = run_in(root, 2)
    pids = set(writers.read_text().split())
    assert pids == {str(os.getpid())}
    assert not glob.glob(os.path.join(root, "**", "*.mboxlint"), recursive=True)
