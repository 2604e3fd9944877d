"""A name that starts with an underscore is used only in the module that defines it."""

from __future__ import annotations

import ast
from pathlib import Path

import storyboard

PACKAGE = Path(storyboard.__file__).parent


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_names_borrowed(source: str) -> list[str]:
    """``from .x import _name`` and ``module._name`` in one module's source."""
    tree = ast.parse(source)
    modules: set[str] = set()
    borrowed: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                if is_private(alias.name):
                    borrowed.append(f"line {node.lineno}: imports {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(alias.asname or alias.name.partition(".")[0] for alias in node.names)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and is_private(node.attr)
        ):
            borrowed.append(f"line {node.lineno}: uses {node.value.id}.{node.attr}")
    return borrowed


def test_no_module_borrows_another_modules_private_names() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)} {problem}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in private_names_borrowed(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_sees_both_ways_of_borrowing() -> None:
    source = (
        "from __future__ import annotations\n"
        "import os\n"
        "from . import engine\n"
        "from .api import API_PREFIX, _Reply\n"
        "from ._version import __version__\n"
        "engine._schedule()\n"
        "os.path.join('a', __version__)\n"
        "self._private = 1\n"
    )
    assert private_names_borrowed(source) == [
        "line 4: imports _Reply",
        "line 6: uses engine._schedule",
    ]
