//! The controller-manager's runtime: webhooks (conversion and admission) and, as they land,
//! leader election, health, metrics and the controllers.

pub mod args;
pub mod baremetalhost;
pub mod caches;
pub mod diagnostics;
pub mod leader;
pub mod run;
pub mod throttle;
pub mod webhooks;
