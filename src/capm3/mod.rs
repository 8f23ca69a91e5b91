//! The CAPM3 decisions: pure functions from the objects a Metal3Machine, Metal3Cluster or
//! Metal3MachineTemplate controller reads to the writes, conditions, Events and requeue it
//! should make (reference §1.1, §1.2, §1.5). No IO here: a controller fetches, calls these,
//! and applies what comes back. Changes to the reconciled object come back typed
//! ([`changes::MachineChanges`], [`cluster::ClusterPlan`]); writes to other objects (hosts,
//! Secrets, Nodes, other Metal3Machines) come back as JSON merge patches; conditions, Events
//! and the requeue as an [`outcome::Report`]. A report's conditions are applied with
//! [`conditions::apply_with_summary`], which also keeps `Ready` summarised.
//!
//! A Metal3Machine pass, in upstream's order (each `Err(report)` ends the pass with it):
//! 1. [`preconditions::owner_machine`] → fetch the Machine → [`preconditions::failure_domain`];
//!    [`preconditions::cluster_of`] → Cluster → [`preconditions::metal3_cluster_of`] →
//!    Metal3Cluster; [`preconditions::gate`].
//! 2. The host named by [`associate::associated_host`], if any:
//!    [`preconditions::block_move_patch`], then [`preconditions::pause`] (stop when paused).
//! 3. Deleting: [`delete::deleting`], [`data::release_metadata`], [`delete::reuse_on_release`]
//!    (with [`node_reuse`] to find the template), [`delete::release_host`]; the finalizer goes
//!    when it says `finished`.
//! 4. Otherwise add the finalizer; [`preconditions::linked`] → only [`associate::update`].
//!    Else [`preconditions::bootstrap_gate`]; without a host annotation,
//!    [`select::HostRequest::new`] + [`select::select`] + [`associate::associate`] (then stop,
//!    the host's change brings the machine back); [`data::associate_metadata`];
//!    [`data::rendered_data`] + [`data::data_secrets`]; [`associate::update`];
//!    [`provider_id::link_node`].

pub mod associate;
pub mod changes;
pub mod cluster;
pub mod conditions;
pub mod controller;
pub mod data;
pub mod data_controllers;
pub mod delete;
pub mod names;
pub mod node_reuse;
pub mod outcome;
mod patch;
pub mod preconditions;
pub mod provider_id;
pub mod select;
pub mod selector;
pub mod template;

#[cfg(test)]
mod fixtures;
