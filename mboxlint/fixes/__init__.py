"""libcst fixers, one per fixable rule, registered by rule code in :data:`FIXERS`.

Each module holds the fixers of one rule family; importing this package registers them all.
"""

from . import atomic, check_then_act, eafp, files, imap, locking, tempfiles  # noqa: F401  (registers every fixer)
from .base import FIXERS, Fixer, allowed

__all__ = ["FIXERS", "Fixer", "allowed"]
