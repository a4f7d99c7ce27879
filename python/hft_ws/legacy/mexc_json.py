"""Strict JSON for the MEXC legacy parsers, behaving like ``rust/src/mexc/jsonv.rs``.

Values come from the standard ``json`` module (C scanner) with number tokens kept as their exact
text (``JInt`` / ``JFloat``, ``str`` subclasses), so nothing is rounded through ``float``. What the
module accepts beyond RFC 8259 is closed here: ``NaN`` / ``Infinity`` are refused, nesting is
limited to ``MAX_DEPTH`` (also inside values that a duplicate key replaced), unpaired surrogate
escapes are refused. When anything fails, the port of the Rust reader shared with the Gate legacy
parser (`jsonread.RustReader`) finds the first problem, so the ``ParseError`` kind is the Rust
parser's: ``utf8``, ``json`` or ``too_deep``.
Duplicate keys: the last one wins, at the first one's position (Python's ``dict``).

``orjson`` is not used: it has no hook that keeps number tokens exact (``233.740269343644737245``
would be rounded), which the events must carry verbatim.
"""

from __future__ import annotations

import json
import re
import unicodedata
from itertools import accumulate
from typing import Any

from ..errors import ParseError
from .jsonread import RustReader

MAX_DEPTH = 64


class JInt(str):
    """A JSON integer token, exactly as sent."""

    __slots__ = ()


class JFloat(str):
    """A JSON number token with a fraction or an exponent, exactly as sent."""

    __slots__ = ()


class Pairs(list[tuple[str, Any]]):
    """An object's members in order, duplicates kept (for rendering error texts as Rust does)."""

    __slots__ = ()


class _Constant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Constant(name)


_DECODER = json.JSONDecoder(parse_float=JFloat, parse_int=JInt, parse_constant=_reject_constant)
_PAIRS_DECODER = json.JSONDecoder(
    parse_float=JFloat, parse_int=JInt, parse_constant=_reject_constant, object_pairs_hook=Pairs
)
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


def decode_utf8(buf: bytes) -> str:
    try:
        return buf.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"invalid UTF-8 at byte {e.start}", "utf8") from None


def loads(text: str) -> Any:
    """Parse one JSON text (objects become ``dict``, numbers ``JInt`` / ``JFloat``)."""
    try:
        value = _DECODER.decode(text)
    except (ValueError, RecursionError):
        raise _first_error(text) or ParseError("invalid JSON", "json") from None
    if "\\u" in text:
        # surrogate escapes: the exact reader decides (it also checks the depth)
        err = _first_error(text)
        if err is not None:
            raise err
    elif text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(text):
        raise ParseError(f"JSON nesting deeper than {MAX_DEPTH} levels", "too_deep")
    return value


def loads_pairs(text: str) -> Any:
    """Like ``loads`` (for text ``loads`` accepted) with objects as ``Pairs``."""
    return _PAIRS_DECODER.decode(text)


def _too_deep(text: str) -> bool:
    """Bracket depth outside strings (the text is valid JSON) exceeds ``MAX_DEPTH``."""
    skeleton = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(map(_DELTA.__getitem__, skeleton)), default=0) > MAX_DEPTH


# ---------------------------------------------------------------------------------------------
# Where (and of which kind) the first error is, when the fast path refused a text.

def _first_error(text: str) -> ParseError | None:
    """The Rust reader's verdict on ``text`` (the shared port in `hft_ws.legacy.jsonread`)."""
    try:
        RustReader(text).parse()
    except ParseError as e:
        return e
    return None


# ---------------------------------------------------------------------------------------------
# Rust renderings used in event texts

# Other_Grapheme_Extend (Unicode 15); with Mn and Me it is Grapheme_Extend, which Rust's `{:?}`
# escapes.
_OGE = (
    (0x09BE, 0x09BE),
    (0x09D7, 0x09D7),
    (0x0B3E, 0x0B3E),
    (0x0B57, 0x0B57),
    (0x0BBE, 0x0BBE),
    (0x0BD7, 0x0BD7),
    (0x0CC2, 0x0CC2),
    (0x0CD5, 0x0CD6),
    (0x0D3E, 0x0D3E),
    (0x0D57, 0x0D57),
    (0x0DCF, 0x0DCF),
    (0x0DDF, 0x0DDF),
    (0x1B35, 0x1B35),
    (0x200C, 0x200C),
    (0x302E, 0x302F),
    (0xFF9E, 0xFF9F),
    (0x1133E, 0x1133E),
    (0x11357, 0x11357),
    (0x114B0, 0x114B0),
    (0x114BD, 0x114BD),
    (0x115AF, 0x115AF),
    (0x11930, 0x11930),
    (0x1D165, 0x1D165),
    (0x1D16E, 0x1D172),
    (0xE0020, 0xE007F),
)
_SIMPLE = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}
_PLAIN_ASCII = re.compile(r"[ !#-\[\]-~]*")


def _needs_unicode_escape(ch: str) -> bool:
    if ch.isprintable():
        if ord(ch) < 0x300:
            return False
        cat = unicodedata.category(ch)
        if cat in ("Mn", "Me"):
            return True
        o = ord(ch)
        return any(lo <= o <= hi for lo, hi in _OGE)
    return True


def rust_debug_str(s: str) -> str:
    """Rust's ``format!("{s:?}")`` of a string."""
    if _PLAIN_ASCII.fullmatch(s):
        return f'"{s}"'
    out = ['"']
    for ch in s:
        esc = _SIMPLE.get(ch)
        if esc is not None:
            out.append(esc)
        elif _needs_unicode_escape(ch):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def field_text(v: Any) -> str:
    """Compact text of a JSON value as ``futures.rs::field_text`` renders it (objects as ``Pairs``)."""
    t = type(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is JInt or t is JFloat:
        return str.__str__(v)
    if t is str:
        return rust_debug_str(v)
    if t is Pairs:
        return "{" + ",".join(f"{rust_debug_str(k)}:{field_text(x)}" for k, x in v) + "}"
    if t is dict:
        return "{" + ",".join(f"{rust_debug_str(k)}:{field_text(x)}" for k, x in v.items()) + "}"
    return "[" + ",".join(field_text(x) for x in v) + "]"


__all__ = [
    "MAX_DEPTH",
    "JFloat",
    "JInt",
    "Pairs",
    "decode_utf8",
    "field_text",
    "loads",
    "loads_pairs",
    "rust_debug_str",
]
