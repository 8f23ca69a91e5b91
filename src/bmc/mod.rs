//! BMC addresses: from a BareMetalHost's `spec.bmc.address` (with
//! `disableCertificateVerification` and its credentials) to the Ironic driver, interfaces and
//! `driver_info` that upstream's baremetal-operator (`pkg/hardwareutils/bmc`) would use.
//!
//! Pure: no IO. Both the webhook (to reject an address, with upstream's messages) and the
//! provisioner (to enroll the node) call [`parse`]. docs/bmc.md is the user's view of the
//! same rules.

mod access;
mod address;
pub(crate) mod gourl;
mod netip;
mod schemes;

#[cfg(test)]
mod tests;

pub use access::{AccessDetails, Credentials, DeployMethod};
pub use schemes::Interfaces;

/// What else decides how an address is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// `spec.bmc.disableCertificateVerification`: sends `*_verify_ca: false`.
    pub disable_certificate_verification: bool,
    /// `--enable-fake-hardware`: accepts the test-bed schemes `fake-hardware` and
    /// `fake-hardware+redfish`.
    pub allow_fake_hardware: bool,
}

/// Why an address was refused. The texts are upstream's, so users see what upstream's
/// webhook and controller would show them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BmcError {
    #[error("missing BMC address")]
    MissingAddress,
    /// Go's URL parser refused it; the text is Go's: `parse "<url>": <reason>`.
    #[error("failed to parse BMC address information: {0}")]
    InvalidUrl(String),
    /// The host is neither an IP address nor a DNS name.
    #[error("failed to parse BMC address information: BMC address hostname/IP : [{0}] is invalid")]
    InvalidHost(String),
    #[error("Unknown BMC type '{bmc_type}' for address {address}")]
    UnknownType { bmc_type: String, address: String },
    #[error(
        "BMC type '{bmc_type}' for address {address} is for test beds only: \
         start capm3 with --enable-fake-hardware to allow it"
    )]
    FakeHardwareNotEnabled { bmc_type: String, address: String },
}

/// Reads a BMC address as upstream does (docs/bmc.md has the rules and the scheme table).
pub fn parse(address: &str, options: &ParseOptions) -> Result<AccessDetails, BmcError> {
    if address.is_empty() {
        return Err(BmcError::MissingAddress);
    }
    let url = address::parse_url(address)?;
    let Some((scheme, protocol)) = schemes::lookup(&url.scheme) else {
        return Err(BmcError::UnknownType {
            bmc_type: url.scheme,
            address: address.to_owned(),
        });
    };
    if scheme.fake && !options.allow_fake_hardware {
        return Err(BmcError::FakeHardwareNotEnabled {
            bmc_type: url.scheme,
            address: address.to_owned(),
        });
    }
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Ok(AccessDetails {
        scheme,
        protocol,
        host: text(&url.host),
        hostname: text(url.hostname()),
        port: text(url.port()),
        path: text(&url.path),
        privilege_level: access::privilege_level(&url.raw_query),
        disable_certificate_verification: options.disable_certificate_verification,
        bmc_type: url.scheme,
    })
}
