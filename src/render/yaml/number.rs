//! Numbers as yaml.v2 prints them after re-reading the JSON text: integers as integers,
//! everything else through Go's `strconv.FormatFloat(f, 'g', -1, 64)` (`1.0` → `1`,
//! `1e6` → `1e+06`).

use serde_json::Number;

pub(super) fn format(number: &Number) -> String {
    if let Some(i) = number.as_i64() {
        i.to_string()
    } else if let Some(u) = number.as_u64() {
        u.to_string()
    } else {
        number
            .as_f64()
            .map_or_else(|| number.to_string(), go_shortest_g)
    }
}

/// Go's `%g` with the shortest round-tripping digits: exponent form when the decimal
/// exponent is below -4 or at least 6 (Go uses 6 whenever the precision is "shortest").
fn go_shortest_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rust's `{:e}` gives the same shortest round-tripping digits as Go: `-1.2345e-7`.
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };

    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        );
    }
    // Position of the decimal point within `digits`.
    let point = exponent + 1;
    let body = match usize::try_from(point) {
        Err(_) | Ok(0) => {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            format!("0.{zeros}{digits}")
        }
        Ok(point) if point >= digits.len() => {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        }
        Ok(point) => format!("{}.{}", &digits[..point], &digits[point..]),
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(json: &str) -> String {
        let number: Number = serde_json::from_str(json).expect("a JSON number");
        format(&number)
    }

    #[test]
    fn integers_stay_integers() {
        assert_eq!(render("1500"), "1500");
        assert_eq!(render("-7"), "-7");
        assert_eq!(render("18446744073709551615"), "18446744073709551615");
    }

    #[test]
    fn floats_print_like_go_g_shortest() {
        assert_eq!(render("1.0"), "1");
        assert_eq!(render("1.5"), "1.5");
        assert_eq!(render("1e3"), "1000");
        assert_eq!(render("100000.0"), "100000");
        assert_eq!(render("1e6"), "1e+06");
        assert_eq!(render("1234567.0"), "1.234567e+06");
        assert_eq!(render("0.0001"), "0.0001");
        assert_eq!(render("0.00001"), "1e-05");
        assert_eq!(render("-2.5e-7"), "-2.5e-07");
        assert_eq!(render("1.5e300"), "1.5e+300");
        assert_eq!(render("123.456"), "123.456");
        assert_eq!(render("0.1"), "0.1");
        // Beyond u64: Go reads it as a float.
        assert_eq!(render("18446744073709551616"), "1.8446744073709552e+19");
    }
}
