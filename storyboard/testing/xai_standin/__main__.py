"""The stand-in's command line: ``python -m storyboard.testing.xai_standin``.

It prints the base URL as the first line of stdout, then serves until killed
(SIGTERM or Ctrl-C); every fault has a flag::

    python -m storyboard.testing.xai_standin --port 0 --key KEY --latency 2 --create-500-every 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading
from pathlib import Path
from types import FrameType

from ._clips import SHARED_CLIP_DIR
from ._faults import FAULT_DEFAULTS, Faults
from ._server import XaiStandin


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m storyboard.testing.xai_standin",
        description="Serve a stand-in for xAI's video API; print its base URL, then serve.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--key", default=os.environ.get("XAI_API_KEY", "test-key"), help="default: $XAI_API_KEY"
    )
    parser.add_argument("--latency", type=float, default=0.2, help="seconds each job runs")
    parser.add_argument("--full-size", action="store_true", help="clips at their true size")
    parser.add_argument(
        "--clip-dir",
        type=Path,
        default=SHARED_CLIP_DIR,
        help="where generated clips are kept between runs (default: %(default)s)",
    )
    for name, default in FAULT_DEFAULTS.items():
        option = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(option, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(option, type=type(default), default=default)
    parser.add_argument(
        "--outcome",
        action="append",
        default=[],
        metavar="SUBSTRING=OUTCOME,...",
        help="outcomes for prompts containing SUBSTRING: done, expired, blocked, failed:CODE",
    )
    parser.add_argument(
        "--showing",
        action="append",
        default=[],
        metavar="SUBSTRING=SHOWING,...",
        help="what the clips of prompts containing SUBSTRING show (consistency tests): "
        "animated, still, recoloured, small, empty, each optionally :PATH of another picture",
    )
    return parser


def _faults_from(args: argparse.Namespace) -> Faults:
    faults = Faults()
    changes: dict[str, object] = {name: getattr(args, name) for name in FAULT_DEFAULTS}
    faults.apply({**changes, "outcomes": _script(args.outcome), "showings": _script(args.showing)})
    return faults


def _script(items: list[str]) -> dict[str, list[str]]:
    """``SUBSTRING=A,B`` options as ``{SUBSTRING: [A, B]}``."""
    script: dict[str, list[str]] = {}
    for item in items:
        substring, _, entries = item.partition("=")
        script[substring] = entries.split(",") if entries else []
    return script


def _stop_on_signal(number: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve until killed (SIGTERM or Ctrl-C); the first line of stdout is the base URL."""
    parser = _argument_parser()
    args = parser.parse_args(argv)
    try:
        faults = _faults_from(args)
    except ValueError as problem:
        parser.error(str(problem))
    signal.signal(signal.SIGTERM, _stop_on_signal)
    standin = XaiStandin(
        key=args.key,
        latency=args.latency,
        faults=faults,
        host=args.host,
        port=args.port,
        full_size=args.full_size,
        clip_dir=args.clip_dir,
    )
    with standin:
        print(standin.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
