//! From the text of `spec.bmc.address` to a URL, as upstream's `GetParsedURL` does it: the
//! forms without a scheme, the `scheme:host` form, and the hostname check.

use super::BmcError;
use super::gourl::{self, GoUrl};
use super::netip;

/// The scheme an address without one gets.
const DEFAULT_SCHEME: &str = "ipmi";

/// Parses a non-empty address. Forms upstream accepts besides `scheme://host[:port][/path]`:
/// * `host` and `host:port` (IPv6: `[addr]:port`) are IPMI addresses. Go's parser refuses
///   `host:port`, and a refusal with a splittable `host:port` means exactly this form. A
///   `host:port` whose host starts with a letter is read as `scheme:opaque` instead, below:
///   `bmc.example.com:623` is an unknown scheme, as upstream.
/// * `scheme:host` (no `//`) is rewritten to `scheme://host`.
/// * A bare host that parsed as a path is re-read as `ipmi://host`.
pub(super) fn parse_url(address: &str) -> Result<GoUrl, BmcError> {
    let raw = address.as_bytes();
    let url = match gourl::parse(raw) {
        Err(error) => {
            if raw.contains(&b':') && !gourl::net_split_host_port_ok(raw) {
                return Err(BmcError::InvalidUrl(error));
            }
            // The whole address is the host, port included, unchecked (as upstream).
            GoUrl {
                scheme: DEFAULT_SCHEME.into(),
                host: raw.to_vec(),
                ..GoUrl::default()
            }
        }
        Ok(mut url) => {
            if !url.opaque.is_empty() {
                url = gourl::parse(address.replacen(':', "://", 1).as_bytes())
                    .map_err(BmcError::InvalidUrl)?;
            }
            if url.scheme.is_empty() && url.hostname().is_empty() {
                url = gourl::parse(format!("{DEFAULT_SCHEME}://{address}").as_bytes())
                    .map_err(BmcError::InvalidUrl)?;
            }
            url
        }
    };
    check_hostname(url.hostname())?;
    Ok(url)
}

/// `checkDNSValid`: empty (as upstream allows), an IP address, or a DNS name.
fn check_hostname(hostname: &[u8]) -> Result<(), BmcError> {
    if hostname.is_empty() || netip::is_ip(hostname) || is_dns_name(hostname) {
        return Ok(());
    }
    Err(BmcError::InvalidHost(
        String::from_utf8_lossy(hostname).into_owned(),
    ))
}

/// Upstream's regular expression, written out:
/// `^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]{0,61}[A-Za-z0-9])$`:
/// dot-separated labels of 1 to 63 ASCII letters, digits and hyphens, no hyphen first or last.
fn is_dns_name(name: &[u8]) -> bool {
    name.split(|&b| b == b'.').all(|label| {
        (1..=63).contains(&label.len())
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for good in ["a", "my.examplehost.com", "a-b.c", "123", &"a".repeat(63)] {
            assert!(is_dns_name(good.as_bytes()), "{good}");
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "my-.examplehost.com",
            "-a",
            "a..b",
            "a.",
            ".a",
            "a_b",
            "bü",
            &long,
        ] {
            assert!(!is_dns_name(bad.as_bytes()), "{bad}");
        }
    }
}
