"""A request the fake API refuses, as an exception its handlers raise."""

from __future__ import annotations


class Refusal(Exception):
    """A request the API refuses: HTTP status, message, error code."""

    def __init__(self, status: int, message: str, code: str = "invalid_argument") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
