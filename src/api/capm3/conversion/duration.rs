//! Go `time.Duration` text (what v1beta1's `metav1.Duration` holds) to and from the
//! whole seconds v1beta2 stores in `timeoutSeconds`.

use super::ConversionError;
use super::common::{Result, narrow};

/// Parses a Go duration and returns its whole seconds, truncated toward zero like Go's
/// `int32(d.Seconds())`.
pub(crate) fn seconds(text: &str, field: &'static str) -> Result<i32> {
    let (negative, nanos) =
        crate::duration::parse_nanos(text).map_err(|reason| ConversionError::InvalidDuration {
            field,
            value: text.to_owned(),
            reason,
        })?;
    // Lossless: nanos <= 2^63, so seconds < 2^34.
    let whole = i64::try_from(nanos / crate::duration::NANOS_PER_SECOND).unwrap_or(i64::MAX);
    narrow(if negative { -whole } else { whole }, field)
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
