"""What a statement writes to a file it opened, read from its spelling alone."""

import ast


def empty_text(node) -> bool:
    return isinstance(node, ast.Constant) and node.value in ("", b"")


def writes_nothing(stmt, names) -> bool:
    """``f.write("")`` on the file object named in ``names``."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    call = stmt.value
    return isinstance(call.func, ast.Attribute) and call.func.attr == "write" and isinstance(call.func.value, ast.Name) \
        and call.func.value.id in names and len(call.args) == 1 and not call.keywords and empty_text(call.args[0])
