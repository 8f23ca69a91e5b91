//! Go `time.Duration` text (what v1beta1's `metav1.Duration` holds) to and from the
//! whole seconds v1beta2 stores in `timeoutSeconds`.

use super::ConversionError;
use super::common::{Result, narrow};

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// The largest magnitude Go's `time.Duration` (an `int64` of nanoseconds) can hold.
const MAX_NANOS: u128 = 1 << 63;

/// Parses a duration the way Go's `time.ParseDuration` does
/// (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare "0") and returns its whole seconds,
/// truncated toward zero like Go's `int32(d.Seconds())`.
pub(crate) fn seconds(text: &str, field: &'static str) -> Result<i32> {
    let invalid = |reason| ConversionError::InvalidDuration {
        field,
        value: text.to_owned(),
        reason,
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let nanos = if body == "0" {
        0
    } else if body.is_empty() {
        return Err(invalid("empty"));
    } else {
        nanoseconds(body).map_err(invalid)?
    };
    if nanos > MAX_NANOS || (!negative && nanos == MAX_NANOS) {
        return Err(invalid("out of range"));
    }
    // Both conversions are lossless: nanos <= 2^63, so seconds < 2^34.
    let whole = i64::try_from(nanos / NANOS_PER_SECOND).unwrap_or(i64::MAX);
    narrow(if negative { -whole } else { whole }, field)
}

/// The total nanoseconds of a sequence of `<number><unit>` terms.
fn nanoseconds(mut rest: &str) -> std::result::Result<u128, &'static str> {
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
fn term(text: &str) -> std::result::Result<(u128, &str), &'static str> {
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

fn unit_nanos(unit: &str) -> std::result::Result<u128, &'static str> {
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

/// Whole seconds as Go's `Duration.String()` writes them: "0s", "45s", "5m0s", "1h0m30s".
pub(crate) fn format(seconds: i32) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let total = seconds.unsigned_abs();
    let (hours, minutes, secs) = (total / 3600, total % 3600 / 60, total % 60);
    match (hours, minutes) {
        (0, 0) => format!("{sign}{secs}s"),
        (0, _) => format!("{sign}{minutes}m{secs}s"),
        _ => format!("{sign}{hours}h{minutes}m{secs}s"),
    }
}

/// API-05: `strategy.timeout` <-> `timeoutSeconds`.
#[cfg(test)]
mod tests {
    use super::{format, seconds};

    #[test]
    fn parses_go_durations_to_whole_seconds() {
        let table = [
            ("0", 0),
            ("0s", 0),
            ("5m0s", 300),
            ("300s", 300),
            ("1h", 3600),
            ("1h30m", 5400),
            ("1.5h", 5400),
            ("+90s", 90),
            ("-90s", -90),
            ("1.999s", 1),
            ("-1.999s", -1),
            ("1500ms", 1),
            ("999999us", 0),
            ("2\u{b5}s", 0),
            (".5m", 30),
            ("1s500ms", 1),
            ("596523h14m7s", i32::MAX),
        ];
        for (text, expected) in table {
            assert_eq!(seconds(text, "t").expect(text), expected, "{text}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        // (text, reason)
        let table = [
            ("", "empty"),
            ("-", "empty"),
            ("5", "missing unit"),
            ("5d", "unknown unit"),
            ("s", "expected a number"),
            (".s", "expected a number"),
            ("1..5s", "missing unit"),
            ("9223372037s", "out of range"),
            ("99999999999999999999999999999999999999999h", "out of range"),
        ];
        for (text, reason) in table {
            let error = seconds(text, "t").expect_err(text).to_string();
            assert!(error.ends_with(reason), "{text}: {error}");
        }
    }

    #[test]
    fn seconds_beyond_int32_are_out_of_range() {
        let error = seconds("596523h14m8s", "strategy.timeout").expect_err("too long");
        assert_eq!(
            error.to_string(),
            "strategy.timeout: 2147483648 does not fit in a 32-bit integer"
        );
    }

    #[test]
    fn formats_like_go() {
        let table = [
            (0, "0s"),
            (45, "45s"),
            (300, "5m0s"),
            (3630, "1h0m30s"),
            (-90, "-1m30s"),
            (i32::MIN, "-596523h14m8s"),
        ];
        for (value, text) in table {
            assert_eq!(format(value), text);
            assert_eq!(seconds(text, "t").expect(text), value);
        }
    }
}
