//! capm3: a Cluster API infrastructure provider for bare metal.

// kube's `printcolumn(name = .., type_ = ..)` repeats `type_ = "string"` across columns,
// which clippy mistakes for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
pub mod api;
pub mod bmc;
pub mod bmo;
pub mod capm3;
pub mod crds;
pub mod duration;
pub mod ipam;
pub mod ironic;
pub mod kubeutil;
pub mod manager;
pub mod manifests;
pub mod metrics;
pub mod render;
pub mod sandbox;
pub mod tls;
