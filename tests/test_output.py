"""Report formats: text (colour, --show-source), grouped, json, SARIF, GitHub; --output-file, --statistics."""

import io
import json
import os
import pty
import subprocess
import sys

import pytest

from mboxlint.output import color_wanted, github_line
from mboxlint.rules import all_rules
from support import ROOT

BAD = (
    "import mailbox\n"
    "box = mailbox.mbox('inbox')\n"
    "box.add('x')\n"
    "if box:\n"
    "\tbox.add('y')\n"
)
ANSI = "\033["


def mboxlint(*args, cwd, env=None, **kwargs):
    full_env = dict(os.environ, PYTHONPATH=ROOT)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        full_env.pop(name, None)
    full_env.update(env or {})
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "mboxlint", *args], cwd=str(cwd), env=full_env,
                          stderr=subprocess.PIPE, text=True, timeout=300, **kwargs)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BAD)
    (tmp_path / "pkg" / "broken.py").write_text("def f(:\n")
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


# -- SARIF ---------------------------------------------------------------------------------


def test_sarif_has_what_github_code_scanning_requires(project):
    proc = mboxlint("check", "--format", "sarif", ".", cwd=project)
    assert proc.returncode == 3  # a file could not be checked
    report = json.loads(proc.stdout)
    assert report["version"] == "2.1.0"
    assert report["$schema"].endswith("sarif-2.1.0.json")
    run = report["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mboxlint"
    rules = driver["rules"]
    assert [r["id"] for r in rules[: len(all_rules())]] == [rule.code for rule in all_rules()]
    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("MBX101", 3), ("MBX101", 5), ("E999", 1),
    ]
    for result in results:
        assert result["level"] == "error"
        assert result["message"]["text"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri in ("pkg/bad.py", "pkg/broken.py")  # relative, forward slashes
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["region"]["startColumn"] >= 1
    first = next(r for r in results if r["ruleId"] == "MBX101")
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 13,
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_sarif_rule_metadata_comes_from_the_rule_classes(project):
    report = json.loads(mboxlint("check", "--format", "sarif", "clean.py", cwd=project).stdout)
    assert report["runs"][0]["results"] == []
    described = {r["id"]: r for r in report["runs"][0]["tool"]["driver"]["rules"]}
    for rule in all_rules():
        entry = described[rule.code]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary()
        assert entry["fullDescription"]["text"] and "## " not in entry["fullDescription"]["text"]
        assert "## Why is this bad?" in entry["help"]["markdown"]
        assert "helpUri" not in entry  # no address of the pages has been verified
        assert os.path.isfile(os.path.join(ROOT, "docs", "rules", rule.code + ".md"))
        assert entry["defaultConfiguration"]["enabled"] is rule.default_enabled


# -- GitHub workflow commands ----------------------------------------------------------------


def test_github_annotations(project):
    proc = mboxlint("check", "--format", "github", "pkg/bad.py", cwd=project)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error file=pkg/bad.py,line=3,col=1,endLine=3,endColumn=13,title=MBX101::MBX101 box.add() modifies"
    )
    assert lines[1].startswith("::error file=pkg/bad.py,line=5,col=2,")


def test_github_escaping():
    row = {"path": "odd,na:me.py", "line": 1, "column": 2, "end_line": None, "end_column": None,
           "code": "MBX101", "message": "100% of\r\nit, here: yes"}
    assert github_line(row, base=os.getcwd()) == (
        "::error file=odd%2Cna%3Ame.py,line=1,col=2,title=MBX101::MBX101 100%25 of%0D%0Ait, here: yes"
    )


# -- text and grouped ------------------------------------------------------------------------


def test_show_source_puts_a_caret_under_the_column(project):
    proc = mboxlint("check", "--show-source", "pkg/bad.py", cwd=project)
    assert proc.stdout.splitlines() == [
        proc.stdout.splitlines()[0],
        "box.add('x')",
        "^",
        proc.stdout.splitlines()[3],
        "\tbox.add('y')",
        "\t^",
    ]
    assert proc.stdout.splitlines()[3].startswith("pkg/bad.py:5:2: MBX101")


def test_grouped(project):
    proc = mboxlint("check", "--format", "grouped", "pkg", cwd=project)
    lines = proc.stdout.splitlines()
    assert lines[0] == "pkg/bad.py:"
    assert lines[1].startswith("  3:1 MBX101 box.add() modifies")
    assert lines[2].startswith("  5:2 MBX101 ")
    assert lines[3] == ""
    assert lines[4] == "pkg/broken.py:"
    assert lines[5].startswith("  1:7 E999 SyntaxError")


def test_json_is_unchanged_by_show_source(project):
    rows = json.loads(mboxlint("check", "--format", "json", "--show-source", "pkg/bad.py", cwd=project).stdout)
    assert [(r["line"], r["column"], r["code"]) for r in rows] == [(3, 1, "MBX101"), (5, 2, "MBX101")]


@pytest.mark.parametrize(
    "env, flags, coloured",
    [
        ({}, [], False),  # not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),
        ({"FORCE_COLOR": "1"}, ["--no-color"], False),
    ],
)
def test_colour_through_a_pipe(project, env, flags, coloured):
    proc = mboxlint("check", *flags, "pkg/bad.py", cwd=project, env=env)
    assert (ANSI in proc.stdout) is coloured
    plain = proc.stdout.replace("\033[1m", "").replace("\033[31m", "").replace("\033[36m", "").replace("\033[m", "")
    assert plain.startswith("pkg/bad.py:3:1: MBX101 box.add()")


@pytest.mark.parametrize("flags, env, coloured", [([], {}, True), (["--no-color"], {}, False), ([], {"NO_COLOR": "1"}, False)])
def test_colour_in_a_terminal(project, flags, env, coloured):
    master, slave = pty.openpty()
    try:
        proc = mboxlint("check", *flags, "pkg/bad.py", cwd=project, env=env, stdout=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    out = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "MBX101" in out
    assert (ANSI in out) is coloured


def test_color_wanted_rules():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert color_wanted(False, Terminal(), {}) is True
    assert color_wanted(False, io.StringIO(), {}) is False
    assert color_wanted(False, io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert color_wanted(False, Terminal(), {"NO_COLOR": "1"}) is False
    assert color_wanted(False, Terminal(), {"NO_COLOR": ""}) is True  # the convention: set and non-empty
    assert color_wanted(True, Terminal(), {"FORCE_COLOR": "1"}) is False


# -- output file and statistics --------------------------------------------------------------


def test_output_file(project):
    proc = mboxlint("check", "--format", "sarif", "--output-file", "report.sarif", "pkg/bad.py", cwd=project,
                    env={"FORCE_COLOR": "1"})
    assert proc.returncode == 1 and proc.stdout == ""
    report = json.loads((project / "report.sarif").read_text())
    assert len(report["runs"][0]["results"]) == 2
    mboxlint("check", "-o", "report.txt", "pkg/bad.py", cwd=project, env={"FORCE_COLOR": "1"})
    text = (project / "report.txt").read_text()
    assert text.startswith("pkg/bad.py:3:1: MBX101") and ANSI not in text


def test_statistics(project):
    proc = mboxlint("check", "--statistics", "pkg", cwd=project)
    lines = proc.stdout.splitlines()
    assert lines[-2:] == ["2     MBX101 unlocked-mailbox-modification", "1     E999 syntax-error"]
    assert len(lines) == 5
    # Machine-readable output stays parseable: the counts go to stderr.
    proc = mboxlint("check", "--statistics", "--format", "json", "pkg", cwd=project)
    assert len(json.loads(proc.stdout)) == 3
    assert proc.stderr.splitlines() == ["2     MBX101 unlocked-mailbox-modification", "1     E999 syntax-error"]
