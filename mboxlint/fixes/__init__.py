"""libcst fixers, one per fixable rule, registered by rule code in :data:`FIXERS`.

Each module holds the fixers of one rule family; importing this package registers them all.
"""

from . import eafp, files, locking  # noqa: F401  (registers MBX102, MBX103, MBX301, MBX303, MBX305, MBX306)
from .base import FIXERS, Fixer, allowed

__all__ = ["FIXERS", "Fixer", "allowed"]
