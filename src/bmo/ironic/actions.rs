//! The requests every operation shares, with upstream's generic rules (reference §4.7,
//! §2.13): a 409 means "locked, look again in 3s"; a faulty node is left alone; maintenance
//! is cleared before a provision-state change.

use std::ops::ControlFlow;
use std::time::Duration;

use super::IronicProvisioner;
use super::patch::NodePatch;
use crate::bmo::provisioner::{Outcome, ProvisionResult};
use crate::ironic::{IronicError, Node, ProvisionRequest};

/// Look again soon: after a change was sent, or when the node was locked.
pub(super) fn short_delay() -> Duration {
    // Up to 25% jitter, so hosts changed together do not poll together.
    Duration::from_secs(3) + Duration::from_millis(fastrand::u64(0..=750))
}

/// Look again later: a long-running step (inspection, cleaning, deployment) is under way.
pub(super) const LONG_DELAY: Duration = Duration::from_secs(10);

/// `Continue` with the answer, or `Break` to look again when the node was locked (409).
pub(super) fn unless_locked<T>(
    result: Result<T, IronicError>,
) -> ProvisionResult<ControlFlow<Outcome, T>> {
    match result {
        Ok(value) => Ok(ControlFlow::Continue(value)),
        Err(IronicError::Conflict(reason)) => {
            tracing::debug!(%reason, "node busy, looking again");
            Ok(ControlFlow::Break(Outcome::waiting(short_delay())))
        }
        Err(e) => Err(e.into()),
    }
}

/// The outcome of a request that was the call's last: waiting either way.
pub(super) fn settled(flow: ControlFlow<Outcome>) -> Outcome {
    match flow {
        ControlFlow::Continue(()) => Outcome::waiting(short_delay()),
        ControlFlow::Break(outcome) => outcome,
    }
}

impl IronicProvisioner {
    /// Requests a provision-state change; `Continue` when it was accepted.
    pub(super) async fn try_change_state(
        &self,
        node: &Node,
        request: ProvisionRequest,
    ) -> ProvisionResult<ControlFlow<Outcome>> {
        if node.fault.as_deref().is_some_and(|f| !f.is_empty()) {
            tracing::info!(uuid = %node.uuid, fault = ?node.fault, "node has a fault, waiting");
            return Ok(ControlFlow::Break(Outcome::waiting(LONG_DELAY)));
        }
        if node.maintenance == Some(true) {
            // Ironic refuses provision-state changes in maintenance.
            return Ok(ControlFlow::Break(self.set_maintenance(node, false).await?));
        }
        tracing::info!(uuid = %node.uuid, current = ?node.provision_state, target = %request.target, "changing provision state");
        let sent = self.client.set_provision_state(&node.uuid, &request).await;
        if sent.is_ok() {
            self.forget();
        }
        unless_locked(sent)
    }

    /// Requests a provision-state change as the call's last request.
    pub(super) async fn change_state(&self, node: &Node, target: &str) -> ProvisionResult<Outcome> {
        self.try_change_state(node, ProvisionRequest::target(target))
            .await
            .map(settled)
    }

    /// Requests the change that begins a long operation (deploying, cleaning), marking the
    /// outcome `started` when Ironic accepted it.
    pub(super) async fn start_operation(
        &self,
        node: &Node,
        request: ProvisionRequest,
    ) -> ProvisionResult<Outcome> {
        let flow = self.try_change_state(node, request).await?;
        Ok(Outcome {
            started: flow.is_continue(),
            ..settled(flow)
        })
    }

    pub(super) async fn set_maintenance(&self, node: &Node, on: bool) -> ProvisionResult<Outcome> {
        let sent = if on {
            self.client
                .set_maintenance(&node.uuid, "forcing deletion in baremetal-operator")
                .await
        } else {
            self.client.clear_maintenance(&node.uuid).await
        };
        if sent.is_ok() {
            self.forget();
        }
        unless_locked(sent).map(settled)
    }

    /// Sends `patch` unless it is empty; `Continue` with the node as it now is.
    pub(super) async fn update(
        &self,
        node: Node,
        patch: NodePatch,
    ) -> ProvisionResult<ControlFlow<Outcome, Node>> {
        if patch.is_empty() {
            return Ok(ControlFlow::Continue(node));
        }
        let paths: Vec<&str> = patch.ops().iter().map(|op| op.path.as_str()).collect();
        tracing::info!(uuid = %node.uuid, ?paths, "updating node");
        let updated = unless_locked(self.client.patch_node(&node.uuid, patch.ops()).await)?;
        if let ControlFlow::Continue(node) = &updated {
            self.snapshot.changed(&node.uuid);
            self.remember(Some(node.clone()));
        }
        Ok(updated)
    }
}

/// Unwraps a `Continue`, or returns the `Break`'s outcome from the enclosing function
/// (converted with `Into`).
macro_rules! proceed {
    ($flow:expr) => {
        match $flow {
            std::ops::ControlFlow::Continue(value) => value,
            std::ops::ControlFlow::Break(outcome) => return Ok(outcome.into()),
        }
    };
}
pub(super) use proceed;
