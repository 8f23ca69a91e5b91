//! Small building blocks every controller shares: following this replica's leadership and
//! writing finalizers without overwriting a concurrent change.

pub mod finalizers;
pub mod leadership;
