"""What a built distribution carries: the licence, the typing marker, the declared Pythons."""

import os
import re
import subprocess
import sys
import zipfile

import pytest

from support import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def _project():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)["project"]


def test_licence_is_the_spdx_string_and_the_file_says_the_same():
    project = _project()
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as handle:
        assert handle.readline().strip() == "MIT License"
    # PEP 639: a licence expression and a licence classifier do not go together.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def test_classifiers_name_every_python_from_the_floor_to_the_newest_tested():
    project = _project()
    floor = tuple(int(part) for part in re.match(r">=(\d+)\.(\d+)$", project["requires-python"]).groups())
    declared = {tuple(int(part) for part in c.rsplit(" ", 1)[1].split("."))
                for c in project["classifiers"] if re.match(r"Programming Language :: Python :: 3\.\d+$", c)}
    assert declared == {(3, minor) for minor in range(floor[1], 14)}
    assert "Typing :: Typed" in project["classifiers"]


def test_the_package_is_marked_typed():
    assert os.path.isfile(os.path.join(ROOT, "mboxlint", "py.typed"))


@pytest.mark.slow
def test_a_built_wheel_carries_licence_marker_and_metadata(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), ROOT],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = [name for name in os.listdir(tmp_path) if name.endswith(".whl")]
    with zipfile.ZipFile(str(tmp_path / wheel)) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    assert "mboxlint/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "\nLicense-Expression: MIT\n" in metadata
    assert "\nClassifier: Programming Language :: Python :: 3.9\n" in metadata
