//! Small typed accessors over the borrowed JSON tree, shared by the Gate channel parsers.

use crate::error::ParseError;
use crate::events::{Dec, Value};
use crate::mexc::jsonv::{is_integer_token, Arr, J};
use crate::mexc::MexcError;
use crate::num;

pub type R<T> = Result<T, ParseError>;

/// The JSON reader's errors, as `ParseError`s.
pub fn json_error(e: MexcError) -> ParseError {
    match e {
        MexcError::Json { msg, offset } => ParseError::Json { msg, offset },
        MexcError::TooDeep { limit, offset } => ParseError::TooDeep { limit, offset },
        MexcError::Utf8 { offset } => ParseError::Utf8 { offset },
        other => ParseError::invalid("JSON", "frame", other.to_string()),
    }
}

/// Optional decimal field: absent, `null` or `""` → `None`; a string must be a decimal; a number
/// keeps its exact token.
pub fn dec(v: Option<J<'_>>, field: &str, ctx: &str) -> R<Option<Dec>> {
    dec_text(v, field, ctx).map(|t| t.map(Dec::new))
}

/// [`dec`], borrowing the text from the frame.
pub fn dec_text<'t>(v: Option<J<'t>>, field: &str, ctx: &str) -> R<Option<&'t str>> {
    match v {
        None | Some(J::Null) => Ok(None),
        Some(J::Str("")) => Ok(None),
        Some(J::Str(s)) => {
            if num::is_decimal(s) {
                Ok(Some(s))
            } else {
                Err(ParseError::invalid(
                    field,
                    ctx,
                    format!("not a decimal: {:?}", trunc(s)),
                ))
            }
        }
        Some(J::Num(n)) => Ok(Some(n)),
        Some(other) => Err(ParseError::invalid(
            field,
            ctx,
            format!(
                "expected a decimal string or number, got {}",
                other.type_name()
            ),
        )),
    }
}

/// Required decimal text, borrowed.
pub fn req_dec_text<'t>(v: Option<J<'t>>, field: &str, ctx: &str) -> R<&'t str> {
    dec_text(v, field, ctx)?.ok_or_else(|| ParseError::missing(field, ctx))
}

/// Required decimal field.
pub fn req_dec(v: Option<J<'_>>, field: &str, ctx: &str) -> R<Dec> {
    dec(v, field, ctx)?.ok_or_else(|| ParseError::missing(field, ctx))
}

/// The absolute value of a signed decimal, as exact text.
pub fn abs_dec(d: &Dec, field: &str, ctx: &str) -> R<Dec> {
    num::abs_str(d.as_str())
        .map(Dec::new)
        .map_err(|e| ParseError::invalid(field, ctx, e.to_string()))
}

/// Sign of a validated decimal text: -1, 0, 1.
pub fn sign(d: &Dec) -> i8 {
    let s = d.as_str();
    let negative = s.starts_with('-');
    let mantissa = s.split(['e', 'E']).next().unwrap_or("");
    if !mantissa.bytes().any(|c| matches!(c, b'1'..=b'9')) {
        0
    } else if negative {
        -1
    } else {
        1
    }
}

/// Unsigned integer id (JSON integer or digit string); absent / null / `""` → `None`.
pub fn opt_u64(v: Option<J<'_>>, field: &str, ctx: &str) -> R<Option<u64>> {
    let text: &str = match v {
        None | Some(J::Null) => return Ok(None),
        Some(J::Str("")) => return Ok(None),
        Some(J::Str(s)) => s,
        Some(J::Num(n)) => n,
        Some(other) => {
            return Err(ParseError::invalid(
                field,
                ctx,
                format!("expected an integer, got {}", other.type_name()),
            ))
        }
    };
    text.parse::<u64>().map(Some).map_err(|_| {
        ParseError::invalid(
            field,
            ctx,
            format!("not an unsigned integer: {:?}", trunc(text)),
        )
    })
}

/// Millisecond time: JSON integer or string, a fractional part (`"1606292218213.4578"`) floored.
/// Anything else (wrong type, junk) → `None`: times are informative, never worth a rejection.
pub fn opt_ms(v: Option<J<'_>>) -> Option<i64> {
    let text: &str = match v {
        Some(J::Str(s)) => s,
        Some(J::Num(n)) => n,
        _ => return None,
    };
    let int = text.split('.').next().unwrap_or("");
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    int.parse().ok()
}

/// Seconds with an optional fraction (`1681195484.462`) → milliseconds, exactly (truncated).
pub fn secs_to_ms(v: Option<J<'_>>) -> Option<i64> {
    let text: &str = match v {
        Some(J::Str(s)) => s,
        Some(J::Num(n)) => n,
        _ => return None,
    };
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut ms: String = frac.chars().take(3).collect();
    while ms.len() < 3 {
        ms.push('0');
    }
    let secs: i64 = int.parse().ok()?;
    let ms: i64 = ms.parse().ok()?;
    secs.checked_mul(1000)?.checked_add(ms)
}

/// An id as text: strings as sent, integers as their token; absent / null / `""` → `None`.
pub fn id_text(v: Option<J<'_>>) -> Option<String> {
    match v {
        Some(J::Str(s)) if !s.is_empty() => Some(s.to_string()),
        Some(J::Num(n)) => Some(n.to_string()),
        _ => None,
    }
}

pub fn opt_str(v: Option<J<'_>>) -> Option<String> {
    match v {
        Some(J::Str(s)) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    }
}

pub fn opt_bool(v: Option<J<'_>>) -> Option<bool> {
    match v {
        Some(J::Bool(b)) => Some(b),
        _ => None,
    }
}

/// A JSON value kept as sent: integers stay integers, other numbers keep their token.
pub fn to_value(v: J<'_>) -> Value {
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Num(n) if is_integer_token(n) => match n.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(n.to_string()),
        },
        J::Num(n) => Value::Num(n.to_string()),
        J::Str(s) => Value::Str(s.to_string()),
        J::Arr(items) => Value::Array(items.iter().map(to_value).collect()),
        J::Obj(_) => Value::Object(to_fields(v)),
    }
}

/// Object members in wire order, duplicate keys resolved last-wins (the value replaces the first
/// occurrence in place).
pub fn to_fields(v: J<'_>) -> Vec<(String, Value)> {
    let J::Obj(members) = v else {
        return Vec::new();
    };
    let mut out: Vec<(String, Value)> = Vec::with_capacity(members.len());
    for (k, val) in members.iter() {
        let value = to_value(val);
        match out.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = value,
            None => out.push((k.to_string(), value)),
        }
    }
    out
}

/// Entries of a result: an array's items, or a single object as one entry.
pub fn entries<'t>(result: J<'t>, ctx: &str) -> R<Entries<'t>> {
    match result {
        J::Arr(items) => Ok(Entries::Many(items)),
        J::Obj(_) => Ok(Entries::One(result)),
        other => Err(ParseError::invalid(
            "result",
            ctx,
            format!("expected an object or array, got {}", other.type_name()),
        )),
    }
}

/// What `entries` found.
#[derive(Clone, Copy)]
pub enum Entries<'t> {
    One(J<'t>),
    Many(Arr<'t>),
}

impl<'t> Entries<'t> {
    pub fn len(&self) -> usize {
        match self {
            Entries::One(_) => 1,
            Entries::Many(a) => a.len(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = J<'t>> + 't {
        let (one, many) = match *self {
            Entries::One(j) => (Some(j), None),
            Entries::Many(a) => (None, Some(a)),
        };
        one.into_iter()
            .chain(many.into_iter().flat_map(|a| a.iter()))
    }
}

pub fn require_object(v: J<'_>, field: &str, ctx: &str) -> R<()> {
    if v.is_object() {
        Ok(())
    } else {
        Err(ParseError::invalid(
            field,
            ctx,
            format!("expected an object, got {}", v.type_name()),
        ))
    }
}

fn trunc(s: &str) -> String {
    s.chars().take(40).collect()
}
