"""hft_ws.auth against every vector in shared/vectors/{gateio,mexc}/auth_vectors.jsonl, plus secret hygiene."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hft_ws import auth
from hft_ws.auth import Credentials

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors"


def _load(name: str) -> list[dict[str, Any]]:
    path = VECTORS / name / "auth_vectors.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert rows, path
    return rows


GATE = _load("gateio")
MEXC = _load("mexc")


def test_vector_files_cover_every_kind() -> None:
    assert {v["kind"] for v in GATE} == {"subscribe_auth", "api_auth"}
    assert {v["kind"] for v in MEXC} == {"spot_rest", "futures_ws_login", "futures_rest"}


@pytest.mark.parametrize("vec", GATE, ids=[v["name"] for v in GATE])
def test_gate_vector(vec: dict[str, Any]) -> None:
    secret = vec["secret"]
    if vec["kind"] == "subscribe_auth":
        assert auth.gate_subscribe_payload(vec["channel"], vec["event"], vec["time"]) == vec["sign_payload"]
        sign = auth.gate_subscribe_sign(secret, vec["channel"], vec["event"], vec["time"])
        assert sign == vec["sign"]
        assert len(sign) == 128
        creds = Credentials(vec["api_key"], secret)
        block = auth.gate_auth_block(creds, vec["channel"], vec["event"], vec["time"])
        assert block == {"method": "api_key", "KEY": vec["api_key"], "SIGN": vec["sign"]}
        assert auth.gate_verify_subscribe_sign(secret, vec["channel"], vec["event"], vec["time"], vec["sign"])
        assert not auth.gate_verify_subscribe_sign(secret, vec["channel"], vec["event"], vec["time"] + 1, vec["sign"])
    elif vec["kind"] == "api_auth":
        payload = auth.gate_api_payload(vec["channel"], vec["req_param"], vec["timestamp"])
        assert payload == vec["sign_payload"]
        assert auth.gate_api_sign(secret, vec["channel"], vec["req_param"], vec["timestamp"]) == vec["sign"]
        assert auth.gate_verify_api_sign(secret, vec["channel"], vec["req_param"], vec["timestamp"], vec["sign"])
        if vec["channel"].endswith(".login") and vec["req_param"] == "":
            login = auth.gate_login_payload(Credentials("k", secret), vec["channel"], vec["timestamp"], "r1")
            assert login == {
                "api_key": "k",
                "signature": vec["sign"],
                "timestamp": str(vec["timestamp"]),
                "req_id": "r1",
            }
    else:  # pragma: no cover - guarded by test_vector_files_cover_every_kind
        pytest.fail(f"unknown kind {vec['kind']}")


@pytest.mark.parametrize("vec", MEXC, ids=[v["name"] for v in MEXC])
def test_mexc_vector(vec: dict[str, Any]) -> None:
    secret = vec["secret"]
    creds = Credentials(vec["api_key"], secret)
    if vec["kind"] == "spot_rest":
        assert vec["query_string"] + vec["request_body"] == vec["sign_payload"]
        sig = auth.mexc_spot_sign(secret, vec["query_string"], vec["request_body"])
        assert sig == vec["signature"]
        assert auth.mexc_spot_sign(creds, vec["query_string"], vec["request_body"]) == sig
        assert auth.mexc_verify_spot_sign(secret, vec["sign_payload"], sig)
        assert auth.mexc_spot_headers(creds) == vec["headers"]
        # Rebuild the query from its decoded parameters: order kept, values encoded with upper-case hex.
        pairs = [tuple(p.split("=", 1)) for p in vec["query_string"].split("&")]
        decoded = [(k, v.replace("%2C", ",")) for k, v in pairs]
        assert auth.mexc_spot_query_string(decoded) == vec["query_string"]
        if "url" in vec and vec["request_body"] == "":
            params = [(k, v) for k, v in decoded if k not in ("timestamp", "recvWindow")]
            ts = int(dict(decoded)["timestamp"])
            rw = dict(decoded).get("recvWindow")
            signed = auth.mexc_spot_signed_query(
                creds, params, timestamp_ms=ts, recv_window=None if rw is None else int(rw)
            )
            assert vec["url"].endswith("?" + signed)
        if "signed_body" in vec:
            assert vec["signed_body"] == f"{vec['request_body']}&signature={sig}"
    elif vec["kind"] == "futures_ws_login":
        assert vec["api_key"] + vec["req_time"] == vec["sign_payload"]
        assert auth.mexc_futures_login_sign(secret, vec["api_key"], vec["req_time"]) == vec["signature"]
        assert auth.mexc_futures_login_sign(secret, vec["api_key"], int(vec["req_time"])) == vec["signature"]
        assert auth.mexc_verify_futures_login(secret, vec["api_key"], vec["req_time"], vec["signature"])
        expected_request = json.loads(vec["request"])
        subscribe = expected_request.get("subscribe")
        request = auth.mexc_futures_login_request(creds, vec["req_time"], subscribe=subscribe)
        assert request == expected_request
        assert json.dumps(request, separators=(",", ":")) == vec["request"]
    elif vec["kind"] == "futures_rest":
        assert vec["api_key"] + vec["req_time"] + vec["param_string"] == vec["sign_payload"]
        sig = auth.mexc_futures_rest_sign(secret, vec["api_key"], vec["req_time"], vec["param_string"])
        assert sig == vec["signature"]
        assert auth.mexc_futures_rest_headers(creds, vec["req_time"], vec["param_string"]) == vec["headers"]
        if vec["method"] == "GET" and vec["param_string"]:
            query = dict(p.split("=", 1) for p in vec["param_string"].split("&"))
            shuffled = dict(reversed(list(query.items())))
            assert auth.mexc_futures_param_string(shuffled) == vec["param_string"]
    else:  # pragma: no cover
        pytest.fail(f"unknown kind {vec['kind']}")


def test_wrong_secret_or_field_fails_verification() -> None:
    sign = auth.gate_subscribe_sign("s1", "spot.orders", "subscribe", 100)
    assert not auth.gate_verify_subscribe_sign("s2", "spot.orders", "subscribe", 100, sign)
    assert not auth.gate_verify_subscribe_sign("s1", "spot.orders", "unsubscribe", 100, sign)
    assert not auth.gate_verify_subscribe_sign("s1", "spot.orders", "subscribe", 100, "é" + sign[1:])
    sig = auth.mexc_spot_sign("s1", "timestamp=1")
    assert not auth.mexc_verify_spot_sign("s1", "timestamp=2", sig)
    login = auth.mexc_futures_login_sign("s1", "key", "1")
    assert not auth.mexc_verify_futures_login("s1", "key", "2", login)


SECRET = "sEcReT-0123456789-abcdefghijklmnop"
KEY = "mx0vglKEYKEYKEY0001"


def _leaks(text: str) -> bool:
    # Any 6-char window of the secret or the key counts as a leak.
    for value in (SECRET, KEY):
        for i in range(len(value) - 5):
            if value[i : i + 6] in text:
                return True
    return False


def test_credentials_never_show_secret_or_key() -> None:
    creds = Credentials(KEY, SECRET)
    for text in (repr(creds), str(creds), f"{creds}", f"{creds!r}", repr([creds]), repr({"c": creds})):
        assert not _leaks(text), text
    assert creds.api_key == KEY and creds.api_secret == SECRET
    assert not hasattr(creds, "__dict__")
    with pytest.raises(TypeError) as exc:
        pickle.dumps(creds)
    assert not _leaks(str(exc.value))
    assert creds == Credentials(KEY, SECRET)
    assert creds != Credentials(KEY, SECRET + "x")


def test_errors_never_show_secret_or_key() -> None:
    texts: list[str] = []
    bad_calls: list[tuple[Any, ...]] = [
        (Credentials, KEY, ""),
        (Credentials, "", SECRET),
        (Credentials, KEY, SECRET.encode()),
        (Credentials, SECRET.encode(), KEY),
        (auth.gate_subscribe_sign, SECRET, "spot.orders", "subscribe", str(1700000000)),
        (auth.gate_subscribe_sign, SECRET.encode(), "spot.orders", "subscribe", 1),
        (auth.gate_api_sign, SECRET, "spot.login", None, 1),
        (auth.mexc_futures_login_sign, SECRET, KEY, "12ab" + SECRET),
        (auth.mexc_futures_rest_sign, SECRET, "", "1", ""),
        (auth.mexc_spot_query_string, [("k", object())]),
    ]
    for fn, *args in bad_calls:
        with pytest.raises((TypeError, ValueError)) as exc:
            fn(*args)
        texts.append(str(exc.value))
        texts.append(repr(exc.value))
    creds = Credentials(KEY, SECRET)
    with pytest.raises(TypeError) as exc2:
        auth.mexc_spot_signed_query(creds, [("listenKey", 1.5)], timestamp_ms=1)
    texts.append(str(exc2.value))
    with pytest.raises(TypeError) as exc3:
        auth.gate_auth_block(creds, "spot.orders", "subscribe", "1")  # type: ignore[arg-type]
    texts.append(str(exc3.value))
    for text in texts:
        assert text
        assert not _leaks(text), text
