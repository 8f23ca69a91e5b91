//! IPAddress names (ipam reference §2.6): `<namePrefix>-<address>` with `.` and `:` turned into
//! `-` and trailing dashes trimmed. The name is deterministic per address, so creating the
//! IPAddress is what takes the address: a second creation for it fails with AlreadyExists.

/// Upstream's `formatAddressName` (IPAM-27).
pub fn address_name(name_prefix: &str, address: &str) -> String {
    let name = format!("{name_prefix}-{}", address.replace(['.', ':'], "-"));
    name.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IPAM-27
    #[test]
    fn names_follow_upstream() {
        for (prefix, address, name) in [
            ("abcpref", "192.168.1.11", "abcpref-192-168-1-11"),
            ("abcpref", "2001:db8::5", "abcpref-2001-db8--5"),
            ("abcpref", "fe80::", "abcpref-fe80"),
            ("test1-prov", "192.168.0.13", "test1-prov-192-168-0-13"),
        ] {
            assert_eq!(address_name(prefix, address), name);
        }
    }
}
