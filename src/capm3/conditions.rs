//! Condition types and reasons (reference §3.10), the changes a decision asks for, and how
//! they are applied to an object's condition lists: v1beta2 `status.conditions` and the
//! deprecated v1beta1 `status.deprecated.v1beta1.conditions`, both still read by users and
//! dashboards, so both are kept with upstream's exact types and reasons.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use crate::api::common::V1Beta1Condition;

// v1beta2 condition types.
pub const READY: &str = "Ready";
pub const PAUSED: &str = "Paused";
pub const ASSOCIATE_BARE_METAL_HOST: &str = "AssociateBareMetalHost";
pub const ASSOCIATE_METAL3_MACHINE_META_DATA: &str = "AssociateMetal3MachineMetaData";
pub const METAL3_DATA_READY: &str = "Metal3DataReady";
pub const BAREMETAL_INFRASTRUCTURE_READY: &str = "BaremetalInfrastructureReady";

/// The conditions a Metal3Machine's `Ready` summarises.
pub const MACHINE_READY_OF: [&str; 3] = [
    ASSOCIATE_BARE_METAL_HOST,
    ASSOCIATE_METAL3_MACHINE_META_DATA,
    METAL3_DATA_READY,
];
/// The conditions a Metal3Cluster's `Ready` summarises.
pub const CLUSTER_READY_OF: [&str; 1] = [BAREMETAL_INFRASTRUCTURE_READY];

/// v1beta2 reasons.
pub mod reason {
    pub const READY: &str = "Ready";
    pub const NOT_READY: &str = "NotReady";
    pub const READY_UNKNOWN: &str = "ReadyUnknown";
    pub const PAUSED: &str = "Paused";
    pub const NOT_PAUSED: &str = "NotPaused";
    pub const DELETING: &str = "Deleting";
    // Metal3Cluster.
    pub const FAILED_TO_GET_OWNER_CLUSTER: &str = "FailedToGetOwnerCluster";
    pub const CONTROL_PLANE_ENDPOINT_FAILED: &str = "ControlPlaneEndpointFailed";
    pub const INVALID_CONFIGURATION: &str = "InvalidConfiguration";
    // Metal3Machine: AssociateBareMetalHost.
    pub const ASSOCIATE_BMH_SUCCESS: &str = "AssociateBareMetalHostSuccess";
    pub const ASSOCIATE_BMH_VIA_NODE_REUSE_SUCCESS: &str =
        "AssociateBareMetalHostViaNodeReuseSuccess";
    pub const ASSOCIATE_BMH_FAILED: &str = "AssociateBareMetalHostFailed";
    pub const WAITING_FOR_OWNER_REF: &str = "WaitingForMetal3MachineOwnerRef";
    pub const WAITING_FOR_CLUSTER_INFRASTRUCTURE: &str = "WaitingForClusterInfrastructureReady";
    /// Upstream's spelling, lower-case `f` included.
    pub const WAITING_FOR_METAL3_CLUSTER: &str = "WaitingforMetal3Cluster";
    pub const WAITING_FOR_BOOTSTRAP_DATA: &str = "WaitingForBootstrapData";
    pub const PAUSE_ANNOTATION_SET_FAILED: &str = "BareMetalHostPauseAnnotationSetFailed";
    pub const PAUSE_ANNOTATION_REMOVE_FAILED: &str = "BareMetalHostPauseAnnotationRemoveFailed";
    // Metal3Machine: AssociateMetal3MachineMetaData.
    pub const META_DATA_SUCCESS: &str = "AssociateMetal3MachineMetaDataSuccess";
    pub const META_DATA_FAILED: &str = "AssociateMetal3MachineMetaDataFailed";
    pub const CREATE_ERROR: &str = "CreateError";
    pub const UPDATE_ERROR: &str = "UpdateError";
    pub const DELETION_FAILED: &str = "DeletionFailed";
    pub const DISASSOCIATE_META_DATA_FAILED: &str = "DisassociateM3MetaDataFailed";
    // Metal3Machine: Metal3DataReady.
    pub const WAITING_FOR_METAL3_DATA: &str = "WaitingForMetal3Data";
    pub const METAL3_DATA_SECRETS_READY: &str = "Metal3DataSecretsReady";
    pub const SECRETS_SET_EXTERNALLY: &str = "SecretsSetExternally";
}

/// The deprecated v1beta1 conditions (`status.deprecated.v1beta1.conditions`).
pub mod v1beta1 {
    pub const READY: &str = "Ready";
    pub const ASSOCIATE_BMH: &str = "AssociateBMH";
    pub const KUBERNETES_NODE_READY: &str = "KubernetesNodeReady";
    pub const METAL3_DATA_READY: &str = "Metal3DataReady";
    pub const BAREMETAL_INFRASTRUCTURE_READY: &str = "BaremetalInfrastructureReady";

    /// The conditions a Metal3Machine's v1beta1 `Ready` summarises.
    pub const MACHINE_READY_OF: [&str; 3] =
        [ASSOCIATE_BMH, METAL3_DATA_READY, KUBERNETES_NODE_READY];
    /// The conditions a Metal3Cluster's v1beta1 `Ready` summarises.
    pub const CLUSTER_READY_OF: [&str; 1] = [BAREMETAL_INFRASTRUCTURE_READY];

    pub mod reason {
        pub const WAITING_FOR_OWNER_REF: &str = "WaitingForM3MachineOwnerRef";
        pub const WAITING_FOR_CLUSTER_INFRASTRUCTURE: &str = "WaitingForClusterInfrastructure";
        pub const WAITING_FOR_METAL3_CLUSTER: &str = "WaitingforMetal3Cluster";
        /// Upstream's value really ends in `Reason`.
        pub const PAUSE_ANNOTATION_SET_FAILED: &str = "PauseAnnotationSetFailedReason";
        pub const PAUSE_ANNOTATION_REMOVE_FAILED: &str = "PauseAnnotationRemoveFailed";
        pub const PAUSED: &str = "Metal3MachinePaused";
        pub const WAITING_FOR_BOOTSTRAP_READY: &str = "WaitingForBootstrapReady";
        pub const ASSOCIATE_BMH_FAILED: &str = "AssociateBMHFailed";
        pub const ASSOCIATE_M3_META_DATA_FAILED: &str = "AssociateM3MetaDataFailed";
        pub const DELETING: &str = "Deleting";
        pub const DISASSOCIATE_M3_META_DATA_FAILED: &str = "DisassociateM3MetaDataFailed";
        pub const DELETION_FAILED: &str = "DeletionFailed";
        pub const WAITING_FOR_METAL3_DATA: &str = "WaitingForMetal3Data";
        pub const CONTROL_PLANE_ENDPOINT_FAILED: &str = "ControlPlaneEndpointFailed";
        /// Upstream's spelling.
        pub const INTERNAL_FAILURE: &str = "InternalFailureOccured";
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    True,
    False,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::True => "True",
            Status::False => "False",
            Status::Unknown => "Unknown",
        }
    }

    fn parse(value: &str) -> Status {
        match value {
            "True" => Status::True,
            "False" => Status::False,
            _ => Status::Unknown,
        }
    }
}

/// A v1beta2 condition to set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub type_: &'static str,
    pub status: Status,
    pub reason: &'static str,
    pub message: String,
}

impl Cond {
    pub fn yes(type_: &'static str, reason: &'static str) -> Cond {
        Cond {
            type_,
            status: Status::True,
            reason,
            message: String::new(),
        }
    }

    pub fn no(type_: &'static str, reason: &'static str, message: impl Into<String>) -> Cond {
        Cond {
            type_,
            status: Status::False,
            reason,
            message: message.into(),
        }
    }
}

/// How bad a False v1beta1 condition is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
            Severity::Info => "Info",
        }
    }

    fn parse(value: &str) -> Option<Severity> {
        match value {
            "Error" => Some(Severity::Error),
            "Warning" => Some(Severity::Warning),
            "Info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// A deprecated v1beta1 condition to set. A True condition has no reason or severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyCond {
    pub type_: &'static str,
    pub status: Status,
    pub reason: Option<String>,
    pub severity: Option<Severity>,
    pub message: String,
}

impl LegacyCond {
    pub fn yes(type_: &'static str) -> LegacyCond {
        LegacyCond {
            type_,
            status: Status::True,
            reason: None,
            severity: None,
            message: String::new(),
        }
    }

    pub fn no(
        type_: &'static str,
        reason: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> LegacyCond {
        LegacyCond {
            type_,
            status: Status::False,
            reason: Some(reason.to_owned()),
            severity: Some(severity),
            message: message.into(),
        }
    }
}

/// Whether `conditions` holds `type_` with status True.
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True")
}

/// `existing` with `changes` applied: a condition whose status stays keeps its transition
/// time; every condition written gets `generation` as its observedGeneration.
pub fn apply(
    existing: &[Condition],
    changes: &[Cond],
    generation: Option<i64>,
    now: &Time,
) -> Vec<Condition> {
    let mut conditions = existing.to_vec();
    for change in changes {
        let status = change.status.as_str();
        let position = conditions.iter().position(|c| c.type_ == change.type_);
        let last_transition_time = match position.map(|i| &conditions[i]) {
            Some(old) if old.status == status => old.last_transition_time.clone(),
            _ => now.clone(),
        };
        let condition = Condition {
            type_: change.type_.to_owned(),
            status: status.to_owned(),
            reason: change.reason.to_owned(),
            message: change.message.clone(),
            observed_generation: generation,
            last_transition_time,
        };
        match position {
            Some(i) => conditions[i] = condition,
            None => conditions.push(condition),
        }
    }
    conditions
}

/// [`apply`] for the v1beta1 list.
pub fn apply_v1beta1(
    existing: &[V1Beta1Condition],
    changes: &[LegacyCond],
    now: &Time,
) -> Vec<V1Beta1Condition> {
    let mut conditions = existing.to_vec();
    for change in changes {
        let status = change.status.as_str();
        let position = conditions.iter().position(|c| c.r#type == change.type_);
        let last_transition_time = match position.map(|i| &conditions[i]) {
            Some(old) if old.status == status => old.last_transition_time.clone(),
            _ => now.clone(),
        };
        let condition = V1Beta1Condition {
            r#type: change.type_.to_owned(),
            status: status.to_owned(),
            reason: change.reason.clone(),
            severity: change.severity.map(|s| s.as_str().to_owned()),
            message: Some(change.message.clone()).filter(|m| !m.is_empty()),
            last_transition_time,
        };
        match position {
            Some(i) => conditions[i] = condition,
            None => conditions.push(condition),
        }
    }
    conditions
}

/// `existing` with `changes` applied and `Ready` set to the summary of `of`, unless
/// `changes` set `Ready` themselves (a Metal3Cluster being deleted): what upstream's deferred
/// patch does with every reconcile.
pub fn apply_with_summary(
    existing: &[Condition],
    changes: &[Cond],
    of: &[&str],
    generation: Option<i64>,
    now: &Time,
) -> Vec<Condition> {
    let conditions = apply(existing, changes, generation, now);
    if changes.iter().any(|c| c.type_ == READY) {
        return conditions;
    }
    let ready = summary(&conditions, of);
    apply(&conditions, &[ready], generation, now)
}

/// [`apply_with_summary`] for the v1beta1 list.
pub fn apply_v1beta1_with_summary(
    existing: &[V1Beta1Condition],
    changes: &[LegacyCond],
    of: &[&str],
    now: &Time,
) -> Vec<V1Beta1Condition> {
    let conditions = apply_v1beta1(existing, changes, now);
    if changes.iter().any(|c| c.type_ == v1beta1::READY) {
        return conditions;
    }
    match summary_v1beta1(&conditions, of) {
        Some(ready) => apply_v1beta1(&conditions, &[ready], now),
        None => conditions,
    }
}

/// The `Ready` summary of `of`, as Cluster API's `SetSummaryCondition` computes it: False if
/// any is False, else Unknown if any is Unknown or missing, else True; the message lists the
/// conditions that are not True.
pub fn summary(conditions: &[Condition], of: &[&str]) -> Cond {
    let mut worst = Status::True;
    let mut issues = Vec::new();
    for type_ in of {
        let (status, message) = match conditions.iter().find(|c| c.type_ == *type_) {
            Some(c) => (Status::parse(&c.status), c.message.clone()),
            None => (Status::Unknown, "Condition not yet reported".to_owned()),
        };
        match status {
            Status::True => continue,
            Status::False => worst = Status::False,
            Status::Unknown if worst == Status::True => worst = Status::Unknown,
            Status::Unknown => {}
        }
        issues.push(if message.is_empty() {
            format!("* {type_}: {}", status.as_str())
        } else {
            format!("* {type_}: {message}")
        });
    }
    let reason = match worst {
        Status::True => reason::READY,
        Status::False => reason::NOT_READY,
        Status::Unknown => reason::READY_UNKNOWN,
    };
    Cond {
        type_: READY,
        status: worst,
        reason,
        message: issues.join("\n"),
    }
}

/// The v1beta1 `Ready` summary of `of`, as Cluster API's deprecated `SetSummary` computes it:
/// only the conditions present count; False ones win by severity (Error, Warning, Info), then
/// True, then Unknown; the winner's first condition gives reason and message. `None` when
/// none of `of` is present.
pub fn summary_v1beta1(conditions: &[V1Beta1Condition], of: &[&str]) -> Option<LegacyCond> {
    let priority = |c: &V1Beta1Condition| match Status::parse(&c.status) {
        Status::False => match c.severity.as_deref().and_then(Severity::parse) {
            Some(Severity::Error) => 0,
            Some(Severity::Warning) => 1,
            Some(Severity::Info) => 2,
            None => 3,
        },
        Status::True => 4,
        Status::Unknown => 5,
    };
    let top = of
        .iter()
        .filter_map(|type_| conditions.iter().find(|c| c.r#type == *type_))
        .min_by_key(|c| priority(c))?;
    Some(match Status::parse(&top.status) {
        Status::True => LegacyCond::yes(v1beta1::READY),
        status => LegacyCond {
            type_: v1beta1::READY,
            status,
            reason: top.reason.clone(),
            severity: top.severity.as_deref().and_then(Severity::parse),
            message: top.message.clone().unwrap_or_default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capm3::fixtures::time;

    fn condition(type_: &str, status: &str, message: &str) -> Condition {
        Condition {
            type_: type_.into(),
            status: status.into(),
            reason: "R".into(),
            message: message.into(),
            observed_generation: None,
            last_transition_time: time(0),
        }
    }

    fn legacy(type_: &str, status: &str, severity: Option<&str>, reason: &str) -> V1Beta1Condition {
        V1Beta1Condition {
            r#type: type_.into(),
            status: status.into(),
            severity: severity.map(Into::into),
            reason: Some(reason.into()),
            message: None,
            last_transition_time: time(0),
        }
    }

    #[test]
    fn apply_keeps_transition_time_while_status_stays() {
        let existing = [condition(PAUSED, "False", "")];
        let same = apply(
            &existing,
            &[Cond::no(PAUSED, reason::NOT_PAUSED, "")],
            Some(3),
            &time(10),
        );
        assert_eq!(same[0].last_transition_time, time(0));
        assert_eq!(same[0].reason, reason::NOT_PAUSED);
        assert_eq!(same[0].observed_generation, Some(3));
        let flipped = apply(
            &existing,
            &[Cond::yes(PAUSED, reason::PAUSED)],
            None,
            &time(10),
        );
        assert_eq!(flipped[0].last_transition_time, time(10));
        let added = apply(
            &existing,
            &[Cond::yes(READY, reason::READY)],
            None,
            &time(10),
        );
        assert_eq!(added.len(), 2);
    }

    #[test]
    fn apply_v1beta1_writes_severity_and_drops_empty_messages() {
        let written = apply_v1beta1(
            &[],
            &[LegacyCond::no(
                v1beta1::ASSOCIATE_BMH,
                "X",
                Severity::Info,
                "",
            )],
            &time(5),
        );
        assert_eq!(written[0].severity.as_deref(), Some("Info"));
        assert_eq!(written[0].message, None);
        assert_eq!(written[0].status, "False");
    }

    /// M3C-06: `Ready` summarises with Cluster API's reasons; a missing condition is Unknown.
    #[test]
    fn summary_reasons() {
        let all_true = [
            condition(ASSOCIATE_BARE_METAL_HOST, "True", ""),
            condition(ASSOCIATE_METAL3_MACHINE_META_DATA, "True", ""),
            condition(METAL3_DATA_READY, "True", ""),
        ];
        assert_eq!(summary(&all_true, &MACHINE_READY_OF).reason, reason::READY);
        let missing = summary(&all_true[..2], &MACHINE_READY_OF);
        assert_eq!(
            (missing.status, missing.reason),
            (Status::Unknown, reason::READY_UNKNOWN)
        );
        assert!(missing.message.contains("Metal3DataReady"));
        let failed = [condition(ASSOCIATE_BARE_METAL_HOST, "False", "no host")];
        let summary = summary(&failed, &MACHINE_READY_OF);
        assert_eq!(
            (summary.status, summary.reason),
            (Status::False, reason::NOT_READY)
        );
        assert!(
            summary
                .message
                .starts_with("* AssociateBareMetalHost: no host")
        );
    }

    /// The summary follows the changes, unless the changes set `Ready` themselves.
    #[test]
    fn apply_with_summaries() {
        let written = apply_with_summary(
            &[],
            &[Cond::yes(BAREMETAL_INFRASTRUCTURE_READY, reason::READY)],
            &CLUSTER_READY_OF,
            Some(1),
            &time(1),
        );
        assert!(is_true(&written, READY));
        let deleting = apply_with_summary(
            &written,
            &[Cond::no(READY, reason::DELETING, "")],
            &CLUSTER_READY_OF,
            Some(1),
            &time(2),
        );
        assert_eq!(
            deleting
                .iter()
                .find(|c| c.type_ == READY)
                .map(|c| c.reason.as_str()),
            Some(reason::DELETING)
        );
        let legacy = apply_v1beta1_with_summary(
            &[],
            &[LegacyCond::yes(v1beta1::BAREMETAL_INFRASTRUCTURE_READY)],
            &v1beta1::CLUSTER_READY_OF,
            &time(1),
        );
        assert!(
            legacy
                .iter()
                .any(|c| c.r#type == v1beta1::READY && c.status == "True")
        );
        assert!(
            apply_v1beta1_with_summary(&[], &[], &v1beta1::CLUSTER_READY_OF, &time(1)).is_empty()
        );
    }

    #[test]
    fn summary_v1beta1_prefers_the_most_severe() {
        let conditions = [
            legacy(v1beta1::ASSOCIATE_BMH, "True", None, ""),
            legacy(v1beta1::METAL3_DATA_READY, "False", Some("Info"), "Waiting"),
            legacy(
                v1beta1::KUBERNETES_NODE_READY,
                "False",
                Some("Warning"),
                "Broken",
            ),
        ];
        let ready = summary_v1beta1(&conditions, &v1beta1::MACHINE_READY_OF).expect("present");
        assert_eq!(ready.reason.as_deref(), Some("Broken"));
        assert_eq!(ready.severity, Some(Severity::Warning));
        let ready = summary_v1beta1(&conditions[..1], &v1beta1::MACHINE_READY_OF).expect("present");
        assert_eq!(ready.status, Status::True);
        assert_eq!(summary_v1beta1(&[], &v1beta1::MACHINE_READY_OF), None);
    }
}
