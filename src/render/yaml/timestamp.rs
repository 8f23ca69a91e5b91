//! Whether yaml.v2 reads a plain scalar as a timestamp: Go's `time.Parse` with one of
//! yaml.v2's four layouts (`2006-1-2T15:4:5.999999999Z07:00`, the same with `t`,
//! `2006-1-2 15:4:5.999999999`, `2006-1-2`). Such strings must be quoted.

#[derive(Clone, Copy)]
enum Token {
    Year,
    Literal(u8),
    /// A layout space: one or more spaces in the value (Go's `skip`).
    Spaces,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    /// `.999999999`: optional `.` or `,` followed by any number of digits.
    Fraction,
    /// `Z07:00`: `Z` or `±hh:mm`.
    Zone,
}

use Token::*;

const LAYOUTS: [&[Token]; 4] = [
    &[
        Year,
        Literal(b'-'),
        Month,
        Literal(b'-'),
        Day,
        Literal(b'T'),
        Hour,
        Literal(b':'),
        Minute,
        Literal(b':'),
        Second,
        Fraction,
        Zone,
    ],
    &[
        Year,
        Literal(b'-'),
        Month,
        Literal(b'-'),
        Day,
        Literal(b't'),
        Hour,
        Literal(b':'),
        Minute,
        Literal(b':'),
        Second,
        Fraction,
        Zone,
    ],
    &[
        Year,
        Literal(b'-'),
        Month,
        Literal(b'-'),
        Day,
        Spaces,
        Hour,
        Literal(b':'),
        Minute,
        Literal(b':'),
        Second,
        Fraction,
    ],
    &[Year, Literal(b'-'), Month, Literal(b'-'), Day],
];

/// yaml.v2's `parseTimestamp` (every layout starts with four digits and a dash).
pub(super) fn parses(s: &str) -> bool {
    let bytes = s.as_bytes();
    let year_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if year_digits != 4 || bytes.get(4) != Some(&b'-') {
        return false;
    }
    LAYOUTS.iter().any(|layout| matches_layout(bytes, layout))
}

#[derive(Default)]
struct Date {
    year: u32,
    month: u32,
    day: u32,
}

fn matches_layout(mut value: &[u8], layout: &[Token]) -> bool {
    let mut date = Date::default();
    for token in layout {
        let rest = match *token {
            Year => take_year(value, &mut date),
            Literal(c) => value.strip_prefix(&[c]),
            Spaces => take_spaces(value),
            Month => take_number(value, 1..=12).map(|(month, rest)| {
                date.month = month;
                rest
            }),
            Day => take_number(value, 0..=99).map(|(day, rest)| {
                date.day = day;
                rest
            }),
            Hour => take_number(value, 0..=23).map(|(_, rest)| rest),
            Minute | Second => take_number(value, 0..=59).map(|(_, rest)| rest),
            Fraction => Some(take_fraction(value)),
            Zone => take_zone(value),
        };
        match rest {
            Some(rest) => value = rest,
            None => return false,
        }
    }
    value.is_empty() && (1..=days_in(date.month, date.year)).contains(&date.day)
}

fn take_year<'a>(value: &'a [u8], date: &mut Date) -> Option<&'a [u8]> {
    let digits = value.get(..4)?;
    date.year = digits.iter().try_fold(0_u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })?;
    Some(&value[4..])
}

/// Go's `getnum(value, false)`: one digit, or two if the second is a digit too.
fn take_number(value: &[u8], range: std::ops::RangeInclusive<u32>) -> Option<(u32, &[u8])> {
    let digit = |i: usize| {
        value
            .get(i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| u32::from(b - b'0'))
    };
    let first = digit(0)?;
    let (number, rest) = match digit(1) {
        Some(second) => (first * 10 + second, &value[2..]),
        None => (first, &value[1..]),
    };
    range.contains(&number).then_some((number, rest))
}

/// A layout space matches a run of spaces, or the end of the value (Go's `skip`).
fn take_spaces(value: &[u8]) -> Option<&[u8]> {
    match value.first() {
        Some(b' ') | None => Some(&value[value.iter().take_while(|b| **b == b' ').count()..]),
        Some(_) => None,
    }
}

fn take_fraction(value: &[u8]) -> &[u8] {
    match value {
        [b'.' | b',', second, ..] if second.is_ascii_digit() => {
            let digits = value[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            &value[1 + digits..]
        }
        _ => value,
    }
}

fn take_zone(value: &[u8]) -> Option<&[u8]> {
    if let Some(rest) = value.strip_prefix(b"Z") {
        return Some(rest);
    }
    let [sign, h1, h2, b':', m1, m2, rest @ ..] = value else {
        return None;
    };
    let two_digits = |a: u8, b: u8| {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let hours = two_digits(*h1, *h2)?;
    let minutes = two_digits(*m1, *m2)?;
    (matches!(sign, b'+' | b'-') && hours <= 24 && minutes <= 60).then_some(rest)
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::parses;

    #[test]
    fn dates_and_date_times_are_timestamps() {
        for s in [
            "2024-01-02",
            "2024-1-2",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14T21:59:43Z",
            "2001-12-14T21:59:43,5+01:00",
            "2001-12-14 21:59:43.10",
            "2001-12-14   21:59:43",
            "2024-02-29",
        ] {
            assert!(parses(s), "{s}");
        }
    }

    #[test]
    fn near_misses_are_not() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-01-02x",
            "20240-01-02",
            "2024-01-02T25:00:00Z",
            "2024-01-02T10:00:00",
            "2024-01-02T10:00:00+25:00",
            "2024-01-02 10:00:00Z",
            "2024-001-02",
            "2024-",
            "1.2.3.4",
        ] {
            assert!(!parses(s), "{s}");
        }
    }
}
