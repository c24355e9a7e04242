"""``docs/rules`` is generated from the rule classes, and must be regenerated when they change."""

import os
import subprocess
import sys

from mboxlint.docs import GENERATED, render_all, render_rule, section, write_docs
from mboxlint.rules import all_rules
from support import ROOT

DOCS = os.path.join(ROOT, "docs", "rules")
HOW_TO_FIX = "regenerate them with: mboxlint rules --write-docs docs/rules"


def committed_pages():
    pages = {}
    for name in sorted(os.listdir(DOCS)):
        with open(os.path.join(DOCS, name), encoding="utf-8", newline="") as handle:
            pages[name] = handle.read()
    return pages


def test_committed_pages_are_up_to_date(tmp_path):
    write_docs(str(tmp_path))
    generated = {name: (tmp_path / name).read_text(encoding="utf-8") for name in os.listdir(tmp_path)}
    committed = committed_pages()
    # The same set of pages: one per rule, plus the index...
    assert sorted(committed) == sorted(generated), HOW_TO_FIX
    assert sorted(generated) == sorted(["README.md"] + ["%s.md" % rule.code for rule in all_rules()])
    # ...with the same text.
    stale = [name for name in generated if committed[name] != generated[name]]
    assert not stale, "%s are out of date; %s" % (", ".join(stale), HOW_TO_FIX)


def test_writing_is_idempotent_and_removes_pages_of_gone_rules(tmp_path):
    (tmp_path / "MBX999.md").write_text("a rule that no longer exists\n")
    (tmp_path / "notes.md").write_text("not ours\n")
    first = write_docs(str(tmp_path))
    assert "MBX999.md" in first and not (tmp_path / "MBX999.md").exists()
    assert (tmp_path / "notes.md").exists()
    assert write_docs(str(tmp_path)) == []


def test_both_commands_write_the_same_pages(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    for args, folder in (
        (["-m", "mboxlint", "rules", "--write-docs", str(tmp_path / "a")], "a"),
        (["-m", "mboxlint.docs", str(tmp_path / "b")], "b"),
    ):
        proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert len(proc.stdout.splitlines()) == len(render_all())  # one line per file written
    for name, text in render_all().items():
        assert (tmp_path / "a" / name).read_text(encoding="utf-8") == text
        assert (tmp_path / "b" / name).read_text(encoding="utf-8") == text


def test_pages_carry_the_whole_documentation():
    for rule in all_rules():
        page = render_rule(rule)
        assert page.startswith(GENERATED)
        assert "# %s: %s" % (rule.code, rule.name) in page
        for header in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section(page, header) == section(rule.documentation(), header) != ""


def test_index_links_every_rule():
    index = render_all()["README.md"]
    for rule in all_rules():
        assert "| [%s](%s.md) | %s | %s |" % (rule.code, rule.code, rule.name, "on" if rule.default_enabled else "off") in index


def test_off_by_default_rule_page_says_how_to_turn_it_on():
    class Opinionated:  # shaped like a rule class, without registering a code
        code = "MBX950"
        name = "example-opinion"
        default_enabled = False
        fix_safety = None
        seed = ""

        @staticmethod
        def documentation():
            return "An opinion.\n\n## What it does\nIt opines."

    page = render_rule(Opinionated)
    assert "| Default | off |" in page
    assert "`mboxlint check --extend-select MBX950`" in page and "`--extend-select=MBX950`" in page


def test_section_ignores_headers_inside_code_blocks():
    doc = "x\n\n## Example\n```python\n## not a header\n```\n## Next\ny"
    assert section(doc, "## Example") == "```python\n## not a header\n```"
