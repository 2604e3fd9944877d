"""Every provider, declared once: what it costs, what its keys hold, how it is made.

The rest of the package asks a provider's :class:`ProviderSpec` instead of
testing its name: whether it costs money, what it adds to its keys, how it
estimates a price, whether it remembers uploads in the cache, which
environment it reads. Adding a provider is its module (with a
``from_context`` function) and one line in :data:`REGISTRY`, plus its docs
and tests. A provider's module is imported only when the provider is made.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import UsageError
from .._imageask import ImageAsk, ImageKeyExtras, image_label, no_image_extras
from .._limits import estimate_cost, image_cost
from .._request import Inputs, KeyExtras, SceneRequest, names_and_label, no_extras

if TYPE_CHECKING:
    from .base import Provider, ProviderSettings
    from .xai import UploadMemo


def no_provider_message(command: str = "storyboard build") -> str:
    """What to do when nothing chose a provider; ``command`` is the one the writer typed."""
    return (
        "no provider chosen and XAI_API_KEY is not set.\n"
        "  To generate with xAI:   export XAI_API_KEY=...   (from console.x.ai)\n"
        f"  To preview offline:     {command} --provider preview"
    )


NO_PROVIDER_MESSAGE = no_provider_message()


@dataclass(frozen=True)
class ProviderContext:
    """What a provider is made from."""

    cache_dir: Path
    """The project's ``.storyboard/``: a provider may keep working files below it."""
    settings: ProviderSettings
    uploads: UploadMemo | None
    """Where uploaded images are remembered (the cache), for providers that upload."""
    environ: Mapping[str, str]
    key_salt: bytes = b""
    """This cache's salt for fingerprints of API keys (a job belongs to its key)."""


def model_price(request: SceneRequest) -> float:
    """The price of a request from the model table (:mod:`storyboard._limits`)."""
    return estimate_cost(
        request.model, request.resolution, request.output_seconds, request.source_seconds
    )


def free(request: SceneRequest) -> float:
    return 0.0


@dataclass(frozen=True)
class ProviderSpec:
    """One provider's declaration."""

    name: str
    summary: str
    """One line for ``--help`` and docs/providers.md."""
    costs_money: bool
    """Its jobs are paid: budgets and estimates count them, ambiguous jobs are not resent."""
    estimate_usd: Callable[[SceneRequest], float]
    key_extras: KeyExtras
    """What its clips depend on beyond what is sent (a preview draws the names)."""
    remembers_uploads: bool
    """It uploads images and keeps their file ids in the cache, to upload each once."""
    environment: tuple[str, ...]
    """The environment variables it reads."""
    chosen_by: str | None
    """When no provider is named, this variable being set chooses it."""
    factory: str
    """``module:function`` that makes it from a :class:`ProviderContext`."""
    renders_here: bool
    """Its jobs run on this machine's processors: a build leaves them the cores (one
    scoring worker, storyboard/_scoreworker.py)."""
    image_key_extras: ImageKeyExtras = no_image_extras
    """What its generated images depend on beyond what is sent (a preview draws names)."""
    environment_check: str | None = None
    """``module:function`` that refuses an environment it cannot be made from, without
    making it (a build checks this first and makes the provider only when it sends)."""

    def key(self, request: SceneRequest) -> str:
        """The cache key of ``request`` made by this provider."""
        return request.key(self.name, self.key_extras(request))

    def record(self, request: SceneRequest) -> Inputs:
        """What the cache remembers of ``request`` beside its key."""
        return request.record(self.name, self.key_extras(request))

    def estimate(self, request: SceneRequest) -> float:
        """What ``request`` would cost if it succeeds once, in USD."""
        return self.estimate_usd(request) if self.costs_money else 0.0

    def image_key(self, ask: ImageAsk) -> str:
        """The cache key of a generated image made by this provider."""
        return ask.key(self.name, self.image_key_extras(ask))

    def image_record(self, ask: ImageAsk) -> Inputs:
        """What the cache remembers of a generated image beside its key."""
        return ask.record(self.name, self.image_key_extras(ask))

    def estimate_image(self, ask: ImageAsk) -> float:
        """What a generated image would cost if it succeeds once, in USD."""
        return image_cost(ask.model, ask.input_images) if self.costs_money else 0.0

    def check_environment(self, environ: Mapping[str, str]) -> None:
        """Raise a UsageError when the environment lacks what this provider needs."""
        if self.environment_check is not None:
            check: Callable[[Mapping[str, str]], None] = _named(self.environment_check)
            check(environ)

    def create(self, context: ProviderContext) -> Provider:
        make: Callable[[ProviderContext], Provider] = _named(self.factory)
        return make(context)


def _named(where: str) -> Any:
    """The function named ``module:function``, its module imported now."""
    module, function = where.split(":")
    return getattr(importlib.import_module(module), function)


REGISTRY: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            name="xai",
            summary="xAI's video API (`grok-imagine-video`); needs `XAI_API_KEY`, costs money",
            costs_money=True,
            estimate_usd=model_price,
            key_extras=no_extras,
            remembers_uploads=True,
            environment=("XAI_API_KEY", "XAI_BASE_URL"),
            chosen_by="XAI_API_KEY",
            factory="storyboard._providers.xai:from_context",
            renders_here=False,
            environment_check="storyboard._providers.xai_account:check_environment",
        ),
        ProviderSpec(
            name="preview",
            summary="animatics drawn on this machine: local, offline and free",
            costs_money=False,
            estimate_usd=free,
            key_extras=names_and_label,
            remembers_uploads=False,
            environment=(),
            chosen_by=None,
            factory="storyboard._providers.preview:from_context",
            renders_here=True,
            image_key_extras=image_label,
        ),
    )
}
"""Every provider by name, in the order the docs and ``--help`` list them."""

DEFAULT_PROVIDER = next(spec.name for spec in REGISTRY.values() if spec.chosen_by)
"""Whose takes reading commands show when nothing says otherwise."""


def provider_spec(name: str) -> ProviderSpec:
    """The declaration of provider ``name``; a UsageError naming the known ones."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise UsageError(f'unknown provider "{name}": use one of {", ".join(REGISTRY)}')
    return spec
