//! Which strings yaml.v2 may write unquoted: a port of its `resolve` (YAML 1.1 implicit
//! types) and `isBase60Float`. A string that a plain scalar would turn into a boolean, null,
//! number, timestamp or base-60 float is double-quoted instead.

use std::sync::LazyLock;

use regex::Regex;

use super::timestamp;

/// Plain scalars yaml.v2 maps to a bool, null, float or merge key (`resolveMap`).
const RESOLVE_MAP: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
];

/// yaml.v2's `stringv` test: `resolve("", s)` gives `!!str` and `s` is no base-60 float.
pub(super) fn plain_reads_as_string(s: &str) -> bool {
    resolves_to_string(s) && !is_base60_float(s)
}

fn resolves_to_string(s: &str) -> bool {
    // The first byte is the hint (`resolveTable`); `""` hints `N` and is null.
    let hint = s.bytes().next().unwrap_or(b'N');
    let hinted = matches!(hint, b'+' | b'-' | b'0'..=b'9' | b'.') || b"yYnNtTfFoO~".contains(&hint);
    if !hinted {
        return true;
    }
    if RESOLVE_MAP.contains(&s) {
        return false;
    }
    match hint {
        b'.' => !is_dot_float(s),
        b'+' | b'-' | b'0'..=b'9' => !(timestamp::parses(s) || is_number(s)),
        _ => true,
    }
}

/// `strconv.ParseFloat` on a string starting with `.`: decimal digits (single underscores
/// allowed between digits) and an optional exponent, not overflowing.
fn is_dot_float(s: &str) -> bool {
    static DOT_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$")
            .expect("a valid constant pattern")
    });
    DOT_FLOAT.is_match(s) && is_finite_float(&s.replace('_', ""))
}

/// The integer and float branches of `resolve` for a digit or sign hint, on the string with
/// underscores removed.
fn is_number(s: &str) -> bool {
    static YAML_STYLE_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
            .expect("a valid constant pattern")
    });
    let plain = s.replace('_', "");
    if parse_int(&plain, 0).is_ok() {
        return true;
    }
    let unsigned = parse_uint(&plain, 0);
    if unsigned.is_ok() || (YAML_STYLE_FLOAT.is_match(&plain) && is_finite_float(&plain)) {
        return true;
    }
    let binary = match (plain.strip_prefix("0b"), plain.strip_prefix("-0b")) {
        (Some(digits), _) => parse_int(digits, 2).is_ok() || parse_uint(digits, 2).is_ok(),
        (None, Some(digits)) => parse_int(&format!("-{digits}"), 2).is_ok(),
        (None, None) => false,
    };
    if binary {
        return true;
    }
    // Too big for 64 bits but well-formed: yaml.v2 reads it as a big integer.
    unsigned == Err(NumError::Range) && is_big_int(&plain)
}

fn is_finite_float(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `isBase60Float`: `1:20`, `190:20:30.15`, and also MAC addresses such as `52:54:00:12:34:56`.
fn is_base60_float(s: &str) -> bool {
    static BASE60_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
            .expect("a valid constant pattern")
    });
    s.starts_with(|c: char| c == '+' || c == '-' || c.is_ascii_digit())
        && s.contains(':')
        && BASE60_FLOAT.is_match(s)
}

#[derive(Debug, PartialEq, Eq)]
enum NumError {
    Syntax,
    Range,
}

/// `strconv.ParseUint(s, base, 64)`, base 0 meaning "from the prefix" (`0b`, `0o`, `0x`,
/// a leading `0` for octal). Like Go, overflow is reported as soon as it happens.
fn parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    let (digits, base) = if base == 0 {
        split_base_prefix(s)
    } else {
        (s, base)
    };
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c
            .to_digit(36)
            .filter(|d| *d < base)
            .ok_or(NumError::Syntax)?;
        n = n
            .checked_mul(u64::from(base))
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or(NumError::Range)?;
    }
    Ok(n)
}

/// Go's base-0 prefix rule: a prefix only counts with at least one character after it.
fn split_base_prefix(s: &str) -> (&str, u32) {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'0') {
        return (s, 10);
    }
    match bytes.get(1).map(u8::to_ascii_lowercase) {
        Some(b'b') if bytes.len() >= 3 => (&s[2..], 2),
        Some(b'o') if bytes.len() >= 3 => (&s[2..], 8),
        Some(b'x') if bytes.len() >= 3 => (&s[2..], 16),
        _ => (&s[1..], 8),
    }
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then `ParseUint` within int64 range.
fn parse_int(s: &str, base: u32) -> Result<i64, NumError> {
    let (negative, magnitude) = match s.strip_prefix('-') {
        Some(magnitude) => (true, magnitude),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let magnitude = parse_uint(magnitude, base)?;
    if negative {
        0_i64.checked_sub_unsigned(magnitude).ok_or(NumError::Range)
    } else {
        i64::try_from(magnitude).map_err(|_| NumError::Range)
    }
}

/// `big.Int.SetString(s, 0)` succeeds, for a string `ParseUint` found too big: every digit
/// valid for the base its prefix selects.
fn is_big_int(s: &str) -> bool {
    let (digits, base) = split_base_prefix(s);
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(base))
}

#[cfg(test)]
mod tests {
    use super::plain_reads_as_string as plain;

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "abc",
            "192.168.0.1",
            "255.255.255.0",
            "0.0.0.0",
            "2001::10",
            "aa:bb:cc:dd:ee:ff",
            "52:54:00:ab:cd:ef",
            "802.3ad",
            "layer3+4",
            "ns/bmh/m3m",
            "yess",
            "<<",
            "1e400",
            "0x",
            "-",
            ".",
            "._5",
            "99999999999999999999x",
        ] {
            assert!(plain(s), "{s} should be plain");
        }
    }

    #[test]
    fn strings_read_as_other_types_are_quoted() {
        for s in [
            "",
            "true",
            "True",
            "yes",
            "y",
            "N",
            "off",
            "~",
            "null",
            "NULL",
            ".inf",
            "-.Inf",
            ".NaN",
            "0",
            "24",
            "-1",
            "+1",
            "1_000",
            "0x1f",
            "0o17",
            "017",
            "0b101",
            "0b-101",
            "-0b101",
            "1.5",
            "1e3",
            "1.",
            ".5",
            ".5_5",
            "09",
            "18446744073709551615",
            "18446744073709551616",
            "0xfffffffffffffffffffff",
            "2024-01-02",
            "1:20",
            "52:54:00:12:34:56",
            "-1:30",
        ] {
            assert!(!plain(s), "{s:?} should be quoted");
        }
    }
}
