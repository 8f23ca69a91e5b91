//! The webhook server's handlers: `/convert` for the infrastructure kinds' conversion.

pub mod admission;
pub mod conversion;
pub mod server;
