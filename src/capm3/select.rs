//! Host selection for a Metal3Machine (reference §1.2.2, SEL-01…SEL-14).
//!
//! [`candidate`] judges one host on its own, so the shell may run it over any subset it
//! likes (for instance a store index of unclaimed hosts per namespace); [`choose`] picks from
//! the candidates; [`select`] does both and counts why the others were left out, for a
//! condition message that says why nothing fits.
//!
//! Choosing is not claiming: two Metal3Machines may choose the same host. The claim patch
//! (`associate`) carries the host's resourceVersion, so only the first write wins and the
//! loser chooses again after a fresh read (SEL-11).

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::ObjectReference;
use kube::ResourceExt;

use super::names::{
    FAILURE_DOMAIN_LABEL, GROUP, HOST_PAUSED, NODE_REUSE_LABEL, UNHEALTHY, UNHEALTHY_DEPRECATED,
};
use super::node_reuse::group_of;
use super::selector::{LabelSelector, SelectorError};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capm3::v1beta2::Metal3Machine;
use crate::bmo::state::ProvisioningState;

/// What a Metal3Machine asks of a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRequest {
    pub namespace: String,
    /// The Metal3Machine's name.
    pub name: String,
    pub selector: LabelSelector,
    /// `cp-<control plane>` / `md-<deployment>`, when the Machine's owner could be named.
    pub reuse_name: Option<String>,
    pub failure_domain: Option<String>,
}

impl HostRequest {
    /// The request of `machine`; fails when its hostSelector is invalid (SEL-04).
    pub fn new(
        machine: &Metal3Machine,
        reuse_name: Option<String>,
    ) -> Result<HostRequest, SelectorError> {
        Ok(HostRequest {
            namespace: machine.namespace().unwrap_or_default(),
            name: machine.name_any(),
            selector: LabelSelector::compile(machine.spec.host_selector.as_ref())?,
            reuse_name,
            failure_domain: machine
                .spec
                .failure_domain
                .clone()
                .filter(|fd| !fd.is_empty()),
        })
    }
}

/// Why a host may be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidate {
    /// Its consumerRef already names this Metal3Machine: taken before anything else (SEL-05).
    Own,
    /// Released for reuse by this Machine's owner (SEL-12); `ready` once it is
    /// `ready`/`available` again (SEL-13).
    Reuse { ready: bool },
    /// Free and `ready`/`available` (SEL-07); `in_failure_domain` when labelled with the
    /// requested failure domain (SEL-08).
    Available { in_failure_domain: bool },
}

/// Why a host may not be taken, in the order upstream checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    OtherNamespace,
    NotSelected,
    /// Its consumerRef names another consumer.
    Claimed,
    /// Labelled for node reuse by another MachineDeployment or control plane (SEL-14).
    ReservedForOther,
    Deleting,
    /// `status.errorMessage` is set.
    InError,
    Paused,
    Unhealthy,
    /// Not `ready`/`available`.
    NotReady,
}

impl Exclusion {
    fn describe(self) -> &'static str {
        match self {
            Exclusion::OtherNamespace => "in another namespace",
            Exclusion::NotSelected => "not matching hostSelector",
            Exclusion::Claimed => "claimed",
            Exclusion::ReservedForOther => "reserved for node reuse by another owner",
            Exclusion::Deleting => "being deleted",
            Exclusion::InError => "in error",
            Exclusion::Paused => "paused",
            Exclusion::Unhealthy => "unhealthy",
            Exclusion::NotReady => "not ready",
        }
    }
}

/// Whether `consumer` names the Metal3Machine `namespace/name` (kind and API group checked;
/// version and UID not, since both change across upgrades and moves).
pub fn consumer_is(consumer: &ObjectReference, namespace: &str, name: &str) -> bool {
    consumer.kind.as_deref() == Some("Metal3Machine")
        && consumer.name.as_deref() == Some(name)
        && consumer.namespace.as_deref() == Some(namespace)
        && group_of(consumer.api_version.as_deref().unwrap_or_default()) == GROUP
}

/// Whether the host is in a state Metal3Machines may claim it from.
pub fn ready_or_available(host: &BareMetalHost) -> bool {
    let state = host.status.as_ref().map(|s| s.provisioning.state.as_str());
    matches!(
        state.and_then(ProvisioningState::parse),
        Some(ProvisioningState::Ready | ProvisioningState::Available)
    )
}

/// Judges one host for `request`.
///
/// A host labelled for node reuse by this Machine's owner is a candidate whatever its
/// consumerRef, as upstream has it (the release sets the consumerRef to the Cluster), except
/// that a consumerRef naming anything but a Cluster counts as claimed here: upstream would
/// take such a host from under its consumer.
pub fn candidate(host: &BareMetalHost, request: &HostRequest) -> Result<Candidate, Exclusion> {
    if host.namespace().as_deref() != Some(request.namespace.as_str()) {
        return Err(Exclusion::OtherNamespace);
    }
    let labels = host.labels();
    if !request.selector.matches(labels) {
        return Err(Exclusion::NotSelected);
    }
    let consumer = host.spec.consumer_ref.as_ref();
    if consumer.is_some_and(|c| consumer_is(c, &request.namespace, &request.name)) {
        return Ok(Candidate::Own);
    }
    let reuse = match labels.get(NODE_REUSE_LABEL) {
        Some(label) if request.reuse_name.as_ref() != Some(label) => {
            return Err(Exclusion::ReservedForOther);
        }
        Some(_) => true,
        None => false,
    };
    if consumer.is_some_and(|c| !reuse || c.kind.as_deref() != Some("Cluster")) {
        return Err(Exclusion::Claimed);
    }
    if host.metadata.deletion_timestamp.is_some() {
        return Err(Exclusion::Deleting);
    }
    if host
        .status
        .as_ref()
        .is_some_and(|s| !s.error_message.is_empty())
    {
        return Err(Exclusion::InError);
    }
    let annotations = host.annotations();
    if annotations.contains_key(HOST_PAUSED) {
        return Err(Exclusion::Paused);
    }
    if annotations.contains_key(UNHEALTHY) || annotations.contains_key(UNHEALTHY_DEPRECATED) {
        return Err(Exclusion::Unhealthy);
    }
    let ready = ready_or_available(host);
    if reuse {
        return Ok(Candidate::Reuse { ready });
    }
    if !ready {
        return Err(Exclusion::NotReady);
    }
    let in_failure_domain = request
        .failure_domain
        .as_ref()
        .is_some_and(|fd| labels.get(FAILURE_DOMAIN_LABEL) == Some(fd));
    Ok(Candidate::Available { in_failure_domain })
}

/// The host picked from the candidates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Choice<'h> {
    Host {
        host: &'h BareMetalHost,
        /// Taken through node reuse (reason `AssociateBareMetalHostViaNodeReuseSuccess`).
        via_node_reuse: bool,
    },
    /// A host reserved for this Machine's owner is not ready yet: wait for it rather than
    /// take another (SEL-13, upstream's behaviour).
    WaitForReuse { host: &'h BareMetalHost },
}

/// Picks a host (`None` when there is no candidate):
/// 1. a host already claimed by this Metal3Machine (SEL-05);
/// 2. node-reuse hosts: any not ready yet means waiting (SEL-13); else the last by name,
///    which is the one upstream's name-ordered list ends up with (SEL-12);
/// 3. a random available host, from those in the requested failure domain if there are any
///    (SEL-08, SEL-09). Candidates are ordered by name first, so the same `rng` seed always
///    gives the same host whatever order the shell listed them in.
pub fn choose<'h>(
    candidates: &[(&'h BareMetalHost, Candidate)],
    rng: &mut fastrand::Rng,
) -> Option<Choice<'h>> {
    let mut sorted = candidates.to_vec();
    sorted.sort_by(|(a, _), (b, _)| a.metadata.name.cmp(&b.metadata.name));
    let hosts = |wanted: fn(&Candidate) -> bool| -> Vec<&'h BareMetalHost> {
        sorted
            .iter()
            .filter(|(_, c)| wanted(c))
            .map(|(host, _)| *host)
            .collect()
    };
    if let Some(host) = hosts(|c| *c == Candidate::Own).first() {
        return Some(Choice::Host {
            host,
            via_node_reuse: false,
        });
    }
    if let Some(host) = hosts(|c| *c == Candidate::Reuse { ready: false }).first() {
        return Some(Choice::WaitForReuse { host });
    }
    if let Some(host) = hosts(|c| *c == Candidate::Reuse { ready: true }).last() {
        return Some(Choice::Host {
            host,
            via_node_reuse: true,
        });
    }
    let preferred = hosts(|c| {
        *c == Candidate::Available {
            in_failure_domain: true,
        }
    });
    let pool = if preferred.is_empty() {
        hosts(|c| matches!(c, Candidate::Available { .. }))
    } else {
        preferred
    };
    if pool.is_empty() {
        return None;
    }
    Some(Choice::Host {
        host: pool[rng.usize(..pool.len())],
        via_node_reuse: false,
    })
}

/// How many hosts were left out, and why: the message when no host fits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exclusions {
    pub namespace: String,
    pub counts: BTreeMap<Exclusion, usize>,
}

impl fmt::Display for Exclusions {
    /// `no available host (3 claimed, 1 paused, 2 not matching hostSelector)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.counts.is_empty() {
            return write!(
                f,
                "no available host (no BareMetalHost in namespace {})",
                self.namespace
            );
        }
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(why, count)| format!("{count} {}", why.describe()))
            .collect();
        write!(f, "no available host ({})", parts.join(", "))
    }
}

/// Judges every host and chooses; `Err` says why none could be chosen (SEL-10). Hosts in
/// other namespaces are ignored, not counted (SEL-01).
pub fn select<'h>(
    hosts: impl IntoIterator<Item = &'h BareMetalHost>,
    request: &HostRequest,
    rng: &mut fastrand::Rng,
) -> Result<Choice<'h>, Exclusions> {
    let mut exclusions = Exclusions {
        namespace: request.namespace.clone(),
        counts: BTreeMap::new(),
    };
    let mut candidates = Vec::new();
    for host in hosts {
        match candidate(host, request) {
            Ok(candidate) => candidates.push((host, candidate)),
            Err(Exclusion::OtherNamespace) => {}
            Err(why) => *exclusions.counts.entry(why).or_default() += 1,
        }
    }
    choose(&candidates, rng).ok_or(exclusions)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{Value, json};

    use super::*;
    use crate::capm3::fixtures::{NS, host, machine};

    fn request(overlay: Value, reuse: Option<&str>) -> HostRequest {
        HostRequest::new(&machine("m3m", overlay), reuse.map(str::to_owned)).expect("request")
    }

    fn consumer(kind: &str, name: &str, api_version: &str) -> Value {
        json!({"spec": {"consumerRef": {"kind": kind, "name": name, "namespace": NS, "apiVersion": api_version}}})
    }

    fn pick<'h>(
        hosts: &'h [BareMetalHost],
        request: &HostRequest,
        seed: u64,
    ) -> Result<Choice<'h>, Exclusions> {
        select(hosts, request, &mut fastrand::Rng::with_seed(seed))
    }

    fn chosen_name(choice: Result<Choice<'_>, Exclusions>) -> String {
        match choice {
            Ok(Choice::Host { host, .. }) => host.name_any(),
            other => panic!("no host chosen: {other:?}"),
        }
    }

    /// SEL-01: hosts in another namespace are never candidates and not counted.
    #[test]
    fn other_namespaces_are_ignored() {
        let elsewhere = host(
            "h",
            "available",
            json!({"metadata": {"namespace": "other"}}),
        );
        assert_eq!(
            candidate(&elsewhere, &request(json!({}), None)),
            Err(Exclusion::OtherNamespace)
        );
        let error = pick(
            std::slice::from_ref(&elsewhere),
            &request(json!({}), None),
            1,
        )
        .expect_err("none");
        assert_eq!(
            error.to_string(),
            "no available host (no BareMetalHost in namespace metal3)"
        );
    }

    /// SEL-02, SEL-03: the hostSelector filters before anything else.
    #[test]
    fn selector_filters() {
        let request = request(
            json!({"spec": {"hostSelector": {"matchLabels": {"size": "large"},
                   "matchExpressions": [{"key": "rack", "operator": "NotIn", "values": ["r9"]}]}}}),
            None,
        );
        let large = host(
            "a",
            "available",
            json!({"metadata": {"labels": {"size": "large"}}}),
        );
        let small = host(
            "b",
            "available",
            json!({"metadata": {"labels": {"size": "small"}}}),
        );
        let rack9 = host(
            "c",
            "available",
            json!({"metadata": {"labels": {"size": "large", "rack": "r9"}}}),
        );
        assert!(candidate(&large, &request).is_ok());
        assert_eq!(candidate(&small, &request), Err(Exclusion::NotSelected));
        assert_eq!(candidate(&rack9, &request), Err(Exclusion::NotSelected));
    }

    /// SEL-04: an invalid hostSelector makes the request itself fail.
    #[test]
    fn invalid_selector_fails_the_request() {
        let error = HostRequest::new(
            &machine("m3m", json!({"spec": {"hostSelector": {"matchExpressions": [{"key": "k", "operator": "Near", "values": []}]}}})),
            None,
        )
        .expect_err("invalid");
        assert!(error.0.contains("Unsupported value: \"near\""), "{error}");
    }

    /// SEL-05: a host already claimed by this Metal3Machine wins over everything, even when
    /// paused or in error (upstream returns it before any other check).
    #[test]
    fn own_host_first() {
        let mut own = host(
            "z-own",
            "provisioned",
            consumer(
                "Metal3Machine",
                "m3m",
                "infrastructure.cluster.x-k8s.io/v1beta1",
            ),
        );
        own.metadata.annotations = Some([(HOST_PAUSED.to_owned(), String::new())].into());
        let hosts = [host("a", "available", json!({})), own];
        assert_eq!(
            candidate(&hosts[1], &request(json!({}), None)),
            Ok(Candidate::Own)
        );
        for seed in 0..5 {
            assert_eq!(
                chosen_name(pick(&hosts, &request(json!({}), None), seed)),
                "z-own"
            );
        }
        let other_group = host(
            "x",
            "available",
            consumer("Metal3Machine", "m3m", "example.com/v1"),
        );
        assert_eq!(
            candidate(&other_group, &request(json!({}), None)),
            Err(Exclusion::Claimed)
        );
    }

    /// SEL-06: every exclusion, counted in the message when nothing fits.
    #[test]
    fn exclusions() {
        let request = request(json!({}), None);
        let cases = [
            (
                host(
                    "a",
                    "available",
                    consumer(
                        "Metal3Machine",
                        "other",
                        "infrastructure.cluster.x-k8s.io/v1beta2",
                    ),
                ),
                Exclusion::Claimed,
            ),
            (
                host(
                    "b",
                    "available",
                    json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["f"]}}),
                ),
                Exclusion::Deleting,
            ),
            (
                host(
                    "c",
                    "available",
                    json!({"status": {"errorMessage": "boom", "operationalStatus": "error"}}),
                ),
                Exclusion::InError,
            ),
            (
                host(
                    "d",
                    "available",
                    json!({"metadata": {"annotations": {"baremetalhost.metal3.io/paused": "user"}}}),
                ),
                Exclusion::Paused,
            ),
            (
                host(
                    "e",
                    "available",
                    json!({"metadata": {"annotations": {"capm3.metal3.io/unhealthy": "capm3/UnhealthyNode"}}}),
                ),
                Exclusion::Unhealthy,
            ),
            (
                host(
                    "f",
                    "available",
                    json!({"metadata": {"annotations": {"capi.metal3.io/unhealthy": ""}}}),
                ),
                Exclusion::Unhealthy,
            ),
            (
                host(
                    "g",
                    "available",
                    json!({"metadata": {"labels": {"infrastructure.cluster.x-k8s.io/node-reuse": "md-other"}}}),
                ),
                Exclusion::ReservedForOther,
            ),
        ];
        for (host, expected) in &cases {
            assert_eq!(
                candidate(host, &request),
                Err(*expected),
                "{}",
                host.name_any()
            );
        }
        let hosts: Vec<BareMetalHost> = cases.into_iter().map(|(h, _)| h).collect();
        let error = pick(&hosts, &request, 1).expect_err("none");
        assert_eq!(
            error.to_string(),
            "no available host (1 claimed, 1 reserved for node reuse by another owner, 1 being deleted, 1 in error, 1 paused, 2 unhealthy)"
        );
    }

    /// SEL-07: only `ready`/`available` hosts are available, every other state is skipped.
    #[test]
    fn only_ready_or_available() {
        let request = request(json!({}), None);
        for state in ProvisioningState::ALL {
            let result = candidate(&host("h", state.as_str(), json!({})), &request);
            let expected = matches!(
                state,
                ProvisioningState::Ready | ProvisioningState::Available
            );
            assert_eq!(result.is_ok(), expected, "{state}");
            if !expected {
                assert_eq!(result, Err(Exclusion::NotReady));
            }
        }
        assert_eq!(
            candidate(&host("h", "bogus", json!({})), &request),
            Err(Exclusion::NotReady)
        );
    }

    /// SEL-08: the failure domain is preferred, with a fallback to any available host.
    #[test]
    fn failure_domain_preference() {
        let request = request(json!({"spec": {"failureDomain": "fd1"}}), None);
        let in_domain = |name| {
            host(
                name,
                "available",
                json!({"metadata": {"labels": {"infrastructure.cluster.x-k8s.io/failure-domain": "fd1"}}}),
            )
        };
        let hosts = [
            host("a", "available", json!({})),
            in_domain("b"),
            host("c", "ready", json!({})),
        ];
        for seed in 0..20 {
            assert_eq!(chosen_name(pick(&hosts, &request, seed)), "b");
        }
        let others = [
            host("a", "available", json!({})),
            host("c", "ready", json!({})),
        ];
        let chosen: BTreeSet<String> = (0..40)
            .map(|seed| chosen_name(pick(&others, &request, seed)))
            .collect();
        assert_eq!(chosen, BTreeSet::from(["a".to_owned(), "c".to_owned()]));
    }

    /// SEL-09: the choice among equals is random, and deterministic for a seed whatever the
    /// input order.
    #[test]
    fn random_among_equals() {
        let request = request(json!({}), None);
        let hosts: Vec<BareMetalHost> = (0..5)
            .map(|i| host(&format!("h{i}"), "available", json!({})))
            .collect();
        let chosen: BTreeSet<String> = (0..60)
            .map(|seed| chosen_name(pick(&hosts, &request, seed)))
            .collect();
        assert!(chosen.len() > 1, "always {chosen:?}");
        let mut reversed = hosts.clone();
        reversed.reverse();
        for seed in 0..10 {
            assert_eq!(
                chosen_name(pick(&hosts, &request, seed)),
                chosen_name(pick(&reversed, &request, seed))
            );
        }
    }

    /// SEL-10: nothing available is an error that says why.
    #[test]
    fn nothing_available() {
        let hosts = [
            host("a", "provisioned", json!({})),
            host("b", "inspecting", json!({})),
        ];
        let error = pick(&hosts, &request(json!({}), None), 1).expect_err("none");
        assert_eq!(error.to_string(), "no available host (2 not ready)");
    }

    /// SEL-12, SEL-13, SEL-14: node-reuse hosts of this owner first, waiting for them when not
    /// ready; those of another owner never.
    #[test]
    fn node_reuse() {
        let reuse = |name, state, label: &str| {
            let mut overlay = json!({"metadata": {"labels": {"infrastructure.cluster.x-k8s.io/node-reuse": label}}});
            overlay["spec"] =
                consumer("Cluster", "test1", "cluster.x-k8s.io/v1beta2")["spec"].clone();
            host(name, state, overlay)
        };
        let request = request(json!({}), Some("md-md1"));
        let free = host("a", "available", json!({}));

        let hosts = [
            free.clone(),
            reuse("r1", "available", "md-md1"),
            reuse("r2", "ready", "md-md1"),
        ];
        assert_eq!(
            pick(&hosts, &request, 1),
            Ok(Choice::Host {
                host: &hosts[2],
                via_node_reuse: true
            })
        );

        let waiting = [
            free.clone(),
            reuse("r1", "available", "md-md1"),
            reuse("r2", "deprovisioning", "md-md1"),
        ];
        assert_eq!(
            pick(&waiting, &request, 1),
            Ok(Choice::WaitForReuse { host: &waiting[2] })
        );

        let foreign = [free.clone(), reuse("r1", "available", "md-other")];
        assert_eq!(chosen_name(pick(&foreign, &request, 1)), "a");

        let no_owner_name = request_without_reuse();
        assert_eq!(
            candidate(&reuse("r1", "available", "md-md1"), &no_owner_name),
            Err(Exclusion::ReservedForOther)
        );

        let stolen = host(
            "s",
            "available",
            json!({
            "metadata": {"labels": {"infrastructure.cluster.x-k8s.io/node-reuse": "md-md1"}},
            "spec": {"consumerRef": {"kind": "Metal3Machine", "name": "other", "namespace": NS,
                                     "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2"}}}),
        );
        assert_eq!(candidate(&stolen, &request), Err(Exclusion::Claimed));
    }

    fn request_without_reuse() -> HostRequest {
        request(json!({}), None)
    }
}
