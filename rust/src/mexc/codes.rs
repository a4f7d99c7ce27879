//! MEXC enum codes → the spec's strings (spec/api.md "Where fields come from"; tables in
//! protocols/mexc.md §4.2 and §6.5). Raw codes are always kept next to these by the callers.

/// Spot `tradeType` (public deals, orders, fills): 1 buy, 2 sell; the taker side for public deals.
pub fn spot_side(code: i32) -> Option<&'static str> {
    match code {
        1 => Some("buy"),
        2 => Some("sell"),
        _ => None,
    }
}

/// Spot `privateOrders.status`: 1 new, 2 filled, 3 partially filled, 4 canceled,
/// 5 partially filled then canceled.
pub fn spot_order_status(code: i32) -> &'static str {
    match code {
        1 => "new",
        2 => "filled",
        3 => "partially_filled",
        4 | 5 => "cancelled",
        _ => "unknown",
    }
}

/// Spot `privateOrders.orderType`: 1 LIMIT, 2 POST_ONLY, 3 IOC, 4 FOK, 5 MARKET, 100 stop-limit.
pub fn spot_order_type(code: i32) -> &'static str {
    match code {
        1 => "limit",
        2 => "post_only",
        3 => "ioc",
        4 => "fok",
        5 => "market",
        100 => "stop_limit",
        _ => "other",
    }
}

/// Futures order / fill `side`: 1 open long, 2 close short (buys), 3 open short, 4 close long (sells).
pub fn futures_side(code: i64) -> Option<&'static str> {
    match code {
        1 | 2 => Some("buy"),
        3 | 4 => Some("sell"),
        _ => None,
    }
}

/// The position effect of a futures order / fill `side` code.
pub fn futures_position_effect(code: i64) -> Option<&'static str> {
    match code {
        1 => Some("open_long"),
        2 => Some("close_short"),
        3 => Some("open_short"),
        4 => Some("close_long"),
        _ => None,
    }
}

/// Futures order `state`: 1 uninformed (pending), 2 uncompleted (open), 3 completed (filled),
/// 4 cancelled, 5 invalid (rejected).
pub fn futures_order_status(code: i64) -> &'static str {
    match code {
        1 => "new",
        2 => "open",
        3 => "filled",
        4 => "cancelled",
        5 => "rejected",
        _ => "unknown",
    }
}

/// Futures `orderType`: 1 limit, 2 Post Only, 3 IOC, 4 FOK, 5 market, 6 market-to-limit.
pub fn futures_order_type(code: i64) -> &'static str {
    match code {
        1 => "limit",
        2 => "post_only",
        3 => "ioc",
        4 => "fok",
        5 => "market",
        // 6 market-to-limit has no spec name: "other", code kept.
        _ => "other",
    }
}

/// Futures public deal `T`: 1 buy, 2 sell (taker side).
pub fn futures_trade_side(code: i64) -> Option<&'static str> {
    match code {
        1 => Some("buy"),
        2 => Some("sell"),
        _ => None,
    }
}

/// Futures `openType`: 1 isolated, 2 cross.
pub fn futures_margin_mode(code: i64) -> Option<&'static str> {
    match code {
        1 => Some("isolated"),
        2 => Some("cross"),
        _ => None,
    }
}

/// The symbol of a spot channel string: the `@`-part that is neither the channel id nor a
/// parameter (interval, depth limit, kline interval, timezone). Interval-first channels
/// (`aggre.*@100ms@SYM`) end with the symbol, symbol-first ones (`kline@SYM@Min1`,
/// `limit.depth@SYM@5`, `miniTicker@SYM@UTC+8`) carry it third.
pub fn symbol_from_channel(channel: &str) -> Option<&str> {
    let mut parts = channel.split('@');
    let _venue = parts.next()?;
    let id = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    if id.starts_with("private.") || id.starts_with("public.miniTickers.") {
        return None;
    }
    let symbol = if id.starts_with("public.aggre.") {
        rest.last().copied()
    } else {
        rest.first().copied()
    };
    symbol.filter(|s| !s.is_empty() && !is_param(s))
}

fn is_param(s: &str) -> bool {
    s.ends_with("ms") && s[..s.len() - 2].bytes().all(|c| c.is_ascii_digit())
}

const MAX_SHIFT: u64 = 4096;

/// Multiply a decimal text by 100 exactly (fraction → percent) by moving the decimal point.
/// Returns `None` when `s` is not plain/exponent decimal text, or when its exponent moves the point
/// more than `MAX_SHIFT` places (no real rate looks like that; rendering it would be unbounded).
pub fn times_100(s: &str) -> Option<String> {
    super::check::decimal_sign(s)?;
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
        None => (s, 0),
    };
    let (neg, digits_part) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int_part, frac_part) = digits_part.split_once('.').unwrap_or((digits_part, ""));
    // value = digits × 10^(exp - frac_len); ×100 adds 2 to the exponent.
    let digits: String = format!("{int_part}{frac_part}");
    let scale = i64::try_from(frac_part.len())
        .ok()?
        .checked_sub(exp)?
        .checked_sub(2)?;
    if scale.unsigned_abs() > MAX_SHIFT {
        return None;
    }
    Some(render(neg, &digits, scale))
}

/// Render `digits × 10^-scale` as plain decimal text, trimming leading zeros (not trailing ones).
fn render(neg: bool, digits: &str, scale: i64) -> String {
    let mut out = String::with_capacity(digits.len() + 4);
    if scale <= 0 {
        let zeros = usize::try_from(-scale).unwrap_or(0).min(4096);
        let int = digits.trim_start_matches('0');
        if int.is_empty() {
            out.push('0');
        } else {
            if neg {
                out.push('-');
            }
            out.push_str(int);
            out.extend(std::iter::repeat_n('0', zeros));
        }
        return out;
    }
    let scale = usize::try_from(scale).unwrap_or(0).min(4096);
    let padded = if digits.len() <= scale {
        format!("{}{}", "0".repeat(scale - digits.len() + 1), digits)
    } else {
        digits.to_string()
    };
    let split = padded.len() - scale;
    let int = padded[..split].trim_start_matches('0');
    let frac = &padded[split..];
    let is_zero = int.is_empty() && frac.bytes().all(|c| c == b'0');
    if neg && !is_zero {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    out.push('.');
    out.push_str(frac);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_exact() {
        assert_eq!(times_100("-0.0424").as_deref(), Some("-4.24"));
        assert_eq!(times_100("0.0008").as_deref(), Some("0.08"));
        assert_eq!(times_100("0.1").as_deref(), Some("10"));
        assert_eq!(times_100("1").as_deref(), Some("100"));
        assert_eq!(times_100("12.5").as_deref(), Some("1250"));
        assert_eq!(times_100("1.5E-7").as_deref(), Some("0.000015"));
        assert_eq!(times_100("2E+3").as_deref(), Some("200000"));
        assert_eq!(times_100("-0.000").as_deref(), Some("0.0"));
        assert_eq!(times_100("0.00000123").as_deref(), Some("0.000123"));
        assert_eq!(times_100("abc"), None);
    }

    #[test]
    fn percent_of_extreme_exponents_is_refused_not_wrapped() {
        // these used to overflow the scale arithmetic (panic in debug, wrong text in release)
        assert_eq!(times_100("1e-9223372036854775808"), None);
        assert_eq!(times_100("1e9223372036854775807"), None);
        assert_eq!(times_100("1e5000"), None);
        assert_eq!(times_100("1e-5000"), None);
        assert_eq!(times_100("1e4000").map(|s| s.len()), Some(4003));
    }

    #[test]
    fn symbols_from_channels() {
        assert_eq!(
            symbol_from_channel("spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"),
            Some("BTCUSDT")
        );
        assert_eq!(
            symbol_from_channel("spot@public.kline.v3.api.pb@ETHUSDT@Min15"),
            Some("ETHUSDT")
        );
        assert_eq!(
            symbol_from_channel("spot@public.limit.depth.v3.api.pb@BTCUSDT@5"),
            Some("BTCUSDT")
        );
        assert_eq!(
            symbol_from_channel("spot@public.miniTicker.v3.api.pb@GOLD(PAXG)USDT@UTC+8"),
            Some("GOLD(PAXG)USDT")
        );
        assert_eq!(
            symbol_from_channel("spot@public.bookTicker.batch.v3.api.pb@BTCUSDT"),
            Some("BTCUSDT")
        );
        assert_eq!(
            symbol_from_channel("spot@public.miniTickers.v3.api.pb@UTC+8"),
            None
        );
        assert_eq!(symbol_from_channel("spot@private.orders.v3.api.pb"), None);
        assert_eq!(
            symbol_from_channel("spot@public.aggre.deals.v3.api.pb@100ms"),
            None
        );
        assert_eq!(symbol_from_channel("garbage"), None);
    }

    #[test]
    fn enum_tables() {
        assert_eq!(spot_side(1), Some("buy"));
        assert_eq!(spot_side(-1), None);
        assert_eq!(spot_order_status(5), "cancelled");
        assert_eq!(spot_order_type(100), "stop_limit");
        assert_eq!(futures_side(4), Some("sell"));
        assert_eq!(futures_order_status(5), "rejected");
        assert_eq!(futures_order_type(7), "other");
    }
}
