"""The flake8 plugin and the CLI are two adapters over one engine: same findings, same format."""

import subprocess
import sys

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
