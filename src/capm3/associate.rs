//! Associating a Metal3Machine with the chosen BareMetalHost, and keeping the host's spec in
//! line with the machine afterwards (reference §1.2.1 and §1.2.5; ASC-01…ASC-11, SEL-11).
//!
//! The shell writes an [`Association`] in this order: first the Metal3Machine's annotation and
//! status (guarded by the machine's resourceVersion, so that of two replicas reconciling the
//! same machine at once only one records a choice), then the host patch (guarded by the host's
//! resourceVersion, so that of two Metal3Machines that chose the same host only one wins),
//! then the BMC Secret label. A claim that lost its race, or a crash in between, leaves the
//! annotation naming a host that is not (yet) the machine's own: the next pass judges it with
//! [`annotated_host`] and claims it, or forgets it and chooses again. Writing the host first
//! instead would let two replicas claim two hosts for one machine.

use std::fmt;

use k8s_openapi::api::core::v1::{Secret, SecretReference};
use kube::{Resource, ResourceExt};
use serde_json::{Value, json};

use super::changes::MachineChanges;
use super::conditions::{self as cond, Cond, LegacyCond, Severity, is_true, reason, v1beta1};
use super::names::{CLUSTER_NAME_LABEL, HOST_ANNOTATION, NODE_REUSE_LABEL};
use super::outcome::{Event, Next, Report};
use super::patch::MergePatch;
use super::select::{Candidate, Choice, Exclusions, HostRequest, candidate, consumer_is};
use super::selector::SelectorError;
use crate::api::bmo::v1alpha1::{
    AutomatedCleaningMode as HostCleaning, BareMetalHost, ChecksumType as HostChecksum,
    DiskFormat as HostFormat,
};
use crate::api::capi::Machine;
use crate::api::capm3::v1beta2::{
    AutomatedCleaningMode, ChecksumType, DiskFormat, Image, MachineAddress, MachineAddressType,
    Metal3Machine,
};

/// Why the host spec cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociateError(pub String);

impl fmt::Display for AssociateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AssociateError {}

/// `<namespace>/<name>` of `host`: the value of the Metal3Machine's host annotation.
pub fn host_key(host: &BareMetalHost) -> String {
    format!(
        "{}/{}",
        host.namespace().unwrap_or_default(),
        host.name_any()
    )
}

/// The name of the host a Metal3Machine is associated with, from its annotation. The
/// namespace part is ignored: the host is always in the Metal3Machine's namespace.
pub fn associated_host(machine: &Metal3Machine) -> Option<&str> {
    let value = machine.annotations().get(HOST_ANNOTATION)?;
    let name = value
        .rsplit_once('/')
        .map_or(value.as_str(), |(_, name)| name);
    (!name.is_empty()).then_some(name)
}

/// The `status.userData` to record when there is none yet (ASC-05): the Machine's bootstrap
/// Secret (`dataSecretName`, else the bootstrap config's name) in the Machine's namespace,
/// else `spec.userData`. No copy of the Secret is made: the host reads it directly. As
/// upstream, the bootstrap data wins over `spec.userData` (quirk 2).
pub fn user_data(
    machine: &Metal3Machine,
    owner: &Machine,
) -> Result<Option<SecretReference>, AssociateError> {
    if machine
        .status
        .as_ref()
        .is_some_and(|s| s.user_data.is_some())
    {
        return Ok(None);
    }
    let namespace = machine.namespace().unwrap_or_default();
    let from_spec = machine
        .spec
        .user_data
        .as_ref()
        .map(|secret| same_namespace("userData", secret, &namespace))
        .transpose()?;
    let bootstrap = &owner.spec.bootstrap;
    let from_bootstrap = bootstrap
        .data_secret_name
        .clone()
        .or_else(|| bootstrap.config_ref.as_ref().map(|r| r.name.clone()))
        .map(|name| SecretReference {
            name: Some(name),
            namespace: owner.namespace(),
        });
    Ok(from_bootstrap.or(from_spec))
}

/// `secret` with an empty namespace defaulted to `namespace`; another namespace is refused
/// (ASC-09: the webhook refuses it too, this covers objects written before it ran).
fn same_namespace(
    field: &str,
    secret: &SecretReference,
    namespace: &str,
) -> Result<SecretReference, AssociateError> {
    match secret.namespace.as_deref() {
        None | Some("") => Ok(SecretReference {
            name: secret.name.clone(),
            namespace: Some(namespace.to_owned()),
        }),
        Some(given) if given == namespace => Ok(secret.clone()),
        Some(given) => Err(AssociateError(format!(
            "{field} Secret {given}/{} is not in namespace {namespace}: cross-namespace secret references are not allowed",
            secret.name.as_deref().unwrap_or_default()
        ))),
    }
}

fn secret_json(secret: &SecretReference) -> Value {
    json!({"name": secret.name, "namespace": secret.namespace})
}

/// The BareMetalHost image for a Metal3Machine image (checksum omitted when empty).
fn host_image(image: &Image) -> Value {
    let checksum_type = image.checksum_type.map(|t| match t {
        ChecksumType::Md5 => HostChecksum::Md5,
        ChecksumType::Sha256 => HostChecksum::Sha256,
        ChecksumType::Sha512 => HostChecksum::Sha512,
    });
    let format = image.disk_format.map(|f| match f {
        DiskFormat::Raw => HostFormat::Raw,
        DiskFormat::Qcow2 => HostFormat::Qcow2,
        DiskFormat::Vdi => HostFormat::Vdi,
        DiskFormat::Vmdk => HostFormat::Vmdk,
        DiskFormat::LiveIso => HostFormat::LiveIso,
    });
    json!({
        "url": image.url,
        "checksum": image.checksum.as_deref().filter(|c| !c.is_empty()),
        "checksumType": checksum_type,
        "format": format,
    })
}

/// The consumerRef naming `machine`, every other ObjectReference field cleared so that the
/// merge patch replaces whatever was there (a Cluster, for a reused host).
fn consumer_ref(machine: &Metal3Machine) -> Value {
    json!({
        "apiVersion": Metal3Machine::api_version(&()),
        "kind": Metal3Machine::kind(&()),
        "name": machine.name_any(),
        "namespace": machine.namespace(),
        "uid": null, "resourceVersion": null, "fieldPath": null,
    })
}

fn consumer_matches(host: &BareMetalHost, machine: &Metal3Machine) -> bool {
    host.spec.consumer_ref.as_ref().is_some_and(|c| {
        c.api_version.as_deref() == Some(&Metal3Machine::api_version(&()))
            && c.kind.as_deref() == Some("Metal3Machine")
            && c.name.as_deref() == Some(&machine.name_any())
            && c.namespace == machine.namespace()
            && c.uid.is_none()
            && c.resource_version.is_none()
            && c.field_path.is_none()
    })
}

/// The merge patch that makes `host` the host of `machine` in cluster `cluster_name`: the
/// cluster-name label, no node-reuse label, the consumerRef (ASC-01, ASC-02) and, when
/// `provision` is set, the deployment fields (setHostSpec). `None` when the host already
/// says all that. The patch carries the host's resourceVersion (SEL-11).
///
/// `provision` is false at association when the machine has a dataTemplate: the spec waits
/// for the rendered Metal3Data (DTI-04).
///
/// setHostSpec, as upstream: the image (or customDeploy) and the user, meta and network data
/// are written only onto a host that has neither image nor customDeploy, and only once
/// `status.userData` is known, so a provisioned host is never re-imaged (ASC-06, ASC-07);
/// `automatedCleaningMode` follows the machine's when set (ASC-08); `online` is always set to
/// true, which powers on a host a user switched off while associated (quirk 1, kept).
pub fn host_patch(
    machine: &Metal3Machine,
    cluster_name: &str,
    host: &BareMetalHost,
    provision: bool,
) -> Result<Option<Value>, AssociateError> {
    let mut patch = MergePatch::default();
    let labels = host.labels();
    if labels.get(CLUSTER_NAME_LABEL).map(String::as_str) != Some(cluster_name) {
        patch.label(CLUSTER_NAME_LABEL, Some(cluster_name));
    }
    if labels.contains_key(NODE_REUSE_LABEL) {
        patch.label(NODE_REUSE_LABEL, None);
    }
    if !consumer_matches(host, machine) {
        patch.set(&["spec", "consumerRef"], consumer_ref(machine));
    }
    if provision {
        host_spec(machine, host, &mut patch)?;
    }
    Ok(patch.build_guarded(host.resource_version().as_deref()))
}

/// setHostSpec (§1.2.5), into `patch`.
fn host_spec(
    machine: &Metal3Machine,
    host: &BareMetalHost,
    patch: &mut MergePatch,
) -> Result<(), AssociateError> {
    let status = machine.status.as_ref();
    let user_data = status.and_then(|s| s.user_data.as_ref());
    if let (None, None, Some(user_data)) = (&host.spec.image, &host.spec.custom_deploy, user_data) {
        let image = machine.spec.image.as_ref().filter(|i| !i.url.is_empty());
        let method = machine
            .spec
            .custom_deploy
            .as_ref()
            .map(|c| c.method.as_str())
            .filter(|m| !m.is_empty());
        if image.is_none() && method.is_none() {
            return Err(AssociateError(
                "the Metal3Machine has neither image.url nor customDeploy.method".into(),
            ));
        }
        if let Some(image) = image {
            patch.set(&["spec", "image"], host_image(image));
        }
        if let Some(method) = method {
            patch.set(&["spec", "customDeploy"], json!({"method": method}));
        }
        let namespace = host.namespace().unwrap_or_default();
        let user_data = same_namespace("userData", user_data, &namespace)?;
        patch.set(&["spec", "userData"], secret_json(&user_data));
        for (field, secret) in [
            ("metaData", status.and_then(|s| s.meta_data.as_ref())),
            ("networkData", status.and_then(|s| s.network_data.as_ref())),
        ] {
            if let Some(secret) = secret {
                let secret = same_namespace(field, secret, &namespace)?;
                patch.set(&["spec", field], secret_json(&secret));
            }
        }
    }
    let cleaning = machine.spec.automated_cleaning_mode.map(|mode| match mode {
        AutomatedCleaningMode::Metadata => HostCleaning::Metadata,
        AutomatedCleaningMode::Disabled => HostCleaning::Disabled,
    });
    if cleaning.is_some() && cleaning != host.spec.automated_cleaning_mode {
        patch.set(&["spec", "automatedCleaningMode"], json!(cleaning));
    }
    if !host.spec.online {
        patch.set(&["spec", "online"], json!(true));
    }
    Ok(())
}

/// The labels patch putting (`Some`) or taking (`None`) the cluster-name label on the host's
/// BMC credentials Secret (ASC-03, DEL-07). Taking only removes the label when it names
/// `cluster_name`. `None` when nothing changes.
pub fn bmc_secret_patch(secret: &Secret, cluster_name: &str, associate: bool) -> Option<Value> {
    let current = secret.labels().get(CLUSTER_NAME_LABEL).map(String::as_str);
    let mut patch = MergePatch::default();
    match (associate, current) {
        (true, current) if current != Some(cluster_name) => {
            patch.label(CLUSTER_NAME_LABEL, Some(cluster_name))
        }
        (false, Some(current)) if current == cluster_name => patch.label(CLUSTER_NAME_LABEL, None),
        _ => {}
    }
    patch.build()
}

/// The name of the host's BMC credentials Secret (in the host's namespace), if it has one.
pub fn bmc_secret_name(host: &BareMetalHost) -> Option<&str> {
    host.spec
        .bmc
        .as_ref()
        .map(|bmc| bmc.credentials_name.as_str())
        .filter(|name| !name.is_empty())
}

/// `status.addresses` from the host's hardware details (ASC-11): each NIC IP as InternalIP,
/// the hostname as Hostname and InternalDNS. `None` when there is none.
pub fn addresses(host: &BareMetalHost) -> Option<Vec<MachineAddress>> {
    let hardware = host.status.as_ref()?.hardware.as_ref()?;
    let address = |r#type, address: &str| MachineAddress {
        r#type,
        address: address.to_owned(),
    };
    let mut addresses: Vec<MachineAddress> = hardware
        .nics
        .iter()
        .flatten()
        .filter_map(|nic| nic.ip.as_deref().filter(|ip| !ip.is_empty()))
        .map(|ip| address(MachineAddressType::InternalIp, ip))
        .collect();
    if let Some(hostname) = hardware.hostname.as_deref().filter(|h| !h.is_empty()) {
        addresses.push(address(MachineAddressType::Hostname, hostname));
        addresses.push(address(MachineAddressType::InternalDns, hostname));
    }
    (!addresses.is_empty()).then_some(addresses)
}

/// Everything one association writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Association {
    /// Merge patch for the host, guarded by its resourceVersion: on a 409 conflict, read the
    /// hosts again and choose again.
    pub host_patch: Option<Value>,
    /// The host annotation and `status.userData` of the Metal3Machine (ASC-04, ASC-05).
    pub machine: MachineChanges,
    /// Label the host's BMC Secret with this cluster name ([`bmc_secret_patch`]).
    pub cluster_name: String,
    pub report: Report,
}

/// Associates `machine` (owned by `owner`) with the host `choice` names. `Err` is the report
/// of a failed association: the host is not written.
pub fn associate(
    machine: &Metal3Machine,
    owner: &Machine,
    choice: Choice<'_>,
) -> Result<Association, Report> {
    let (host, via_node_reuse) = match choice {
        Choice::Host {
            host,
            via_node_reuse,
        } => (host, via_node_reuse),
        Choice::WaitForReuse { host } => {
            let state = host
                .status
                .as_ref()
                .map_or("", |s| s.provisioning.state.as_str());
            return Err(association_failed(
                &format!(
                    "waiting for BareMetalHost {} (node reuse) to become available, it is {state:?}",
                    host.name_any()
                ),
                Next::later(),
            ));
        }
    };
    let user_data = user_data(machine, owner).map_err(failed_permanently)?;
    let mut with_user_data = machine.clone();
    let changes = MachineChanges {
        user_data: user_data.clone(),
        host_annotation: Some(host_key(host))
            .filter(|key| machine.annotations().get(HOST_ANNOTATION) != Some(key)),
        ..MachineChanges::default()
    };
    changes.apply(&mut with_user_data);
    let cluster_name = owner.spec.cluster_name.clone();
    let provision = machine.spec.data_template.is_none();
    let host_patch =
        host_patch(&with_user_data, &cluster_name, host, provision).map_err(failed_permanently)?;
    let reason = if via_node_reuse {
        reason::ASSOCIATE_BMH_VIA_NODE_REUSE_SUCCESS
    } else {
        reason::ASSOCIATE_BMH_SUCCESS
    };
    let note = format!(
        "Associated with BareMetalHost {}{}",
        host_key(host),
        if via_node_reuse { " (node reuse)" } else { "" }
    );
    Ok(Association {
        host_patch,
        machine: changes,
        cluster_name,
        report: Report::default()
            .with(Cond::yes(cond::ASSOCIATE_BARE_METAL_HOST, reason))
            .with_v1beta1(LegacyCond::yes(v1beta1::ASSOCIATE_BMH))
            .with_event(Event::normal("HostAssociated", "Associate", note)),
    })
}

/// What a pass does with the host its annotation names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnnotatedHost<'h> {
    /// Its consumerRef names this Metal3Machine: carry on.
    Own,
    /// Free for this machine (the claim did not land): claim it, or wait for a node-reuse host.
    Claim(Choice<'h>),
    /// Another consumer holds it (this machine's claim lost its race): forget the annotation
    /// and choose again.
    Lost,
    /// Unclaimed but not selectable, such as a provisioned host whose consumerRef a user
    /// removed: carry on, the update pass writes the consumerRef back, as upstream does.
    Keep,
}

/// Judges the host named by `machine`'s annotation. A host whose consumerRef names the
/// machine is its own whatever its labels (a changed hostSelector never drops a host); any
/// other is judged as host selection would (with `reuse_name`, the Machine owner's
/// [`super::node_reuse::reuse_name`]), and one held by another consumer is lost. `Err`: the
/// hostSelector is invalid (SEL-04).
pub fn annotated_host<'h>(
    host: &'h BareMetalHost,
    machine: &Metal3Machine,
    reuse_name: Option<String>,
) -> Result<AnnotatedHost<'h>, SelectorError> {
    let (namespace, name) = (machine.namespace().unwrap_or_default(), machine.name_any());
    let consumer = host.spec.consumer_ref.as_ref();
    if consumer.is_some_and(|c| consumer_is(c, &namespace, &name)) {
        return Ok(AnnotatedHost::Own);
    }
    let request = HostRequest::new(machine, reuse_name)?;
    Ok(match candidate(host, &request) {
        Ok(Candidate::Own) => AnnotatedHost::Own,
        Ok(Candidate::Available { .. }) => AnnotatedHost::Claim(Choice::Host {
            host,
            via_node_reuse: false,
        }),
        Ok(Candidate::Reuse { ready: true }) => AnnotatedHost::Claim(Choice::Host {
            host,
            via_node_reuse: true,
        }),
        Ok(Candidate::Reuse { ready: false }) => {
            AnnotatedHost::Claim(Choice::WaitForReuse { host })
        }
        Err(_) if consumer.is_some() => AnnotatedHost::Lost,
        Err(_) => AnnotatedHost::Keep,
    })
}

/// No host could be chosen (SEL-10): say why and look again in 30 s.
pub fn no_host(exclusions: &Exclusions) -> Report {
    association_failed(&exclusions.to_string(), Next::later()).with_event(Event::warning(
        "NoHostAvailable",
        "Associate",
        exclusions.to_string(),
    ))
}

/// The hostSelector is invalid (SEL-04): nothing is claimed, the error backs off.
pub fn invalid_selector(error: &SelectorError) -> Report {
    let message = format!("invalid hostSelector: {error}");
    association_failed(&message, Next::Retry(message.clone()))
}

fn failed_permanently(error: AssociateError) -> Report {
    association_failed(&error.0, Next::Retry(error.0.clone()))
}

fn association_failed(message: &str, next: Next) -> Report {
    let message = format!("failed to associate the Metal3Machine to a BareMetalHost: {message}");
    Report::next(next)
        .with(Cond::no(
            cond::ASSOCIATE_BARE_METAL_HOST,
            reason::ASSOCIATE_BMH_FAILED,
            message.clone(),
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::ASSOCIATE_BMH,
            v1beta1::reason::ASSOCIATE_BMH_FAILED,
            Severity::Error,
            message,
        ))
}

/// What one update pass writes.
#[derive(Clone, Debug, PartialEq)]
pub struct HostUpdate {
    /// Merge patch for the host, guarded by its resourceVersion.
    pub host_patch: Option<Value>,
    /// The host annotation and `status.addresses` (ASC-11).
    pub machine: MachineChanges,
    pub report: Report,
}

/// The per-pass host writes once associated (§1.2.5 Update): consumerRef and spec on the
/// host, the annotation and addresses on the Metal3Machine, `AssociateBareMetalHost` True
/// (keeping a node-reuse reason already there). `machine` must already carry the data
/// Secrets of [`super::data::data_secrets`]. `None` host: it disappeared, wait for it.
/// `linked`: the machine is already linked to its Node ([`super::preconditions::linked`]),
/// where upstream reports a failure as `UpdateError` rather than `CreateError`.
pub fn update(
    machine: &Metal3Machine,
    owner: &Machine,
    host: Option<&BareMetalHost>,
    linked: bool,
) -> Result<HostUpdate, Report> {
    let failed = |message: String, next: Next| {
        let reason = if linked {
            reason::UPDATE_ERROR
        } else {
            reason::CREATE_ERROR
        };
        Report::next(next).with(Cond::no(
            cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
            reason,
            format!("failed to update BareMetalHost: {message}"),
        ))
    };
    let Some(host) = host else {
        let message = format!("BareMetalHost not found for machine {}", owner.name_any());
        return Err(failed(message, Next::later()));
    };
    let host_patch = host_patch(machine, &owner.spec.cluster_name, host, true)
        .map_err(|error| failed(error.0.clone(), Next::Retry(error.0)))?;
    let key = host_key(host);
    let addresses = addresses(host);
    let current = machine.status.as_ref();
    let machine_changes = MachineChanges {
        host_annotation: Some(key)
            .filter(|k| machine.annotations().get(HOST_ANNOTATION) != Some(k)),
        addresses: Some(addresses)
            .filter(|a| current.and_then(|s| s.addresses.as_ref()) != a.as_ref()),
        ..MachineChanges::default()
    };
    let conditions = current
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let mut report = Report::default().with_v1beta1(LegacyCond::yes(v1beta1::ASSOCIATE_BMH));
    if !is_true(conditions, cond::ASSOCIATE_BARE_METAL_HOST) {
        report = report.with(Cond::yes(
            cond::ASSOCIATE_BARE_METAL_HOST,
            reason::ASSOCIATE_BMH_SUCCESS,
        ));
    }
    Ok(HostUpdate {
        host_patch,
        machine: machine_changes,
        report,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::{NS, capi_machine, host, machine};

    fn associated(m3m: &Metal3Machine, owner: &Machine, bmh: &BareMetalHost) -> Association {
        associate(
            m3m,
            owner,
            Choice::Host {
                host: bmh,
                via_node_reuse: false,
            },
        )
        .expect("associates")
    }

    /// ASC-01, ASC-02, ASC-06, SEL-11: the claim patch, guarded by the resourceVersion.
    #[test]
    fn claim_patch_without_data_template() {
        let bmh = host(
            "h1",
            "available",
            json!({"metadata": {"labels": {"infrastructure.cluster.x-k8s.io/node-reuse": "md-x"}}}),
        );
        let m3m = machine(
            "m3m",
            json!({"spec": {"metaData": {"name": "md"}, "networkData": {"name": "nd", "namespace": NS}}, "status": {"metaData": {"name": "md"}, "networkData": {"name": "nd", "namespace": NS}}}),
        );
        let association = associated(&m3m, &capi_machine("m1", json!({})), &bmh);
        assert_eq!(
            association.host_patch,
            Some(json!({
                "metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1",
                                        "infrastructure.cluster.x-k8s.io/node-reuse": null},
                             "resourceVersion": "11"},
                "spec": {
                    "consumerRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
                                    "name": "m3m", "namespace": NS, "uid": null, "resourceVersion": null, "fieldPath": null},
                    "image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc", "checksumType": "sha256", "format": "qcow2"},
                    "userData": {"name": "m1-bootstrap", "namespace": NS},
                    "metaData": {"name": "md", "namespace": NS},
                    "networkData": {"name": "nd", "namespace": NS},
                    "online": true,
                },
            }))
        );
        assert_eq!(association.cluster_name, "test1");
    }

    /// ASC-04, ASC-05: the annotation, the bootstrap Secret as userData, the condition.
    #[test]
    fn machine_side_of_the_association() {
        let bmh = host("h1", "available", json!({}));
        let association = associated(
            &machine("m3m", json!({})),
            &capi_machine("m1", json!({})),
            &bmh,
        );
        assert_eq!(
            association.machine.host_annotation.as_deref(),
            Some("metal3/h1")
        );
        assert_eq!(
            association.machine.user_data,
            Some(SecretReference {
                name: Some("m1-bootstrap".into()),
                namespace: Some(NS.into())
            })
        );
        assert_eq!(
            association.report.conditions,
            vec![Cond::yes(
                cond::ASSOCIATE_BARE_METAL_HOST,
                reason::ASSOCIATE_BMH_SUCCESS
            )]
        );
        assert_eq!(association.report.events[0].reason, "HostAssociated");
        let reused = associate(
            &machine("m3m", json!({})),
            &capi_machine("m1", json!({})),
            Choice::Host {
                host: &bmh,
                via_node_reuse: true,
            },
        )
        .expect("associates");
        assert_eq!(
            reused.report.conditions[0].reason,
            reason::ASSOCIATE_BMH_VIA_NODE_REUSE_SUCCESS
        );
    }

    /// ASC-05 (quirk 2): the bootstrap data wins over spec.userData; the config name is the
    /// fallback; an existing status.userData is kept.
    #[test]
    fn user_data_sources() {
        let spec_only = machine("m3m", json!({"spec": {"userData": {"name": "mine"}}}));
        let no_bootstrap = capi_machine(
            "m1",
            json!({"spec": {"bootstrap": {"dataSecretName": null}}}),
        );
        assert_eq!(
            user_data(&spec_only, &no_bootstrap)
                .expect("ok")
                .and_then(|s| s.name)
                .as_deref(),
            Some("mine")
        );
        assert_eq!(
            user_data(&spec_only, &capi_machine("m1", json!({})))
                .expect("ok")
                .and_then(|s| s.name)
                .as_deref(),
            Some("m1-bootstrap")
        );
        let config = capi_machine(
            "m1",
            json!({"spec": {"bootstrap": {"dataSecretName": null,
            "configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io", "kind": "KubeadmConfig", "name": "cfg"}}}}),
        );
        assert_eq!(
            user_data(&spec_only, &config)
                .expect("ok")
                .and_then(|s| s.name)
                .as_deref(),
            Some("cfg")
        );
        let recorded = machine("m3m", json!({"status": {"userData": {"name": "old"}}}));
        assert_eq!(user_data(&recorded, &config), Ok(None));
    }

    /// ASC-06 with a data template: nothing of the spec is written at association (DTI-04).
    #[test]
    fn data_template_defers_the_spec() {
        let m3m = machine("m3m", json!({"spec": {"dataTemplate": {"name": "t"}}}));
        let patch = associated(
            &m3m,
            &capi_machine("m1", json!({})),
            &host("h1", "available", json!({})),
        )
        .host_patch
        .expect("claim");
        assert!(patch["spec"].get("image").is_none());
        assert!(patch["spec"].get("online").is_none());
        assert!(patch["spec"].get("consumerRef").is_some());
    }

    /// ASC-06: customDeploy instead of an image.
    #[test]
    fn custom_deploy() {
        let m3m = machine(
            "m3m",
            json!({"spec": {"image": null, "customDeploy": {"method": "install_coreos"}},
                                        "status": {"userData": {"name": "u"}}}),
        );
        let patch = host_patch(&m3m, "test1", &host("h1", "available", json!({})), true)
            .expect("ok")
            .expect("patch");
        assert_eq!(
            patch["spec"]["customDeploy"],
            json!({"method": "install_coreos"})
        );
        assert!(patch["spec"].get("image").is_none());
        let neither = machine(
            "m3m",
            json!({"spec": {"image": null}, "status": {"userData": {"name": "u"}}}),
        );
        assert!(host_patch(&neither, "test1", &host("h1", "available", json!({})), true).is_err());
    }

    /// ASC-07: a host with an image (or customDeploy) keeps it and its data; only online and
    /// cleaning mode follow. Without userData yet, nothing is provisioned either.
    #[test]
    fn never_reimages() {
        let m3m = machine(
            "m3m",
            json!({"spec": {"automatedCleaningMode": "disabled"}, "status": {"userData": {"name": "u"}}}),
        );
        let provisioned = host(
            "h1",
            "provisioned",
            json!({
            "spec": {"image": {"url": "http://127.0.0.1/old.img", "checksum": "x"}, "online": true,
                     "consumerRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine", "name": "m3m", "namespace": NS}},
            "metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}}}),
        );
        assert_eq!(
            host_patch(&m3m, "test1", &provisioned, true).expect("ok"),
            Some(
                json!({"metadata": {"resourceVersion": "11"}, "spec": {"automatedCleaningMode": "disabled"}})
            )
        );
        let no_user_data = machine("m3m", json!({}));
        let patch = host_patch(
            &no_user_data,
            "test1",
            &host("h2", "available", json!({})),
            true,
        )
        .expect("ok")
        .expect("patch");
        assert!(patch["spec"].get("image").is_none());
        assert_eq!(patch["spec"]["online"], json!(true));
    }

    /// ASC-08: automatedCleaningMode is copied when set, untouched otherwise; an up-to-date
    /// host gets no patch at all.
    #[test]
    fn cleaning_mode_and_idempotence() {
        let m3m = machine(
            "m3m",
            json!({"spec": {"automatedCleaningMode": "metadata"}}),
        );
        let done = host(
            "h1",
            "provisioned",
            json!({
            "spec": {"online": true, "automatedCleaningMode": "metadata", "image": {"url": "u"},
                     "consumerRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine", "name": "m3m", "namespace": NS}},
            "metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}}}),
        );
        assert_eq!(host_patch(&m3m, "test1", &done, true), Ok(None));
        let unset = machine("m3m", json!({}));
        let mut other_mode = done.clone();
        other_mode.spec.automated_cleaning_mode = Some(HostCleaning::Disabled);
        assert_eq!(host_patch(&unset, "test1", &other_mode, true), Ok(None));
    }

    /// ASC-09: a Secret in another namespace is never written to the host.
    #[test]
    fn cross_namespace_secrets_are_refused() {
        let m3m = machine(
            "m3m",
            json!({"status": {"userData": {"name": "u"}, "metaData": {"name": "md", "namespace": "other"}}}),
        );
        let error = host_patch(&m3m, "test1", &host("h1", "available", json!({})), true)
            .expect_err("refused");
        assert!(error.0.contains("cross-namespace"), "{error}");
        let spec = machine(
            "m3m",
            json!({"spec": {"userData": {"name": "u", "namespace": "other"}}}),
        );
        let refused = associate(
            &spec,
            &capi_machine("m1", json!({})),
            Choice::Host {
                host: &host("h1", "available", json!({})),
                via_node_reuse: false,
            },
        )
        .expect_err("refused");
        assert_eq!(refused.conditions[0].reason, reason::ASSOCIATE_BMH_FAILED);
        assert!(matches!(refused.next, Next::Retry(_)));
    }

    /// ASC-03, DEL-07: the BMC Secret's cluster-name label.
    #[test]
    fn bmc_secret_label() {
        let secret = |labels: Value| -> Secret {
            serde_json::from_value(
                json!({"metadata": {"name": "h1-bmc", "namespace": NS, "labels": labels}}),
            )
            .expect("secret")
        };
        assert_eq!(
            bmc_secret_patch(&secret(json!({})), "test1", true),
            Some(json!({"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}}}))
        );
        assert_eq!(
            bmc_secret_patch(
                &secret(json!({"cluster.x-k8s.io/cluster-name": "test1"})),
                "test1",
                true
            ),
            None
        );
        assert_eq!(
            bmc_secret_patch(
                &secret(json!({"cluster.x-k8s.io/cluster-name": "test1"})),
                "test1",
                false
            ),
            Some(json!({"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": null}}}))
        );
        assert_eq!(
            bmc_secret_patch(
                &secret(json!({"cluster.x-k8s.io/cluster-name": "other"})),
                "test1",
                false
            ),
            None
        );
        assert_eq!(
            bmc_secret_name(&host("h1", "available", json!({}))),
            Some("h1-bmc")
        );
    }

    /// ASC-11: addresses from the hardware details.
    #[test]
    fn addresses_from_hardware() {
        let bmh = host(
            "h1",
            "provisioned",
            json!({"status": {"hardware": {"hostname": "node-1",
            "nics": [{"ip": "192.168.1.10", "name": "eth0"}, {"ip": "", "name": "eth1"}, {"name": "eth2"}]}}}),
        );
        let types: Vec<(MachineAddressType, String)> = addresses(&bmh)
            .expect("addresses")
            .into_iter()
            .map(|a| (a.r#type, a.address))
            .collect();
        assert_eq!(
            types,
            vec![
                (MachineAddressType::InternalIp, "192.168.1.10".to_owned()),
                (MachineAddressType::Hostname, "node-1".to_owned()),
                (MachineAddressType::InternalDns, "node-1".to_owned()),
            ]
        );
        assert_eq!(addresses(&host("h2", "available", json!({}))), None);
    }

    /// SEL-13 through association, and the no-host report (SEL-10).
    #[test]
    fn waiting_and_no_host_reports() {
        let bmh = host("h1", "deprovisioning", json!({}));
        let waiting = associate(
            &machine("m3m", json!({})),
            &capi_machine("m1", json!({})),
            Choice::WaitForReuse { host: &bmh },
        )
        .expect_err("waits");
        assert_eq!(waiting.next, Next::later());
        assert!(waiting.conditions[0].message.contains("\"deprovisioning\""));
        let report = no_host(&Exclusions {
            namespace: NS.into(),
            counts: Default::default(),
        });
        assert_eq!(report.next, Next::later());
        assert_eq!(report.conditions[0].status, cond::Status::False);
        assert_eq!(report.events[0].reason, "NoHostAvailable");
    }

    /// SEL-11: a machine whose claim did not land claims its annotated host again while it
    /// is free, forgets it once another consumer holds it, and keeps its own host even when
    /// its hostSelector no longer matches.
    #[test]
    fn annotated_host_after_a_lost_race() {
        let m3m = machine(
            "m3m",
            json!({"metadata": {"annotations": {"metal3.io/BareMetalHost": "metal3/h1"}},
                   "spec": {"hostSelector": {"matchLabels": {"rack": "a"}}}}),
        );
        fn judge<'h>(bmh: &'h BareMetalHost, m3m: &Metal3Machine) -> AnnotatedHost<'h> {
            annotated_host(bmh, m3m, None).expect("valid selector")
        }
        let free = host(
            "h1",
            "available",
            json!({"metadata": {"labels": {"rack": "a"}}}),
        );
        assert_eq!(
            judge(&free, &m3m),
            AnnotatedHost::Claim(Choice::Host {
                host: &free,
                via_node_reuse: false
            })
        );
        let taken = host(
            "h1",
            "provisioning",
            json!({"metadata": {"labels": {"rack": "b"}},
                   "spec": {"consumerRef": {"kind": "Metal3Machine", "name": "other", "namespace": NS,
                                            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2"}}}),
        );
        assert_eq!(judge(&taken, &m3m), AnnotatedHost::Lost);
        let own = host(
            "h1",
            "provisioned",
            json!({"metadata": {"labels": {"rack": "b"}},
                   "spec": {"consumerRef": {"kind": "Metal3Machine", "name": "m3m", "namespace": NS,
                                            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1"}}}),
        );
        assert_eq!(judge(&own, &m3m), AnnotatedHost::Own);
        let unclaimed_provisioned = host(
            "h1",
            "provisioned",
            json!({"metadata": {"labels": {"rack": "a"}}}),
        );
        assert_eq!(judge(&unclaimed_provisioned, &m3m), AnnotatedHost::Keep);

        let reuse = |state: &str| {
            host(
                "h1",
                state,
                json!({"metadata": {"labels": {"rack": "a", NODE_REUSE_LABEL: "md-md1"}},
                       "spec": {"consumerRef": {"kind": "Cluster", "name": "test1", "namespace": NS,
                                                "apiVersion": "cluster.x-k8s.io/v1beta2"}}}),
            )
        };
        let ready = reuse("available");
        assert_eq!(
            annotated_host(&ready, &m3m, Some("md-md1".into())).expect("valid"),
            AnnotatedHost::Claim(Choice::Host {
                host: &ready,
                via_node_reuse: true
            })
        );
        let busy = reuse("deprovisioning");
        assert_eq!(
            annotated_host(&busy, &m3m, Some("md-md1".into())).expect("valid"),
            AnnotatedHost::Claim(Choice::WaitForReuse { host: &busy })
        );
        assert_eq!(
            annotated_host(&ready, &m3m, Some("md-other".into())).expect("valid"),
            AnnotatedHost::Lost
        );
        let invalid = machine(
            "m3m",
            json!({"spec": {"hostSelector": {"matchExpressions": [{"key": "rack", "operator": "Bogus", "values": []}]}}}),
        );
        assert!(annotated_host(&free, &invalid, None).is_err());
    }

    /// §1.2.5: the per-pass update keeps the annotation and addresses and marks the host
    /// association True once.
    #[test]
    fn update_pass() {
        let bmh = host(
            "h1",
            "provisioned",
            json!({"status": {"hardware": {"hostname": "node-1"}}}),
        );
        let m3m = machine(
            "m3m",
            json!({"metadata": {"annotations": {"metal3.io/BareMetalHost": "metal3/h1"}},
            "status": {"userData": {"name": "u"}, "conditions": [{"type": "AssociateBareMetalHost", "status": "True",
                "reason": "AssociateBareMetalHostViaNodeReuseSuccess", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}),
        );
        let update =
            update(&m3m, &capi_machine("m1", json!({})), Some(&bmh), false).expect("update");
        assert_eq!(update.machine.host_annotation, None);
        assert_eq!(
            update
                .machine
                .addresses
                .as_ref()
                .and_then(|a| a.as_ref())
                .map(Vec::len),
            Some(2)
        );
        assert!(update.report.conditions.is_empty());
        assert_eq!(
            update
                .host_patch
                .as_ref()
                .map(|p| p["spec"]["image"]["url"].clone()),
            Some(json!("http://127.0.0.1/image.qcow2"))
        );
        let missing =
            super::update(&m3m, &capi_machine("m1", json!({})), None, true).expect_err("missing");
        assert_eq!(missing.next, Next::later());
        assert_eq!(missing.conditions[0].reason, reason::UPDATE_ERROR);
        assert_eq!(associated_host(&m3m), Some("h1"));
    }
}
