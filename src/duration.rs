//! Go's `time.Duration` text (`15s`, `1m30s`, `1.5h`): what upstream's flags and
//! v1beta1's `metav1.Duration` fields hold.

pub(crate) const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// The largest magnitude Go's `time.Duration` (an `int64` of nanoseconds) can hold.
const MAX_NANOS: u128 = 1 << 63;

/// Parses a duration the way Go's `time.ParseDuration` does
/// (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare "0"): whether it is negative, and its
/// magnitude in nanoseconds (at most 2^63, as Go's `int64`).
pub fn parse_nanos(text: &str) -> Result<(bool, u128), &'static str> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let nanos = match body {
        "0" => 0,
        "" => return Err("empty"),
        _ => nanoseconds(body)?,
    };
    if nanos > MAX_NANOS || (!negative && nanos == MAX_NANOS) {
        return Err("out of range");
    }
    Ok((negative, nanos))
}

/// A non-negative Go duration, for flags such as `--leader-elect-lease-duration=15s`.
pub fn parse(text: &str) -> Result<std::time::Duration, String> {
    match parse_nanos(text) {
        Ok((false, nanos)) | Ok((true, nanos @ 0)) => Ok(std::time::Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        )),
        Ok((true, _)) => Err(format!("invalid duration {text:?}: negative")),
        Err(reason) => Err(format!("invalid duration {text:?}: {reason}")),
    }
}

/// The total nanoseconds of a sequence of `<number><unit>` terms.
fn nanoseconds(mut rest: &str) -> Result<u128, &'static str> {
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (term, after) = term(rest)?;
        total = total.saturating_add(term);
        if total > MAX_NANOS {
            return Err("out of range");
        }
        rest = after;
    }
    Ok(total)
}

/// One `<digits>[.<digits>]<unit>` term: its nanoseconds and what follows it.
fn term(text: &str) -> Result<(u128, &str), &'static str> {
    let (whole, rest) = split_digits(text);
    let (fraction, rest) = match rest.strip_prefix('.') {
        Some(after_dot) => split_digits(after_dot),
        None => ("", rest),
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err("expected a number");
    }
    let unit_len = rest
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let unit = unit_nanos(unit)?;
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "out of range")?
    };
    // Go ignores fraction digits beyond what it can accumulate; 18 is within that.
    let fraction = &fraction[..fraction.len().min(18)];
    let scale = 10u128.pow(u32::try_from(fraction.len()).unwrap_or(18));
    let fraction: u128 = fraction.parse().unwrap_or(0);
    let nanos = whole
        .checked_mul(unit)
        .and_then(|n| n.checked_add(fraction * unit / scale))
        .ok_or("out of range")?;
    Ok((nanos, rest))
}

/// Splits off the leading ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn unit_nanos(unit: &str) -> Result<u128, &'static str> {
    Ok(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS_PER_SECOND,
        "m" => 60 * NANOS_PER_SECOND,
        "h" => 3_600 * NANOS_PER_SECOND,
        "" => return Err("missing unit"),
        _ => return Err("unknown unit"),
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn flag_durations() {
        assert_eq!(parse("15s"), Ok(std::time::Duration::from_secs(15)));
        assert_eq!(parse("1m30s"), Ok(std::time::Duration::from_secs(90)));
        assert_eq!(parse("250ms"), Ok(std::time::Duration::from_millis(250)));
        assert!(parse("-1s").is_err());
        assert!(parse("15").is_err(), "a unit is required");
    }
}
