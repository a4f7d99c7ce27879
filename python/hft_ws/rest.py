"""`RestClient`: the REST calls the streams need (order-book snapshots, listenKeys), rate limited.

One client per exchange object: an aiohttp session (created lazily, closed by `close`), a token bucket so
that resyncs of many symbols never burst past the exchange's limit, and retries with capped exponential
backoff + full jitter on HTTP 429 / 418 (honouring ``Retry-After`` in seconds, capped at ``6 * backoff_cap``),
5xx and transport errors (connection refused or reset, timeouts). Counters go to the owner's
`ConnectionMetrics` (``rest_requests`` attempts, ``rest_429`` 429/418 answers, ``rest_retries``,
``rest_failures`` calls given up). URLs, query strings and headers are never put into exceptions (they may
carry a listenKey or a signature), nor chained to them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import aiohttp

from hft_ws.errors import HftWsError

if TYPE_CHECKING:
    from hft_ws.exchanges.base import ConnectionMetrics

__all__ = ["RestClient", "RestError", "RateLimited", "TokenBucket"]


class RestError(HftWsError):
    """A REST call failed for good (after retries); ``status`` is the last HTTP status (or ``None``)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(RestError):
    """The exchange kept answering 429 / 418 until the retries ran out."""


class TokenBucket:
    """``rate`` requests per second on average, bursts of at most ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def delay(self) -> float:
        """Takes one token; returns how long the caller must wait before using it (0 if available)."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> None:
        wait = self.delay()
        if wait > 0:
            await asyncio.sleep(wait)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class RestClient:
    """Rate-limited REST calls against one origin (``base_url``)."""

    def __init__(
        self,
        base_url: str,
        *,
        rate: float = 10.0,
        burst: int = 10,
        timeout: float = 10.0,
        max_retries: int = 5,
        backoff_base: float = 0.1,
        backoff_cap: float = 5.0,
        metrics: ConnectionMetrics | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.bucket = TokenBucket(rate, burst)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.metrics = metrics
        self._session: aiohttp.ClientSession | None = None

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0.0, min(self.backoff_cap, self.backoff_base * (2 ** min(attempt, 30))))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: str | bytes | None = None,
    ) -> tuple[int, bytes]:
        """Sends one request (retrying 429/418/5xx/transport errors); returns ``(status, body)`` of the
        first other answer. Raises `RateLimited` / `RestError` when the retries run out."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        url = self.base_url + path
        what = f"{method} {path.split('?', 1)[0]}"  # never the query: it may hold a key or signature
        status: int | None = None
        failure = ""
        for attempt in range(self.max_retries + 1):
            await self.bucket.acquire()
            if self.metrics is not None:
                self.metrics.rest_requests += 1
            wait: float | None = None
            try:
                async with self._session.request(method, url, params=params, headers=headers, data=data) as resp:
                    status = resp.status
                    body = await resp.read()
                    if status in (429, 418):
                        if self.metrics is not None:
                            self.metrics.rest_429 += 1
                        wait = _retry_after(resp.headers)
                    elif status < 500:
                        return status, body
            except (aiohttp.ClientError, TimeoutError) as e:
                # only the type: aiohttp's messages carry the URL, query string included
                status, failure = None, type(e).__name__
            if attempt == self.max_retries:
                break
            if self.metrics is not None:
                self.metrics.rest_retries += 1
            await asyncio.sleep(self._backoff(attempt + 1) if wait is None else min(wait, self.backoff_cap * 6))
        # raised outside the except block: no __context__ pointing at an exception that shows the URL
        if self.metrics is not None:
            self.metrics.rest_failures += 1
        attempts = self.max_retries + 1
        if status in (429, 418):
            raise RateLimited(f"{what}: HTTP {status} (rate limited) after {attempts} attempts", status)
        if status is None:
            raise RestError(f"{what}: {failure} after {attempts} attempts")
        raise RestError(f"{what}: HTTP {status} after {attempts} attempts", status)

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        return await self.request("GET", path, params=params)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
