"""Local MEXC + Gate.io exchange simulator (WebSocket + REST on 127.0.0.1), for tests and ``make demo``.

Usage::

    async with Simulator(seed=1, symbols=["BTC_USDT", "ETH_USDT"], rate_hz=20) as sim:
        sim.urls[("gateio", "spot")]  # {"ws": "ws://127.0.0.1:PORT/ws/v4/", "rest": "http://127.0.0.1:RPORT"}

or ``python -m hft_ws.sim [--seconds N] [--fault ...]``, which prints one JSON line per endpoint and runs until
Ctrl-C.

URL forms (``sim.urls[(exchange, market)]``; every WebSocket endpoint has its own ephemeral port, all REST
endpoints share one server whose ``rest`` value is the bare origin, like the real REST hosts):

=====================  =========================================  =====================================================
(exchange, market)     ``ws`` (mirrors the real path)             the client appends to ``rest`` (documented paths)
=====================  =========================================  =====================================================
("gateio", "spot")     ``ws://127.0.0.1:P1/ws/v4/``               ``/api/v4/spot/order_book?currency_pair=..&limit=..&with_id=true``
("gateio", "futures")  ``ws://127.0.0.1:P2/v4/ws/usdt``           ``/api/v4/futures/usdt/order_book?contract=..&limit=..&with_id=true``
("mexc", "spot")       ``ws://127.0.0.1:P3/ws``                   ``/api/v3/depth?symbol=..&limit=..``;
                       (private: ``...?listenKey=<key>``)          ``/api/v3/userDataStream`` (POST/PUT/DELETE/GET, signed)
("mexc", "futures")    ``ws://127.0.0.1:P4/edge``                 ``/api/v1/contract/depth/<SYMBOL>?limit=..``,
                                                                  ``/api/v1/contract/depth_commits/<SYMBOL>/<limit>``
=====================  =========================================  =====================================================

Control: ``POST <rest>/_sim/fault`` with ``{"exchange","market","kind","seconds","symbol","count","size"}`` or
``{"kind":"rest_429","count":n,"exchange":opt}``; ``GET <rest>/_sim/truth?exchange=..&market=..&symbol=..``;
``GET <rest>/_sim/sent?exchange=..&market=..&symbol=..`` (the sent log, see ``Simulator.sent_log``).

Symbols are given as ``BASE_QUOTE`` and become exchange-native names (MEXC spot ``BTCUSDT``, the others
``BTC_USDT``). Each (exchange, market, symbol) has its own seeded random-walk book and sequence space (Gate
``U``/``u``, MEXC spot ``fromVersion``/``toVersion``, MEXC futures ``version`` or ``begin``/``end``), all above 2^32.
All subscribers of one stream receive the same publications at ``rate_hz`` (10 ms / 100 ms and Gate 20 ms /
100 ms parameters are accepted and echoed but do not change the cadence). ``book_truth`` and ``sent_log`` let a
test check a client's book and its sequence accounting. Private pushes come from a simulated account whose
credentials are ``sim.credentials`` (fake; defaults ``DEFAULT_API_KEY``/``DEFAULT_API_SECRET``); the Gate
futures user id is ``sim.gate_user_id``.

Protocol choices where the fact sheets leave a gap (UNCONFIRMED there, chosen here): Gate auth failures are error
code 4 whose message is a JSON text ``{"label":..,"message":..}``; an unknown channel is code 2; MEXC spot
rejections are ``code: 0`` replies starting ``Not Subscribed successfully!``; an invalid or expired listenKey gets
the bare text ``Invalid listen key`` and a close; MEXC futures pushes are plain text unless the client sends
``"gzip": true`` (binary gzip frames then), merged depth (default ``compress: true``) carries
``begin``/``end``/``version``; MEXC has no documented service notice, so ``system_notice`` closes with 1001.

Simplifications: Gate ``20ms``/level ``20`` subscriptions receive every changed level (books stay within 80 levels
per side, so a ``limit=100`` snapshot is the whole book); replayed frames are sent exactly as recorded (their own
channel string and interval; MEXC futures replay frames are plain text even after ``"gzip": true``) and a replay
starts when its symbol gets its first subscriber; during a ``stall`` the WebSocket library still answers
protocol-level pings (only application data and replies stop); the MEXC caps of 5 connections per listenKey and
60 keys per account are not enforced; the 24 h connection lifetime is not simulated.

Throughput (2-core VM, the simulator in its own process, one client subscribed to every symbol on Gate spot):
about 10,000 depth messages/s on one endpoint while the other three endpoints keep generating; every stream
has its own book generator (about 11 us per publication of 1-4 commits).
"""

from .server import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    FAULTS,
    MARKETS,
    Simulator,
    native_symbol,
)

__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_SECRET", "FAULTS", "MARKETS", "Simulator", "native_symbol"]
