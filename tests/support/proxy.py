"""A forward proxy on loopback that records what goes through it, and a port nothing
listens on."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit


class ForwardProxy:
    """A plain-HTTP forward proxy on loopback. Each absolute-form request goes to its origin on
    a connection of its own (`Connection: close` both ways, so every request is seen here), and
    is recorded as "METHOD /path" with the Proxy-Authorization and Authorization it carried.
    `origin` ("host", port): where every request goes instead (a test's host names are not
    resolved)."""

    def __init__(self, port: int = 0, origin: tuple[str, int] | None = None) -> None:
        self.port = port
        self.origin = origin
        self.forwarded: list[str] = []
        self.authorizations: list[str] = []
        self.api_authorizations: list[str] = []
        self._server: asyncio.Server | None = None

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}"

    async def start(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> ForwardProxy:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            head = await client.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            to_client.close()
            return
        request_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
        method, target, version = request_line.split(" ")
        url = urlsplit(target)
        self.forwarded.append(f"{method} {url.path}")
        for header, found in (
            ("proxy-authorization:", self.authorizations),
            ("authorization:", self.api_authorizations),
        ):
            found += [
                line.split(":", 1)[1].strip() for line in lines if line.lower().startswith(header)
            ]
        kept = [line for line in lines if not line.lower().startswith(("proxy-", "connection:"))]
        host, port = self.origin or (url.hostname, url.port)
        origin, to_origin = await asyncio.open_connection(host, port)
        path = url.path + (f"?{url.query}" if url.query else "")
        to_origin.write(
            "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""]).encode(
                "latin-1"
            )
        )
        pipes = [
            asyncio.ensure_future(_pipe(client, to_origin)),
            asyncio.ensure_future(_pipe(origin, to_client)),
        ]
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in pipes:
            pipe.cancel()
        to_client.close()
        to_origin.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


def closed_port() -> int:
    """A loopback port nothing listens on (until a test starts the proxy there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
