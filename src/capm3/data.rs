//! A Metal3Machine's metadata and network data (reference §1.2.4, §1.2.5 WaitForM3Metadata,
//! §1.2.6 DissociateM3Metadata; DTI-01…DTI-05, ASC-10, DEL-01).
//!
//! User-provided `spec.metaData` / `spec.networkData` Secrets are used as given. With a
//! `spec.dataTemplate`, the Metal3Machine claims a Metal3Data through a Metal3DataClaim named
//! after itself, waits until it is rendered, and then points the host at the rendered
//! Secrets — except those the user provided ("hybrid" mode).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::SecretReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};

use super::changes::MachineChanges;
use super::conditions::{self as cond, Cond, LegacyCond, Severity, is_true, reason, v1beta1};
use super::names::MACHINE_FINALIZER;
use super::outcome::{Next, Report};
use crate::api::capm3::v1beta2::{
    Metal3Data, Metal3DataClaim, Metal3DataClaimSpec, Metal3Machine, Metal3ObjectRef,
};

/// What associating the metadata asks for (AssociateM3Metadata).
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataPlan {
    /// The user's Secrets recorded in status (ASC-10), the template namespace defaulted (DTI-02).
    pub machine: MachineChanges,
    /// The claim to create when no Metal3DataClaim named after the machine exists yet
    /// (DTI-01); an AlreadyExists answer means: look again in 30 s.
    pub claim: Option<Metal3DataClaim>,
    /// `AssociateMetal3MachineMetaData` True.
    pub report: Report,
}

/// AssociateM3Metadata: the user's metaData/networkData Secrets, and the Metal3DataClaim a
/// machine with a dataTemplate needs. A Secret in another namespace fails the step.
pub fn associate_metadata(machine: &Metal3Machine) -> Result<MetadataPlan, Report> {
    let namespace = machine.namespace().unwrap_or_default();
    let status = machine.status.as_ref();
    let mut changes = MachineChanges::default();
    for (field, given, recorded, slot) in [
        (
            "metaData",
            machine.spec.meta_data.as_ref(),
            status.and_then(|s| s.meta_data.as_ref()),
            &mut changes.meta_data,
        ),
        (
            "networkData",
            machine.spec.network_data.as_ref(),
            status.and_then(|s| s.network_data.as_ref()),
            &mut changes.network_data,
        ),
    ] {
        if let Some(given) = given {
            let other = given
                .namespace
                .as_deref()
                .filter(|ns| !ns.is_empty() && *ns != namespace);
            if let Some(other) = other {
                return Err(metadata_failed(format!(
                    "{field} Secret must be in namespace {namespace}, not {other}"
                )));
            }
            if recorded != Some(given) {
                *slot = Some(Some(given.clone()));
            }
        }
    }
    let rendered = status.is_some_and(|s| s.rendered_data.is_some());
    let template = machine.spec.data_template.as_ref().filter(|_| !rendered);
    let claim = template.map(|template| {
        let template_namespace = template
            .namespace
            .clone()
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| namespace.clone());
        if template.namespace.as_deref() != Some(&template_namespace) {
            changes.data_template_namespace = Some(template_namespace.clone());
        }
        data_claim(machine, template.name.clone(), template_namespace)
    });
    Ok(MetadataPlan {
        machine: changes,
        claim,
        report: Report::default().with(Cond::yes(
            cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
            reason::META_DATA_SUCCESS,
        )),
    })
}

/// The Metal3DataClaim of `machine`: its name, namespace and labels, owned (as controller) and
/// held (finalizer) by it.
fn data_claim(
    machine: &Metal3Machine,
    template: Option<String>,
    namespace: String,
) -> Metal3DataClaim {
    let owner = OwnerReference {
        api_version: Metal3Machine::api_version(&()).into_owned(),
        kind: Metal3Machine::kind(&()).into_owned(),
        name: machine.name_any(),
        uid: machine.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: None,
    };
    Metal3DataClaim {
        metadata: ObjectMeta {
            name: Some(machine.name_any()),
            namespace: machine.namespace(),
            labels: Some(machine.labels().clone()).filter(|l: &BTreeMap<_, _>| !l.is_empty()),
            finalizers: Some(vec![MACHINE_FINALIZER.to_owned()]),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: Metal3DataClaimSpec {
            template: Some(Metal3ObjectRef {
                name: template,
                namespace: Some(namespace),
            }),
        },
        status: None,
    }
}

fn metadata_failed(message: String) -> Report {
    Report::next(Next::Retry(message.clone()))
        .with(Cond::no(
            cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
            reason::META_DATA_FAILED,
            message.clone(),
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::KUBERNETES_NODE_READY,
            v1beta1::reason::ASSOCIATE_M3_META_DATA_FAILED,
            Severity::Warning,
            message,
        ))
}

/// First half of WaitForM3Metadata: the Metal3Data to read next, `None` when the machine
/// uses no template. Without a recorded `status.renderedData`, the claim (`claim`, the
/// Metal3DataClaim named after the machine, if found) must name it (DTI-03); until it does,
/// wait 30 s.
pub fn rendered_data(
    machine: &Metal3Machine,
    claim: Option<&Metal3DataClaim>,
) -> Result<Option<Metal3ObjectRef>, Report> {
    if let Some(recorded) = machine
        .status
        .as_ref()
        .and_then(|s| s.rendered_data.clone())
    {
        return Ok(Some(recorded));
    }
    if machine.spec.data_template.is_none() {
        return Ok(None);
    }
    let Some(claim) = claim else {
        return Err(waiting("waiting for the Metal3DataClaim"));
    };
    claim
        .status
        .as_ref()
        .and_then(|s| s.rendered_data.clone())
        .filter(|r| r.name.as_deref().is_some_and(|n| !n.is_empty()))
        .map(Some)
        .ok_or_else(|| waiting("waiting for Metal3DataTemplate to be available"))
}

/// Second half of WaitForM3Metadata, once `data` (the Metal3Data `rendered` names, if found)
/// is read: wait until it is ready (DTI-04), then record it and take its Secrets for those
/// the user did not provide (DTI-05, ASC-10).
pub fn data_secrets(
    machine: &Metal3Machine,
    rendered: &Metal3ObjectRef,
    data: Option<&Metal3Data>,
) -> Result<(MachineChanges, Report), Report> {
    let status = machine.status.as_ref();
    let Some(data) = data.filter(|d| d.status.as_ref().and_then(|s| s.ready) == Some(true)) else {
        return Err(waiting("waiting for Metal3Data to become ready")
            .with(Cond::no(
                cond::METAL3_DATA_READY,
                reason::WAITING_FOR_METAL3_DATA,
                "",
            ))
            .with_v1beta1(LegacyCond::no(
                v1beta1::METAL3_DATA_READY,
                v1beta1::reason::WAITING_FOR_METAL3_DATA,
                Severity::Info,
                "",
            )));
    };
    let from_data = |secret: Option<&SecretReference>| {
        secret
            .and_then(|s| s.name.clone())
            .filter(|name| !name.is_empty())
            .map(|name| SecretReference {
                name: Some(name),
                namespace: data.namespace(),
            })
    };
    let changes = MachineChanges {
        rendered_data: Some(Some(rendered.clone()))
            .filter(|r| status.and_then(|s| s.rendered_data.as_ref()) != r.as_ref()),
        meta_data: from_data(data.spec.meta_data.as_ref())
            .filter(|_| status.and_then(|s| s.meta_data.as_ref()).is_none())
            .map(Some),
        network_data: from_data(data.spec.network_data.as_ref())
            .filter(|_| status.and_then(|s| s.network_data.as_ref()).is_none())
            .map(Some),
        ..MachineChanges::default()
    };
    let report = Report::default()
        .with(Cond::yes(
            cond::METAL3_DATA_READY,
            reason::METAL3_DATA_SECRETS_READY,
        ))
        .with_v1beta1(LegacyCond::yes(v1beta1::METAL3_DATA_READY));
    Ok((changes, report))
}

/// A wait for the rendered data, reported as upstream does (`AssociateMetal3MachineMetaData`
/// False/`CreateError`), looking again in 30 s.
fn waiting(message: &str) -> Report {
    Report::next(Next::later()).with(Cond::no(
        cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
        reason::CREATE_ERROR,
        format!("failed to update BareMetalHost: {message}"),
    ))
}

/// `Metal3DataReady` True/`SecretsSetExternally` once the providerID is set, unless it is
/// True already (PID-09).
pub fn secrets_set_externally(machine: &Metal3Machine) -> Report {
    let conditions = machine
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    if is_true(conditions, cond::METAL3_DATA_READY) {
        return Report::default();
    }
    Report::default()
        .with(Cond::yes(
            cond::METAL3_DATA_READY,
            reason::SECRETS_SET_EXTERNALLY,
        ))
        .with_v1beta1(LegacyCond::yes(v1beta1::METAL3_DATA_READY))
}

/// What deleting a Metal3Machine does with its metadata (DissociateM3Metadata, DEL-01).
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataRelease {
    /// Rendered Secrets forgotten (the user's kept), `renderedData` cleared.
    pub machine: MachineChanges,
    /// The Metal3DataClaim to release: remove finalizer [`MACHINE_FINALIZER`], then delete it
    /// (NotFound at either step: done).
    pub claim: String,
}

pub fn release_metadata(machine: &Metal3Machine) -> MetadataRelease {
    let status = machine.status.as_ref();
    let clear = |user: bool, recorded: bool| (!user && recorded).then_some(None);
    MetadataRelease {
        machine: MachineChanges {
            meta_data: clear(
                machine.spec.meta_data.is_some(),
                status.is_some_and(|s| s.meta_data.is_some()),
            ),
            network_data: clear(
                machine.spec.network_data.is_some(),
                status.is_some_and(|s| s.network_data.is_some()),
            ),
            rendered_data: status.and_then(|s| s.rendered_data.as_ref()).map(|_| None),
            ..MachineChanges::default()
        },
        claim: machine.name_any(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::{NS, machine};

    fn secret(name: &str, namespace: &str) -> SecretReference {
        SecretReference {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
        }
    }

    fn data(ready: bool) -> Metal3Data {
        serde_json::from_value(json!({
            "metadata": {"name": "t-0", "namespace": NS},
            "spec": {"metaData": {"name": "m3m-metadata"}, "networkData": {"name": "m3m-networkdata"}},
            "status": {"ready": ready},
        }))
        .expect("data")
    }

    /// DTI-01, DTI-02: the claim, and the defaulted template namespace.
    #[test]
    fn claim_for_a_data_template() {
        let m3m = machine(
            "m3m",
            json!({"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}},
                                        "spec": {"dataTemplate": {"name": "t"}}}),
        );
        let plan = associate_metadata(&m3m).expect("plan");
        assert_eq!(plan.machine.data_template_namespace.as_deref(), Some(NS));
        let claim = plan.claim.expect("claim");
        assert_eq!(claim.metadata.name.as_deref(), Some("m3m"));
        assert_eq!(
            claim.metadata.finalizers,
            Some(vec![MACHINE_FINALIZER.to_owned()])
        );
        let owner = &claim.metadata.owner_references.as_ref().expect("owner")[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.controller),
            ("Metal3Machine", "m3m", Some(true))
        );
        assert_eq!(
            claim
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("cluster.x-k8s.io/cluster-name"))
                .map(String::as_str),
            Some("test1")
        );
        assert_eq!(
            claim.spec.template,
            Some(Metal3ObjectRef {
                name: Some("t".into()),
                namespace: Some(NS.into())
            })
        );
        assert_eq!(plan.report.conditions[0].reason, reason::META_DATA_SUCCESS);

        let rendered = machine(
            "m3m",
            json!({"spec": {"dataTemplate": {"name": "t", "namespace": NS}},
                                              "status": {"renderedData": {"name": "t-0"}}}),
        );
        let plan = associate_metadata(&rendered).expect("plan");
        assert_eq!(plan.claim, None);
        assert_eq!(plan.machine.data_template_namespace, None);
        assert_eq!(
            associate_metadata(&machine("m3m", json!({})))
                .expect("plan")
                .claim,
            None
        );
    }

    /// ASC-10: user Secrets go to status; another namespace fails.
    #[test]
    fn user_secrets() {
        let m3m = machine(
            "m3m",
            json!({"spec": {"metaData": {"name": "mine", "namespace": NS}}}),
        );
        let plan = associate_metadata(&m3m).expect("plan");
        assert_eq!(plan.machine.meta_data, Some(Some(secret("mine", NS))));
        assert_eq!(plan.machine.network_data, None);
        let foreign = machine(
            "m3m",
            json!({"spec": {"networkData": {"name": "n", "namespace": "other"}}}),
        );
        let failed = associate_metadata(&foreign).expect_err("refused");
        assert_eq!(failed.conditions[0].reason, reason::META_DATA_FAILED);
        assert_eq!(failed.v1beta1[0].type_, v1beta1::KUBERNETES_NODE_READY);
    }

    /// DTI-03: the claim's renderedData is taken once it names a Metal3Data.
    #[test]
    fn rendered_data_from_the_claim() {
        let m3m = machine("m3m", json!({"spec": {"dataTemplate": {"name": "t"}}}));
        let claim = |rendered: serde_json::Value| -> Metal3DataClaim {
            serde_json::from_value(json!({"metadata": {"name": "m3m", "namespace": NS},
                                          "spec": {"template": {"name": "t"}}, "status": rendered}))
            .expect("claim")
        };
        assert_eq!(
            rendered_data(&m3m, None).expect_err("wait").next,
            Next::later()
        );
        assert!(rendered_data(&m3m, Some(&claim(json!({})))).is_err());
        assert!(rendered_data(&m3m, Some(&claim(json!({"renderedData": {"name": ""}})))).is_err());
        assert_eq!(
            rendered_data(
                &m3m,
                Some(&claim(
                    json!({"renderedData": {"name": "t-0", "namespace": NS}})
                ))
            ),
            Ok(Some(Metal3ObjectRef {
                name: Some("t-0".into()),
                namespace: Some(NS.into())
            }))
        );
        assert_eq!(rendered_data(&machine("m3m", json!({})), None), Ok(None));
    }

    /// DTI-04, DTI-05, ASC-10: wait for the Metal3Data, then use its Secrets where the user
    /// gave none.
    #[test]
    fn data_secrets_once_ready() {
        let rendered = Metal3ObjectRef {
            name: Some("t-0".into()),
            namespace: Some(NS.into()),
        };
        let m3m = machine(
            "m3m",
            json!({"status": {"metaData": {"name": "mine", "namespace": NS}}}),
        );
        let waiting = data_secrets(&m3m, &rendered, Some(&data(false))).expect_err("wait");
        assert!(waiting.conditions.contains(&Cond::no(
            cond::METAL3_DATA_READY,
            reason::WAITING_FOR_METAL3_DATA,
            ""
        )));
        assert_eq!(waiting.conditions[0].reason, reason::CREATE_ERROR);
        assert_eq!(waiting.next, Next::later());
        assert!(data_secrets(&m3m, &rendered, None).is_err());
        let (changes, report) = data_secrets(&m3m, &rendered, Some(&data(true))).expect("ready");
        assert_eq!(changes.meta_data, None);
        assert_eq!(
            changes.network_data,
            Some(Some(secret("m3m-networkdata", NS)))
        );
        assert_eq!(changes.rendered_data, Some(Some(rendered)));
        assert_eq!(
            report.conditions[0].reason,
            reason::METAL3_DATA_SECRETS_READY
        );
    }

    /// PID-09: SecretsSetExternally only when Metal3DataReady is not True yet.
    #[test]
    fn secrets_set_externally_once() {
        let report = secrets_set_externally(&machine("m3m", json!({})));
        assert_eq!(report.conditions[0].reason, reason::SECRETS_SET_EXTERNALLY);
        let ready = machine(
            "m3m",
            json!({"status": {"conditions": [{"type": "Metal3DataReady", "status": "True",
            "reason": "Metal3DataSecretsReady", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}),
        );
        assert_eq!(secrets_set_externally(&ready), Report::default());
    }

    /// DEL-01: rendered Secrets and renderedData are forgotten, the claim released.
    #[test]
    fn release() {
        let m3m = machine(
            "m3m",
            json!({"spec": {"metaData": {"name": "mine"}},
            "status": {"metaData": {"name": "mine"}, "networkData": {"name": "m3m-networkdata"}, "renderedData": {"name": "t-0"}}}),
        );
        let release = release_metadata(&m3m);
        assert_eq!(release.claim, "m3m");
        assert_eq!(release.machine.meta_data, None);
        assert_eq!(release.machine.network_data, Some(None));
        assert_eq!(release.machine.rendered_data, Some(None));
    }
}
