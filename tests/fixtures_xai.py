"""Fixtures for tests that talk to the xAI stand-in (load with ``pytest_plugins``).

- ``xai_key``: a fresh, recognisable API key per test, to search for leaks.
- ``standin``: a running :class:`XaiStandin` (jobs take 0.1 s, small clips
  cached for the whole session), accepting ``xai_key``.
- ``fast_settings`` / ``fast_retry``: poll and retry tuning that keeps tests quick.
- ``poll_until_finished``: GETs a stand-in job until it is no longer pending.
- ``make_xai_provider``: builds an :class:`XaiProvider` aimed at ``standin``;
  call it inside the coroutine that uses it (its client belongs to that loop).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storyboard._providers.base import ProviderSettings
from storyboard._providers.xai import RetryPolicy, XaiProvider
from storyboard.testing.xai_standin import XaiStandin

STANDIN_LATENCY = 0.1
FINISH_DEADLINE = 120.0
"""Seconds a stand-in job may stay pending before a test gives up (a busy machine is slow)."""


def poll_until_finished(api: httpx.Client, path: str) -> list[httpx.Response]:
    """Every answer to ``GET path`` until the job there stops answering 202 (pending)."""
    answers: list[httpx.Response] = []
    deadline = time.monotonic() + FINISH_DEADLINE
    while time.monotonic() < deadline:
        answers.append(api.get(path))
        if answers[-1].status_code != 202:
            return answers
        time.sleep(0.02)  # paces the polls; the loop waits on the job's own state
    raise AssertionError(f"the job at {path} never finished")


@pytest.fixture
def xai_key() -> str:
    return f"xai-test-{secrets.token_hex(12)}"


@pytest.fixture(scope="session")
def standin_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("standin-clips")


@pytest.fixture
def standin(xai_key: str, standin_clip_dir: Path) -> Iterator[XaiStandin]:
    with XaiStandin(key=xai_key, latency=STANDIN_LATENCY, clip_dir=standin_clip_dir) as api:
        yield api


@pytest.fixture
def xai_env(monkeypatch: pytest.MonkeyPatch, standin: XaiStandin, xai_key: str) -> XaiStandin:
    """The stand-in, with the environment a writer's `storyboard` reads pointed at it."""
    monkeypatch.setenv("XAI_API_KEY", xai_key)
    monkeypatch.setenv("XAI_BASE_URL", standin.base_url)
    return standin


@pytest.fixture
def fast_settings() -> ProviderSettings:
    return ProviderSettings(poll_interval=0.05, poll_max=0.1, job_timeout=20.0)


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return RetryPolicy(base=0.01, cap=0.05, max_attempts=12, download_attempts=4)


@pytest.fixture
def make_xai_provider(
    standin: XaiStandin, xai_key: str, fast_settings: ProviderSettings, fast_retry: RetryPolicy
) -> Callable[..., XaiProvider]:
    def make(**overrides: Any) -> XaiProvider:
        arguments: dict[str, Any] = {
            "api_key": xai_key,
            "base_url": standin.base_url,
            "settings": fast_settings,
            "retry": fast_retry,
            **overrides,
        }
        return XaiProvider(**arguments)

    return make
