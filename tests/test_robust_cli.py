"""Bad input end to end, as a user meets it: ``python -m mboxlint check`` in a subprocess.

Every case gives a clear message and the documented exit status (0 clean, 1 findings,
2 usage or internal error, 3 a file could not be checked), never a traceback, and never hangs.
"""

import os
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

from support import ROOT

UNLOCKED_ADD = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
FINDING = ":3:1: MBX101 "


def run(*args, cwd=None, timeout=120, env=None):
    """The CLI in a subprocess; the timeout turns a hang into a failure, not a stuck run."""
    environment = dict(os.environ, **(env or {}))
    environment["PYTHONPATH"] = ROOT + os.pathsep + environment.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "mboxlint", "check", *args],
        cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout, env=environment,
        errors="backslashreplace",
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    return proc


def problem_lines(proc):
    return [line for line in proc.stdout.splitlines() if line]


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"def f(:\n    pass\n", "1:7: E999 SyntaxError"),
        (b"if x:\n\tpass\n        pass\n", "E999 SyntaxError"),  # tabs and spaces mixed
        (b"x = 1\nbox = 'a\x00b'\n", "2:1: E902 source contains a NUL byte"),
        (b"x = 'caf\xe9'\n", "1:1: E902 cannot decode"),
        (b"x = 1\ny = 2\nz = 'caf\xe9'\n", "3:1: E902 cannot decode as utf-8"),
        (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", "1:1: E902 cannot decode"),
        (b"\xff\xfe\x00\x00", "E902 cannot decode"),
        (b"x = (" * 300 + b"\n", "E999 SyntaxError: too many nested parentheses" if sys.version_info >= (3, 10)
         else "1:8: E999 SyntaxError: invalid syntax"),  # what 3.9's own parser says
        (b"x = " + b"-" * 20000 + b"1\n", "1:1: E902 cannot parse: too deeply nested"),
        ("".join("    " * i + "if c:\n" for i in range(200)).encode() + b"    " * 200 + b"pass\n",
         "E999 SyntaxError: too many levels of indentation"),
    ],
    ids=["syntax", "tabs", "nul", "latin1-first-line", "latin1-third-line", "bom-and-other-cookie", "utf32-bom",
         "parentheses", "deep-expression", "200-nested-ifs"],
)
def test_file_that_cannot_be_checked(tmp_path, content, expected):
    (tmp_path / "a.py").write_bytes(content)
    (tmp_path / "b.py").write_text(UNLOCKED_ADD)
    proc = run(str(tmp_path))
    assert proc.returncode == 3
    first, second = problem_lines(proc)
    assert first.startswith(str(tmp_path / "a.py") + ":") and expected in first, first
    assert second.startswith(str(tmp_path / "b.py") + FINDING)


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbf" + UNLOCKED_ADD.encode(),
        UNLOCKED_ADD.replace("\n", "\r\n").encode(),
        UNLOCKED_ADD.replace("\n", "\r").encode(),  # classic Mac line ends
        b"\xef\xbb\xbf" + UNLOCKED_ADD.replace("\n", "\r\n").encode(),
        b"# -*- coding: latin-1 -*-\n# caf\xe9\n\x0c\n" + UNLOCKED_ADD.encode(),
        UNLOCKED_ADD.replace("\nbox", "\nb\u00f6x").encode(),
        UNLOCKED_ADD.encode().rstrip(b"\n"),  # no newline at the end
    ],
    ids=["bom", "crlf", "cr", "bom-crlf", "latin1-cookie-formfeed", "non-ascii-name", "no-final-newline"],
)
def test_unusual_but_valid_files_are_checked(tmp_path, content):
    path = tmp_path / "m.py"
    path.write_bytes(content)
    proc = run(str(path))
    assert proc.returncode == 1, proc.stdout
    [line] = problem_lines(proc)
    offset = 3 if b"latin-1" in content else 0
    assert line.startswith("%s:%d:1: MBX101 " % (path, 3 + offset)), line


@pytest.mark.parametrize("content, status", [(b"", 0), (b"\xef\xbb\xbf", 0), (b"\n\n\n", 0), (b"# flake8: noqa\n\x00", 3)])
def test_empty_and_almost_empty_files(tmp_path, content, status):
    path = tmp_path / "e.py"
    path.write_bytes(content)
    proc = run(str(path))
    assert proc.returncode == status
    assert len(problem_lines(proc)) == (1 if status else 0)


@pytest.mark.slow
def test_five_megabyte_file_gives_every_finding(tmp_path):
    unit = (
        "def deliver_{n}(path, message):\n"
        "    box = mailbox.mbox(path)\n"
        "    box.add(message)\n"  # line 3 of the unit: MBX101
        "\n\n"
        "def safe_{n}(path, message):\n"
        "    box = mailbox.mbox(path)\n"
        "    box.lock()\n"
        "    try:\n"
        "        box.add(message)\n"
        "        box.flush()\n"
        "    finally:\n"
        "        box.unlock()\n"
        "\n\n"
        # Generated modules carry data too; it keeps the node count, and the run, moderate.
        "TEMPLATE_{n} = %r\n"
        "\n\n"
    ) % ("Received: from relay by mx; " * 40)
    lines_per_unit = unit.count("\n")
    count = 5 * 1024 * 1024 // len(unit.format(n=0)) + 1
    text = "import mailbox\n\n\n" + "".join(unit.format(n=n) for n in range(count))
    assert len(text) > 5 * 1024 * 1024
    path = tmp_path / "big.py"
    path.write_text(text)
    proc = run(str(path), timeout=600)
    assert proc.returncode == 1
    lines = problem_lines(proc)
    expected = ["%s:%d:5: MBX101" % (path, 3 + 3 + n * lines_per_unit) for n in range(count)]
    assert [line.split(" ")[0] + " " + line.split(" ")[1] for line in lines] == expected


@pytest.mark.slow
def test_huge_literal_and_long_expression(tmp_path):
    path = tmp_path / "wide.py"
    path.write_text(
        "import mailbox\nbox = mailbox.mbox('inbox')\n"
        "DATA = [%s]\n" % ", ".join(str(i) for i in range(100000))
        + "TOTAL = %s\n" % " + ".join("box.get(%d)" % i for i in range(300))
        + "box.add('x')\n"
    )
    proc = run(str(path))
    assert proc.returncode == 1
    [line] = problem_lines(proc)
    assert line.startswith(str(path) + ":5:1: MBX101 box.add() modifies the mailbox while it is not locked"), line


def test_expression_too_deep_for_the_walk_is_reported(tmp_path):
    # Parses fine, but nests deeper than the analysis may recurse.
    path = tmp_path / "chain.py"
    path.write_text("import mailbox\nbox = mailbox.mbox('inbox')\nx = %s\nbox.add(x)\n" % " + ".join(["1"] * 2000))
    proc = run(str(path))
    if proc.returncode == 3:  # the parser or the walk gives up, depending on the Python
        [line] = problem_lines(proc)
        assert line in ("%s:1:1: E902 too deeply nested to analyse" % path, "%s:1:1: E902 cannot parse: too deeply nested" % path)
    else:  # an engine that copes with it must then find the unlocked add
        assert proc.returncode == 1 and problem_lines(proc)[0].startswith("%s:4:1: MBX101" % path)


def test_fifo_named_explicitly_is_not_opened_for_reading(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(str(fifo))
    proc = run(str(fifo), timeout=60)
    assert proc.returncode == 3
    assert problem_lines(proc) == ["%s:1:1: E902 not a regular file" % fifo]


def test_fifo_and_devices_in_a_walk_are_skipped(tmp_path):
    os.mkfifo(str(tmp_path / "pipe.py"))
    (tmp_path / "null.py").symlink_to("/dev/null")
    (tmp_path / "m.py").write_text(UNLOCKED_ADD)
    proc = run(str(tmp_path), timeout=60)
    assert proc.returncode == 1
    assert [line.split(":")[0] for line in problem_lines(proc)] == [str(tmp_path / "m.py")]


def test_directory_named_x_py_in_a_walk(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "y.py").write_text(UNLOCKED_ADD)
    proc = run(str(tmp_path))
    assert proc.returncode == 1
    assert problem_lines(proc)[0].startswith(str(tmp_path / "x.py" / "y.py") + FINDING)


def test_symlink_loops_between_files(tmp_path):
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "self.py").symlink_to(tmp_path / "self.py")
    for args in ([str(tmp_path / "a.py")], [str(tmp_path)]):
        proc = run(*args)
        assert proc.returncode == 3
        lines = problem_lines(proc)
        assert lines and all(": E902 cannot read: Too many levels of symbolic links" in line for line in lines), lines


def test_symlinked_directory_loop_named_explicitly(tmp_path):
    (tmp_path / "m.py").write_text(UNLOCKED_ADD)
    (tmp_path / "loop").symlink_to(tmp_path)
    proc = run(str(tmp_path / "loop"))
    assert proc.returncode == 1
    [line] = problem_lines(proc)
    assert line.startswith(str(tmp_path / "loop" / "m.py") + FINDING), line


def test_file_name_not_valid_in_the_output_encoding(tmp_path):
    folder = os.fsencode(str(tmp_path))
    with open(os.path.join(folder, b"caf\xe9.py"), "wb") as handle:  # latin-1 bytes, not UTF-8
        handle.write(UNLOCKED_ADD.encode())
    proc = run(str(tmp_path), env={"PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 1
    [line] = problem_lines(proc)
    assert line.startswith(str(tmp_path) + "/caf\\xe9.py" + FINDING), line  # the byte, escaped


@pytest.fixture
def read_only():
    """Makes files read-only for the running user; root ignores modes, so it gets the
    immutable attribute instead (which also forbids replacing the file by a rename)."""
    made = []

    def make(path):
        os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        if os.geteuid() == 0:
            if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", path]).returncode != 0:
                pytest.skip("running as root on a file system without the immutable attribute")
            made.append(path)

    yield make
    for path in made:
        subprocess.run(["chattr", "-i", path])


def test_read_only_file_under_fix_is_left_untouched(tmp_path, read_only):
    from mboxlint.rules import all_rules

    fixable = [
        example.code for rule in all_rules() for example in rule.INVALID
        if not isinstance(example, str) and example.fixed and not example.unsafe
    ]
    assert fixable, "no rule example has a safe fix"
    path = str(tmp_path / "fixable.py")
    original = textwrap.dedent(fixable[0]).encode()
    with open(path, "wb") as handle:
        handle.write(original)
    read_only(path)
    proc = run("--fix", path)
    with open(path, "rb") as handle:
        assert handle.read() == original
    assert proc.returncode == 3
    assert path in proc.stdout + proc.stderr
