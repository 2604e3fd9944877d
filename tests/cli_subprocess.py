"""The real `storyboard` command in a subprocess, as a writer meets it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def storyboard(*args: str, cwd: Path = REPO, timeout: float = 300, keep_key: bool = False) -> Ran:
    """`python -m storyboard ARGS`, with colour off and no key (``keep_key``: the key and
    provider a test's fixture put in the environment); never raises on failure."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    if not keep_key:
        for name in ("XAI_API_KEY", "STORYBOARD_PROVIDER"):
            env.pop(name, None)
    completed = subprocess.run(
        [sys.executable, "-m", "storyboard", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    ran = Ran(completed.returncode, ANSI.sub("", completed.stdout), ANSI.sub("", completed.stderr))
    assert "Traceback" not in ran.output, ran.output
    assert "unexpected" not in ran.output.lower(), ran.output
    return ran
