//! Ironic's provision state machine, as far as the BareMetalHost operator drives it: for a
//! requested target in a given state, the transient state Ironic shows while it works and
//! where the node lands.

use crate::ironic::{states as s, targets as t};

/// A provision-state change in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The step, for failure injection and latency (`verify`, `inspect`, `clean`, `deploy`, …).
    pub step: Step,
    /// What `provision_state` shows while the step runs.
    pub during: &'static str,
    /// `target_provision_state` meanwhile.
    pub target: &'static str,
    /// Where the node lands when the step succeeds.
    pub success: &'static str,
    /// Where it lands when the step fails (with `last_error` set).
    pub failure: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Verify,
    Inspect,
    Clean,
    Deploy,
    Undeploy,
    Adopt,
    Service,
    Abort,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Verify => "verify",
            Step::Inspect => "inspect",
            Step::Clean => "clean",
            Step::Deploy => "deploy",
            Step::Undeploy => "undeploy",
            Step::Adopt => "adopt",
            Step::Service => "service",
            Step::Abort => "abort",
        }
    }

    pub fn parse(name: &str) -> Option<Step> {
        [
            Step::Verify,
            Step::Inspect,
            Step::Clean,
            Step::Deploy,
            Step::Undeploy,
            Step::Adopt,
            Step::Service,
            Step::Abort,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// The transition for `target` requested in `state`, or `None` when Ironic refuses it
/// ("The requested action "X" can not be performed on node Y while it is in state Z").
/// `automated_clean` decides whether `provide` and undeploy clean.
pub fn transition(state: &str, target: &str, automated_clean: bool) -> Option<Transition> {
    let tr = |step, during, target, success, failure| {
        Some(Transition {
            step,
            during,
            target,
            success,
            failure,
        })
    };
    let cleaning_to = |success| {
        if automated_clean {
            tr(Step::Clean, s::CLEANING, success, success, s::CLEAN_FAILED)
        } else {
            tr(Step::Clean, s::CLEANING, success, success, success)
        }
    };
    match (state, target) {
        (s::ENROLL, t::MANAGE) => tr(
            Step::Verify,
            s::VERIFYING,
            s::MANAGEABLE,
            s::MANAGEABLE,
            s::ENROLL,
        ),
        (s::MANAGEABLE | s::INSPECT_FAILED, t::INSPECT) => tr(
            Step::Inspect,
            s::INSPECTING,
            s::MANAGEABLE,
            s::MANAGEABLE,
            s::INSPECT_FAILED,
        ),
        (s::MANAGEABLE | s::CLEAN_FAILED, t::PROVIDE) => cleaning_to(s::AVAILABLE),
        (s::MANAGEABLE, t::CLEAN) => tr(
            Step::Clean,
            s::CLEANING,
            s::MANAGEABLE,
            s::MANAGEABLE,
            s::CLEAN_FAILED,
        ),
        (s::INSPECT_FAILED | s::CLEAN_FAILED | s::AVAILABLE, t::MANAGE) => tr(
            Step::Verify,
            s::VERIFYING,
            s::MANAGEABLE,
            s::MANAGEABLE,
            state_static(state),
        ),
        (s::AVAILABLE | s::DEPLOY_FAILED | s::ACTIVE, t::ACTIVE) => tr(
            Step::Deploy,
            s::DEPLOYING,
            s::ACTIVE,
            s::ACTIVE,
            s::DEPLOY_FAILED,
        ),
        (s::ACTIVE | s::DEPLOY_FAILED | s::ERROR, t::DELETED) => tr(
            Step::Undeploy,
            s::DELETING,
            s::AVAILABLE,
            s::AVAILABLE,
            s::ERROR,
        ),
        (s::MANAGEABLE | s::ADOPT_FAILED, t::ADOPT) => tr(
            Step::Adopt,
            s::ADOPTING,
            s::ACTIVE,
            s::ACTIVE,
            s::ADOPT_FAILED,
        ),
        (s::ACTIVE | s::SERVICE_FAILED, t::SERVICE) => tr(
            Step::Service,
            s::SERVICING,
            s::ACTIVE,
            s::ACTIVE,
            s::SERVICE_FAILED,
        ),
        (s::INSPECT_WAIT, t::ABORT) => tr(
            Step::Abort,
            s::INSPECT_WAIT,
            s::INSPECT_FAILED,
            s::INSPECT_FAILED,
            s::INSPECT_FAILED,
        ),
        (s::CLEAN_WAIT, t::ABORT) => tr(
            Step::Abort,
            s::CLEAN_WAIT,
            s::CLEAN_FAILED,
            s::CLEAN_FAILED,
            s::CLEAN_FAILED,
        ),
        (s::WAIT_CALL_BACK, t::ABORT) => tr(
            Step::Abort,
            s::WAIT_CALL_BACK,
            s::DEPLOY_FAILED,
            s::DEPLOY_FAILED,
            s::DEPLOY_FAILED,
        ),
        _ => None,
    }
}

/// After an undeploy, cleaning follows when automated cleaning is on (as in Ironic, where
/// `deleting` is followed by `cleaning` before the node is `available` again).
pub fn after(step: Step, automated_clean: bool) -> Option<Transition> {
    (step == Step::Undeploy && automated_clean).then_some(Transition {
        step: Step::Clean,
        during: s::CLEANING,
        target: s::AVAILABLE,
        success: s::AVAILABLE,
        failure: s::CLEAN_FAILED,
    })
}

/// States in which a node may be deleted without maintenance mode.
pub fn deletable(state: &str) -> bool {
    matches!(
        state,
        s::ENROLL
            | s::MANAGEABLE
            | s::AVAILABLE
            | s::INSPECT_FAILED
            | s::CLEAN_FAILED
            | s::ADOPT_FAILED
            | s::ERROR
    )
}

/// States in which a transition is running and the node is locked.
pub fn busy(state: &str) -> bool {
    matches!(
        state,
        s::VERIFYING
            | s::INSPECTING
            | s::CLEANING
            | s::DEPLOYING
            | s::DELETING
            | s::ADOPTING
            | s::SERVICING
    )
}

fn state_static(state: &str) -> &'static str {
    [s::INSPECT_FAILED, s::CLEAN_FAILED, s::AVAILABLE]
        .into_iter()
        .find(|x| *x == state)
        .unwrap_or(s::MANAGEABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_upstream_drives() {
        let path = [
            (s::ENROLL, t::MANAGE, s::VERIFYING, s::MANAGEABLE),
            (s::MANAGEABLE, t::INSPECT, s::INSPECTING, s::MANAGEABLE),
            (s::MANAGEABLE, t::PROVIDE, s::CLEANING, s::AVAILABLE),
            (s::AVAILABLE, t::ACTIVE, s::DEPLOYING, s::ACTIVE),
            (s::ACTIVE, t::DELETED, s::DELETING, s::AVAILABLE),
        ];
        for (from, target, during, lands) in path {
            let step =
                transition(from, target, true).unwrap_or_else(|| panic!("{target} from {from}"));
            assert_eq!(
                (step.during, step.success),
                (during, lands),
                "{target} from {from}"
            );
        }
        assert_eq!(
            after(Step::Undeploy, true).map(|t| t.during),
            Some(s::CLEANING)
        );
        assert_eq!(after(Step::Undeploy, false), None);
    }

    #[test]
    fn refused_and_failed_transitions() {
        assert_eq!(transition(s::ENROLL, t::ACTIVE, true), None);
        assert_eq!(
            transition(s::AVAILABLE, t::INSPECT, true),
            None,
            "inspection needs manageable"
        );
        assert_eq!(
            transition(s::AVAILABLE, t::ACTIVE, true).map(|t| t.failure),
            Some(s::DEPLOY_FAILED)
        );
        assert_eq!(
            transition(s::MANAGEABLE, t::PROVIDE, true).map(|t| t.failure),
            Some(s::CLEAN_FAILED)
        );
        assert!(deletable(s::AVAILABLE) && !deletable(s::ACTIVE));
        assert!(busy(s::DEPLOYING) && !busy(s::ACTIVE));
    }
}
