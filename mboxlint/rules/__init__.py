"""Every rule, registered by code. Import this package to fill :data:`REGISTRY`."""

from . import locking  # noqa: F401  (registers MBX101-MBX104)
from . import keys  # noqa: F401  (registers MBX201, MBX202, MBX210)
from . import files, opinionated  # noqa: F401  (registers MBX301-MBX306, MBX901-MBX903)
from .base import REGISTRY, Invalid, Rule

__all__ = ["REGISTRY", "Invalid", "Rule", "all_rules"]


def all_rules():
    """Rule classes in code order."""
    return [REGISTRY[code] for code in sorted(REGISTRY)]
