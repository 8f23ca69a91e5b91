//! Address arithmetic exactly as upstream's `api/v1alpha1/utils.go` does it (ipam reference
//! §1.6), IPv4 and IPv6 alike.
//!
//! Upstream works on Go's 16-byte `net.IP`, where an IPv4 address is `::ffff:a.b.c.d`; [`Ip`]
//! is that form as a number, so equality, ordering and overflow behave as upstream's big-integer
//! code does. Enumeration is computed directly ([`Enumeration`]) instead of by trying index after
//! index (upstream's unbounded scans, Q-5), with the same results: the property tests at the end
//! check it against [`ip_at`], the literal translation of `GetIPAddress`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::api::ipam::v1alpha1::Pool;

/// `::ffff:0.0.0.0`, the first IPv4 address in the 16-byte form.
const V4_FIRST: u128 = 0xffff_0000_0000;
/// `::ffff:255.255.255.255`, the last one (upstream's `maxIPv4Int`).
const V4_LAST: u128 = 0xffff_ffff_ffff;

/// An address in Go's 16-byte form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ip(u128);

impl Ip {
    /// Go's `net.ParseIP`: dotted IPv4 without leading zeros, or IPv6 (IPv4-embedded forms
    /// included); no zone.
    pub fn parse(text: &str) -> Option<Ip> {
        text.parse::<IpAddr>().ok().map(Ip::from)
    }

    /// Whether Go's `To4()` would succeed: the address is in `::ffff:0:0/96`.
    pub fn is_v4(self) -> bool {
        self.0 >> 32 == 0xffff
    }

    /// The highest address an offset from `self` may reach before `addOffsetToIP` reports an
    /// overflow: IPv4 addresses stay IPv4.
    fn overflow_limit(self) -> u128 {
        if self.is_v4() { V4_LAST } else { u128::MAX }
    }
}

impl From<IpAddr> for Ip {
    fn from(address: IpAddr) -> Ip {
        match address {
            IpAddr::V4(v4) => Ip(V4_FIRST | u128::from(u32::from(v4))),
            IpAddr::V6(v6) => Ip(u128::from(v6)),
        }
    }
}

/// Go's `net.IP.String()`: dotted for IPv4 (IPv4-mapped IPv6 included), RFC 5952 otherwise.
impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_v4() {
            // Truncation keeps the low 32 bits, which are the IPv4 address.
            write!(f, "{}", Ipv4Addr::from(self.0 as u32))
        } else {
            write!(f, "{}", Ipv6Addr::from(self.0))
        }
    }
}

/// Why an address cannot be rendered or a pool entry cannot be sized; the texts are upstream's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("either Start or Subnet is required for ipAddress")]
    NoStartOrSubnet,
    #[error("IP address out of bounds")]
    OutsideSubnet,
    /// Past `end`; upstream prints the entry's start address.
    #[error("IP address out of bounds for : {0}")]
    AfterEnd(Ip),
    #[error("IP address overflow for : {0}")]
    Overflow(Ip),
    #[error("invalid IP address")]
    InvalidAddress,
    #[error("invalid CIDR address: {0}")]
    InvalidCidr(String),
    #[error("invalid Start IP {0:?}")]
    InvalidStart(String),
    #[error("invalid End IP {0:?}")]
    InvalidEnd(String),
    #[error("invalid Subnet {0:?}: invalid CIDR address: {0}")]
    InvalidSubnet(String),
    #[error("end IP {end} is before start IP {start}")]
    EndBeforeStart { start: Ip, end: Ip },
    #[error("pool with Start requires End or Subnet to determine size")]
    Unbounded,
    #[error("pool size exceeds int range")]
    SizeOverflow,
}

/// A CIDR as Go's `net.ParseCIDR` returns it: the literal address as written (host bits kept)
/// and the masked network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subnet {
    literal: Ip,
    network: u128,
    /// The mask over the 16-byte form (an IPv4 `/n` is `/96+n`).
    mask: u128,
}

impl Subnet {
    pub fn parse(text: &str) -> Result<Subnet, AddressError> {
        let invalid = || AddressError::InvalidCidr(text.to_owned());
        let (address, bits) = text.split_once('/').ok_or_else(invalid)?;
        let literal: IpAddr = address.parse().map_err(|_| invalid())?;
        if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let bits: u32 = bits.parse().map_err(|_| invalid())?;
        // An IPv4 `/n` masks the 16-byte form's first 96 bits too.
        let (width, base) = match literal {
            IpAddr::V4(_) => (32, 96),
            IpAddr::V6(_) => (128, 0),
        };
        if bits > width {
            return Err(invalid());
        }
        let bits = bits + base;
        let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
        let literal = Ip::from(literal);
        Ok(Subnet {
            literal,
            network: literal.0 & mask,
            mask,
        })
    }

    /// The address written in the CIDR (`192.168.1.10` for `192.168.1.10/24`).
    pub fn literal(&self) -> Ip {
        self.literal
    }

    /// The masked network address.
    pub fn network(&self) -> Ip {
        Ip(self.network)
    }

    /// The highest address of the subnet (Go's `lastIPInSubnet`).
    pub fn last(&self) -> Ip {
        Ip(self.network | !self.mask)
    }

    /// Go's `IPNet.Contains`: an IPv4 network (one whose masked address is IPv4) holds only
    /// IPv4 addresses and compares their low 32 bits; any other holds only non-IPv4 addresses.
    pub fn contains(&self, ip: Ip) -> bool {
        if Ip(self.network).is_v4() {
            let low = self.mask as u32;
            ip.is_v4() && (ip.0 as u32) & low == (self.network as u32) & low
        } else {
            !ip.is_v4() && ip.0 & self.mask == self.network
        }
    }

    /// The last address of the unbroken run of contained addresses starting at `from` (which
    /// the subnet contains): an IPv6 network holding `::ffff:0:0/96` is cut by it.
    fn run_end(&self, from: Ip) -> Ip {
        let last = self.last();
        if !Ip(self.network).is_v4() && from.0 < V4_FIRST && last.0 >= V4_FIRST {
            Ip(V4_FIRST - 1)
        } else {
            last
        }
    }
}

/// Go's `addOffsetToIP`: `ip + offset`, failing past the family's range or past `end`.
pub fn add_offset(ip: Ip, end: Option<Ip>, offset: u128) -> Result<Ip, AddressError> {
    let sum =
        ip.0.checked_add(offset)
            .filter(|sum| *sum <= ip.overflow_limit())
            .ok_or(AddressError::Overflow(ip))?;
    if end.is_some_and(|end| sum > end.0) {
        return Err(AddressError::AfterEnd(ip));
    }
    Ok(Ip(sum))
}

/// Upstream's `GetIPAddress(entry, index)`.
///
/// An unparsable `end` is ignored, as upstream's `net.ParseIP` turns it into no bound; an
/// unparsable `start` is an error (upstream would compute from a nil address; the CRD's
/// pattern keeps such values out).
pub fn ip_at(entry: &Pool, index: u128) -> Result<Ip, AddressError> {
    match (&entry.start, &entry.subnet) {
        (None, None) => Err(AddressError::NoStartOrSubnet),
        (Some(start), subnet) => {
            let start = Ip::parse(start).ok_or(AddressError::InvalidAddress)?;
            let end = entry.end.as_deref().and_then(Ip::parse);
            let ip = add_offset(start, end, index)?;
            match subnet {
                Some(subnet) if !Subnet::parse(subnet)?.contains(ip) => {
                    Err(AddressError::OutsideSubnet)
                }
                _ => Ok(ip),
            }
        }
        (None, Some(subnet)) => {
            let subnet = Subnet::parse(subnet)?;
            let offset = index
                .checked_add(1)
                .ok_or(AddressError::Overflow(subnet.literal))?;
            let ip = add_offset(subnet.literal, None, offset)?;
            if subnet.contains(ip) {
                Ok(ip)
            } else {
                Err(AddressError::OutsideSubnet)
            }
        }
    }
}

/// The addresses a pool entry hands out: `ip_at(entry, i)` for `i = 0, 1, …` up to the first
/// index that fails (upstream's scans stop there), as one inclusive run `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enumeration {
    first: Ip,
    last: Ip,
}

impl Enumeration {
    /// `None` when the entry yields nothing (index 0 already fails).
    pub fn of(entry: &Pool) -> Option<Enumeration> {
        let (first, last) = match (&entry.start, &entry.subnet) {
            (None, None) => return None,
            (Some(start), subnet) => {
                let first = Ip::parse(start)?;
                let mut last = Ip(first.overflow_limit());
                if let Some(end) = entry.end.as_deref().and_then(Ip::parse) {
                    last = last.min(end);
                }
                if let Some(subnet) = subnet {
                    let subnet = Subnet::parse(subnet).ok()?;
                    if !subnet.contains(first) {
                        return None;
                    }
                    last = last.min(subnet.run_end(first));
                }
                (first, last)
            }
            (None, Some(subnet)) => {
                let subnet = Subnet::parse(subnet).ok()?;
                let first = add_offset(subnet.literal, None, 1).ok()?;
                if !subnet.contains(first) {
                    return None;
                }
                let last = subnet
                    .run_end(first)
                    .min(Ip(subnet.literal.overflow_limit()));
                (first, last)
            }
        };
        (first <= last).then_some(Enumeration { first, last })
    }

    pub fn first(&self) -> Ip {
        self.first
    }

    pub fn last(&self) -> Ip {
        self.last
    }

    /// The address at `index`, if the entry reaches that far.
    pub fn get(&self, index: u128) -> Option<Ip> {
        self.first
            .0
            .checked_add(index)
            .filter(|ip| *ip <= self.last.0)
            .map(Ip)
    }

    /// The index at which the entry yields `ip`, if it does.
    pub fn index_of(&self, ip: Ip) -> Option<u128> {
        (self.first <= ip && ip <= self.last).then(|| ip.0 - self.first.0)
    }

    /// How many indexes yield an address, saturating at `u128::MAX` (a whole IPv6 space).
    pub fn len(&self) -> u128 {
        (self.last.0 - self.first.0).saturating_add(1)
    }

    /// Never true: an enumeration holds at least its first address.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Upstream's `ValidatePool`: the present fields parse and `start <= end`. Lenient about which
/// fields are present.
pub fn validate_pool(entry: &Pool) -> Result<(), AddressError> {
    let start = match &entry.start {
        Some(text) => {
            Some(Ip::parse(text).ok_or_else(|| AddressError::InvalidStart(text.clone()))?)
        }
        None => None,
    };
    let end = match &entry.end {
        Some(text) => Some(Ip::parse(text).ok_or_else(|| AddressError::InvalidEnd(text.clone()))?),
        None => None,
    };
    if let Some(text) = &entry.subnet {
        Subnet::parse(text).map_err(|_| AddressError::InvalidSubnet(text.clone()))?;
    }
    match (start, end) {
        (Some(start), Some(end)) if start > end => Err(AddressError::EndBeforeStart { start, end }),
        _ => Ok(()),
    }
}

/// Upstream's `GetPoolSize`, which the random strategy draws its starting index from. A
/// subnet-only entry counts from the masked network, so `192.168.0.10/24` has size 255 while
/// enumeration yields 245 addresses (Q-7, kept).
pub fn pool_size(entry: &Pool) -> Result<u64, AddressError> {
    validate_pool(entry)?;
    let parsed = |text: &Option<String>| text.as_deref().and_then(Ip::parse);
    let subnet = |text: &str| Subnet::parse(text);
    let (start, end, inclusive) = match (parsed(&entry.start), parsed(&entry.end), &entry.subnet) {
        (None, _, None) => return Err(AddressError::NoStartOrSubnet),
        (Some(start), Some(end), _) => (start, end, true),
        (Some(start), None, Some(text)) => (start, subnet(text)?.last(), true),
        (Some(_), None, None) => return Err(AddressError::Unbounded),
        (None, _, Some(text)) => {
            let subnet = subnet(text)?;
            (subnet.network(), subnet.last(), false)
        }
    };
    let difference = end
        .0
        .checked_sub(start.0)
        .ok_or(AddressError::EndBeforeStart { start, end })?;
    let size = if inclusive {
        difference
            .checked_add(1)
            .ok_or(AddressError::SizeOverflow)?
    } else {
        difference
    };
    u64::try_from(size)
        .ok()
        .filter(|size| *size <= i64::MAX as u64)
        .ok_or(AddressError::SizeOverflow)
}

#[cfg(test)]
mod tests;
