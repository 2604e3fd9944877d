"""Test doubles that are real: local servers that speak the protocols storyboard uses.

- :mod:`storyboard.testing.xai_standin`: xAI's video API on 127.0.0.1, with
  switchable faults, counters and a request log (``XaiStandin`` in-process,
  ``StandinProcess`` or ``python -m storyboard.testing.xai_standin`` as a
  separate process).

Import from the modules themselves. This package re-exports nothing, so that
running a module with ``python -m`` does not import it twice.
"""
