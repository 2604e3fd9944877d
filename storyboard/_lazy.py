"""Names a package imports on first use (a module ``__getattr__``, PEP 562), so that
importing the package costs only what its callers touch."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name of ``modules`` (name to the module of
    the package that defines it) is imported on first use and kept in the package."""

    def load(name: str) -> Any:
        namespace = sys.modules[package]
        module = modules.get(name)
        if module is None:  # the plain lookup, which raises the usual AttributeError
            return object.__getattribute__(namespace, name)
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(namespace, name, value)
        return value

    return load
