"""The stand-in on a socket: the HTTP handler and server, and :class:`XaiStandin`."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

from ._api import API_PREFIX, FakeApi, Reply
from ._clips import ClipMaker
from ._faults import Counters, Faults, LoggedRequest

TRICKLE_PIECE = 4096
MAX_REQUEST_BYTES = 50 * 1024 * 1024 + 64 * 1024
"""The largest body read: a 50 MB file plus its multipart framing."""


class _Handler(BaseHTTPRequestHandler):
    """HTTP plumbing: read the request, ask the fake API, write its reply."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    """Headers and body go out as they are written, as a real server sends them: with
    Nagle's algorithm the body waits for the client's delayed ACK (40 ms a request)."""
    timeout = 60

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request log is kept by the fake API."""

    def _serve(self, method: str) -> None:
        api = cast(_Server, self.server).api
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length <= MAX_REQUEST_BYTES else None
        if body is None:
            self.close_connection = True
        self._send(api.handle(method, urlsplit(self.path).path, self.headers, body))

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body) + reply.padding))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            with cast(_Server, self.server).api.sending(reply):
                self._write_body(reply)
        except OSError:  # the client hung up, as a careful one does on a bad download
            self.close_connection = True

    def _write_body(self, reply: Reply) -> None:
        body = reply.body if reply.cut_at is None else reply.body[: reply.cut_at]
        if reply.trickle:
            for start in range(0, len(body), TRICKLE_PIECE):
                self.wfile.write(body[start : start + TRICKLE_PIECE])
                self.wfile.flush()
                time.sleep(reply.trickle)
        else:
            self.wfile.write(body)
        if reply.cut_at is not None:
            self.close_connection = True
            return
        zeros = bytes(TRICKLE_PIECE * 16)
        for start in range(0, reply.padding, len(zeros)):
            self.wfile.write(zeros[: reply.padding - start])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    """Hundreds of jobs in flight connect at once; the default backlog of 5 drops them."""

    def __init__(self, address: tuple[str, int], api: FakeApi) -> None:
        super().__init__(address, _Handler)
        self.api = api

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer is expected here; stay quiet."""


class XaiStandin:
    """The stand-in, running in a daemon thread of this process."""

    def __init__(
        self,
        key: str = "test-key",
        latency: float = 0.2,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        full_size: bool = False,
        clip_dir: Path | None = None,
        video_host: str | None = None,
    ) -> None:
        """``latency`` is how long each job runs; ``clip_dir`` keeps clips across stand-ins.

        ``video_host`` names the host in video URLs (default: ``host``), so a
        test can serve videos from an origin other than the API's.
        """
        self._own_clip_dir = clip_dir is None
        folder = clip_dir or Path(tempfile.mkdtemp(prefix="xai-standin-clips-"))
        folder.mkdir(parents=True, exist_ok=True)
        self._api = FakeApi(key, latency, faults or Faults(), ClipMaker(folder, full_size))
        self._server = _Server((host, port), self._api)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="xai-standin", daemon=True
        )
        self.origin = f"http://{host}:{self._server.server_address[1]}"
        self._api.video_origin = f"http://{video_host or host}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """The API root to give the client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return self.origin + API_PREFIX

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def faults(self) -> Faults:
        """The live faults: change their fields, or assign a new :class:`Faults`."""
        return self._api.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._api.faults = faults

    @property
    def counters(self) -> Counters:
        """A snapshot of the counters."""
        return dataclasses.replace(self._api.counters)

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the request log."""
        return list(self._api.log)

    def stats(self) -> dict[str, object]:
        """What ``GET /_standin/stats`` answers: counters, faults, request log."""
        return self._api.stats()

    def reset(self) -> None:
        self._api.reset()

    def image_bytes(self, entry: Mapping[str, object]) -> bytes:
        """The bytes of an image entry in a logged create (an uploaded file or a data URI)."""
        return self._api.image_bytes(entry)

    def forget_files(self) -> None:
        """Forget every uploaded file id, as the API does when files expire."""
        self._api.handle("POST", "/_standin/forget-files", Message(), b"")

    def start(self) -> XaiStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._own_clip_dir:
            shutil.rmtree(self._api.clips.folder, ignore_errors=True)

    def __enter__(self) -> XaiStandin:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
