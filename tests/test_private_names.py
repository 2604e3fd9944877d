"""A name that starts with an underscore is used only in the module that defines it."""

from __future__ import annotations

import ast
from pathlib import Path

import storyboard

PACKAGE = Path(storyboard.__file__).parent


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def imported_from(node: ast.ImportFrom, folder: Path) -> Path:
    """The folder an import reads from: ``..x`` seen from ``folder``, or ``storyboard.x``."""
    base = folder
    for _ in range(node.level - 1):
        base = base.parent
    if node.level == 0:
        base = PACKAGE.parent
    return base.joinpath(*(node.module or "").split("."))


def is_module(folder: Path, name: str) -> bool:
    return (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()


def private_names_borrowed(source: str, folder: Path) -> list[str]:
    """``from .x import _name`` and ``module._name`` in the source of a module in ``folder``.

    A private module (``from . import _engine``) is no private name: modules of
    the package import each other, and the underscore keeps them from users.
    """
    tree = ast.parse(source)
    modules: set[str] = set()
    borrowed: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            source_folder = imported_from(node, folder)
            for alias in node.names:
                if is_private(alias.name) and not is_module(source_folder, alias.name):
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
        for problem in private_names_borrowed(path.read_text(encoding="utf-8"), path.parent)
    ]
    assert found == []


def test_the_check_sees_both_ways_of_borrowing(tmp_path: Path) -> None:
    (tmp_path / "_format.py").write_text("")
    source = (
        "from __future__ import annotations\n"
        "import os\n"
        "from . import engine\n"
        "from .api import API_PREFIX, _Reply\n"
        "from ._version import __version__\n"
        "from . import _format as fmt\n"
        "engine._schedule()\n"
        "os.path.join('a', __version__, fmt.Story)\n"
        "self._private = 1\n"
    )
    assert private_names_borrowed(source, tmp_path) == [
        "line 4: imports _Reply",
        "line 7: uses engine._schedule",
    ]


PUBLIC_MODULES = {"__init__", "__main__", "cli", "testing"}
"""The facade, the command, ``python -m storyboard`` and the stand-in for users' tests."""


def test_internal_modules_are_named_so() -> None:
    modules = {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if path.suffix == ".py" or (path / "__init__.py").exists()
    }
    assert modules >= PUBLIC_MODULES
    assert sorted(name for name in modules - PUBLIC_MODULES if not name.startswith("_")) == []
