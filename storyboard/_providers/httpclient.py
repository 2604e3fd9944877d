"""httpx, the HTTP client, loaded without its own command line, and the transport of
storyboard's clients.

When rich and click are installed (storyboard's progress display needs rich), ``import
httpx`` also imports the ``httpx`` command's module, which loads rich's syntax
highlighting and pygments: 0.05 to 0.1 s of CPU before a build's first request, for a
command storyboard never runs. A ``None`` entry in ``sys.modules`` makes that one import
fail, and httpx then defines a stand-in ``httpx.main`` (it is meant to be optional).

Before each request, httpcore's pool asks every idle connection whether the server has
closed it. httpcore's anyio streams answer through anyio's socket attributes, which are
built anew for each question (a ``getpeername`` system call and a dictionary of
callables): a tenth of a build's CPU time at ``--concurrency 50``. :func:`transport`
gives httpx a pool whose streams find their socket once and ask it directly.
"""

from __future__ import annotations

import select
import socket
import ssl
import sys
from collections.abc import Iterable
from typing import Any

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpcore  # noqa: E402
import httpx  # noqa: E402

__all__ = ["httpx", "transport"]


def transport(
    verify: ssl.SSLContext, limits: httpx.Limits, streams: SocketStreams | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's transport, its pool built on ``streams`` (proxies from the environment keep
    httpx's own transports: an ``AsyncClient`` mounts them apart)."""
    made = httpx.AsyncHTTPTransport(verify=verify, limits=limits)
    # httpx takes no network backend, so its pool is replaced by one made the same way
    # (httpx.AsyncHTTPTransport's own arguments); tests/test_httpclient.py checks that the
    # transport sends through SocketStreams.
    made._pool = httpcore.AsyncConnectionPool(
        ssl_context=verify,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=streams or SocketStreams(),
    )
    return made


class SocketStreams(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, whose streams know their socket."""

    def __init__(self) -> None:
        self._anyio = httpcore.AnyIOBackend()
        self.opened = 0
        """Streams opened so far (tests count them)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._anyio.connect_tcp(host, port, timeout, local_address, socket_options)
        self.opened += 1
        return _SocketStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._anyio.connect_unix_socket(path, timeout, socket_options)
        self.opened += 1
        return _SocketStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._anyio.sleep(seconds)


class _SocketStream(httpcore.AsyncNetworkStream):
    """An httpcore stream that answers ``is_readable`` from its socket, found once."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _SocketStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return readable(self._socket)
        return self._stream.get_extra_info(info)


def readable(sock: socket.socket | None) -> bool:
    """Whether reading ``sock`` would not wait (a closed or unknown socket would not)."""
    if sock is None or sock.fileno() < 0:
        return True
    if not hasattr(select, "poll"):  # Windows: select() takes any socket there
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
