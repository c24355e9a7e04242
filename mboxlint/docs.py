"""The rule pages ``docs/rules/MBXnnn.md`` and their index, generated from the rule classes.

A rule's class is the one place its documentation is written (its docstring, code, name, fix
safety, default); the pages are rendered from it so that they cannot drift apart, and a test
regenerates them and compares. Regenerate with::

    mboxlint rules --write-docs docs/rules
    python -m mboxlint.docs docs/rules          # the same
"""

import os
import sys
from typing import Dict, List, Optional, Sequence

#: The folder of rule pages in the repository.
DOCS_DIR = "docs/rules"

GENERATED = "<!-- Generated from the rule class by `mboxlint rules --write-docs docs/rules`: edit the class, not this file. -->"


def section(documentation: str, header: str) -> str:
    """The text under ``header`` (e.g. ``## What it does``) up to the next ``## `` header."""
    lines = documentation.splitlines()
    try:
        start = lines.index(header) + 1
    except ValueError:
        return ""
    body: List[str] = []
    in_code = False
    for line in lines[start:]:
        if line.startswith("```"):
            in_code = not in_code
        if line.startswith("## ") and not in_code:
            break
        body.append(line)
    return "\n".join(body).strip()


def _enable_hint(rule) -> str:
    family = rule.code[:4]
    return (
        "Off by default (opinionated). Turn it on with `mboxlint check --extend-select %s` "
        "(or `%s` for the family), `extend-select = [\"%s\"]` in `[tool.mboxlint]`, or in flake8 "
        "with `--extend-select=%s` (flake8 leaves it on its default ignore list, as it does "
        "flake8-bugbear's B9)." % (rule.code, family, rule.code, rule.code)
    )


def render_rule(rule) -> str:
    documentation = rule.documentation()
    summary, _, body = documentation.partition("\n")
    facts = [
        ("Code", "`%s`" % rule.code),
        ("Name", "`%s`" % rule.name),
        ("Default", "on" if rule.default_enabled else "off"),
        ("Fix", (rule.fix_safety or "none") + (" (not applied by --fix yet)" if rule.fix_safety and not rule.fix_available() else "")),
    ]
    if rule.seed:
        facts.append(("From the bug report", "`%s`" % rule.seed))
    out = [GENERATED, "", "# %s: %s" % (rule.code, rule.name), "", summary.strip(), ""]
    out += ["| | |", "|---|---|"] + ["| %s | %s |" % fact for fact in facts] + [""]
    if not rule.default_enabled:
        out += [_enable_hint(rule), ""]
    out += [body.strip(), ""]
    out += [
        "## Silencing it",
        "",
        "On one line: `# noqa: %s`. For some files: `per-file-ignores` in `[tool.mboxlint]`. "
        "Everywhere: `--ignore %s` or `ignore = [\"%s\"]`." % (rule.code, rule.code, rule.code),
        "",
    ]
    return "\n".join(out)


def render_index(rules: Sequence) -> str:
    out = [GENERATED, "", "# Rules", ""]
    out.append(
        "Codes use the prefix `MBX`. Rules marked *off* run only when a selection names them "
        "(`--extend-select MBX9`). Fixes marked *safe* are applied by `mboxlint --fix`, *unsafe* ones "
        "only with `--unsafe-fixes` too."
    )
    out += ["", "| code | name | default | fix | summary |", "|---|---|---|---|---|"]
    for rule in rules:
        out.append(
            "| [%s](%s.md) | %s | %s | %s | %s |"
            % (rule.code, rule.code, rule.name, "on" if rule.default_enabled else "off",
               (rule.fix_safety or "none") + (" (pending)" if rule.fix_safety and not rule.fix_available() else ""),
               rule.summary().replace("|", "\\|"))
        )
    out.append("")
    return "\n".join(out)


def render_all(rules: Optional[Sequence] = None) -> Dict[str, str]:
    """File name -> contents of every page and the index."""
    from .rules import all_rules

    rules = list(all_rules() if rules is None else rules)
    pages = {"%s.md" % rule.code: render_rule(rule) for rule in rules}
    pages["README.md"] = render_index(rules)
    return pages


def write_docs(directory: str) -> List[str]:
    """Write every page into ``directory``; remove pages of rules that no longer exist.

    Returns the names of the files written or removed (an empty list: already up to date).
    """
    pages = render_all()
    os.makedirs(directory, exist_ok=True)
    changed = []
    for name, text in sorted(pages.items()):
        target = os.path.join(directory, name)
        try:
            with open(target, encoding="utf-8", newline="") as handle:
                if handle.read() == text:
                    continue
        except FileNotFoundError:
            pass
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        changed.append(name)
    for name in sorted(os.listdir(directory)):
        if name.startswith("MBX") and name.endswith(".md") and name not in pages:
            os.remove(os.path.join(directory, name))
            changed.append(name)
    return changed


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0].startswith("-")):
        sys.stderr.write("usage: python -m mboxlint.docs [DIRECTORY]   (default: %s)\n" % DOCS_DIR)
        return 2
    directory = args[0] if args else DOCS_DIR
    for name in write_docs(directory):
        print(os.path.join(directory, name))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
