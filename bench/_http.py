"""A lean HTTP/1.1 keep-alive client for load generation on the benches' own machine.

The load generator shares the 2 cores with the server it measures, so every millisecond it
spends per request is taken from the server. httpx costs about 2 ms of CPU per request; this
client about a tenth of that, the way C load generators (wrk, h2load) keep out of the way.
One :class:`Connection` per simulated client: requests on it are sequential, like a browser
tab or an SDK instance. It speaks just enough HTTP/1.1 for our own servers on loopback
(``Content-Length`` or chunked bodies, keep-alive) and raises :class:`HttpError` otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Connection", "HttpError", "Response"]


class HttpError(Exception):
    """The server broke the protocol or closed the connection."""


class Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One keep-alive connection to ``base`` (``http://127.0.0.1:PORT``); reconnects when closed."""

    def __init__(self, base: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError("loopback http:// URLs only")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        try:
            return await asyncio.wait_for(self._request(method, path, body, headers or {}), self.timeout)
        except TimeoutError:
            await self.close()  # a late response must not answer the next request
            raise

    async def post_json(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> Response:
        data = json.dumps(payload, separators=(",", ":")).encode()
        return await self.request(
            "POST", path, body=data, headers={"Content-Type": "application/json", **(headers or {})}
        )

    async def _request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Response:
        reader, writer = await self._connect()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        try:
            status_line = await reader.readuntil(b"\r\n")
            parts = status_line.split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
                raise HttpError(f"bad status line {status_line[:80]!r}")
            status = int(parts[1])
            raw_headers = await reader.readuntil(b"\r\n\r\n")
            fields: dict[str, str] = {}
            for line in raw_headers.decode("latin-1").split("\r\n"):
                if line:
                    name, _, value = line.partition(":")
                    fields[name.strip().lower()] = value.strip()
            if "content-length" in fields:
                data = await reader.readexactly(int(fields["content-length"]))
            elif fields.get("transfer-encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    chunk = await reader.readexactly(size + 2)
                    if size == 0:
                        break
                    chunks.append(chunk[:-2])
                data = b"".join(chunks)
            else:
                raise HttpError("response without Content-Length or chunked encoding")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError) as exc:
            await self.close()
            raise HttpError(f"connection failed: {exc!r}") from exc
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, fields, data)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
