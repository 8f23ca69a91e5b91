//! `ipam.metal3.io`: IPPool, IPClaim and IPAddress (the ip-address-manager's API).
pub mod v1alpha1;
