"""``mboxlint --fix`` / ``check --fix`` / ``--diff`` / ``--unsafe-fixes`` end to end on a temporary tree."""

import json
import os
import stat
import textwrap

import pytest

from mboxlint import cli
from mboxlint import fix as fix_module
from mboxlint.rules.locking import UnflushedUnlock

from support import FIXABLE, FIXABLE_FIXED as FIXED, run_cli

# MBX101 has no fix: it stays.
UNFIXABLE = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
ONLY_FLUSH = textwrap.dedent(
    """\
    import mailbox


    def deliver(path, message):
        box = mailbox.mbox(path)
        box.lock()
        try:
            box.add(message)
        finally:
            box.unlock()
    """
)


def snapshot(root):
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[path] = (handle.read(), stat.S_IMODE(os.stat(path).st_mode))
    return found


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "deliver.py").write_text(FIXABLE)
    os.chmod(tmp_path / "pkg" / "deliver.py", 0o750)
    (tmp_path / "pkg" / "spool.py").write_text(UNFIXABLE)
    (tmp_path / "clean.py").write_text("import os\n")
    return tmp_path


def test_diff_prints_and_writes_nothing(tree):
    before = snapshot(tree)
    done = run_cli("check", "--diff", str(tree))
    assert done.returncode == 1, done.stderr
    assert snapshot(tree) == before
    assert "+        box.flush()" in done.stdout and "-    box.unlock()" in done.stdout
    assert done.stdout.startswith("--- %s" % os.path.join(str(tree), "pkg", "deliver.py"))
    assert "Would fix 2 findings in 1 file, 1 remaining." in done.stderr


def test_diff_with_nothing_to_fix_exits_0(tree):
    done = run_cli("--diff", str(tree / "clean.py"), str(tree / "pkg" / "spool.py"))
    assert done.returncode == 0 and done.stdout == ""


def test_fix_writes_then_a_second_run_changes_no_byte(tree):
    deliver = tree / "pkg" / "deliver.py"
    done = run_cli("--fix", str(tree))  # the spelling users type
    assert done.returncode == 1, done.stderr  # the MBX101 in spool.py remains
    assert deliver.read_text() == FIXED
    assert stat.S_IMODE(os.stat(deliver).st_mode) == 0o750
    assert "spool.py:3:1: MBX101" in done.stdout and "deliver.py" not in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "Fixed 2 findings in 1 file, 1 remaining."
    after = snapshot(tree)
    again = run_cli("check", "--fix", str(tree))
    assert again.returncode == 1
    assert snapshot(tree) == after
    assert "Fixed 0 findings in 0 files, 1 remaining." in again.stderr


def test_fix_exits_0_when_nothing_remains(tree):
    done = run_cli("check", "--fix", str(tree / "pkg" / "deliver.py"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_fix_json_reports_what_remains(tree):
    done = run_cli("check", "--fix", "--format", "json", str(tree))
    rows = json.loads(done.stdout)
    assert [(os.path.basename(r["path"]), r["code"]) for r in rows] == [("spool.py", "MBX101")]


def test_unsafe_fixes_needs_fix_or_diff(tree):
    done = run_cli("check", "--unsafe-fixes", str(tree))
    assert done.returncode == 2 and "--unsafe-fixes needs --fix or --diff" in done.stderr


def test_libcst_refusal_exits_3_and_keeps_the_file(tree):
    path = tree / "odd.py"
    source = FIXABLE + "(x): int = 1\n"
    path.write_text(source)
    done = run_cli("--fix", str(path))
    assert done.returncode == 3
    assert path.read_text() == source
    assert "cannot fix: libcst cannot parse this file" in done.stderr
    assert "odd.py:6:5: MBX103" in done.stdout and "Traceback" not in done.stderr


def test_unsafe_fixes_add_the_rest(tree, monkeypatch, capsys):
    # No rule has an unsafe fix yet: make MBX102's fix unsafe to drive the flag end to end.
    monkeypatch.setattr(UnflushedUnlock, "fix_safety", "unsafe")
    path = tree / "only_flush.py"
    path.write_text(ONLY_FLUSH)
    assert cli.main(["--fix", str(path)]) == 1
    out, err = capsys.readouterr()
    assert path.read_text() == ONLY_FLUSH
    assert "MBX102" in out and "(1 more with --unsafe-fixes)" in err
    assert cli.main(["--fix", "--unsafe-fixes", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "box.add(message)\n        box.flush()\n    finally:" in path.read_text()
    assert "Fixed 1 finding in 1 file, 0 remaining." in err


def test_unwritable_file_is_reported_not_a_traceback(tree, monkeypatch, capsys):
    # Tests run as root, where chmod cannot make a file unwritable: refuse the replace instead.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_module.os, "replace", refuse)
    path = tree / "pkg" / "deliver.py"
    assert cli.main(["--fix", str(path)]) == 3
    out, err = capsys.readouterr()
    assert "deliver.py: cannot fix: cannot write: Permission denied" in err
    assert "Traceback" not in err
    assert path.read_text() == FIXABLE
    assert "deliver.py:6:5: MBX103" in out
    assert sorted(os.listdir(tree / "pkg")) == ["deliver.py", "spool.py"]
