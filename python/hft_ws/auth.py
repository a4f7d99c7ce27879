"""Request signing for Gate.io and MEXC (pure standard library).

Rules (see ``shared/protocols/gateio.md`` §6.1, §7 and ``shared/protocols/mexc.md`` §4.1, §6.5):

* Gate private subscription: ``SIGN = hex(HMAC_SHA512(secret, "channel=<channel>&event=<event>&time=<time>"))``,
  sent as ``"auth": {"method": "api_key", "KEY": <key>, "SIGN": <sign>}`` in the subscribe/unsubscribe request;
  ``<time>`` is the request's integer ``time`` field (seconds).
* Gate WebSocket trading API: ``signature = hex(HMAC_SHA512(secret, "api\\n<channel>\\n<req_param>\\n<timestamp>"))``;
  for ``*.login`` the ``req_param`` is the empty string (docs).
* MEXC spot REST (SIGNED endpoints such as ``/api/v3/userDataStream``): ``signature`` = lower-case hex
  HMAC-SHA256(secret, totalParams), totalParams = query string concatenated with the request body (no ``&``
  between them); the signature is appended as the last query parameter; header ``X-MEXC-APIKEY``.
* MEXC futures WebSocket login: ``signature`` = lower-case hex HMAC-SHA256(secret, apiKey + reqTime) with
  ``reqTime`` in milliseconds as a string.
* MEXC futures REST: ``Signature`` = lower-case hex HMAC-SHA256(secret, apiKey + Request-Time + parameter string),
  the parameter string being the sorted ``k=v`` pairs for GET and the JSON body as sent for POST.

Secrets never appear in a ``repr``/``str`` or in an exception message raised here: :class:`Credentials` masks both
the key and the secret, and validation errors name the argument, never its value.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import quote

__all__ = [
    "Credentials",
    "gate_api_payload",
    "gate_api_sign",
    "gate_auth_block",
    "gate_login_payload",
    "gate_subscribe_payload",
    "gate_subscribe_sign",
    "gate_verify_api_sign",
    "gate_verify_subscribe_sign",
    "hmac_sha256_hex",
    "hmac_sha512_hex",
    "mexc_futures_login_request",
    "mexc_futures_login_sign",
    "mexc_futures_param_string",
    "mexc_futures_rest_headers",
    "mexc_futures_rest_sign",
    "mexc_spot_headers",
    "mexc_spot_query_string",
    "mexc_spot_sign",
    "mexc_spot_signed_query",
    "mexc_verify_futures_login",
    "mexc_verify_spot_sign",
]

_MASK: Final = "***"


class Credentials:
    """An API key and secret. ``repr``/``str`` never show either (both are masked)."""

    __slots__ = ("_api_key", "_api_secret")

    def __init__(self, api_key: str, api_secret: str) -> None:
        _require_text("api_key", api_key)
        _require_text("api_secret", api_secret)
        self._api_key = api_key
        self._api_secret = api_secret

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def api_secret(self) -> str:
        return self._api_secret

    def __repr__(self) -> str:
        return f"Credentials(api_key={_MASK}, api_secret={_MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return hmac.compare_digest(self._api_key, other._api_key) and hmac.compare_digest(
            self._api_secret, other._api_secret
        )

    def __hash__(self) -> int:
        return hash((Credentials, self._api_key))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy the secret into bytes that end up in logs/caches; refuse it.
        raise TypeError("Credentials cannot be pickled")


def _require_text(name: str, value: object) -> None:
    # The message names the argument only: the value may be a secret.
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")


def _require_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, got {type(value).__name__}")
    return value


def hmac_sha512_hex(secret: str, message: str) -> str:
    """Lower-case hex HMAC-SHA512 of ``message`` keyed with ``secret`` (both UTF-8)."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def hmac_sha256_hex(secret: str, message: str) -> str:
    """Lower-case hex HMAC-SHA256 of ``message`` keyed with ``secret`` (both UTF-8)."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _secret_of(secret: Credentials | str) -> str:
    if isinstance(secret, Credentials):
        return secret.api_secret
    _require_text("api_secret", secret)
    return secret


# --------------------------------------------------------------------------------------------- Gate


def gate_subscribe_payload(channel: str, event: str, time_s: int) -> str:
    """The text Gate signs for a private subscribe/unsubscribe: ``channel=..&event=..&time=..``."""
    _require_text("channel", channel)
    _require_text("event", event)
    return f"channel={channel}&event={event}&time={_require_int('time', time_s)}"


def gate_subscribe_sign(secret: Credentials | str, channel: str, event: str, time_s: int) -> str:
    """``SIGN`` for a Gate private subscription (HMAC-SHA512 hex, 128 chars)."""
    return hmac_sha512_hex(_secret_of(secret), gate_subscribe_payload(channel, event, time_s))


def gate_auth_block(creds: Credentials, channel: str, event: str, time_s: int) -> dict[str, str]:
    """The request's ``auth`` object: ``{"method": "api_key", "KEY": key, "SIGN": sign}``."""
    return {
        "method": "api_key",
        "KEY": creds.api_key,
        "SIGN": gate_subscribe_sign(creds, channel, event, time_s),
    }


def gate_verify_subscribe_sign(secret: str, channel: str, event: str, time_s: int, sign: str) -> bool:
    """Constant-time check of a subscription ``SIGN`` (server side, used by the simulator)."""
    expected = gate_subscribe_sign(secret, channel, event, time_s)
    return hmac.compare_digest(expected, sign.lower()) if sign.isascii() else False


def gate_api_payload(channel: str, req_param: str, timestamp_s: int | str) -> str:
    """``api\\n<channel>\\n<req_param>\\n<timestamp>`` (WS trading API; login: ``req_param == ""``)."""
    _require_text("channel", channel)
    if not isinstance(req_param, str):
        raise TypeError(f"req_param must be str, got {type(req_param).__name__}")
    ts = str(_require_int("timestamp", timestamp_s)) if not isinstance(timestamp_s, str) else timestamp_s
    return f"api\n{channel}\n{req_param}\n{ts}"


def gate_api_sign(secret: Credentials | str, channel: str, req_param: str, timestamp_s: int | str) -> str:
    """Signature of a Gate WS-API request (HMAC-SHA512 hex)."""
    return hmac_sha512_hex(_secret_of(secret), gate_api_payload(channel, req_param, timestamp_s))


def gate_verify_api_sign(secret: str, channel: str, req_param: str, timestamp_s: int | str, signature: str) -> bool:
    expected = gate_api_sign(secret, channel, req_param, timestamp_s)
    return hmac.compare_digest(expected, signature.lower()) if signature.isascii() else False


def gate_login_payload(creds: Credentials, channel: str, timestamp_s: int, req_id: str) -> dict[str, str]:
    """``payload`` of a ``spot.login`` / ``futures.login`` request (``event: "api"``)."""
    return {
        "api_key": creds.api_key,
        "signature": gate_api_sign(creds, channel, "", timestamp_s),
        "timestamp": str(_require_int("timestamp", timestamp_s)),
        "req_id": req_id,
    }


# --------------------------------------------------------------------------------------------- MEXC


def mexc_spot_query_string(params: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    """``k=v&...`` in the given order; values URL-encoded with upper-case hex (as MEXC signs them)."""
    items = params.items() if isinstance(params, Mapping) else params
    parts: list[str] = []
    for key, value in items:
        text = _param_text(key, value)
        parts.append(f"{quote(key, safe='')}={quote(text, safe='')}")
    return "&".join(parts)


def _param_text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    raise TypeError(f"parameter {key!r} must be str, int or bool, got {type(value).__name__}")


def mexc_spot_sign(secret: Credentials | str, query_string: str, body: str = "") -> str:
    """Signature of a SIGNED MEXC spot request: HMAC-SHA256 hex of ``query_string + body``."""
    return hmac_sha256_hex(_secret_of(secret), query_string + body)


def mexc_verify_spot_sign(secret: str, total_params: str, signature: str) -> bool:
    expected = hmac_sha256_hex(secret, total_params)
    return hmac.compare_digest(expected, signature.lower()) if signature.isascii() else False


def mexc_spot_signed_query(
    creds: Credentials | str,
    params: Mapping[str, object] | Iterable[tuple[str, object]] = (),
    *,
    timestamp_ms: int,
    recv_window: int | None = None,
) -> str:
    """Full signed query string: ``params[&recvWindow=..]&timestamp=..&signature=..``.

    Used for the listenKey calls (``POST``/``PUT``/``DELETE /api/v3/userDataStream``), which carry no body.
    """
    items: list[tuple[str, object]] = list(params.items() if isinstance(params, Mapping) else params)
    if recv_window is not None:
        items.append(("recvWindow", _require_int("recv_window", recv_window)))
    items.append(("timestamp", _require_int("timestamp_ms", timestamp_ms)))
    query = mexc_spot_query_string(items)
    return f"{query}&signature={mexc_spot_sign(creds, query)}"


def mexc_spot_headers(creds: Credentials) -> dict[str, str]:
    return {"X-MEXC-APIKEY": creds.api_key, "Content-Type": "application/json"}


def mexc_futures_login_sign(secret: Credentials | str, api_key: str, req_time_ms: int | str) -> str:
    """Futures WS login signature: HMAC-SHA256 hex of ``apiKey + reqTime``."""
    _require_text("api_key", api_key)
    req_time = _req_time_text(req_time_ms)
    return hmac_sha256_hex(_secret_of(secret), api_key + req_time)


def _req_time_text(req_time_ms: int | str) -> str:
    if isinstance(req_time_ms, str):
        if not req_time_ms.isdigit():
            raise ValueError("req_time must be decimal digits (milliseconds)")
        return req_time_ms
    return str(_require_int("req_time", req_time_ms))


def mexc_verify_futures_login(secret: str, api_key: str, req_time: str, signature: str) -> bool:
    expected = hmac_sha256_hex(secret, api_key + req_time)
    return hmac.compare_digest(expected, signature.lower()) if signature.isascii() else False


def mexc_futures_login_request(
    creds: Credentials, req_time_ms: int | str, *, subscribe: bool | None = None
) -> dict[str, object]:
    """The ``login`` request object; ``subscribe=False`` disables the default private pushes."""
    req_time = _req_time_text(req_time_ms)
    request: dict[str, object] = {}
    if subscribe is not None:
        request["subscribe"] = subscribe
    request["method"] = "login"
    request["param"] = {
        "apiKey": creds.api_key,
        "reqTime": req_time,
        "signature": mexc_futures_login_sign(creds, creds.api_key, req_time),
    }
    return request


def mexc_futures_param_string(params: Mapping[str, object]) -> str:
    """GET parameter string for futures REST signing: keys sorted, ``k=v`` joined by ``&``."""
    return "&".join(f"{k}={_param_text(k, params[k])}" for k in sorted(params))


def mexc_futures_rest_sign(secret: Credentials | str, api_key: str, req_time_ms: int | str, param_string: str) -> str:
    """Futures REST ``Signature``: HMAC-SHA256 hex of ``apiKey + Request-Time + param_string``."""
    _require_text("api_key", api_key)
    return hmac_sha256_hex(_secret_of(secret), api_key + _req_time_text(req_time_ms) + param_string)


def mexc_futures_rest_headers(creds: Credentials, req_time_ms: int | str, param_string: str) -> dict[str, str]:
    req_time = _req_time_text(req_time_ms)
    return {
        "ApiKey": creds.api_key,
        "Request-Time": req_time,
        "Signature": mexc_futures_rest_sign(creds, creds.api_key, req_time, param_string),
        "Content-Type": "application/json",
    }
