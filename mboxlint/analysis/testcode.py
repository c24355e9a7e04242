"""Which code is a test suite's: tests, test cases and what is defined inside them.

A test runs alone, on files it made for itself; rules that judge how programs share files
leave such code be (see :attr:`.imports.ModuleFacts.is_test_module` for the module as a whole).
"""

import ast

from .imports import dotted_name

#: how many enclosing functions are looked through for a test
TEST_NESTING = 8


def is_test(scope) -> bool:
    """Whether a walked scope is a test function (``test*``)."""
    return scope.is_function and scope.name.startswith("test")


def in_test(scope) -> bool:
    """Whether ``scope`` is a test (a ``test*`` function, a method of a test class), or a
    function defined inside one."""
    for _ in range(TEST_NESTING):
        if scope is None:
            return False
        if is_test(scope) or scope.enclosing_class is not None and is_test_class(scope.enclosing_class):
            return True
        scope = scope.enclosing_function
    return False


def is_test_class(cls: ast.ClassDef) -> bool:
    """A ``unittest`` case (a base named ``...TestCase``), or a class pytest collects: named
    ``Test`` then a capital, a digit or ``_`` (not ``Testers``), without ``__init__``."""
    if any((dotted_name(base) or "").endswith("TestCase") for base in cls.bases):
        return True
    name = cls.name
    if not name.startswith("Test") or name[4:5] and not (name[4:5].isupper() or name[4:5] in "_0123456789"):
        return False
    return not any(isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" for stmt in cls.body)
