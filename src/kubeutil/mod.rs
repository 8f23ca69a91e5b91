//! Small building blocks every controller shares: following this replica's leadership,
//! writing finalizers without overwriting a concurrent change, reading refusals, and publishing
//! Events.

pub mod errors;
pub mod events;
pub mod finalizers;
pub mod leadership;
