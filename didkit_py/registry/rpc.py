"""A small async JSON-RPC client (httpx) with batching, for reads where round trips matter.

The did:ethr resolver uses it instead of web3.py: one HTTP round trip can carry several calls
(JSON-RPC batch), and errors map onto our hierarchy: transport failures and timeouts are
:class:`NetworkError`, JSON-RPC error objects are :class:`ChainError` (with the node's code).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import httpx

from ..errors import ChainError, NetworkError

__all__ = ["AsyncJsonRpc", "RpcCall", "SyncJsonRpc"]

RpcCall = tuple[str, list[Any]]
#: Largest node answer we read (a wide eth_getLogs stays far below).
MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class AsyncJsonRpc:
    """JSON-RPC 2.0 over HTTP POST. Pass a shared ``httpx.AsyncClient`` to reuse connections."""

    def __init__(self, url: str, *, http: httpx.AsyncClient | None = None, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ChainError("the chain URL must be http(s)", code="chain.url")
        self.url = url
        self._http = http
        self._timeout = timeout
        self._ids = itertools.count(1)
        self._batch_ok = True

    async def _post(self, body: Any) -> Any:
        payload = json.dumps(body, separators=(",", ":")).encode()
        try:
            if self._http is None:
                async with httpx.AsyncClient(timeout=self._timeout) as http:
                    resp = await http.post(
                        self.url, content=payload, headers={"Content-Type": "application/json"}
                    )
            else:
                resp = await self._http.post(
                    self.url,
                    content=payload,
                    headers={"Content-Type": "application/json"},
                    timeout=self._timeout,
                )
        except httpx.TimeoutException as exc:
            raise NetworkError(f"chain node at {self.url} timed out", code="chain.timeout") from exc
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"chain node at {self.url} is unreachable ({type(exc).__name__})", code="chain.unreachable"
            ) from exc
        if len(resp.content) > MAX_RESPONSE_BYTES:
            raise NetworkError("chain node answer too large", code="chain.bad_response")
        if resp.status_code != 200:
            raise NetworkError(f"chain node answered HTTP {resp.status_code}", code="chain.bad_response")
        try:
            return json.loads(resp.content)
        except ValueError as exc:
            raise NetworkError("chain node answered with invalid JSON", code="chain.bad_response") from exc

    @staticmethod
    def _result(answer: Any, method: str) -> Any:
        if not isinstance(answer, dict):
            raise NetworkError("chain node answered outside JSON-RPC", code="chain.bad_response")
        if "error" in answer and answer["error"] is not None:
            err = answer["error"]
            msg = err.get("message", "error") if isinstance(err, dict) else str(err)
            code = err.get("code") if isinstance(err, dict) else None
            exc = ChainError(f"{method} failed: {str(msg)[:300]}", code="chain.rpc_error")
            exc.rpc_code = code  # type: ignore[attr-defined]
            raise exc
        if "result" not in answer:
            raise NetworkError("chain node answered without a result", code="chain.bad_response")
        return answer["result"]

    async def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One call; returns its ``result``."""
        answer = await self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        )
        return self._result(answer, method)

    async def batch(self, calls: Sequence[RpcCall]) -> list[Any]:
        """Several calls in one round trip (falls back to one by one if the node refuses batches)."""
        if len(calls) == 1 or not self._batch_ok:
            return [await self.call(m, p) for m, p in calls]
        ids = [next(self._ids) for _ in calls]
        body = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
            for i, (m, p) in zip(ids, calls, strict=True)
        ]
        answer = await self._post(body)
        if not isinstance(answer, list):
            # Some nodes (and proxies) do not batch: remember and go one by one.
            self._batch_ok = False
            return [await self.call(m, p) for m, p in calls]
        by_id = {a.get("id"): a for a in answer if isinstance(a, dict)}
        out = []
        for i, (method, _) in zip(ids, calls, strict=True):
            if i not in by_id:
                raise NetworkError("chain node dropped a batched call", code="chain.bad_response")
            out.append(self._result(by_id[i], method))
        return out


class SyncJsonRpc:
    """The blocking twin of :class:`AsyncJsonRpc` (for the registry client's writes)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ChainError("the chain URL must be http(s)", code="chain.url")
        self.url = url
        self._http = httpx.Client(timeout=timeout)
        self._ids = itertools.count(1)
        self._batch_ok = True

    def close(self) -> None:
        self._http.close()

    def _post(self, body: Any) -> Any:
        payload = json.dumps(body, separators=(",", ":")).encode()
        try:
            resp = self._http.post(self.url, content=payload, headers={"Content-Type": "application/json"})
        except httpx.TimeoutException as exc:
            raise NetworkError(f"chain node at {self.url} timed out", code="chain.timeout") from exc
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"chain node at {self.url} is unreachable ({type(exc).__name__})", code="chain.unreachable"
            ) from exc
        if len(resp.content) > MAX_RESPONSE_BYTES or resp.status_code != 200:
            raise NetworkError(f"chain node answered HTTP {resp.status_code}", code="chain.bad_response")
        try:
            return json.loads(resp.content)
        except ValueError as exc:
            raise NetworkError("chain node answered with invalid JSON", code="chain.bad_response") from exc

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        answer = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        )
        return AsyncJsonRpc._result(answer, method)

    def batch(self, calls: Sequence[RpcCall]) -> list[Any]:
        """Several calls in one round trip; the first failing call raises (in call order)."""
        if len(calls) == 1 or not self._batch_ok:
            return [self.call(m, p) for m, p in calls]
        ids = [next(self._ids) for _ in calls]
        body = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
            for i, (m, p) in zip(ids, calls, strict=True)
        ]
        answer = self._post(body)
        if not isinstance(answer, list):
            self._batch_ok = False
            return [self.call(m, p) for m, p in calls]
        by_id = {a.get("id"): a for a in answer if isinstance(a, dict)}
        out = []
        for i, (method, _) in zip(ids, calls, strict=True):
            if i not in by_id:
                raise NetworkError("chain node dropped a batched call", code="chain.bad_response")
            out.append(AsyncJsonRpc._result(by_id[i], method))
        return out
