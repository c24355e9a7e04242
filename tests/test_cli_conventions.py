"""What flake8 and ruff users count on, run as the real command: --exit-zero, a closed pipe,
standard input, ruff's flags (--output-format, --quiet, --show-fixes, --exit-non-zero-on-fix),
and file names that must not reach a terminal or a CI log as they are."""

import json
import os
import subprocess
import sys

import pytest

from support import FIXABLE, FIXABLE_FIXED as FIXED_BOTH, ROOT


UNFIXABLE = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
LOCKED_REPLACE = (
    "import os, fcntl\n"
    "def rewrite(spool, tmp):\n"
    "    with open(spool, 'r+b') as f:\n"
    "        fcntl.lockf(f, fcntl.LOCK_EX)\n"
    "        os.replace(tmp, spool)\n"
)


def mboxlint(*args, cwd, stdin=b"", env=None):
    """The command with bytes in and out (standard input is always given: never a terminal)."""
    full_env = dict(os.environ, PYTHONPATH=ROOT, NO_COLOR="1")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "mboxlint", *args], cwd=str(cwd), input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, timeout=300)


def text(output: bytes) -> str:
    return output.decode("utf-8", "surrogateescape")


# -- --exit-zero ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fix", [False, True])
def test_exit_zero_covers_files_that_cannot_be_checked(tmp_path, fix):
    (tmp_path / "bad.py").write_text(UNFIXABLE)
    (tmp_path / "broken.py").write_text("x = (\n")
    args = ["check", "--no-cache", "."] + (["--fix"] if fix else [])
    without = mboxlint(*args, cwd=tmp_path)
    assert without.returncode == 3
    done = mboxlint(*args, "--exit-zero", cwd=tmp_path)
    assert done.returncode == 0, text(done.stderr)
    report = text(done.stdout)
    assert "broken.py:1:" in report and " E999 " in report and "bad.py:3:1: MBX101" in report


def test_exit_zero_keeps_usage_errors(tmp_path):
    done = mboxlint("check", "--exit-zero", "no-such-file.py", cwd=tmp_path)
    assert done.returncode == 2 and b"no-such-file.py" in done.stderr


# -- a reader that stops reading ----------------------------------------------------------------


def test_closed_pipe_is_quiet_under_pipefail(tmp_path):
    # enough output that the pipe fills after head has gone
    for index in range(400):
        (tmp_path / ("m%03d.py" % index)).write_text(UNFIXABLE * 3)
    script = "set -o pipefail; %s -m mboxlint check --no-cache -j 1 . | head -1" % sys.executable
    done = subprocess.run(["bash", "-c", script], cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert done.returncode == 0
    assert text(done.stdout).count("\n") == 1 and "MBX101" in text(done.stdout)
    assert done.stderr == b""


def test_closed_stdout_before_anything_is_written(tmp_path):
    (tmp_path / "bad.py").write_text(UNFIXABLE)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "mboxlint", "check", "--no-cache", "bad.py"],
                              cwd=str(tmp_path), stdout=write_end, stderr=subprocess.PIPE,
                              env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, b"")


# -- standard input --------------------------------------------------------------------------------


def test_dash_reads_standard_input(tmp_path):
    done = mboxlint("check", "-", cwd=tmp_path, stdin=UNFIXABLE.encode())
    assert done.returncode == 1
    assert text(done.stdout).startswith("-:3:1: MBX101 box.add()")


def test_stdin_filename_names_it_and_picks_its_configuration(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mboxlint]\nper-file-ignores = {"tests/*.py" = ["MBX101"]}\nextend-exclude = ["legacy"]\n')
    (tmp_path / "tests").mkdir()
    named = mboxlint("check", "--stdin-filename", "src/app.py", cwd=tmp_path, stdin=UNFIXABLE.encode())
    assert named.returncode == 1 and text(named.stdout).startswith("src/app.py:3:1: MBX101")
    ignored = mboxlint("check", "--stdin-filename", "tests/test_app.py", "-", cwd=tmp_path,
                       stdin=UNFIXABLE.encode())
    assert (ignored.returncode, ignored.stdout) == (0, b"")
    # A named path is checked even when excluded, as ruff does, unless --force-exclude.
    excluded = mboxlint("check", "--stdin-filename", "legacy/old.py", "-", cwd=tmp_path, stdin=UNFIXABLE.encode())
    assert excluded.returncode == 1
    forced = mboxlint("check", "--force-exclude", "--stdin-filename", "legacy/old.py", "-", cwd=tmp_path,
                      stdin=UNFIXABLE.encode())
    assert (forced.returncode, forced.stdout) == (0, b"")
    passed = mboxlint("check", "--fix", "--force-exclude", "--stdin-filename", "legacy/old.py", "-",
                      cwd=tmp_path, stdin=FIXABLE.encode())
    assert (passed.returncode, passed.stdout) == (0, FIXABLE.encode())


def test_stdin_fix_writes_the_fixed_text_to_stdout(tmp_path):
    done = mboxlint("check", "--fix", "--stdin-filename", "deliver.py", cwd=tmp_path, stdin=FIXABLE.encode())
    assert done.returncode == 0, text(done.stderr)
    assert text(done.stdout) == FIXED_BOTH
    assert "Fixed 2 findings in 1 file, 0 remaining." in text(done.stderr)
    assert os.listdir(str(tmp_path)) == []  # nothing written next to it


def test_stdin_fix_keeps_the_encoding_and_reports_what_remains_on_stderr(tmp_path):
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXABLE + UNFIXABLE.replace("import mailbox\n", "")
    done = mboxlint("check", "--fix", "-", cwd=tmp_path, stdin=source.encode("latin-1"))
    assert done.returncode == 1
    assert done.stdout.startswith(b"# -*- coding: latin-1 -*-\n# caf\xe9\n")
    assert b"box.flush()" in done.stdout
    assert "MBX101" in text(done.stderr) and b"MBX101" not in done.stdout


def test_stdin_that_cannot_be_decoded_comes_back_whole(tmp_path):
    raw = b"x = '\xff'\n"
    done = mboxlint("check", "--fix", "-", cwd=tmp_path, stdin=raw)
    assert done.returncode == 3
    assert done.stdout == raw
    assert b"E902" in done.stderr
    checked = mboxlint("check", "--exit-zero", "-", cwd=tmp_path, stdin=raw)
    assert checked.returncode == 0 and b"-:1:1: E902" in checked.stdout


def test_stdin_diff(tmp_path):
    done = mboxlint("check", "--diff", "--stdin-filename", "d.py", cwd=tmp_path, stdin=FIXABLE.encode())
    assert done.returncode == 1
    assert text(done.stdout).startswith("--- d.py\n+++ d.py\n")


def test_dash_with_other_paths_is_a_usage_error(tmp_path):
    done = mboxlint("check", "-", "x.py", cwd=tmp_path)
    assert done.returncode == 2 and b"standard input" in done.stderr


# -- ruff's flags ----------------------------------------------------------------------------------


def test_output_format_is_format(tmp_path):
    (tmp_path / "bad.py").write_text(UNFIXABLE)
    done = mboxlint("check", "--output-format", "json", "bad.py", cwd=tmp_path)
    assert [row["code"] for row in json.loads(text(done.stdout))] == ["MBX101"]
    assert mboxlint("check", "--output-format", "nope", "bad.py", cwd=tmp_path).returncode == 2


def test_show_fixes_marks_fixable_findings(tmp_path):
    (tmp_path / "deliver.py").write_text(FIXABLE)
    (tmp_path / "spool.py").write_text(LOCKED_REPLACE)
    plain = text(mboxlint("check", "--no-cache", ".", cwd=tmp_path).stdout)
    assert "[*]" not in plain
    marked = text(mboxlint("check", "--no-cache", "--show-fixes", ".", cwd=tmp_path).stdout).splitlines()
    assert any(line.startswith("./deliver.py:") and " MBX103 [*] " in line for line in marked)
    # an unsafe fix is marked only when unsafe fixes are on
    assert any(" MBX303 " in line and "[*]" not in line for line in marked)
    (tmp_path / "pyproject.toml").write_text("[tool.mboxlint]\nunsafe-fixes = true\n")
    unsafe = text(mboxlint("check", "--no-cache", "--show-fixes", ".", cwd=tmp_path).stdout)
    assert " MBX303 [*] " in unsafe


def test_show_fixes_lists_what_fix_changed_and_quiet_drops_the_summary(tmp_path):
    (tmp_path / "deliver.py").write_text(FIXABLE)
    done = mboxlint("check", "--fix", "--show-fixes", "--no-cache", ".", cwd=tmp_path)
    assert done.returncode == 0
    lines = text(done.stderr).splitlines()
    assert lines[:4] == ["Fixed 2 findings:", "- ./deliver.py:", "    1 \u00d7 MBX102 (unflushed-unlock)",
                         "    1 \u00d7 MBX103 (lock-not-released-on-error)"]
    (tmp_path / "deliver.py").write_text(FIXABLE)
    quiet = mboxlint("check", "--fix", "--quiet", "--no-cache", ".", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, b"", b"")
    assert (tmp_path / "deliver.py").read_text() == FIXED_BOTH


def test_exit_non_zero_on_fix(tmp_path):
    (tmp_path / "deliver.py").write_text(FIXABLE)
    done = mboxlint("check", "--fix", "--exit-non-zero-on-fix", "--no-cache", ".", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == b""
    again = mboxlint("check", "--fix", "--exit-non-zero-on-fix", "--no-cache", ".", cwd=tmp_path)
    assert again.returncode == 0  # nothing left to fix
    assert mboxlint("check", "--exit-non-zero-on-fix", ".", cwd=tmp_path).returncode == 2


def test_help_lists_the_new_flags(tmp_path):
    shown = text(mboxlint("check", "--help", cwd=tmp_path).stdout)
    for flag in ("--output-format", "--quiet", "--show-fixes", "--exit-non-zero-on-fix", "--stdin-filename",
                 "--fix-import-module"):
        assert flag in shown
    assert "vendor" in text(mboxlint("--help", cwd=tmp_path).stdout)


# -- file names that are not plain text ------------------------------------------------------------

HOSTILE = "x\n::error file=evil.py,line=1::forged\x1b[2J\x07.py"


@pytest.mark.parametrize("fmt", ["text", "grouped", "github"])
def test_control_characters_in_names_are_escaped(tmp_path, fmt):
    (tmp_path / HOSTILE).write_text(UNFIXABLE)
    done = mboxlint("check", "--format", fmt, ".", cwd=tmp_path)
    assert done.returncode == 1
    out = text(done.stdout)
    assert "\x1b" not in out and "\x07" not in out
    # one finding: no line of the report starts with a name's forged command
    assert not any(line.startswith("::error file=evil") for line in out.splitlines())
    assert "x\\n::error file" in out.replace("%3A", ":").replace("%2C", ",")
    assert "\\x1b[2J\\x07.py" in out


def test_json_keeps_the_exact_name(tmp_path):
    (tmp_path / HOSTILE).write_text(UNFIXABLE)
    rows = json.loads(text(mboxlint("check", "--format", "json", ".", cwd=tmp_path).stdout))
    assert [row["path"] for row in rows] == ["./" + HOSTILE]


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_names_that_are_not_utf8_show_their_bytes(tmp_path):
    name = os.fsdecode(b"caf\xe9\\n.py")
    (tmp_path / name).write_text(UNFIXABLE)
    out = text(mboxlint("check", ".", cwd=tmp_path).stdout)
    # the byte, and the backslash doubled: never read as a newline
    assert out.startswith("./caf\\xe9\\\\n.py:3:1: MBX101")


def test_stderr_names_are_escaped_too(tmp_path):
    (tmp_path / HOSTILE).write_text(FIXABLE)
    done = mboxlint("check", "--fix", "--show-fixes", ".", cwd=tmp_path)
    assert done.returncode == 0
    assert b"\x1b" not in done.stderr and "- ./x\\n::error" in text(done.stderr)


def test_diff_headers_escape_the_name(tmp_path):
    (tmp_path / HOSTILE).write_text(FIXABLE)
    done = mboxlint("check", "--diff", ".", cwd=tmp_path)
    assert done.returncode == 1
    out = text(done.stdout)
    assert out.startswith("--- ./x\\n::error file=evil.py,line=1::forged\\x1b[2J\\x07.py\n+++ ")
    assert b"\x1b" not in done.stdout


def test_show_source_escapes_control_characters_in_the_line(tmp_path):
    (tmp_path / "m.py").write_text("import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('\x1b[2J'); box.add('y')\n")
    done = mboxlint("check", "--show-source", "m.py", cwd=tmp_path)
    lines = text(done.stdout).splitlines()
    assert "\x1b" not in text(done.stdout)
    assert lines[1] == "box.add('\\x1b[2J'); box.add('y')"
    second = [i for i, line in enumerate(lines) if line.startswith("m.py:3:")][1]
    assert lines[second + 2].index("^") == lines[1].index("box.add('y')")
