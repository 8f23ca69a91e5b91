//! Leader election on a Lease, with kube-lease-manager: only the leader runs controllers;
//! stepping down releases the Lease, so a new leader takes over at once instead of after
//! the lease expires.

use std::time::Duration;

use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Upstream's election ID.
pub const LEASE_NAME: &str = "controller-leader-election-capm3";

/// A candidacy: `leading` says whether this process leads now.
pub struct Election {
    pub leading: watch::Receiver<bool>,
    task: JoinHandle<Result<kube_lease_manager::LeaseManager, LeaseManagerError>>,
}

impl Election {
    /// Stands for election. `lease_duration` and `renew_deadline` are upstream's flags: the
    /// leader renews `lease_duration - renew_deadline` before its lease runs out.
    pub async fn start(
        client: kube::Client,
        namespace: &str,
        identity: &str,
        lease_duration: Duration,
        renew_deadline: Duration,
    ) -> Result<Election, LeaseManagerError> {
        let duration = lease_duration.as_secs().max(1);
        let grace = duration
            .saturating_sub(renew_deadline.as_secs())
            .clamp(1, duration);
        let manager = LeaseManagerBuilder::new(client, LEASE_NAME)
            .with_namespace(namespace)
            .with_identity(identity)
            .with_duration(duration)
            .with_grace(grace)
            .build()
            .await?;
        let (leading, task) = manager.watch().await;
        Ok(Election { leading, task })
    }

    pub fn is_leading(&self) -> bool {
        *self.leading.borrow()
    }

    /// Gives up leadership (releasing the Lease) and waits until it is released.
    pub async fn step_down(self) {
        drop(self.leading);
        let _ = self.task.await;
    }

    /// Stops without releasing the Lease, as a crashed process would: the others wait for
    /// it to expire.
    pub fn abandon(self) {
        self.task.abort();
    }
}

/// This process's identity among candidates: the pod name (`HOSTNAME`) and a random suffix,
/// so a restarted pod is a new candidate.
pub fn identity() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "capm3".into());
    format!("{host}_{}", uuid::Uuid::new_v4())
}
