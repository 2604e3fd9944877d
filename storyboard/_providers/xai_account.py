"""The xAI account a build talks to: the key and the API base, read from the
environment and checked without loading the HTTP client, so that a build with
nothing to send refuses a bad environment as quickly as one that sends."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from .._errors import UsageError
from .apikey import checked_key
from .registry import NO_PROVIDER_MESSAGE

DEFAULT_BASE_URL = "https://api.x.ai/v1"


def account_from(environ: Mapping[str, str]) -> tuple[str, str]:
    """The key (``XAI_API_KEY``, refused if missing or holding whitespace) and the API
    base (``XAI_BASE_URL``, else xAI's; refused over plain http off this machine)."""
    key = environ.get("XAI_API_KEY", "")
    if not key.strip():
        raise UsageError(NO_PROVIDER_MESSAGE)
    checked_key(key)
    base_url = environ.get("XAI_BASE_URL", "").strip() or DEFAULT_BASE_URL
    api_on_loopback(base_url)
    return key, base_url


def check_environment(environ: Mapping[str, str]) -> None:
    """Refuse, before a build starts, an environment the xAI provider cannot be made from."""
    account_from(environ)


def api_on_loopback(base_url: str) -> bool:
    """Whether the API is on a loopback address; refuse plain http anywhere else."""
    parts = urlsplit(base_url)
    loopback = is_loopback(parts.hostname or "")
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return loopback
    raise UsageError(
        f"the API base URL must use https (plain http only on a loopback address): {base_url}"
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
