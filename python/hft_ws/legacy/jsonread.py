"""JSON reading for the legacy parsers with the acceptance rules of the Rust reader
(``rust/src/mexc/jsonv.rs``): RFC 8259 only (no NaN/Infinity, no trailing data), numbers kept as
their exact token, duplicate keys last-wins, nesting limit 64, invalid UTF-8 and lone surrogate
escapes rejected. Errors are ``hft_ws.ParseError`` with the Rust kinds (``utf8``, ``json``,
``too_deep``).

Three readers, fastest first; each falls back to the next when it cannot be sure:

1. ``orjson`` (when installed): numbers come back as ``int`` / ``float``. Integers are exact except
   ``-0`` (payloads containing ``-0`` skip this reader); a ``float`` has lost its token, so the
   consumers raise ``NeedExact`` when they meet one and the frame is read again by (2).
2. ``json`` with ``parse_int`` / ``parse_float`` hooks: every number is a ``Num`` (a ``str`` holding
   the exact token).
3. ``RustReader``: a port of the Rust reader, authoritative for everything (2) rejects or may accept
   wrongly (deep nesting, surrogate escapes). Slow; only malformed or unusual payloads reach it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hft_ws.errors import ParseError

_orjson: Any
try:  # optional speed-up
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is optional
    _orjson = None

MAX_DEPTH = 64


class Num(str):
    """A JSON number token, exactly as sent (``"6866.5"``, ``"1.5E-7"``, ``"-0"``)."""

    __slots__ = ()


class NeedExact(Exception):
    """A consumer met a number that the fast reader could not keep exact: read the frame again."""


def _bad_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


_exact_decode = json.JSONDecoder(parse_float=Num, parse_int=Num, parse_constant=_bad_constant).decode
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_BRACKETS_INNER = re.compile(r"[\[{][^\[\]{}]*[\]}]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def payload_text(payload: Any) -> tuple[str, bytes | None]:
    """``(text, raw_bytes)`` of a payload: ``str`` as is (must encode as UTF-8, like the Rust
    ``to_str``), bytes-like decoded as strict UTF-8 (``ParseError`` ``utf8`` otherwise)."""
    if type(payload) is str:
        if not payload.isascii():
            payload.encode("utf-8")  # lone surrogates: UnicodeEncodeError, as the Rust binding raises
        return payload, None
    if isinstance(payload, bytes):
        raw = bytes(payload)
    elif isinstance(payload, str):
        return payload_text(str(payload))
    elif isinstance(payload, bytearray):
        raw = bytes(payload)
    else:
        try:
            raw = payload.tobytes()
        except AttributeError:
            raise TypeError("payload must be str or bytes-like") from None
        if not isinstance(raw, bytes):
            raise TypeError("payload must be str or bytes-like")
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError as e:
        raise ParseError(f"invalid UTF-8 at byte {e.start}", "utf8") from None


def _max_depth(text: str) -> int:
    """Deepest nesting of a document ``json`` accepted (strings removed, innermost pairs peeled)."""
    s = _STRINGS.sub("", text) if '"' in text else text
    depth = 0
    while True:
        s, n = _BRACKETS_INNER.subn("", s)
        if n == 0:
            return depth
        depth += 1
        if depth > MAX_DEPTH:
            return depth


def _suspicious(text: str) -> bool:
    """True when ``json`` may have accepted what the Rust reader rejects (depth, surrogates)."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _max_depth(text) > MAX_DEPTH:
        return True
    return "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None


def load_exact(text: str) -> Any:
    """The document with every number as a ``Num`` token (readers 2 and 3)."""
    try:
        v = _exact_decode(text)
    except (ValueError, RecursionError):
        return RustReader(text).parse()
    if _suspicious(text):
        return RustReader(text).parse()
    return v


def load_fast(text: str, raw: bytes | None) -> Any:
    """Reader 1 when available and safe, else ``load_exact``. Numbers may be ``int``/``float``/``Num``."""
    if _orjson is not None and "-0" not in text:
        try:
            v = _orjson.loads(raw if raw is not None else text)
        except _orjson.JSONDecodeError:
            return load_exact(text)
        if text.count("[") + text.count("{") > MAX_DEPTH and _max_depth(text) > MAX_DEPTH:
            return RustReader(text).parse()
        return v
    return load_exact(text)


_WS = frozenset(" \t\n\r")
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")


class RustReader:
    """Port of the Rust strict reader: same accepted documents, same error kinds and byte offsets."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        # byte offsets for messages: char index -> UTF-8 byte offset (only computed on error)

    def _byte_offset(self, i: int) -> int:
        return len(self.s[:i].encode("utf-8", "surrogatepass"))

    def err(self, msg: str) -> ParseError:
        return ParseError(f"invalid JSON: {msg} at byte {self._byte_offset(self.i)}", "json")

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def ws(self) -> None:
        s, n, i = self.s, self.n, self.i
        while i < n and s[i] in _WS:
            i += 1
        self.i = i

    def parse(self) -> Any:
        self.ws()
        v = self.value(0)
        self.ws()
        if self.i != self.n:
            raise self.err("extra data after the JSON value")
        return v

    def lit(self, word: str, v: Any) -> Any:
        if self.s.startswith(word, self.i):
            self.i += len(word)
            return v
        raise self.err("invalid literal")

    def value(self, depth: int) -> Any:
        c = self.peek()
        if c == "":
            raise self.err("unexpected end of input")
        if c == "{":
            return self.obj(depth + 1)
        if c == "[":
            return self.arr(depth + 1)
        if c == '"':
            return self.string()
        if c == "t":
            return self.lit("true", True)
        if c == "f":
            return self.lit("false", False)
        if c == "n":
            return self.lit("null", None)
        if c == "-" or c in _DIGITS:
            return self.number()
        if c in ("N", "I"):
            raise self.err("non-standard JSON constant (NaN/Infinity)")
        raise self.err("expected a JSON value")

    def enter(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ParseError(
                f"JSON nesting deeper than {MAX_DEPTH} levels at byte {self._byte_offset(self.i)}", "too_deep"
            )

    def obj(self, depth: int) -> Any:
        self.enter(depth)
        self.i += 1
        out: dict[str, Any] = {}
        self.ws()
        if self.peek() == "}":
            self.i += 1
            return out
        while True:
            self.ws()
            if self.peek() != '"':
                raise self.err("expected a string key")
            key = self.string()
            self.ws()
            if self.peek() != ":":
                raise self.err("expected ':'")
            self.i += 1
            self.ws()
            out[key] = self.value(depth)
            self.ws()
            c = self.peek()
            if c == ",":
                self.i += 1
            elif c == "}":
                self.i += 1
                return out
            else:
                raise self.err("expected ',' or '}'")

    def arr(self, depth: int) -> Any:
        self.enter(depth)
        self.i += 1
        out: list[Any] = []
        self.ws()
        if self.peek() == "]":
            self.i += 1
            return out
        while True:
            self.ws()
            out.append(self.value(depth))
            self.ws()
            c = self.peek()
            if c == ",":
                self.i += 1
            elif c == "]":
                self.i += 1
                return out
            else:
                raise self.err("expected ',' or ']'")

    def digits(self) -> int:
        start = self.i
        s, n = self.s, self.n
        while self.i < n and s[self.i] in _DIGITS:
            self.i += 1
        return self.i - start

    def number(self) -> Num:
        start = self.i
        if self.peek() == "-":
            self.i += 1
        c = self.peek()
        if c == "0":
            self.i += 1
        elif c in _DIGITS and c != "":
            self.digits()
        else:
            raise self.err("invalid number")
        if self.peek() == ".":
            self.i += 1
            if self.digits() == 0:
                raise self.err("invalid number: digits expected after '.'")
        if self.peek() in ("e", "E"):
            self.i += 1
            if self.peek() in ("+", "-"):
                self.i += 1
            if self.digits() == 0:
                raise self.err("invalid number: digits expected in exponent")
        return Num(self.s[start : self.i])

    def hex4(self) -> int:
        h = self.s[self.i : self.i + 4]
        # Rust slices 4 *bytes*: a non-ASCII char inside makes the slice fail ("truncated")
        if len(h) < 4 or not h.isascii():
            raise self.err("truncated \\u escape")
        if not all(c in _HEX for c in h):
            raise self.err("invalid \\u escape")
        self.i += 4
        return int(h, 16)

    def string(self) -> str:
        self.i += 1
        out: list[str] = []
        s, n = self.s, self.n
        while True:
            if self.i >= n:
                raise self.err("unterminated string")
            c = s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                self.i += 1
                if self.i >= n:
                    raise self.err("unterminated string")
                esc = s[self.i]
                self.i += 1
                simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
                if esc in simple:
                    out.append(simple[esc])
                elif esc == "u":
                    hi = self.hex4()
                    if 0xD800 <= hi < 0xDC00:
                        if s[self.i : self.i + 2] != "\\u":
                            raise self.err("unpaired surrogate")
                        self.i += 2
                        lo = self.hex4()
                        if not 0xDC00 <= lo < 0xE000:
                            raise self.err("unpaired surrogate")
                        cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    else:
                        cp = hi
                    if 0xD800 <= cp < 0xE000:
                        raise self.err("unpaired surrogate")
                    out.append(chr(cp))
                else:
                    raise self.err("invalid escape")
            elif ord(c) < 0x20:
                raise self.err("control character in string")
            else:
                out.append(c)
                self.i += 1


__all__ = ["MAX_DEPTH", "NeedExact", "Num", "RustReader", "load_exact", "load_fast", "payload_text"]
