//! Semantic rules a protobuf runtime cannot know (P8 of the vectors README): versions that sequence a
//! book must be decimal digit strings, book levels and deals need decimal prices above zero and
//! non-negative quantities, other numeric strings must be decimal text when present. Empty strings (proto3 defaults)
//! are allowed where the event can carry `None`.

use super::error::MexcError;
use super::proto::*;

/// Sign class of a decimal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Negative,
    Zero,
    Positive,
}

/// Classify `-?digits(.digits)?([eE][+-]?digits)?`; `None` when the text is not of that form.
pub fn decimal_sign(s: &str) -> Option<Sign> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i = 1;
    }
    let mut nonzero = false;
    let int_start = i;
    while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        nonzero |= *c != b'0';
        i += 1;
    }
    if i == int_start {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            nonzero |= *c != b'0';
            i += 1;
        }
        if i == frac_start {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(match (nonzero, neg) {
        (false, _) => Sign::Zero,
        (true, true) => Sign::Negative,
        (true, false) => Sign::Positive,
    })
}

/// A version/sequence string: non-empty decimal digits that fit a u64.
pub fn parse_version(s: &str, field: &'static str, ctx: &str) -> Result<u64, MexcError> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(MexcError::invalid(
            field,
            ctx,
            format!("version must be a non-empty string of decimal digits, got {s:?}"),
        ));
    }
    s.parse::<u64>()
        .map_err(|_| MexcError::invalid(field, ctx, format!("version {s:?} exceeds 64 bits")))
}

/// Optional version: `""` (proto3 default, e.g. pre-2026.6 frames) is `None`.
pub fn parse_opt_version(
    s: &str,
    field: &'static str,
    ctx: &str,
) -> Result<Option<u64>, MexcError> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse_version(s, field, ctx).map(Some)
    }
}

fn price(s: &str, ctx: &str) -> Result<(), MexcError> {
    match decimal_sign(s) {
        Some(Sign::Positive) => Ok(()),
        Some(_) => Err(MexcError::invalid(
            "price",
            ctx,
            format!("price must be > 0, got {s:?}"),
        )),
        None => Err(MexcError::invalid(
            "price",
            ctx,
            format!("not a decimal number: {s:?}"),
        )),
    }
}

fn quantity(s: &str, ctx: &str) -> Result<(), MexcError> {
    match decimal_sign(s) {
        Some(Sign::Positive | Sign::Zero) => Ok(()),
        Some(Sign::Negative) => Err(MexcError::invalid(
            "quantity",
            ctx,
            format!("quantity must be >= 0, got {s:?}"),
        )),
        None => Err(MexcError::invalid(
            "quantity",
            ctx,
            format!("not a decimal number: {s:?}"),
        )),
    }
}

/// A numeric string that may be empty (then the event field is `None`).
pub fn opt_decimal(s: &str, field: &'static str, ctx: &str) -> Result<(), MexcError> {
    if s.is_empty() || decimal_sign(s).is_some() {
        Ok(())
    } else {
        Err(MexcError::invalid(
            field,
            ctx,
            format!("not a decimal number: {s:?}"),
        ))
    }
}

fn levels<'a>(items: impl Iterator<Item = (&'a str, &'a str)>, ctx: &str) -> Result<(), MexcError> {
    for (p, q) in items {
        price(p, ctx)?;
        quantity(q, ctx)?;
    }
    Ok(())
}

fn book_ticker(t: &PublicBookTickerV3Api, ctx: &str) -> Result<(), MexcError> {
    opt_decimal(&t.bid_price, "bidPrice", ctx)?;
    opt_decimal(&t.bid_quantity, "bidQuantity", ctx)?;
    opt_decimal(&t.ask_price, "askPrice", ctx)?;
    opt_decimal(&t.ask_quantity, "askQuantity", ctx)
}

fn mini_ticker(t: &PublicMiniTickerV3Api, ctx: &str) -> Result<(), MexcError> {
    for (v, name) in [
        (&t.price, "price"),
        (&t.rate, "rate"),
        (&t.zoned_rate, "zonedRate"),
        (&t.high, "high"),
        (&t.low, "low"),
        (&t.volume, "volume"),
        (&t.quantity, "quantity"),
        (&t.last_close_rate, "lastCloseRate"),
        (&t.last_close_zoned_rate, "lastCloseZonedRate"),
        (&t.last_close_high, "lastCloseHigh"),
        (&t.last_close_low, "lastCloseLow"),
    ] {
        opt_decimal(v, name, ctx)?;
    }
    Ok(())
}

fn increase(d: &PublicIncreaseDepthsV3Api, ctx: &str) -> Result<(), MexcError> {
    parse_version(&d.version, "version", ctx)?;
    levels(
        d.asks
            .iter()
            .map(|l| (l.price.as_str(), l.quantity.as_str())),
        &format!("{ctx}.asks"),
    )?;
    levels(
        d.bids
            .iter()
            .map(|l| (l.price.as_str(), l.quantity.as_str())),
        &format!("{ctx}.bids"),
    )
}

/// Check the semantic rules for a decoded wrapper (the wire was validated already).
pub fn check_push(w: &PushDataV3ApiWrapper) -> Result<(), MexcError> {
    if w.channel.is_empty() {
        return Err(MexcError::Missing {
            field: "channel",
            context: "wrapper (field 1)".into(),
        });
    }
    let Some(body) = &w.body else { return Ok(()) };
    match body {
        Body::PublicAggreDepths(d) => {
            let ctx = "publicAggreDepths";
            let from = parse_version(&d.from_version, "fromVersion", ctx)?;
            let to = parse_version(&d.to_version, "toVersion", ctx)?;
            if from > to {
                return Err(MexcError::invalid(
                    "fromVersion",
                    ctx,
                    format!("fromVersion {from} > toVersion {to}"),
                ));
            }
            levels(
                d.asks
                    .iter()
                    .map(|l| (l.price.as_str(), l.quantity.as_str())),
                "publicAggreDepths.asks",
            )?;
            levels(
                d.bids
                    .iter()
                    .map(|l| (l.price.as_str(), l.quantity.as_str())),
                "publicAggreDepths.bids",
            )
        }
        Body::PublicIncreaseDepths(d) => increase(d, "publicIncreaseDepths"),
        Body::PublicIncreaseDepthsBatch(b) => {
            for d in &b.items {
                increase(d, "publicIncreaseDepthsBatch.items")?;
            }
            Ok(())
        }
        Body::PublicLimitDepths(d) => {
            let ctx = "publicLimitDepths";
            parse_version(&d.version, "version", ctx)?;
            levels(
                d.asks
                    .iter()
                    .map(|l| (l.price.as_str(), l.quantity.as_str())),
                "publicLimitDepths.asks",
            )?;
            levels(
                d.bids
                    .iter()
                    .map(|l| (l.price.as_str(), l.quantity.as_str())),
                "publicLimitDepths.bids",
            )
        }
        Body::PublicAggreDeals(d) => levels(
            d.deals
                .iter()
                .map(|x| (x.price.as_str(), x.quantity.as_str())),
            "publicAggreDeals.deals",
        ),
        Body::PublicDeals(d) => levels(
            d.deals
                .iter()
                .map(|x| (x.price.as_str(), x.quantity.as_str())),
            "publicDeals.deals",
        ),
        Body::PublicAggreBookTicker(t) => {
            let ctx = "publicAggreBookTicker";
            for (v, name) in [
                (&t.bid_price, "bidPrice"),
                (&t.bid_quantity, "bidQuantity"),
                (&t.ask_price, "askPrice"),
                (&t.ask_quantity, "askQuantity"),
            ] {
                opt_decimal(v, name, ctx)?;
            }
            parse_opt_version(&t.version, "version", ctx).map(|_| ())
        }
        Body::PublicBookTicker(t) => book_ticker(t, "publicBookTicker"),
        Body::PublicBookTickerBatch(b) => {
            for t in &b.items {
                book_ticker(t, "publicBookTickerBatch.items")?;
            }
            parse_opt_version(&b.version, "version", "publicBookTickerBatch").map(|_| ())
        }
        Body::PublicSpotKline(k) => {
            let ctx = "publicSpotKline";
            for (v, name) in [
                (&k.opening_price, "openingPrice"),
                (&k.closing_price, "closingPrice"),
                (&k.highest_price, "highestPrice"),
                (&k.lowest_price, "lowestPrice"),
                (&k.volume, "volume"),
                (&k.amount, "amount"),
            ] {
                opt_decimal(v, name, ctx)?;
            }
            Ok(())
        }
        Body::PublicMiniTicker(t) => mini_ticker(t, "publicMiniTicker"),
        Body::PublicMiniTickers(b) => {
            for t in &b.items {
                mini_ticker(t, "publicMiniTickers.items")?;
            }
            Ok(())
        }
        Body::PrivateOrders(o) => {
            let ctx = "privateOrders";
            for (v, name) in [
                (&o.price, "price"),
                (&o.quantity, "quantity"),
                (&o.amount, "amount"),
                (&o.avg_price, "avgPrice"),
                (&o.remain_amount, "remainAmount"),
                (&o.remain_quantity, "remainQuantity"),
                (&o.cumulative_quantity, "cumulativeQuantity"),
                (&o.cumulative_amount, "cumulativeAmount"),
            ] {
                opt_decimal(v, name, ctx)?;
            }
            if let Some(v) = &o.last_deal_quantity {
                opt_decimal(v, "lastDealQuantity", ctx)?;
            }
            if let Some(v) = &o.trigger_price {
                opt_decimal(v, "triggerPrice", ctx)?;
            }
            Ok(())
        }
        Body::PrivateDeals(d) => {
            let ctx = "privateDeals";
            for (v, name) in [
                (&d.price, "price"),
                (&d.quantity, "quantity"),
                (&d.amount, "amount"),
                (&d.fee_amount, "feeAmount"),
            ] {
                opt_decimal(v, name, ctx)?;
            }
            Ok(())
        }
        Body::PrivateAccount(a) => {
            let ctx = "privateAccount";
            for (v, name) in [
                (&a.balance_amount, "balanceAmount"),
                (&a.balance_amount_change, "balanceAmountChange"),
                (&a.frozen_amount, "frozenAmount"),
                (&a.frozen_amount_change, "frozenAmountChange"),
            ] {
                opt_decimal(v, name, ctx)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_grammar() {
        assert_eq!(decimal_sign("0.00000000"), Some(Sign::Zero));
        assert_eq!(decimal_sign("-0"), Some(Sign::Zero));
        assert_eq!(decimal_sign("93220.00"), Some(Sign::Positive));
        assert_eq!(decimal_sign("1E-8"), Some(Sign::Positive));
        assert_eq!(decimal_sign("1.5e+7"), Some(Sign::Positive));
        assert_eq!(decimal_sign("-0.5"), Some(Sign::Negative));
        for bad in [
            "", "abc", "1.", ".5", "+1", "1e", "1 ", "1_0", "--1", "1.2.3", "0x10",
        ] {
            assert_eq!(decimal_sign(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("43296363236", "v", "t").ok(),
            Some(43_296_363_236)
        );
        assert!(parse_version("", "v", "t").is_err());
        assert!(parse_version("4329636340x", "v", "t").is_err());
        assert!(parse_version("99999999999999999999999", "v", "t").is_err());
        assert_eq!(parse_opt_version("", "v", "t").ok(), Some(None));
    }
}
