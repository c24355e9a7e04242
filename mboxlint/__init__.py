"""mboxlint: find and fix the concurrency bugs that lose mail and corrupt shared files."""

__version__ = "0.1.0"
