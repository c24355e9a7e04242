"""A finding: what the engine reports, whatever the adapter that prints it."""

import traceback
from typing import NamedTuple, Optional

from .plans.model import FixPlan


class Finding(NamedTuple):
    """One reported problem. ``col`` is 0-based like ``ast``; printers add 1, as flake8 does."""

    line: int
    col: int
    code: str
    message: str
    #: "safe" or "unsafe" when ``--fix`` can repair it, else None (the plan's safety)
    fix: Optional[str] = None
    end_line: Optional[int] = None
    end_col: Optional[int] = None
    #: what ``--fix`` does here, decided at detection (see :mod:`mboxlint.plans`)
    plan: Optional[FixPlan] = None

    def sort_key(self):
        return (self.line, self.col, self.code)

    def to_data(self) -> list:
        """Plain JSON-able data (for the cache); :meth:`from_data` reads it back."""
        data = list(self[:-1])
        data.append(None if self.plan is None else self.plan.to_data())
        return data

    @classmethod
    def from_data(cls, data) -> "Finding":
        """The finding :meth:`to_data` wrote; raises ``ValueError`` on anything malformed."""
        if not isinstance(data, list) or len(data) != len(cls._fields):
            raise ValueError("not a finding")
        plan = data[-1]
        finding = cls(*data[:-1], plan=None if plan is None else FixPlan.from_data(plan))
        if not (type(finding.line) is int and type(finding.col) is int and isinstance(finding.code, str)
                and isinstance(finding.message, str) and finding.fix in (None, "safe", "unsafe")
                and all(v is None or type(v) is int for v in (finding.end_line, finding.end_col))):
            raise ValueError("not a finding")
        return finding


def allowed(finding: Finding, unsafe: bool) -> bool:
    """Whether ``--fix`` (or ``--fix --unsafe-fixes`` when ``unsafe``) applies this finding's fix."""
    return finding.fix == "safe" or (unsafe and finding.fix == "unsafe")


def last_line(error: BaseException) -> str:
    """The last line of an exception's message, for one-line reports."""
    lines = traceback.format_exception_only(type(error), error)
    return lines[-1].strip() if lines else type(error).__name__
