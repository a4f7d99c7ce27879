"""Review: secrets must not reach a repr (SubRequest / Subscription of a private class carry the signed
request text: Gate ``KEY`` + ``SIGN``, MEXC futures ``apiKey`` + ``signature``)."""

from __future__ import annotations

import pytest

from hft_ws.exchanges.base import SubRequest, Subscription
from hft_ws.exchanges.gateio import GateSpotPrivate
from hft_ws.exchanges.mexc import MexcFuturesPrivate

KEY = "rk-5e0d9c8b7a6f4e3d"
SECRET = "rs-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _sent(ex: object) -> None:
    ex._connected(lambda text: None)  # type: ignore[attr-defined]


def test_subrequest_and_subscription_repr_hide_the_signed_message() -> None:
    for ex in (
        GateSpotPrivate(api_key=KEY, api_secret=SECRET, channels=["orders"]),
        MexcFuturesPrivate(api_key=KEY, api_secret=SECRET, channels=["orders"]),
    ):
        reqs = ex.subscription_requests()
        assert any(KEY in r.message for r in reqs)  # the text itself is signed (sanity)
        text = repr(reqs) + str(reqs) + "".join(f"{r}" for r in reqs)
        assert KEY not in text and "SIGN" not in text and "signature" not in text
        _sent(ex)
        subs = list(ex._subs.values())
        assert subs and any(KEY in s.message for s in subs)
        text = repr(subs) + str(subs) + repr(vars(ex))
        assert KEY not in text and "SIGN" not in text and "signature" not in text
        assert KEY not in repr(ex.subscriptions())


def test_subrequest_repr_still_names_key_symbol_label() -> None:
    r = SubRequest("7", '{"auth": "x"}', "BTC_USDT", "spot.orders BTC_USDT")
    text = repr(r)
    assert "'7'" in text and "BTC_USDT" in text and "spot.orders" in text and '"auth"' not in text
    s = Subscription("7", "spot.orders", None, message='{"auth": "x"}')
    assert '"auth"' not in repr(s) and "spot.orders" in repr(s)


def test_gate_private_resend_is_signed_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """An overdue private subscription is re-sent once; Gate refuses a ``time`` more than 60 s off (and the
    class treats REQUEST_EXPIRED as fatal), so the re-send must carry the current time and a new SIGN, not
    the first request's text verbatim (ack_timeout >= ~50 s, or a rotation's forced switch, made it stale)."""
    import json

    from hft_ws import auth
    from hft_ws.exchanges import gateio

    now = [1_700_000_000]
    monkeypatch.setattr(gateio, "_now_s", lambda: now[0])
    ex = GateSpotPrivate(api_key=KEY, api_secret=SECRET, channels=["orders"])
    sent: list[str] = []
    ex._connected(sent.append)
    first = json.loads(sent[0])
    now[0] += 100
    ex._expire_acks(-1)  # overdue now: one re-send
    assert len(sent) == 2 and ex.metrics.resubscribes == 1
    again = json.loads(sent[1])
    assert again["id"] == first["id"] and again["channel"] == first["channel"]
    assert again["payload"] == first["payload"]
    assert again["time"] == now[0]
    creds = auth.Credentials(KEY, SECRET)
    assert again["auth"] == auth.gate_auth_block(creds, "spot.orders", "subscribe", now[0])
    # the re-sent text is what a later re-send (none: once only) or the repr would see; still no leak
    assert KEY not in repr(list(ex._subs.values()))


def test_mexc_futures_login_resend_is_signed_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """The login re-send (ack overdue after ``ack_timeout``, 10 s by default) must carry a current
    ``reqTime``: MEXC's signature window is 10 s by default (notes 14) and a refused login is fatal here."""
    import json

    from hft_ws import auth
    from hft_ws.exchanges import mexc

    now = [1_700_000_000_000]
    monkeypatch.setattr(mexc, "_now_ms", lambda: now[0])
    ex = MexcFuturesPrivate(api_key=KEY, api_secret=SECRET, channels=["orders"])
    sent: list[str] = []
    ex._connected(sent.append)
    n = len(sent)
    now[0] += 15_000
    ex._expire_acks(-1)
    resent = [json.loads(t) for t in sent[n:]]
    login = next(m for m in resent if m["method"] == "login")
    assert login["param"]["reqTime"] == str(now[0])
    expected = auth.mexc_futures_login_request(auth.Credentials(KEY, SECRET), now[0], subscribe=True)
    assert login["param"] == expected["param"]
    # the filter request carries no time: re-sent as it was
    assert any(m["method"] == "personal.filter" for m in resent)


def test_mexc_spot_private_vars_hide_the_listen_key() -> None:
    """``vars(exchange)`` is meant to stay printable (see `_CtorArgs`): the listenKey (a bearer secret for
    the account's user-data stream) was a plain attribute, also kept in ``_recent_keys``."""
    import asyncio
    from typing import Any

    from hft_ws.exchanges.mexc import MexcSpotPrivate

    lk = "LK9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    ex = MexcSpotPrivate(api_key=KEY, api_secret=SECRET, ws_url="ws://127.0.0.1:9/ws")

    async def signed(method: str, params: Any = ()) -> tuple[int, dict[str, Any]]:
        return 200, {"listenKey": lk}

    ex._signed = signed  # type: ignore[method-assign]
    asyncio.run(ex._prepare())
    assert ex._connect_url() == f"ws://127.0.0.1:9/ws?listenKey={lk}"
    text = repr(vars(ex)) + str(vars(ex)) + repr(ex)
    assert lk not in text and KEY not in text and SECRET not in text
    # the redaction of state reasons still works
    got: list[str | None] = []
    ex._dispatch["state"] = lambda ch: got.append(ch.reason)
    ex._state("connect_failed", f"HandshakeError: redirected to /ws?listenKey={lk}")
    assert got and lk not in (got[0] or "")
