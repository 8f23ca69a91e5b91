//! The parts of Go's `net/url` and `net` that upstream's BMC address parsing goes through:
//! `url.Parse`, `URL.Hostname`/`URL.Port`, `url.ParseQuery` and `net.SplitHostPort`.
//!
//! Why a port and not the `url` crate: upstream decides what an address means by how Go's
//! parser fails (a bare `host:port` is recognised by the error "first path segment in URL
//! cannot contain colon"), and its webhook shows Go's error texts to users. The WHATWG parser
//! in the `url` crate accepts and rejects different strings, splits hosts differently and words
//! its errors differently, so only a port gives the same answers.
//!
//! Go 1.26 semantics: a `[` anywhere but at the start of the host is an error, a bracketed
//! host must be an IPv6 address (`netip.ParseAddr`), and outside brackets the port starts at
//! the last colon (Go's strict colons apply to `http` and `https` only, which are no BMC
//! schemes). Works on bytes, as Go strings do: `%`-decoding may produce bytes that are not
//! UTF-8.

use std::fmt::Write as _;

use super::netip;

/// What `url.Parse` returns, reduced to the fields BMC parsing reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct GoUrl {
    /// Lower-cased, as Go does.
    pub scheme: String,
    /// A rootless path after the scheme (`ipmi:1.2.3.4` has the opaque part `1.2.3.4`).
    pub opaque: Vec<u8>,
    /// `host[:port]`, unescaped, IPv6 addresses in brackets.
    pub host: Vec<u8>,
    /// Unescaped.
    pub path: Vec<u8>,
    pub raw_query: Vec<u8>,
}

impl GoUrl {
    /// `URL.Hostname`: the host without port and brackets.
    pub fn hostname(&self) -> &[u8] {
        split_host_port(&self.host).0
    }

    /// `URL.Port`: the digits after the host's last colon, or empty.
    pub fn port(&self) -> &[u8] {
        split_host_port(&self.host).1
    }
}

/// `url.Parse`. The error is the text of Go's `*url.Error`: `parse "<url>": <reason>`.
pub(super) fn parse(raw: &[u8]) -> Result<GoUrl, String> {
    let (without_fragment, fragment) = cut(raw, b'#');
    let url = parse_without_fragment(without_fragment, false)
        .map_err(|reason| url_error(without_fragment, &reason))?;
    // Go keeps the fragment; BMC parsing only needs it to be well escaped.
    unescape(fragment, Mode::Fragment).map_err(|reason| url_error(raw, &reason))?;
    Ok(url)
}

/// `url.ParseRequestURI`: the URL must be absolute (or an absolute path), and a `#` is part
/// of the path rather than a fragment. The scheme of the parsed URL, lower-cased.
pub fn parse_request_uri(raw: &str) -> Result<String, String> {
    let raw = raw.as_bytes();
    if raw.is_empty() {
        return Err(url_error(raw, "empty url"));
    }
    parse_without_fragment(raw, true)
        .map(|url| url.scheme)
        .map_err(|reason| url_error(raw, &reason))
}

fn url_error(url: &[u8], reason: &str) -> String {
    format!("parse {}: {reason}", quote(url))
}

fn parse_without_fragment(raw: &[u8], via_request: bool) -> Result<GoUrl, String> {
    if raw.iter().any(|&b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if raw == b"*" {
        return Ok(GoUrl {
            path: b"*".to_vec(),
            ..GoUrl::default()
        });
    }
    let (scheme, rest) = get_scheme(raw)?;
    let scheme = scheme.to_ascii_lowercase();
    let (rest, raw_query) =
        if rest.ends_with(b"?") && rest.iter().filter(|&&b| b == b'?').count() == 1 {
            (&rest[..rest.len() - 1], &b""[..])
        } else {
            cut(rest, b'?')
        };
    let mut url = GoUrl {
        raw_query: raw_query.to_vec(),
        ..GoUrl::default()
    };
    if !rest.starts_with(b"/") {
        if !scheme.is_empty() {
            url.scheme = scheme;
            url.opaque = rest.to_vec();
            return Ok(url);
        }
        if via_request {
            return Err("invalid URI for request".into());
        }
        if cut(rest, b'/').0.contains(&b':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    let mut path = rest;
    if (!scheme.is_empty() || !via_request && !rest.starts_with(b"///")) && rest.starts_with(b"//")
    {
        let after = &rest[2..];
        let (authority, after_authority) = match after.iter().position(|&b| b == b'/') {
            Some(i) => after.split_at(i),
            None => (after, &b""[..]),
        };
        url.host = parse_authority(&scheme, authority)?;
        path = after_authority;
    }
    url.path = unescape(path, Mode::Path)?;
    url.scheme = scheme;
    Ok(url)
}

/// `getScheme`: `[a-zA-Z][a-zA-Z0-9+.-]*` before the first colon, else no scheme.
fn get_scheme(raw: &[u8]) -> Result<(String, &[u8]), String> {
    for (i, &c) in raw.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => {
                let scheme = String::from_utf8_lossy(&raw[..i]).into_owned();
                return Ok((scheme, &raw[i + 1..]));
            }
            _ => break,
        }
    }
    Ok((String::new(), raw))
}

/// `parseAuthority`: the host; the user information is checked but not kept.
fn parse_authority(scheme: &str, authority: &[u8]) -> Result<Vec<u8>, String> {
    let at = authority.iter().rposition(|&b| b == b'@');
    let host = parse_host(scheme, at.map_or(authority, |i| &authority[i + 1..]))?;
    if let Some(i) = at {
        let userinfo = &authority[..i];
        if !userinfo.iter().all(|&b| valid_userinfo_byte(b)) {
            return Err("net/url: invalid userinfo".into());
        }
        let (username, password) = cut(userinfo, b':');
        unescape(username, Mode::UserPassword)?;
        unescape(password, Mode::UserPassword)?;
    }
    Ok(host)
}

/// `validUserinfo`, byte by byte: a non-ASCII byte belongs to a non-ASCII rune, refused too.
fn valid_userinfo_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b)
}

/// `parseHost`: `host[:port]` as Go 1.26 checks it.
fn parse_host(scheme: &str, host: &[u8]) -> Result<Vec<u8>, String> {
    let invalid_port = |colon_port: &[u8]| format!("invalid port {} after host", quote(colon_port));
    match host.iter().rposition(|&b| b == b'[') {
        Some(open) if open > 0 => Err("invalid IP-literal".into()),
        Some(_) => {
            let close = host
                .iter()
                .rposition(|&b| b == b']')
                .ok_or("missing ']' in host")?;
            let colon_port = &host[close + 1..];
            if !valid_optional_port(colon_port) {
                return Err(invalid_port(colon_port));
            }
            let inside = &host[1..close];
            let unescaped = match find(inside, b"%25") {
                Some(zone) => {
                    let mut address = unescape(&inside[..zone], Mode::Host)?;
                    address.extend(unescape(&inside[zone..], Mode::Zone)?);
                    address
                }
                None => unescape(inside, Mode::Host)?,
            };
            match netip::parse_addr(&unescaped) {
                Err(e) => return Err(format!("invalid host: {e}")),
                Ok(addr) if addr.is4 => return Err("invalid IP-literal".into()),
                Ok(_) => {}
            }
            Ok([b"[", &unescaped[..], b"]", colon_port].concat())
        }
        None => {
            if let Some(first) = host.iter().position(|&b| b == b':') {
                let last = host.iter().rposition(|&b| b == b':').unwrap_or(first);
                let strict = scheme == "http" || scheme == "https";
                let colon_port = &host[if strict { first } else { last }..];
                if !valid_optional_port(colon_port) {
                    return Err(invalid_port(colon_port));
                }
            }
            unescape(host, Mode::Host)
        }
    }
}

/// `validOptionalPort`: empty, or a colon followed by digits only.
fn valid_optional_port(colon_port: &[u8]) -> bool {
    match colon_port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// URL's `splitHostPort` (not `net.SplitHostPort`): a numeric port after the last colon is
/// split off, then one pair of surrounding brackets is removed.
fn split_host_port(host_port: &[u8]) -> (&[u8], &[u8]) {
    let (mut host, port) = match host_port.iter().rposition(|&b| b == b':') {
        Some(colon) if valid_optional_port(&host_port[colon..]) => {
            (&host_port[..colon], &host_port[colon + 1..])
        }
        _ => (host_port, &b""[..]),
    };
    if host.len() >= 2 && host.starts_with(b"[") && host.ends_with(b"]") {
        host = &host[1..host.len() - 1];
    }
    (host, port)
}

/// Whether `net.SplitHostPort` accepts `host_port` (it does not check that the port is
/// numeric).
pub(super) fn net_split_host_port_ok(host_port: &[u8]) -> bool {
    let Some(last_colon) = host_port.iter().rposition(|&b| b == b':') else {
        return false; // missing port in address
    };
    let (start, end) = if host_port.first() == Some(&b'[') {
        let Some(close) = host_port.iter().position(|&b| b == b']') else {
            return false; // missing ']' in address
        };
        if close + 1 != last_colon {
            return false; // missing port, or too many colons
        }
        (1, close + 1)
    } else {
        if host_port[..last_colon].contains(&b':') {
            return false; // too many colons in address
        }
        (0, 0)
    };
    // unexpected '[' or ']' in address
    !host_port[start..].contains(&b'[') && !host_port[end..].contains(&b']')
}

/// The first value of `key` in a query, as `url.ParseQuery` decodes it, or `Err(())` when Go
/// would report an error for any part of the query.
pub(super) fn query_first(raw_query: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>, ()> {
    let mut failed = false;
    let mut first = None;
    for part in raw_query.split(|&b| b == b'&') {
        if part.contains(&b';') {
            failed = true; // invalid semicolon separator in query
            continue;
        }
        if part.is_empty() {
            continue;
        }
        let (k, v) = cut(part, b'=');
        match (unescape(k, Mode::Query), unescape(v, Mode::Query)) {
            (Ok(k), Ok(v)) => {
                if k == key && first.is_none() {
                    first = Some(v);
                }
            }
            _ => failed = true,
        }
    }
    if failed { Err(()) } else { Ok(first) }
}

/// Which part of a URL is being unescaped: the host and zone allow fewer bytes, and only a
/// query turns `+` into a space.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Host,
    Zone,
    Path,
    UserPassword,
    Query,
    Fragment,
}

/// The ASCII bytes Go's `shouldEscape` lets stand in a host (or an IPv6 zone).
fn host_byte_allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(&b)
}

/// `unescape`: decodes `%XX`, failing with Go's `EscapeError` or `InvalidHostError` text.
fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, String> {
    let escape_error = |bad: &[u8]| format!("invalid URL escape {}", quote(bad));
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        match c {
            b'%' => {
                let (Some(hi), Some(lo)) = (s.get(i + 1).and_then(hex), s.get(i + 2).and_then(hex))
                else {
                    return Err(escape_error(&s[i..s.len().min(i + 3)]));
                };
                let triple = &s[i..i + 3];
                let byte = (hi << 4) | lo;
                if mode == Mode::Host && hi < 8 && triple != b"%25" {
                    return Err(escape_error(triple));
                }
                if mode == Mode::Zone
                    && triple != b"%25"
                    && byte != b' '
                    && !host_byte_allowed(byte)
                {
                    return Err(escape_error(triple));
                }
                out.push(byte);
                i += 3;
            }
            b'+' if mode == Mode::Query => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && !host_byte_allowed(c) {
                    return Err(format!("invalid character {} in host name", quote(&[c])));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn hex(c: &u8) -> Option<u8> {
    char::from(*c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `strings.Cut`: before and after the first `sep`; after is empty when there is none.
fn cut(s: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| b == sep) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &b""[..]),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `strconv.Quote`: a double-quoted Go string literal.
pub(crate) fn quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c if !c.is_control() && (c == ' ' || !c.is_whitespace()) => out.push(c),
                c if u32::from(c) < 0x10000 => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\U{:08x}", u32::from(c));
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> GoUrl {
        match parse(raw.as_bytes()) {
            Ok(url) => url,
            Err(e) => panic!("{raw}: {e}"),
        }
    }

    fn err(raw: &str) -> String {
        match parse(raw.as_bytes()) {
            Ok(url) => panic!("{raw} parsed: {url:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn splits_scheme_host_port_path_and_query() {
        let url =
            ok("Redfish+HTTP://user:p%40ss@[fe80::1%25eth0]:8080/redfish/v1/Systems/1?a=b#top");
        assert_eq!(url.scheme, "redfish+http");
        assert_eq!(url.host, b"[fe80::1%eth0]:8080");
        assert_eq!(url.hostname(), b"fe80::1%eth0");
        assert_eq!(url.port(), b"8080");
        assert_eq!(url.path, b"/redfish/v1/Systems/1");
        assert_eq!(url.raw_query, b"a=b");
        assert!(url.opaque.is_empty());
    }

    #[test]
    fn opaque_and_relative_forms() {
        let url = ok("ipmi:192.168.122.1:6233");
        assert_eq!(url.scheme, "ipmi");
        assert_eq!(url.opaque, b"192.168.122.1:6233");
        let url = ok("my.host");
        assert_eq!(
            (url.scheme.as_str(), url.path.as_slice()),
            ("", &b"my.host"[..])
        );
        let url = ok("//1.2.3.4/x");
        assert_eq!(
            (url.scheme.as_str(), url.host.as_slice()),
            ("", &b"1.2.3.4"[..])
        );
        assert_eq!(ok("ipmi://h?").raw_query, b"");
        assert_eq!(ok("*").path, b"*");
        // A path keeps `+` and decodes escapes, bytes that are not UTF-8 included.
        assert_eq!(ok("x://h/a+b%2f%ff").path, b"/a+b/\xff");
    }

    #[test]
    fn go_error_texts() {
        let cases = [
            (
                "192.168.0.1:623",
                "parse \"192.168.0.1:623\": first path segment in URL cannot contain colon",
            ),
            (":623", "parse \":623\": missing protocol scheme"),
            (
                "ipmi://h\t",
                "parse \"ipmi://h\\t\": net/url: invalid control character in URL",
            ),
            (
                "redfish://h:abc/x",
                "parse \"redfish://h:abc/x\": invalid port \":abc\" after host",
            ),
            (
                "redfish://[fe80::1",
                "parse \"redfish://[fe80::1\": missing ']' in host",
            ),
            (
                "redfish://[fe80::1]x",
                "parse \"redfish://[fe80::1]x\": invalid port \"x\" after host",
            ),
            (
                "redfish://a[::1]",
                "parse \"redfish://a[::1]\": invalid IP-literal",
            ),
            (
                "redfish://[1.2.3.4]",
                "parse \"redfish://[1.2.3.4]\": invalid IP-literal",
            ),
            (
                "redfish://[fe80::zz]",
                "parse \"redfish://[fe80::zz]\": invalid host: ParseAddr(\"fe80::zz\"): each colon-separated field must have at least one digit (at \"zz\")",
            ),
            (
                "redfish://a b",
                "parse \"redfish://a b\": invalid character \" \" in host name",
            ),
            (
                "redfish://a%41",
                "parse \"redfish://a%41\": invalid URL escape \"%41\"",
            ),
            (
                "redfish://h/%zz",
                "parse \"redfish://h/%zz\": invalid URL escape \"%zz\"",
            ),
            (
                "redfish://h/%4",
                "parse \"redfish://h/%4\": invalid URL escape \"%4\"",
            ),
            (
                "redfish://h/%z\u{e9}",
                "parse \"redfish://h/%z\u{e9}\": invalid URL escape \"%z\\xc3\"",
            ),
            (
                "redfish://us er@h",
                "parse \"redfish://us er@h\": net/url: invalid userinfo",
            ),
            (
                "redfish://u:%zz@h",
                "parse \"redfish://u:%zz@h\": invalid URL escape \"%zz\"",
            ),
            (
                "redfish://h/#%zz",
                "parse \"redfish://h/#%zz\": invalid URL escape \"%zz\"",
            ),
            (
                "redfish://[fe80::1%25%0a]",
                "parse \"redfish://[fe80::1%25%0a]\": invalid URL escape \"%0a\"",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(err(raw), want, "{raw}");
        }
    }

    #[test]
    fn port_found_at_the_last_colon_except_for_http() {
        // Not http(s): Go 1.26 still takes the last colon, the host keeps the others.
        assert_eq!(ok("redfish://h:1:2").host, b"h:1:2");
        assert_eq!(ok("redfish://h:1:2").hostname(), b"h:1");
        assert_eq!(
            err("https://h:1:2"),
            "parse \"https://h:1:2\": invalid port \":1:2\" after host"
        );
    }

    #[test]
    fn net_split_host_port() {
        for good in [
            "1.2.3.4:623",
            "[fe80::1]:6233",
            "h:",
            ":623",
            "h:abc",
            "h:1/x",
        ] {
            assert!(net_split_host_port_ok(good.as_bytes()), "{good}");
        }
        for bad in [
            "h",
            "[fe80::1]",
            "a:b:c",
            "[fe80::1",
            "[a]b:1",
            "[a]:1:2",
            "a[:1",
            "a]:1",
        ] {
            assert!(!net_split_host_port_ok(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn query_like_go() {
        let first = |q: &str| query_first(q.as_bytes(), b"privilegelevel");
        assert_eq!(
            first("privilegelevel=OPERATOR"),
            Ok(Some(b"OPERATOR".to_vec()))
        );
        assert_eq!(
            first("a=1&privilegelevel=USER&privilegelevel=x"),
            Ok(Some(b"USER".to_vec()))
        );
        assert_eq!(first("privilegelevel"), Ok(Some(Vec::new())));
        assert_eq!(first("privilegelevel=a+b%21"), Ok(Some(b"a b!".to_vec())));
        assert_eq!(first("&&x=1"), Ok(None));
        assert_eq!(first(""), Ok(None));
        assert_eq!(first("privilegelevel=USER;x=1"), Err(()));
        assert_eq!(first("privilegelevel=USER&x=%zz"), Err(()));
    }

    #[test]
    fn quote_like_strconv() {
        assert_eq!(quote(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote(b"\x01\x7f\n"), r#""\x01\x7f\n""#);
        assert_eq!(quote("é\u{85}\u{a0}".as_bytes()), "\"é\\u0085\\u00a0\"");
        assert_eq!(quote(b"\xff"), r#""\xff""#);
    }
}
