"""Exact decimals in pure Python with the semantics of ``rust/src/num.rs``.

- ``is_decimal(text)``: the decimal syntax every parser accepts (``[+-]digits[.digits][(e|E)[+-]digits]``,
  ASCII digits only, no spaces, no ``nan``/``inf``).
- ``parse_fixed(text)``: fixed point ``(mantissa, scale)`` with at most 38 significant digits and 30
  fraction digits, trailing zeros removed, never rounded (``NumError`` otherwise, same kinds).
- ``plain(m, s)``: the canonical text (no exponent, no trailing zeros: ``"60000"``, ``"0.0125"``).
- floats are Python ``float(text)``, which is what the Rust side computes (correct rounding).
"""

from __future__ import annotations

import re

MAX_SCALE = 30
MAX_DIGITS = 38
_MAX_PLAIN_LEN = 512
_EXP_SAT = 1 << 40
_I128_MAX = (1 << 127) - 1
_I128_MIN = -(1 << 127)
_LIMIT = 10**MAX_DIGITS

# ASCII digits only: `\d` would match other Unicode digits in a str pattern.
_DEC = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?")
_is_dec = _DEC.fullmatch


class NumError(ValueError):
    """``kind``: ``empty`` | ``invalid`` | ``overflow`` | ``too_precise`` (``NumError`` of num.rs)."""

    MESSAGES = {
        "empty": "empty decimal text",
        "overflow": "decimal value out of range (more than 38 significant digits or non-finite)",
        "too_precise": "decimal text has more than 30 fraction digits",
    }

    def __init__(self, kind: str, offset: int = 0) -> None:
        msg = self.MESSAGES.get(kind) or f"invalid decimal text at byte {offset}"
        super().__init__(msg)
        self.kind = kind
        self.offset = offset


def is_decimal(text: str) -> bool:
    """The syntax check of ``num::is_decimal``."""
    return _is_dec(text) is not None


def _invalid_offset(text: str) -> int:
    """Byte offset where num.rs ``split`` stops (for the error message only)."""
    b = text.encode("utf-8", "surrogatepass")
    i = 0
    n = len(b)
    if i < n and b[i] in b"+-":
        i += 1
    start = i
    while i < n and 48 <= b[i] <= 57:
        i += 1
    if i == start:
        return i
    if i < n and b[i] == 46:
        i += 1
        start = i
        while i < n and 48 <= b[i] <= 57:
            i += 1
        if i == start:
            return i
    if i < n and b[i] in b"eE":
        i += 1
        if i < n and b[i] in b"+-":
            i += 1
        start = i
        while i < n and 48 <= b[i] <= 57:
            i += 1
        if i == start:
            return i
    return i


def parse_fixed(text: str) -> tuple[int, int]:
    """``(mantissa, scale)``: value = mantissa / 10**scale, normalised (no trailing zeros)."""
    m = _is_dec(text)
    if m is None:
        if text == "":
            raise NumError("empty")
        raise NumError("invalid", _invalid_offset(text))
    sign, int_digits, frac_digits, exp_sign, exp_digits = m.groups()
    frac_digits = frac_digits or ""
    exp = 0
    if exp_digits:
        # saturate like num.rs (never materialise a huge exponent)
        stripped = exp_digits.lstrip("0")
        exp = _EXP_SAT if len(stripped) > 13 else min(int(stripped or "0"), _EXP_SAT)
        if exp_sign == "-":
            exp = -exp
    digits = (int_digits + frac_digits).lstrip("0")
    exp10 = exp - len(frac_digits)
    if not digits:
        return (0, 0)
    stripped = digits.rstrip("0")
    exp10 += len(digits) - len(stripped)
    digits = stripped
    nd = len(digits)
    if exp10 < -MAX_SCALE:
        raise NumError("overflow" if nd + exp10 > MAX_DIGITS else "too_precise")
    if nd + max(exp10, 0) > MAX_DIGITS:
        raise NumError("overflow")
    mant = int(digits)
    if exp10 >= 0:
        mant *= 10**exp10
        scale = 0
    else:
        scale = -exp10
    return (-mant if sign == "-" else mant, scale)


def plain(mantissa: int, scale: int) -> str:
    """Canonical plain text of ``mantissa / 10**scale`` (``write_plain_digits`` of num.rs)."""
    if mantissa == 0:
        return "0"
    digits = str(abs(mantissa))
    neg = "-" if mantissa < 0 else ""
    if scale == 0:
        return neg + digits
    if len(digits) > scale:
        int_part, frac = digits[:-scale], digits[-scale:]
    else:
        int_part, frac = "0", "0" * (scale - len(digits)) + digits
    frac = frac.rstrip("0")
    return f"{neg}{int_part}.{frac}" if frac else neg + int_part


def canonical(text: str) -> str:
    """``parse_fixed(text)`` as canonical plain text."""
    return plain(*parse_fixed(text))


def _normalise(m: int, s: int) -> tuple[int, int] | None:
    """``Fixed::new``: strip trailing zeros, check the range; ``None`` when out of range."""
    while s > 0 and m % 10 == 0:
        m //= 10
        s -= 1
    if m == 0:
        return (0, 0)
    if s > MAX_SCALE or abs(m) >= _LIMIT:
        return None
    return (m, s)


def _fits(x: int) -> bool:
    return _I128_MIN <= x <= _I128_MAX


def _align(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int, int] | None:
    """Both mantissas at the larger scale, with the i128 overflow checks of num.rs."""
    (am, as_), (bm, bs) = a, b
    if as_ == bs:
        return (am, bm, as_)
    if as_ < bs:
        d = bs - as_
        if d > 38:
            return None
        x = am * 10**d
        return (x, bm, bs) if _fits(x) else None
    d = as_ - bs
    if d > 38:
        return None
    y = bm * 10**d
    return (am, y, as_) if _fits(y) else None


def checked_sub(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    al = _align(a, b)
    if al is None:
        return None
    x, y, s = al
    d = x - y
    return _normalise(d, s) if _fits(d) else None


def checked_add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    al = _align(a, b)
    if al is None:
        return None
    x, y, s = al
    d = x + y
    return _normalise(d, s) if _fits(d) else None


def to_f64(m: int, s: int) -> float:
    """``Fixed::to_f64`` (correctly rounded, as Python's int true division is)."""
    return m / 10**s if s else float(m)


def mid_f64(a: tuple[int, int], b: tuple[int, int]) -> float | None:
    al = _align(a, b)
    if al is None:
        return None
    x, y, s = al
    total = x + y
    if not _fits(total) or not _fits(total * 5):
        return None
    return float((total * 5) / 10 ** (s + 1))


def sub_text(a: str, b: str) -> str | None:
    """``a - b`` as exact plain text (both decimals); ``None`` if not representable."""
    try:
        fa = parse_fixed(a)
        fb = parse_fixed(b)
    except NumError:
        return None
    d = checked_sub(fa, fb)
    return None if d is None else plain(*d)


def abs_str(text: str) -> str:
    """``num::abs_str``: the text without its sign (``NumError`` if not a decimal)."""
    if _is_dec(text) is None:
        if text == "":
            raise NumError("empty")
        raise NumError("invalid", _invalid_offset(text))
    return text[1:] if text[:1] in ("-", "+") else text


def sign(text: str) -> int:
    """Sign of a validated decimal text: -1, 0, 1 (``gate::util::sign``)."""
    mantissa = re.split("[eE]", text, maxsplit=1)[0]
    if not any(c in "123456789" for c in mantissa):
        return 0
    return -1 if text.startswith("-") else 1


def times_100_text(text: str) -> str:
    """``num::times_100_text``: ``text * 100`` as exact plain text (fractions → percent)."""
    m = _is_dec(text)
    if m is None:
        if text == "":
            raise NumError("empty")
        raise NumError("invalid", _invalid_offset(text))
    sign_, int_digits, frac_digits, exp_sign, exp_digits = m.groups()
    frac_digits = frac_digits or ""
    exp = 0
    if exp_digits:
        stripped = exp_digits.lstrip("0")
        exp = _EXP_SAT if len(stripped) > 13 else min(int(stripped or "0"), _EXP_SAT)
        if exp_sign == "-":
            exp = -exp
    digits = (int_digits + frac_digits).lstrip("0")
    exp10 = exp - len(frac_digits)
    if not digits:
        return "0"
    stripped = digits.rstrip("0")
    exp10 += len(digits) - len(stripped)
    digits = stripped
    exp10 += 2
    nd = len(digits)
    length = nd + exp10 if exp10 >= 0 else max(nd, -exp10) + 2
    if length > _MAX_PLAIN_LEN:
        raise NumError("overflow")
    if exp10 >= 0:
        digits += "0" * exp10
        scale = 0
    else:
        scale = -exp10
    mant = int(digits)
    return plain(-mant if sign_ == "-" else mant, scale)


__all__ = [
    "MAX_DIGITS",
    "MAX_SCALE",
    "NumError",
    "abs_str",
    "canonical",
    "checked_add",
    "checked_sub",
    "is_decimal",
    "mid_f64",
    "parse_fixed",
    "plain",
    "sign",
    "sub_text",
    "times_100_text",
    "to_f64",
]
