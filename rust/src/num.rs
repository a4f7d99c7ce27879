//! Exact decimal text as the exchanges send it: fixed-point values for book keys and
//! exact arithmetic, `f64` equal to Python's `float(text)`, and small text transforms.
//!
//! Accepted grammar (a subset of both Python's `float()` and Rust's `f64::from_str`, so the
//! two agree on every accepted text): `[+-]? DIGITS ( "." DIGITS )? ( [eE] [+-]? DIGITS )?`.
//! No spaces, no `_`, no `nan`/`inf`, no bare `.5` or `5.`.

use std::cmp::Ordering;
use std::fmt;

use thiserror::Error;

/// Largest number of fraction digits a [`Fixed`] holds (after stripping trailing zeros).
/// Beyond it a text is rejected with [`NumError::TooPrecise`], never rounded.
pub const MAX_SCALE: u8 = 30;

/// Largest number of significant digits a [`Fixed`] mantissa holds (|mantissa| < 10^38 < i128::MAX).
pub const MAX_DIGITS: u32 = 38;

/// Longest plain-decimal text the text transforms produce; guards `1e999999999` against huge allocations.
const MAX_PLAIN_LEN: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumError {
    #[error("empty decimal text")]
    Empty,
    #[error("invalid decimal text at byte {offset}")]
    Invalid { offset: usize },
    #[error(
        "decimal value out of range (more than {MAX_DIGITS} significant digits or non-finite)"
    )]
    Overflow,
    #[error("decimal text has more than {MAX_SCALE} fraction digits")]
    TooPrecise,
}

/// An exact decimal `mantissa / 10^scale`, always normalised (no trailing zeros in the
/// mantissa, zero is `0/10^0`), so the derived `Eq`/`Hash` compare by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fixed {
    mantissa: i128,
    scale: u8,
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

fn pow10(exp: u32) -> Option<i128> {
    POW10.get(exp as usize).copied()
}

impl Fixed {
    pub const ZERO: Fixed = Fixed {
        mantissa: 0,
        scale: 0,
    };

    /// Builds `mantissa / 10^scale`, normalising; errors when out of the supported range.
    pub fn new(mantissa: i128, scale: u8) -> Result<Fixed, NumError> {
        let (mut m, mut s) = (mantissa, scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        if m == 0 {
            return Ok(Fixed::ZERO);
        }
        if s > MAX_SCALE {
            return Err(NumError::TooPrecise);
        }
        if m.unsigned_abs() >= POW10[MAX_DIGITS as usize].unsigned_abs() {
            return Err(NumError::Overflow);
        }
        Ok(Fixed {
            mantissa: m,
            scale: s,
        })
    }

    /// An integer value (e.g. a futures size sent as a JSON integer).
    pub fn from_i64(v: i64) -> Fixed {
        // |i64| < 10^19 fits; scale 0 is already normal form.
        Fixed {
            mantissa: i128::from(v),
            scale: 0,
        }
    }

    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    pub fn scale(&self) -> u8 {
        self.scale
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    pub fn is_positive(&self) -> bool {
        self.mantissa > 0
    }

    /// Nearest `f64` (round-half-even), the same value `float(self.to_plain_string())` gives.
    pub fn to_f64(&self) -> f64 {
        mantissa_scale_to_f64(self.mantissa, u32::from(self.scale))
    }

    /// Plain decimal text: no exponent, no trailing zeros (`60000`, `0.0125`, `-1.5`, `0`).
    pub fn to_plain_string(&self) -> String {
        let mut out = String::with_capacity(44);
        self.write_plain(&mut out);
        out
    }

    fn write_plain(&self, out: &mut String) {
        write_plain_digits(
            self.mantissa < 0,
            &self.mantissa.unsigned_abs().to_string(),
            self.scale as usize,
            out,
        );
    }

    /// Exact `self + other`, `None` if the result leaves the supported range.
    pub fn checked_add(&self, other: &Fixed) -> Option<Fixed> {
        let (a, b, s) = align(self, other)?;
        Fixed::new(a.checked_add(b)?, s).ok()
    }

    /// Exact `self - other`, `None` if the result leaves the supported range.
    pub fn checked_sub(&self, other: &Fixed) -> Option<Fixed> {
        let (a, b, s) = align(self, other)?;
        Fixed::new(a.checked_sub(b)?, s).ok()
    }

    /// Nearest `f64` of the exact midpoint `(self + other) / 2` (one rounding only).
    pub fn mid_f64(&self, other: &Fixed) -> Option<f64> {
        let (a, b, s) = align(self, other)?;
        let sum = a.checked_add(b)?;
        // x/2 == 5x/10: exact at one more decimal place.
        Some(mantissa_scale_to_f64(sum.checked_mul(5)?, u32::from(s) + 1))
    }
}

/// Both mantissas at the larger scale, or `None` if one does not fit.
fn align(a: &Fixed, b: &Fixed) -> Option<(i128, i128, u8)> {
    match a.scale.cmp(&b.scale) {
        Ordering::Equal => Some((a.mantissa, b.mantissa, a.scale)),
        Ordering::Less => {
            let f = pow10(u32::from(b.scale - a.scale))?;
            Some((a.mantissa.checked_mul(f)?, b.mantissa, b.scale))
        }
        Ordering::Greater => {
            let f = pow10(u32::from(a.scale - b.scale))?;
            Some((a.mantissa, b.mantissa.checked_mul(f)?, a.scale))
        }
    }
}

impl Ord for Fixed {
    fn cmp(&self, other: &Fixed) -> Ordering {
        // Hot path for book keys: most prices of one book share a scale.
        if self.scale == other.scale {
            return self.mantissa.cmp(&other.mantissa);
        }
        let (lo, hi, flip) = if self.scale < other.scale {
            (self, other, false)
        } else {
            (other, self, true)
        };
        let ord =
            match pow10(u32::from(hi.scale - lo.scale)).and_then(|f| lo.mantissa.checked_mul(f)) {
                Some(scaled) => scaled.cmp(&hi.mantissa),
                // |lo| * 10^d overflowed i128, so it exceeds every in-range |hi|: lo's sign decides.
                None => {
                    if lo.mantissa > 0 {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
            };
        if flip {
            ord.reverse()
        } else {
            ord
        }
    }
}

impl PartialOrd for Fixed {
    fn partial_cmp(&self, other: &Fixed) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(44);
        self.write_plain(&mut s);
        f.write_str(&s)
    }
}

impl std::str::FromStr for Fixed {
    type Err = NumError;
    fn from_str(s: &str) -> Result<Fixed, NumError> {
        parse_fixed(s)
    }
}

/// `digits` (no sign, no leading zeros unless "0") as a plain decimal with `scale` fraction digits,
/// then trailing fraction zeros stripped.
fn write_plain_digits(negative: bool, digits: &str, scale: usize, out: &mut String) {
    if digits.bytes().all(|b| b == b'0') {
        out.push('0');
        return;
    }
    if negative {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(digits);
        return;
    }
    let (int_part, frac_part) = if digits.len() > scale {
        digits.split_at(digits.len() - scale)
    } else {
        ("", digits)
    };
    if int_part.is_empty() {
        out.push('0');
    } else {
        out.push_str(int_part);
    }
    let pad = scale.saturating_sub(digits.len());
    let frac_trimmed = frac_part.trim_end_matches('0');
    if !frac_trimmed.is_empty() {
        out.push('.');
        out.extend(std::iter::repeat_n('0', pad));
        out.push_str(frac_trimmed);
    }
}

/// 10^0 ..= 10^22, all exactly representable in f64.
const F64_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

fn mantissa_scale_to_f64(m: i128, scale: u32) -> f64 {
    // Clinger's fast path: both operands exact in f64, one correctly rounded division.
    const EXACT: u128 = 1 << 53;
    if m.unsigned_abs() <= EXACT {
        if let Some(p) = F64_POW10.get(scale as usize) {
            return m as f64 / p;
        }
    }
    // Exact text → correctly rounded parse (Rust's float parser is exact for any length).
    let mut s = String::with_capacity(48);
    s.push_str(&m.to_string());
    s.push_str("e-");
    s.push_str(&scale.to_string());
    s.parse::<f64>().unwrap_or(f64::NAN)
}

/// The pieces of a syntactically valid decimal text (byte ranges into the input).
struct Parts<'a> {
    negative: bool,
    int_digits: &'a [u8],
    frac_digits: &'a [u8],
    /// Exponent value, saturated at ±EXP_SAT (far beyond any representable value).
    exp: i64,
}

const EXP_SAT: i64 = 1 << 40;

fn split(text: &[u8]) -> Result<Parts<'_>, NumError> {
    if text.is_empty() {
        return Err(NumError::Empty);
    }
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = text.first() {
        if c == b'-' || c == b'+' {
            negative = c == b'-';
            i = 1;
        }
    }
    let int_start = i;
    while text.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == int_start {
        return Err(NumError::Invalid { offset: i });
    }
    let int_digits = text.get(int_start..i).unwrap_or_default();
    let mut frac_digits: &[u8] = &[];
    if text.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while text.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(NumError::Invalid { offset: i });
        }
        frac_digits = text.get(start..i).unwrap_or_default();
    }
    let mut exp: i64 = 0;
    if matches!(text.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        let mut exp_neg = false;
        if let Some(&c) = text.get(i) {
            if c == b'-' || c == b'+' {
                exp_neg = c == b'-';
                i += 1;
            }
        }
        let start = i;
        while let Some(d) = text.get(i).filter(|c| c.is_ascii_digit()) {
            exp = (exp * 10 + i64::from(d - b'0')).min(EXP_SAT);
            i += 1;
        }
        if i == start {
            return Err(NumError::Invalid { offset: i });
        }
        if exp_neg {
            exp = -exp;
        }
    }
    if i != text.len() {
        return Err(NumError::Invalid { offset: i });
    }
    Ok(Parts {
        negative,
        int_digits,
        frac_digits,
        exp,
    })
}

/// Significant digits and the decimal exponent of their last digit: value = ±digits × 10^exp10.
/// `digits` has no leading and no trailing zeros; empty means zero.
struct Sig {
    negative: bool,
    digits: Vec<u8>,
    exp10: i64,
}

fn significant(p: &Parts<'_>) -> Sig {
    let mut digits: Vec<u8> = Vec::with_capacity(p.int_digits.len() + p.frac_digits.len());
    digits.extend_from_slice(p.int_digits);
    digits.extend_from_slice(p.frac_digits);
    // frac length is bounded by the input length, far below EXP_SAT.
    let mut exp10 = p.exp - p.frac_digits.len() as i64;
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..lead);
    while digits.last() == Some(&b'0') {
        digits.pop();
        exp10 += 1;
    }
    Sig {
        negative: p.negative,
        digits,
        exp10,
    }
}

/// Parses exchange decimal text exactly. Rejects (never rounds) values beyond
/// [`MAX_DIGITS`] significant digits or [`MAX_SCALE`] fraction digits.
pub fn parse_fixed(text: &str) -> Result<Fixed, NumError> {
    parse_fixed_bytes(text.as_bytes())
}

/// [`parse_fixed`] on bytes (e.g. a JSON token not yet checked as UTF-8).
pub fn parse_fixed_bytes(text: &[u8]) -> Result<Fixed, NumError> {
    match parse_short(text) {
        Some(f) => Ok(f),
        None => parse_general(text),
    }
}

fn parse_general(text: &[u8]) -> Result<Fixed, NumError> {
    let p = split(text)?;
    let sig = significant(&p);
    if sig.digits.is_empty() {
        return Ok(Fixed::ZERO);
    }
    let nd = sig.digits.len() as i64;
    if sig.exp10 < -i64::from(MAX_SCALE) {
        // More fraction digits than allowed, unless the value is too large anyway.
        return Err(if nd + sig.exp10 > i64::from(MAX_DIGITS) {
            NumError::Overflow
        } else {
            NumError::TooPrecise
        });
    }
    let total_int_digits = nd + sig.exp10.max(0);
    if total_int_digits > i64::from(MAX_DIGITS) {
        return Err(NumError::Overflow);
    }
    let mut m: i128 = 0;
    for &d in &sig.digits {
        m = m * 10 + i128::from(d - b'0');
    }
    let (m, scale) = if sig.exp10 >= 0 {
        let f = pow10(u32::try_from(sig.exp10).map_err(|_| NumError::Overflow)?)
            .ok_or(NumError::Overflow)?;
        (m.checked_mul(f).ok_or(NumError::Overflow)?, 0u8)
    } else {
        (
            m,
            u8::try_from(-sig.exp10).map_err(|_| NumError::TooPrecise)?,
        )
    };
    Fixed::new(if sig.negative { -m } else { m }, scale)
}

/// Single pass over the usual wire form (`[+-]?\d+(\.\d+)?`, at most 19 digits) in u64
/// arithmetic; `None` sends anything else (exponents, long texts, errors) to the general path.
fn parse_short(text: &[u8]) -> Option<Fixed> {
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let mut m: u64 = 0;
    let mut digits = 0u32;
    let mut int_digits = 0u32;
    let mut scale = 0u8;
    let mut seen_dot = false;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                if digits == 19 {
                    return None;
                }
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
                if seen_dot {
                    scale += 1;
                } else {
                    int_digits += 1;
                }
            }
            b'.' if !seen_dot && int_digits > 0 => seen_dot = true,
            _ => return None,
        }
    }
    if int_digits == 0 || (seen_dot && scale == 0) {
        return None;
    }
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    if m == 0 {
        return Some(Fixed::ZERO);
    }
    // at most 19 digits: scale <= 19 <= MAX_SCALE and |m| < 10^19 < 10^MAX_DIGITS
    let m = i128::from(m);
    Some(Fixed {
        mantissa: if negative { -m } else { m },
        scale,
    })
}

/// True if `text` matches the accepted decimal grammar (any length, any exponent).
pub fn is_decimal(text: &str) -> bool {
    is_plain_decimal(text.as_bytes()) || split(text.as_bytes()).is_ok()
}

/// The usual wire form `[+-]?\d+(\.\d+)?` in one pass: a subset of `split`'s grammar, so `true`
/// here means `split` accepts it (the hot path of level validation).
fn is_plain_decimal(t: &[u8]) -> bool {
    let mut i = usize::from(matches!(t.first(), Some(b'-' | b'+')));
    let int_start = i;
    while t.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == int_start {
        return false;
    }
    match t.get(i) {
        None => true,
        Some(b'.') => {
            i += 1;
            let frac_start = i;
            while t.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i > frac_start && i == t.len()
        }
        Some(_) => false,
    }
}

/// `float(text)` as Python computes it, for texts of the accepted grammar. A value that
/// overflows to infinity (`1e400`) is rejected with [`NumError::Overflow`].
pub fn to_f64(text: &str) -> Result<f64, NumError> {
    split(text.as_bytes())?;
    // The grammar is a subset of Rust's, and Rust's parser is correctly rounded like CPython's.
    let v: f64 = text.parse().map_err(|_| NumError::Invalid { offset: 0 })?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(NumError::Overflow)
    }
}

/// The absolute value's text: the wire text without its sign (`-108` → `108`, `-0.50` → `0.50`).
pub fn abs_text(text: &str) -> Result<String, NumError> {
    abs_str(text).map(str::to_owned)
}

/// [`abs_text`] without allocating: a slice of the input.
pub fn abs_str(text: &str) -> Result<&str, NumError> {
    split(text.as_bytes())?;
    Ok(text.strip_prefix(['-', '+']).unwrap_or(text))
}

/// Exact `text × 100` as plain decimal text (`0.0123` → `1.23`, `-0.5` → `-50`, `1E-4` → `0.01`),
/// e.g. a fraction turned into a percent. Results longer than 512 characters are rejected.
pub fn times_100_text(text: &str) -> Result<String, NumError> {
    let p = split(text.as_bytes())?;
    let sig = significant(&p);
    if sig.digits.is_empty() {
        return Ok("0".to_owned());
    }
    let exp10 = sig.exp10 + 2;
    let nd = sig.digits.len() as i64;
    // Length of the plain result: integer zeros when exp10 > 0, leading "0.000" when negative.
    let len = if exp10 >= 0 {
        nd + exp10
    } else {
        nd.max(-exp10) + 2
    };
    if len > MAX_PLAIN_LEN as i64 {
        return Err(NumError::Overflow);
    }
    let mut digits = String::from_utf8_lossy(&sig.digits).into_owned();
    let scale = if exp10 >= 0 {
        digits.extend(std::iter::repeat_n('0', exp10 as usize));
        0
    } else {
        (-exp10) as usize
    };
    let mut out = String::with_capacity(len as usize + 2);
    write_plain_digits(sig.negative, &digits, scale, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fast_path_agrees_with_the_grammar() {
        // Every text up to 5 bytes over the grammar's alphabet.
        let alphabet = b"09.-+eE x";
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        let mut level: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for t in &level {
                for &c in alphabet {
                    let mut n = t.clone();
                    n.push(c);
                    next.push(n);
                }
            }
            texts.extend(next.iter().cloned());
            level = next;
        }
        assert!(texts.len() > 60_000);
        let mut plain = 0;
        for t in &texts {
            if is_plain_decimal(t) {
                plain += 1;
                assert!(split(t).is_ok(), "{:?}", String::from_utf8_lossy(t));
            }
            let s = String::from_utf8_lossy(t);
            assert_eq!(is_decimal(&s), split(s.as_bytes()).is_ok(), "{s:?}");
        }
        assert!(plain > 100, "{plain}");
    }

    fn fx(s: &str) -> Fixed {
        parse_fixed(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_normalises() {
        assert_eq!(fx("117000.10"), fx("117000.1"));
        assert_eq!(fx("117000.10").to_plain_string(), "117000.1");
        assert_eq!(fx("60000").to_plain_string(), "60000");
        assert_eq!(fx("60000.000").to_plain_string(), "60000");
        assert_eq!(fx("0.0125").to_plain_string(), "0.0125");
        assert_eq!(fx("0.000"), Fixed::ZERO);
        assert_eq!(fx("-0"), Fixed::ZERO);
        assert_eq!(fx("-0.0e5"), Fixed::ZERO);
        assert_eq!(fx("0e-999999999999999999999"), Fixed::ZERO);
        assert_eq!(fx("+1.5").to_plain_string(), "1.5");
        assert_eq!(fx("-1.25e-8").to_plain_string(), "-0.0000000125");
        assert_eq!(fx("1E+3").to_plain_string(), "1000");
        assert_eq!(fx("1e3"), fx("1000"));
        assert_eq!(fx("12.5e-1"), fx("1.25"));
        assert_eq!(fx("0.00000000"), Fixed::ZERO);
        assert_eq!(
            fx("1e-30").to_plain_string(),
            format!("0.{}1", "0".repeat(29))
        );
        assert_eq!(fx("1e-30").scale(), 30);
        assert_eq!(fx("00012.3400").to_plain_string(), "12.34");
        let big = i64::MAX.to_string();
        assert_eq!(fx(&big).to_plain_string(), big);
        assert_eq!(
            fx(&i64::MIN.to_string()).to_plain_string(),
            i64::MIN.to_string()
        );
        let max38 = "9".repeat(38);
        assert_eq!(fx(&max38).to_plain_string(), max38);
        // trailing zeros beyond the scale limit are not precision
        assert_eq!(fx(&format!("1.{}", "0".repeat(60))), fx("1"));
        assert_eq!(
            fx(&format!("0.{}5{}", "0".repeat(29), "0".repeat(40))).scale(),
            30
        );
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "", "-", "+", ".", ".5", "5.", "1e", "1e+", "--1", "1..2", "1.2.3", " 1", "1 ",
            "1_000", "nan", "NaN", "inf", "-inf", "Infinity", "0x10", "1,5", "١", "1e5x", "e5",
        ] {
            assert!(parse_fixed(bad).is_err(), "{bad:?}");
            assert!(!is_decimal(bad), "{bad:?}");
            assert!(to_f64(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_fixed(""), Err(NumError::Empty));
        assert_eq!(parse_fixed("12a"), Err(NumError::Invalid { offset: 2 }));
    }

    #[test]
    fn range_limits() {
        assert_eq!(parse_fixed(&"9".repeat(39)), Err(NumError::Overflow));
        assert_eq!(parse_fixed("1e38"), Err(NumError::Overflow));
        assert!(parse_fixed("1e37").is_ok());
        assert_eq!(
            parse_fixed("1e99999999999999999999999"),
            Err(NumError::Overflow)
        );
        assert_eq!(parse_fixed("1e-31"), Err(NumError::TooPrecise));
        assert_eq!(
            parse_fixed("1e-99999999999999999999999"),
            Err(NumError::TooPrecise)
        );
        assert_eq!(
            parse_fixed(&format!("0.{}1", "0".repeat(30))),
            Err(NumError::TooPrecise)
        );
        assert_eq!(
            parse_fixed(&format!("1.{}", "1".repeat(31))),
            Err(NumError::TooPrecise)
        );
        // 38 significant digits with 30 of them fractional fit; 39 do not
        assert!(parse_fixed(&format!("{}.{}", "9".repeat(8), "9".repeat(30))).is_ok());
        assert_eq!(
            parse_fixed(&format!("{}.{}", "9".repeat(9), "9".repeat(30))),
            Err(NumError::Overflow)
        );
        assert_eq!(Fixed::new(1, 31), Err(NumError::TooPrecise));
        assert_eq!(Fixed::new(10, 31), Ok(fx("1e-30")));
        assert_eq!(Fixed::new(i128::MAX, 0), Err(NumError::Overflow));
        assert_eq!(Fixed::new(i128::MIN, 0), Err(NumError::Overflow));
    }

    #[test]
    fn ordering_by_value() {
        let mut v: Vec<Fixed> = [
            "1",
            "0.5",
            "-2",
            "10",
            "1.00001",
            "-0.1",
            "0",
            "99999999999999999999999999999999999999",
            "-99999999999999999999999999999999999999",
            "1e-30",
            "-1e-30",
            "60000",
            "59999.9",
        ]
        .iter()
        .map(|s| fx(s))
        .collect();
        v.sort();
        let out: Vec<String> = v.iter().map(Fixed::to_plain_string).collect();
        let mut expect: Vec<(f64, String)> = out
            .iter()
            .map(|s| (s.parse::<f64>().unwrap_or(0.0), s.clone()))
            .collect();
        expect.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(out, expect.into_iter().map(|x| x.1).collect::<Vec<_>>());
        // overflow branch of cmp: 10^37 vs 1e-30 at scale 30
        assert!(fx("1e37") > fx("1e-30"));
        assert!(fx("-1e37") < fx("1e-30"));
        assert!(fx("1e-30") < fx("1e37"));
        assert!(fx("1e-30") > fx("-1e37"));
        assert_eq!(fx("2.50").cmp(&fx("2.5")), Ordering::Equal);
    }

    #[test]
    fn hash_by_value() {
        use std::collections::HashSet;
        let s: HashSet<Fixed> = ["117000.10", "117000.1", "1.1700010e5", "117000.100000"]
            .iter()
            .map(|t| fx(t))
            .collect();
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn floats_match_correct_rounding() {
        let cases = [
            "0.1",
            "60000.1",
            "-1.25e-8",
            "1E+3",
            "117000.10",
            "9007199254740993",
            "123456789012345678901234567.5",
            "0.000000000000000000000000000001",
            "2.2250738585072014e-308",
            "1e-400",
            "-0",
            "1.7976931348623157e308",
            "4.9e-324",
            "0.30000000000000004",
        ];
        for c in cases {
            let expect: f64 = c.parse().unwrap_or(f64::NAN);
            assert_eq!(to_f64(c).map(f64::to_bits), Ok(expect.to_bits()), "{c}");
            if let Ok(f) = parse_fixed(c) {
                assert_eq!(f.to_f64(), expect, "{c}");
            }
        }
        assert_eq!(to_f64("1e400"), Err(NumError::Overflow));
        assert_eq!(to_f64("-1e400"), Err(NumError::Overflow));
        // beyond the fast path: 2^53 + 1 needs the slow path to round to even
        assert_eq!(fx("9007199254740993").to_f64(), 9007199254740992.0);
        assert_eq!(fx("0.1").to_f64(), 0.1);
    }

    #[test]
    fn arithmetic() {
        assert_eq!(fx("60000.1").checked_sub(&fx("59999.95")), Some(fx("0.15")));
        assert_eq!(fx("0.1").checked_add(&fx("0.2")), Some(fx("0.3")));
        assert_eq!(fx("1").checked_add(&fx("-1")), Some(Fixed::ZERO));
        assert_eq!(fx("59999.9").mid_f64(&fx("60000")), Some(59999.95));
        assert_eq!(fx(&"9".repeat(38)).checked_add(&fx("1")), None);
        assert_eq!(fx("1e37").checked_sub(&fx("1e-30")), None);
        assert_eq!(Fixed::from_i64(-108).to_plain_string(), "-108");
        assert_eq!(
            Fixed::from_i64(i64::MIN).to_plain_string(),
            i64::MIN.to_string()
        );
        assert_eq!(format!("{}", fx("0.0125")), "0.0125");
    }

    #[test]
    fn text_transforms() {
        assert_eq!(abs_text("-108").as_deref(), Ok("108"));
        assert_eq!(abs_text("108").as_deref(), Ok("108"));
        assert_eq!(abs_text("-0.50").as_deref(), Ok("0.50"));
        assert_eq!(abs_text("+1e-8").as_deref(), Ok("1e-8"));
        assert!(abs_text("-x").is_err());
        assert!(abs_str("").is_err());
        let t = |s: &str| times_100_text(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(t("0.0123"), "1.23");
        assert_eq!(t("-0.5"), "-50");
        assert_eq!(t("0.10"), "10");
        assert_eq!(t("0"), "0");
        assert_eq!(t("-0.000"), "0");
        assert_eq!(t("1E-4"), "0.01");
        assert_eq!(t("-1.25e-8"), "-0.00000125");
        assert_eq!(t("0.001"), "0.1");
        assert_eq!(t("12"), "1200");
        assert_eq!(t("1.234567"), "123.4567");
        // beyond Fixed's range still exact as text
        let long = format!("0.{}", "1".repeat(60));
        assert_eq!(t(&long), format!("11.{}", "1".repeat(58)));
        assert_eq!(times_100_text("1e999999"), Err(NumError::Overflow));
        assert_eq!(times_100_text("1e-999999"), Err(NumError::Overflow));
        assert!(times_100_text("abc").is_err());
    }

    #[test]
    fn short_path_agrees_with_general_path() {
        let mut x: u64 = 0x1234_5678_9ABC_DEF1;
        let alphabet = b"0123456789.-+e0000";
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let mut y = x;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    y = y.rotate_left(5) ^ 0x9E37_79B9_7F4A_7C15;
                    alphabet
                        .get((y % alphabet.len() as u64) as usize)
                        .copied()
                        .unwrap_or(b'0')
                })
                .collect();
            if let Some(f) = parse_short(&text) {
                assert_eq!(
                    Ok(f),
                    parse_general(&text),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
            assert_eq!(
                parse_fixed_bytes(&text).is_ok(),
                split(&text).is_ok() && parse_general(&text).is_ok()
            );
        }
    }

    #[test]
    fn plain_string_roundtrip_random() {
        // xorshift-driven texts; parse → plain → parse is the identity and equals the f64 path
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..5000 {
            let int = next() % 1_000_000_000;
            let frac_len = (next() % 12) as usize;
            let frac: String = (0..frac_len)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let neg = next() % 3 == 0;
            let text = if frac.is_empty() {
                format!("{}{int}", if neg { "-" } else { "" })
            } else {
                format!("{}{int}.{frac}", if neg { "-" } else { "" })
            };
            let f = fx(&text);
            let plain = f.to_plain_string();
            assert_eq!(fx(&plain), f, "{text}");
            assert!(!plain.contains('e'), "{plain}");
            assert!(!(plain.contains('.') && plain.ends_with('0')), "{plain}");
            assert_eq!(
                f.to_f64(),
                text.parse::<f64>().unwrap_or(f64::NAN),
                "{text}"
            );
            let e = (next() % 20) as i32 - 10;
            let sci = format!("{text}e{e}");
            if let Ok(g) = parse_fixed(&sci) {
                assert_eq!(g.to_f64(), sci.parse::<f64>().unwrap_or(f64::NAN), "{sci}");
            }
        }
    }
}
