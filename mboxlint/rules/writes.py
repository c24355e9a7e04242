"""What a statement writes to a file it opened, read from its spelling alone."""

import ast


def empty_text(node) -> bool:
    """``""``, ``b""``, or ``"".encode(...)``: nothing to write."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "encode" \
            and len(node.args) <= 1 and not node.keywords:
        node = node.func.value
    return isinstance(node, ast.Constant) and node.value in ("", b"")


def writes_nothing(stmt, names) -> bool:
    """``f.write("")``, ``f.flush()`` or ``os.fsync(f.fileno())`` on the file object named in
    ``names``: a statement that adds nothing to what the open left."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    call = stmt.value
    if not isinstance(call.func, ast.Attribute) or call.keywords:
        return False
    method = call.func.attr
    if method in ("fsync", "fdatasync") and len(call.args) == 1:  # ``os.fsync(f.fileno())``
        inner = call.args[0]
        return isinstance(inner, ast.Call) and not inner.args and isinstance(inner.func, ast.Attribute) \
            and inner.func.attr == "fileno" and _named(inner.func.value, names)
    if not _named(call.func.value, names):
        return False
    if method == "flush":
        return not call.args
    return method == "write" and len(call.args) == 1 and empty_text(call.args[0])


def _named(node, names) -> bool:
    return isinstance(node, ast.Name) and node.id in names
