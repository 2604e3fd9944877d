"""The API key as a secret: checked before use, never shown, known by a fingerprint.

A job and an uploaded file belong to the account that made them; the cache
records which by a salted hash of the key (:meth:`ApiKey.fingerprint`), never
the key itself.
"""

from __future__ import annotations

import hashlib

from .._errors import UsageError

FINGERPRINT_CHARS = 16


class ApiKey:
    """An API key that never shows itself in a repr, a str, or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with any copy of the key replaced by ``***``."""
        return text.replace(self._value, "***") if self._value else text

    def fingerprint(self, salt: bytes) -> str:
        """A salted hash that tells keys apart without revealing them."""
        digest = hashlib.sha256(salt + b"\0" + self._value.encode("utf-8"))
        return digest.hexdigest()[:FINGERPRINT_CHARS]

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


def checked_key(value: str, variable: str = "XAI_API_KEY") -> ApiKey:
    """The key, refused (without showing it) if it holds whitespace or control characters.

    Such a key is a copy-and-paste accident (a newline, a space, a stray quote
    mark's neighbour); sending it would only fail, or leak it into a header
    that breaks.
    """
    for position, character in enumerate(value, start=1):
        if character.isspace() or not character.isprintable() or not character.isascii():
            kind = "whitespace" if character.isspace() else "a control or non-ASCII character"
            raise UsageError(
                f"{variable} holds {kind} at character {position} of {len(value)}; "
                "copy the key again from console.x.ai (it is not shown here)"
            )
    return ApiKey(value)
