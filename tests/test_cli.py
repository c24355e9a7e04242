"""The ``mboxlint`` command as a user runs it: output, exit status, selection, bad input."""

import json
import os

import pytest

from support import ROOT, run_cli

UNLOCKED_ADD = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
CLEAN = "import mailbox\nbox = mailbox.Maildir('inbox')\nbox.add('x')\n"


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "bad.py").write_text(UNLOCKED_ADD)
    (tmp_path / "good.py").write_text(CLEAN)
    return tmp_path


def test_reports_in_flake8_format_and_exits_1(tree):
    proc = run_cli("check", str(tree / "bad.py"))
    assert proc.returncode == 1
    assert proc.stdout.startswith("%s:3:1: MBX101 box.add() modifies the mailbox" % (tree / "bad.py"))
    assert proc.stderr == ""


def test_clean_file_exits_0(tree):
    proc = run_cli("check", str(tree / "good.py"))
    assert (proc.returncode, proc.stdout) == (0, "")


def test_check_is_the_default_command(tree):
    assert run_cli(str(tree / "bad.py")).stdout == run_cli("check", str(tree / "bad.py")).stdout


def test_directories_are_walked_and_usual_folders_skipped(tree):
    for skipped in (".git", "build", "dist", "__pycache__", ".tox", "node_modules", "venv"):
        (tree / skipped).mkdir()
        (tree / skipped / "x.py").write_text(UNLOCKED_ADD)
    (tree / "env").mkdir()
    (tree / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tree / "env" / "x.py").write_text(UNLOCKED_ADD)
    (tree / "pkg").mkdir()
    (tree / "pkg" / "y.py").write_text(UNLOCKED_ADD)
    (tree / "notes.txt").write_text(UNLOCKED_ADD)
    proc = run_cli("check", str(tree))
    reported = sorted({line.split(":")[0] for line in proc.stdout.splitlines()})
    assert reported == [str(tree / "bad.py"), str(tree / "pkg" / "y.py")]


def test_default_path_is_the_current_directory(tree):
    proc = run_cli("check", cwd=str(tree))
    assert proc.stdout.startswith("./bad.py:3:1: MBX101")


def test_json_format(tree):
    proc = run_cli("check", "--format", "json", str(tree))
    rows = json.loads(proc.stdout)
    assert [(r["path"], r["line"], r["column"], r["code"]) for r in rows] == [(str(tree / "bad.py"), 3, 1, "MBX101")]
    assert rows[0]["fix"] is None and rows[0]["error"] is False


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--select", "MBX102"], 0),
        (["--ignore", "MBX1"], 0),
        (["--select", "MBX", "--ignore", "MBX1"], 0),
        (["--select", "MBX1", "--ignore", "MBX"], 1),  # the more specific prefix wins
        (["--ignore", "MBX", "--extend-select", "MBX101"], 1),
        (["--select", "MBX101"], 1),
        (["--select", "mbx10"], 1),
        (["--select=MBX102,MBX101"], 1),
    ],
)
def test_selection_with_prefixes(tree, options, expected):
    assert run_cli("check", *options, str(tree / "bad.py")).returncode == expected


def test_bad_code_is_a_usage_error(tree):
    proc = run_cli("check", "--select", "E501", str(tree))
    assert proc.returncode == 2
    assert "not an mboxlint code" in proc.stderr and "Traceback" not in proc.stderr


def test_noqa(tmp_path):
    path = tmp_path / "q.py"
    path.write_text(
        "import mailbox\nbox = mailbox.mbox('inbox')\n"
        "box.add('a')  # noqa\n"
        "box.add('b')  # noqa: MBX101\n"
        "box.add('c')  # noqa:MBX1\n"
        "box.add('d')  # noqa: E501\n"
        "box.add('e')  # NOQA : MBX101\n"
    )
    proc = run_cli("check", str(path))
    assert [line.split(":")[1] for line in proc.stdout.splitlines()] == ["6"]


def test_file_level_noqa(tmp_path):
    path = tmp_path / "q.py"
    path.write_text("# flake8: noqa\n" + UNLOCKED_ADD)
    assert run_cli("check", str(path)).returncode == 0


def test_missing_path_is_a_usage_error(tmp_path):
    proc = run_cli("check", str(tmp_path / "nope.py"))
    assert proc.returncode == 2
    assert "no such file or directory" in proc.stderr and str(tmp_path / "nope.py") in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "content, code, reason",
    [
        (b"def f(:\n", "E999", "SyntaxError"),
        (b"x = 1\n\xff\xfe\n", "E902", "cannot decode"),
        (b"x = 1\x00\n", "E902", "NUL byte"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "E902", "cannot decode"),
    ],
)
def test_unreadable_file_is_reported_and_others_still_checked(tmp_path, content, code, reason):
    (tmp_path / "a_broken.py").write_bytes(content)
    (tmp_path / "b_bad.py").write_text(UNLOCKED_ADD)
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 3
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(str(tmp_path / "a_broken.py") + ":") and (" %s " % code) in lines[0]
    assert reason in lines[0]
    assert lines[1].startswith(str(tmp_path / "b_bad.py") + ":3:1: MBX101")
    assert "Traceback" not in proc.stderr


def test_encodings_are_read_like_the_interpreter(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes("# -*- coding: latin-1 -*-\n# caf\xe9\n".encode("latin-1") + UNLOCKED_ADD.encode())
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + UNLOCKED_ADD.replace("\n", "\r\n").encode())
    proc = run_cli("check", str(latin), str(bom))
    assert proc.returncode == 1
    assert [line.split(":")[1] for line in proc.stdout.splitlines()] == ["5", "3"]


def test_directory_named_like_a_file(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(UNLOCKED_ADD)
    proc = run_cli("check", str(tmp_path / "x.py"))
    assert proc.returncode == 1  # a directory argument is walked, whatever its name
    assert proc.stdout.startswith(str(tmp_path / "x.py" / "inner.py") + ":3:1: MBX101")


def test_unreadable_file_named_explicitly(tmp_path):
    # A dangling symlink cannot be opened by anyone, root included.
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing-target.py")
    proc = run_cli("check", str(tmp_path / "gone.py"))
    assert proc.returncode == 3
    assert proc.stdout.startswith(str(tmp_path / "gone.py") + ":1:1: E902 cannot read: No such file or directory")


def test_symlink_loop_is_not_followed(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path)
    (tmp_path / "pkg" / "m.py").write_text(UNLOCKED_ADD)
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 1 and len(proc.stdout.splitlines()) == 1


def test_rules_and_explain():
    listing = run_cli("rules")
    assert listing.returncode == 0
    assert [line.split()[0] for line in listing.stdout.splitlines()][:4] == ["MBX101", "MBX102", "MBX103", "MBX104"]
    explained = run_cli("explain", "mbx101")
    assert explained.returncode == 0 and "## Why is this bad?" in explained.stdout
    assert run_cli("explain", "MBX999").returncode == 2


def test_example_in_readme_shows_findings():
    proc = run_cli("check", os.path.join(ROOT, "examples"))
    assert proc.returncode == 1
    assert {line.split()[1] for line in proc.stdout.splitlines()} >= {"MBX101", "MBX102", "MBX103", "MBX104"}
