"""The flake8 plugin and the CLI are two adapters over one engine: same findings, same format."""

import os
import subprocess
import sys

import pytest

from support import FIXTURES, ROOT, run_cli


def _flake8(*args):
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_plugin_is_registered():
    proc = _flake8("--version")
    assert "mboxlint" in proc.stdout


# flake8's explicit ``--select=MBX`` turns on the default-off MBX9 rules, as ``mboxlint check
# --select MBX`` does; ``--ignore=MBX9`` beside it gives mboxlint's default selection.
SAME_SELECTION = [
    (["--select=MBX"], ["--select", "MBX"]),
    (["--select=MBX", "--ignore=MBX9"], []),
]


@pytest.mark.slow
def test_flake8_reports_exactly_what_mboxlint_check_reports():
    for flake8_flags, our_flags in SAME_SELECTION:
        flake8 = _flake8(*flake8_flags, "fixtures")
        ours = run_cli("check", *our_flags, "fixtures")
        assert flake8.stderr == ""
        assert ours.stdout.strip(), "the fixtures must have findings for this comparison to mean anything"
        assert sorted(flake8.stdout.splitlines()) == sorted(ours.stdout.splitlines())
        assert flake8.returncode == ours.returncode == 1


def test_flake8_leaves_mbx9_off_unless_selected():
    target = "fixtures/opinionated/status_cache.py"
    assert " MBX9" not in _flake8(target).stdout
    assert " MBX901 " in _flake8("--extend-select=MBX9", target).stdout
    assert " MBX901 " in _flake8("--select=MBX", target).stdout


def test_flake8_honours_noqa_like_the_cli(tmp_path):
    path = tmp_path / "q.py"
    path.write_text(
        "import mailbox\nbox = mailbox.mbox('inbox')\n"
        "box.add('a')  # noqa: MBX101\nbox.add('b')  # noqa: MBX2\nbox.add('c')\n"
    )
    assert _flake8("--select=MBX", str(path)).stdout == run_cli("check", str(path)).stdout
    assert run_cli("check", str(path)).stdout.count("MBX101") == 2


def test_fixtures_dir_exists():
    import os

    assert os.path.isdir(FIXTURES)


def _analysed_codes(*flags):
    # flake8's own option parsing calls the plugin's parse_options, as every run does.
    from flake8.options.parse_args import parse_args

    from mboxlint.flake8_plugin import MboxlintChecker

    parse_args(["--isolated", *flags])
    return MboxlintChecker.codes


def test_the_plugin_analyses_only_for_the_codes_flake8_will_report():
    default = _analysed_codes()
    assert "MBX101" in default and "MBX301" in default
    assert not {code for code in default if code.startswith("MBX9")}  # off by default
    assert "MBX901" in _analysed_codes("--extend-select=MBX9")
    assert _analysed_codes("--select=E9") == frozenset()  # nothing of ours is reported
    assert "MBX101" not in _analysed_codes("--extend-ignore=MBX1")


def test_opinionated_findings_come_only_when_selected(tmp_path):
    source = tmp_path / "state.py"
    source.write_text(
        "import json\nSTATE = 'state.json'\n"
        "def load():\n    with open(STATE) as f:\n        return json.load(f)\n"
        "def save(state):\n    with open(STATE, 'w') as f:\n        json.dump(state, f)\n"
    )
    assert "MBX901" not in _flake8(str(source)).stdout
    assert "MBX901" in _flake8("--extend-select=MBX9", str(source)).stdout


def _flake8_in(project, *args):
    """flake8 run inside ``project``, reading its configuration files (not ``--isolated``)."""
    return subprocess.run([sys.executable, "-m", "flake8", *args, "."], cwd=str(project),
                          capture_output=True, text=True, timeout=300)


def _opinionated_project(tmp_path, config):
    (tmp_path / "setup.cfg").write_text("[flake8]\n" + config, encoding="utf-8")
    with open(os.path.join(FIXTURES, "opinionated", "status_cache.py"), encoding="utf-8") as handle:
        (tmp_path / "status_cache.py").write_text(handle.read(), encoding="utf-8")
    return tmp_path


def test_a_plain_ignore_list_leaves_mbx9_off_beside_flake8_bugbear(tmp_path):
    # ``ignore`` replaces flake8's default ignore list (where MBX9 and B9 sit); like
    # flake8-bugbear's B9, MBX9 still needs to be selected by name.
    assert "flake8-bugbear" in _flake8("--version").stdout
    for config in ("ignore = E501\n", "ignore = E203,W503\n"):
        project = _opinionated_project(tmp_path, config)
        proc = _flake8_in(project)
        assert proc.stderr == ""
        assert " MBX9" not in proc.stdout and " B9" not in proc.stdout
        assert " MBX9" not in _flake8_in(project, "--ignore=E501").stdout


def test_mbx9_named_in_select_or_extend_select_is_reported(tmp_path):
    for config, flags in [
        ("ignore = E501\nextend-select = MBX9\n", []),
        ("ignore = E501\nselect = E,F,W,MBX\n", []),
        ("ignore = E501\n", ["--select=MBX9"]),
        ("ignore = E501\n", ["--extend-select=MBX90"]),
        ("ignore = E203,W503\n", ["--select=MBX901"]),
    ]:
        proc = _flake8_in(_opinionated_project(tmp_path, config), *flags)
        assert " MBX901 " in proc.stdout, (config, flags, proc.stderr)
        assert proc.returncode == 1
    # naming another family, or the prefix beside an ignore of it, is no selection of MBX9
    for config, flags in [("ignore = E501\nextend-select = MBX1\n", []),
                          ("ignore = E501\n", ["--select=MBX", "--extend-ignore=MBX9"])]:
        proc = _flake8_in(_opinionated_project(tmp_path, config), *flags)
        assert " MBX9" not in proc.stdout, (config, flags)
