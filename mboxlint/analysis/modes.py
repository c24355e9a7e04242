"""What an ``open`` mode says about the file: read, truncated, appended to..."""

from typing import Iterable


def mode_kind(mode: str) -> str:
    """``read``, ``update`` (r+), ``truncate`` (w), ``append``, ``exclusive`` or ``unknown``."""
    if mode == "?":
        return "unknown"
    if "x" in mode:
        return "exclusive"
    if "w" in mode:
        return "truncate"
    if "a" in mode:
        return "append"
    if "+" in mode:
        return "update"
    return "read"


def combined_mode(modes: Iterable[str]) -> str:
    """One mode for an open made in any of ``modes`` (a mode chosen at run time): a mode of
    their kind when all are of one; an append for appends and truncations mixed (a write
    either way, one that may keep what was there); an exclusive create mixed with either is
    the other (``"w" if there else "x"``: an existing file may be truncated); ``?`` otherwise."""
    by_kind = {mode_kind(mode): mode for mode in sorted(modes)}
    if "exclusive" in by_kind and len(by_kind) > 1 and set(by_kind) <= {"exclusive", "append", "truncate"}:
        del by_kind["exclusive"]  # the other write is what an existing file may get
    if len(by_kind) == 1:
        return next(iter(by_kind.values()))
    return by_kind["append"] if set(by_kind) == {"append", "truncate"} else "?"
