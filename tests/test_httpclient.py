"""The HTTP transport of storyboard's clients: httpcore's pool on streams that know their
socket, against the real stand-in and a real server that closes its connections."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from storyboard._providers.httpclient import SocketStreams, httpx, readable, transport
from storyboard._providers.xai import tls_context
from storyboard.testing.xai_standin import XaiStandin


def client(streams: SocketStreams) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    return httpx.AsyncClient(transport=transport(tls_context(), limits, streams))


def test_requests_go_through_the_socket_streams_and_reuse_their_connection(
    standin: XaiStandin, xai_key: str
) -> None:
    """Fails if httpx stops using the pool :func:`transport` gives it."""
    streams = SocketStreams()

    async def scenario() -> list[int]:
        async with client(streams) as http:
            headers = {"Authorization": f"Bearer {xai_key}"}
            url = f"{standin.base_url}/v1/videos/unknown"
            return [(await http.get(url, headers=headers)).status_code for _ in range(3)]

    assert asyncio.run(scenario()) == [404, 404, 404]
    assert streams.opened == 1


def test_a_connection_the_server_closed_is_not_used_again() -> None:
    """The pool asks an idle connection whether it is readable: a server's goodbye is."""
    streams = SocketStreams()

    async def scenario() -> list[int]:
        closed = asyncio.Event()

        async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            closed.set()

        server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        statuses = []
        async with server, client(streams) as http:
            for _ in range(2):
                closed.clear()
                statuses.append((await http.get(url)).status_code)
                await closed.wait()
        return statuses

    assert asyncio.run(scenario()) == [200, 200]
    assert streams.opened == 2


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    command += " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )
    return cert, key


def test_a_tls_connection_is_kept_and_used_again(tmp_path: Path) -> None:
    """The API is reached over TLS: the stream that start_tls gives knows its socket too,
    and an idle connection the server keeps is not taken for a closed one."""
    cert, key = self_signed(tmp_path)
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    streams = SocketStreams()

    async def scenario() -> list[int]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    await reader.readuntil(b"\r\n\r\n")
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=served)
        url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        trusted = ssl.create_default_context(cafile=str(cert))
        async with server, httpx.AsyncClient(transport=transport(trusted, limits, streams)) as http:
            return [(await http.get(url)).status_code for _ in range(3)]

    assert asyncio.run(scenario()) == [200, 200, 200]
    assert streams.opened == 1


def test_a_socket_is_readable_once_its_peer_writes_or_leaves() -> None:
    ours, theirs = socket.socketpair()
    with ours:
        assert not readable(ours)
        theirs.sendall(b"x")
        assert readable(ours)
        ours.recv(1)
        assert not readable(ours)
        theirs.close()
        assert readable(ours)
    assert readable(ours)  # closed: reading would not wait
    assert readable(None)
