//! The CAPM3 decisions: pure functions from the objects a Metal3Machine, Metal3Cluster or
//! Metal3MachineTemplate controller reads to the writes, conditions, Events and requeue it
//! should make (reference §1.1, §1.2, §1.5). No IO here: the controllers fetch, call these,
//! and apply what comes back.

pub mod associate;
pub mod changes;
pub mod cluster;
pub mod conditions;
pub mod data;
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
