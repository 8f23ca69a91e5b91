//! The bundled IP address manager (upstream's ip-address-manager): IPPools hand out addresses
//! to Metal3 IPClaims and to Cluster API IPAddressClaims, recording each as an IPAddress.
//!
//! The pure part — address arithmetic, the allocation algorithm, names, `status.indexes` — is
//! in the modules here; the controller that reads and writes the cluster is in [`controller`].

pub mod address;
pub mod allocate;
pub mod claim;
pub mod controller;
pub mod indexes;
pub mod naming;
pub mod objects;
pub mod pool;
