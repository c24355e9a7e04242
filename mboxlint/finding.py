"""A finding: what the engine reports, whatever the adapter that prints it."""

from typing import NamedTuple, Optional


class Finding(NamedTuple):
    """One reported problem. ``col`` is 0-based like ``ast``; printers add 1, as flake8 does."""

    line: int
    col: int
    code: str
    message: str
    #: "safe" or "unsafe" when ``--fix`` can repair it, else None
    fix: Optional[str] = None
    end_line: Optional[int] = None
    end_col: Optional[int] = None

    def sort_key(self):
        return (self.line, self.col, self.code)


def allowed(finding: Finding, unsafe: bool) -> bool:
    """Whether ``--fix`` (or ``--fix --unsafe-fixes`` when ``unsafe``) applies this finding's fix."""
    return finding.fix == "safe" or (unsafe and finding.fix == "unsafe")
