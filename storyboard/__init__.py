"""storyboard: turn a written story into a film whose characters look the same throughout."""

from ._version import __version__

__all__ = ["__version__"]
