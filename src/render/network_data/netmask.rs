//! Prefix lengths as netmasks, written as Go's `net.IP.String()` writes them:
//! `255.255.255.0` for IPv4, `ffff:ffff:ffff:ffff::` (RFC 5952) for IPv6.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::view::IpVersion;
use crate::render::RenderError;

/// Upstream writes a nonsensical `?0000…` (IPv4) or `<nil>` (IPv6) for a prefix out of range;
/// here that is an error instead.
pub(crate) fn netmask(prefix: i64, version: IpVersion) -> Result<String, RenderError> {
    let out_of_range = |v| RenderError::PrefixOutOfRange { prefix, version: v };
    match version {
        IpVersion::V4 => {
            let ones = u32::try_from(prefix)
                .ok()
                .filter(|p| *p <= 32)
                .ok_or(out_of_range(4))?;
            let mask = u32::MAX.checked_shl(32 - ones).unwrap_or(0);
            Ok(Ipv4Addr::from(mask).to_string())
        }
        IpVersion::V6 => {
            let ones = u32::try_from(prefix)
                .ok()
                .filter(|p| *p <= 128)
                .ok_or(out_of_range(6))?;
            let mask = u128::MAX.checked_shl(128 - ones).unwrap_or(0);
            Ok(Ipv6Addr::from(mask).to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // MD-15: dotted IPv4 masks and RFC 5952 IPv6 masks, as upstream's translateMask tests.
    #[test]
    fn md15_masks_match_go() {
        let v4 = |p| netmask(p, IpVersion::V4).expect("in range");
        let v6 = |p| netmask(p, IpVersion::V6).expect("in range");
        assert_eq!(v4(24), "255.255.255.0");
        assert_eq!(v4(16), "255.255.0.0");
        assert_eq!(v4(0), "0.0.0.0");
        assert_eq!(v4(32), "255.255.255.255");
        assert_eq!(v4(25), "255.255.255.128");
        assert_eq!(v6(64), "ffff:ffff:ffff:ffff::");
        assert_eq!(v6(96), "ffff:ffff:ffff:ffff:ffff:ffff::");
        assert_eq!(v6(0), "::");
        assert_eq!(v6(128), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        // A single zero group is not shortened to `::`.
        assert_eq!(v6(112), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:0");
        assert_eq!(v6(120), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00");
        assert_eq!(v6(17), "ffff:8000::");
    }

    #[test]
    fn prefixes_out_of_range_are_errors() {
        assert_eq!(
            netmask(33, IpVersion::V4),
            Err(RenderError::PrefixOutOfRange {
                prefix: 33,
                version: 4
            })
        );
        assert_eq!(
            netmask(-1, IpVersion::V6),
            Err(RenderError::PrefixOutOfRange {
                prefix: -1,
                version: 6
            })
        );
        assert!(netmask(129, IpVersion::V6).is_err());
    }
}
