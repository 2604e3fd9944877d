"""Benchmarks for the targets in docs/benchmarks.md; run with `python -m benchmarks`."""
