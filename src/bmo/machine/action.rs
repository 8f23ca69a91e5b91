//! What a pass of the state machine asks of the controller (upstream's `action_result.go`):
//! whether to write the status and when to look at the host again.

use std::time::Duration;

use crate::bmo::backoff;
use crate::bmo::provisioner::ProvisionerError;

/// Upstream's short retry: manage, provide, abort, 409s, power changes.
pub const SHORT_RETRY: Duration = Duration::from_secs(3);
/// Upstream's long retry: inspecting, cleaning, deploying, deleting.
pub const LONG_RETRY: Duration = Duration::from_secs(10);
/// Power state is re-read this often in a steady state.
pub const POWER_POLL: Duration = Duration::from_secs(60);
/// Unmanaged and detached hosts are looked at this often.
pub const SLOW_POLL: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub enum Action {
    /// Look again after the delay; nothing to save.
    Continue(Duration),
    /// Save the status, then look again after the delay.
    Update(Duration),
    /// The state changed: save and look again at once.
    Complete,
    /// No provisioning capacity: save, look again in 1–2 minutes.
    Delayed,
    /// The operation failed: save, look again after the backoff for this many failures.
    Failed(u32),
    /// The backend could not be reached: keep the status, retry with the controller's backoff.
    Error(ProvisionerError),
    /// The host's node is gone and the finalizer may be removed.
    DeleteComplete,
}

impl Action {
    /// Whether the status must be written.
    pub fn dirty(&self) -> bool {
        matches!(
            self,
            Action::Update(_) | Action::Complete | Action::Delayed | Action::Failed(_)
        )
    }

    /// When to reconcile again, if at all (`Error` is requeued by the controller's backoff).
    pub fn requeue_after(&self) -> Option<Duration> {
        match self {
            Action::Continue(delay) | Action::Update(delay) => Some(*delay),
            Action::Complete => Some(Duration::ZERO),
            Action::Delayed => Some(backoff::random_after_failures(1)),
            Action::Failed(count) => Some(backoff::random_after_failures(*count)),
            Action::Error(_) | Action::DeleteComplete => None,
        }
    }
}
