"""The exception tree drawn in errors.py is the real one: drawn, defined, exported, raised."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
from pathlib import Path

import storyboard
from storyboard import _errors as errors
from storyboard._errors import StoryboardError

PACKAGE = Path(storyboard.__file__).parent
STAND_IN = PACKAGE / "testing"
"""The xAI stand-in plays the server in tests; its errors never reach a writer."""

_TREE_LINE = re.compile(r"(?P<lead>[ │├└─]*)(?P<name>[A-Z]\w+)")


def drawn_tree() -> dict[str, str]:
    """Each class drawn in the docstring, mapped to the class it is drawn under."""
    doc = errors.__doc__ or ""
    drawing = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    parents: dict[str, str] = {}
    ancestry: list[str] = []
    for line in drawing.splitlines():
        match = _TREE_LINE.match(line)
        assert match, f"not a line of the tree: {line!r}"
        depth = (len(match["lead"]) - 4) // 4
        ancestry[depth:] = [match["name"]]
        parents[match["name"]] = ancestry[depth - 1] if depth else "Exception"
    return parents


def defined_tree() -> dict[str, str]:
    """Each error class errors.py defines, mapped to its base class."""
    tree = {}
    for name, value in vars(errors).items():
        if inspect.isclass(value) and issubclass(value, StoryboardError):
            (base,) = value.__bases__
            tree[name] = base.__name__
    return tree


def raised_classes() -> dict[type[BaseException], list[str]]:
    """Every exception class a ``raise`` in the package names, with where it is raised."""
    raised: dict[type[BaseException], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if STAND_IN in path.parents:
            continue
        for node, error in _raised_names(path):
            place = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            raised.setdefault(error, []).append(place)
    return raised


def _raised_names(path: Path) -> list[tuple[ast.Raise, type[BaseException]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    raises = [node for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc]
    if not raises:
        return []
    module = importlib.import_module(_module_name(path))
    found = []
    for node in raises:
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        value = _resolve(module, target)
        if inspect.isclass(value) and issubclass(value, BaseException):
            found.append((node, value))
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: object, node: ast.expr | None) -> object:
    """What a raised name stands for in its module (None for a local variable)."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        return getattr(_resolve(module, node.value), node.attr, None)
    return None


def _caught_in(module_path: str, error: type[BaseException]) -> bool:
    """Whether the module has an ``except`` clause that catches ``error``."""
    path = PACKAGE / module_path.split(":")[0]
    module = importlib.import_module(_module_name(path))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for name in names:
                caught = _resolve(module, name)
                if inspect.isclass(caught) and issubclass(error, caught):
                    return True
    return False


def test_the_drawn_tree_is_the_class_hierarchy() -> None:
    assert drawn_tree() == defined_tree()


def test_every_error_is_exported_from_errors_and_the_package() -> None:
    tree = set(drawn_tree())
    assert set(errors.__all__) == tree | {"Problem"}
    assert tree <= set(storyboard.__all__)
    for name in tree:
        assert getattr(storyboard, name) is getattr(errors, name), name


def test_every_drawn_error_is_raised_somewhere() -> None:
    raised = {error.__name__ for error in raised_classes() if issubclass(error, StoryboardError)}
    assert set(drawn_tree()) - {"StoryboardError"} - raised == set()


def test_every_raised_error_is_drawn_or_caught_where_it_is_raised() -> None:
    """Storyboard's own errors are in the tree; any other exception (a parser's private
    signal, a builtin) is caught in the module that raises it, so none escapes."""
    tree = drawn_tree()
    for error, places in raised_classes().items():
        if issubclass(error, StoryboardError):
            assert error.__name__ in tree, places
            assert getattr(errors, error.__name__) is error, places
        elif error.__module__.startswith("click."):
            continue  # typer.Exit: how a command ends with an exit code, not an error
        else:
            for place in places:
                assert _caught_in(place, error), f"{error.__name__} escapes from {place}"


def test_the_tree_parser_reads_depth_and_parents() -> None:
    tree = drawn_tree()
    assert tree["StoryboardError"] == "Exception"
    assert tree["VideoGone"] == "DownloadError"
    assert tree["DownloadError"] == "ProviderError"
    assert tree["BudgetExceeded"] == "StoryboardError"
