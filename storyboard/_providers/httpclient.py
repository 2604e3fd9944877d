"""httpx, the HTTP client, loaded without its own command line.

When rich and click are installed (storyboard's progress display needs rich), ``import
httpx`` also imports the ``httpx`` command's module, which loads rich's syntax
highlighting and pygments: 0.05 to 0.1 s of CPU before a build's first request, for a
command storyboard never runs. A ``None`` entry in ``sys.modules`` makes that one import
fail, and httpx then defines a stand-in ``httpx.main`` (it is meant to be optional).
"""

from __future__ import annotations

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

__all__ = ["httpx"]
