//! Go's `netip.ParseAddr`, which decides two things in upstream's BMC parsing: whether a
//! bracketed URL host is an IPv6 address (Go's `url.Parse`), and whether a hostname is an IP
//! address at all (`net.ParseIP`, which is `ParseAddr` without a zone). Ported for the same
//! answers and error texts: std's parsers differ on zones and word no errors.

use super::gourl::quote;

/// What BMC parsing needs to know about a parsed address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Addr {
    pub is4: bool,
    /// Has an IPv6 zone (`fe80::1%eth0`).
    pub zoned: bool,
}

/// `net.ParseIP(s) != nil`.
pub(super) fn is_ip(s: &[u8]) -> bool {
    parse_addr(s).is_ok_and(|addr| !addr.zoned)
}

/// `netip.ParseAddr`: IPv4 dotted decimal without leading zeros, or IPv6 (an embedded IPv4
/// tail and a zone allowed).
pub(super) fn parse_addr(s: &[u8]) -> Result<Addr, String> {
    for &c in s {
        match c {
            b'.' => {
                return ipv4_fields(s, s).map(|()| Addr {
                    is4: true,
                    zoned: false,
                });
            }
            b':' => return ipv6(s),
            b'%' => return Err(fail(s, "missing IPv6 address", None)),
            _ => {}
        }
    }
    Err(fail(s, "unable to parse IP", None))
}

/// `parseAddrError`'s text.
fn fail(input: &[u8], msg: &str, at: Option<&[u8]>) -> String {
    match at {
        Some(at) if !at.is_empty() => {
            format!("ParseAddr({}): {msg} (at {})", quote(input), quote(at))
        }
        _ => format!("ParseAddr({}): {msg}", quote(input)),
    }
}

/// `parseIPv4Fields` over `part`, which is `input` or its embedded IPv4 tail.
fn ipv4_fields(input: &[u8], part: &[u8]) -> Result<(), String> {
    let (mut value, mut dots, mut digits) = (0u32, 0, 0);
    for (i, &c) in part.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                if digits == 1 && value == 0 {
                    return Err(fail(input, "IPv4 field has octet with leading zero", None));
                }
                value = value * 10 + u32::from(c - b'0');
                digits += 1;
                if value > 255 {
                    return Err(fail(input, "IPv4 field has value >255", None));
                }
            }
            b'.' => {
                if i == 0 || i == part.len() - 1 || part.get(i - 1) == Some(&b'.') {
                    let msg = "IPv4 field must have at least one digit";
                    return Err(fail(input, msg, Some(&part[i..])));
                }
                if dots == 3 {
                    return Err(fail(input, "IPv4 address too long", None));
                }
                dots += 1;
                value = 0;
                digits = 0;
            }
            _ => return Err(fail(input, "unexpected character", Some(&part[i..]))),
        }
    }
    if dots < 3 {
        return Err(fail(input, "IPv4 address too short", None));
    }
    Ok(())
}

/// `parseIPv6`.
fn ipv6(input: &[u8]) -> Result<Addr, String> {
    let (mut s, zoned) = match input.iter().position(|&b| b == b'%') {
        Some(i) if i + 1 == input.len() => {
            return Err(fail(input, "zone must be a non-empty string", None));
        }
        Some(i) => (&input[..i], true),
        None => (input, false),
    };
    let addr = Addr { is4: false, zoned };
    // Where `::` stands, counted in bytes of the 16-byte address.
    let mut ellipsis = None;
    if let Some(rest) = s.strip_prefix(b"::") {
        ellipsis = Some(0);
        s = rest;
        if s.is_empty() {
            return Ok(addr);
        }
    }
    let mut filled = 0;
    while filled < 16 {
        let digits = s.iter().take_while(|c| c.is_ascii_hexdigit()).count();
        if digits > 4 {
            return Err(fail(
                input,
                "each group must have 4 or less digits",
                Some(s),
            ));
        }
        if digits == 0 {
            let msg = "each colon-separated field must have at least one digit";
            return Err(fail(input, msg, Some(s)));
        }
        if s.get(digits) == Some(&b'.') {
            if ellipsis.is_none() && filled != 12 {
                let msg = "embedded IPv4 address must replace the final 2 fields of the address";
                return Err(fail(input, msg, Some(s)));
            }
            if filled + 4 > 16 {
                let msg = "too many hex fields to fit an embedded IPv4 at the end of the address";
                return Err(fail(input, msg, Some(s)));
            }
            ipv4_fields(input, s)?;
            s = b"";
            filled += 4;
            break;
        }
        filled += 2;
        s = &s[digits..];
        let Some(rest) = s.strip_prefix(b":") else {
            if s.is_empty() {
                break;
            }
            return Err(fail(input, "unexpected character, want colon", Some(s)));
        };
        if rest.is_empty() {
            return Err(fail(
                input,
                "colon must be followed by more characters",
                Some(s),
            ));
        }
        s = rest;
        if let Some(rest) = s.strip_prefix(b":") {
            if ellipsis.is_some() {
                return Err(fail(input, "multiple :: in address", Some(s)));
            }
            ellipsis = Some(filled);
            s = rest;
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(fail(input, "trailing garbage after address", Some(s)));
    }
    match (filled < 16, ellipsis.is_some()) {
        (true, false) => Err(fail(input, "address string too short", None)),
        (false, true) => {
            let msg = "the :: must expand to at least one field of zeros";
            Err(fail(input, msg, None))
        }
        _ => Ok(addr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_go_accepts() {
        for (s, is4, zoned) in [
            ("192.168.122.1", true, false),
            ("0.0.0.0", true, false),
            ("::", false, false),
            ("::1", false, false),
            ("fe80::fc33:62ff:fe83:8a76", false, false),
            ("FE80::1", false, false),
            ("1:2:3:4:5:6:7:8", false, false),
            ("1::", false, false),
            ("::ffff:1.2.3.4", false, false),
            ("1:2:3:4:5:6:1.2.3.4", false, false),
            ("fe80::1%eth0", false, true),
        ] {
            assert_eq!(parse_addr(s.as_bytes()), Ok(Addr { is4, zoned }), "{s}");
        }
        assert!(is_ip(b"::1"));
        assert!(!is_ip(b"fe80::1%eth0"));
    }

    #[test]
    fn go_error_texts() {
        for (s, want) in [
            ("", "unable to parse IP"),
            ("host", "unable to parse IP"),
            ("%eth0", "missing IPv6 address"),
            ("01.2.3.4", "IPv4 field has octet with leading zero"),
            ("256.1.1.1", "IPv4 field has value >255"),
            (
                "1..2.3",
                "IPv4 field must have at least one digit (at \".2.3\")",
            ),
            ("1.2.3.4.5", "IPv4 address too long"),
            ("1.2.3", "IPv4 address too short"),
            ("1.2.3.x", "unexpected character (at \"x\")"),
            ("fe80::1%", "zone must be a non-empty string"),
            (
                "12345::",
                "each group must have 4 or less digits (at \"12345::\")",
            ),
            (
                "fe80::zz",
                "each colon-separated field must have at least one digit (at \"zz\")",
            ),
            ("1::2.3.4.256", "IPv4 field has value >255"),
            (
                "1:2.3.4.5",
                "embedded IPv4 address must replace the final 2 fields of the address (at \"2.3.4.5\")",
            ),
            (
                "1::3:4:5:6:7:8:1.2.3.4",
                "too many hex fields to fit an embedded IPv4 at the end of the address (at \"1.2.3.4\")",
            ),
            ("1:2x", "unexpected character, want colon (at \"x\")"),
            ("1:", "colon must be followed by more characters (at \":\")"),
            ("1::2::3", "multiple :: in address (at \":3\")"),
            (
                "1:2:3:4:5:6:7:8:9",
                "trailing garbage after address (at \"9\")",
            ),
            ("1:2:3", "address string too short"),
            (
                "1:2:3:4::5:6:7:8",
                "the :: must expand to at least one field of zeros",
            ),
        ] {
            let got = parse_addr(s.as_bytes()).map(|_| ());
            assert_eq!(
                got,
                Err(format!("ParseAddr({}): {want}", quote(s.as_bytes()))),
                "{s}"
            );
        }
    }
}
