"""The stand-in as a child process: ``python -m storyboard.testing.xai_standin``."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, cast

import httpx

from ._api import API_PREFIX
from ._faults import Counters


class StandinProcess:
    """The stand-in as a child process, for builds and benchmarks run in a subprocess.

    ``StandinProcess(key="k", latency=2, args=["--create-429-every", "3"])``;
    the key goes to the child through its environment, not its command line.
    """

    def __init__(
        self, key: str = "test-key", latency: float = 0.2, args: list[str] | None = None
    ) -> None:
        command = [sys.executable, "-m", "storyboard.testing.xai_standin"]
        command += ["--port", "0", "--latency", f"{latency:g}", *(args or [])]
        environment = {**os.environ, "XAI_API_KEY": key}
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env=environment
        )
        assert self._process.stdout is not None
        first_line = self._process.stdout.readline().strip()
        if not first_line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the stand-in did not start (it printed {first_line!r})")
        self.base_url = first_line
        self.origin = first_line.removesuffix(API_PREFIX)

    def stats(self) -> dict[str, Any]:
        return cast(dict[str, Any], httpx.get(f"{self.origin}/_standin/stats").json())

    def counters(self) -> Counters:
        return Counters(**self.stats()["counters"])

    def set_faults(self, **changes: object) -> None:
        response = httpx.post(f"{self.origin}/_standin/faults", json=changes)
        response.raise_for_status()

    def forget_files(self) -> None:
        httpx.post(f"{self.origin}/_standin/forget-files").raise_for_status()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()

    def __enter__(self) -> StandinProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
