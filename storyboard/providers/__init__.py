"""Video providers: ``xai`` (xAI's video API) and ``preview`` (local animatics).

Which one runs: ``--provider``, else ``STORYBOARD_PROVIDER``, else ``xai``
when ``XAI_API_KEY`` is set. Commands that only read the cache (plan,
status, export, board) fall back to the provider of the newest take.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from .base import Provider, ProviderSettings

if TYPE_CHECKING:
    from .xai import UploadMemo

PROVIDERS = ("xai", "preview")

NO_PROVIDER_MESSAGE = (
    "no provider chosen and XAI_API_KEY is not set.\n"
    "  To generate with xAI:   export XAI_API_KEY=...   (from console.x.ai)\n"
    "  To preview offline:     storyboard build --provider preview"
)


def chosen_provider(flag: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The provider the writer asked for, or None when nothing says."""
    name = flag or environ.get("STORYBOARD_PROVIDER") or None
    if name is None:
        return "xai" if environ.get("XAI_API_KEY") else None
    if name not in PROVIDERS:
        raise UsageError(f'unknown provider "{name}": use one of {", ".join(PROVIDERS)}')
    return name


def make_provider(
    name: str,
    cache_dir: Path,
    settings: ProviderSettings,
    uploads: UploadMemo | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Provider:
    """Build a provider; the xAI one needs XAI_API_KEY."""
    if name == "preview":
        from .preview import PreviewProvider

        preview: Provider = PreviewProvider(cache_dir / "previews", settings)
        return preview
    key = environ.get("XAI_API_KEY", "").strip()
    if not key:
        raise UsageError(NO_PROVIDER_MESSAGE)
    from .xai import DEFAULT_BASE_URL, XaiProvider

    base_url = environ.get("XAI_BASE_URL", "").strip() or DEFAULT_BASE_URL
    provider: Provider = XaiProvider(key, base_url, settings, uploads)
    return provider


__all__ = ["PROVIDERS", "Provider", "ProviderSettings", "chosen_provider", "make_provider"]
