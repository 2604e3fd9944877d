"""Video providers, one interface (:mod:`.base`), each declared in :mod:`.registry`.

Which one runs: ``--provider``, else ``STORYBOARD_PROVIDER``, else the one a
set variable chooses (``xai`` when ``XAI_API_KEY`` is set). Commands that only
read the cache (plan, status, export, board) fall back to the provider of the
newest take.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .registry import (
    DEFAULT_PROVIDER,
    NO_PROVIDER_MESSAGE,
    REGISTRY,
    ProviderContext,
    ProviderSpec,
    no_provider_message,
    provider_spec,
)

if TYPE_CHECKING:
    from .base import Provider, ProviderSettings
    from .xai import UploadMemo

PROVIDERS = tuple(REGISTRY)


def chosen_provider(flag: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The provider the writer asked for, or None when nothing says."""
    name = flag or environ.get("STORYBOARD_PROVIDER") or None
    if name is None:
        return next(
            (
                spec.name
                for spec in REGISTRY.values()
                if spec.chosen_by and environ.get(spec.chosen_by)
            ),
            None,
        )
    return provider_spec(name).name


def make_provider(
    name: str,
    cache_dir: Path,
    settings: ProviderSettings,
    uploads: UploadMemo | None = None,
    environ: Mapping[str, str] = os.environ,
    key_salt: bytes = b"",
) -> Provider:
    """Make provider ``name``; a UsageError when the environment it needs is missing."""
    spec = provider_spec(name)
    return spec.create(_context(spec, cache_dir, settings, uploads, environ, key_salt))


def provider_on_demand(
    name: str,
    cache_dir: Path,
    settings: ProviderSettings,
    uploads: UploadMemo | None = None,
    environ: Mapping[str, str] = os.environ,
    key_salt: bytes = b"",
) -> Provider:
    """Provider ``name``, its environment checked now, made when first used: a build with
    nothing to send never makes it."""
    from .ondemand import ProviderOnDemand

    spec = provider_spec(name)
    return ProviderOnDemand(spec, _context(spec, cache_dir, settings, uploads, environ, key_salt))


def _context(
    spec: ProviderSpec,
    cache_dir: Path,
    settings: ProviderSettings,
    uploads: UploadMemo | None,
    environ: Mapping[str, str],
    key_salt: bytes,
) -> ProviderContext:
    memo = uploads if spec.remembers_uploads else None
    return ProviderContext(cache_dir, settings, memo, environ, key_salt)


__all__ = [
    "DEFAULT_PROVIDER",
    "NO_PROVIDER_MESSAGE",
    "PROVIDERS",
    "REGISTRY",
    "ProviderSpec",
    "chosen_provider",
    "make_provider",
    "no_provider_message",
    "provider_on_demand",
    "provider_spec",
]
