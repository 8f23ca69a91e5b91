//! The webhook server's handlers (`/convert` for the infrastructure kinds' conversion, the
//! admission webhooks) and the configurations that register the admission webhooks.

pub mod admission;
pub mod configurations;
pub mod conversion;
pub mod server;
